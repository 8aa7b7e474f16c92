"""render.py as a program: '-' reads the report from standard input and writes the page
to standard output (how isoreplay run --html calls it); every failure is one line
`render.py: error: ...` and status 1, never a traceback; the suite page shows each
build's flags and sanitizer defaults from the reports' "build" field."""
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import render  # noqa: E402
from test_escaping import report as payload_report  # noqa: E402

PROJECT = HERE.parents[1]
RENDER = PROJECT / "reports" / "render.py"
PYTHON = "/usr/bin/python3"
BUILD = os.environ.get("ISOREPLAY_BUILD", "default")
CLI = PROJECT / "build" / BUILD / "bin" / "isoreplay"

TSAN_FLAGS = "RelWithDebInfo -fsanitize=thread -fno-omit-frame-pointer"
TSAN_DEFAULTS = "halt_on_error=0\ndie_after_fork=0\natexit_sleep_ms=0"


def report(**kw) -> dict:
    """A small plain report, as isoreplay writes one."""
    r = {"file": "x/plain.scn", "title": "a plain scenario", "sources": [], "tags": [], "model": "v8",
         "v8_version": "10.2", "flavor": "default", "mode": "real", "outcome": "passed", "internal_error": None,
         "skip_reason": None, "expectations_met": True, "wall_ms": 1.0,
         "build": {"flavor": "default", "flags": "RelWithDebInfo", "sanitizer_defaults": ""},
         "ending": {"kind": "clean", "exit_code": 0, "signal": None, "fatal": None, "deadlock": None, "where": [],
                    "peak_rss_bytes": 1 << 24, "memory_limit_bytes": 1 << 32, "expected": "clean", "expected_text": None},
         "steps": [{"index": 1, "line": 2, "thread": "T1", "task": None, "op": "new", "isolate": "A", "context": None,
                    "js": None, "background": False, "reached": True, "start_us": 0, "end_us": 5, "status": "ok",
                    "executed": True, "real_current": "none", "ideal_current": "none", "result": None, "note": None,
                    "expected_violations": [], "violations": []}],
         "violations": [], "expected_at_end": [], "mismatches": [], "sanitizer": [], "spans": [], "handoffs": [],
         "source": 'title "a plain scenario"\nT1: new A\n', "sanitizer_log": None, "stderr": ""}
    r.update(kw)
    return r


def doc(*reports) -> dict:
    return {"format": 1, "isoreplay": "0.1.0", "scenarios": list(reports),
            "summary": {"passed": 1, "failed": 0, "skipped": 0, "errors": 0}}


def render_py(*args, stdin=b"", env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(RENDER), *args], input=stdin, capture_output=True, timeout=60,
                          env=env, cwd=cwd)


