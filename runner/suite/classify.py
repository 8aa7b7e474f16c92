"""What one replay's outcome was, in one word a dashboard can sort by.

Classification reads isoreplay's structured JSON fields only ("outcome", "ending.kind",
"mismatches[].kind", "expected_codes"/"got_codes", "internal_error") and its exit
status. A "not-reached" mismatch (a callback block, `run ... {` or `gc X {`, that never
ran) is "block not reached", after a failed ending and a sanitizer mismatch and before
the violations: the block's own steps did not run, so what they expected is missing
because of it. The English display fields ("what", "expected", "got") go into the reason text,
never into the decision.
An "error" outcome whose error_kind is "runtime-unavailable" (the runtime's replay child
never started) is "unsupported"; any other error is "internal error". Both fail."""
from __future__ import annotations

import re

PASSED = "passed"
MATCHED = "expected violation matched"
UNEXPECTED = "unexpected violation"
MISSING = "missing violation"
WRONG_RESULT = "wrong result"
NOT_REACHED = "block not reached"  # a callback block that never ran (mismatch kind "not-reached")
SANITIZER = "sanitizer finding"
V8_FATAL = "V8 fatal"
CRASH = "crash"
TIMEOUT = "timeout"
KILLED = "killed"
MEMORY_LIMIT = "memory limit"
UNRESOLVED = "unresolved"
INTERNAL = "internal error"
SKIPPED = "skipped"
NONDETERMINISTIC = "nondeterministic"
UNSUPPORTED = "unsupported"  # the build cannot run that runtime: its child never started, or the build lacks it

FAILURES = (UNEXPECTED, MISSING, WRONG_RESULT, NOT_REACHED, SANITIZER, V8_FATAL, CRASH, TIMEOUT, KILLED, MEMORY_LIMIT,
            UNRESOLVED, INTERNAL, NONDETERMINISTIC, UNSUPPORTED)

# isoreplay's exit statuses
EXIT_MET, EXIT_UNMET, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

# A compiler-style diagnostic: FILE:LINE:COL: error: message
DIAGNOSTIC = re.compile(r"^.+:\d+:\d+: error: .*$")

# Endings that never meet an expectation, whatever the mismatches say.
_FAILED_ENDINGS = {"timeout": TIMEOUT, "killed": KILLED, "memory-limit": MEMORY_LIMIT, "internal-error": INTERNAL}


def diagnostic(output: str) -> str | None:
    """The first FILE:LINE:COL: error: ... line of isoreplay's output, as is."""
    for line in output.splitlines():
        if DIAGNOSTIC.match(line):
            return line
    return None


def _first_line(output: str, prefix: str = "") -> str | None:
    for line in output.splitlines():
        if line.strip() and line.startswith(prefix):
            return line.strip()
    return None


def expects_something(report: dict) -> bool:
    """The scenario expects a violation, a sanitizer finding, or a fatal or signal end."""
    if report.get("expected_at_end"):
        return True
    if any(s.get("expected_violations") for s in report.get("steps") or []):
        return True
    return (report.get("ending") or {}).get("expected") in ("fatal", "signal")


def _display(m: dict) -> str:
    """A mismatch for a person (display strings only; never used to decide)."""
    return f"{m.get('what')}: expected {m.get('expected')}, got {m.get('got')}"


def _not_reached(ms: list[dict]) -> str:
    """The reason of a "not-reached" mismatch, for a person: which block, and why it
    never ran ("the block of step 3 (T1: run A): never reached: the script returned
    without calling host(); its steps did not run")."""
    m = ms[0]
    text = f"{m.get('what')}: {m.get('got')}"
    return text + (f" (and {len(ms) - 1} more block{'s' if len(ms) > 2 else ''} not reached)" if len(ms) > 1 else "")


def _ending_category(ending: dict, detail: str) -> tuple[str, str]:
    kind = ending.get("kind")
    if kind in _FAILED_ENDINGS:
        return _FAILED_ENDINGS[kind], detail
    if kind == "v8-fatal":
        return V8_FATAL, f"{ending.get('fatal')} ({detail})"
    if kind == "sanitizer":
        return SANITIZER, detail
    return CRASH, detail


def _without_report(timed_out: bool, returncode: int | None, output: str) -> tuple[str, str]:
    if timed_out:
        return TIMEOUT, "isoreplay did not finish within the runner's limit; killed"
    if returncode == EXIT_BAD_INPUT:
        why = diagnostic(output) or _first_line(output)
        return UNRESOLVED, why or "isoreplay rejected the scenario (status 2) and said nothing"
    if returncode == EXIT_INTERNAL:
        why = _first_line(output, "isoreplay: ") or _first_line(output)
        return INTERNAL, why or "isoreplay failed internally (status 3) and wrote no report"
    return CRASH, f"isoreplay ended with status {returncode} and wrote no report"


def classify(report: dict | None, harness_findings: list[str], timed_out: bool,
             returncode: int | None, output: str = "") -> tuple[str, str]:
    """(category, reason) for one replay. report is isoreplay's JSON for the scenario
    (None when isoreplay produced none); harness_findings are sanitizer reports of the
    isoreplay process itself (not of the replayed child); output is what isoreplay
    printed (stdout and stderr), read only when there is no report."""
    if report is None:
        return _without_report(timed_out, returncode, output)
    if report.get("outcome") == "error":
        why = report.get("internal_error") or ""
        if report.get("error_kind") == "runtime-unavailable":
            return UNSUPPORTED, why.strip()
        return INTERNAL, why or "isoreplay reported an internal error without a reason"
    if timed_out:
        return TIMEOUT, "isoreplay did not finish within the runner's limit; killed"
    if report.get("outcome") == "skipped":
        return SKIPPED, report.get("skip_reason") or ""
    if harness_findings:
        return SANITIZER, "in isoreplay itself: " + harness_findings[0]
    mismatches = report.get("mismatches") or []
    ending = report.get("ending") or {}
    by_kind: dict[str, list[dict]] = {}
    for m in mismatches:
        by_kind.setdefault(m.get("kind"), []).append(m)
    if ending.get("kind") in _FAILED_ENDINGS:
        m = (by_kind.get("ending") or [{}])[0]
        return _ending_category(ending, _display(m) if m else f"the replay ended: {ending.get('kind')}")
    if report.get("outcome") == "passed" and not mismatches:
        return (MATCHED if expects_something(report) else PASSED), ""
    if "ending" in by_kind:
        return _ending_category(ending, _display(by_kind["ending"][0]))
    if "sanitizer" in by_kind:
        m = by_kind["sanitizer"][0]
        return SANITIZER, f"expected {m.get('expected')}, got {m.get('got')}"
    if "not-reached" in by_kind:  # the block's steps did not run: what else is missing follows from it
        return NOT_REACHED, _not_reached(by_kind["not-reached"])
    for m in (m for m in mismatches if m.get("kind") in ("violations", "end-violations")):
        want, got = set(m.get("expected_codes") or []), set(m.get("got_codes") or [])
        return (UNEXPECTED if got - want else MISSING), _display(m)
    if mismatches:  # result, check-current
        return WRONG_RESULT, _display(mismatches[0])
    return WRONG_RESULT, f"isoreplay says {report.get('outcome')!r} without a mismatch"
