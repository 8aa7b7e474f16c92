"""Second-edition steps in the HTML reports: readable labels for the new ops (handles,
`call X METHOD`, the embedder's synchronisation, `}`), and callback blocks drawn nested
in their run on the swimlanes: the opener's call bar spans to the end of its `}`, the
block's steps of the opener's thread are drawn inside that bar (marked nested), the
other threads' steps of the block inside the block's region, and a block that never ran
shows why. Checked on the geometry lanes.py computes and on the SVG of the page itself
(parsed), on a hand-made report and on real replays."""
import json
import re
import subprocess
import sys
import tempfile
import unittest
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import lanes  # noqa: E402
import render  # noqa: E402
import stepinfo  # noqa: E402
from test_render_cli import BUILD, CLI  # noqa: E402
from test_render_cli import report as plain_report  # noqa: E402

GC_WHY = "the gc collected no weak handle (no weak callback ran)"
HOST_WHY = "the script returned without calling host()"


def st(index, thread, op, isolate="A", opens=None, closes=None, inside=None, reached=True, not_reached=None, **kw):
    s = {"index": index, "line": index + 1, "thread": thread, "task": None, "op": op, "isolate": isolate,
         "context": None, "context_of": None, "handle": None, "sync": None, "js": None, "background": False,
         "block": ({"opens_until": opens, "closes": closes, "inside": inside}
                   if opens is not None or closes is not None or inside is not None else None),
         "reached": reached, "block_not_reached": not_reached, "start_us": 0 if reached else None,
         "end_us": 1 if reached else None, "status": "ok" if reached else None, "executed": reached,
         "real_current": "A" if reached else None, "ideal_current": "A" if reached else None, "result": None,
         "note": None, "expected_violations": [], "violations": []}
    s.update(kw)
    return s


def block_steps() -> list[dict]:
    """T1 runs A with a host() block: T2 works inside it (and opens a block of its own), T1
    opens a block inside the block; then a gc block that never ran; handles and sync ops."""
    return [
        st(1, "T1", "new"),
        st(2, "T1", "enter"),
        st(3, "T1", "global", handle="H"),
        st(4, "T1", "run", opens=14, js="host(); 1"),                     # the outer block: 5..13, } at 14
        st(5, "T1", "unlocker", inside=4),
        st(6, "T2", "lock", inside=4),
        st(7, "T2", "run", opens=9, inside=4),                            # T2's own block
        st(8, "T3", "heap-stats", inside=7),
        st(9, "T2", "}", isolate=None, closes=7, inside=4),
        st(10, "T2", "send", isolate=None, sync="CH", inside=4),
        st(11, "T1", "run", opens=13, inside=4),                          # T1's block inside T1's block
        st(12, "T1", "memory-pressure", inside=11),
        st(13, "T1", "}", isolate=None, closes=11, inside=4),
        st(14, "T1", "}", isolate=None, closes=4),
        st(15, "T3", "recv", isolate=None, sync="CH"),
        st(16, "T1", "weak", handle="H"),
        st(17, "T1", "gc", opens=20, not_reached=GC_WHY),                 # never ran
        st(18, "T1", "open", handle="H", inside=17, reached=False),
        st(19, "T2", "is-terminating", inside=17, reached=False),
        st(20, "T1", "}", isolate=None, closes=17, reached=False),
        st(21, "T1", "reset", handle="H"),
        st(22, "T1", "exit"),
    ]


def block_report(**kw) -> dict:
    steps = block_steps()
    r = plain_report(steps=steps, spans=[{"kind": "entered", "thread": "T1", "name": "A", "from": 2, "to": 22,
                                          "open": False}],
                     outcome="failed", expectations_met=False,
                     mismatches=[{"kind": "not-reached", "step": 17, "line": 18, "what": "the block of step 17 (T1: gc A)",
                                  "expected": "reached", "got": f"never reached: {GC_WHY}; its steps did not run",
                                  "expected_codes": None, "got_codes": None}],
                     source="\n".join(f"line {i}" for i in range(1, 24)) + "\n")
    r.update(kw)
    return r


