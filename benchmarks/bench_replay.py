"""Replay start-up against the capture's size: it must grow linearly, not as its square.

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

from openapi_magic.server import SimulatedSplicer
from openapi_magic.server._replay import demo_capture_path

BASE = 500  # screens at 1×
QUICK_BASE = 40
FACTORS = (1, 4, 16)
LINEAR = 1.5  # time per screen at 16× ÷ at 1×, at most (noise and cache misses allowed)
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


def run(quick: bool = False, log: Any = print) -> dict:
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
    return {"growth": growth, "sizes": sizes, "markdown": md}
