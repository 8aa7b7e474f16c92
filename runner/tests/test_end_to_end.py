"""The runner on a small suite against the real isoreplay, on every runtime of the build:
a scenario that crashes, one that aborts in V8, one that hangs and one that is malformed
are contained and reported in each version's cell; the rest completes. A runtime whose
child cannot start is an unsupported cell, shown as such. One run per output folder at
a time."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

RUNNER = Path(__file__).resolve().parent.parent / "isoreplay_suite.py"
PROJECT = RUNNER.parent.parent
BUILD = os.environ.get("ISOREPLAY_BUILD", "default")
sys.path.insert(0, str(RUNNER.parent))

from suite import builds  # noqa: E402

SCENARIOS = {
    "ok/passes.scn": 'title "passes"\nT1: new A\nT1: enter A\nT1: run A "6*7" => "42"\nT1: exit A\nT1: dispose A\n',
    "bad/crashes.scn": 'title "an unexpected segfault"\nT1: new A\nT1: enter A\nT1: exit A\nT1: exit A ! exit-unentered\n',
    "bad/aborts.scn": 'title "an unexpected V8 fatal error"\nT1: new A\nT1: enter A\nT1: dispose A ! dispose-entered\n',
    "bad/hangs.scn": 'title "an endless script"\ntimeout 300ms\nT1: new A\nT1: enter A\nT1: run A "for(;;){}"\n',
    "ok/also-passes.scn": 'title "after the others"\nT2: new B\nT2: dispose B\n',
    "bad/malformed.scn": 'title "a malformed scenario"\nT1: new A\nT1: enter B\n',
}
# keeps a suite run (and so its lock on the output folder) busy for a few seconds
BUSY = ('title "busy"\nT1: new A\nT1: enter A\nT1: run A "const t=Date.now(); while(Date.now()-t<5000){}"\n'
        'T1: exit A\nT1: dispose A\n')


def make_suite(d: Path) -> tuple[Path, Path]:
    """Writes SCENARIOS under d/scn; returns (scenario root, output dir)."""
    root = d / "scn"
    for rel, text in SCENARIOS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root, d / "out"


@unittest.skipUnless((PROJECT / "build" / BUILD / "bin" / "isoreplay").exists(),
                     f"needs build/{BUILD}/bin/isoreplay (build the {BUILD} preset)")
class EndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.runtimes = builds.runtimes(PROJECT, BUILD)
        cls.names = [r["name"] for r in cls.runtimes]

    def suite(self, root: Path, out: Path, *args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(RUNNER), "--scenarios", str(root), "--out", str(out),
                               "--build", BUILD, *args], capture_output=True, text=True, timeout=300, **kw)

    def test_crash_abort_hang_and_malformed_are_contained_and_the_suite_completes(self):
        n = len(self.names)
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            done = self.suite(root, out, "-j", "2")
            self.assertEqual(1, done.returncode, done.stdout + done.stderr)
            self.assertNotIn("Traceback", done.stdout + done.stderr)
            self.assertRegex(done.stdout, rf"\[{6 * n}/{6 * n}\] ")
            self.assertTrue(done.stdout.rstrip().endswith(f"{2 * n} passed, {4 * n} failed, 0 skipped"), done.stdout)
            self.assertRegex(done.stdout, rf"suite: {6 * n} runs \(6 scenarios x 1 builds x {n} V8 versions\) .* "
                                          rf"6 isoreplay processes, .* runs/s")
            for v in self.names:  # live progress names the version; the table counts each
                self.assertRegex(done.stdout, rf"\] {BUILD} +v8-{re.escape(v)} +bad/hangs\.scn \.\.\. timeout")
                self.assertRegex(done.stdout, rf"\n{BUILD} +{re.escape(v)} +2 +4 +0 +0\n")
            doc = json.loads((out / "results.json").read_text())
            self.assertEqual(self.names, doc["versions"])
            got = {(r["scenario"], r["v8"]): r["result"] for r in doc["runs"]}
            want = {"ok/passes.scn": "passed", "ok/also-passes.scn": "passed", "bad/crashes.scn": "crash",
                    "bad/aborts.scn": "V8 fatal", "bad/hangs.scn": "timeout", "bad/malformed.scn": "unresolved"}
            self.assertEqual({(s, v): c for s, c in want.items() for v in self.names}, got)
            for r in doc["runs"]:
                if r["report"]:
                    self.assertEqual(r["v8"], r["report"]["runtime"]["name"])
                    self.assertEqual(r["v8_version"], r["report"]["v8_version"])
            aborts = [r for r in doc["runs"] if r["scenario"] == "bad/aborts.scn"]
            for a in aborts:
                self.assertIn("Disposing the isolate that is entered by a thread", a["reason"])
                self.assertEqual(["dispose-entered"], a["report"]["steps"][2]["violations"])
                self.assertIn(f"on V8 {a['v8']}", a["output"])  # its own part of isoreplay's text report
            # the malformed scenario: isoreplay's FILE:LINE:COL diagnostic, as is, in every version's cell
            diag = f"{root / 'bad' / 'malformed.scn'}:3:11: error: isolate 'B' is used before 'new B'"
            for malformed in (r for r in doc["runs"] if r["scenario"] == "bad/malformed.scn"):
                self.assertEqual((diag, True, 2, None), (malformed["reason"], malformed["failed"],
                                                         malformed["exit_status"], malformed["report"]))
                self.assertIn(f"FAILED {BUILD} v8-{malformed['v8']} bad/malformed.scn: unresolved: {diag}", done.stdout)
            junit = ET.parse(out / "junit.xml").getroot()
            self.assertEqual((str(6 * n), str(4 * n), "0"), (junit.get("tests"), junit.get("failures"), junit.get("errors")))
            self.assertEqual({f"isoreplay.{BUILD}.v8-{v}.{fam}" for v in self.names for fam in ("ok", "bad")},
                             {c.get("classname") for c in junit.iter("testcase")})
            self.assertEqual([f"isoreplay.{BUILD}.v8-{v}" for v in self.names], [s.get("name") for s in junit.iter("testsuite")])
            for v in self.names:
                failure = junit.find(f".//testcase[@classname='isoreplay.{BUILD}.v8-{v}.bad'][@name='malformed']/failure")
                self.assertEqual(("unresolved", f"unresolved: {diag}"), (failure.get("type"), failure.get("message")))
            html = (out / "report.html").read_text()
            self.assertIn("error: isolate &#39;B&#39; is used before &#39;new B&#39;", html)
            self.assertRegex(html, r'data-outcome="unresolved"')
            self.assertIn("RelWithDebInfo", html)  # the build's flags, from its reports
            # the matrix: a column per version under the build, a cell per (scenario, build, version)
            self.assertEqual([(BUILD, v) for v in self.names],
                             re.findall(r'<th class="version[^"]*" data-build="([^"]+)" data-v8="([^"]+)"', html))
            self.assertEqual(6 * n, len(re.findall(r'<td class="cell ', html)))
            for v in self.names:
                self.assertRegex(html, rf'<td class="cell fail[^"]*" data-build="{BUILD}" data-v8="{re.escape(v)}" '
                                       rf'data-outcome="timeout"')
                self.assertIn(f'<th class="v8col" id="s-{BUILD}-bad-hangs-scn-v{v.replace(".", "-")}"', html)

    def test_a_block_that_never_ran_is_its_own_failure_everywhere(self):
        n = len(self.names)
        why = ("the block of step 3 (T1: run A): never reached: the script returned without calling host(); "
               "its steps did not run")
        with tempfile.TemporaryDirectory() as d:
            root = Path(d) / "scn"
            (root / "blocks").mkdir(parents=True)
            (root / "blocks" / "never.scn").write_text(
                'title "a host callback never called"\nT1: new A\nT1: enter A\nT1: run A "\'no host\'" {\n'
                '  T1: run A "1+1" => "2"\n}\nT1: exit A\nT1: dispose A\n')
            (root / "blocks" / "called.scn").write_text(
                'title "a host callback called"\nT1: new A\nT1: enter A\nT1: run A "host(); 1" => "1" {\n'
                '  T1: run A "1+1" => "2"\n}\nT1: exit A\nT1: dispose A\n')
            out = Path(d) / "out"
            done = self.suite(root, out)
            self.assertEqual(1, done.returncode, done.stdout + done.stderr)
            self.assertTrue(done.stdout.rstrip().endswith(f"{n} passed, {n} failed, 0 skipped"), done.stdout)
            for v in self.names:
                self.assertIn(f"FAILED {BUILD} v8-{v} blocks/never.scn: block not reached: {why}", done.stdout)
            doc = json.loads((out / "results.json").read_text())
            self.assertEqual({"passed": n, "block not reached": n}, doc["summary"]["by_category"])
            got = {(r["scenario"], r["v8"]): (r["result"], r["failed"], r["reason"]) for r in doc["runs"]}
            for v in self.names:
                self.assertEqual(("block not reached", True, why), got[("blocks/never.scn", v)])
                self.assertEqual(("passed", False, ""), got[("blocks/called.scn", v)])
            junit = ET.parse(out / "junit.xml").getroot()
            self.assertEqual((str(2 * n), str(n), "0"), (junit.get("tests"), junit.get("failures"), junit.get("errors")))
            for v in self.names:
                failure = junit.find(f".//testcase[@classname='isoreplay.{BUILD}.v8-{v}.blocks'][@name='never']/failure")
                self.assertEqual(("block not reached", f"block not reached: {why}"),
                                 (failure.get("type"), failure.get("message")))
            html = (out / "report.html").read_text()
            for v in self.names:
                self.assertRegex(html, rf'<td class="cell fail[^"]*" data-build="{BUILD}" data-v8="{re.escape(v)}" '
                                       rf'data-outcome="block not reached">\s*<a [^>]*>not reached</a>')
            self.assertIn('<option>block not reached</option>', html)  # the outcome filter offers it
            self.assertIn('<b>block not reached</b>: <span class="why">the script returned without calling host()</span>',
                          html)

    def test_a_runtime_whose_child_cannot_start_is_an_unsupported_cell_and_fails_the_run(self):
        node = [r["name"] for r in self.runtimes if r.get("node")]
        if not node:
            self.skipTest(f"the {BUILD} build has no Node runtime")
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            env = {**os.environ, "NODE_OPTIONS": "--no-such-option-anywhere"}  # node will not start
            done = self.suite(root, out, "--family", "ok", env=env)
            self.assertEqual(1, done.returncode, done.stdout + done.stderr)
            u, p = 2 * len(node), 2 * (len(self.names) - len(node))
            self.assertTrue(done.stdout.rstrip().endswith(f"{p} passed, {u} failed ({u} of them unsupported), 0 skipped"),
                            done.stdout)
            self.assertRegex(done.stdout, rf"\] {BUILD} +v8-{re.escape(node[0])} +ok/passes\.scn \.\.\. unsupported .*FAIL: "
                                          rf"the replay child for V8 {re.escape(node[0])} never started")
            doc = json.loads((out / "results.json").read_text())
            self.assertEqual({(r["scenario"], r["v8"]): ("unsupported" if r["v8"] in node else "passed")
                              for r in doc["runs"]}, {(r["scenario"], r["v8"]): r["result"] for r in doc["runs"]})
            self.assertEqual(u, doc["summary"]["unsupported"])
            junit = ET.parse(out / "junit.xml").getroot()
            self.assertEqual((str(u), "0"), (junit.get("errors"), junit.get("failures")))
            err = junit.find(f".//testcase[@classname='isoreplay.{BUILD}.v8-{node[0]}.ok'][@name='passes']/error")
            self.assertEqual("unsupported", err.get("type"))
            html = (out / "report.html").read_text()
            cell = re.search(rf'<td class="cell unsupported[^"]*" data-build="{BUILD}" data-v8="{re.escape(node[0])}" '
                             rf'data-outcome="unsupported">\s*<a [^>]*>unsupported</a><div class="why">([^<]*)</div>', html)
            self.assertIsNotNone(cell, "no unsupported cell with its reason in the matrix")
            self.assertIn(f"the replay child for V8 {node[0]} never started", cell.group(1))
            self.assertIn(f"({u} of them unsupported)", html)

    def test_an_unknown_version_is_bad_usage(self):
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            done = self.suite(root, out, "--v8", "99.9")
            self.assertEqual(2, done.returncode, done.stdout + done.stderr)
            self.assertRegex(done.stderr, r"--v8 99\.9: no chosen build has that runtime")
            self.assertFalse((out / "results.json").exists())

    def wait_for_lock(self, out: Path, proc: subprocess.Popen) -> None:
        """Until proc has written its pid into out/.lock (it holds the lock then)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (out / ".lock").read_text().strip() == str(proc.pid):
                    return
            except OSError:
                pass
            if proc.poll() is not None:
                self.fail(f"the first run ended before taking the lock: {proc.communicate()}")
            time.sleep(0.02)
        self.fail("the first run never took the lock")

    def test_a_second_run_into_the_same_folder_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            (root / "slow").mkdir()
            (root / "slow" / "busy.scn").write_text(BUSY)
            first = subprocess.Popen([sys.executable, str(RUNNER), "--scenarios", str(root), "--out", str(out),
                                      "--build", BUILD, "--family", "slow", "--v8", self.names[0]],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                self.wait_for_lock(out, first)
                second = self.suite(root, out, "--family", "ok")
                still_running = first.poll() is None
                self.assertEqual(2, second.returncode, second.stdout + second.stderr)
                self.assertTrue(still_running, "the first run ended before the second was refused: not a test")
                self.assertRegex(second.stderr, rf"{re.escape(str(out))}.*\(pid {first.pid}\)")
                self.assertEqual("", second.stdout)
                self.assertEqual(1, len(second.stderr.strip().splitlines()), second.stderr)
                self.assertFalse((out / "results.json").exists(), "the refused run wrote results")
                self.assertFalse(list((out / "reports").glob("ok.*")), "the refused run replayed scenarios")
                # a run into another folder meanwhile is not held up
                other = self.suite(root, Path(d) / "other", "--family", "ok")
                self.assertEqual(0, other.returncode, other.stdout + other.stderr)
                self.assertTrue(first.poll() is None, "the first run ended before the other run: not a test")
                first_out, first_err = first.communicate(timeout=300)
                self.assertEqual(0, first.returncode, first_out + first_err)
            finally:
                if first.poll() is None:
                    first.kill()
                    first.communicate()
            self.assertEqual(["slow/busy.scn"], [r["scenario"] for r in json.loads((out / "results.json").read_text())["runs"]])
            self.assertEqual([(s, v) for s in ("ok/also-passes.scn", "ok/passes.scn") for v in self.names],
                             [(r["scenario"], r["v8"]) for r in json.loads((Path(d) / "other" / "results.json").read_text())["runs"]])
            # once the first run is over, the folder is free again
            again = self.suite(root, out, "--family", "ok")
            self.assertEqual(0, again.returncode, again.stdout + again.stderr)

    def test_repeat_and_filters(self):
        two = [self.names[0], self.names[-1]]
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            done = self.suite(root, out, "--family", "ok", "--repeat", "3", *(x for v in two for x in ("--v8", v)))
            self.assertEqual(0, done.returncode, done.stdout + done.stderr)
            doc = json.loads((out / "results.json").read_text())
            self.assertEqual(2 * len(set(two)) * 3, len(doc["runs"]))
            self.assertEqual({(s, v, k) for s in ("ok/passes.scn", "ok/also-passes.scn") for v in two for k in range(3)},
                             {(r["scenario"], r["v8"], r["repeat"]) for r in doc["runs"]})
            self.assertEqual({"passed"}, {r["result"] for r in doc["runs"]})

    def test_a_process_per_cell_gives_the_same_cells(self):
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            done = self.suite(root, out, "--family", "bad", "--name", "a*", "--process-per-cell")
            self.assertEqual(1, done.returncode, done.stdout + done.stderr)
            self.assertRegex(done.stdout, rf"suite: {len(self.names)} runs .* {len(self.names)} isoreplay processes")
            doc = json.loads((out / "results.json").read_text())
            self.assertEqual([("bad/aborts.scn", v, "V8 fatal") for v in self.names],
                             [(r["scenario"], r["v8"], r["result"]) for r in doc["runs"]])
            self.assertEqual("cell", doc["process_per"])
            for v in self.names:
                self.assertTrue((out / "reports" / f"bad.aborts.{BUILD}.v8-{v}.json").is_file())


if __name__ == "__main__":
    unittest.main()
