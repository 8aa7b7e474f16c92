"""The swimlane geometry of one replay: a lane per thread, a column per step, spans as
bars (one colour per isolate, the same in every lane), markers for violations."""
from __future__ import annotations

COL, LANE, TOP, LEFT = 30, 64, 28, 110
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
           "#e15759", "#bab0ac", "#17becf"]


def lanes_view(report: dict) -> dict:
    steps = report.get("steps", [])
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

    def x(step: int) -> int:
        return LEFT + (step - 1) * COL

    def y(thread: str) -> int:
        return TOP + lane_of[thread] * LANE

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
    marks, diverge, viols = [], [], []
    for s in steps:
        cx, cy = x(s["index"]) + COL // 2, y(s["thread"]) + 36
        marks.append({"x": cx, "y": cy, "index": s["index"], "line": s["line"], "reached": s["reached"],
                      "label": f"{s['index']} {s['thread']}{'/' + s['task'] if s.get('task') else ''}: {s['op']} {s.get('isolate') or ''}".strip(),
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
        arrows.append({"x1": x(h["from"]) + COL // 2, "y1": y(a["thread"]) + 36, "x2": x(h["to"]) + COL // 2,
                       "y2": y(b["thread"]) + 36, "what": h["what"], "isolate": h["isolate"]})
    width = LEFT + (len(steps) + 1) * COL + 20
    height = TOP + len(threads) * LANE + 10
    every = 1 if len(steps) <= 40 else 5 if len(steps) <= 200 else 25
    ticks = [{"x": x(s["index"]) + COL // 2, "label": s["index"]} for s in steps if s["index"] == 1 or s["index"] % every == 0]
    return {"threads": [{"name": t, "y": y(t)} for t in threads], "ticks": ticks, "bars": bars, "marks": marks,
            "diverge": diverge, "violations": viols, "arrows": arrows, "width": width, "height": height,
            "col": COL, "lane": LANE, "left": LEFT, "top": TOP,
            "legend": [{"isolate": i, "colour": colour[i]} for i in isolates]}
