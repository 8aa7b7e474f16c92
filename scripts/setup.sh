#!/usr/bin/env bash
# setup.sh — installs what building and testing isoreplay needs on a Debian 12 machine,
# and nothing more: only packages that are missing. V8 itself (Debian's libnode108 +
# libnode-dev) is never installed: cmake/DebianV8.cmake fetches and unpacks it into
# build/_v8, because it conflicts with the NodeSource nodejs these machines carry.
# Chromium is optional: without it the HTML report's browser test is skipped, saying so.
set -euo pipefail

need=(cmake ninja-build gcc g++ libgtest-dev libjansson-dev pkg-config python3 python3-jinja2
      libelf-dev   # record: the V8 symbols of a program with V8 linked in, for uprobes
      help2man patchelf   # install: man pages from --help, the installed binary's rpath
      clang-14 libclang-rt-14-dev   # the fuzzer (scripts/fuzz.sh)
      # libnode.so.108's runtime libraries (they do not conflict with nodejs):
      libuv1 libicu72 libc-ares2 libnghttp2-14 libbrotli1 libssl3)
want=(chromium fonts-dejavu-core)   # the browser test of the HTML report

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null && sudo_cmd=(sudo) || {
    echo "setup: not root and no sudo; install: ${need[*]}" >&2; exit 1; }
fi

missing() {
  local p out=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out+=("$p")
  done
  echo "${out[@]:-}"
}
read -r -a need_missing <<<"$(missing "${need[@]}")"
read -r -a want_missing <<<"$(missing "${want[@]}")"

# apt-get download of libnode needs package lists that know it.
lists_ok=1
apt-cache policy libnode108 2>/dev/null | grep -q 'Candidate: [0-9]' || lists_ok=0

if [ ${#need_missing[@]} -gt 0 ] || [ ${#want_missing[@]} -gt 0 ] || [ $lists_ok -eq 0 ]; then
  echo "setup: apt-get update"
  "${sudo_cmd[@]}" apt-get update -qq
fi
install() {
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@"
}
if [ ${#need_missing[@]} -gt 0 ]; then
  echo "setup: installing ${need_missing[*]}"
  install "${need_missing[@]}"
fi
if [ ${#want_missing[@]} -gt 0 ]; then
  echo "setup: installing ${want_missing[*]} (optional)"
  install "${want_missing[@]}" || echo "setup: could not install ${want_missing[*]}: the browser test will be skipped"
fi
