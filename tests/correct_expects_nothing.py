#!/usr/bin/python3
"""The correct family stays correct: every scenario under scenarios/correct/ expects no
violation (no `!` code on any step, none at the end), no V8 ending but `clean`, no
sanitizer finding, and its dry run raises nothing, warnings included. A scenario there
that needs any of these is a violation, and belongs to another family.
Usage: correct_expects_nothing.py ISOREPLAY SCENARIO_DIR"""
import glob
import json
import re
import subprocess
import sys


def problems(report, text):
    out = []
    for st in report["steps"]:
        if st["expected_violations"]:
            out.append(f"line {st['line']}: expects {', '.join(st['expected_violations'])}")
    if report["expected_at_end"]:
        out.append(f"expects at the end: {', '.join(report['expected_at_end'])}")
    for v in report["violations"]:
        out.append(f"line {v['line']}: raises {v['code']} ({v['severity']})")
    if report["ending"]["expected"] != "clean":
        out.append(f"expects the ending {report['ending']['expected']}")
    for n, line in enumerate(text.splitlines(), 1):
        if re.match(r"\s*expect-sanitizer\b", line):
            out.append(f"line {n}: expects a sanitizer finding")
    return out


def main():
    isoreplay, folder = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(f"{folder}/*.scn"))
    if not files:
        print(f"no scenario in {folder}")
        return 1
    run = subprocess.run([isoreplay, "run", "--dry-run", "--quiet", "--json", "-", *files],
                         capture_output=True, text=True)
    reports = json.loads(run.stdout)["scenarios"]
    bad = 0
    for report in reports:
        with open(report["file"], encoding="utf-8") as f:
            found = problems(report, f.read())
        for p in found:
            print(f"{report['file']}: {p}")
        bad += bool(found)
    print(f"{len(reports)} scenarios, {bad} expecting or raising something")
    return 1 if bad or len(reports) != len(files) else 0


if __name__ == "__main__":
    sys.exit(main())
