#!/usr/bin/env bash
# main.sh — the main job on a fresh machine: install what is missing, then replay every
# scenario under scenarios/ against every installed V8 runtime under the default, asan
# and tsan builds (building any that is missing), in parallel, each replay in a child
# process. Writes build/suite/results.json, build/suite/junit.xml and a sanitizer log per
# scenario per build under build/suite/logs/; ends with "N passed, N failed, N skipped".
# Arguments go to the runner: scripts/main.sh --build default --family drop-order
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec /usr/bin/python3 runner/isoreplay_suite.py "$@"
