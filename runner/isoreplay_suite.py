#!/usr/bin/python3
"""isoreplay_suite — every scenario under every build, in parallel, classified.

    runner/isoreplay_suite.py [--build B]... [--family F]... [--tag T]... [--name GLOB]...
                              [-j N] [--repeat N] [--shard i/n] [--out DIR]

Builds any missing preset, replays scenario x build with isoreplay (each replay in its
own child process, each with a time limit), prints live progress, writes
DIR/results.json, DIR/junit.xml and DIR/report.html (default DIR: build/suite), and
exits 1 when any run failed, 2 on bad usage or when another suite run holds DIR (one run
per output folder: DIR/.lock). --repeat N replays each pair N times and fails a pair
whose outcome differs between repeats.
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
    p.add_argument("--family", action="append", help="only this family (repeatable)")
    p.add_argument("--tag", action="append", help="only scenarios with this tag (repeatable)")
    p.add_argument("--name", action="append", help="only names or paths matching this glob (repeatable)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2, help="parallel replays")
    p.add_argument("--repeat", type=int, default=1, help="replay each pair N times (determinism)")
    p.add_argument("--shard", default="1/1", help="run the i-th of n shares: i/n")
    p.add_argument("--out", type=Path, default=PROJECT / "build" / "suite", help="where results go")
    p.add_argument("--scenarios", type=Path, default=PROJECT / "scenarios", help="the scenario root")
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


def run_suite(a: argparse.Namespace, out: Path) -> int:
    started = time.monotonic()
    chosen = discover.select(discover.discover(a.scenarios.resolve()), a.family, a.tag, a.name)
    chosen = discover.shard(chosen, *a.shard)
    build_list = a.build or list(builds.BUILDS)
    if not chosen:
        print("isoreplay_suite: no scenario matches", file=sys.stderr)
        return 2
    for b in build_list:
        try:
            builds.ensure_built(PROJECT, b, lambda m: print(f"isoreplay_suite: {m}", flush=True))
        except RuntimeError as e:
            print(f"isoreplay_suite: {e}", file=sys.stderr)
            return 1
    build_s = time.monotonic() - started
    started = time.monotonic()  # the suite's own time, builds apart
    jobs = [(s, b, k) for b in build_list for s in chosen for k in range(a.repeat)]
    total, done, runs = len(jobs), 0, []
    with ThreadPoolExecutor(max_workers=a.jobs) as pool:
        futures = {pool.submit(execute.run_one, PROJECT, s, b, k if a.repeat > 1 else 0, out): (s, b, k)
                   for s, b, k in jobs}
        for f in as_completed(futures):
            run = f.result()
            done += 1
            runs.append(run)
            mark = "FAIL" if run.failed else "ok"
            print(f"[{done}/{total}] {run.build:7} {run.scenario.rel} ... {run.category} "
                  f"({run.seconds:.2f}s){'' if mark == 'ok' else ' ' + mark + ': ' + run.reason}", flush=True)
    runs.sort(key=lambda r: (builds.BUILDS.index(r.build), r.scenario.rel, r.repeat))
    if a.repeat > 1:
        check_repeats(runs)
    wall = time.monotonic() - started
    v8 = next((r.report.get("v8_version") for r in runs if r.report and r.report.get("v8_version")), None)
    meta = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "wall_s": round(wall, 3),
            "build_s": round(build_s, 3),
            "v8_version": v8, "builds": build_list, "jobs": a.jobs, "repeat": a.repeat,
            "shard": f"{a.shard[0]}/{a.shard[1]}"}
    outputs.write_results(out / "results.json", runs, meta)
    outputs.write_junit(out / "junit.xml", runs, wall)
    html = write_html(out)
    s = outputs.summary(runs)
    for r in runs:
        if r.failed:
            print(f"FAILED {r.build} {r.scenario.rel}: {r.category}: {r.reason}")
    print(f"results: {out / 'results.json'}  junit: {out / 'junit.xml'}  logs: {out / 'logs'}"
          + (f"  html: {html}" if html else ""))
    print(f"suite: {len(runs)} runs ({len(chosen)} scenarios x {len(build_list)} builds"
          f"{f' x {a.repeat} repeats' if a.repeat > 1 else ''}) in {wall:.1f} s, "
          f"{len(runs) / wall:.1f} scenarios/s" + (f" (building presets first: {build_s:.1f} s)" if build_s > 1 else ""))
    print(f"{s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped")
    return 1 if s["failed"] else 0


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
    """Marks every repeat of a (scenario, build) pair nondeterministic when the repeats
    disagree."""
    groups: dict[tuple[str, str], list[execute.Run]] = {}
    for r in runs:
        groups.setdefault((r.scenario.rel, r.build), []).append(r)
    for rs in groups.values():
        prints = {execute.fingerprint(r) for r in rs}
        if len(prints) > 1:
            for r in rs:
                if not r.failed:
                    r.category = classify.NONDETERMINISTIC
                    r.reason = f"{len(prints)} different outcomes in {len(rs)} repeats"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
