"""The swimlane geometry of one replay: a lane per thread, a column per step, spans as
bars (one colour per isolate, the same in every lane), markers for violations.

Callback blocks (`run ... {` / `gc X {` ... `}`, second edition) are drawn nested:
- on the opener's lane, a *call bar* spans from the opener's column to the end of its `}`
  column (the run or gc is on the stack all that time); the block's steps of that thread
  run inside the callback and are drawn inside it, on an inset *band*, with smaller marks
  (`nested`); a block inside a block of the same thread is inset further;
- across every lane, a shaded *region* spans the block's columns (its first held step to
  its `}`), under a bracket in the header labelled with the opener's line; a lane other
  than the opener's gets a dashed outline around its steps in the block (`in-block`);
- a block that never ran (`block_not_reached`) keeps the bar on the opener's own column
  and draws the rest as a dashed ghost; its region is hatched and says why; its steps are
  unreached marks carrying the reason.

The embedder's synchronisation ops (spawn/join, send/recv, acquire/release) are diamond
marks; an arrow goes from a `send` to the `recv` that consumed it (first in, first out
per channel), from a `spawn U` to U's first step, and from U's last step to `join U`."""
from __future__ import annotations

import stepinfo as steplib

COL, LANE, TOP, LEFT = 30, 64, 28, 110
HEAD = 16  # a header row per level of block nesting (the blocks' brackets and labels)
MARK_Y = 36  # a step's mark, from the top of its lane
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
           "#e15759", "#bab0ac", "#17becf"]


def _arrow(x1: float, y1: float, x2: float, y2: float, size: float = 5.0) -> str:
    """An arrowhead at (x2, y2) pointing along (x1, y1) -> (x2, y2), as a path."""
    dx, dy = x2 - x1, y2 - y1
    n = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / n, dy / n
    bx, by = x2 - ux * size, y2 - uy * size
    px, py = -uy * size * 0.6, ux * size * 0.6
    return f"M {x2:.1f} {y2:.1f} L {bx + px:.1f} {by + py:.1f} L {bx - px:.1f} {by - py:.1f} Z"


def bar_height(lane_depth: int) -> int:
    """The height of a call bar inside lane_depth others of its own lane: each is inset
    into the one around it."""
    return max(18 - 4 * lane_depth, 6)


