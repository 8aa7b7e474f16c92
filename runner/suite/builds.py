"""The three builds: where their isoreplay is, building a missing one, the V8 runtimes
each replays on (`isoreplay versions --json`), and the environment a replay runs in
(sanitizer logs go to a file per replay)."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

BUILDS = ("default", "asan", "tsan")


def installed_bin(project: Path) -> Path | None:
    """The bin directory of an installed isoreplay when this runner is the installed one
    (PREFIX/share/isoreplay/runner, beside PREFIX/bin/isoreplay), else None: a checkout."""
    bindir = project.parent.parent / "bin"
    if not (project / "build").exists() and any((bindir / n).exists() for n in
                                                ("isoreplay", "isoreplay-asan", "isoreplay-tsan")):
        return bindir
    return None


def binary(project: Path, build: str) -> Path:
    """A build's isoreplay: the checkout's build/BUILD/bin/isoreplay, or the installed
    isoreplay, isoreplay-asan, isoreplay-tsan."""
    bindir = installed_bin(project)
    if bindir:
        return bindir / ("isoreplay" if build == "default" else f"isoreplay-{build}")
    return project / "build" / build / "bin" / "isoreplay"


def available(project: Path) -> list[str]:
    """The builds to run by default: all three in a checkout (a missing one is built), the
    installed ones otherwise."""
    if installed_bin(project):
        return [b for b in BUILDS if binary(project, b).exists()]
    return list(BUILDS)


def ensure_built(project: Path, build: str, log) -> None:
    """Configures and builds the preset when its isoreplay is missing (in a checkout; an
    installed isoreplay cannot build one). Raises RuntimeError saying why."""
    if binary(project, build).exists():
        return
    if installed_bin(project):
        raise RuntimeError(f"the {build} build is not installed ({binary(project, build)} is missing): install it "
                           f"(cmake --install build/{build}), or leave --build {build} out")
    log(f"building the {build} preset (first use)")
    for cmd in (["cmake", "--preset", build], ["cmake", "--build", "--preset", build]):
        done = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-4000:]}{done.stderr[-4000:]}")


def runtimes(project: Path, build: str) -> list[dict]:
    """The V8 runtimes the build replays on, as `isoreplay versions --json` lists them:
    [{"name": "13.6", "v8_version", "origin", "node", "addon"}, ...]. Raises RuntimeError
    saying why when the list cannot be had (an isoreplay older than `versions --json`
    included: rebuilding the preset is the cure)."""
    cmd = [str(binary(project, build)), "versions", "--json"]
    try:
        done = subprocess.run(cmd, cwd=project, capture_output=True, text=True, errors="replace",
                              stdin=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError(f"cannot list the V8 runtimes of the {build} build ({' '.join(cmd)}): {e}") from None
    said = (done.stderr.strip().splitlines() or [""])[0]
    try:
        listed = json.loads(done.stdout) if done.returncode == 0 else None
    except ValueError:
        listed = None
    if not isinstance(listed, list) or not listed or not all(
            isinstance(r, dict) and isinstance(r.get("name"), str) and r["name"] for r in listed):
        raise RuntimeError(f"cannot list the V8 runtimes of the {build} build: `{' '.join(cmd)}` "
                           f"exited {done.returncode}{': ' + said if said else ''}, without a JSON list of "
                           f"runtimes (an isoreplay older than `versions --json`? cmake --build --preset {build})")
    return listed


def version_key(name: str) -> tuple:
    """Orders runtime names as versions: 9.8 < 10.2 < 12.4 (names that are not numbers last)."""
    parts = name.split(".")
    if all(p.isdigit() for p in parts):
        return (0, tuple(int(p) for p in parts), name)
    return (1, (), name)


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
    """The environment of one isoreplay process: the caller's (base, default os.environ)
    with log_path=log_prefix added to the build's sanitizer options, so its reports go to
    files of its own (the sanitizer appends .PID: one file per process, so each replayed
    child, one per runtime, has its own). Nothing else is set: options
    and suppressions are compiled into the binaries."""
    env = dict(os.environ if base is None else base)
    for var in SANITIZER_VARS.get(build, ()):
        env[var] = with_log_path(env.get(var), log_prefix)
    return env
