"""Finding scenarios and choosing the ones a run asks for (family, tag, name, shard)."""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

_TAGS = re.compile(r"^\s*tags\s+([^#\n]*)", re.MULTILINE)
_TIMEOUT = re.compile(r"^\s*timeout\s+(\d+)(ms|s)\b", re.MULTILINE)
_TITLE = re.compile(r'^\s*title\s+"((?:[^"\\]|\\.)*)"', re.MULTILINE)


@dataclass(frozen=True)
class Scenario:
    path: Path          # absolute
    rel: str            # relative to the scenario root, e.g. "drop-order/double-exit.scn"
    family: str         # its folder
    name: str           # file name without .scn
    title: str
    tags: tuple[str, ...] = field(default_factory=tuple)
    timeout_s: float = 10.0


def read_scenario(path: Path, root: Path) -> Scenario:
    """Reads what the runner needs from a scenario's header (the parser proper is
    isoreplay's; a malformed file is reported by it)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    rel = path.relative_to(root).as_posix()
    tags = tuple(t for m in _TAGS.finditer(text) for t in m.group(1).split())
    timeout = 10.0
    m = _TIMEOUT.search(text)
    if m:
        timeout = int(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)
    title = _TITLE.search(text)
    family = rel.split("/")[0] if "/" in rel else ""
    return Scenario(path=path, rel=rel, family=family, name=path.stem,
                    title=title.group(1) if title else path.stem, tags=tags, timeout_s=timeout)


def discover(root: Path) -> list[Scenario]:
    """Every *.scn below root, in a stable order."""
    return [read_scenario(p, root) for p in sorted(root.rglob("*.scn"))]


def select(scenarios: list[Scenario], families: list[str] | None = None,
           tags: list[str] | None = None, names: list[str] | None = None) -> list[Scenario]:
    """Keeps scenarios in any of the families, with any of the tags, whose name or
    relative path matches any of the glob patterns (each filter only when given)."""
    out = []
    for s in scenarios:
        if families and s.family not in families:
            continue
        if tags and not set(tags) & set(s.tags):
            continue
        if names and not any(fnmatch.fnmatch(s.name, n) or fnmatch.fnmatch(s.rel, n) or n in s.rel
                             for n in names):
            continue
        out.append(s)
    return out


def parse_shard(text: str) -> tuple[int, int]:
    """"i/n" (1 <= i <= n) as (i, n); ValueError otherwise."""
    m = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not m:
        raise ValueError(f"shard must be i/n, such as 2/4 (got {text!r})")
    i, n = int(m.group(1)), int(m.group(2))
    if not 1 <= i <= n:
        raise ValueError(f"shard {text!r}: need 1 <= i <= n")
    return i, n


def shard(items: list, i: int, n: int) -> list:
    """The i-th of n interleaved shares of items: every item lands in exactly one."""
    return [x for k, x in enumerate(items) if k % n == i - 1]
