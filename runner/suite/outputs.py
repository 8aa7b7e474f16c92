"""results.json and JUnit XML for a suite run (JUnit via the standard library's
ElementTree, which does the XML escaping; characters XML 1.0 forbids are stripped)."""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from . import classify
from .execute import Run

OUTPUT_TAIL = 4000  # characters of isoreplay's output kept in results.json
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(s: str | None) -> str:
    """s without the characters XML 1.0 cannot hold (control characters, lone surrogates)."""
    return _XML_INVALID.sub("", s or "")


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _counts(runs: list[Run]) -> dict:
    failed = sum(1 for r in runs if r.failed)
    skipped = sum(1 for r in runs if r.category == classify.SKIPPED)
    unsupported = sum(1 for r in runs if r.category == classify.UNSUPPORTED)
    return {"runs": len(runs), "passed": len(runs) - failed - skipped, "failed": failed,
            "skipped": skipped, "unsupported": unsupported}


def summary(runs: list[Run]) -> dict:
    """Counts of the whole run (unsupported cells are counted among the failed, and on
    their own), by category, and by build and V8 version."""
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.category] = counts.get(r.category, 0) + 1
    cells: dict[str, dict[str, list[Run]]] = {}
    for r in runs:
        cells.setdefault(r.build, {}).setdefault(r.v8, []).append(r)
    return {**_counts(runs), "by_category": counts,
            "by_build_version": {b: {v: _counts(rs) for v, rs in by_v.items()} for b, by_v in cells.items()}}


def write_results(path: Path, runs: list[Run], meta: dict) -> None:
    """results.json, format 2: a run per cell (scenario x build x V8 version x repeat)."""
    doc = {
        "format": 2,
        **meta,
        "summary": summary(runs),
        "runs": [{
            "scenario": r.scenario.rel, "family": r.scenario.family, "name": r.scenario.name,
            "title": r.scenario.title, "tags": list(r.scenario.tags), "build": r.build,
            "v8": r.v8, "v8_version": r.v8_version, "runtime": r.runtime,
            "repeat": r.repeat, "result": r.category, "failed": r.failed, "reason": r.reason,
            "seconds": round(r.seconds, 3), "process_seconds": round(r.process_seconds, 3),
            "sanitizer_logs": r.logs, "exit_status": r.returncode,
            "output": r.output[-OUTPUT_TAIL:], "report": r.report,
        } for r in runs],
    }
    _atomic_write(path, json.dumps(doc, indent=2, ensure_ascii=True).encode())


def classname(r: Run) -> str:
    """isoreplay.<build>.v8-<name>.<family>, e.g. isoreplay.tsan.v8-13.6.catalog (the
    version as ctest labels it: v8-13.6)."""
    return f"isoreplay.{r.build}.v8-{r.v8}.{r.scenario.family}"


def write_junit(path: Path, runs: list[Run], wall_s: float) -> None:
    """A testsuite per (build, V8 version), named isoreplay.<build>.v8-<name>, with the
    full V8 version as a property; a testcase per cell (classname()). A failure is a
    <failure>; an unsupported cell (the build cannot run that runtime) is an <error>, so
    it shows apart from the scenarios' failures and never as a pass."""
    s = summary(runs)
    suites = ET.Element("testsuites", name="isoreplay", tests=str(len(runs)),
                        failures=str(s["failed"] - s["unsupported"]), errors=str(s["unsupported"]),
                        skipped=str(s["skipped"]), time=f"{wall_s:.3f}")
    groups: dict[tuple[str, str], list[Run]] = {}
    for r in runs:
        groups.setdefault((r.build, r.v8), []).append(r)
    for (build, v8), rs in groups.items():
        bs = _counts(rs)
        suite = ET.SubElement(suites, "testsuite", name=xml_text(f"isoreplay.{build}.v8-{v8}"), tests=str(len(rs)),
                              failures=str(bs["failed"] - bs["unsupported"]), errors=str(bs["unsupported"]),
                              skipped=str(bs["skipped"]), time=f"{sum(r.seconds for r in rs):.3f}")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="build", value=xml_text(build))
        ET.SubElement(props, "property", name="v8", value=xml_text(v8))
        full = next((r.v8_version for r in rs if r.v8_version), None)
        if full:
            ET.SubElement(props, "property", name="v8_version", value=xml_text(full))
        for r in rs:
            name = r.scenario.name + (f" #{r.repeat}" if r.repeat else "")
            case = ET.SubElement(suite, "testcase", classname=xml_text(classname(r)),
                                 name=xml_text(name), time=f"{r.seconds:.3f}", file=xml_text(r.scenario.rel))
            if r.category == classify.SKIPPED:
                ET.SubElement(case, "skipped", message=xml_text(r.reason))
            elif r.failed:
                fail = ET.SubElement(case, "error" if r.category == classify.UNSUPPORTED else "failure",
                                     message=xml_text(f"{r.category}: {r.reason}"), type=xml_text(r.category))
                fail.text = xml_text(r.output[-20000:])
            ET.SubElement(case, "system-out").text = xml_text(
                f"{r.category} on V8 {r.v8_version or r.v8}, {r.build} build. {r.scenario.title}")
    data = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    _atomic_write(path, data)
