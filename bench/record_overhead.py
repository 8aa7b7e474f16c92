#!/usr/bin/python3
"""record_overhead.py — what `isoreplay record` costs a program, per call: a tight loop of
Isolate::Enter + Isolate::Exit in a small libnode embedder (v8probe/testprograms/
pool_embedder bench N), timed by the program itself, plain and under record, in one run.
Prints the nanoseconds per pair, side by side, and the ratio beside its target (1.3x).

    /usr/bin/python3 bench/record_overhead.py [--build default] [--pairs N] [--rounds R]"""
import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def per_pair(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return float(re.search(r"ns per Enter\+Exit pair: ([0-9.]+)", out).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="default")
    ap.add_argument("--pairs", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    build = PROJECT / "build" / a.build
    prog, cli = build / "testprograms" / "pool_embedder", build / "bin" / "isoreplay"
    for f in (prog, cli):
        if not f.exists():
            sys.exit(f"record_overhead: {f} is missing: build the {a.build} preset")
    plain, rec = [], []
    for _ in range(a.rounds):  # interleaved, so a noisy moment hits both
        plain.append(per_pair([str(prog), "bench", str(a.pairs)]))
        rec.append(per_pair([str(cli), "record", "--quiet", "--", str(prog), "bench", str(a.pairs)]))
    p, r = statistics.median(plain), statistics.median(rec)
    print(f"record_overhead: {a.rounds} rounds of {a.pairs} Enter+Exit pairs, medians")
    print(f"  plain libnode    {p:8.1f} ns per pair")
    print(f"  under record     {r:8.1f} ns per pair")
    print(f"  ratio            {r / p:8.2f}x   (target <= 1.3x)")


if __name__ == "__main__":
    main()
