"""Unit tests of the suite runner: discovery, filters, shards, classification, the
version dimension (cells, unsupported runtimes, splitting one process's report by
runtime), outputs."""
import json
import os
import sys
import tempfile
import unittest
from unittest import mock
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import isoreplay_suite  # noqa: E402
from suite import builds, classify, discover, execute, outputs  # noqa: E402
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

    def test_a_block_that_never_ran_is_block_not_reached_with_the_mismatch_reason(self):
        why = "never reached: the script returned without calling host(); its steps did not run"
        nr = mm("not-reached", what="the block of step 3 (T1: run A)", expected="reached", got=why)
        self.assertEqual("block not reached", classify.NOT_REACHED)
        self.assertIn(classify.NOT_REACHED, classify.FAILURES)
        self.assertEqual((classify.NOT_REACHED, f"the block of step 3 (T1: run A): {why}"), self.c(failed(nr)))
        gc = mm("not-reached", what="the block of step 5 (T1: gc A)", expected="reached",
                got="never reached: the gc collected no weak handle (no weak callback ran); its steps did not run")
        self.assertEqual((classify.NOT_REACHED, f"the block of step 3 (T1: run A): {why} (and 1 more block not reached)"),
                         self.c(failed(nr, gc)))
        # before the violations and results its steps would have given; after a failed ending and a sanitizer
        self.assertEqual(classify.NOT_REACHED, self.c(failed(mm("violations", ["exit-order"], []), nr, mm("result")))[0])
        self.assertEqual(classify.V8_FATAL, self.c(failed(nr, mm("ending"), kind="v8-fatal", fatal="f"))[0])
        self.assertEqual(classify.SANITIZER, self.c(failed(nr, mm("sanitizer")))[0])
        self.assertEqual(classify.TIMEOUT, self.c(failed(nr, kind="timeout"))[0])
        # decided by the kind, not the words: a not-reached mismatch whose text says otherwise
        self.assertEqual(classify.NOT_REACHED, self.c(failed(mm("not-reached", what="how the replay ended",
                                                                expected="clean", got="signal SEGV")))[0])
        self.assertEqual(classify.WRONG_RESULT, self.c(failed(mm("result", what="the block of step 3", got=why)))[0])
        run = Run(discover.Scenario(Path("/x/f/n.scn"), "f/n.scn", "f", "n", "n"), "default", "13.6", 0,
                  classify.NOT_REACHED)
        self.assertTrue(run.failed)

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

    def test_a_runtime_whose_child_never_started_is_unsupported(self):
        why = ("the replay child for V8 12.4 never started: /n/bin/node: --bogus is not allowed in NODE_OPTIONS\n")
        rep = report(outcome="error", internal_error=why, error_kind="runtime-unavailable",
                     ending={"kind": "internal-error", "expected": "clean"},
                     mismatches=[mm("ending", what="how the replay ended", expected="clean", got="internal error")])
        self.assertEqual((classify.UNSUPPORTED, why.strip()), self.c(rep, rc=3))
        self.assertIn(classify.UNSUPPORTED, classify.FAILURES)
        # any other internal error stays one, and the text alone never makes one unsupported
        self.assertEqual(classify.INTERNAL, self.c(report(outcome="error", internal_error="cannot fork",
                                                          error_kind="internal"), rc=3)[0])
        self.assertEqual(classify.INTERNAL, self.c(report(outcome="error", internal_error=why, error_kind="internal"),
                                                   rc=3)[0])
        self.assertEqual(classify.CRASH, self.c(failed(mm("ending", got="the replay child for V8 12.4 never started"),
                                                       kind="signal"))[0])

    def test_every_new_category_is_a_failure(self):
        for cat in (classify.UNRESOLVED, classify.INTERNAL, classify.KILLED, classify.MEMORY_LIMIT, classify.UNSUPPORTED,
                    classify.NOT_REACHED):
            self.assertIn(cat, classify.FAILURES)
            run = Run(discover.Scenario(Path("/x/f/n.scn"), "f/n.scn", "f", "n", "n"), "default", "13.6", 0, cat)
            self.assertTrue(run.failed, cat)
        self.assertNotIn(classify.SKIPPED, classify.FAILURES)
        self.assertNotIn(classify.MATCHED, classify.FAILURES)


