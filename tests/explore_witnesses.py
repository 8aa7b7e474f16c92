#!/usr/bin/python3
"""explore_witnesses.py BIN FAMILY — every race of scenarios/FAMILY (a file with an
`expect-race` line) explored into a fresh directory: each must give at least one witness
per expected code, and every witness must pass `isoreplay run --dry-run` (its `!` marks
are what the checker raises in that order) with the expected code marked on one of its
steps. Exit 0 when all hold; else says which and exits 1."""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

isoreplay, family = sys.argv[1], Path(sys.argv[2])
failures = []
races = sorted(p for p in family.glob("*.scn") if re.search(r"^expect-race ", p.read_text(), re.M))
if not races:
    sys.exit(f"explore_witnesses: no scenario with expect-race in {family}")
for scn in races:
    expected = set()
    for line in re.findall(r"^expect-race (.*)$", scn.read_text(), re.M):
        expected |= {c.strip() for c in line.split("#")[0].split(",")}
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run([isoreplay, "explore", "--witness-dir", out, str(scn)], capture_output=True, text=True)
        if done.returncode != 0:
            failures.append(f"{scn}: explore exited {done.returncode}:\n{done.stdout}{done.stderr}")
            continue
        witnesses = sorted(Path(out).glob("*.scn"))
        marked = set()
        for w in witnesses:
            for codes in re.findall(r"  ! (.*)$", w.read_text(), re.M):
                marked |= {c.strip() for c in codes.split(",")}
        if not expected <= marked:
            failures.append(f"{scn}: witnesses mark {sorted(marked)}, expected at least {sorted(expected)}")
        dry = subprocess.run([isoreplay, "run", "--dry-run", "--quiet", *map(str, witnesses)], capture_output=True, text=True)
        if dry.returncode != 0 or not witnesses:
            failures.append(f"{scn}: its {len(witnesses)} witnesses do not pass a dry run:\n{dry.stdout}{dry.stderr}")
        else:
            print(f"{scn}: {len(witnesses)} witnesses, all pass dry; they show {', '.join(sorted(expected))}")
if failures:
    print("\n".join(failures))
    sys.exit(1)