class StdinStdout(unittest.TestCase):
    def test_the_report_comes_in_on_stdin_and_the_page_goes_out_on_stdout(self):
        with tempfile.TemporaryDirectory() as d:
            step = {**report()["steps"][0], "violations": ["not-entered"]}  # links to the catalog
            done = render_py("scenario", "--json", "-", "--out", "-", stdin=json.dumps(doc(report(steps=[step]))).encode(),
                             cwd=d)
            self.assertEqual((0, b""), (done.returncode, done.stderr), done.stderr)
            page = done.stdout.decode("utf-8")
            self.assertTrue(page.startswith("<!doctype html>"), page[:80])
            self.assertTrue(page.rstrip().endswith("</html>"))
            self.assertIn("a plain scenario", page)
            # its place is unknown: the catalog by its absolute address
            self.assertIn(f'href="{(PROJECT / "docs" / "violations.md").as_uri()}#not-entered"', page)
            self.assertEqual([], os.listdir(d))  # no file written

    def test_payloads_stay_escaped_on_stdout(self):
        done = render_py("scenario", "--json", "-", "--out", "-", stdin=json.dumps(doc(payload_report())).encode())
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertNotIn(b"<img", done.stdout)
        self.assertEqual(1, done.stdout.count(b"<script>"))

    def test_files_still_work_and_leave_no_temporary_file(self):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "r.json").write_text(json.dumps(doc(report())))
            done = render_py("scenario", "--json", "r.json", "--out", "r.html", cwd=d)
            self.assertEqual((0, b"", b""), (done.returncode, done.stdout, done.stderr))
            self.assertEqual(["r.html", "r.json"], sorted(os.listdir(d)))
            self.assertIn("a plain scenario", (Path(d) / "r.html").read_text())

    def test_suite_results_from_stdin(self):
        results = {"builds": ["default"], "versions": ["10.2"], "started": "now", "wall_s": 0.1,
                   "summary": {"runs": 1, "passed": 1, "failed": 0, "skipped": 0, "by_category": {"passed": 1}},
                   "runs": [{"scenario": "x/plain.scn", "family": "x", "name": "plain", "title": "t", "tags": [],
                             "build": "default", "v8": "10.2", "repeat": 0, "result": "passed", "failed": False,
                             "reason": "", "seconds": 0.1, "report": report()}]}
        done = render_py("suite", "--results", "-", "--out", "-", stdin=json.dumps(results).encode())
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertIn(b"isoreplay suite", done.stdout)

    @unittest.skipUnless(CLI.exists(), f"needs {CLI} (build the {BUILD} preset)")
    def test_isoreplay_run_html_pipes_through_render_py(self):
        with tempfile.TemporaryDirectory() as d:
            scn = Path(d) / "s.scn"
            scn.write_text('title "through the pipe"\nT1: new A\nT1: dispose A\n')
            done = subprocess.run([str(CLI), "run", "--quiet", "--html", str(Path(d) / "s.html"), str(scn)],
                                  capture_output=True, text=True, timeout=120)
            self.assertEqual(0, done.returncode, done.stdout + done.stderr)
            page = (Path(d) / "s.html").read_text()
            self.assertIn("through the pipe", page)
            self.assertIn(f"{BUILD} build: <code>", page)  # the build's flags, from the report


