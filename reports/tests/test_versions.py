"""The version axis of the HTML reports: a scenario's page shows every runtime's replay
side by side (a column per V8 version, the differences marked); the suite page's matrix
is scenario x build x version (a column per build-version pair, grouped by build) with a
version filter, and an unsupported cell says so, with its reason."""
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import render  # noqa: E402
from test_render_cli import PYTHON, RENDER, doc, render_py, report  # noqa: E402

PROJECT = HERE.parents[1]
BUILD = os.environ.get("ISOREPLAY_BUILD", "default")
CLI = PROJECT / "build" / BUILD / "bin" / "isoreplay"
NEVER = "the replay child for V8 13.6 never started: /n/bin/node: <bad> option"


def step(index, line, op, violations=(), real="A", ideal="A", reached=True, expected=()):
    return {"index": index, "line": line, "thread": "T1", "task": None, "op": op, "isolate": "A", "context": None,
            "js": None, "background": False, "reached": reached, "start_us": 0, "end_us": 5, "status": "ok",
            "executed": True, "real_current": real, "ideal_current": ideal, "result": None, "note": None,
            "expected_violations": list(expected), "violations": list(violations)}


def on(name: str, full: str, **kw) -> dict:
    """The plain report on runtime name."""
    return report(v8_version=full, runtime={"name": name, "origin": f"origin of {name}", "node": None}, **kw)


SOURCE = 'title "a plain scenario"\nT1: new A\nT1: enter A\nT1: exit A\n'


def entries() -> list[dict]:
    """One scenario on four runtimes: 10.2 and 12.4 alike, 13.6 crashes at step 3, 14.6 skipped."""
    same = dict(steps=[step(1, 2, "new", real="none", ideal="none"), step(2, 3, "enter"), step(3, 4, "exit", ["exit-order"],
                                                                                                    real="none", ideal="none",
                                                                                                    expected=["exit-order"])],
                violations=[{"code": "exit-order", "severity": "error", "step": 3, "line": 4, "thread": "T1", "task": None,
                             "isolate": "A", "message": "m", "fix": "f"}], source=SOURCE,
                spans=[{"kind": "entered", "thread": "T1", "name": "A", "from": 2, "to": 3, "open": False}])
    a = on("10.2", "10.2.154.26-node.37", **copy.deepcopy(same))
    b = on("12.4", "12.4.254.21-node.21", **copy.deepcopy(same))
    c = on("13.6", "13.6.233.10-node.28", **copy.deepcopy(same))
    c["steps"][2].update(violations=[], real_current=None, reached=False)
    c["violations"] = []
    c.update(outcome="failed", expectations_met=False,
             ending={**c["ending"], "kind": "signal", "signal": "SEGV"},
             mismatches=[{"kind": "ending", "step": None, "line": None, "what": "how the replay ended",
                          "expected": "clean", "got": "signal SEGV", "expected_codes": None, "got_codes": None}])
    d = {"file": "x/plain.scn", "title": "a plain scenario", "sources": [], "tags": [], "model": "v8",
         "v8_version": "14.6.202.34", "runtime": {"name": "14.6", "origin": "origin of 14.6", "node": "/n"},
         "flavor": "default", "build": a["build"], "mode": "real", "outcome": "skipped", "internal_error": None,
         "skip_reason": "not on 14", "expectations_met": True, "wall_ms": 0.0}
    return [c, d, a, b]  # in no order: the page orders them


def v8cols(html: str) -> list[str]:
    return re.findall(r'<th class="v8col" id="[^"]*" data-v8="([^"]+)"', html)


