#!/usr/bin/env bash
# setup.sh — installs what building and testing isoreplay needs on a Debian 12 machine,
# and nothing more: only packages that are missing. V8 itself (Debian's libnode108 +
# libnode-dev) is never installed: cmake/DebianV8.cmake fetches and unpacks it into
# build/_v8, because it conflicts with the NodeSource nodejs these machines carry.
set -euo pipefail

need=(cmake ninja-build gcc g++ libgtest-dev libjansson-dev pkg-config
      # libnode.so.108's runtime libraries (they do not conflict with nodejs):
      libuv1 libicu72 libc-ares2 libnghttp2-14 libbrotli1 libssl3)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null && sudo_cmd=(sudo) || {
    echo "setup: not root and no sudo; install: ${need[*]}" >&2; exit 1; }
fi

missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# apt-get download of libnode needs package lists that know it.
lists_ok=1
apt-cache policy libnode108 2>/dev/null | grep -q 'Candidate: [0-9]' || lists_ok=0

if [ ${#missing[@]} -gt 0 ] || [ $lists_ok -eq 0 ]; then
  echo "setup: apt-get update"
  "${sudo_cmd[@]}" apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
