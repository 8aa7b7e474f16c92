"""Unit tests of the suite runner: discovery, filters, shards, classification, outputs."""
import json
import os
import sys
import tempfile
import unittest
from unittest import mock
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from suite import builds, classify, discover, outputs  # noqa: E402
from suite.execute import Run  # noqa: E402
from suite.lock import FolderBusy, FolderLock  # noqa: E402


def write(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


class Discovery(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        write(self.root, "pool-reuse/a.scn", 'title "A"\ntags pool fast\ntimeout 250ms\nw1: new A\n')
        write(self.root, "drop-order/b.scn", 'title "B"\ntags drop\nw1: new B\n')
        write(self.root, "drop-order/c.scn", 'title "C \\"q\\""\nw1: new C\n')

    def tearDown(self):
        self.tmp.cleanup()

    def test_reads_family_tags_timeout_and_title(self):
        found = discover.discover(self.root)
        self.assertEqual(["drop-order/b.scn", "drop-order/c.scn", "pool-reuse/a.scn"], [s.rel for s in found])
        a = found[2]
        self.assertEqual(("pool-reuse", "a", ("pool", "fast"), 0.25, "A"), (a.family, a.name, a.tags, a.timeout_s, a.title))
        self.assertEqual('C \\"q\\"', found[1].title)
        self.assertEqual(10.0, found[1].timeout_s)

    def test_filters_by_family_tag_and_name(self):
        found = discover.discover(self.root)
        self.assertEqual(["b", "c"], [s.name for s in discover.select(found, families=["drop-order"])])
        self.assertEqual(["a"], [s.name for s in discover.select(found, tags=["fast"])])
        self.assertEqual(["c"], [s.name for s in discover.select(found, names=["c*"])])
        self.assertEqual([], discover.select(found, families=["drop-order"], tags=["fast"]))

    def test_shards_cover_every_scenario_exactly_once(self):
        items = list(range(23))
        shares = [discover.shard(items, i, 4) for i in range(1, 5)]
        self.assertEqual(sorted(sum(shares, [])), items)
        self.assertTrue(all(5 <= len(s) <= 6 for s in shares))
        self.assertEqual((2, 4), discover.parse_shard("2/4"))
        for bad in ("0/4", "5/4", "2", "a/b"):
            with self.assertRaises(ValueError):
                discover.parse_shard(bad)


def report(**kw):
    base = {"outcome": "passed", "internal_error": None, "mismatches": [], "steps": [], "expected_at_end": [],
            "ending": {"kind": "clean", "expected": "clean"}}
    base.update(kw)
    return base


def mm(kind, expected_codes=None, got_codes=None, what="(display text)", expected="e", got="g"):
    """A mismatch; what/expected/got are display strings the classifier must not read."""
    return {"kind": kind, "step": 2, "line": 3, "what": what, "expected": expected, "got": got,
            "expected_codes": expected_codes, "got_codes": got_codes}


def failed(*mismatches, **ending):
    return report(outcome="failed", mismatches=list(mismatches), ending={"expected": "clean", **ending})


DIAG = "/s/bad/x.scn:3:11: error: isolate 'B' is used before 'new B'"


class Classification(unittest.TestCase):
    """Every category, decided from isoreplay's structured fields and exit status."""

    def c(self, rep, findings=(), timed_out=False, rc=1, output=""):
        return classify.classify(rep, list(findings), timed_out, rc, output)

    def test_passes_and_matches(self):
        self.assertEqual((classify.PASSED, ""), self.c(report(), rc=0))
        self.assertEqual(classify.MATCHED, self.c(report(steps=[{"expected_violations": ["drop-order"]}]), rc=0)[0])
        self.assertEqual(classify.MATCHED, self.c(report(expected_at_end=["leaked-isolate"]), rc=0)[0])
        self.assertEqual(classify.MATCHED, self.c(report(ending={"kind": "signal", "expected": "signal"}), rc=0)[0])
        self.assertEqual((classify.SKIPPED, "slow"), self.c(report(outcome="skipped", skip_reason="slow"), rc=0))

    def test_endings(self):
        end = mm("ending", what="how the replay ended", expected="clean", got="whatever")
        self.assertEqual(classify.TIMEOUT, self.c(failed(end, kind="timeout"))[0])
        cat, why = self.c(failed(end, kind="v8-fatal", fatal="v8::Isolate::Dispose(): Disposing the entered"))
        self.assertEqual(classify.V8_FATAL, cat)
        self.assertIn("v8::Isolate::Dispose(): Disposing the entered", why)
        self.assertEqual(classify.SANITIZER, self.c(failed(end, kind="sanitizer"))[0])
        self.assertEqual((classify.KILLED, "how the replay ended: expected clean, got whatever"),
                         self.c(failed(end, kind="killed", signal="TERM")))
        self.assertEqual(classify.MEMORY_LIMIT, self.c(failed(end, kind="memory-limit", peak_rss_bytes=3 << 30))[0])
        for kind in ("signal", "exit", "clean", "deadlock"):
            self.assertEqual(classify.CRASH, self.c(failed(end, kind=kind))[0], kind)
        # endings that never meet an expectation fail even without an ending mismatch
        self.assertEqual(classify.KILLED, self.c(report(ending={"kind": "killed", "expected": "clean"}))[0])
        self.assertEqual(classify.MEMORY_LIMIT, self.c(report(ending={"kind": "memory-limit", "expected": "clean"}))[0])
        self.assertEqual(classify.TIMEOUT, self.c(report(ending={"kind": "timeout", "expected": "clean"}))[0])

    def test_violations_by_codes(self):
        self.assertEqual(classify.UNEXPECTED, self.c(failed(mm("violations", [], ["exit-order"])))[0])
        self.assertEqual(classify.UNEXPECTED, self.c(failed(mm("violations", ["drop-order"], ["exit-order"])))[0])
        self.assertEqual(classify.MISSING, self.c(failed(mm("violations", ["exit-order", "tls-divergence"], ["exit-order"])))[0])
        self.assertEqual(classify.UNEXPECTED, self.c(failed(mm("end-violations", [], ["leaked-isolate"])))[0])
        self.assertEqual(classify.MISSING, self.c(failed(mm("end-violations", ["leaked-isolate"], [])))[0])

    def test_other_mismatches(self):
        self.assertEqual(classify.WRONG_RESULT, self.c(failed(mm("result", expected='"2"', got='"3"')))[0])
        self.assertEqual(classify.WRONG_RESULT, self.c(failed(mm("check-current", expected="A", got="none")))[0])
        self.assertEqual(classify.SANITIZER, self.c(failed(mm("sanitizer", expected="none", got="data race")))[0])
        # an ending mismatch comes first, then sanitizer, then violations, then the rest
        both = failed(mm("result"), mm("violations", [], ["x"]), mm("ending"), kind="v8-fatal", fatal="f")
        self.assertEqual(classify.V8_FATAL, self.c(both)[0])
        self.assertEqual(classify.UNEXPECTED, self.c(failed(mm("result"), mm("violations", [], ["x"])))[0])

    def test_the_display_text_is_never_read(self):
        # English that names another category, and display strings that contradict the codes
        lying = failed(mm("result", what="how the replay ended", expected="clean", got="signal SEGV"),
                       kind="v8-fatal", fatal="f")
        self.assertEqual(classify.WRONG_RESULT, self.c(lying)[0])
        self.assertEqual(classify.MISSING, self.c(failed(mm("violations", ["exit-order"], [], what="sanitizer findings",
                                                            expected="none", got="exit-order")))[0])
        self.assertEqual(classify.UNEXPECTED, self.c(failed(mm("violations", [], ["exit-order"], expected="exit-order",
                                                               got="none")))[0])
        self.assertEqual(classify.SANITIZER, self.c(failed(mm("sanitizer", what="result of step 3")))[0])
        # the old English ending kind is not understood: only the machine words are
        self.assertEqual(classify.CRASH, self.c(failed(mm("ending"), kind="V8 fatal error", fatal="f"))[0])

    def test_unresolved_shows_the_diagnostic_as_is(self):
        out = f"isoreplay: note: something first\n{DIAG}\n  T1: enter B\n            ^\n/s/y.scn:1:1: error: later"
        self.assertEqual((classify.UNRESOLVED, DIAG), self.c(None, rc=2, output=out))
        self.assertEqual((classify.UNRESOLVED, "isoreplay: unknown option '--x'"),
                         self.c(None, rc=2, output="isoreplay: unknown option '--x'\nusage: ..."))
        self.assertEqual(classify.UNRESOLVED, self.c(None, rc=2, output="")[0])

    def test_internal_errors(self):
        rep = report(outcome="error", internal_error="cannot fork: Resource temporarily unavailable",
                     ending={"kind": "internal-error", "expected": "clean"})
        self.assertEqual((classify.INTERNAL, "cannot fork: Resource temporarily unavailable"), self.c(rep, rc=3))
        # an "error" outcome never passes, whatever else the report says
        self.assertEqual(classify.INTERNAL, self.c(report(outcome="error", internal_error="x"), rc=0)[0])
        self.assertEqual((classify.INTERNAL, "isoreplay: cannot write /dev/full: No space left on device"),
                         self.c(None, rc=3, output="T.scn: FAIL\nisoreplay: cannot write /dev/full: No space left on device"))

    def test_no_report_timeout_crash_and_harness_findings(self):
        self.assertEqual(classify.TIMEOUT, self.c(None, timed_out=True, rc=-9)[0])
        self.assertEqual(classify.CRASH, self.c(None, rc=-11)[0])
        self.assertEqual(classify.CRASH, self.c(None, rc=1)[0])
        cat, why = self.c(report(), findings=["ThreadSanitizer: data race x"], rc=0)
        self.assertEqual((classify.SANITIZER, "in isoreplay itself: ThreadSanitizer: data race x"), (cat, why))

    def test_every_new_category_is_a_failure(self):
        for cat in (classify.UNRESOLVED, classify.INTERNAL, classify.KILLED, classify.MEMORY_LIMIT):
            self.assertIn(cat, classify.FAILURES)
            run = Run(discover.Scenario(Path("/x/f/n.scn"), "f/n.scn", "f", "n", "n"), "default", 0, cat)
            self.assertTrue(run.failed, cat)
        self.assertNotIn(classify.SKIPPED, classify.FAILURES)
        self.assertNotIn(classify.MATCHED, classify.FAILURES)


class Environment(unittest.TestCase):
    """The runner adds log_path to the user's sanitizer options, and nothing else."""
    P = Path("/out/logs/f.n.tsan")

    def test_log_path_is_appended_to_the_users_options(self):
        env = builds.environment("tsan", self.P, {"TSAN_OPTIONS": "verbosity=1:history_size=3", "PATH": "/bin"})
        self.assertEqual(f"verbosity=1:history_size=3:log_path={self.P}", env["TSAN_OPTIONS"])
        self.assertEqual("/bin", env["PATH"])
        self.assertEqual({"TSAN_OPTIONS", "PATH"}, set(env))

    def test_only_log_path_is_set(self):
        env = builds.environment("asan", self.P, {})
        self.assertEqual({"ASAN_OPTIONS": f"log_path={self.P}", "UBSAN_OPTIONS": f"log_path={self.P}"}, env)
        self.assertEqual({}, builds.environment("default", self.P, {}))
        self.assertEqual({"TSAN_OPTIONS": f"log_path={self.P}"}, builds.environment("tsan", self.P, {}))
        for build in builds.BUILDS:
            text = repr(builds.environment(build, self.P, {"LSAN_OPTIONS": "report_objects=1"}))
            self.assertNotIn("suppressions", text)
            self.assertIn("'LSAN_OPTIONS': 'report_objects=1'", text)

    def test_a_users_log_path_gives_way(self):
        env = builds.environment("asan", self.P, {"ASAN_OPTIONS": "log_path=/elsewhere:detect_leaks=0",
                                                  "UBSAN_OPTIONS": "print_stacktrace=0 log_path=x"})
        self.assertEqual(f"detect_leaks=0:log_path={self.P}", env["ASAN_OPTIONS"])
        self.assertEqual(f"print_stacktrace=0:log_path={self.P}", env["UBSAN_OPTIONS"])

    def test_the_process_environment_is_the_default_base(self):
        with mock.patch.dict(os.environ, {"TSAN_OPTIONS": "report_bugs=1"}):
            self.assertEqual(f"report_bugs=1:log_path={self.P}", builds.environment("tsan", self.P)["TSAN_OPTIONS"])


class Lock(unittest.TestCase):
    def test_a_second_lock_on_a_folder_is_refused_naming_the_folder_and_the_pid(self):
        with tempfile.TemporaryDirectory() as d:
            a, b = Path(d) / "a", Path(d) / "b"
            a.mkdir()
            b.mkdir()
            held = FolderLock(a).acquire()
            self.assertEqual(str(os.getpid()), (a / ".lock").read_text().strip())
            with self.assertRaises(FolderBusy) as refused:
                FolderLock(a).acquire()
            self.assertEqual((a, os.getpid()), (refused.exception.folder, refused.exception.pid))
            self.assertIn(str(a), str(refused.exception))
            self.assertIn(f"pid {os.getpid()}", str(refused.exception))
            with FolderLock(b):  # another folder is free
                pass
            held.release()
            self.assertEqual("", (a / ".lock").read_text())
            with FolderLock(a):  # free again once released
                pass


class Outputs(unittest.TestCase):
    def test_xml_invalid_characters_are_stripped(self):
        self.assertEqual("a\tb\nc", outputs.xml_text("a\x00\tb\x1b\nc\ufffe"))

    def test_junit_carries_the_build_in_the_classname_and_parses(self):
        s = discover.Scenario(path=Path("/x/f/n.scn"), rel="f/n.scn", family="f", name="n",
                              title='<script>alert(1)</script>\x07', tags=())
        ok = Run(s, "asan", 0, classify.PASSED, "", 0.5, report(), [], "")
        bad = Run(s, "tsan", 0, classify.CRASH, "killed by SIGSEGV\x00", 0.25, None, [], "out\x1b[31m")
        skip = Run(s, "default", 0, classify.SKIPPED, "needs debug V8", 0.0, None, [], "")
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "junit.xml"
            outputs.write_junit(path, [ok, bad, skip], 1.0)
            root = ET.parse(path).getroot()
            self.assertEqual(("3", "1", "1"), (root.get("tests"), root.get("failures"), root.get("skipped")))
            cases = root.findall(".//testcase")
            self.assertEqual({"isoreplay.asan.f", "isoreplay.tsan.f", "isoreplay.default.f"}, {c.get("classname") for c in cases})
            failure = root.find(".//testcase[@classname='isoreplay.tsan.f']/failure")
            self.assertEqual("crash: killed by SIGSEGV", failure.get("message"))
            self.assertEqual("out[31m", failure.text)
            self.assertEqual("needs debug V8", root.find(".//skipped").get("message"))
            res = Path(d) / "results.json"
            outputs.write_results(res, [ok, bad, skip], {"wall_s": 1.0})
            doc = json.loads(res.read_text())
            self.assertEqual({"runs": 3, "passed": 1, "failed": 1, "skipped": 1}, {k: doc["summary"][k] for k in ("runs", "passed", "failed", "skipped")})
            self.assertEqual("tsan", doc["runs"][1]["build"])

    def test_an_unresolved_run_carries_its_diagnostic_into_results_and_junit(self):
        s = discover.Scenario(path=Path("/s/bad/x.scn"), rel="bad/x.scn", family="bad", name="x", title="x")
        out = f"{DIAG}\n  T1: enter B\n            ^"
        bad = Run(s, "default", 0, classify.UNRESOLVED, DIAG, 0.1, None, [], out, 2)
        with tempfile.TemporaryDirectory() as d:
            outputs.write_results(Path(d) / "results.json", [bad], {})
            run = json.loads((Path(d) / "results.json").read_text())["runs"][0]
            self.assertEqual(("unresolved", True, DIAG, 2, out, None),
                             (run["result"], run["failed"], run["reason"], run["exit_status"], run["output"], run["report"]))
            outputs.write_junit(Path(d) / "junit.xml", [bad], 0.1)
            failure = ET.parse(Path(d) / "junit.xml").getroot().find(".//failure")
            self.assertEqual(("unresolved", f"unresolved: {DIAG}"), (failure.get("type"), failure.get("message")))
            self.assertIn("            ^", failure.text)


class FamilyReadmes(unittest.TestCase):
    """Every scenario family documents every scenario in its folder."""

    def test_each_family_readme_lists_each_of_its_scenarios(self):
        root = Path(__file__).resolve().parent.parent.parent / "scenarios"
        families = [d for d in sorted(root.iterdir()) if d.is_dir()]
        self.assertGreaterEqual(len(families), 6)
        for fam in families:
            readme = (fam / "README.md").read_text()
            for section in ("**The rule.**", "**The fix.**"):
                self.assertIn(section, readme, fam.name)
            for scn in fam.glob("*.scn"):
                self.assertIn(f"[`{scn.name}`]({scn.name})", readme, f"{fam.name}/README.md misses {scn.name}")


if __name__ == "__main__":
    unittest.main()
