#!/usr/bin/env bash
# main.sh — the main job on a fresh machine: install what is missing, build the default
# preset (fetching V8 10.2 into build/_v8), and run the probe demo: every example
# against real V8, each in a child process. Extra arguments go to isoreplay-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
exec build/default/harness/isoreplay-demo "$@"
