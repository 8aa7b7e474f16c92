"""Running one scenario under one build: isoreplay in its own process group, an outer
time limit, its output captured (a malformed scenario's diagnostic is in it), the
sanitizer logs collected, the outcome classified."""
from __future__ import annotations

import json
import os
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
    repeat: int
    category: str = ""
    reason: str = ""
    seconds: float = 0.0
    report: dict | None = None
    logs: list[str] = field(default_factory=list)
    output: str = ""            # isoreplay's stderr, then its stdout
    returncode: int | None = None

    @property
    def failed(self) -> bool:
        return self.category in classify.FAILURES


def _harness_findings(log_prefix: Path, child_log: str | None) -> tuple[list[str], list[str]]:
    """Sanitizer log files of this run; reports in files other than the replayed
    child's belong to isoreplay itself."""
    logs, findings = [], []
    for p in sorted(log_prefix.parent.glob(log_prefix.name + ".*")):
        logs.append(str(p))
        if child_log and Path(child_log) == p:
            continue
        text = p.read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith("SUMMARY: "):
                findings.append(line[len("SUMMARY: "):])
    return logs, findings


def run_one(project: Path, scenario: Scenario, build: str, repeat: int, out: Path,
            margin_s: float = 30.0) -> Run:
    """Replays scenario with the build's isoreplay; never raises for what the replay
    does (crash, hang, garbage): that is the run's category."""
    run = Run(scenario, build, repeat)
    stem = f"{scenario.family}.{scenario.name}.{build}" + (f".{repeat}" if repeat else "")
    (out / "logs").mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    log_prefix = out / "logs" / stem
    for old in log_prefix.parent.glob(log_prefix.name + ".*"):
        old.unlink()
    json_path = out / "reports" / f"{stem}.json"
    json_path.unlink(missing_ok=True)
    cmd = [str(builds.binary(project, build)), "run", "--quiet", "--json", str(json_path), str(scenario.path)]
    start = time.monotonic()
    timed_out = False
    try:
        proc = subprocess.Popen(cmd, cwd=project, env=builds.environment(build, log_prefix),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, errors="replace", start_new_session=True)
    except OSError as e:  # missing, not executable (mid-rebuild): the run's failure, not the suite's
        run.category, run.reason = classify.INTERNAL, f"cannot start {cmd[0]}: {e.strerror or e}"
        return run
    try:
        said, complained = proc.communicate(timeout=scenario.timeout_s + margin_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        said, complained = proc.communicate()
    run.seconds = time.monotonic() - start
    run.returncode = proc.returncode
    # stderr first: a diagnostic (FILE:LINE:COL: error: ...) or isoreplay's own complaint
    run.output = "\n".join(t.rstrip("\n") for t in (complained, said) if t)
    try:
        doc = json.loads(json_path.read_text())
        run.report = doc["scenarios"][0]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        run.report = None
    child_log = run.report.get("sanitizer_log") if run.report else None
    run.logs, harness = _harness_findings(log_prefix, child_log)
    run.category, run.reason = classify.classify(run.report, harness, timed_out, proc.returncode, run.output)
    return run


def fingerprint(run: Run) -> str:
    """What must not change between repeated runs of one scenario on one build."""
    r = run.report or {}
    steps = [(s.get("index"), tuple(s.get("violations", [])), s.get("real_current"),
              (s.get("result") or {}).get("outcome"), s.get("reached")) for s in r.get("steps", [])]
    return json.dumps([run.category, r.get("ending", {}).get("kind"), steps,
                       sorted(v.get("code", "") for v in r.get("violations", []))])
