#!/usr/bin/python3
"""browser_check.py — a generated report in real headless Chromium (Debian's chromium).

    browser_check.py BUILD ARTIFACT_DIR

Replays a violating scenario whose title and source carry script-injection payloads,
writes its HTML report (isoreplay run --html), the page of its whole JSON document (every
runtime of the build: render.py scenario) and a suite report (scenario x build x
version, with the Node runtimes made unable to start: unsupported cells), loads each
offline in headless Chromium and checks: no console error, the page's own script ran,
the version axis is there (a column per runtime, the runtimes named), the expected
number of swimlanes, violation markers and unsupported cells is in the DOM, the V8
filter leaves one version's column (then, with the outcome filter, only the unsupported),
and no payload executed. Saves a screenshot of each as a test artifact. Exits 77 (skipped, with
the reason) when Chromium is not installed; 1 on a failed check.

Then a second-edition scenario (a host() block with an Unlocker that lets T2 in, a block
inside it that is never reached, a gc block run by a weak callback, handles, spawn/join,
send/recv) is replayed on every runtime, rendered, and measured in the browser's own
layout (getBBox): every step the report puts inside a block of its own thread must be
drawn inside the opener's call bar and marked nested, every other thread's step of a block
inside the block's region; the counts of bars, nested marks, blocks not reached and sync
arrows must be what the report implies; the reason the block never ran must be on screen;
the new ops' labels must be on the page. As a control, the probe then breaks one call bar
(narrows it to its opener) and must see nested steps outside it.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "reports"))
sys.path.insert(0, str(PROJECT / "reports" / "tests"))

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
BLOCKS = '''title "Blocks <script>document.body.dataset.pwned=1</script> nested in their runs"
main: spawn T1
T1: new A
T1: lock A
T1: enter A
T1: global H of A
T1: weak H
T1: open H
T1: run A "host(); 'done'" => "done" {
  T1: unlocker A
  T2: lock A
  T2: enter A
  T2: run A "6 * 7" => "42"
  T2: exit A
  T2: unlock A
  T2: send CH
  T1: relock A
  T1: run A "'no host call'" {
    T1: call A heap-stats
    main: call A memory-pressure
  }
}
T1: gc A {
  T1: call A heap-stats
}
main: recv CH
T1: exit A
T1: unlock A
T1: dispose A
main: join T1
'''
# The labels the blocks page must show for the new ops (in its step table and its marks' titles).
LABELS = ["spawn T1", "global H of A", "weak H", "open H", "run A {", "call A heap-stats", "call A memory-pressure",
          "send CH", "recv CH", "join T1", "gc A {", "↩ host() returns", "↩ weak callback returns"]
HOST_WHY = "the script returned without calling host()"
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


def check(name: str, dom: str, log: str, lanes: int, violations: int, failures: list[str],
          versions: list[str] | None = None, columns: int | None = None, unsupported: int | None = None) -> None:
    console = [l for l in log.splitlines() if "CONSOLE" in l or "Uncaught" in l or "Refused to" in l]
    if console:
        failures.append(f"{name}: console output: {console[:3]}")
    if 'data-ready="1"' not in dom:
        failures.append(f"{name}: the page's own script did not run (no data-ready=1)")
    if f'data-lanes="{lanes}"' not in dom:
        failures.append(f"{name}: expected {lanes} lanes, DOM body says {dom[dom.find('<body'):dom.find('<body') + 300]}")
    if f'data-violations="{violations}"' not in dom:
        failures.append(f"{name}: expected {violations} violation markers")
    if versions is not None and f'data-versions="{" ".join(sorted(versions))}"' not in dom:
        failures.append(f"{name}: expected the runtimes {versions} as version columns")
    if columns is not None and f'data-version-columns="{columns}"' not in dom:
        failures.append(f"{name}: expected {columns} version columns")
    for v in versions or []:  # each runtime has its column header, drawn
        if not re.search(rf'<th class="(v8col|version[^"]*)"[^>]* data-v8="{re.escape(v)}"', dom):
            failures.append(f"{name}: no column for V8 {v}")
    if unsupported is not None and f'data-unsupported="{unsupported}"' not in dom:
        failures.append(f"{name}: expected {unsupported} unsupported cells")
    if "data-pwned" in dom or "<img" in dom:
        failures.append(f"{name}: an injected payload executed or became markup")


# Appended to a copy of the suite page: picks a V8 version in the filter, then the outcome
# "unsupported", and writes what is left visible into data-probe-* attributes.
PROBE = """<script>
(function () {
  function shown(sel) { return Array.prototype.filter.call(document.querySelectorAll(sel),
                                                           function (e) { return e.offsetParent !== null; }).length; }
  function pick(id, v) { var s = document.getElementById(id); s.value = v; s.dispatchEvent(new Event("change")); }
  pick("f-v8", "%s");
  var b = document.body.dataset;
  b.probeCells = shown("table.matrix td.cell"); b.probeVersions = shown("table.matrix th.version");
  b.probeColumns = shown("th.v8col"); b.probeSpan = document.querySelector("table.matrix th.build").colSpan;
  pick("f-outcome", "unsupported");
  b.probeRows = shown("table.matrix tbody tr"); b.probeSections = shown("section.scenario");
})();
</script></body>"""


# Appended to a copy of the blocks page: measures, in the browser's own layout, that each
# nested step lies inside its opener's call bar and each other thread's step of a block in
# the block's region; then narrows one call bar to its opener and measures again (the
# control: the probe must see that).
BLOCK_PROBE = """<script>
(function () {
  function all(root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); }
  function box(e) { var b = e.getBBox(); return {x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height}; }
  function inside(a, b) { return a.x0 >= b.x0 - 0.5 && a.x1 <= b.x1 + 0.5 && a.y0 >= b.y0 - 0.5 && a.y1 <= b.y1 + 0.5; }
  function probe() {
    var r = {nested: 0, nestedBad: 0, inBlock: 0, inBlockBad: 0, what: ""};
    all(document, "svg.lanes").forEach(function (svg) {
      all(svg, "g.call").forEach(function (g) {
        var bar = box(g.querySelector("rect.callbar")), ghost = g.querySelector("rect.callbar-ghost");
        if (ghost) bar.x1 = Math.max(bar.x1, box(ghost).x1);
        all(svg, '.step[data-nested-in="' + g.dataset.opener + '"]').forEach(function (m) {
          r.nested++;
          if (!m.classList.contains("nested") || !inside(box(m), bar)) {
            r.nestedBad++;
            r.what = r.what || ("step " + m.dataset.index + " is outside the call bar of step " + g.dataset.opener);
          }
        });
      });
      all(svg, ".step.in-block").forEach(function (m) {
        r.inBlock++;
        var reg = svg.querySelector('g.block-region[data-opener="' + m.dataset.block + '"] rect.region'), b = box(m);
        var cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2, rb = reg ? box(reg) : null;
        if (!rb || cx < rb.x0 || cx > rb.x1 || cy < rb.y0 || cy > rb.y1) {
          r.inBlockBad++;
          r.what = r.what || ("step " + m.dataset.index + " is outside the region of step " + m.dataset.block);
        }
      });
    });
    return r;
  }
  var d = document.body.dataset, r = probe();
  d.probeNested = r.nested; d.probeNestedBad = r.nestedBad; d.probeInBlock = r.inBlock;
  d.probeInBlockBad = r.inBlockBad; d.probeWhat = r.what;
  var why = document.querySelector("ul.blocks li.not-reached .why");
  d.probeWhy = why && why.getBoundingClientRect().width > 0 ? why.textContent : "";
  var bar = document.querySelector("svg.lanes g.call.returned rect.callbar");
  bar.setAttribute("width", "26");
  d.probeBrokenBad = probe().nestedBad;
})();
</script></body>"""


def block_counts(entries: list[dict]) -> dict[str, int]:
    """What the blocks page must draw, from the reports' own block fields (one set of
    swimlanes per distinct replay): call bars, nested marks, other threads' marks in a
    block, blocks never reached, sync arrows (a send and its recv, a spawn, a join)."""
    import render
    from test_blocks import expected_nesting
    groups = render.section_view([(render.version_name(e), e, None) for e in entries])["groups"]
    want = {"blocks": 0, "nested": 0, "in-block": 0, "not-reached": 0, "sync-arrows": 0}
    for g in groups:
        rep = next(e for e in entries if render.version_name(e) == g["versions"][0])
        steps = rep["steps"]
        nested, other = expected_nesting(steps)
        want["blocks"] += sum(1 for s in steps if (s.get("block") or {}).get("opens_until") is not None)
        want["not-reached"] += sum(1 for s in steps if s.get("block_not_reached"))
        want["nested"] += len(nested)
        want["in-block"] += len(other)
        want["sync-arrows"] += sum(1 for s in steps if s["op"] in ("recv", "spawn", "join"))
    return want


def check_blocks(dom: str, entries: list[dict], failures: list[str]) -> None:
    want = block_counts(entries)
    got = {k: (re.search(rf'data-{k}="(\d+)"', dom) or [None, None])[1] for k in ("blocks", "nested", "not-reached",
                                                                               "sync-arrows")}
    if got != {k: str(want[k]) for k in got}:
        failures.append(f"blocks report: drew {got}, the reports imply {want}")
    probe = {k: (re.search(rf'data-probe-{k}="([^"]*)"', dom) or [None, None])[1]
             for k in ("nested", "nested-bad", "in-block", "in-block-bad", "what", "why", "broken-bad")}
    if probe["nested"] != str(want["nested"]) or probe["in-block"] != str(want["in-block"]) or not want["nested"]:
        failures.append(f"blocks report: measured {probe['nested']} nested and {probe['in-block']} in-block steps, "
                        f"the reports imply {want['nested']} and {want['in-block']}")
    if probe["nested-bad"] != "0" or probe["in-block-bad"] != "0":
        failures.append(f"blocks report: nesting broken in the browser's layout: {probe}")
    if probe["why"] != HOST_WHY:
        failures.append(f"blocks report: the reason the block never ran is not on screen (got {probe['why']!r})")
    if not probe["broken-bad"] or probe["broken-bad"] == "0":
        failures.append("blocks report: the probe did not notice a call bar narrowed to its opener (the control)")
    for text in LABELS:
        if f'<span class="op">{text}</span>' not in dom:
            failures.append(f"blocks report: no step labelled {text!r}")
    if f"its block never ran: {HOST_WHY}" not in dom:
        failures.append("blocks report: the steps of the block never reached do not say why")


def drawn(entries: list[dict]) -> tuple[int, int]:
    """(lanes, violation markers) a page of these entries draws: one set of swimlanes per
    distinct replay."""
    import render
    groups = render.section_view([(render.version_name(e), e, None) for e in entries])["groups"]
    return (sum(len(g["lanes"]["threads"]) for g in groups), sum(len(g["lanes"]["violations"]) for g in groups))


def category(e: dict) -> str:
    """A suite category for an entry (the runner's own classification is not imported here)."""
    if e["outcome"] == "error":
        return "unsupported" if "never started" in (e.get("internal_error") or "") else "internal error"
    return "expected violation matched" if e["expectations_met"] else "unexpected violation"


def main(argv: list[str]) -> int:
    build, artifacts = argv[0], Path(argv[1]).resolve()  # a file: address needs an absolute path
    browser = chromium()
    if not browser:
        print("browser_check: skipped: Chromium is not installed (Debian package chromium; scripts/setup.sh installs it)")
        return 77
    cli = PROJECT / "build" / build / "bin" / "isoreplay"
    artifacts.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    import render
    with tempfile.TemporaryDirectory() as d:
        scn = Path(d) / "xss.scn"
        scn.write_text(SCENARIO)
        page, rep = artifacts / "report.html", Path(d) / "r.json"
        done = subprocess.run([str(cli), "run", "--quiet", "--html", str(page), "--json", str(rep), str(scn)],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or not page.exists():
            print(f"browser_check: isoreplay failed: {done.stdout}{done.stderr}")
            return 1
        entries = json.loads(rep.read_text())["scenarios"]
        names = [render.version_name(e) for e in entries]
        # isoreplay run --html: every runtime it replayed, a column each
        dom, log = load(browser, page, artifacts / "report.png")
        check("scenario report", dom, log, *drawn(entries), failures=failures, versions=names, columns=len(names))
        # the whole document: every runtime side by side
        multi = artifacts / "versions.html"
        render.render_scenario(entries, multi)
        dom, log = load(browser, multi, artifacts / "versions.png")
        check("per-version report", dom, log, *drawn(entries), failures=failures, versions=names, columns=len(names))
        # the same scenario where the Node runtimes cannot start: unsupported on those
        bogus = Path(d) / "bogus.json"
        subprocess.run([str(cli), "run", "--quiet", "--json", str(bogus), str(scn)], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "NODE_OPTIONS": "--no-such-option-anywhere"})
        no_node = json.loads(bogus.read_text())["scenarios"]
        runs = [{"scenario": rel, "family": "x", "name": Path(rel).stem, "title": e["title"], "tags": [], "build": build,
                 "v8": render.version_name(e), "v8_version": e["v8_version"], "repeat": 0, "result": category(e),
                 "failed": category(e) not in ("expected violation matched", "passed"),
                 "reason": e.get("internal_error") or "", "seconds": 0.1, "report": e}
                for rel, es in (("x/xss.scn", entries), ("x/xss-no-node.scn", no_node)) for e in es]
        n_unsupported = sum(1 for r in runs if r["result"] == "unsupported")
        results = {"format": 2, "builds": [build], "versions": sorted(set(names), key=render.version_key),
                   "started": "now", "wall_s": 0.1,
                   "summary": {"runs": len(runs), "passed": sum(not r["failed"] for r in runs),
                               "failed": sum(r["failed"] for r in runs), "skipped": 0, "unsupported": n_unsupported,
                               "by_category": {}}, "runs": runs}
        suite = artifacts / "suite.html"
        render.render_suite(results, suite)
        dom, log = load(browser, suite, artifacts / "suite.png")
        lanes, marks = (a + b for a, b in zip(drawn(entries), drawn(no_node)))
        check("suite report", dom, log, lanes, marks, failures=failures, versions=names,
              columns=len(names) * 3, unsupported=n_unsupported)  # the matrix's and each section's columns
        if not n_unsupported and any(e["runtime"].get("node") for e in entries if e.get("runtime")):
            failures.append("suite report: NODE_OPTIONS did not keep node from starting: no unsupported cell to show")
        # the version filter, used: one column per build, one per section; then only the unsupported
        v = next((r["v8"] for r in runs if r["result"] == "unsupported"), names[-1])
        probe = artifacts / "suite-filtered.html"
        probe.write_text(suite.read_text().replace("</body>", PROBE % v))
        dom, _ = load(browser, probe, artifacts / "suite-filtered.png")
        want = {"cells": 2, "versions": 1, "columns": 2, "span": 1,
                "rows": 1 if n_unsupported else 0, "sections": 1 if n_unsupported else 0}
        got = {k: (re.search(rf'data-probe-{k}="(\d+)"', dom) or [None, None])[1] for k in want}
        if got != {k: str(n) for k, n in want.items()}:
            failures.append(f"suite report: the V8 filter ({v}) left visible {got}, expected {want}")
        # the second edition: callback blocks nested in their runs, measured in the browser
        scn = Path(d) / "blocks.scn"
        scn.write_text(BLOCKS)
        rep = Path(d) / "blocks.json"
        done = subprocess.run([str(cli), "run", "--quiet", "--json", str(rep), str(scn)], capture_output=True, text=True,
                              timeout=300)
        if done.returncode not in (0, 1) or not rep.exists():
            failures.append(f"blocks report: isoreplay failed: {done.stdout}{done.stderr}")
        else:
            blocks = json.loads(rep.read_text())["scenarios"]
            page = artifacts / "blocks.html"
            render.render_scenario(blocks, page)
            dom, log = load(browser, page, artifacts / "blocks.png")
            check("blocks report", dom, log, *drawn(blocks), failures=failures)
            probe = artifacts / "blocks-probed.html"
            probe.write_text(page.read_text().replace("</body>", BLOCK_PROBE))
            dom, _ = load(browser, probe, artifacts / "blocks-probed.png")
            check_blocks(dom, blocks, failures)
    for shot in ("report.png", "versions.png", "suite.png", "suite-filtered.png", "blocks.png"):
        if not (artifacts / shot).exists() or (artifacts / shot).stat().st_size < 10000:
            failures.append(f"no screenshot {shot}")
    for f in failures:
        print(f"browser_check: FAIL: {f}")
    if not failures:
        print(f"browser_check: ok: the reports load offline, scripts ran, a column per V8 version, the V8 filter works, lanes, "
              f"markers and unsupported cells drawn, callback blocks nested in their runs (measured), payloads inert; "
              f"screenshots in {artifacts}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
