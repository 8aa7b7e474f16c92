#!/bin/sh
# isoreplay-suite — the installed suite runner (share/isoreplay/runner), with Debian's
# python3 that has python3-jinja2 (the first python3 on PATH may not).
here=$(dirname "$(readlink -f "$0")")
exec /usr/bin/python3 "$here/../share/isoreplay/runner/isoreplay_suite.py" "$@"
