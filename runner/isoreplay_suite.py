#!/usr/bin/python3
"""isoreplay_suite — every scenario under every build on every V8 runtime, in parallel, classified.

    runner/isoreplay_suite.py [--build B]... [--v8 NAME]... [--family F]... [--tag T]...
                              [--name GLOB]... [-j N] [--repeat N] [--shard i/n] [--out DIR]
                              [--process-per-cell]

A cell is (scenario, build, V8 version). Builds any missing preset, asks each build for
its runtimes (isoreplay versions --json), replays every cell with isoreplay (by default
one process per scenario and build, covering the selected runtimes, its JSON split by
entry; each process with a time limit), prints live progress, writes DIR/results.json,
DIR/junit.xml and DIR/report.html (default DIR: build/suite), and exits 1 when any cell
failed (an unsupported one included), 2 on bad usage or when another suite run holds DIR
(one run per output folder: DIR/.lock). --repeat N replays each cell N times and fails a
cell whose outcome differs between repeats.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from suite import builds, classify, discover, execute, outputs  # noqa: E402
from suite.lock import FolderBusy, FolderLock  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="isoreplay_suite", description=__doc__.split("\n\n")[0])
    p.add_argument("--build", action="append", choices=builds.BUILDS,
                   help="a build to run (repeatable; default: all three)")
    p.add_argument("--v8", action="append", metavar="NAME",
                   help="a V8 runtime, e.g. 13.6 (repeatable; default: every runtime the builds list)")
    p.add_argument("--family", action="append", help="only this family (repeatable)")
    p.add_argument("--tag", action="append", help="only scenarios with this tag (repeatable)")
    p.add_argument("--name", action="append", help="only names or paths matching this glob (repeatable)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2, help="parallel isoreplay processes")
    p.add_argument("--repeat", type=int, default=1, help="replay each cell N times (determinism)")
    p.add_argument("--shard", default="1/1", help="run the i-th of n shares of the scenarios: i/n")
    installed = builds.installed_bin(PROJECT) is not None  # no checkout: the user's own folders
    p.add_argument("--out", type=Path, default=Path("isoreplay-suite") if installed else PROJECT / "build" / "suite",
                   help="where results go (default: build/suite in a checkout, ./isoreplay-suite installed)")
    p.add_argument("--scenarios", type=Path, default=Path("scenarios") if installed else PROJECT / "scenarios",
                   help="the scenario root (default: the checkout's scenarios/, ./scenarios installed)")
    p.add_argument("--process-per-cell", action="store_true",
                   help="one isoreplay process per cell instead of one per scenario and build (slower)")
    a = p.parse_args(argv)
    if a.jobs < 1 or a.repeat < 1:
        p.error("-j and --repeat need at least 1")
    try:
        a.shard = discover.parse_shard(a.shard)
    except ValueError as e:
        p.error(str(e))
    return a


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    out = a.out.resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = FolderLock(out).acquire()
    except FolderBusy as e:
        print(f"isoreplay_suite: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"isoreplay_suite: cannot use {out} as the output folder: {e}", file=sys.stderr)
        return 2
    try:
        return run_suite(a, out)
    finally:
        lock.release()


def choose_versions(asked: list[str] | None, listed: dict[str, list[str]]) -> list[str]:
    """The version axis: the runtimes asked for (--v8), else every runtime any build lists,
    in version order. ValueError for a name no build lists (a typo, most likely)."""
    every = {v for names in listed.values() for v in names}
    if asked:
        unknown = [v for v in dict.fromkeys(asked) if v not in every]
        if unknown:
            raise ValueError(f"--v8 {unknown[0]}: no chosen build has that runtime "
                             f"(they have: {', '.join(sorted(every, key=builds.version_key))})")
        every = set(asked)
    return sorted(every, key=builds.version_key)


def plan(chosen: list, build_list: list[str], versions: list[str], listed: dict[str, list[str]], repeat: int,
         per_cell: bool) -> tuple[list[tuple], list[execute.Run]]:
    """(the isoreplay processes to start: (scenario, build, repeat, runtimes), the cells
    no process can run: runtimes a build lacks, unsupported at once). The processes come
    longest first (by build and scenario size), so that no long one starts last."""
    jobs, lacking = [], []
    for b in build_list:
        have = [v for v in versions if v in listed[b]]
        for s in chosen:
            for k in range(repeat):
                lacking += [execute.unsupported(s, b, v, k, listed[b]) for v in versions if v not in listed[b]]
                if have:
                    jobs += [(s, b, k, [v]) for v in have] if per_cell else [(s, b, k, have)]
    weight = {"default": 1.0, "asan": 2.0, "tsan": 3.5}

    def cost(job) -> float:
        s, b, _, vs = job
        try:
            size = s.path.stat().st_size
        except OSError:
            size = 0
        return weight.get(b, 1.0) * (1000 + size) * len(vs)
    jobs.sort(key=cost, reverse=True)
    return jobs, lacking


def run_suite(a: argparse.Namespace, out: Path) -> int:
    started = time.monotonic()
    if not a.scenarios.is_dir():
        print(f"isoreplay_suite: {a.scenarios} is not a folder of scenarios (--scenarios DIR)", file=sys.stderr)
        return 2
    chosen = discover.select(discover.discover(a.scenarios.resolve()), a.family, a.tag, a.name)
    chosen = discover.shard(chosen, *a.shard)
    build_list = a.build or builds.available(PROJECT)
    if not chosen:
        print("isoreplay_suite: no scenario matches", file=sys.stderr)
        return 2
    runtimes: dict[str, list[dict]] = {}
    for b in build_list:
        try:
            builds.ensure_built(PROJECT, b, lambda m: print(f"isoreplay_suite: {m}", flush=True))
            runtimes[b] = builds.runtimes(PROJECT, b)
        except RuntimeError as e:
            print(f"isoreplay_suite: {e}", file=sys.stderr)
            return 1
    listed = {b: [r["name"] for r in rts] for b, rts in runtimes.items()}
    try:
        versions = choose_versions(a.v8, listed)
    except ValueError as e:
        print(f"isoreplay_suite: {e}", file=sys.stderr)
        return 2
    build_s = time.monotonic() - started
    started = time.monotonic()  # the suite's own time, builds apart
    jobs, runs = plan(chosen, build_list, versions, listed, a.repeat, a.process_per_cell)
    total = len(chosen) * len(build_list) * len(versions) * a.repeat
    done = 0

    def progress(run: execute.Run) -> None:
        nonlocal done
        done += 1
        print(f"[{done}/{total}] {run.build:7} v8-{run.v8:5} {run.scenario.rel} ... {run.category} "
              f"({run.seconds:.2f}s){' FAIL: ' + run.reason if run.failed else ''}", flush=True)

    for run in runs:
        progress(run)
    with ThreadPoolExecutor(max_workers=a.jobs) as pool:
        futures = [pool.submit(execute.run_cells, PROJECT, s, b, vs, k, out) for s, b, k, vs in jobs]
        for f in as_completed(futures):
            for run in f.result():
                runs.append(run)
                progress(run)
    runs.sort(key=lambda r: (builds.BUILDS.index(r.build), r.scenario.rel, builds.version_key(r.v8), r.repeat))
    if a.repeat > 1:
        check_repeats(runs)
    wall = time.monotonic() - started
    meta = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "wall_s": round(wall, 3),
            "build_s": round(build_s, 3), "builds": build_list, "versions": versions, "runtimes": runtimes,
            "jobs": a.jobs, "repeat": a.repeat, "shard": f"{a.shard[0]}/{a.shard[1]}",
            "processes": len(jobs), "process_per": "cell" if a.process_per_cell else "scenario and build"}
    outputs.write_results(out / "results.json", runs, meta)
    outputs.write_junit(out / "junit.xml", runs, wall)
    html = write_html(out)
    s = outputs.summary(runs)
    for r in runs:
        if r.failed:
            print(f"FAILED {r.build} v8-{r.v8} {r.scenario.rel}: {r.category}: {r.reason}")
    print(f"results: {out / 'results.json'}  junit: {out / 'junit.xml'}  logs: {out / 'logs'}"
          + (f"  html: {html}" if html else ""))
    print_table(s, build_list, versions)
    print(f"suite: {len(runs)} runs ({len(chosen)} scenarios x {len(build_list)} builds x {len(versions)} V8 versions"
          f"{f' x {a.repeat} repeats' if a.repeat > 1 else ''}) in {wall:.1f} s, {len(jobs)} isoreplay processes, "
          f"{len(runs) / wall:.1f} runs/s" + (f" (building presets first: {build_s:.1f} s)" if build_s > 1 else ""))
    unsupported = f" ({s['unsupported']} of them unsupported)" if s["unsupported"] else ""
    print(f"{s['passed']} passed, {s['failed']} failed{unsupported}, {s['skipped']} skipped")
    return 1 if s["failed"] else 0


def print_table(s: dict, build_list: list[str], versions: list[str]) -> None:
    """The counts per build and V8 version, a line each."""
    print(f"{'build':8} {'V8':6} {'passed':>6} {'failed':>6} {'skipped':>7} {'unsupported':>11}")
    for b in build_list:
        for v in versions:
            c = s["by_build_version"].get(b, {}).get(v)
            if c:
                print(f"{b:8} {v:6} {c['passed']:6} {c['failed']:6} {c['skipped']:7} {c['unsupported']:11}")


def write_html(out: Path) -> Path | None:
    """The suite's HTML report (reports/render.py, Jinja2), or None with a note when it
    cannot be made, e.g. without Jinja2 (results.json and junit.xml are written
    regardless)."""
    sys.path.insert(0, str(PROJECT / "reports"))
    try:
        import render  # noqa: E402  (reports/render.py)
        render.render_suite(json.loads((out / "results.json").read_text()), out / "report.html")
    except Exception as e:  # noqa: BLE001 - the HTML page is optional; say why it is missing
        print(f"isoreplay_suite: no HTML report: {render_error(e)}", file=sys.stderr)
        return None
    return out / "report.html"


def render_error(e: Exception) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def check_repeats(runs: list[execute.Run]) -> None:
    """Marks every repeat of a cell (scenario, build, V8 version) nondeterministic when
    the repeats disagree."""
    groups: dict[tuple[str, str, str], list[execute.Run]] = {}
    for r in runs:
        groups.setdefault((r.scenario.rel, r.build, r.v8), []).append(r)
    for rs in groups.values():
        prints = {execute.fingerprint(r) for r in rs}
        if len(prints) > 1:
            for r in rs:
                if not r.failed:
                    r.category = classify.NONDETERMINISTIC
                    r.reason = f"{len(prints)} different outcomes in {len(rs)} repeats"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
