#!/usr/bin/env bash
# package_test.sh BUILD_DIR SOURCE_DIR — the Debian package as a user installs it: `cpack`
# makes it; it declares its dependencies by Debian package name; `dpkg -i` (then
# `apt-get -f install` if something is missing) gives a working /usr/bin/isoreplay that
# finds its runtimes under /usr/lib/isoreplay and replays a scenario on each, with its man
# pages and completion; `dpkg -r` removes it all. Root only: exit 77 (skipped) else, or
# when an isoreplay package this test did not install is there (it is not touched).
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
[ "$(id -u)" = 0 ] || { echo "package_test: needs root (dpkg -i); skipped"; exit 77; }
if dpkg -s isoreplay >/dev/null 2>&1; then
  echo "package_test: an isoreplay package is installed already; not touching it; skipped"
  exit 77
fi
fails=0
fail() { echo "FAILED: $*"; fails=$((fails + 1)); }
(cd "$build" && cpack -G DEB >"$build/cpack.log" 2>&1) || { cat "$build/cpack.log"; exit 1; }
deb=$(ls -t "$build"/isoreplay_*_amd64.deb | head -1)
depends=$(dpkg-deb -f "$deb" Depends)
for need in libjansson4 libelf1 python3-jinja2 libuv1 libicu72; do
  case "$depends" in *"$need"*) ;; *) fail "Depends lacks $need: $depends" ;; esac
done
trap 'dpkg -r isoreplay >/dev/null 2>&1' EXIT
dpkg -i "$deb" >"$build/dpkg.log" 2>&1 || apt-get -f install -y >>"$build/dpkg.log" 2>&1 || {
  cat "$build/dpkg.log"; exit 1; }
cd /tmp
[ "$(command -v isoreplay)" = /usr/bin/isoreplay ] || fail "no /usr/bin/isoreplay"
versions=$(isoreplay versions) || fail "isoreplay versions"
n=$(echo "$versions" | tail -n +2 | wc -l)
echo "$versions" | grep -q "/usr/lib/isoreplay/node/" || fail "versions does not find the packaged runtimes: $versions"
out=$(isoreplay run "$src/examples/embedder-ci/scenarios/pool/worker-drops-outer-runtime-first.scn" 2>&1)
echo "$out" | grep -q "^$n passed, 0 failed" || fail "the scenario on each of the $n runtimes: $out"
[ -f /usr/share/man/man1/isoreplay-record.1 ] || fail "no man page for record"
[ -f /usr/share/bash-completion/completions/isoreplay ] || fail "no bash completion"
[ -x /usr/bin/isoreplay-suite ] || fail "no isoreplay-suite"
dpkg -r isoreplay >/dev/null 2>&1 || fail "dpkg -r"
trap - EXIT
[ ! -e /usr/bin/isoreplay ] && [ ! -e /usr/lib/isoreplay ] || fail "dpkg -r left files behind"
[ $fails -eq 0 ] && echo "package_test: $(basename "$deb") installs, runs on $n runtimes, and goes"
exit $((fails > 0))
