"""Running one scenario under one build on some of its V8 runtimes: one isoreplay
process (`run --quiet --json FILE --v8 X ...`) in its own process group, an outer time
limit, its output captured (a malformed scenario's diagnostic is in it), the sanitizer
logs collected, and its JSON split by entry: one Run, classified, per runtime (a cell
is a scenario x build x V8 version)."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import builds, classify
from .discover import Scenario


@dataclass
class Run:
    scenario: Scenario
    build: str
    v8: str                     # the runtime's name, e.g. "13.6"
    repeat: int
    category: str = ""
    reason: str = ""
    seconds: float = 0.0        # the replay's own wall time (the report's wall_ms), else the process's
    report: dict | None = None  # isoreplay's JSON entry for this runtime
    logs: list[str] = field(default_factory=list)
    output: str = ""            # isoreplay's stderr, then what its stdout said about this runtime
    returncode: int | None = None  # the isoreplay process's (shared by the cells it ran)
    process_seconds: float = 0.0   # the isoreplay process's wall time (shared likewise)

    @property
    def failed(self) -> bool:
        return self.category in classify.FAILURES

    @property
    def v8_version(self) -> str | None:
        """The full version the replay ran on (e.g. "13.6.233.10-node.28"), when reported."""
        return (self.report or {}).get("v8_version")

    @property
    def runtime(self) -> dict | None:
        rt = (self.report or {}).get("runtime")
        return rt if isinstance(rt, dict) else None


def unsupported(scenario: Scenario, build: str, v8: str, repeat: int, names: list[str]) -> Run:
    """The cell of a runtime the build does not have: never run, never a pass."""
    return Run(scenario, build, v8, repeat, classify.UNSUPPORTED,
               f"the {build} build has no V8 {v8} runtime (`isoreplay versions` lists {', '.join(names) or 'none'})")


def _logs(log_prefix: Path, children: set[str]) -> tuple[list[str], list[str], list[str]]:
    """(every sanitizer log file of this process, the ones no replayed child claims,
    the SUMMARY lines in those): reports in files no report names as its child's log
    belong to isoreplay itself."""
    every, own, findings = [], [], []
    for p in sorted(log_prefix.parent.glob(log_prefix.name + ".*")):
        every.append(str(p))
        if str(p) in children:
            continue
        own.append(str(p))
        for line in p.read_text(errors="replace").splitlines():
            if line.startswith("SUMMARY: "):
                findings.append(line[len("SUMMARY: "):])
    return every, own, findings


# The verdict line isoreplay prints for each runtime (display only: it picks what a cell's
# output shows, never its category): "F: PASS: ... on V8 13.6", "F: ERROR on V8 12.4: ...",
# "F: SKIP (default build, V8 14.6): ..."
_VERDICT = re.compile(r"(?:\bon V8 |, V8 )(\d+(?:\.\d+)*)(?=\)|:|$)")


def split_output(stdout: str) -> dict[str, str]:
    """What isoreplay's text report says about each runtime: its verdict line and the
    mismatch lines before it, by runtime name."""
    blocks, lines = {}, []
    for line in stdout.splitlines():
        lines.append(line)
        m = _VERDICT.search(line) if line and not line[0].isspace() else None
        if m:
            blocks.setdefault(m.group(1), "\n".join(lines))
            lines = []
    return blocks


def _entry(entries: list, v8: str) -> dict | None:
    """The report entry of runtime v8: by its "runtime" name, else by its V8 version."""
    for e in entries:
        if isinstance(e, dict) and isinstance(e.get("runtime"), dict) and e["runtime"].get("name") == v8:
            return e
    for e in entries:
        if isinstance(e, dict) and not isinstance(e.get("runtime"), dict) and \
                str(e.get("v8_version") or "").startswith(v8 + "."):
            return e
    return None


def stem(scenario: Scenario, build: str, versions: list[str], repeat: int) -> str:
    """The name of one isoreplay process's files: a process for one runtime has it in its name."""
    return (f"{scenario.family}.{scenario.name}.{build}" + (f".v8-{versions[0]}" if len(versions) == 1 else "")
            + (f".{repeat}" if repeat else ""))


