"""The runner on a small suite against the real isoreplay: a scenario that crashes, one
that aborts in V8, one that hangs and one that is malformed are contained and reported;
the rest completes. One run per output folder at a time."""
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
    def suite(self, root: Path, out: Path, *args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(RUNNER), "--scenarios", str(root), "--out", str(out),
                               "--build", BUILD, *args], capture_output=True, text=True, timeout=300, **kw)

    def test_crash_abort_hang_and_malformed_are_contained_and_the_suite_completes(self):
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            done = self.suite(root, out, "-j", "2")
            self.assertEqual(1, done.returncode, done.stdout + done.stderr)
            self.assertNotIn("Traceback", done.stdout + done.stderr)
            self.assertRegex(done.stdout, r"\[6/6\] ")
            self.assertTrue(done.stdout.rstrip().endswith("2 passed, 4 failed, 0 skipped"), done.stdout)
            self.assertRegex(done.stdout, r"suite: 6 runs .* scenarios/s")
            doc = json.loads((out / "results.json").read_text())
            got = {r["scenario"]: r["result"] for r in doc["runs"]}
            self.assertEqual({"ok/passes.scn": "passed", "ok/also-passes.scn": "passed", "bad/crashes.scn": "crash",
                              "bad/aborts.scn": "V8 fatal", "bad/hangs.scn": "timeout",
                              "bad/malformed.scn": "unresolved"}, got)
            aborts = next(r for r in doc["runs"] if r["scenario"] == "bad/aborts.scn")
            self.assertIn("Disposing the isolate that is entered by a thread", aborts["reason"])
            self.assertEqual(["dispose-entered"], aborts["report"]["steps"][2]["violations"])
            # the malformed scenario: isoreplay's FILE:LINE:COL diagnostic, as is
            malformed = next(r for r in doc["runs"] if r["scenario"] == "bad/malformed.scn")
            diag = f"{root / 'bad' / 'malformed.scn'}:3:11: error: isolate 'B' is used before 'new B'"
            self.assertEqual((diag, True, 2, None), (malformed["reason"], malformed["failed"],
                                                     malformed["exit_status"], malformed["report"]))
            self.assertIn(f"FAILED {BUILD} bad/malformed.scn: unresolved: {diag}", done.stdout)
            junit = ET.parse(out / "junit.xml").getroot()
            self.assertEqual(("6", "4"), (junit.get("tests"), junit.get("failures")))
            self.assertEqual({f"isoreplay.{BUILD}.ok", f"isoreplay.{BUILD}.bad"},
                             {c.get("classname") for c in junit.iter("testcase")})
            failure = junit.find(".//testcase[@name='malformed']/failure")
            self.assertEqual(("unresolved", f"unresolved: {diag}"), (failure.get("type"), failure.get("message")))
            html = (out / "report.html").read_text()
            self.assertIn("error: isolate &#39;B&#39; is used before &#39;new B&#39;", html)
            self.assertRegex(html, r'data-outcome="unresolved"')
            self.assertIn("RelWithDebInfo", html)  # the build's flags, from its reports

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
                                      "--build", BUILD, "--family", "slow"],
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
            self.assertEqual(["ok/also-passes.scn", "ok/passes.scn"],
                             [r["scenario"] for r in json.loads((Path(d) / "other" / "results.json").read_text())["runs"]])
            # once the first run is over, the folder is free again
            again = self.suite(root, out, "--family", "ok")
            self.assertEqual(0, again.returncode, again.stdout + again.stderr)

    def test_repeat_and_filters(self):
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            done = self.suite(root, out, "--family", "ok", "--repeat", "3")
            self.assertEqual(0, done.returncode, done.stdout + done.stderr)
            doc = json.loads((out / "results.json").read_text())
            self.assertEqual(6, len(doc["runs"]))
            self.assertEqual({1, 2, 0}, {r["repeat"] for r in doc["runs"]})
            self.assertEqual({"passed"}, {r["result"] for r in doc["runs"]})


if __name__ == "__main__":
    unittest.main()
