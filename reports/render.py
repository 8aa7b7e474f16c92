#!/usr/bin/python3
"""render.py — isoreplay's HTML reports (Jinja2, from Debian's python3-jinja2).

    render.py scenario --json REPORT.json --out OUT.html   one isoreplay run (isoreplay run --html):
                                                           a scenario, a column per V8 runtime
    render.py suite --results results.json --out OUT.html  a suite run (the runner): scenario x
                                                           build x V8 version

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

import stepinfo  # noqa: E402
from lanes import lanes_view  # noqa: E402

PROJECT = HERE.parent
STDIO = "-"
UNKNOWN = "?"  # the V8 runtime of a run that names none (a results.json of format 1 without a report)
DRY_RUN = "dry-run"  # the column of a --dry-run report (no runtime)


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


def version_key(name: str) -> tuple:
    """Orders V8 runtime names as versions: 9.8 < 10.2 < 12.4 (other names last)."""
    parts = (name or "").split(".")
    if all(p.isdigit() for p in parts):
        return (0, tuple(int(p) for p in parts), name)
    return (1, (), name or "")


def version_name(report: dict) -> str:
    """The runtime a report ran on ("13.6"): its "runtime" name, else the major.minor of
    its v8_version ("?" when it says neither; "dry-run" for a dry run)."""
    rt = report.get("runtime")
    if isinstance(rt, dict) and rt.get("name"):
        return str(rt["name"])
    if report.get("mode") == "dry-run":  # the checker alone: no runtime
        return DRY_RUN
    return ".".join(str(report.get("v8_version") or "").split(".")[:2]) or UNKNOWN


def _step_sig(st: dict) -> tuple:
    """What a step did on one runtime, as the per-version columns compare it."""
    res = st.get("result") or {}
    return (tuple(st.get("violations") or ()), st.get("real_current"), res.get("outcome"), res.get("text"),
            st.get("reached"), st.get("block_not_reached"))


def _column(v8: str, report: dict | None, run: dict | None, anchor: str) -> dict:
    """One runtime's column of a scenario section: what the run or the report says."""
    rep = report or {}
    run = run or None
    if run is not None:
        outcome, ok, reason = run.get("result", ""), not run.get("failed"), run.get("reason") or ""
    else:
        outcome = rep.get("outcome", "")
        ok = outcome == "skipped" or (outcome == "passed" and bool(rep.get("expectations_met")))
        reason = rep.get("internal_error") or rep.get("skip_reason") or ""
    rt = rep.get("runtime") if isinstance(rep.get("runtime"), dict) else (run or {}).get("runtime") or {}
    violations = rep.get("violations") or []
    return {
        "v8": v8, "v8_version": rep.get("v8_version") or (run or {}).get("v8_version") or "",
        "origin": rt.get("origin") or "", "outcome": outcome, "ok": ok, "reason": reason,
        "unsupported": outcome == "unsupported", "has_report": report is not None, "run": run,
        "anchor": f"{anchor}-v{_slug(v8)}", "ending": rep.get("ending"), "mismatches": rep.get("mismatches") or [],
        "sanitizer": rep.get("sanitizer") or [], "end_violations": [v for v in violations if not v.get("step")],
        "steps": {st["index"]: st for st in rep.get("steps") or []},
        "exit_status": (run or {}).get("exit_status"), "output": (run or {}).get("output") or "",
    }


