"""isoreplay --trace writes the Chrome Trace Event format that Perfetto and
chrome://tracing load: checked against the format's rules on real replays."""
import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
BUILD = os.environ.get("ISOREPLAY_BUILD", "default")
CLI = PROJECT / "build" / BUILD / "bin" / "isoreplay"
PHASES = {"X", "B", "E", "i", "I", "M", "b", "e", "n", "s", "t", "f", "C"}


def check_trace(doc):
    """Returns a list of violations of the Trace Event format (empty when valid)."""
    errors = []
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["the top level must be an object with a traceEvents array"]
    if doc.get("displayTimeUnit") not in (None, "ms", "ns"):
        errors.append("displayTimeUnit must be ms or ns")
    slices, asyncs, flows, named = {}, {}, {}, set()
    for k, e in enumerate(doc["traceEvents"]):
        where = f"event {k} ({e.get('ph')} {e.get('name')})"
        if e.get("ph") not in PHASES:
            errors.append(f"{where}: unknown phase")
            continue
        if not isinstance(e.get("name"), str):
            errors.append(f"{where}: name must be a string")
        if not isinstance(e.get("pid"), int) or not isinstance(e.get("tid"), int):
            errors.append(f"{where}: pid and tid must be integers")
        if e["ph"] == "M":
            if e["name"] not in ("process_name", "thread_name", "process_sort_index", "thread_sort_index", "process_labels"):
                errors.append(f"{where}: unknown metadata")
            if e["name"] == "thread_name":
                named.add((e["pid"], e["tid"]))
            if not isinstance(e.get("args", {}).get("name", ""), str):
                errors.append(f"{where}: metadata args.name must be a string")
            continue
        ts = e.get("ts")
        if not isinstance(ts, (int, float)) or ts < 0:
            errors.append(f"{where}: ts must be a number >= 0")
            continue
        if e["ph"] == "X":
            if not isinstance(e.get("dur"), (int, float)) or e["dur"] < 0:
                errors.append(f"{where}: a complete event needs dur >= 0")
            slices.setdefault((e["pid"], e["tid"]), []).append((ts, ts + e.get("dur", 0), where))
        elif e["ph"] in ("i", "I") and e.get("s", "t") not in ("g", "p", "t"):
            errors.append(f"{where}: instant scope must be g, p or t")
        elif e["ph"] in ("b", "e"):
            if "id" not in e or not e.get("cat"):
                errors.append(f"{where}: async events need cat and id")
            asyncs.setdefault((e.get("cat"), e.get("id"), e["name"]), []).append((e["ph"], ts))
        elif e["ph"] in ("s", "f"):
            if "id" not in e:
                errors.append(f"{where}: flow events need an id")
            if e["ph"] == "f" and e.get("bp") not in (None, "e"):
                errors.append(f"{where}: flow end binding must be e")
            flows.setdefault(e.get("id"), []).append((e["ph"], ts, e["pid"], e["tid"]))
    for key, evs in slices.items():  # complete events on one thread nest or follow
        evs.sort(key=lambda t: (t[0], -t[1]))
        stack = []
        for start, end, where in evs:
            while stack and stack[-1][1] <= start:
                stack.pop()
            if stack and end > stack[-1][1] + 1e-6:
                errors.append(f"{where}: overlaps {stack[-1][2]} on tid {key[1]} without nesting")
            stack.append((start, end, where))
        if key not in named:
            errors.append(f"tid {key[1]} has slices but no thread_name")
    for key, evs in asyncs.items():
        begins = [t for ph, t in evs if ph == "b"]
        ends = [t for ph, t in evs if ph == "e"]
        if len(begins) != len(ends) or (begins and min(ends) < min(begins)):
            errors.append(f"async {key}: begins and ends do not pair")
    for fid, evs in flows.items():
        phs = [ph for ph, *_ in evs]
        if phs.count("s") != 1 or phs.count("f") != 1:
            errors.append(f"flow {fid}: needs one s and one f")
            continue
        s = next(e for e in evs if e[0] == "s")
        f = next(e for e in evs if e[0] == "f")
        if f[1] < s[1]:
            errors.append(f"flow {fid}: ends before it starts")
        for ph, t, pid, tid in evs:  # a flow binds to a slice enclosing it on its thread
            if not any(a - 1e-6 <= t <= b + 1e-6 for a, b, _ in slices.get((pid, tid), [])):
                errors.append(f"flow {fid} {ph}: no slice encloses ts {t} on tid {tid}")
    return errors


