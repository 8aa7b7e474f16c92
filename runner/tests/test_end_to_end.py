"""The runner on a small suite against the real isoreplay: a scenario that crashes, one
that aborts in V8 and one that hangs are contained and reported; the rest completes."""
import json
import os
import subprocess
import sys
import tempfile
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
}


def make_suite(d: Path) -> tuple[Path, Path]:
    """Writes SCENARIOS under d/scn; returns (scenario root, output dir)."""
    root = d / "scn"
    for rel, text in SCENARIOS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root, d / "out"


@unittest.skipUnless((PROJECT / "build" / BUILD / "harness" / "isoreplay").exists(),
                     f"needs build/{BUILD}/harness/isoreplay (build the {BUILD} preset)")
class EndToEnd(unittest.TestCase):
    def test_crash_abort_and_hang_are_contained_and_the_suite_completes(self):
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            done = subprocess.run([sys.executable, str(RUNNER), "--scenarios", str(root), "--out", str(out),
                                   "--build", BUILD, "-j", "2"], capture_output=True, text=True, timeout=300)
            self.assertEqual(1, done.returncode, done.stdout + done.stderr)
            self.assertRegex(done.stdout, r"\[5/5\] ")
            self.assertTrue(done.stdout.rstrip().endswith("2 passed, 3 failed, 0 skipped"), done.stdout)
            self.assertRegex(done.stdout, r"suite: 5 runs .* scenarios/s")
            doc = json.loads((out / "results.json").read_text())
            got = {r["scenario"]: r["result"] for r in doc["runs"]}
            self.assertEqual({"ok/passes.scn": "passed", "ok/also-passes.scn": "passed", "bad/crashes.scn": "crash",
                              "bad/aborts.scn": "V8 fatal", "bad/hangs.scn": "timeout"}, got)
            aborts = next(r for r in doc["runs"] if r["scenario"] == "bad/aborts.scn")
            self.assertIn("Disposing the isolate that is entered by a thread", aborts["reason"])
            self.assertEqual(["dispose-entered"], aborts["report"]["steps"][2]["violations"])
            junit = ET.parse(out / "junit.xml").getroot()
            self.assertEqual(("5", "3"), (junit.get("tests"), junit.get("failures")))
            self.assertEqual({f"isoreplay.{BUILD}.ok", f"isoreplay.{BUILD}.bad"},
                             {c.get("classname") for c in junit.iter("testcase")})

    def test_repeat_and_filters(self):
        with tempfile.TemporaryDirectory() as d:
            root, out = make_suite(Path(d))
            done = subprocess.run([sys.executable, str(RUNNER), "--scenarios", str(root), "--out", str(out),
                                   "--build", BUILD, "--family", "ok", "--repeat", "3"],
                                  capture_output=True, text=True, timeout=300)
            self.assertEqual(0, done.returncode, done.stdout + done.stderr)
            doc = json.loads((out / "results.json").read_text())
            self.assertEqual(6, len(doc["runs"]))
            self.assertEqual({1, 2, 0}, {r["repeat"] for r in doc["runs"]})
            self.assertEqual({"passed"}, {r["result"] for r in doc["runs"]})


if __name__ == "__main__":
    unittest.main()
