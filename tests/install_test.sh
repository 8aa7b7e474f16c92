#!/usr/bin/env bash
# install_test.sh BUILD_DIR SOURCE_DIR FLAVOR — `cmake --install` into a temporary prefix,
# then, with the checkout hidden (a private mount namespace with an empty tmpfs over
# SOURCE_DIR: the build tree, the fetched runtimes and the sources all gone), the
# installed tools as a user calls them: --version and versions find the installed
# runtimes, `run --html` replays the example project's scenarios, `isoreplay-suite`
# writes JUnit and HTML, `record` records an installed node, the example project's ctest
# passes against the installed package (find_package + isoreplay_add_scenarios), and the
# man pages and the completion are there. Root only (unshare -m): exit 77 (skipped) else.
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
flavor=$3
[ "$(id -u)" = 0 ] || { echo "install_test: needs root (unshare -m); skipped"; exit 77; }
exe=isoreplay
[ "$flavor" = default ] || exe=isoreplay-$flavor
work=$(mktemp -d /tmp/isoreplay-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
cp -r "$src/examples/embedder-ci" "$work/example"

cat >"$work/as-a-user.sh" <<INNER
set -u
fails=0
check() {  # check WHAT COMMAND...: runs it, says what failed
  local what=\$1; shift
  if ! "\$@" >"$work/out" 2>&1; then echo "FAILED: \$what: \$*"; cat "$work/out"; fails=\$((fails + 1)); fi
}
has() {  # has WHAT FILE TEXT
  grep -qF -- "\$3" "\$2" || { echo "FAILED: \$1: '\$3' not in \$2"; head -20 "\$2"; fails=\$((fails + 1)); }
}
P=$work/prefix
cd $work/example
[ -z "\$(ls -A $src)" ] || { echo "FAILED: the checkout is still visible"; exit 1; }
check "--version" \$P/bin/$exe --version
has "--version names the installed runtimes" $work/out "(installed with isoreplay)"
check "versions" \$P/bin/$exe versions
has "versions finds the installed node" $work/out "\$P/lib/isoreplay/node/"
check "run --html" \$P/bin/$exe run --html $work/pool.html scenarios/pool/worker-drops-outer-runtime-first.scn
has "run --html wrote the page" $work/pool.html "exit-order"
check "isoreplay-suite" \$P/bin/isoreplay-suite --build $flavor --scenarios scenarios --out $work/suite
has "the suite's JUnit" $work/suite/junit.xml "worker-nests-two-runtimes"
has "the suite's HTML" $work/suite/report.html "worker-drops-outer-runtime-first"
node=\$(ls -d \$P/lib/isoreplay/node/*/bin/node | head -1)
check "record an installed node" \$P/bin/$exe record -- \$node -e "new (require('worker_threads').Worker)('1', {eval: true})"
has "record saw the worker" $work/out "on 2 threads, 2 isolates: 0 errors, 0 warnings"
check "configure the example" cmake -S . -B $work/example-build -DCMAKE_PREFIX_PATH=\$P
check "the example's ctest" ctest --test-dir $work/example-build --output-junit $work/junit.xml
has "one test per scenario and runtime" $work/out "100% tests passed, 0 tests failed out of \$((2 * \$(\$P/bin/$exe versions | tail -n +2 | wc -l)))"
has "the JUnit names them" $work/junit.xml "isoreplay.pool.worker-nests-two-runtimes.$flavor.v8-"
first=\$(\$P/bin/$exe versions | awk 'NR == 2 {print \$1}')
mkdir -p $work/custom
printf 'cmake_minimum_required(VERSION 3.20)\nproject(custom NONE)\nenable_testing()\nfind_package(isoreplay REQUIRED)\nisoreplay_add_scenarios(%s BUILDS $flavor V8 %s LABELS mine)\n' "$work/example/scenarios" "\$first" >$work/custom/CMakeLists.txt
check "BUILDS, V8 and LABELS" cmake -S $work/custom -B $work/custom-build -DCMAKE_PREFIX_PATH=\$P
check "list the custom tests" ctest --test-dir $work/custom-build -N -L mine
has "one runtime: a test per scenario" $work/out "Total Tests: 2"
has "named by build and version" $work/out "isoreplay.pool.worker-drops-outer-runtime-first.$flavor.v8-\$first"
sed -i 's/V8 [0-9.]*/V8 9.9/' $work/custom/CMakeLists.txt
if cmake -S $work/custom -B $work/custom-bad -DCMAKE_PREFIX_PATH=\$P >$work/out 2>&1; then echo "FAILED: V8 9.9 configured"; fails=\$((fails + 1)); fi
has "a version not installed is a configure error naming what is" $work/out "V8 9.9:"
has "a man page per command" \$P/share/man/man1/isoreplay-run.1 "resident memory"
has "the completion" \$P/share/bash-completion/completions/isoreplay "complete -F _isoreplay"
exit \$((fails > 0))
INNER
unshare -m bash -c "mount -t tmpfs none '$src' && bash '$work/as-a-user.sh'"
rc=$?
[ $rc -eq 0 ] && echo "install_test: the installed isoreplay works with the checkout gone"
exit $rc