def section_view(columns: list[tuple[str, dict | None, dict | None]], build: str | None = None,
                 file: str | None = None, title: str | None = None, family: str | None = None) -> dict:
    """One scenario under one build, a column per V8 runtime: columns are (runtime name,
    its isoreplay report or None, the suite's run or None). The steps are compared across
    the columns (a cell that differs from the first runtime's is marked); the swimlanes
    are drawn once per distinct replay, labelled with the runtimes that gave it."""
    columns = sorted(columns, key=lambda c: version_key(c[0]))
    reports = [r for _, r, _ in columns if r]
    ref = next((r for r in reports if r.get("steps")), reports[0] if reports else {})
    info = next((r["build"] for r in reports if isinstance(r.get("build"), dict)), {})
    build = build or info.get("flavor") or ref.get("flavor", "")
    file = file or ref["file"]
    anchor = "s-" + _slug(f"{build}-{file}")
    cols = [_column(v8, rep, run, anchor) for v8, rep, run in columns]
    rows = []
    ref_steps = {st["index"]: st for st in ref.get("steps") or []}
    for st in ref.get("steps") or []:
        cells, base = [], None
        for c in cols:
            mine = c["steps"].get(st["index"])
            if mine is None:
                cells.append(None)
                continue
            base = base if base is not None else _step_sig(mine)
            cells.append({"st": mine, "differs": _step_sig(mine) != base,
                          "diverges": mine.get("real_current") is not None and mine.get("ideal_current") is not None
                          and mine.get("real_current") != mine.get("ideal_current"),
                          # why it did not run: a block holding it never ran (its opener's reason)
                          "why": None if mine.get("reached") else stepinfo.not_reached_why(mine, c["steps"])})
        rows.append({"st": st, "cells": cells, "differs": any(c and c["differs"] for c in cells),
                     "label": stepinfo.label(st, ref_steps), "depth": len(stepinfo.ancestors(st, ref_steps)),
                     "opens": stepinfo.opens(st), "closes": stepinfo.closes(st), "inside": stepinfo.inside(st)})
    groups: list[dict] = []
    for c, (_, rep, _) in zip(cols, columns):
        if not rep or rep.get("outcome") == "skipped" or not any(st.get("reached") for st in rep.get("steps") or []):
            continue
        lanes = lanes_view(rep)
        key = json.dumps([lanes, rep.get("violations") or []], sort_keys=True)
        same = next((g for g in groups if g["key"] == key), None)
        if same:
            same["versions"].append(c["v8"])
        else:
            groups.append({"key": key, "versions": [c["v8"]], "lanes": lanes, "violations": rep.get("violations") or []})
    no_report: list[dict] = []  # runs isoreplay wrote no report for (the same output once)
    for c in cols:
        if c["run"] is None or c["has_report"]:
            continue
        key = (c["outcome"], c["reason"], c["exit_status"], c["output"])
        same = next((n for n in no_report if n["key"] == key), None)
        if same:
            same["versions"].append(c["v8"])
        else:
            no_report.append({"key": key, "versions": [c["v8"]], "anchor": c["anchor"] + "-out", "outcome": c["outcome"],
                              "reason": c["reason"], "exit_status": c["exit_status"], "output": c["output"]})
    src = next((r.get("source") for r in reports if r.get("source")), "")
    outcomes = list(dict.fromkeys(c["outcome"] for c in cols))
    return {
        "anchor": anchor, "build": build, "build_info": info, "file": file,
        "title": title if title is not None else ref["title"],
        "family": family if family is not None else (file.split("/")[-2] if "/" in file else ""),
        "mode": ref.get("mode", ""), "model": ref.get("model", ""), "sources": ref.get("sources") or [],
        "tags": ref.get("tags") or [], "columns": cols, "rows": rows, "groups": groups,
        "no_report": no_report,
        "outcomes": outcomes, "ok": all(c["ok"] for c in cols), "versions": [c["v8"] for c in cols],
        "differs": len(groups) > 1 or len({(c["outcome"], (c["ending"] or {}).get("kind")) for c in cols}) > 1,
        "source_lines": src.splitlines(), "step_lines": {st["line"] for st in ref.get("steps") or []},
        "bad_lines": {v["line"] for r in reports for v in r.get("violations") or [] if v.get("line")},
    }


