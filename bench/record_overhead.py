#!/usr/bin/python3
"""record_overhead.py — what `isoreplay record` costs a program, per call: a tight loop of
Isolate::Enter + Isolate::Exit timed by the program itself, plain and under record, in one
run, each way: the preload in a small libnode embedder (v8probe/testprograms/pool_embedder
bench N), uprobes in the same loop as an addon of each official node of the build
(testprograms/*/pool_addon.node: bench(N)). Prints the nanoseconds per pair, side by side,
and the ratio beside its target (1.3x). Then, where record_validation.py has built
isolated-vm 5.0.4 (build/_v8/isolated-vm), a tight `runSync` loop in it on Debian's node
18, the wall time of the whole program plain and recorded (target 1.10x).

    /usr/bin/python3 bench/record_overhead.py [--build default] [--pairs N] [--rounds R]"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_validation import quiesce  # noqa: E402  (waits for a recording's probes to go)


def per_pair(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    m = re.search(r"ns per Enter\+Exit pair: ([0-9.]+)", out) or re.search(r"^([0-9.]+)$", out, re.M)
    return float(m.group(1))


def wall(cmd, env):
    start = time.monotonic()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def medians(prog, cli, rounds):
    plain, rec = [], []
    for _ in range(rounds):  # interleaved, so a noisy moment hits both
        quiesce()
        plain.append(per_pair(prog))
        rec.append(per_pair([str(cli), "record", "--quiet", "--", *prog]))
    return statistics.median(plain), statistics.median(rec)


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
    rows = [("preload, libnode 10.2", *medians([str(prog), "bench", str(a.pairs)], cli, a.rounds))]
    addons = build / "testprograms" / "pool_addons.tsv"
    for line in addons.read_text().splitlines() if addons.exists() else []:
        v8, node, addon = line.split("\t")
        js = f"console.log(require({addon!r}).bench({a.pairs}))"
        rows.append((f"uprobes, node V8 {v8.rsplit('.', 2)[0]}", *medians([node, "-e", js], cli, a.rounds)))
    print(f"record_overhead: {a.rounds} rounds of {a.pairs} Enter+Exit pairs, medians, ns per pair")
    print(f"  {'way':24} {'plain':>9} {'recorded':>10} {'ratio':>8}   target <= 1.3x")
    for way, p, r in rows:
        print(f"  {way:24} {p:9.1f} {r:10.1f} {r / p:7.2f}x")
    ivm = PROJECT / "build" / "_v8" / "isolated-vm" / "run"
    node = build / "bin" / "debian-node"
    if (ivm / "out" / "isolated_vm.node").exists() and node.exists():
        js = ("const ivm = require('isolated-vm'); const iso = new ivm.Isolate(); const ctx = iso.createContextSync();"
              "const s = iso.compileScriptSync('1 + 1'); for (let i = 0; i < 20000; i++) s.runSync(ctx); iso.dispose();")
        env = dict(os.environ, NODE_PATH=str(ivm))
        plain, rec = [], []
        for _ in range(a.rounds):
            quiesce()
            plain.append(wall([str(node), "-e", js], env))
            rec.append(wall([str(cli), "record", "--quiet", "--", str(node), "-e", js], env))
        p, r = statistics.median(plain), statistics.median(rec)
        print(f"isolated-vm 5.0.4 on Debian node 18, 20,000 runSync calls, the whole program, medians of {a.rounds}")
        print(f"  {'preload':24} {p:8.2f}s {r:9.2f}s {r / p:7.2f}x   target <= 1.10x")
    else:
        print("isolated-vm's runSync loop: left out (run bench/record_validation.py once: it builds isolated-vm)")


if __name__ == "__main__":
    main()