def mark_radius(inside: int, opens: bool) -> int:
    """A step's mark fits the innermost call bar around it on its lane: inside `inside`
    blocks of its own thread (smaller than outside any), or the opener's own bar."""
    bars = inside + (1 if opens else 0)
    if bars == 0:
        return 6
    return min(4 if inside else 6, bar_height(bars - 1) // 2 - 1)


def lanes_view(report: dict) -> dict:
    steps = report.get("steps", [])
    by_index = {s["index"]: s for s in steps}
    threads: list[str] = []
    for s in steps:
        if s["thread"] not in threads:
            threads.append(s["thread"])
    isolates: list[str] = []
    for s in steps:
        iso = s.get("isolate")
        if iso and iso not in isolates and s["op"] != "check current":
            isolates.append(iso)
    colour = {iso: PALETTE[i % len(PALETTE)] for i, iso in enumerate(isolates)}
    lane_of = {t: i for i, t in enumerate(threads)}
    blocks = steplib.blocks(steps)
    levels = max((b["depth"] for b in blocks), default=-1) + 1
    top = TOP + HEAD * levels

    def x(step: int) -> int:
        return LEFT + (step - 1) * COL

    def y(thread: str) -> int:
        return top + lane_of[thread] * LANE

    bottom = top + len(threads) * LANE

    bars, depth_used = [], {}
    for sp in report.get("spans", []):
        if sp["thread"] not in lane_of:
            continue
        kind = sp["kind"]
        if kind == "entered":
            # stack concurrent entries of one lane in rows, by when they opened
            rows = depth_used.setdefault(sp["thread"], [])
            row = next((i for i, end in enumerate(rows) if end < sp["from"]), len(rows))
            if row == len(rows):
                rows.append(0)
            rows[row] = sp["to"]
            yy = y(sp["thread"]) + 20 + min(row, 3) * 8
            h = 7
        elif kind == "locked":
            yy, h = y(sp["thread"]) + 52, 6
        elif kind == "background":
            yy, h = y(sp["thread"]) + 44, 5
        else:  # task
            yy, h = y(sp["thread"]) + 4, 10
        bars.append({"kind": kind, "x": x(sp["from"]) + 4, "y": yy, "w": max((sp["to"] - sp["from"]) * COL + COL - 8, 8),
                     "h": h, "colour": colour.get(sp["name"], "#999"), "name": sp["name"], "thread": sp["thread"],
                     "from": sp["from"], "to": sp["to"], "open": sp["open"]})

    # callback blocks: a call bar (and its inset band) on the opener's lane, a region across
    # the lanes under a bracket in the header, a dashed outline on each other lane
    calls, regions, outlines = [], [], []
    for b in blocks:
        op = b["opener"]
        t = op["thread"]
        if t not in lane_of:
            continue
        same_lane = sum(1 for a in steplib.ancestors(op, by_index) if a["thread"] == t)
        bh = bar_height(same_lane)
        by = y(t) + MARK_Y - bh // 2  # centred on the lane's marks, whatever its depth
        end = x(b["last"]) + COL
        state = ("not-reached" if b["not_reached"] else "unreached" if not b["reached"]
                 else "returned" if b["returned"] else "unfinished")
        whole = {"x": x(b["first"]) + 2, "w": end - 2 - (x(b["first"]) + 2)}
        bar = {"x": whole["x"], "w": COL - 4} if b["not_reached"] else whole
        band_x0 = x(b["first"]) + COL + 1
        band_x1 = (x(b["closer"]["index"]) - 1) if b["closer"] else end - 1
        first_col = x(b["first"]) + COL
        hy = 12 + HEAD * b["depth"]
        caption = f"line {op['line']} · {b['label']} … }}"
        why = b["not_reached"]
        calls.append({
            "opener": op["index"], "closer": b["closer"]["index"] if b["closer"] else None, "line": op["line"],
            "thread": t, "kind": b["kind"], "state": state, "why": why, "label": b["label"], "returns": b["returns"],
            "colour": colour.get(op.get("isolate") or "", "#555"), "depth": b["depth"], "lane_depth": same_lane,
            "x": bar["x"], "w": bar["w"], "y": by, "h": bh,
            "span_x": whole["x"], "span_w": whole["w"],  # what the call covers, returned or not
            "ghost": {"x": bar["x"] + bar["w"], "w": whole["x"] + whole["w"] - bar["x"] - bar["w"]}
            if b["not_reached"] and whole["w"] > bar["w"] else None,
            "band": {"x": band_x0, "w": band_x1 - band_x0, "y": by + 3, "h": max(bh - 6, 4)}
            if band_x1 - band_x0 >= 4 else None,
        })
        if end > first_col:
            regions.append({"opener": op["index"], "line": op["line"], "x": first_col, "w": end - first_col,
                            "y": hy + 6, "h": bottom - hy - 8, "hy": hy, "depth": b["depth"], "state": state,
                            "why": why, "caption": caption, "label": b["label"], "thread": t})
        for other in threads:
            if other == t:
                continue
            mine = [s["index"] for s in b["held"] if s["thread"] == other]
            if mine:
                outlines.append({"opener": op["index"], "line": op["line"], "thread": other, "label": b["label"],
                                 "x": x(min(mine)) + 3, "w": (max(mine) - min(mine)) * COL + COL - 6,
                                 "y": y(other) + 23 + 2 * min(b["depth"], 4), "h": 26 - 4 * min(b["depth"], 4),
                                 "state": state})

    marks, diverge, viols = [], [], []
    for s in steps:
        chain = steplib.ancestors(s, by_index)
        if s["op"] == steplib.CLOSE and steplib.closes(s) in by_index:
            chain = [by_index[steplib.closes(s)], *chain]
        same = [a for a in chain if a["thread"] == s["thread"]]
        nested_in = same[0]["index"] if same else None
        why = steplib.not_reached_why(s, by_index) if not s.get("reached") else None
        shape = "return" if s["op"] == steplib.CLOSE else "sync" if s["op"] in steplib.SYNC else "circle"
        cx, cy = x(s["index"]) + COL // 2, y(s["thread"]) + MARK_Y
        who = f"{s['thread']}{'/' + s['task'] if s.get('task') else ''}"
        marks.append({"x": cx, "y": cy, "r": mark_radius(len(same), steplib.opens(s)), "index": s["index"], "line": s["line"],
                      "reached": s["reached"], "shape": shape, "thread": s["thread"], "why": why,
                      "block": chain[0]["index"] if chain else None, "nested_in": nested_in,
                      "label": f"{s['index']} {who}: {steplib.label(s, by_index)}",
                      "colour": colour.get(s.get("isolate") or "", "#555")})
        real, ideal = s.get("real_current"), s.get("ideal_current")
        if real is not None and ideal is not None and real != ideal:
            diverge.append({"x": x(s["index"]), "y": y(s["thread"]), "real": real, "ideal": ideal})
    stacked: dict[tuple[int, str], int] = {}
    for v in report.get("violations", []):
        step = v.get("step")
        thread = v.get("thread") if v.get("thread") in lane_of else (threads[0] if threads else None)
        if thread is None:
            continue
        col = step if step else len(steps) + 1
        k = stacked.get((col, thread), 0)  # several violations on one step sit side by side
        stacked[(col, thread)] = k + 1
        viols.append({"x": x(col) + COL // 2 - 5 + k * 11, "y": y(thread) + 14, "code": v["code"],
                      "severity": v["severity"], "message": v["message"], "fix": v["fix"], "step": step})
    arrows = []
    for h in report.get("handoffs", []):
        a, b = steps[h["from"] - 1], steps[h["to"] - 1]
        arrows.append({"x1": x(h["from"]) + COL // 2, "y1": y(a["thread"]) + MARK_Y, "x2": x(h["to"]) + COL // 2,
                       "y2": y(b["thread"]) + MARK_Y, "what": h["what"], "isolate": h["isolate"]})
    syncs = []

    def link(a: dict, b: dict, what: str, title: str) -> None:
        x1, y1 = x(a["index"]) + COL // 2, y(a["thread"]) + MARK_Y
        x2, y2 = x(b["index"]) + COL // 2, y(b["thread"]) + MARK_Y
        if (x1, y1) == (x2, y2):
            return
        n = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        ex, ey = x2 - (x2 - x1) / n * 7, y2 - (y2 - y1) / n * 7  # stop at the mark's edge
        syncs.append({"what": what, "from": a["index"], "to": b["index"], "title": title, "x1": x1, "y1": y1,
                      "x2": round(ex, 1), "y2": round(ey, 1), "head": _arrow(x1, y1, ex, ey),
                      "reached": bool(a.get("reached") and b.get("reached"))})

    queues: dict[str, list[dict]] = {}
    for s in steps:  # the file order is the replay's order: a recv takes the oldest send not taken
        if s["op"] == "send":
            queues.setdefault(s.get("sync") or "", []).append(s)
        elif s["op"] == "recv" and queues.get(s.get("sync") or ""):
            sent = queues[s.get("sync") or ""].pop(0)
            link(sent, s, "message", f"message on {s.get('sync') or ''}: step {sent['index']} → step {s['index']}")
        elif s["op"] == "spawn":
            first = next((o for o in steps if o["index"] > s["index"] and o["thread"] == s.get("sync")), None)
            if first:
                link(s, first, "spawn", f"spawn {s.get('sync') or ''}: its first step is {first['index']}")
        elif s["op"] == "join":
            last = next((o for o in reversed(steps) if o["index"] < s["index"] and o["thread"] == s.get("sync")), None)
            if last:
                link(last, s, "join", f"join {s.get('sync') or ''}: after its step {last['index']}")
    width = LEFT + (len(steps) + 1) * COL + 20
    height = bottom + 10
    every = 1 if len(steps) <= 40 else 5 if len(steps) <= 200 else 25
    ticks = [{"x": x(s["index"]) + COL // 2, "label": s["index"]} for s in steps if s["index"] == 1 or s["index"] % every == 0]
    return {"threads": [{"name": t, "y": y(t)} for t in threads], "ticks": ticks, "bars": bars, "marks": marks,
            "diverge": diverge, "violations": viols, "arrows": arrows, "width": width, "height": height,
            "col": COL, "lane": LANE, "left": LEFT, "top": top, "mark_y": MARK_Y,
            "calls": calls, "regions": regions, "outlines": outlines, "syncs": syncs,
            "has_sync": any(s["op"] in steplib.SYNC for s in steps),
            "legend": [{"isolate": i, "colour": colour[i]} for i in isolates]}
