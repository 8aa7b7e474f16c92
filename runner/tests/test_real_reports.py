"""Classification of what the real isoreplay writes: each category from a replay that
produces it, on every runtime of the build (through execute.run_cells, one process per
scenario split by runtime, where the runner can produce it; memory limit, kill from
outside and internal error by running isoreplay directly), and a runtime whose child
cannot start classified unsupported."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from unittest import mock  # noqa: E402

from suite import builds, classify, discover, execute  # noqa: E402

PROJECT = Path(__file__).resolve().parents[2]
BUILD = os.environ.get("ISOREPLAY_BUILD", "default")
CLI = PROJECT / "build" / BUILD / "bin" / "isoreplay"


def runtimes() -> list[dict]:
    return builds.runtimes(PROJECT, BUILD)

BUSY = 'title "busy for a while"\nT1: new A\nT1: enter A\nT1: run A "const t=Date.now(); while(Date.now()-t<{ms}){{}}"\n' \
       'T1: exit A\nT1: dispose A\n'

BY_RUNNER = {  # scenario text -> (category, a regular expression the reason must match)
    "passes": ('title "p"\nT1: new A\nT1: enter A\nT1: run A "6*7" => "42"\nT1: exit A\nT1: dispose A\n',
               classify.PASSED, r"^$"),
    "matched": ('title "m"\nT1: new A\n! leaked-isolate\n', classify.MATCHED, r"^$"),
    "fatal": ('title "f"\nT1: new A\nT1: enter A\nT1: dispose A ! dispose-entered\n', classify.V8_FATAL,
              r"Disposing the isolate that is entered by a thread"),
    "segv": ('title "s"\nT1: new A\nT1: enter A\nT1: exit A\nT1: exit A ! exit-unentered\n', classify.CRASH, r"SEGV"),
    "hang": ('title "h"\ntimeout 300ms\nT1: new A\nT1: enter A\nT1: run A "for(;;){}"\n', classify.TIMEOUT, r"300 ms"),
    "leak": ('title "l"\nT1: new A\n', classify.UNEXPECTED, r"leaked-isolate"),
    "missing": ('title "mi"\nT1: new A\nT1: enter A\nT1: exit A\nT1: dispose A ! exit-order\n', classify.MISSING,
                r"exit-order"),
    "result": ('title "r"\nT1: new A\nT1: enter A\nT1: run A "1+1" => "3"\nT1: exit A\nT1: dispose A\n',
               classify.WRONG_RESULT, r'"3"'),
    "current": ('title "c"\nT1: new A\nT1: enter A\nT1: check current none\nT1: exit A\nT1: dispose A\n',
                classify.WRONG_RESULT, r"."),
    "not-reached": ('title "nr"\nT1: new A\nT1: enter A\nT1: run A "\'no host call\'" {\n  T1: run A "1+1" => "2"\n}\n'
                    'T1: exit A\nT1: dispose A\n', classify.NOT_REACHED,
                    r"^the block of step 3 \(T1: run A\): never reached: the script returned without calling host\(\)"),
    "gc-not-reached": ('title "gnr"\nT1: new A\nT1: enter A\nT1: gc A {\n  T1: call A heap-stats\n}\nT1: exit A\n'
                       'T1: dispose A\n', classify.NOT_REACHED,
                       r"^the block of step 3 \(T1: gc A\): never reached: the gc collected no weak handle"),
    "block-ran": ('title "br"\nT1: new A\nT1: enter A\nT1: run A "host(); 7" => "7" {\n  T1: run A "1+1" => "2"\n}\n'
                  'T1: exit A\nT1: dispose A\n', classify.PASSED, r"^$"),
    "malformed": ('title "u"\nT1: new A\nT1: enter B\n', classify.UNRESOLVED,
                  r"^{path}:3:11: error: isolate 'B' is used before 'new B'$"),
}


@unittest.skipUnless(CLI.exists(), f"needs {CLI} (build the {BUILD} preset)")
class RealReports(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def scenario(self, name: str, text: str) -> Path:
        path = self.dir / "scn" / "real" / f"{name}.scn"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def test_the_runner_classifies_real_replays_on_every_runtime(self):
        names = [r["name"] for r in runtimes()]
        for name, (text, category, reason) in BY_RUNNER.items():
            with self.subTest(name=name):
                path = self.scenario(name, text)
                scn = discover.read_scenario(path, self.dir / "scn")
                runs = execute.run_cells(PROJECT, scn, BUILD, names, 0, self.dir / "out")
                self.assertEqual(names, [r.v8 for r in runs])
                for run in runs:
                    self.assertEqual(category, run.category, f"V8 {run.v8}: {run.reason}\n{run.output}")
                    self.assertRegex(run.reason, reason.format(path=re.escape(str(path))))
                    self.assertEqual(category in classify.FAILURES, run.failed)
                    if category == classify.UNRESOLVED:
                        self.assertEqual((None, 2), (run.report, run.returncode))
                        self.assertRegex(run.output, r"\n  T1: enter B\n +\^")
                    else:
                        self.assertEqual(run.v8, run.report["runtime"]["name"])
                        self.assertTrue(run.v8_version.startswith(run.v8 + "."), run.v8_version)

    def test_a_runtime_whose_child_cannot_start_is_unsupported(self):
        node = [r["name"] for r in runtimes() if r.get("node")]
        if not node:
            self.skipTest(f"the {BUILD} build has no Node runtime")
        names = [r["name"] for r in runtimes()]
        scn = discover.read_scenario(self.scenario("passes", BY_RUNNER["passes"][0]), self.dir / "scn")
        # node refuses to start with an option it does not allow in NODE_OPTIONS
        with mock.patch.dict(os.environ, {"NODE_OPTIONS": "--no-such-option-anywhere"}):
            runs = execute.run_cells(PROJECT, scn, BUILD, names, 0, self.dir / "out")
        for run in runs:
            with self.subTest(v8=run.v8):
                if run.v8 in node:
                    self.assertEqual(classify.UNSUPPORTED, run.category, run.reason)
                    self.assertRegex(run.reason, rf"^the replay child for V8 {re.escape(run.v8)} never started: .*NODE_OPTIONS")
                    self.assertTrue(run.failed)
                else:  # the built-in runtime has no node to start
                    self.assertEqual(classify.PASSED, run.category, run.reason)

    def replay(self, path: Path, *options: str, json_path: Path | None = None, during=None):
        """Runs isoreplay on path; during(proc) is called while it runs. Returns
        (report or None, exit status, output)."""
        json_path = json_path or self.dir / f"{path.stem}.json"
        first = runtimes()[0]["name"]  # one runtime is enough here
        proc = subprocess.Popen([str(CLI), "run", "--quiet", "--v8", first, *options, "--json", str(json_path), str(path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if during:
            during(proc)
        out, err = proc.communicate(timeout=120)
        rep = None
        if json_path.is_file():  # never a device: /dev/full reads zeros forever
            rep = json.loads(json_path.read_text())["scenarios"][0]
        return rep, proc.returncode, err + out

    def test_memory_limit(self):
        path = self.scenario("mem", 'title "grows"\nT1: new A\nT1: enter A\n'
                                    'T1: run A "const a=[]; for(;;) a.push(new Array(1e6).fill(1.5))"\n')
        rep, rc, out = self.replay(path, "--memory-limit", "200M")
        self.assertEqual((1, "memory-limit"), (rc, rep["ending"]["kind"]), out)
        self.assertEqual(classify.MEMORY_LIMIT, classify.classify(rep, [], False, rc, out)[0])

    def test_killed_from_outside(self):
        path = self.scenario("busy", BUSY.format(ms=20000))

        def kill_the_replay(proc):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                kids = " ".join(p.read_text() for p in Path(f"/proc/{proc.pid}/task").glob("*/children")).split()
                if kids:
                    time.sleep(0.3)  # into the busy loop
                    for kid in kids:
                        os.kill(int(kid), signal.SIGTERM)
                    return
                time.sleep(0.02)
            self.fail("isoreplay started no replay process")

        rep, rc, out = self.replay(path, during=kill_the_replay)
        self.assertEqual((1, "killed"), (rc, rep["ending"]["kind"]), out)
        self.assertEqual(classify.KILLED, classify.classify(rep, [], False, rc, out)[0])

    def test_internal_error_without_a_report(self):
        path = self.scenario("fine", BY_RUNNER["passes"][0])
        rep, rc, out = self.replay(path, json_path=Path("/dev/full"))
        self.assertEqual((None, 3), (rep, rc))
        cat, why = classify.classify(rep, [], False, rc, out)
        self.assertEqual(classify.INTERNAL, cat)
        self.assertRegex(why, r"^isoreplay: cannot write /dev/full")


if __name__ == "__main__":
    unittest.main()