def expected_nesting(steps: list[dict]) -> tuple[dict[int, int], dict[int, int]]:
    """From the report's own block fields, independently of lanes.py: (step -> the opener
    of the innermost block it runs inside on its own thread; step -> the innermost block
    holding a step of another thread)."""
    by = {s["index"]: s for s in steps}
    nested, other = {}, {}
    for s in steps:
        chain, k = [], (s.get("block") or {}).get("inside")
        if s["op"] == "}":
            chain.append(by[s["block"]["closes"]])
        while k is not None:
            chain.append(by[k])
            k = (by[k].get("block") or {}).get("inside")
        same = [o for o in chain if o["thread"] == s["thread"]]
        if same:
            nested[s["index"]] = same[0]["index"]
        elif chain:
            other[s["index"]] = chain[0]["index"]
    return nested, other


class Labels(unittest.TestCase):
    def test_each_new_op_reads_as_the_language_writes_it(self):
        by = {s["index"]: s for s in block_steps()}
        want = {3: "global H of A", 4: "run A {", 7: "run A {", 8: "call A heap-stats", 9: "↩ host() returns",
                10: "send CH", 12: "call A memory-pressure", 15: "recv CH", 16: "weak H", 17: "gc A {",
                18: "open H", 19: "call A is-terminating", 20: "↩ weak callback returns", 21: "reset H", 22: "exit A"}
        self.assertEqual(want, {i: stepinfo.label(by[i], by) for i in want})
        self.assertEqual("persistent P of B in req", stepinfo.label(st(1, "T", "persistent", "B", handle="P", context="req")))
        self.assertEqual("run B in req of A", stepinfo.label(st(1, "T", "run", "B", context="req", context_of="A")))
        for op in ("spawn", "join", "acquire", "release"):
            self.assertEqual(f"{op} U", stepinfo.label(st(1, "T", op, None, sync="U")))
        # a first-edition step (no new fields at all) reads as before
        self.assertEqual("enter A", stepinfo.label({"op": "enter", "isolate": "A"}))
        self.assertEqual("check current", stepinfo.label({"op": "check current", "isolate": None}))

    def test_blocks_and_why_a_step_did_not_run(self):
        steps = block_steps()
        by = {s["index"]: s for s in steps}
        bl = {b["first"]: b for b in stepinfo.blocks(steps)}
        self.assertEqual([4, 7, 11, 17], sorted(bl))
        self.assertEqual((14, 0, True, True), (bl[4]["last"], bl[4]["depth"], bl[4]["ran"], bl[4]["returned"]))
        self.assertEqual(list(range(5, 14)), [s["index"] for s in bl[4]["held"]])
        self.assertEqual((1, 4, "run"), (bl[11]["depth"], bl[11]["parent"], bl[11]["kind"]))
        self.assertEqual((False, GC_WHY, "gc", "↩ weak callback returns"),
                         (bl[17]["ran"], bl[17]["not_reached"], bl[17]["kind"], bl[17]["returns"]))
        for i in (18, 19, 20):
            self.assertEqual(GC_WHY, stepinfo.not_reached_why(by[i], by), i)
        self.assertIsNone(stepinfo.not_reached_why(by[12], by))