# A stand-in for isoreplay (versions --json; run --json FILE --v8 X... FILE): on 12.4 the
# runtime's child never starts; on the others the replay passes, each child with a
# sanitizer log of its own; with FAKE_OWN_FINDING, isoreplay itself leaves a log too.
FAKE = r'''#!/usr/bin/python3
import json, os, re, sys
RTS = [{"name": n, "v8_version": n + ".1", "origin": "fake " + n, "node": None if n == "10.2" else "/fake/node", "addon": None}
       for n in ("10.2", "12.4", "13.6")]
a = sys.argv[1:]
if a[:2] == ["versions", "--json"]:
    print(json.dumps(RTS))
    sys.exit(0)
path, vs = a[a.index("--json") + 1], [a[i + 1] for i, x in enumerate(a) if x == "--v8"]
log = re.search(r"log_path=([^:]*)", os.environ.get("TSAN_OPTIONS", ""))
entries, rc = [], 0
for k, v in enumerate(vs):
    e = {"file": a[-1], "title": "t", "v8_version": v + ".1-node.1", "runtime": {"name": v, "origin": "fake", "node": None},
         "outcome": "passed", "internal_error": None, "mismatches": [], "steps": [], "expected_at_end": [],
         "ending": {"kind": "clean", "expected": "clean"}, "wall_ms": 250.0, "sanitizer_log": None}
    if v == "12.4":
        e.update(outcome="error", internal_error="the replay child for V8 12.4 never started: node: bad option\n",
                 error_kind="runtime-unavailable",
                 ending={"kind": "internal-error", "expected": "clean"})
        rc = 3
        print(f"{a[-1]}: ERROR on V8 {v}: isoreplay failed, so this run cannot pass: ...")
    else:
        if log:
            e["sanitizer_log"] = f"{log.group(1)}.{1000 + k}"
            open(e["sanitizer_log"], "w").write("SUMMARY: ThreadSanitizer: data race in the child\n")
        print(f"{a[-1]}: mismatch: nothing really\n    expected: x\n{a[-1]}: PASS: every expectation met on V8 {v}")
    entries.append(e)
if log and os.environ.get("FAKE_OWN_FINDING"):
    open(f"{log.group(1)}.999", "w").write("SUMMARY: ThreadSanitizer: data race in isoreplay\n")
open(path, "w").write(json.dumps({"format": 1, "scenarios": entries}))
print(f"{len(vs)} runs")
sys.exit(rc)
'''


def fake_project(d: Path, build: str = "tsan", script: str = FAKE) -> Path:
    """A project folder whose build's isoreplay is script."""
    binary = builds.binary(d, build)
    binary.parent.mkdir(parents=True)
    binary.write_text(script)
    binary.chmod(0o755)
    return d


def scenario_in(d: Path) -> discover.Scenario:
    return discover.read_scenario(write(d, "scn/f/n.scn", 'title "n"\nT1: new A\nT1: dispose A\n'), d / "scn")