def run_cells(project: Path, scenario: Scenario, build: str, versions: list[str], repeat: int, out: Path,
              margin_s: float = 30.0) -> list[Run]:
    """Replays scenario with the build's isoreplay on each of versions (runtime names
    the build has) in one process; a Run per version, in that order. Never raises for
    what the replay does (crash, hang, garbage): that is each cell's category."""
    runs = [Run(scenario, build, v, repeat) for v in versions]
    name = stem(scenario, build, versions, repeat)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    log_prefix = out / "logs" / name
    for old in log_prefix.parent.glob(log_prefix.name + ".*"):
        old.unlink()
    json_path = out / "reports" / f"{name}.json"
    json_path.unlink(missing_ok=True)
    cmd = [str(builds.binary(project, build)), "run", "--quiet", "--json", str(json_path)]
    for v in versions:
        cmd += ["--v8", v]
    cmd.append(str(scenario.path))
    start = time.monotonic()
    timed_out = False
    try:
        proc = subprocess.Popen(cmd, cwd=project, env=builds.environment(build, log_prefix),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, errors="replace", start_new_session=True)
    except OSError as e:  # missing, not executable (mid-rebuild): the cells' failure, not the suite's
        for r in runs:
            r.category, r.reason = classify.INTERNAL, f"cannot start {cmd[0]}: {e.strerror or e}"
        return runs
    try:  # the runtimes replay one after another, each within the scenario's timeout
        said, complained = proc.communicate(timeout=scenario.timeout_s * len(versions) + margin_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        said, complained = proc.communicate()
    seconds = time.monotonic() - start
    try:
        entries = json.loads(json_path.read_text())["scenarios"]
        if not isinstance(entries, list):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        entries = None
    children = {e["sanitizer_log"] for e in entries or [] if isinstance(e, dict) and isinstance(e.get("sanitizer_log"), str)}
    every, own, harness = _logs(log_prefix, children)
    # stderr first: a diagnostic (FILE:LINE:COL: error: ...) or isoreplay's own complaint
    complained, said = (complained or "").rstrip("\n"), (said or "").rstrip("\n")
    blocks = split_output(said)
    for r in runs:
        r.returncode, r.process_seconds, r.seconds = proc.returncode, seconds, seconds
        r.output = "\n".join(t for t in (complained, blocks.get(r.v8, said)) if t)
        if entries is None:  # no report at all: every cell the same
            r.category, r.reason = classify.classify(None, harness, timed_out, proc.returncode, r.output)
            r.logs = every
            continue
        r.report = _entry(entries, r.v8)
        if r.report is None:
            r.category, r.reason = classify.INTERNAL, f"isoreplay's report has no replay on V8 {r.v8}"
            r.logs = own
            continue
        if isinstance(r.report.get("wall_ms"), (int, float)):
            r.seconds = r.report["wall_ms"] / 1000.0
        child = r.report.get("sanitizer_log")
        r.logs = ([child] if child in every else []) + own
        r.category, r.reason = classify.classify(r.report, harness, timed_out, proc.returncode, r.output)
    return runs


def run_one(project: Path, scenario: Scenario, build: str, v8: str, repeat: int, out: Path,
            margin_s: float = 30.0) -> Run:
    """One cell: scenario under build on runtime v8, in a process of its own."""
    return run_cells(project, scenario, build, [v8], repeat, out, margin_s)[0]


def fingerprint(run: Run) -> str:
    """What must not change between repeated runs of one cell (scenario, build, V8)."""
    r = run.report or {}
    steps = [(s.get("index"), tuple(s.get("violations", [])), s.get("real_current"),
              (s.get("result") or {}).get("outcome"), s.get("reached")) for s in r.get("steps", [])]
    return json.dumps([run.category, (r.get("ending") or {}).get("kind"), steps,
                       sorted(v.get("code", "") for v in r.get("violations", []))])
