#!/usr/bin/python3
"""reduce_speed.py — `isoreplay reduce` on scenarios of several sizes, side by side: steps
before and after, candidates tried, time:

- recorded-style pools of 1,000, 5,000 and 20,000 steps, each with one drop-order bug
  (rusty_v8), reduced by the checker alone (target: 5,000 steps under 30 s);
- the isolated-vm#553 scenario, reduced to its SIGSEGV on the newest runtime, each
  candidate replayed on real V8.

    /usr/bin/python3 bench/reduce_speed.py [--isoreplay build/default/bin/isoreplay]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DONE = re.compile(r"reduced from (\d+) steps to (\d+) keeping .*: (\d+) candidates tried")


def pool(rounds: int) -> str:
    """Four workers each making, using and dropping a runtime per round; one wrong drop."""
    out = ['title "Recorded: four pool workers, one drops out of order"', "model rusty_v8", "tags recorded", ""]
    iso = 0
    for rnd in range(rounds):
        for w in range(4):
            t, a = f"worker-{w}: ", f"I{iso}"
            iso += 1
            out += [f"{t}new {a}", f'{t}run {a} "0"', f"{t}persistent H{a} of {a}", f"{t}reset H{a}", f'{t}run {a} "1"',
                    f"{t}drop {a}"]
            if rnd == rounds * 2 // 3 and w == 2:
                b, c = f"I{iso}", f"I{iso + 1}"
                iso += 2
                out += [f"{t}new {b}", f"{t}new {c}", f'{t}run {c} "2"', f"{t}drop {b}  ! drop-order, tls-divergence",
                        f"{t}drop {c}"]
    return "\n".join(out) + "\n"


def reduce(isoreplay: str, scn: Path, keep: str, *extra: str) -> tuple[int, int, int, float]:
    start = time.monotonic()
    done = subprocess.run([isoreplay, "reduce", "-q", "--keep", keep, *extra, "-o", str(scn.with_suffix(".small.scn")),
                           str(scn)], capture_output=True, text=True)
    wall = time.monotonic() - start
    m = DONE.search(done.stdout)
    if done.returncode != 0 or not m:
        sys.exit(f"reduce_speed: isoreplay reduce failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return int(m[1]), int(m[2]), int(m[3]), wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--isoreplay", default=str(PROJECT / "build" / "default" / "bin" / "isoreplay"))
    a = ap.parse_args()
    print(f"{'scenario':<52} {'steps':>7} {'after':>6} {'candidates':>11} {'time':>8}  target")
    with tempfile.TemporaryDirectory() as d:
        for rounds in (42, 208, 833):
            scn = Path(d) / f"pool-{rounds}.scn"
            scn.write_text(pool(rounds))
            before, after, tried, wall = reduce(a.isoreplay, scn, "drop-order")
            target = "under 30 s: " + ("MET" if wall < 30 else "MISSED") if 4000 <= before <= 6000 else ""
            print(f"{'pool, one drop-order (checker alone)':<52} {before:>7} {after:>6} {tried:>11} {wall:>7.2f}s  {target}")
        versions = subprocess.run([a.isoreplay, "versions"], capture_output=True, text=True).stdout.split("\n")[1:]
        newest = [l.split()[0] for l in versions if l.strip()]
        if newest:
            scn = PROJECT / "scenarios" / "bug-reports" / "isolated-vm-553-default-context-without-isolate-scope.scn"
            local = Path(d) / scn.name
            local.write_text(scn.read_text())
            before, after, tried, wall = reduce(a.isoreplay, local, "signal SEGV", "--v8", newest[-1])
            print(f"{'isolated-vm#553, SIGSEGV on V8 ' + newest[-1] + ' (real V8)':<52} {before:>7} {after:>6} {tried:>11} "
                  f"{wall:>7.2f}s  ({wall / tried * 1000:.0f} ms a candidate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
