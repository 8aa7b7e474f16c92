"""What a step of isoreplay's JSON report is, for people: its readable label ("global H of A",
"call A heap-stats", "send CH", "↩ host() returns"), and the callback blocks of the second
edition (`run ... {` / `gc X {` ... `}`): which steps each holds, how deep, whether it ran.

Reads the structured step fields only (docs/report-format.md): `op`, `isolate`, `context`,
`context_of`, `handle`, `sync`, `block` ({opens_until, closes, inside}) and
`block_not_reached`. A report of the first edition (no such fields) gives the same labels
as before ("enter A") and no blocks."""
from __future__ import annotations

CALLS = ("heap-stats", "memory-pressure", "is-terminating")  # written `call X METHOD`
SYNC = ("spawn", "join", "send", "recv", "acquire", "release")  # the embedder's own synchronisation
HANDLES = ("global", "persistent", "open", "reset", "weak")
CLOSE = "}"  # the pseudo-step where a host()/weak callback returns


def _block(st: dict) -> dict:
    b = st.get("block")
    return b if isinstance(b, dict) else {}


def opens(st: dict) -> bool:
    """The step opens a block (`run ... {`, `gc X {`): it has a `}` to close it, or a
    reason why its block never ran."""
    return _block(st).get("opens_until") is not None or bool(st.get("block_not_reached"))


def closes(st: dict) -> int | None:
    """For a `}` step, the index of its opener."""
    return _block(st).get("closes")


def inside(st: dict) -> int | None:
    """The index of the opener of the innermost block that holds the step."""
    return _block(st).get("inside")


def returns_label(opener: dict | None) -> str:
    """What a `}` step is: the weak callback's return for a gc block, else host()'s."""
    return "↩ weak callback returns" if opener is not None and opener.get("op") == "gc" else "↩ host() returns"


def label(st: dict, by_index: dict[int, dict] | None = None) -> str:
    """A step as the language writes it, without its thread: "global H of A in req",
    "open H", "call A heap-stats", "send CH", "run B in req of A {", "↩ host() returns"."""
    op = st.get("op") or ""
    iso = st.get("isolate") or ""
    if op == CLOSE:
        return returns_label((by_index or {}).get(closes(st)))
    if op in ("global", "persistent"):
        text = f"{op} {st.get('handle') or ''} of {iso}"
        if st.get("context"):
            text += f" in {st['context']}"
    elif op in ("open", "reset", "weak"):
        text = f"{op} {st.get('handle') or ''}"
    elif op in CALLS:
        text = f"call {iso} {op}"
    elif op in SYNC:
        text = f"{op} {st.get('sync') or ''}"
    else:
        text = f"{op} {iso}".strip()
        if op == "run" and st.get("context"):
            text += f" in {st['context']}"
            if st.get("context_of"):
                text += f" of {st['context_of']}"
        elif op == "run" and st.get("context_of"):
            text += f" in main of {st['context_of']}"
    if opens(st):
        text += " {"
    return text.strip()


def ancestors(st: dict, by_index: dict[int, dict]) -> list[dict]:
    """The openers of the blocks that hold st, innermost first."""
    out, seen = [], set()
    k = inside(st)
    while k is not None and k in by_index and k not in seen:
        seen.add(k)
        out.append(by_index[k])
        k = inside(by_index[k])
    return out


def not_reached_why(st: dict, by_index: dict[int, dict]) -> str | None:
    """Why a step did not run because a block holding it never ran (the reason of the
    outermost such block: its `block_not_reached`), else None. A `}` counts as held by
    its opener's block."""
    chain = ancestors(st, by_index)
    if st.get("op") == CLOSE and closes(st) in by_index:
        opener = by_index[closes(st)]
        chain = [opener, *ancestors(opener, by_index)]
    why = None
    for o in chain:  # innermost first: keep the outermost block that never ran
        if o.get("block_not_reached"):
            why = o["block_not_reached"]
    return why


def blocks(steps: list[dict]) -> list[dict]:
    """Every callback block of a report, in the order they open: the opener, the `}` step
    (or None), the steps it holds (nested blocks' steps included), its depth (0: not inside
    another block), whether it ran, and why not."""
    by_index = {s["index"]: s for s in steps}
    held_by: dict[int, list[dict]] = {}
    for s in steps:  # a nested block's `}` is held by the outer block too
        for o in ancestors(s, by_index):
            held_by.setdefault(o["index"], []).append(s)
    out = []
    for st in steps:
        if st.get("op") == CLOSE or not opens(st):
            continue
        until = _block(st).get("opens_until")
        closer = by_index.get(until) if until is not None else None
        held = [s for s in held_by.get(st["index"], []) if s is not closer]
        last = closer["index"] if closer else max([s["index"] for s in held] or [st["index"]])
        chain = ancestors(st, by_index)
        why = st.get("block_not_reached")
        ran = st.get("reached", False) and not why and any(s.get("reached") for s in held + ([closer] if closer else []))
        out.append({
            "opener": st, "closer": closer, "held": held, "first": st["index"], "last": last,
            "depth": len(chain), "parent": chain[0]["index"] if chain else None,
            "kind": "gc" if st.get("op") == "gc" else "run",
            "reached": bool(st.get("reached")), "ran": bool(ran), "not_reached": why,
            "returned": bool(closer and closer.get("reached")),
            "label": label(st, by_index), "returns": returns_label(st),
        })
    return out