class Geometry(unittest.TestCase):
    """lanes.py: what it computes for the blocks."""

    def setUp(self):
        self.view = lanes.lanes_view(block_report())
        self.calls = {c["opener"]: c for c in self.view["calls"]}
        self.marks = {m["index"]: m for m in self.view["marks"]}
        self.regions = {r["opener"]: r for r in self.view["regions"]}

    def test_the_call_bar_spans_from_the_opener_to_the_end_of_its_closing_step(self):
        col, x = lanes.COL, lambda i: self.view["left"] + (i - 1) * col
        c = self.calls[4]
        self.assertEqual(("returned", "T1"), (c["state"], c["thread"]))
        self.assertLessEqual(c["x"], x(4) + 2)
        self.assertGreaterEqual(c["x"] + c["w"], x(14) + col - 2)  # through the } column
        self.assertLess(c["x"] + c["w"], x(15))  # and no further
        self.assertEqual(14, c["closer"])

    def test_the_blocks_steps_on_the_openers_lane_are_drawn_inside_its_bar_and_marked_nested(self):
        nested, other = expected_nesting(block_steps())
        self.assertEqual({5: 4, 9: 7, 11: 4, 12: 11, 13: 11, 14: 4, 18: 17, 20: 17}, nested)
        for i, opener in nested.items():
            m, c = self.marks[i], self.calls[opener]
            self.assertEqual(opener, m["nested_in"], i)
            span_x, span_w = (c["span_x"], c["span_w"])
            self.assertTrue(span_x <= m["x"] - m["r"] and m["x"] + m["r"] <= span_x + span_w, (i, m, c))
            self.assertTrue(c["y"] <= m["y"] - m["r"] and m["y"] + m["r"] <= c["y"] + c["h"], (i, m, c))
            self.assertLess(m["r"], 6)  # smaller than a step outside any block
            # ...and inside every enclosing bar of the same lane (T1's block in T1's block)
            for outer in self.view["calls"]:
                if outer["thread"] == m["thread"] and outer["span_x"] < m["x"] < outer["span_x"] + outer["span_w"]:
                    self.assertTrue(outer["y"] <= m["y"] - m["r"] and m["y"] + m["r"] <= outer["y"] + outer["h"])
        inner, outer = self.calls[11], self.calls[4]
        self.assertEqual(1, inner["lane_depth"])
        band = outer["band"]
        self.assertTrue(band["x"] <= inner["x"] and inner["x"] + inner["w"] <= band["x"] + band["w"])
        self.assertTrue(outer["y"] < inner["y"] and inner["y"] + inner["h"] < outer["y"] + outer["h"])
        self.assertIsNone(self.marks[4]["nested_in"])  # the opener is the bar, not inside it
        self.assertEqual(6, self.marks[4]["r"])

    def test_other_threads_steps_of_a_block_lie_in_its_region_and_are_outlined(self):
        nested, other = expected_nesting(block_steps())
        self.assertEqual({6: 4, 7: 4, 8: 7, 10: 4, 19: 17}, other)
        for i, opener in other.items():
            m, r = self.marks[i], self.regions[opener]
            self.assertEqual((opener, None), (m["block"], m["nested_in"]))
            self.assertTrue(r["x"] <= m["x"] <= r["x"] + r["w"], (i, m, r))
            self.assertTrue(r["y"] <= m["y"] <= r["y"] + r["h"])
        self.assertEqual("line 5 · run A { … }", self.regions[4]["caption"])
        self.assertEqual([0, 1, 1, 0], [self.regions[k]["depth"] for k in (4, 7, 11, 17)])
        t2 = [o for o in self.view["outlines"] if o["opener"] == 4 and o["thread"] == "T2"]
        self.assertEqual(1, len(t2))
        for i in (6, 7, 9, 10):
            self.assertTrue(t2[0]["x"] <= self.marks[i]["x"] <= t2[0]["x"] + t2[0]["w"])
        self.assertGreater(self.view["top"], lanes.TOP)  # a header row per nesting level for the brackets

    def test_a_block_that_never_ran(self):
        c = self.calls[17]
        self.assertEqual(("not-reached", GC_WHY), (c["state"], c["why"]))
        self.assertEqual(lanes.COL - 4, c["w"])  # the gc itself ran: its own column
        self.assertEqual(c["x"] + c["w"], c["ghost"]["x"])  # the rest is a ghost through its }
        self.assertEqual(c["span_x"] + c["span_w"], c["ghost"]["x"] + c["ghost"]["w"])
        for i in (18, 19, 20):
            self.assertEqual((False, GC_WHY), (self.marks[i]["reached"], self.marks[i]["why"]))
        self.assertEqual(("not-reached", GC_WHY), (self.regions[17]["state"], self.regions[17]["why"]))

    def test_sync_marks_and_arrows(self):
        self.assertEqual("sync", self.marks[10]["shape"])
        self.assertEqual("return", self.marks[14]["shape"])
        self.assertEqual([("message", 10, 15)], [(a["what"], a["from"], a["to"]) for a in self.view["syncs"]])
        spawn = lanes.lanes_view(plain_report(steps=[st(1, "main", "spawn", None, sync="T1"), st(2, "T1", "new"),
                                                     st(3, "T1", "dispose"), st(4, "main", "join", None, sync="T1")]))
        self.assertEqual([("spawn", 1, 2), ("join", 3, 4)], [(a["what"], a["from"], a["to"]) for a in spawn["syncs"]])

    def test_deep_nesting_on_one_lane_still_fits_each_bar_inside_the_one_around_it(self):
        depth, steps = 6, [st(1, "T1", "enter")]
        for k in range(depth):  # run { run { ... heap-stats ... } }
            steps.append(st(2 + k, "T1", "run", opens=2 * depth + 2 - k, inside=(1 + k) if k else None))
        steps.append(st(depth + 2, "T1", "heap-stats", inside=depth + 1))
        for k in range(depth):
            steps.append(st(depth + 3 + k, "T1", "}", isolate=None, closes=depth + 1 - k,
                            inside=(depth - k) if k < depth - 1 else None))
        view = lanes.lanes_view(plain_report(steps=steps))
        calls = sorted(view["calls"], key=lambda c: c["opener"])
        self.assertEqual(depth, len(calls))
        for outer, inner in zip(calls, calls[1:]):
            self.assertTrue(outer["y"] <= inner["y"] and inner["y"] + inner["h"] <= outer["y"] + outer["h"])
            self.assertTrue(outer["span_x"] < inner["span_x"] and
                            inner["span_x"] + inner["span_w"] < outer["span_x"] + outer["span_w"])
        nested, _ = expected_nesting(steps)
        for m in view["marks"]:
            for c in calls:
                if m["index"] in nested and c["span_x"] <= m["x"] <= c["span_x"] + c["span_w"]:
                    self.assertTrue(c["y"] <= m["y"] - m["r"] and m["y"] + m["r"] <= c["y"] + c["h"], (m, c))

    def test_a_first_edition_report_draws_no_block(self):
        view = lanes.lanes_view(plain_report())
        self.assertEqual(([], [], [], [], lanes.TOP), (view["calls"], view["regions"], view["outlines"], view["syncs"],
                                                      view["top"]))


