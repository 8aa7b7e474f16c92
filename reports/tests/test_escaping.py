"""Untrusted text (titles, sources, scripts, V8 and sanitizer output) is escaped in the
HTML reports: the payloads appear only as text."""
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import render  # noqa: E402

PAYLOADS = ['<script>document.body.dataset.pwned = "1"</script>',
            '"><img src=x onerror="document.body.dataset.pwned=1">']


def report():
    p0, p1 = PAYLOADS
    return {
        "file": f"x/{p1}.scn", "title": p0 + p1, "sources": [p1], "tags": [p0], "model": "v8",
        "v8_version": p0, "runtime": {"name": p1, "origin": p0, "node": p1}, "flavor": "default", "mode": "real", "outcome": "failed", "expectations_met": False,
        "internal_error": p1, "build": {"flavor": "default", "flags": p0, "sanitizer_defaults": p1},
        "ending": {"kind": "v8-fatal", "signal": "TRAP", "fatal": p0, "deadlock": None, "where": [p1],
                   "peak_rss_bytes": 1 << 20, "memory_limit_bytes": 1 << 30, "expected": "fatal", "expected_text": p1},
        "steps": [{"index": 1, "line": 2, "thread": p1, "task": None, "op": "run", "isolate": "A", "context": None,
                   "js": p0, "background": False, "reached": True, "start_us": 0, "end_us": 5, "status": "ok",
                   "executed": True, "real_current": p0, "ideal_current": "A",
                   "result": {"outcome": "value", "text": p1}, "note": p0,
                   "expected_violations": [], "violations": ["not-entered"]}],
        "violations": [{"code": "not-entered", "severity": "error", "step": 1, "line": 2, "thread": p1, "task": None,
                        "isolate": "A", "message": p0 + p1, "fix": "f"}],
        "mismatches": [{"kind": "violations", "step": 1, "line": 2, "what": p0, "expected": p1, "got": p0,
                        "expected_codes": [p0], "got_codes": [p1]}],
        "sanitizer": [{"tool": "ThreadSanitizer", "kind": p0, "summary": p1, "frames": [p0], "step": 1, "line": 2,
                       "isolate": "A", "report": p0}],
        "spans": [{"kind": "entered", "thread": p1, "name": "A", "from": 1, "to": 1, "open": True}],
        "handoffs": [], "expected_at_end": [], "stderr": p0, "source": f'title "{p0}"\n{p1}: run A "{p0}"\n',
    }


class Escaping(unittest.TestCase):
    def test_payloads_appear_only_escaped(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "r.html"
            render.render_scenario(report(), out)
            html = out.read_text()
            for p in PAYLOADS:
                self.assertNotIn(p, html)
            self.assertNotIn("<img", html)
            self.assertEqual(1, html.count("<script>"))  # ours, from report.js
            self.assertIn("&lt;script&gt;document.body.dataset.pwned", html)
            self.assertIn("&#34;&gt;&lt;img src=x onerror=", html)

    def test_payloads_in_handle_sync_context_and_block_fields_appear_only_escaped(self):
        p0, p1 = PAYLOADS
        base = report()
        step = base["steps"][0]

        def st(index, op, **kw):
            return {**step, "index": index, "line": index + 1, "op": op, "violations": [], "handle": None, "sync": None,
                    "context_of": None, "block": None, "block_not_reached": None, **kw}
        base["steps"] = [
            st(1, "global", handle=p0, context=p1),
            st(2, "open", handle=p1),
            st(3, "run", context=p0, context_of=p1, block={"opens_until": 6, "closes": None, "inside": None},
               block_not_reached=p0 + p1),
            st(4, "send", thread=p0, sync=p1, reached=False, block={"opens_until": None, "closes": None, "inside": 3}),
            st(5, "acquire", sync=p0, reached=False, block={"opens_until": None, "closes": None, "inside": 3}),
            st(6, "}", isolate=None, reached=False, block={"opens_until": None, "closes": 3, "inside": None}),
            st(7, "recv", thread=p0, sync=p1),
            st(8, "spawn", sync=p0),
            st(9, "heap-stats", isolate=p1),
        ]
        base["mismatches"].append({"kind": "not-reached", "step": 3, "line": 4, "what": p0, "expected": "reached",
                                   "got": p1, "expected_codes": None, "got_codes": None})
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "r.html"
            render.render_scenario(base, out)
            html = out.read_text()
        for p in PAYLOADS:
            self.assertNotIn(p, html)
        self.assertNotIn("<img", html)
        self.assertEqual(1, html.count("<script>"))
        self.assertIn('<span class="op">global &lt;script&gt;document.body.dataset.pwned', html)  # the handle
        self.assertIn('<span class="op">send &#34;&gt;&lt;img src=x onerror=', html)  # the channel
        self.assertIn("block not reached: &lt;script&gt;document.body.dataset.pwned", html)  # the reason
        self.assertIn('data-thread="&lt;script&gt;document.body.dataset.pwned', html)  # a thread in an attribute
        self.assertIn("<title>message on &#34;&gt;&lt;img src=x onerror=", html)  # the send -> recv arrow

    def test_payloads_in_a_suite_page_appear_only_escaped(self):
        p0, p1 = PAYLOADS
        run = {"scenario": f"x/{p1}.scn", "family": "x", "name": p0, "title": p0, "tags": [p1], "build": "default",
               "repeat": 0, "failed": True, "seconds": 0.1, "sanitizer_logs": []}
        results = {"builds": ["default", "asan"], "versions": [p1, p0], "started": p1, "wall_s": 0.1,
                   "runtimes": {"default": [{"name": p1, "v8_version": p0, "origin": p1}]},
                   "summary": {"runs": 3, "passed": 0, "failed": 3, "skipped": 0, "unsupported": 1,
                               "by_category": {p0: 1, p1: 1}},
                   "runs": [{**run, "v8": p1, "result": p0, "reason": p1, "report": report()},
                            {**run, "v8": p1, "build": "asan", "result": "unresolved", "reason": p0, "exit_status": 2,
                             "output": p1, "report": None},
                            {**run, "v8": p0, "build": "asan", "result": "unsupported", "reason": p0 + p1,
                             "report": None}]}
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "suite.html"
            render.render_suite(results, out)
            html = out.read_text()
            for p in PAYLOADS:
                self.assertNotIn(p, html)
            self.assertNotIn("<img", html)
            self.assertEqual(1, html.count("<script>"))
            self.assertIn("&lt;script&gt;document.body.dataset.pwned", html)
            self.assertIn('<div class="why">&lt;script&gt;document.body.dataset.pwned', html)  # the unsupported cell
            self.assertIn('data-v8="&#34;&gt;&lt;img src=x onerror=', html)  # a version name in an attribute


if __name__ == "__main__":
    unittest.main()
