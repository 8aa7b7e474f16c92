# Bash completion for isoreplay: commands, each command's options (read from
# `isoreplay COMMAND --help`, so they never drift), --v8 versions (from `isoreplay
# versions`), violation codes for `codes` (from `isoreplay codes --names`), scenario files
# (*.scn) for run and check, and the program after record's `--`. Install as /usr/share/bash-completion/completions/isoreplay, or source it.

_isoreplay() {
  local cur prev cmd i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "run check versions record new codes explore reduce help --help --version" -- "$cur"))
    return
  fi
  cmd=${COMP_WORDS[1]}
  if [ "$cmd" = record ]; then  # after --, the program and its own arguments
    for ((i = 2; i < COMP_CWORD; i++)); do
      if [ "${COMP_WORDS[i]}" = -- ]; then
        if [ $((i + 1)) -eq "$COMP_CWORD" ]; then
          COMPREPLY=($(compgen -c -- "$cur" | sort -u))
        else
          COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return
      fi
    done
  fi
  case "$prev" in
    --v8)
      COMPREPLY=($(compgen -W "all $("${COMP_WORDS[0]}" versions 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur"))
      return ;;
    --json | --trace | --html | --out | --output | -o)
      COMPREPLY=($(compgen -f -- "$cur"))
      return ;;
    --memory-limit)
      COMPREPLY=($(compgen -W "512M 1G 4G 0" -- "$cur"))
      return ;;
    --witness-dir)
      COMPREPLY=($(compgen -d -- "$cur"))
      compopt -o filenames 2>/dev/null
      return ;;
    --bound | --seed | --runs | --depth | --max-schedules)
      return ;;
  esac
  if [ "${cur:0:1}" = - ]; then
    local opts
    opts=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
    [ "$cmd" = record ] && opts="$opts --"
    COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
    return
  fi
  case "$cmd" in
    run | check | explore | reduce)
      COMPREPLY=($(compgen -f -X '!*.scn' -- "$cur") $(compgen -d -- "$cur"))
      compopt -o filenames 2>/dev/null ;;
    codes)
      COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" codes --names 2>/dev/null)" -- "$cur")) ;;
    help)
      COMPREPLY=($(compgen -W "run check versions record new codes explore reduce" -- "$cur")) ;;
  esac
}
complete -F _isoreplay isoreplay isoreplay-asan isoreplay-tsan