class Svg(HTMLParser):
    """The swimlane elements of a page: per <svg class="lanes">, its call bars (with their
    ghosts), regions and step marks with their attributes and geometry."""

    def __init__(self):
        super().__init__()
        self.svgs, self.groups = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "svg" and "lanes" in cls:
            self.svgs.append({"calls": {}, "regions": {}, "marks": {}})
            return
        if not self.svgs:
            return
        svg = self.svgs[-1]
        if tag == "g":
            self.groups.append(a)
            if "call" in cls:
                svg["calls"][int(a["data-opener"])] = {"state": cls[2], "attrs": a}
            return
        g = self.groups[-1] if self.groups else {}
        gcls = (g.get("class") or "").split()
        num = lambda k: float(a[k])  # noqa: E731
        if tag == "rect" and "call" in gcls:
            call = svg["calls"][int(g["data-opener"])]
            call[cls[0]] = (num("x"), num("y"), num("width"), num("height"))
        elif tag == "rect" and "block-region" in gcls:
            svg["regions"][int(g["data-opener"])] = (num("x"), num("y"), num("width"), num("height"))
        elif "step" in cls and "data-index" in a:
            if tag == "circle":
                x, y, r = num("cx"), num("cy"), num("r")
            else:  # a path: a sync op's diamond, a }'s return arrow (absolute points only)
                pts = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", a["d"])]
                xs, ys = pts[0::2], pts[1::2]
                x, y, r = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, max(max(xs) - min(xs), max(ys) - min(ys)) / 2
            svg["marks"][int(a["data-index"])] = {"x": x, "y": y, "r": r, "cls": cls, "attrs": a}

    def handle_endtag(self, tag):
        if tag == "g" and self.groups:
            self.groups.pop()


def parse(html: str) -> list[dict]:
    p = Svg()
    p.feed(html)
    return p.svgs


