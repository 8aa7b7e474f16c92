#!/usr/bin/env bash
# completion_test.sh BINDIR — completions/isoreplay.bash as bash runs it: commands,
# options (read from the command's own --help), --v8 versions, scenario files, and the
# program after record's `--`. Each expectation prints both sides when it fails.
set -u
source "$(dirname "$0")/../completions/isoreplay.bash"
PATH="$(cd "$1" && pwd):$PATH"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" && touch one.scn two.scn notes.txt
fails=0
expect() {  # expect "WANTED" WORDS...: the completion of the last word is WANTED
  local want=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _isoreplay
  local got
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
  if [ "$got" != "$want " ]; then
    echo "completion of '$*': expected '$want', got '${got% }'"
    fails=$((fails + 1))
  fi
}
expect "record" isoreplay rec
expect "--json" isoreplay run --js
expect "--memory-limit" isoreplay run --mem
expect "one.scn two.scn" isoreplay run ""
expect "one.scn two.scn" isoreplay check ""
expect "--out" isoreplay record --o
expect "--force" isoreplay new --f
expect "notes.txt" isoreplay run --json no
expect "$(isoreplay versions | awk 'NR > 1 && $1 ~ /^1/ {print $1}' | sort | tr '\n' ' ' | sed 's/ $//')" isoreplay run --v8 1
expect "truncate" isoreplay record -- trun
expect "exit-order exit-unentered" isoreplay codes exit-
expect "codes" isoreplay cod
expect "isoreplay" isoreplay record -- isorepla
expect "notes.txt" isoreplay record -- cat not
[ $fails -eq 0 ] && echo "completion: every expectation met"
exit $((fails > 0))