class ScenarioPage(unittest.TestCase):
    def page(self, reports) -> str:
        with tempfile.TemporaryDirectory() as d:
            render.render_scenario(reports, Path(d) / "p.html")
            return (Path(d) / "p.html").read_text()

    def test_every_runtime_is_a_column_side_by_side(self):
        html = self.page(entries())
        self.assertEqual(["10.2", "12.4", "13.6", "14.6"], v8cols(html))
        for full in ("10.2.154.26-node.37", "12.4.254.21-node.21", "13.6.233.10-node.28", "14.6.202.34"):
            self.assertIn(f'<div class="full">{full}</div>', html)
        self.assertIn("one run on V8 10.2 (10.2.154.26-node.37), 12.4 (12.4.254.21-node.21), 13.6", html)
        # outcome, ending and skip reason per version
        self.assertEqual(["passed", "passed", "failed", "skipped"],
                         re.findall(r'<td class="[^"]*" data-v8="[^"]+" data-outcome="([^"]+)">', html))
        self.assertIn('<div class="why">not on 14</div>', html)
        self.assertIn("<b>signal</b> · SIGSEGV", html)
        self.assertIn("how the replay ended: expected clean, got signal SEGV", html)
        self.assertIn('<span class="differs-badge">differs between V8 versions</span>', html)

    def test_the_steps_are_compared_across_versions(self):
        html = self.page(entries())
        rows = re.findall(r'<tr class="step( differs)?">(.*?)</tr>', html, re.S)
        self.assertEqual(["", "", " differs"], [d for d, _ in rows])
        cells = re.findall(r'<td data-v8="([^"]+)" class="([^"]*)">', rows[2][1])
        self.assertEqual([("10.2", ""), ("12.4", ""), ("13.6", "differs unreached"), ("14.6", "")], cells)
        self.assertEqual(2, rows[2][1].count(">exit-order</a>"))  # raised on 10.2 and 12.4, not on 13.6

    def test_the_swimlanes_are_drawn_once_per_distinct_replay(self):
        html = self.page(entries())
        self.assertEqual(["10.2, 12.4", "13.6"], re.findall(r"<figcaption>One replay on V8 ([^<]+?) <span", html))
        self.assertEqual(2, html.count('<g class="lane"'))
        self.assertEqual(1, html.count('<details class="source"'))  # the source once
        same = self.page([e for e in entries() if e["runtime"]["name"] in ("10.2", "12.4")])
        self.assertIn("<figcaption>The replay on V8 10.2, 12.4</figcaption>", same)
        self.assertNotIn("differs between V8 versions", same)

    def test_render_py_reads_every_entry_of_the_document(self):
        done = render_py("scenario", "--json", "-", "--out", "-", stdin=json.dumps(doc(*entries())).encode())
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertEqual(["10.2", "12.4", "13.6", "14.6"], v8cols(done.stdout.decode()))

    def test_the_runtime_of_an_entry(self):
        self.assertEqual("13.6", render.version_name({"runtime": {"name": "13.6"}, "v8_version": "12.4.1"}))
        self.assertEqual("10.2", render.version_name({"runtime": None, "v8_version": "10.2.154.26-node.37"}))
        self.assertEqual("dry-run", render.version_name({"runtime": None, "mode": "dry-run", "v8_version": "10.2.1"}))
        self.assertEqual("?", render.version_name({}))
        self.assertEqual(["9.8", "10.2", "14.6", "?"], sorted(["?", "14.6", "9.8", "10.2"], key=render.version_key))

    def test_a_single_entry_is_a_single_column(self):
        html = self.page(entries()[2])
        self.assertEqual(["10.2"], v8cols(html))

    @unittest.skipUnless(CLI.exists(), f"needs {CLI} (build the {BUILD} preset)")
    def test_a_real_document_of_every_runtime(self):
        with tempfile.TemporaryDirectory() as d:
            scn = Path(d) / "s.scn"
            scn.write_text('title "on each runtime"\nT1: new A\nT1: enter A\nT1: exit A\nT1: dispose A\n')
            json_doc = subprocess.run([str(CLI), "run", "--quiet", "--json", "-", str(scn)], capture_output=True,
                                      timeout=120)
            self.assertEqual(0, json_doc.returncode, json_doc.stderr)
            names = [e["runtime"]["name"] for e in json.loads(json_doc.stdout)["scenarios"]]
            done = subprocess.run([PYTHON, str(RENDER), "scenario", "--json", "-", "--out", "-"], input=json_doc.stdout,
                                  capture_output=True, timeout=60)
            self.assertEqual(0, done.returncode, done.stderr)
            self.assertEqual(sorted(names, key=render.version_key), v8cols(done.stdout.decode()))


def results() -> dict:
    """Two builds x three versions of one scenario; tsan cannot run 13.6."""
    runs = []
    for b in ("default", "tsan"):
        for v, full in (("10.2", "10.2.154.26-node.37"), ("12.4", "12.4.254.21-node.21"), ("13.6", "13.6.233.10-node.28")):
            run = {"scenario": "x/plain.scn", "family": "x", "name": "plain", "title": "t", "tags": [], "build": b,
                   "v8": v, "v8_version": full, "repeat": 0, "result": "passed", "failed": False, "reason": "",
                   "seconds": 0.1, "report": on(v, full, flavor=b)}
            if b == "tsan" and v == "13.6":
                rep = on(v, full, flavor=b, outcome="error", internal_error=NEVER, expectations_met=False,
                         ending={**report()["ending"], "kind": "internal-error"})
                run.update(result="unsupported", failed=True, reason=NEVER, report=rep)
            if b == "default" and v == "12.4":
                run.update(result="crash", failed=True, reason="SEGV")
            runs.append(run)
    runs.append({**runs[0], "repeat": 1})  # repeats are not shown twice
    return {"format": 2, "builds": ["default", "tsan"], "versions": ["10.2", "12.4", "13.6"], "started": "now",
            "wall_s": 0.1, "runtimes": {"default": [{"name": "10.2", "v8_version": "10.2.154.26", "origin": "Debian <libnode>"}]},
            "summary": {"runs": 6, "passed": 4, "failed": 2, "skipped": 0, "unsupported": 1,
                        "by_category": {"passed": 4, "crash": 1, "unsupported": 1}}, "runs": runs}


