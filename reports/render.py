#!/usr/bin/python3
"""render.py — isoreplay's HTML reports (Jinja2, from Debian's python3-jinja2).

    render.py scenario --json REPORT.json --out OUT.html   one replay (isoreplay run --html)
    render.py suite --results results.json --out OUT.html  a suite run (the runner)

One self-contained file: CSS, JS and SVG inline, no network. Every text that comes from a
scenario, V8 or a sanitizer is escaped by Jinja2's autoescaping.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

try:
    import jinja2
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("render.py: needs Jinja2 (Debian's python3-jinja2) for /usr/bin/python3")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lanes import lanes_view  # noqa: E402

PROJECT = HERE.parent

# What each build is (cmake/Sanitizers.cmake and CMakePresets.json), shown on the suite page.
BUILD_FLAGS = {
    "default": "RelWithDebInfo (-O2 -g), link-time optimisation",
    "asan": "-fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer, LeakSanitizer on",
    "tsan": "-fsanitize=thread; libnode uninstrumented, cmake/tsan.supp",
}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.globals["css"] = (HERE / "static" / "report.css").read_text()
    env.globals["js"] = (HERE / "static" / "report.js").read_text()
    return env


def _docs_link(out: Path) -> str:
    """The violation catalog, relative to where the report is written."""
    return os.path.relpath(PROJECT / "docs" / "violations.md", out.resolve().parent)


def scenario_view(report: dict, build: str | None = None) -> dict:
    """What the scenario template needs from one isoreplay report."""
    view = dict(report)
    view["build"] = build or report.get("flavor", "")
    view["anchor"] = "s-" + "".join(c if c.isalnum() else "-" for c in f"{view['build']}-{report.get('file', '')}")
    view["lanes"] = lanes_view(report)
    view["source_lines"] = (report.get("source") or "").splitlines()
    step_lines = {s["line"] for s in report.get("steps", [])}
    bad_lines = {v["line"] for v in report.get("violations", []) if v.get("line")}
    view["step_lines"], view["bad_lines"] = step_lines, bad_lines
    return view


def render_scenario(report: dict, out: Path) -> None:
    html = _env().get_template("single.html.j2").render(s=scenario_view(report), docs=_docs_link(out))
    _write(out, html)


def render_suite(results: dict, out: Path) -> None:
    runs = results.get("runs", [])
    builds = results.get("builds") or sorted({r["build"] for r in runs})
    scenarios = sorted({(r["family"], r["scenario"], r["title"]) for r in runs})
    cells = {(r["scenario"], r["build"]): r for r in runs if not r.get("repeat")}
    views = []
    for r in runs:
        if r.get("repeat") or not r.get("report"):
            continue
        v = scenario_view(r["report"], r["build"])
        v["run"] = r
        views.append(v)
    html = _env().get_template("suite.html.j2").render(
        results=results, builds=builds, scenarios=scenarios, cells=cells, views=views,
        families=sorted({f for f, _, _ in scenarios}), build_flags=BUILD_FLAGS,
        categories=sorted({r["result"] for r in runs}), docs=_docs_link(out))
    _write(out, html)


def _write(out: Path, html: str) -> None:
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="render.py")
    sub = p.add_subparsers(dest="what", required=True)
    one = sub.add_parser("scenario", help="one replay, from isoreplay's --json")
    one.add_argument("--json", type=Path, required=True)
    one.add_argument("--out", type=Path, required=True)
    suite = sub.add_parser("suite", help="a suite run, from the runner's results.json")
    suite.add_argument("--results", type=Path, required=True)
    suite.add_argument("--out", type=Path, required=True)
    a = p.parse_args(argv)
    if a.what == "scenario":
        doc = json.loads(a.json.read_text())
        render_scenario(doc["scenarios"][0], a.out)
    else:
        render_suite(json.loads(a.results.read_text()), a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
