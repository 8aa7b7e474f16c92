"""The three builds: where their isoreplay is, building a missing one, and the
environment a replay runs in (sanitizer logs go to a file per scenario per build)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

BUILDS = ("default", "asan", "tsan")


def binary(project: Path, build: str) -> Path:
    return project / "build" / build / "bin" / "isoreplay"


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


# The sanitizer option variables each build's runtimes read (sanitizers/*.options are
# compiled into the binaries; the runner adds only log_path).
SANITIZER_VARS = {"default": (), "asan": ("ASAN_OPTIONS", "UBSAN_OPTIONS"), "tsan": ("TSAN_OPTIONS",)}

_LOG_PATH = re.compile(r"""(^|[:\s,])log_path=("[^"]*"|'[^']*'|[^:\s,]*)""")


def with_log_path(options: str | None, log_prefix: Path) -> str:
    """options (a user's *SAN_OPTIONS, maybe empty) with log_path=log_prefix appended
    after a ':'. A log_path of the user's is dropped: the replay's must be the only one,
    since isoreplay reads the first log_path it finds and the sanitizer the last."""
    kept = _LOG_PATH.sub(r"\1", options or "").strip(": \t\n,")
    return f"{kept}:log_path={log_prefix}" if kept else f"log_path={log_prefix}"


def environment(build: str, log_prefix: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of one replay: the caller's (base, default os.environ) with
    log_path=log_prefix added to the build's sanitizer options, so each replay's reports
    go to a file of its own (the sanitizer appends .PID). Nothing else is set: options
    and suppressions are compiled into the binaries."""
    env = dict(os.environ if base is None else base)
    for var in SANITIZER_VARS.get(build, ()):
        env[var] = with_log_path(env.get(var), log_prefix)
    return env
