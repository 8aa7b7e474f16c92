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


def summary(runs: list[Run]) -> dict:
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.category] = counts.get(r.category, 0) + 1
    failed = sum(1 for r in runs if r.failed)
    skipped = sum(1 for r in runs if r.category == classify.SKIPPED)
    return {"runs": len(runs), "passed": len(runs) - failed - skipped, "failed": failed,
            "skipped": skipped, "by_category": counts}


def write_results(path: Path, runs: list[Run], meta: dict) -> None:
    doc = {
        "format": 1,
        **meta,
        "summary": summary(runs),
        "runs": [{
            "scenario": r.scenario.rel, "family": r.scenario.family, "name": r.scenario.name,
            "title": r.scenario.title, "tags": list(r.scenario.tags), "build": r.build,
            "repeat": r.repeat, "result": r.category, "failed": r.failed, "reason": r.reason,
            "seconds": round(r.seconds, 3), "sanitizer_logs": r.logs, "exit_status": r.returncode,
            "output": r.output[-OUTPUT_TAIL:], "report": r.report,
        } for r in runs],
    }
    _atomic_write(path, json.dumps(doc, indent=2, ensure_ascii=True).encode())


def write_junit(path: Path, runs: list[Run], wall_s: float) -> None:
    s = summary(runs)
    suites = ET.Element("testsuites", name="isoreplay", tests=str(len(runs)), failures=str(s["failed"]),
                        skipped=str(s["skipped"]), time=f"{wall_s:.3f}")
    by_build: dict[str, list[Run]] = {}
    for r in runs:
        by_build.setdefault(r.build, []).append(r)
    for build, rs in by_build.items():
        bs = summary(rs)
        suite = ET.SubElement(suites, "testsuite", name=f"isoreplay.{build}", tests=str(len(rs)),
                              failures=str(bs["failed"]), skipped=str(bs["skipped"]),
                              time=f"{sum(r.seconds for r in rs):.3f}")
        for r in rs:
            name = r.scenario.name + (f" #{r.repeat}" if r.repeat else "")
            case = ET.SubElement(suite, "testcase", classname=xml_text(f"isoreplay.{build}.{r.scenario.family}"),
                                 name=xml_text(name), time=f"{r.seconds:.3f}", file=xml_text(r.scenario.rel))
            if r.category == classify.SKIPPED:
                ET.SubElement(case, "skipped", message=xml_text(r.reason))
            elif r.failed:
                fail = ET.SubElement(case, "failure", message=xml_text(f"{r.category}: {r.reason}"),
                                     type=xml_text(r.category))
                fail.text = xml_text(r.output[-20000:])
            ET.SubElement(case, "system-out").text = xml_text(f"{r.category}. {r.scenario.title}")
    data = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    _atomic_write(path, data)
