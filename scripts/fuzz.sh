#!/usr/bin/env bash
# fuzz.sh — runs the scenario-language fuzzer for SECONDS (default 60): libFuzzer (clang
# 14) with ASan, UBSan and LeakSanitizer over the lexer, the parser, the checks across
# steps and a dry run of every accepted input (tests/fuzz/fuzz_property.h). The corpus
# grows in build/fuzz/corpus across runs, seeded from every scenario of the project.
# A finding is written to build/fuzz/findings/ and the script fails; keep it as a
# regression input in tests/fuzz/regressions/ once fixed (ctest fuzz.regressions).
#   scripts/fuzz.sh          a minute (what CI runs)
#   scripts/fuzz.sh 3600     an hour
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz >/dev/null
corpus=build/fuzz/corpus
mkdir -p "$corpus" build/fuzz/findings
for f in scenarios/*/*.scn tests/data/*.scn tests/fuzz/regressions/*; do
  cp -n "$f" "$corpus/seed-$(echo "$f" | tr '/' '_')"
done
echo "fuzz: $secs s over $(ls "$corpus" | wc -l) corpus inputs"
log=build/fuzz/last-run.log
rc=0
# A timeout is a finding; slow units are not (the largest legal expansion, a million
# steps, takes about a minute under the fuzzer's instrumentation).
build/fuzz/tests/fuzz/scn_fuzz -max_total_time="$secs" -timeout=300 -report_slow_units=120 -rss_limit_mb=4096 -max_len=8192 \
  -dict=tests/fuzz/scn.dict -artifact_prefix=build/fuzz/findings/ -print_final_stats=1 "$corpus" >"$log" 2>&1 || rc=$?
grep -E '^(stat::|Done|INFO: Seed)|ERROR|SUMMARY' "$log" || true
if [ $rc -ne 0 ] || ls build/fuzz/findings/{crash,leak,timeout,oom}-* >/dev/null 2>&1; then
  echo "fuzz: FAILED (exit $rc); the log: $log; findings:" && ls -l build/fuzz/findings/ && exit 1
fi
echo "fuzz: no finding"