def check_svg_nesting(test: unittest.TestCase, svg: dict, steps: list[dict]) -> tuple[int, int]:
    """Every step the report puts inside a block of its own thread is drawn, marked nested,
    inside the opener's call bar (its ghost too, for a block that never ran); every step of
    another thread in a block is marked in-block and lies in the block's region. Returns
    (nested, in-block) counts."""
    nested, other = expected_nesting(steps)
    drawn_nested = {i for i, m in svg["marks"].items() if "nested" in m["cls"]}
    test.assertEqual(set(nested), drawn_nested)
    for i, opener in nested.items():
        m, c = svg["marks"][i], svg["calls"][opener]
        test.assertEqual(str(opener), m["attrs"].get("data-nested-in"), i)
        x, y, w, h = c["callbar"]
        if "callbar-ghost" in c:
            w = c["callbar-ghost"][0] + c["callbar-ghost"][2] - x
        test.assertTrue(x <= m["x"] - m["r"] and m["x"] + m["r"] <= x + w, f"step {i} is outside the bar of {opener}")
        test.assertTrue(y <= m["y"] - m["r"] and m["y"] + m["r"] <= y + h, f"step {i} is outside the bar of {opener}")
    drawn_other = {i for i, m in svg["marks"].items() if "in-block" in m["cls"]}
    test.assertEqual(set(other), drawn_other)
    for i, opener in other.items():
        m = svg["marks"][i]
        x, y, w, h = svg["regions"][opener]
        test.assertEqual(str(opener), m["attrs"].get("data-block"))
        test.assertTrue(x <= m["x"] <= x + w and y <= m["y"] <= y + h, f"step {i} is outside the region of {opener}")
    return len(nested), len(other)


class Page(unittest.TestCase):
    def page(self, reports) -> str:
        with tempfile.TemporaryDirectory() as d:
            render.render_scenario(reports, Path(d) / "p.html")
            return (Path(d) / "p.html").read_text()

    def test_the_svg_draws_the_blocks_nested(self):
        html = self.page(block_report())
        svgs = parse(html)
        self.assertEqual(1, len(svgs))
        self.assertEqual({4: "returned", 7: "returned", 11: "returned", 17: "not-reached"},
                         {k: c["state"] for k, c in svgs[0]["calls"].items()})
        self.assertEqual((8, 5), check_svg_nesting(self, svgs[0], block_steps()))
        self.assertIn("callbar-ghost", svgs[0]["calls"][17])

    def test_the_check_fails_when_nesting_breaks(self):
        # a bar that stops at its opener, as before blocks were drawn, must fail the check
        html = self.page(block_report())
        broken = re.sub(r'(<g class="call run returned" data-opener="4"[^>]*>\s*<rect class="callbar" x="[\d.]+" '
                        r'y="[\d.]+" width=")[\d.]+"', r'\g<1>26"', html)
        self.assertNotEqual(html, broken)
        with self.assertRaises(AssertionError):
            check_svg_nesting(self, parse(broken)[0], block_steps())
        unmarked = html.replace(' data-nested-in="4"', "")
        with self.assertRaises(AssertionError):
            check_svg_nesting(self, parse(unmarked)[0], block_steps())

    def test_labels_returns_and_reasons_are_on_the_page(self):
        html = self.page(block_report())
        heads = dict(re.findall(r'<th class="step-head[^"]*" data-index="(\d+)"[^>]*>.*?<span class="op">([^<]*)</span>',
                                html, re.S))
        for i, text in {"3": "global H of A", "4": "run A {", "8": "call A heap-stats", "9": "↩ host() returns",
                        "10": "send CH", "15": "recv CH", "16": "weak H", "18": "open H", "20": "↩ weak callback returns",
                        "21": "reset H", "19": "call A is-terminating"}.items():
            self.assertEqual(text, heads[i], i)
        self.assertRegex(html, r'<th class="step-head in-block" data-index="12" data-depth="2" data-block="11" '
                               r'style="padding-left: 38px">')
        # the reason a block never ran: on the opener, on each step it held, in the blocks list, in the mismatch
        self.assertIn(f'<div class="block-why">block not reached: {GC_WHY}</div>', html)
        self.assertEqual(3, html.count(f'<div class="not-reached-why">its block never ran: {GC_WHY}</div>'))
        self.assertRegex(html, r'(?s)<li class="block not-reached" data-opener="17">.*?<b>block not reached</b>: '
                               rf'<span class="why">{re.escape(GC_WHY)}</span>')
        self.assertIn(f"<b>block not reached</b>: the block of step 17 (T1: gc A): never reached: {GC_WHY}", html)
        self.assertRegex(html, rf"<title>19 T2: call A is-terminating \(line 20\) — not reached: its block never ran: "
                               rf"{re.escape(GC_WHY)}</title>")
        self.assertRegex(html, r'(?s)<li class="block returned" data-opener="4">.*?its callback ran \(steps 5–13\), '
                               r'host\(\) returns at step 14')
        self.assertIn("<title>line 5: T1: run A { … } — the callback ran inside it, then ↩ host() returns at step 14</title>",
                      html)

    def test_a_version_whose_block_did_not_run_differs(self):
        ran = block_report(runtime={"name": "10.2", "origin": "o", "node": None})
        no = block_report(runtime={"name": "12.4", "origin": "o", "node": None})
        no["steps"][3].update(block_not_reached=HOST_WHY)
        for s in no["steps"][4:13]:
            s.update(reached=False)
        html = self.page([ran, no])
        rows = re.findall(r'<tr class="step( differs)?">', html)
        self.assertEqual(" differs", rows[3])  # the opener: its block ran on one version only
        self.assertIn(f"its block never ran: {HOST_WHY}", html)
        self.assertEqual(2, html.count("<figure class=\"replay\""))


