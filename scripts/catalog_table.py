#!/usr/bin/python3
"""catalog_table.py — what each V8 version does with each example of docs/violations.md.

    scripts/catalog_table.py --isoreplay BIN --write    measure, and rewrite the tables
    scripts/catalog_table.py --isoreplay BIN --check    measure, and fail on any difference

Replays every scenario of scenarios/catalog/ on every runtime of the build (isoreplay run
--json) and puts, in each code's section of docs/violations.md, between the markers
`<!-- measured: CODE -->` and `<!-- /measured -->`, a table: one row per example, one
column per V8 version, each cell saying how the replay ended (ran to the end, a fatal
error, a signal) and where, and what V8 showed on the way (the current isolate going
wrong, a script throwing). The check is a ctest test (docs.catalog_measured): the
document never says what V8 no longer does.
"""
from __future__ import annotations

import argparse
import difflib
import json
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DOC = PROJECT / "docs" / "violations.md"
CATALOG = PROJECT / "scenarios" / "catalog"
BLOCK = re.compile(r"<!-- measured: (?P<code>[a-z-]+) -->\n.*?<!-- /measured -->", re.S)
EXAMPLE = re.compile(r"\(\.\./scenarios/catalog/([a-z0-9-]+\.scn)\)")


def measure(isoreplay: str) -> dict[tuple[str, str], dict]:
    """(scenario file name, runtime name) -> its report, for every catalog scenario."""
    files = sorted(str(p) for p in CATALOG.glob("*.scn"))
    done = subprocess.run([isoreplay, "run", "--quiet", "--json", "-", *files], cwd=PROJECT,
                          capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1):
        sys.exit(f"catalog_table.py: isoreplay failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    doc = json.loads(done.stdout)
    return {(Path(s["file"]).name, s["runtime"]["name"]): s for s in doc["scenarios"]}


def _line_of(report: dict, step: dict | None) -> str:
    return f"line {step['line']}" if step else "the end"


def cell(report: dict) -> str:
    """How one replay went, in a few words."""
    if report["outcome"] == "skipped":
        return "not replayed: " + report.get("skip_reason", "")
    steps = [s for s in report["steps"] if s["reached"]]
    died = next((s for s in steps if s["end_us"] is None), None)
    ending = report["ending"]
    kind = ending["kind"]
    if kind == "v8-fatal":
        fatal = (ending.get("fatal") or "").split(": ", 1)[-1]
        what = f"fatal error at {_line_of(report, died)}: \"{fatal}\" (SIG{ending.get('signal')})"
    elif kind == "signal":
        what = f"SIG{ending.get('signal')} at {_line_of(report, died)}"
    elif kind in ("clean", "deadlock"):
        what = "runs to the end" + (" (deadlock reported)" if kind == "deadlock" else "")
    else:
        what = kind
    notes = []
    for s in steps:
        if "tls-divergence" in s["violations"]:
            notes.append(f"GetCurrent() {s['real_current'] or '?'} at line {s['line']}")
        result = s.get("result") or {}
        if result.get("outcome") == "threw":
            text = result.get("text") or ""
            notes.append(f"script at line {s['line']} throws" + (f" \"{text}\"" if text else " (no message)"))
    return what + ("; " + "; ".join(notes) if notes else "")


def table(code: str, examples: list[str], reports: dict, versions: list[str]) -> str:
    rows = [f"<!-- measured: {code} -->",
            "| example | " + " | ".join(f"V8 {v}" for v in versions) + " |",
            "|---|" + "---|" * len(versions)]
    for ex in examples:
        cells = [cell(reports[(ex, v)]).replace("|", "\\|") if (ex, v) in reports else "not measured"
                 for v in versions]
        rows.append(f"| `{ex}` | " + " | ".join(cells) + " |")
    rows.append("<!-- /measured -->")
    return "\n".join(rows)


def regenerate(text: str, reports: dict) -> str:
    versions = sorted({v for _, v in reports}, key=lambda v: tuple(int(x) for x in v.split(".")))

    def one(m: re.Match) -> str:
        code = m.group("code")
        section = text[text.index(f"\n## {code}\n"):]
        section = section[:section.find("\n## ", 4)] if "\n## " in section[4:] else section
        example_line = next((l for l in section.splitlines() if l.startswith("**Example**")), "")
        return table(code, EXAMPLE.findall(example_line), reports, versions)

    return BLOCK.sub(one, text)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="catalog_table.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--isoreplay", required=True, help="the isoreplay binary of the build to measure")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    a = p.parse_args(argv)
    text = DOC.read_text()
    if not BLOCK.search(text):
        sys.exit("catalog_table.py: docs/violations.md has no <!-- measured: CODE --> block")
    fresh = regenerate(text, measure(a.isoreplay))
    if a.write:
        DOC.write_text(fresh)
        print(f"catalog_table.py: {DOC} rewritten")
        return 0
    if fresh == text:
        print("catalog_table.py: docs/violations.md says what every V8 version does")
        return 0
    sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), fresh.splitlines(True),
                                               "docs/violations.md", "measured now"))
    print("catalog_table.py: docs/violations.md and a fresh measurement disagree; "
          "run scripts/catalog_table.py --isoreplay build/default/bin/isoreplay --write and review the diff")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
