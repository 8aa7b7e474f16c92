"""The three builds: where their isoreplay is, building a missing one, and the
sanitizer environment a replay runs in (logs go to a file per scenario per build)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

BUILDS = ("default", "asan", "tsan")


def binary(project: Path, build: str) -> Path:
    return project / "build" / build / "harness" / "isoreplay"


def ensure_built(project: Path, build: str, log) -> None:
    """Configures and builds the preset when its isoreplay is missing. Raises
    RuntimeError with the build's output when that fails."""
    if binary(project, build).exists():
        return
    log(f"building the {build} preset (first use)")
    for cmd in (["cmake", "--preset", build], ["cmake", "--build", "--preset", build]):
        done = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-4000:]}{done.stderr[-4000:]}")


def environment(project: Path, build: str, log_prefix: Path) -> dict[str, str]:
    """The environment of one replay: sanitizer options with log_path=log_prefix (the
    sanitizer appends .PID), suppressions, and TSan without its one-second exit sleep."""
    env = dict(os.environ)
    supp = project / "cmake"
    if build == "asan":
        env["ASAN_OPTIONS"] = f"detect_leaks=1:abort_on_error=0:log_path={log_prefix}"
        env["LSAN_OPTIONS"] = f"suppressions={supp / 'lsan.supp'}:print_suppressions=0"
        env["UBSAN_OPTIONS"] = f"print_stacktrace=1:halt_on_error=1:log_path={log_prefix}"
    elif build == "tsan":
        env["TSAN_OPTIONS"] = (f"suppressions={supp / 'tsan.supp'}:halt_on_error=0:"
                               f"die_after_fork=0:atexit_sleep_ms=0:log_path={log_prefix}")
    return env
