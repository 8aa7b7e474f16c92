"""Unit tests of the suite runner: discovery, filters, shards, classification, outputs."""
import json
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from suite import classify, discover, outputs  # noqa: E402
from suite.execute import Run  # noqa: E402


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
    base = {"outcome": "passed", "mismatches": [], "steps": [], "expected_at_end": [],
            "ending": {"kind": "clean", "expected": "clean"}}
    base.update(kw)
    return base


class Classification(unittest.TestCase):
    def test_every_category(self):
        c = classify.classify
        self.assertEqual(classify.PASSED, c(report(), [], False, 0)[0])
        self.assertEqual(classify.MATCHED, c(report(steps=[{"expected_violations": ["drop-order"]}]), [], False, 0)[0])
        self.assertEqual(classify.MATCHED, c(report(ending={"kind": "signal", "expected": "signal"}), [], False, 0)[0])
        self.assertEqual((classify.SKIPPED, "slow"), c(report(outcome="skipped", skip_reason="slow"), [], False, 0))
        self.assertEqual(classify.TIMEOUT, c(None, [], True, None)[0])
        self.assertEqual(classify.CRASH, c(None, [], False, -11)[0])
        self.assertEqual(classify.SANITIZER, c(report(), ["ThreadSanitizer: data race x"], False, 0)[0])
        mm = lambda what, e, g: [{"what": what, "expected": e, "got": g}]  # noqa: E731
        self.assertEqual(classify.UNEXPECTED, c(report(outcome="failed", mismatches=mm("violations at step 2 (x)", "none", "exit-order")), [], False, 1)[0])
        self.assertEqual(classify.MISSING, c(report(outcome="failed", mismatches=mm("violations at step 2 (x)", "exit-order, tls-divergence", "exit-order")), [], False, 1)[0])
        self.assertEqual(classify.WRONG_RESULT, c(report(outcome="failed", mismatches=mm("result of step 3 (x)", '"2"', '"3"')), [], False, 1)[0])
        self.assertEqual(classify.SANITIZER, c(report(outcome="failed", mismatches=mm("sanitizer findings", "none", "data race")), [], False, 1)[0])
        end = mm("how the replay ended", "clean", "x")
        self.assertEqual(classify.V8_FATAL, c(report(outcome="failed", mismatches=end, ending={"kind": "V8 fatal error", "fatal": "f"}), [], False, 1)[0])
        self.assertEqual(classify.CRASH, c(report(outcome="failed", mismatches=end, ending={"kind": "signal"}), [], False, 1)[0])
        self.assertEqual(classify.TIMEOUT, c(report(outcome="failed", mismatches=end, ending={"kind": "timeout"}), [], False, 1)[0])


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


if __name__ == "__main__":
    unittest.main()


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
