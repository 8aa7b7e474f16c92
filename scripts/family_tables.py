#!/usr/bin/python3
"""family_tables.py — the table of scenarios in each family's README, from the scenarios.

    scripts/family_tables.py --isoreplay BIN --write    rewrite the tables
    scripts/family_tables.py --isoreplay BIN --check    fail when a table is out of date

Each scenarios/FAMILY/README.md has a table `| scenario | what it shows |`; its rows are
generated: one per .scn file of the family, with the scenario's title, the codes it
expects (what its `!` lines say, read from `isoreplay run --dry-run --json`), what explore
finds in its other orders (its `expect-race` lines), how it says V8 ends it (its
`expect-end` lines) and its sources. The text around the table is the
family's own. The check is a ctest test (docs.family_readmes): a scenario added, renamed
or changed shows in its family's README.
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
SCENARIOS = PROJECT / "scenarios"
HEADER = "| scenario | what it shows |\n|---|---|\n"
TABLE = re.compile(re.escape(HEADER) + r"(?:\|.*\n)*")


def reports(isoreplay: str, files: list[Path]) -> dict[str, dict]:
    """file path -> its dry-run report (parsed, checked, no V8)."""
    done = subprocess.run([isoreplay, "run", "--dry-run", "--quiet", "--json", "-", *map(str, files)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1):
        sys.exit(f"family_tables.py: isoreplay failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return {str(Path(e["file"]).resolve()): e for e in json.loads(done.stdout)["scenarios"]}


def codes(report: dict) -> list[str]:
    found = set(report.get("expected_at_end") or [])
    for step in report.get("steps") or []:
        found.update(step.get("expected_violations") or [])
    return sorted(found)


def uncommented(line: str) -> str:
    """The line without its `#` comment (a `#` inside a string is not one)."""
    quoted = False
    for i, c in enumerate(line):
        if c == '"' and (i == 0 or line[i - 1] != "\\"):
            quoted = not quoted
        elif c == "#" and not quoted:
            return line[:i].rstrip()
    return line.rstrip()


def ends(path: Path) -> list[str]:
    """The scenario's expect-end lines as written, comments off."""
    lines = (uncommented(l).strip() for l in path.read_text().splitlines())
    return [l for l in lines if l.startswith("expect-end")]


def races(path: Path) -> list[str]:
    """The codes of the scenario's expect-race lines: what explore finds in other orders."""
    found = []
    for line in (uncommented(l).strip() for l in path.read_text().splitlines()):
        if line.startswith("expect-race "):
            found += [c.strip() for c in line[len("expect-race "):].split(",")]
    return found


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def row(path: Path, report: dict | None) -> str:
    if report is None:
        return f"| [`{path.name}`]({path.name}) | (does not parse: `isoreplay check {path.relative_to(PROJECT)}`) |"
    raised = codes(report)
    what = [cell(report["title"]) + ("" if report["title"].endswith((".", "!", "?")) else ".")]
    what.append("Raises: " + ", ".join(f"`{c}`" for c in raised) + "." if raised else "Raises nothing.")
    if races(path):
        what.append("In another order (`isoreplay explore`): " + ", ".join(f"`{c}`" for c in races(path)) + ".")
    if ends(path):
        what.append("V8 ends it: " + "; ".join(f"`{cell(e)}`" for e in ends(path)) + ".")
    if report.get("sources"):
        what.append("Source: " + ", ".join(cell(s) for s in report["sources"]) + ".")
    return f"| [`{path.name}`]({path.name}) | {' '.join(what)} |"


def table(family: Path, by_file: dict[str, dict]) -> str:
    rows = [row(p, by_file.get(str(p.resolve()))) for p in sorted(family.glob("*.scn"))]
    return HEADER + "".join(r + "\n" for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--isoreplay", required=True)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    a = ap.parse_args()
    families = sorted(d for d in SCENARIOS.iterdir() if d.is_dir() and (d / "README.md").exists())
    by_file = reports(a.isoreplay, [p for d in families for p in sorted(d.glob("*.scn"))])
    stale = []
    for d in families:
        readme = d / "README.md"
        text = readme.read_text()
        if not TABLE.search(text):
            stale.append(f"{readme.relative_to(PROJECT)}: no `| scenario | what it shows |` table")
            continue
        new = TABLE.sub(lambda _: table(d, by_file), text, count=1)
        if new == text:
            continue
        if a.write:
            readme.write_text(new)
            print(f"family_tables.py: {readme.relative_to(PROJECT)} rewritten")
        else:
            diff = "".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True), str(readme), "generated"))
            stale.append(diff)
    if stale:
        print("family_tables.py: out of date (scripts/family_tables.py --isoreplay BIN --write):\n" + "\n".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