@unittest.skipUnless(CLI.exists(), f"needs {CLI} (build the {BUILD} preset)")
class RealReplays(unittest.TestCase):
    """isoreplay's own JSON of second-edition scenarios, every runtime, rendered and checked."""

    UNLOCKER = '''title "An Unlocker inside a host callback lets T2 in"
T1: new A
T1: lock A
T1: enter A
T1: run A "host(); 'done'" => "done" {
  T1: unlocker A
  T2: lock A
  T2: enter A
  T2: run A "6 * 7" => "42"
  T2: exit A
  T2: unlock A
  T1: relock A
}
T1: exit A
T1: unlock A
T1: dispose A
'''
    NEVER = '''title "A block never reached"
T1: new A
T1: enter A
T1: global H of A
T1: open H
T1: run A "'no host call'" {
  T1: call A heap-stats
  T2: send CH
}
T1: reset H
T1: exit A
T1: dispose A
'''

    def replay(self, text: str) -> list[dict]:
        with tempfile.TemporaryDirectory() as d:
            scn = Path(d) / "s.scn"
            scn.write_text(text)
            done = subprocess.run([str(CLI), "run", "--quiet", "--json", "-", str(scn)], capture_output=True, timeout=300)
            self.assertIn(done.returncode, (0, 1), done.stderr)
            return json.loads(done.stdout)["scenarios"]

    def test_an_unlocker_inside_a_host_callback(self):
        entries = self.replay(self.UNLOCKER)
        self.assertTrue(all(e["outcome"] == "passed" for e in entries), [e["outcome"] for e in entries])
        html = render.scenario_html(entries, "v.md")
        svgs = parse(html)
        self.assertGreaterEqual(len(svgs), 1)
        for svg in svgs:
            self.assertEqual({4: "returned"}, {k: c["state"] for k, c in svg["calls"].items()})
            self.assertEqual((3, 5), check_svg_nesting(self, svg, entries[0]["steps"]))  # unlocker, relock, }; T2's five
        self.assertIn('<span class="op">↩ host() returns</span>', html)
        self.assertIn("its callback ran (steps 5–11), host() returns at step 12", html)

    def test_a_block_never_reached(self):
        entries = self.replay(self.NEVER)
        for e in entries:
            self.assertEqual((["not-reached"], "failed"), ([m["kind"] for m in e["mismatches"]], e["outcome"]))
        html = render.scenario_html(entries, "v.md")
        for svg in parse(html):
            self.assertEqual({5: "not-reached"}, {k: c["state"] for k, c in svg["calls"].items()})
            check_svg_nesting(self, svg, entries[0]["steps"])
        for text in ("global H of A", "open H", "call A heap-stats", "send CH", "reset H", "↩ host() returns"):
            self.assertIn(f'<span class="op">{text}</span>', html)
        self.assertIn(f'<b>block not reached</b>: <span class="why">{HOST_WHY}</span>', html)
        self.assertIn(f"its block never ran: {HOST_WHY}", html)


if __name__ == "__main__":
    unittest.main()
