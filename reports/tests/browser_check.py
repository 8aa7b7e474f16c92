#!/usr/bin/python3
"""browser_check.py — a generated report in real headless Chromium (Debian's chromium).

    browser_check.py BUILD ARTIFACT_DIR

Replays a violating scenario whose title and source carry script-injection payloads,
writes its HTML report (isoreplay run --html) and a suite report, loads both offline in
headless Chromium and checks: no console error, the page's own script ran, the expected
number of swimlanes and violation markers is in the DOM, and no payload executed.
Saves a screenshot of each as a test artifact. Exits 77 (skipped, with the reason) when
Chromium is not installed; 1 on a failed check.
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "reports"))

SCENARIO = '''title  "Two runtimes <script>document.body.dataset.pwned = 1</script> on one thread"
source "\\"><img src=x onerror=\\"document.body.dataset.pwned=1\\">"
model  rusty_v8

w1:   new A
w1:   run A "'<script>document.body.dataset.pwned=1</script>'"
w1:   new B
main: terminate A
w1:   drop A                     ! drop-order, tls-divergence
w1:   drop B
'''
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--window-size=1300,1100"]


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def load(browser: str, page: Path, shot: Path) -> tuple[str, str]:
    """(DOM after scripts ran, Chromium's log) for page; saves a screenshot to shot."""
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=120)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", page.as_uri()],
                       capture_output=True, text=True, timeout=120)
    return dom.stdout, dom.stderr


def check(name: str, dom: str, log: str, lanes: int, violations: int, failures: list[str]) -> None:
    console = [l for l in log.splitlines() if "CONSOLE" in l or "Uncaught" in l or "Refused to" in l]
    if console:
        failures.append(f"{name}: console output: {console[:3]}")
    if 'data-ready="1"' not in dom:
        failures.append(f"{name}: the page's own script did not run (no data-ready=1)")
    if f'data-lanes="{lanes}"' not in dom:
        failures.append(f"{name}: expected {lanes} lanes, DOM body says {dom[dom.find('<body'):dom.find('<body') + 120]}")
    if f'data-violations="{violations}"' not in dom:
        failures.append(f"{name}: expected {violations} violation markers")
    if "data-pwned" in dom or "<img" in dom:
        failures.append(f"{name}: an injected payload executed or became markup")


def main(argv: list[str]) -> int:
    build, artifacts = argv[0], Path(argv[1]).resolve()  # a file: address needs an absolute path
    browser = chromium()
    if not browser:
        print("browser_check: skipped: Chromium is not installed (Debian package chromium; scripts/setup.sh installs it)")
        return 77
    cli = PROJECT / "build" / build / "bin" / "isoreplay"
    artifacts.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as d:
        scn = Path(d) / "xss.scn"
        scn.write_text(SCENARIO)
        page, rep = artifacts / "report.html", Path(d) / "r.json"
        done = subprocess.run([str(cli), "run", "--quiet", "--html", str(page), "--json", str(rep), str(scn)],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or not page.exists():
            print(f"browser_check: isoreplay failed: {done.stdout}{done.stderr}")
            return 1
        report = json.loads(rep.read_text())["scenarios"][0]
        dom, log = load(browser, page, artifacts / "report.png")
        check("scenario report", dom, log, lanes=2, violations=len(report["violations"]), failures=failures)
        import render
        results = {"format": 1, "v8_version": report["v8_version"], "builds": [build], "started": "now",
                   "wall_s": 0.1, "summary": {"runs": 1, "passed": 1, "failed": 0, "skipped": 0,
                                              "by_category": {"expected violation matched": 1}},
                   "runs": [{"scenario": "x/xss.scn", "family": "x", "name": "xss", "title": report["title"],
                             "tags": [], "build": build, "repeat": 0, "result": "expected violation matched",
                             "failed": False, "reason": "", "seconds": 0.1, "report": report}]}
        suite = artifacts / "suite.html"
        render.render_suite(results, suite)
        dom, log = load(browser, suite, artifacts / "suite.png")
        check("suite report", dom, log, lanes=2, violations=len(report["violations"]), failures=failures)
    for shot in ("report.png", "suite.png"):
        if not (artifacts / shot).exists() or (artifacts / shot).stat().st_size < 10000:
            failures.append(f"no screenshot {shot}")
    for f in failures:
        print(f"browser_check: FAIL: {f}")
    if not failures:
        print(f"browser_check: ok: both reports load offline, scripts ran, lanes and markers drawn, payloads inert; "
              f"screenshots in {artifacts}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