@unittest.skipUnless(CLI.exists(), f"needs {CLI} (build the {BUILD} preset)")
class TraceFormat(unittest.TestCase):
    def trace(self, rel):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "trace.json"
            subprocess.run([str(CLI), "run", "--quiet", "--trace", str(out), rel], cwd=PROJECT,
                           capture_output=True, timeout=120)
            return json.loads(out.read_text())

    def test_the_validator_rejects_broken_traces(self):
        self.assertTrue(check_trace({"traceEvents": [{"ph": "X", "name": "a", "pid": 1, "tid": 1, "ts": 0}]}))
        bad_nesting = {"traceEvents": [
            {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "t"}},
            {"ph": "X", "name": "a", "pid": 1, "tid": 1, "ts": 0, "dur": 10},
            {"ph": "X", "name": "b", "pid": 1, "tid": 1, "ts": 5, "dur": 10}]}
        self.assertTrue(any("without nesting" in e for e in check_trace(bad_nesting)))
        self.assertTrue(check_trace({"traceEvents": [{"ph": "s", "name": "x", "pid": 1, "tid": 1, "ts": 1, "id": 1}]}))

    def test_violating_multi_thread_replays_give_valid_traces(self):
        for rel in ("scenarios/bug-reports/rusty-v8-1628-pool-thread-drop.scn",
                    "scenarios/correct/three-thread-locker-handoff.scn",
                    "scenarios/correct/watchdog-terminates-under-locker.scn",
                    "scenarios/drop-order/exit-order-nested.scn",
                    "scenarios/drop-order/dispose-while-entered.scn",
                    "scenarios/cross-thread/lockers-in-a-cycle.scn"):
            with self.subTest(rel=rel):
                doc = self.trace(rel)
                self.assertEqual([], check_trace(doc))

    def test_tracks_slices_spans_violations_and_flows_are_there(self):
        doc = self.trace("scenarios/correct/three-thread-locker-handoff.scn")
        ev = doc["traceEvents"]
        names = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
        self.assertEqual({"main", "T0", "T1", "T2"}, names)
        self.assertEqual(25, sum(1 for e in ev if e["ph"] == "X" and e["pid"] == 1))  # a slice per step (22 and 3 joins)
        versions = json.loads(subprocess.run([str(CLI), "versions", "--json"], capture_output=True, text=True).stdout)
        procs = [e for e in ev if e["ph"] == "M" and e["name"] == "process_name"]
        self.assertEqual(len(versions), len(procs))  # a process per runtime replayed
        for p, rt in zip(procs, versions):
            self.assertIn(rt["v8_version"], p["args"]["name"])
            self.assertEqual(25, sum(1 for e in ev if e["ph"] == "X" and e["pid"] == p["pid"]))
        self.assertTrue(any(e["ph"] == "b" and e["cat"] == "locked" for e in ev))
        self.assertTrue(any(e["ph"] == "b" and e["cat"] == "entered" for e in ev))
        flows = [e for e in ev if e["ph"] == "s" and e["cat"] == "handoff"]
        self.assertGreaterEqual(len([f for f in flows if f["name"] == "locker A"]), 3)  # main->T0->T1->T2->main
        bad = self.trace("scenarios/drop-order/exit-order-nested.scn")["traceEvents"]
        self.assertEqual({"exit-order", "tls-divergence"}, {e["name"] for e in bad if e["ph"] == "i"})


if __name__ == "__main__":
    unittest.main()