class Versions(unittest.TestCase):
    """A cell is (scenario, build, V8 version)."""

    def test_versions_sort_as_numbers(self):
        self.assertEqual(["9.8", "10.2", "12.4", "14.6", "x"], sorted(["x", "14.6", "10.2", "9.8", "12.4"],
                                                                       key=builds.version_key))

    def test_the_version_axis_is_what_v8_asks_else_every_runtime_any_build_lists(self):
        listed = {"default": ["10.2", "12.4", "13.6", "14.6"], "tsan": ["10.2", "14.6"]}
        self.assertEqual(["10.2", "12.4", "13.6", "14.6"], isoreplay_suite.choose_versions(None, listed))
        self.assertEqual(["10.2", "13.6"], isoreplay_suite.choose_versions(["13.6", "10.2", "13.6"], listed))
        with self.assertRaisesRegex(ValueError, r"^--v8 13\.7: no chosen build has that runtime \(they have: 10\.2, "):
            isoreplay_suite.choose_versions(["13.7"], listed)

    def test_a_runtime_a_build_lacks_is_an_unsupported_cell_and_no_process(self):
        s = discover.Scenario(Path("/x/f/n.scn"), "f/n.scn", "f", "n", "n")
        listed = {"default": ["10.2", "12.4"], "tsan": ["10.2"]}
        jobs, lacking = isoreplay_suite.plan([s], ["default", "tsan"], ["10.2", "12.4"], listed, 2, per_cell=False)
        self.assertEqual(sorted([("default", 0, ("10.2", "12.4")), ("default", 1, ("10.2", "12.4")),
                                 ("tsan", 0, ("10.2",)), ("tsan", 1, ("10.2",))]),
                         sorted((b, k, tuple(vs)) for _, b, k, vs in jobs))
        self.assertEqual([("tsan", "12.4", 0), ("tsan", "12.4", 1)], [(r.build, r.v8, r.repeat) for r in lacking])
        self.assertTrue(all(r.category == classify.UNSUPPORTED and r.failed for r in lacking))
        self.assertIn("the tsan build has no V8 12.4 runtime", lacking[0].reason)
        jobs, _ = isoreplay_suite.plan([s], ["default"], ["10.2", "12.4"], listed, 1, per_cell=True)
        self.assertEqual([["10.2"], ["12.4"]], sorted(vs for *_, vs in jobs))

    def test_repeats_are_compared_per_cell_not_across_versions(self):
        s = discover.Scenario(Path("/x/f/n.scn"), "f/n.scn", "f", "n", "n")
        clean = report(ending={"kind": "clean", "expected": "clean"})
        crash = report(ending={"kind": "signal", "expected": "signal"})
        # 10.2 and 14.6 differ from each other, each the same in its repeats: deterministic
        runs = [Run(s, "default", v, k, classify.MATCHED, "", 0.1, rep) for v, rep in (("10.2", clean), ("14.6", crash))
                for k in range(3)]
        isoreplay_suite.check_repeats(runs)
        self.assertEqual({classify.MATCHED}, {r.category for r in runs})
        # 13.6 disagrees with itself: only its cell is nondeterministic
        runs += [Run(s, "default", "13.6", k, classify.MATCHED, "", 0.1, rep) for k, rep in enumerate((clean, crash, clean))]
        isoreplay_suite.check_repeats(runs)
        self.assertEqual({("10.2", classify.MATCHED), ("14.6", classify.MATCHED), ("13.6", classify.NONDETERMINISTIC)},
                         {(r.v8, r.category) for r in runs})

    def test_the_text_report_is_split_by_runtime_for_display(self):
        out = ("f.scn: PASS: every expectation met on V8 10.2\nf.scn: mismatch: how the replay ended\n"
               "    expected: clean\n    got:      signal SEGV on V8 9.9\nf.scn: FAIL: 1 expectation not met on V8 12.4\n"
               "f.scn: ERROR on V8 13.6: isoreplay failed, so this run cannot pass: the replay child for V8 13.6 never started\n"
               "f.scn: SKIP (default build, V8 14.6): not there\n3 passed, 1 failed")
        got = execute.split_output(out)
        self.assertEqual(["10.2", "12.4", "13.6", "14.6"], list(got))
        self.assertEqual("f.scn: PASS: every expectation met on V8 10.2", got["10.2"])
        self.assertTrue(got["12.4"].startswith("f.scn: mismatch: how the replay ended\n"), got["12.4"])
        self.assertTrue(got["12.4"].endswith("not met on V8 12.4"))
        self.assertEqual("f.scn: SKIP (default build, V8 14.6): not there", got["14.6"])

    def test_runtimes_come_from_versions_json(self):
        with tempfile.TemporaryDirectory() as d:
            project = fake_project(Path(d))
            self.assertEqual(["10.2", "12.4", "13.6"], [r["name"] for r in builds.runtimes(project, "tsan")])
        with tempfile.TemporaryDirectory() as d:  # an isoreplay older than versions --json
            project = fake_project(Path(d), script="#!/bin/sh\necho 'isoreplay: versions takes no argument' >&2\nexit 2\n")
            with self.assertRaisesRegex(RuntimeError, r"tsan build.*exited 2: isoreplay: versions takes no argument.*"
                                                      r"cmake --build --preset tsan"):
                builds.runtimes(project, "tsan")

    def test_one_process_split_into_a_classified_cell_per_runtime(self):
        with tempfile.TemporaryDirectory() as d:
            project, s, out = fake_project(Path(d)), scenario_in(Path(d)), Path(d) / "out"
            runs = execute.run_cells(project, s, "tsan", ["10.2", "12.4", "13.6"], 0, out)
            self.assertEqual([("10.2", classify.PASSED), ("12.4", classify.UNSUPPORTED), ("13.6", classify.PASSED)],
                             [(r.v8, r.category) for r in runs])
            self.assertEqual("the replay child for V8 12.4 never started: node: bad option", runs[1].reason)
            self.assertEqual(("10.2.1-node.1", "12.4"), (runs[0].v8_version, runs[1].runtime["name"]))
            self.assertEqual({3}, {r.returncode for r in runs})
            self.assertEqual([0.25, 0.25], [runs[0].seconds, runs[2].seconds])  # each replay's own wall time
            # each cell's output: its own verdict, with the mismatch lines before it
            self.assertTrue(runs[0].output.endswith("PASS: every expectation met on V8 10.2"), runs[0].output)
            self.assertNotIn("V8 13.6", runs[0].output)
            self.assertIn("ERROR on V8 12.4", runs[1].output)
            # each child's sanitizer log is its cell's, and a child's finding is not isoreplay's own
            self.assertEqual([[str(out / "logs" / "f.n.tsan.1000")], [], [str(out / "logs" / "f.n.tsan.1002")]],
                             [r.logs for r in runs])
            self.assertTrue((out / "reports" / "f.n.tsan.json").is_file())
            one = execute.run_one(project, s, "tsan", "13.6", 1, out)  # a process of its own
            self.assertEqual(("13.6", classify.PASSED), (one.v8, one.category))
            self.assertTrue((out / "reports" / "f.n.tsan.v8-13.6.1.json").is_file())

    def test_a_finding_of_isoreplay_itself_fails_every_cell_of_its_process(self):
        with tempfile.TemporaryDirectory() as d:
            project, s, out = fake_project(Path(d)), scenario_in(Path(d)), Path(d) / "out"
            with mock.patch.dict(os.environ, {"FAKE_OWN_FINDING": "1"}):
                runs = execute.run_cells(project, s, "tsan", ["10.2", "13.6"], 0, out)
            self.assertEqual([classify.SANITIZER] * 2, [r.category for r in runs])
            self.assertEqual(["in isoreplay itself: ThreadSanitizer: data race in isoreplay"] * 2, [r.reason for r in runs])
            self.assertIn(str(out / "logs" / "f.n.tsan.999"), runs[1].logs)

    def test_a_runtime_missing_from_the_report_and_a_process_without_one(self):
        with tempfile.TemporaryDirectory() as d:
            script = FAKE.replace("for k, v in enumerate(vs):", "for k, v in enumerate(vs[:1]):")
            project, s, out = fake_project(Path(d), script=script), scenario_in(Path(d)), Path(d) / "out"
            runs = execute.run_cells(project, s, "tsan", ["10.2", "13.6"], 0, out)
            self.assertEqual([(classify.PASSED, ""), (classify.INTERNAL, "isoreplay's report has no replay on V8 13.6")],
                             [(r.category, r.reason) for r in runs])
        with tempfile.TemporaryDirectory() as d:
            project = fake_project(Path(d), script="#!/bin/sh\necho \"$0:1:1: error: nope\" >&2\nexit 2\n")
            runs = execute.run_cells(project, scenario_in(Path(d)), "tsan", ["10.2", "13.6"], 0, Path(d) / "out")
            self.assertEqual([classify.UNRESOLVED] * 2, [r.category for r in runs])
            self.assertEqual(["10.2", "13.6"], [r.v8 for r in runs])


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

    def test_junit_carries_the_build_and_the_version_in_the_classname_and_parses(self):
        s = discover.Scenario(path=Path("/x/f/n.scn"), rel="f/n.scn", family="f", name="n",
                              title='<script>alert(1)</script>\x07', tags=())
        ok = Run(s, "asan", "12.4", 0, classify.PASSED, "", 0.5, report(v8_version="12.4.254.21-node.21"), [], "")
        bad = Run(s, "tsan", "13.6", 0, classify.CRASH, "killed by SIGSEGV\x00", 0.25, None, [], "out\x1b[31m")
        skip = Run(s, "default", "14.6", 0, classify.SKIPPED, "needs debug V8", 0.0, None, [], "")
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "junit.xml"
            outputs.write_junit(path, [ok, bad, skip], 1.0)
            root = ET.parse(path).getroot()
            self.assertEqual(("3", "1", "1", "0"), (root.get("tests"), root.get("failures"), root.get("skipped"),
                                                    root.get("errors")))
            cases = root.findall(".//testcase")
            self.assertEqual({"isoreplay.asan.v8-12.4.f", "isoreplay.tsan.v8-13.6.f", "isoreplay.default.v8-14.6.f"},
                             {c.get("classname") for c in cases})
            self.assertEqual(["isoreplay.asan.v8-12.4", "isoreplay.tsan.v8-13.6", "isoreplay.default.v8-14.6"],
                             [x.get("name") for x in root.findall("testsuite")])
            full = root.find("testsuite[@name='isoreplay.asan.v8-12.4']/properties/property[@name='v8_version']")
            self.assertEqual("12.4.254.21-node.21", full.get("value"))
            failure = root.find(".//testcase[@classname='isoreplay.tsan.v8-13.6.f']/failure")
            self.assertEqual("crash: killed by SIGSEGV", failure.get("message"))
            self.assertEqual("out[31m", failure.text)
            self.assertEqual("needs debug V8", root.find(".//skipped").get("message"))
            res = Path(d) / "results.json"
            outputs.write_results(res, [ok, bad, skip], {"wall_s": 1.0})
            doc = json.loads(res.read_text())
            self.assertEqual({"runs": 3, "passed": 1, "failed": 1, "skipped": 1, "unsupported": 0},
                             {k: doc["summary"][k] for k in ("runs", "passed", "failed", "skipped", "unsupported")})
            self.assertEqual(("tsan", "13.6", None), (doc["runs"][1]["build"], doc["runs"][1]["v8"], doc["runs"][1]["v8_version"]))
            self.assertEqual(("12.4", "12.4.254.21-node.21"), (doc["runs"][0]["v8"], doc["runs"][0]["v8_version"]))
            self.assertEqual(2, doc["format"])

    def test_an_unsupported_cell_is_an_error_in_junit_and_counted_apart(self):
        s = discover.Scenario(path=Path("/x/f/n.scn"), rel="f/n.scn", family="f", name="n", title="t")
        ok = Run(s, "tsan", "10.2", 0, classify.PASSED, "", 0.5, report(), [], "")
        no = execute.unsupported(s, "tsan", "13.6", 0, ["10.2", "12.4"])
        self.assertEqual((classify.UNSUPPORTED, True), (no.category, no.failed))
        self.assertEqual("the tsan build has no V8 13.6 runtime (`isoreplay versions` lists 10.2, 12.4)", no.reason)
        with tempfile.TemporaryDirectory() as d:
            outputs.write_junit(Path(d) / "junit.xml", [ok, no], 1.0)
            root = ET.parse(Path(d) / "junit.xml").getroot()
            self.assertEqual(("2", "0", "1"), (root.get("tests"), root.get("failures"), root.get("errors")))
            err = root.find(".//testcase[@classname='isoreplay.tsan.v8-13.6.f']/error")
            self.assertEqual(("unsupported", f"unsupported: {no.reason}"), (err.get("type"), err.get("message")))
            outputs.write_results(Path(d) / "results.json", [ok, no], {})
            doc = json.loads((Path(d) / "results.json").read_text())
            self.assertEqual((1, 1, 1), (doc["summary"]["passed"], doc["summary"]["failed"], doc["summary"]["unsupported"]))
            self.assertEqual({"10.2": {"runs": 1, "passed": 1, "failed": 0, "skipped": 0, "unsupported": 0},
                              "13.6": {"runs": 1, "passed": 0, "failed": 1, "skipped": 0, "unsupported": 1}},
                             doc["summary"]["by_build_version"]["tsan"])
            self.assertEqual(("unsupported", True, "13.6"), (doc["runs"][1]["result"], doc["runs"][1]["failed"],
                                                              doc["runs"][1]["v8"]))

    def test_a_block_not_reached_is_a_failure_in_junit_results_and_summary(self):
        s = discover.Scenario(path=Path("/x/f/n.scn"), rel="f/n.scn", family="f", name="n", title="t")
        why = "the block of step 3 (T1: run A): never reached: the script returned without calling host(); its steps did not run"
        ok = Run(s, "default", "10.2", 0, classify.PASSED, "", 0.5, report(), [], "")
        nr = Run(s, "default", "13.6", 0, classify.NOT_REACHED, why, 0.5, report(outcome="failed"), [], "out")
        self.assertTrue(nr.failed)
        with tempfile.TemporaryDirectory() as d:
            outputs.write_junit(Path(d) / "junit.xml", [ok, nr], 1.0)
            root = ET.parse(Path(d) / "junit.xml").getroot()
            self.assertEqual(("2", "1", "0"), (root.get("tests"), root.get("failures"), root.get("errors")))
            failure = root.find(".//testcase[@classname='isoreplay.default.v8-13.6.f']/failure")
            self.assertEqual(("block not reached", f"block not reached: {why}"), (failure.get("type"), failure.get("message")))
            outputs.write_results(Path(d) / "results.json", [ok, nr], {})
            doc = json.loads((Path(d) / "results.json").read_text())
            self.assertEqual({"passed": 1, "block not reached": 1}, doc["summary"]["by_category"])
            self.assertEqual((1, 1, 0), (doc["summary"]["passed"], doc["summary"]["failed"], doc["summary"]["unsupported"]))
            self.assertEqual(("block not reached", True, why), (doc["runs"][1]["result"], doc["runs"][1]["failed"],
                                                               doc["runs"][1]["reason"]))

    def test_an_unresolved_run_carries_its_diagnostic_into_results_and_junit(self):
        s = discover.Scenario(path=Path("/s/bad/x.scn"), rel="bad/x.scn", family="bad", name="x", title="x")
        out = f"{DIAG}\n  T1: enter B\n            ^"
        bad = Run(s, "default", "10.2", 0, classify.UNRESOLVED, DIAG, 0.1, None, [], out, 2)
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