class OneLineErrors(unittest.TestCase):
    def assertOneLine(self, done, rc, pattern):
        err = done.stderr.decode("utf-8", "replace")
        self.assertEqual(rc, done.returncode, err)
        self.assertNotIn("Traceback", err)
        self.assertNotIn("Exception ignored", err)
        self.assertEqual(1, len(err.splitlines()), err)
        self.assertRegex(err, r"^render\.py: error: " + pattern)

    def test_not_json(self):
        done = render_py("scenario", "--json", "-", "--out", "-", stdin=b"{oops")
        self.assertOneLine(done, 1, r"standard input is not JSON: ")
        self.assertEqual(b"", done.stdout)

    def test_not_a_report(self):
        self.assertOneLine(render_py("scenario", "--json", "-", "--out", "-", stdin=b'{"format": 1}'), 1,
                           r'standard input is not an isoreplay report')
        self.assertOneLine(render_py("suite", "--results", "-", "--out", "-", stdin=b"[1, 2]"), 1,
                           r'standard input is not a suite results.json')

    def test_a_report_the_template_cannot_take(self):
        # an exception from deep inside (Jinja2, lanes.py, the view) is one line too
        done = render_py("scenario", "--json", "-", "--out", "-", stdin=json.dumps(doc({"steps": [{"x": 1}]})).encode())
        self.assertOneLine(done, 1, r"KeyError: ")
        done = render_py("scenario", "--json", "-", "--out", "-", stdin=json.dumps(doc({})).encode())
        self.assertOneLine(done, 1, r"KeyError: 'file'$")
        bad = report(outcome="failed", expectations_met=False, mismatches=[{"kind": "result", "line": 2}])
        done = render_py("scenario", "--json", "-", "--out", "-", stdin=json.dumps(doc(bad)).encode())
        self.assertOneLine(done, 1, r"UndefinedError: ")
        done = render_py("scenario", "--json", "-", "--out", "-", stdin=json.dumps(doc(report(), [1])).encode())
        self.assertOneLine(done, 1, r"standard input is not an isoreplay report")

    def test_missing_input_and_unwritable_output(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertOneLine(render_py("scenario", "--json", str(Path(d) / "nope.json"), "--out", "-"), 1,
                               r"cannot read .*nope\.json: No such file or directory$")
            (Path(d) / "r.json").write_text(json.dumps(doc(report())))
            done = render_py("scenario", "--json", str(Path(d) / "r.json"), "--out", str(Path(d) / "no" / "r.html"))
            self.assertOneLine(done, 1, r"FileNotFoundError: ")
            self.assertEqual(["r.json"], os.listdir(d))

    def test_bad_usage(self):
        self.assertOneLine(render_py("scenario", "--json", "-"), 2, r"the following arguments are required: --out")
        self.assertOneLine(render_py("pdf"), 2, r"argument what: invalid choice")

    def test_without_jinja2(self):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "jinja2").mkdir()
            (Path(d) / "jinja2" / "__init__.py").write_text('raise ImportError("No module named jinja2")\n')
            env = {**os.environ, "PYTHONPATH": d}
            done = render_py("scenario", "--json", "-", "--out", "-", stdin=json.dumps(doc(report())).encode(), env=env)
            self.assertOneLine(done, 1, r"needs Jinja2 \(Debian's python3-jinja2\) for /usr/bin/python3$")

    def test_a_reader_that_goes_away(self):
        big = report(source="// padding\n" * 100000)  # a page far larger than a pipe holds
        proc = subprocess.Popen([PYTHON, str(RENDER), "scenario", "--json", "-", "--out", "-"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()
        _, err = proc.communicate(json.dumps(doc(big)).encode(), timeout=60)
        self.assertOneLine(subprocess.CompletedProcess(proc.args, proc.returncode, b"", err), 1,
                           r"the reader of standard output went away$")


class SuiteBuildInfo(unittest.TestCase):
    def test_flags_and_sanitizer_defaults_come_from_the_reports(self):
        tsan = report(flavor="tsan", build={"flavor": "tsan", "flags": TSAN_FLAGS, "sanitizer_defaults": TSAN_DEFAULTS})
        run = {"scenario": "x/plain.scn", "family": "x", "name": "plain", "title": "t", "tags": [], "repeat": 0,
               "failed": False, "reason": "", "seconds": 0.1, "v8": "10.2"}
        results = {"builds": ["default", "tsan", "asan"], "versions": ["10.2"], "started": "now", "wall_s": 0.1,
                   "summary": {"runs": 3, "passed": 2, "failed": 1, "skipped": 0, "by_category": {}},
                   "runs": [{**run, "build": "default", "result": "passed", "report": report()},
                            {**run, "build": "tsan", "result": "passed", "report": tsan},
                            {**run, "build": "asan", "result": "unresolved", "failed": True, "report": None,
                             "reason": "/s/x/plain.scn:3:11: error: bad", "exit_status": 2, "output": "caret here"}]}
        self.assertFalse(hasattr(render, "BUILD_FLAGS"))
        with tempfile.TemporaryDirectory() as d:
            render.render_suite(results, Path(d) / "suite.html")
            html = (Path(d) / "suite.html").read_text()
        self.assertRegex(html, rf'data-build="tsan"><b>tsan</b>:\s*<code>{TSAN_FLAGS}</code>')
        self.assertIn(f"<pre>{TSAN_DEFAULTS}</pre>", html)
        self.assertRegex(html, r'data-build="default"><b>default</b>:\s*<code>RelWithDebInfo</code>')
        self.assertRegex(html, r'data-build="asan"><b>asan</b>:\s*<i>no replay report from this build</i>')
        self.assertNotIn("link-time optimisation", html)  # the old hard-coded table
        # the run without a report is on the page, with its diagnostic and output, and the matrix links to it
        self.assertIn("/s/x/plain.scn:3:11: error: bad", html)
        self.assertIn('href="#s-asan-x-plain-scn-v10-2"', html)
        self.assertIn('id="s-asan-x-plain-scn-v10-2"', html)
        self.assertRegex(html, r'<div class="no-report" id="s-asan-x-plain-scn-v10-2-out" data-v8="10.2">[^<]*<p>V8 10.2 · '
                               r'<b>unresolved</b> \(isoreplay exit status 2\)')
        self.assertIn('<pre class="output">caret here</pre>', html)


if __name__ == "__main__":
    unittest.main()
