#!/usr/bin/python3
"""render.py — isoreplay's HTML reports (Jinja2, from Debian's python3-jinja2).

    render.py scenario --json REPORT.json --out OUT.html   one replay (isoreplay run --html)
    render.py suite --results results.json --out OUT.html  a suite run (the runner)

'-' as REPORT.json or results.json reads standard input; '-' as OUT.html writes the page
to standard output (isoreplay pipes its JSON in and writes the page itself). A file is
replaced atomically.

One self-contained file: CSS, JS and SVG inline, no network. Every text that comes from a
scenario, V8 or a sanitizer is escaped by Jinja2's autoescaping.

Exit status 0; 1 when the page cannot be made, with one line `render.py: error: ...` on
standard error (never a traceback); 2 on bad usage, likewise one line.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

try:
    import jinja2
except ImportError:  # reported as one line when a page is asked for
    jinja2 = None

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lanes import lanes_view  # noqa: E402

PROJECT = HERE.parent
STDIO = "-"


class RenderError(Exception):
    """A page cannot be made; the message says why, in one line."""


def _env() -> "jinja2.Environment":
    if jinja2 is None:
        raise RenderError(f"needs Jinja2 (Debian's python3-jinja2) for {sys.executable}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.globals["css"] = (HERE / "static" / "report.css").read_text()
    env.globals["js"] = (HERE / "static" / "report.js").read_text()
    return env


def _docs_link(out: Path | str) -> str:
    """The violation catalog, relative to where the report is written (an absolute
    file: address when the page goes to standard output: its place is unknown)."""
    docs = PROJECT / "docs" / "violations.md"
    if str(out) == STDIO:
        return docs.as_uri()
    return os.path.relpath(docs, Path(out).resolve().parent)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text)


def scenario_view(report: dict, build: str | None = None) -> dict:
    """What the scenario template needs from one isoreplay report."""
    view = dict(report)
    info = report.get("build") if isinstance(report.get("build"), dict) else {}
    view["build_info"] = info
    view["build"] = build or info.get("flavor") or report.get("flavor", "")
    view["anchor"] = "s-" + _slug(f"{view['build']}-{report.get('file', '')}")
    view["lanes"] = lanes_view(report)
    view["source_lines"] = (report.get("source") or "").splitlines()
    step_lines = {s["line"] for s in report.get("steps", [])}
    bad_lines = {v["line"] for v in report.get("violations", []) if v.get("line")}
    view["step_lines"], view["bad_lines"] = step_lines, bad_lines
    return view


def scenario_html(report: dict, docs: str) -> str:
    return _env().get_template("single.html.j2").render(s=scenario_view(report), docs=docs)


def render_scenario(report: dict, out: Path | str) -> None:
    _write(out, scenario_html(report, _docs_link(out)))


def build_infos(runs: list[dict]) -> dict[str, dict]:
    """Each build's flags and compiled-in sanitizer defaults, from the "build" field of
    the first of its runs that has a report."""
    infos: dict[str, dict] = {}
    for r in runs:
        info = (r.get("report") or {}).get("build")
        if isinstance(info, dict) and r.get("build") not in infos:
            infos[r.get("build")] = info
    return infos


def suite_html(results: dict, docs: str) -> str:
    runs = results.get("runs", [])
    builds = results.get("builds") or sorted({r["build"] for r in runs})
    scenarios = sorted({(r["family"], r["scenario"], r["title"]) for r in runs})
    cells, views, unreported = {}, [], []
    for r in runs:
        if r.get("repeat"):
            continue
        cell = dict(r)
        if r.get("report"):
            v = scenario_view(r["report"], r["build"])
            v["run"] = r
            views.append(v)
            cell["anchor"] = v["anchor"]
        else:
            cell["anchor"] = "nr-" + _slug(f"{r['build']}-{r['scenario']}")
            unreported.append(cell)
        cells[(r["scenario"], r["build"])] = cell
    return _env().get_template("suite.html.j2").render(
        results=results, builds=builds, scenarios=scenarios, cells=cells, views=views, unreported=unreported,
        families=sorted({f for f, _, _ in scenarios}), build_infos=build_infos(runs),
        categories=sorted({r["result"] for r in runs}), docs=docs)


def render_suite(results: dict, out: Path | str) -> None:
    _write(out, suite_html(results, _docs_link(out)))


def _write(out: Path | str, html: str) -> None:
    data = html.encode("utf-8")
    if str(out) == STDIO:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    out = Path(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _load(source: Path | str) -> object:
    """The JSON document of a file, or of standard input for '-'."""
    where = "standard input" if str(source) == STDIO else str(source)
    try:
        data = sys.stdin.buffer.read() if str(source) == STDIO else Path(source).read_bytes()
    except OSError as e:
        raise RenderError(f"cannot read {where}: {e.strerror or e}") from None
    try:
        return json.loads(data)
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
        raise RenderError(f"{where} is not JSON: {e}") from None


def _first_scenario(doc: object, where: str) -> dict:
    scns = doc.get("scenarios") if isinstance(doc, dict) else None
    if not isinstance(scns, list) or not scns or not isinstance(scns[0], dict):
        raise RenderError(f'{where} is not an isoreplay report (no "scenarios" with a scenario in it)')
    return scns[0]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, like every other failure
        self.exit(2, f"render.py: error: {message} (render.py --help)\n")


def main(argv: list[str]) -> int:
    p = _Parser(prog="render.py", description="isoreplay's HTML reports")
    sub = p.add_subparsers(dest="what", required=True, parser_class=_Parser)
    one = sub.add_parser("scenario", help="one replay, from isoreplay's --json")
    one.add_argument("--json", required=True, help="isoreplay's JSON report, or - for standard input")
    one.add_argument("--out", required=True, help="the page, or - for standard output")
    suite = sub.add_parser("suite", help="a suite run, from the runner's results.json")
    suite.add_argument("--results", required=True, help="the runner's results.json, or - for standard input")
    suite.add_argument("--out", required=True, help="the page, or - for standard output")
    a = p.parse_args(argv)
    if a.what == "scenario":
        where = "standard input" if a.json == STDIO else a.json
        render_scenario(_first_scenario(_load(a.json), where), a.out)
    else:
        doc = _load(a.results)
        if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
            raise RenderError(f'{"standard input" if a.results == STDIO else a.results} is not a suite '
                              f'results.json (no "runs")')
        render_suite(doc, a.out)
    return 0


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    if isinstance(e, RenderError):
        return text
    if isinstance(e, KeyboardInterrupt):
        return "interrupted"
    if isinstance(e, BrokenPipeError):
        return "the reader of standard output went away"
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def run(argv: list[str]) -> int:
    """main, with every failure as one line on standard error and status 1."""
    try:
        return main(argv)
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - never a traceback
        if isinstance(e, BrokenPipeError):  # stop Python's own complaint when it flushes at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        try:
            sys.stderr.write(f"render.py: error: {_one_line(e)}\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - nowhere left to say it
            pass
        return 1


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
