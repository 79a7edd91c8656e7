"""Replay and capture against the device's size: they must grow linearly, not as its square.

**Issue 24 (goal 5): a full capture and replay start-up at 1×, 4× and 16× the demo
device.** The simulated splicer of the demo capture (84 calls) is grown to 4× and 16× its
calls by extra inputs (each one more ``input/readDetail`` for the capture to follow);
each round captures it in full (``capture(splicer, max_records=…)``, the splicer in the
same process: CPU time of both) and starts a replay of that capture
(``SimulatedSplicer(replay=data)``), the sizes in rotated order. Per call at 4× and 16×
÷ per call at 1×, per round: 1.0 is linear.

**Issue 26: replay start-up at many screens.**

A capture of ``n`` screens is made from the shipped demo capture: its screen reads
(``screen/readList``, then per screen ``screen/readDetail``, ``layer/detailList``,
``preset/readList`` and ``preset/readPlay``) written for ``n`` screens, the rest kept.
Each round builds ``SimulatedSplicer(replay=data)`` (the capture checked, the device
model imported from it, the baseline of every captured read) at 1×, 4× and 16× the
base size, the order rotated; CPU time. Verdict: the median over the rounds of
*time per screen at 16×* ÷ *time per screen at 1×*: 1.0 is linear, 16 quadratic.
Issue 26 measured the quadratic importer at 2,000 screens 3.9 s, 4,000 10.9 s,
8,000 66 s (20,000: not listening after 240 s).
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from _common import fmt_ratio, median, ms, paired, ratios, table, verdict

from openapi_magic.ops import capture
from openapi_magic.server import SimulatedSplicer, serve
from openapi_magic.server._replay import demo_capture_path

BASE = 500  # screens at 1×
QUICK_BASE = 40
FACTORS = (1, 4, 16)
LINEAR = 1.5  # time per screen at 16× ÷ at 1×, at most (noise and cache misses allowed)
DEMO_LINEAR = 1.3  # per call at 4× and 16× the demo device ÷ at 1× (issue 24, goal 5)
_PER_SCREEN = ("screen/readDetail", "layer/detailList", "preset/readList", "preset/readPlay")


def capture_of(screens: int) -> dict:
    """The demo capture's data, its screen reads written for ``screens`` screens."""
    data = json.loads(demo_capture_path().read_text(encoding="utf-8"))
    calls = data["calls"]
    listing = next(c for c in calls if c["interface"] == "screen/readList")
    first = listing["reply"]["screens"][0]["screenId"]
    templates = {
        c["interface"]: c
        for c in calls
        if c["interface"] in _PER_SCREEN and c["body"].get("screenId") == first
    }
    kept = [c for c in calls if c["interface"] not in _PER_SCREEN or "screenId" not in c["body"]]
    listing["reply"]["screens"] = [
        {**listing["reply"]["screens"][0], "screenId": sid, "name": f"Screen {sid}"}
        for sid in range(screens)
    ]
    for sid in range(screens):
        for template in templates.values():
            call = copy.deepcopy(template)
            call["body"]["screenId"] = sid
            if isinstance(call.get("reply"), dict) and "screenId" in call["reply"]:
                call["reply"]["screenId"] = sid
            kept.append(call)
    data["calls"] = kept
    return data