class SuitePage(unittest.TestCase):
    def page(self, res: dict) -> str:
        with tempfile.TemporaryDirectory() as d:
            render.render_suite(res, Path(d) / "suite.html")
            return (Path(d) / "suite.html").read_text()

    def test_the_matrix_has_a_column_per_build_and_version(self):
        html = self.page(results())
        self.assertEqual([("default", "3"), ("tsan", "3")],
                         re.findall(r'<th class="build" data-build="([^"]+)" data-span="\d+" colspan="(\d+)"', html))
        self.assertEqual([(b, v) for b in ("default", "tsan") for v in ("10.2", "12.4", "13.6")],
                         re.findall(r'<th class="version[^"]*" data-build="([^"]+)" data-v8="([^"]+)"', html))
        cells = re.findall(r'<td class="cell (\w+)[^"]*" data-build="([^"]+)" data-v8="([^"]+)" data-outcome="([^"]*)"', html)
        self.assertEqual([("pass", "default", "10.2", "passed"), ("fail", "default", "12.4", "crash"),
                          ("pass", "default", "13.6", "passed"), ("pass", "tsan", "10.2", "passed"),
                          ("pass", "tsan", "12.4", "passed"), ("unsupported", "tsan", "13.6", "unsupported")], cells)
        self.assertIn('<a href="#s-default-x-plain-scn-v12-4" title="crash: SEGV">crash</a>', html)

    def test_an_unsupported_cell_says_so_with_its_reason(self):
        html = self.page(results())
        why = NEVER.replace("<", "&lt;").replace(">", "&gt;")
        self.assertRegex(html, r'<td class="cell unsupported" data-build="tsan" data-v8="13\.6" data-outcome="unsupported">\s*'
                               r'<a href="#s-tsan-x-plain-scn-v13-6" title="unsupported: ' + re.escape(why) + r'">unsupported</a>'
                               r'<div class="why">' + re.escape(why) + r'</div></td>')
        # and in the scenario's section, its column
        self.assertRegex(html, r'<td class="bad unsupported" data-v8="13\.6" data-outcome="unsupported"><b>unsupported</b>\s*'
                               r'<div class="why">' + re.escape(why) + r'</div>')
        self.assertIn("4 passed, 2 failed (1 of them unsupported), 0 skipped", html)

    def test_filters_include_the_version(self):
        html = self.page(results())
        self.assertIn('<label>V8 <select id="f-v8"><option value="">all</option><option>10.2</option><option>12.4</option>'
                      '<option>13.6</option></select></label>', html)
        self.assertIn('<div class="runtime-info" data-v8="10.2"><b>V8 10.2</b>: 10.2.154.26 · Debian &lt;libnode&gt;</div>', html)

    def test_each_scenario_section_has_a_column_per_version(self):
        html = self.page(results())
        sections = re.findall(r'<section class="scenario" id="([^"]+)"(.*?)</section>', html, re.S)
        self.assertEqual(["s-default-x-plain-scn", "s-tsan-x-plain-scn"], [s for s, _ in sections])
        for _, body in sections:
            self.assertEqual(["10.2", "12.4", "13.6"], v8cols(body))
        self.assertEqual(["V8 10.2: passed", "V8 12.4: crash", "V8 13.6: passed"],
                         re.findall(r'<span data-v8="[^"]+">([^<]+)</span>', sections[0][1]))
        self.assertEqual(1, html.count('id="s-default-x-plain-scn-v10-2"'))  # the repeat is not shown

    def test_results_without_versions_still_render(self):
        res = results()
        del res["versions"]
        for r in res["runs"]:
            del r["v8"]
        res["runs"][0]["report"] = None  # a run without a report names no runtime: "?"
        html = self.page(res)
        self.assertEqual(["10.2", "12.4", "13.6", "?"],
                         re.findall(r'<th class="version[^"]*" data-build="default" data-v8="([^"]+)"', html))


if __name__ == "__main__":
    unittest.main()
