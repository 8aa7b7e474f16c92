#!/usr/bin/env bash
# main.sh — the main job on a fresh machine: install what is missing, build the default
# preset (fetching V8 10.2 into build/_v8), and replay every scenario under scenarios/
# against real V8, each in a child process. Prints each verdict and ends with
# "N passed, N failed"; the JSON report goes to build/default/report.json.
# Arguments replace the scenario list: scripts/main.sh scenarios/drop-order/*.scn
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find scenarios -name '*.scn' | sort); fi
exec build/default/harness/isoreplay run --quiet --json build/default/report.json "${files[@]}"