def demo_sizes(quick: bool, log: Any) -> dict:
    """Capture and replay start-up at 1×, 4× and 16× the demo device (see the docstring)."""
    factors = (1, 4) if quick else FACTORS
    rounds = 2 if quick else 5
    with serve() as splicer:
        base_calls = len(capture(splicer, quiet=True).calls)
    splicers = {}
    for f in factors:
        s = serve()
        s.state.add_inputs((f - 1) * base_calls)  # one more input/readDetail each
        splicers[f] = s
    try:
        captured: dict[int, Any] = {}

        def capture_side(f: int) -> Any:
            def side() -> None:
                made = capture(splicers[f], quiet=True, max_records=1_000_000)
                assert not made.partial, made.partial_reason
                failed = [c.interface for c in made.calls if c.status != 0]
                assert not failed, f"calls failed in the capture: {failed[:5]}"
                captured[f] = made

            return side

        log(f"  capture and replay, {', '.join(f'{f}×' for f in factors)} the demo device")
        cap = paired(
            {f: capture_side(f) for f in factors}, rounds, warmup=1, clock=time.process_time
        )
        data = {f: captured[f].to_dict() for f in factors}
        calls = {f: len(data[f]["calls"]) for f in factors}
        rep = paired(
            {f: (lambda d=data[f]: SimulatedSplicer(replay=d) and None) for f in factors},
            rounds,
            warmup=1,
            clock=time.process_time,
        )
    finally:
        for s in splicers.values():
            s.stop()
    out: dict[str, Any] = {"factors": factors, "calls": calls}
    for name, samples in (("capture", cap), ("replay", rep)):
        per = {f: [t / calls[f] for t in samples[f]] for f in factors}
        growth = {f: verdict(ratios(per[f], per[1])) for f in factors[1:]}
        worst = max(growth.values(), key=lambda v: v["median"])
        out[name] = {"samples": samples, "per_call": per, "growth": growth, "worst": worst}
    return out


def demo_markdown(d: dict) -> str:
    rows = []
    for f in d["factors"]:
        row = [f"{f}×", f"{d['calls'][f]:,}"]
        for name in ("capture", "replay"):
            row += [
                ms(median(d[name]["samples"][f])),
                f"{median(d[name]['per_call'][f]) * 1e6:.0f} µs",
                fmt_ratio(d[name]["growth"][f]) if f in d[name]["growth"] else "1",
            ]
        rows.append(row)
    return table(
        [
            "size (demo device ×)",
            "calls",
            "full capture CPU ms",
            "per call",
            "per call ÷ at 1×",
            "replay start-up CPU ms",
            "per call",
            "per call ÷ at 1×",
        ],
        rows,
    )


def run(quick: bool = False, log: Any = print) -> dict:
    demo = demo_sizes(quick, log)
    base = QUICK_BASE if quick else BASE
    rounds = 3 if quick else 5
    sizes = [base * f for f in FACTORS]
    captures = {n: capture_of(n) for n in sizes}
    for n in sizes:
        log(f"  replay start-up, {n:,} screens ({len(captures[n]['calls']):,} calls)")
        splicer = SimulatedSplicer(replay=captures[n])  # checked once: every screen imported
        assert len(splicer.state.call("screen/readList", {"deviceId": 0})["screens"]) == n
    sides = {n: (lambda d=captures[n]: SimulatedSplicer(replay=d) and None) for n in sizes}
    samples = paired(sides, rounds, warmup=0, clock=time.process_time)
    per_screen = {n: [t / n for t in samples[n]] for n in sizes}
    growth = verdict(ratios(per_screen[sizes[-1]], per_screen[sizes[0]]))
    rows = [
        [
            f"{n // base}×",
            f"{n:,}",
            f"{len(captures[n]['calls']):,}",
            ms(median(samples[n])),
            f"{median(per_screen[n]) * 1e6:.0f} µs",
        ]
        for n in sizes
    ]
    md = table(["size", "screens", "calls", "start-up CPU ms (median)", "per screen"], rows)
    md += (
        f"\n\nTime per screen at {FACTORS[-1]}× ÷ at 1×, per round: {fmt_ratio(growth)} "
        f"(linear ≈ 1; the quadratic importer grew as the size)."
    )
    md = (
        "Full capture and replay start-up at the demo device's size and larger (issue 24):"
        f"\n\n{demo_markdown(demo)}\n\nReplay start-up at many screens (issue 26):\n\n" + md
    )
    return {"growth": growth, "sizes": sizes, "demo": demo, "markdown": md}
