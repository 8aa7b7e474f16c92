#!/usr/bin/python3
"""explore_speed.py — how fast `isoreplay explore` checks schedules, and what partial-order
reduction saves, side by side in one run:

- every scenario of scenarios/races and scenarios/correct explored to bound 2, with and
  without sleep sets: schedules checked each way, the reduction factor, schedules per
  second; and the same over the whole corpus;
- a four-thread, forty-step program (a pool sharing two isolates under Lockers, joined by
  its owner) explored to bound 2: its time beside the 10 s target, with and without
  reduction.

    /usr/bin/python3 bench/explore_speed.py [--isoreplay build/default/bin/isoreplay]
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
LINE = re.compile(r"^(?P<file>.*): explored (?P<n>\d+) schedules to preemption bound \d+ in (?P<ms>[\d.]+) ms")


def explore(isoreplay: str, files: list[Path], reduction: bool, witnesses: str) -> tuple[int, float]:
    """Schedules checked and the search's own milliseconds, summed over files."""
    args = [isoreplay, "explore", "--bound", "2", "--witness-dir", witnesses, *(["--no-reduction"] if not reduction else []),
            *map(str, files)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=PROJECT)
    if done.returncode not in (0, 1):
        sys.exit(f"explore_speed: isoreplay explore failed ({done.returncode}):\n{done.stderr[-2000:]}")
    n, ms = 0, 0.0
    for line in done.stdout.splitlines():
        m = LINE.match(line)
        if m:
            n += int(m["n"])
            ms += float(m["ms"])
    return n, ms


def four_threads_forty_steps() -> str:
    lines = ['title "Four threads, forty steps: a pool sharing two isolates under Lockers"', "",
             "main: new A", "main: new B"]
    for t in range(4):
        iso = "AB"[t % 2]
        for _ in range(2):
            lines += [f"T{t}: lock {iso}", f"T{t}: enter {iso}", f'T{t}: run {iso} "{t}"', f"T{t}: exit {iso}",
                      f"T{t}: unlock {iso}"]
    lines += [f"main: join T{t}" for t in range(4)] + ["main: dispose A", "main: dispose B"]
    return "\n".join(lines) + "\n"


def row(label: str, with_n: int, with_ms: float, without_n: int, without_ms: float) -> str:
    factor = without_n / with_n if with_n else float("nan")
    rate = with_n / (with_ms / 1000) if with_ms else float("nan")
    return f"{label:<44} {with_n:>10} {without_n:>12} {factor:>8.1f}x {rate:>12.0f} {with_ms / 1000:>8.2f} s"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--isoreplay", default=str(PROJECT / "build" / "default" / "bin" / "isoreplay"))
    a = ap.parse_args()
    print(f"{'scenarios (bound 2)':<44} {'schedules':>10} {'no reduction':>12} {'factor':>9} {'schedules/s':>12} {'time':>10}")
    with tempfile.TemporaryDirectory() as out:
        for family in ("races", "correct", None):
            files = sorted((PROJECT / "scenarios" / family).glob("*.scn")) if family else \
                sorted((PROJECT / "scenarios").rglob("*.scn"))
            w = explore(a.isoreplay, files, True, out)
            wo = explore(a.isoreplay, files, False, out)
            print(row(f"scenarios/{family or '**'} ({len(files)} files)", *w, *wo))
        prog = Path(out) / "four-threads-forty-steps.scn"
        prog.write_text(four_threads_forty_steps())
        start = time.monotonic()
        w = explore(a.isoreplay, [prog], True, out)
        wall = time.monotonic() - start
        wo = explore(a.isoreplay, [prog], False, out)
        print(row("4 threads, 40 steps (+ owner's 8)", *w, *wo))
        print(f"\n4 threads x 10 steps to bound 2: {wall:.2f} s wall, command included (target: under 10 s) "
              f"{'MET' if wall < 10 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