def scenario_sections(reports: list[dict]) -> list[dict]:
    """The sections of isoreplay's JSON document: one per scenario file and build, a
    column per runtime (isoreplay run replays a scenario on every runtime of its build)."""
    by_key: dict[tuple, list[dict]] = {}
    for r in reports:
        by_key.setdefault((r.get("file"), r.get("flavor")), []).append(r)
    return [section_view([(version_name(r), r, None) for r in rs]) for rs in by_key.values()]


def scenario_html(reports: dict | list[dict], docs: str) -> str:
    reports = [reports] if isinstance(reports, dict) else list(reports)
    sections = scenario_sections(reports)
    first = sections[0]
    return _env().get_template("single.html.j2").render(
        sections=sections, first=first, versions=[c for s in sections for c in s["columns"]], docs=docs)


def render_scenario(reports: dict | list[dict], out: Path | str) -> None:
    """The page of one isoreplay run: a report, or the entries of its JSON document (a
    scenario on several runtimes: shown side by side)."""
    _write(out, scenario_html(reports, _docs_link(out)))


def build_infos(runs: list[dict]) -> dict[str, dict]:
    """Each build's flags and compiled-in sanitizer defaults, from the "build" field of
    the first of its runs that has a report."""
    infos: dict[str, dict] = {}
    for r in runs:
        info = (r.get("report") or {}).get("build")
        if isinstance(info, dict) and r.get("build") not in infos:
            infos[r.get("build")] = info
    return infos


def run_version(run: dict) -> str:
    """A run's V8 runtime name: its "v8" (results.json format 2), else its report's."""
    return str(run.get("v8") or version_name(run.get("report") or {}))


def suite_html(results: dict, docs: str) -> str:
    runs = [r for r in results.get("runs", []) if not r.get("repeat")]
    builds = results.get("builds") or sorted({r["build"] for r in runs})
    versions = results.get("versions") or sorted({run_version(r) for r in runs}, key=version_key)
    scenarios = sorted({(r["family"], r["scenario"], r["title"]) for r in runs})
    by_pair: dict[tuple[str, str], list[dict]] = {}
    for r in runs:
        by_pair.setdefault((r["scenario"], r["build"]), []).append(r)
    cells, sections = {}, []
    for fam, rel, title in scenarios:
        for b in builds:
            rs = by_pair.get((rel, b))
            if not rs:
                continue
            sec = section_view([(run_version(r), r.get("report"), r) for r in rs], b, rel, title, fam)
            sections.append(sec)
            for c in sec["columns"]:
                cells[(rel, b, c["v8"])] = c
    runtimes = results.get("runtimes") or {}
    origins: dict[str, dict] = {}
    for b in builds:
        for rt in runtimes.get(b) or []:
            if isinstance(rt, dict) and rt.get("name"):
                origins.setdefault(rt["name"], rt)
    for r in runs:
        if r.get("report") and run_version(r) not in origins:
            origins[run_version(r)] = {"name": run_version(r), "v8_version": r["report"].get("v8_version"),
                                       "origin": (r["report"].get("runtime") or {}).get("origin")}
    return _env().get_template("suite.html.j2").render(
        results=results, builds=builds, versions=versions, scenarios=scenarios, cells=cells, sections=sections,
        families=sorted({f for f, _, _ in scenarios}), build_infos=build_infos(runs), origins=origins,
        categories=sorted({r["result"] for r in runs}), docs=docs,
        differs={s["file"] for s in sections if s["differs"]})


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


def _scenarios(doc: object, where: str) -> list[dict]:
    """Every entry of an isoreplay JSON document (one per scenario and runtime)."""
    scns = doc.get("scenarios") if isinstance(doc, dict) else None
    if not isinstance(scns, list) or not scns or not all(isinstance(s, dict) for s in scns):
        raise RenderError(f'{where} is not an isoreplay report (no "scenarios" with a scenario in it)')
    return scns


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
        render_scenario(_scenarios(_load(a.json), where), a.out)
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
