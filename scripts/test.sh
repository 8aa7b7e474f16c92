#!/usr/bin/env bash
# test.sh — every test under the three builds: default (RelWithDebInfo), asan
# (address + undefined) and tsan, then the scenario-language fuzzer for a minute.
# Installs what is missing first. Runs everything even when one part fails, then prints
# one line "tests: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
presets=(${ISOREPLAY_PRESETS:-default asan tsan})
passed=0 failed=0 status=0
for p in "${presets[@]}"; do
  echo "=== preset $p"
  log=$(mktemp)
  cmake --workflow --preset "$p" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "=== preset $p: did not get to run its tests (exit $rc)"
    failed=$((failed + 1)); status=1; continue
  fi
  f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
  n=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
  passed=$((passed + n - f)); failed=$((failed + f))
  [ "$rc" -eq 0 ] || status=1
  echo "=== preset $p: $((n - f)) passed, $f failed"
done
# The scenario-language fuzzer, for a short fixed time (scripts/fuzz.sh 3600 for longer).
echo "=== fuzzer"
if scripts/fuzz.sh "${ISOREPLAY_FUZZ_SECONDS:-60}"; then
  echo "=== fuzzer: no finding"
else
  echo "=== fuzzer: FAILED"; failed=$((failed + 1)); status=1
fi
echo "tests: $passed passed, $failed failed"
exit $status
