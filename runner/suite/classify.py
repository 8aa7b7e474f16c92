"""What one replay's outcome was, in one word a dashboard can sort by."""
from __future__ import annotations

PASSED = "passed"
MATCHED = "expected violation matched"
UNEXPECTED = "unexpected violation"
MISSING = "missing violation"
WRONG_RESULT = "wrong result"
SANITIZER = "sanitizer finding"
V8_FATAL = "V8 fatal"
CRASH = "crash"
TIMEOUT = "timeout"
SKIPPED = "skipped"
NONDETERMINISTIC = "nondeterministic"

FAILURES = (UNEXPECTED, MISSING, WRONG_RESULT, SANITIZER, V8_FATAL, CRASH, TIMEOUT, NONDETERMINISTIC)


def _codes(text: str) -> set[str]:
    return set() if text in ("", "none") else {c.strip() for c in text.split(",")}


def expects_something(report: dict) -> bool:
    """The scenario expects a violation, a sanitizer finding, or a fatal or signal end."""
    if report.get("expected_at_end"):
        return True
    if any(s.get("expected_violations") for s in report.get("steps", [])):
        return True
    return report.get("ending", {}).get("expected") in ("fatal", "signal")


def classify(report: dict | None, harness_findings: list[str], timed_out: bool,
             returncode: int | None) -> tuple[str, str]:
    """(category, reason) for one replay. report is isoreplay's JSON for the scenario
    (None when isoreplay produced none); harness_findings are sanitizer reports of the
    isoreplay process itself (not of the replayed child)."""
    if timed_out:
        return TIMEOUT, "isoreplay did not finish within the runner's limit; killed"
    if report is None:
        return CRASH, f"isoreplay ended with status {returncode} and wrote no report"
    if report.get("outcome") == "skipped":
        return SKIPPED, report.get("skip_reason") or ""
    if harness_findings:
        return SANITIZER, "in isoreplay itself: " + harness_findings[0]
    mismatches = report.get("mismatches", [])
    if report.get("outcome") == "passed" and not mismatches:
        return (MATCHED if expects_something(report) else PASSED), ""
    ending = report.get("ending", {})
    for m in mismatches:
        what = m.get("what", "")
        detail = f"{what}: expected {m.get('expected')}, got {m.get('got')}"
        if what == "how the replay ended":
            kind = ending.get("kind")
            if kind == "timeout":
                return TIMEOUT, detail
            if kind == "V8 fatal error":
                return V8_FATAL, f"{ending.get('fatal')} ({detail})"
            if kind == "sanitizer":
                return SANITIZER, detail
            return CRASH, detail
    for m in mismatches:
        if m.get("what") == "sanitizer findings":
            return SANITIZER, f"expected {m.get('expected')}, got {m.get('got')}"
    for m in mismatches:
        what = m.get("what", "")
        if what.startswith("violations"):
            want, got = _codes(m.get("expected", "")), _codes(m.get("got", ""))
            kind = UNEXPECTED if got - want else MISSING
            return kind, f"{what}: expected {m.get('expected')}, got {m.get('got')}"
    m = mismatches[0] if mismatches else {}
    return WRONG_RESULT, f"{m.get('what')}: expected {m.get('expected')}, got {m.get('got')}"
