"""Rendering time per plain reply size: no size may render slower than a larger one.

Plain ``input/readList``-shaped replies (``{"deviceId": 0, "inputs": [records…]}``)
of each size are served from memory through a ``requests`` adapter, so the client's
real code builds each Result once. Each round then renders every Result (its
``_repr_mimebundle_``: text and HTML, display limit 10 rows), the order rotated,
timed in CPU time. Verdict: for each pair of neighbouring sizes, the median of the
per-round ratios *time(smaller) ÷ time(larger)*; the goal holds when none exceeds
``TOLERANCE`` (rendering cost may be flat across small sizes; noise is allowed 10 %).
"""

from __future__ import annotations

import io
import json
import time
from typing import Any

import requests
import urllib3
from _common import fmt_ratio, median, ms, paired, ratios, table, verdict

from openapi_magic import Client

SIZES = [10_000, 100_000, 500_000, 950_000, 1_050_000, 2_000_000, 4_000_000]
QUICK_SIZES = [4_000, 40_000, 950_000, 1_050_000]
TOLERANCE = 1.10


class CannedAdapter(requests.adapters.HTTPAdapter):
    """Answers every request with the same reply bytes, from memory."""

    def __init__(self, payload: bytes) -> None:
        super().__init__()
        self.payload = payload

    def send(
        self,
        request: Any,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(self.payload),
            status=200,
            reason="OK",
            preload_content=False,
            decode_content=False,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Content-Length": str(len(self.payload)),
            },
        )
        return self.build_response(request, raw)


def reply_of(size: int) -> bytes:
    """A plain reply envelope of about ``size`` bytes, records of one shape."""

    def record(i: int) -> dict:
        return {
            "inputId": i,
            "name": f"Input {i}",
            "online": i % 3 != 0,
            "resolution": {"width": 1920, "height": 1080, "refresh": 60},
            "signal": "HDMI" if i % 2 else "DP",
            "note": "x" * 20,
        }

    one = len(json.dumps(record(0), separators=(",", ":"))) + 1
    n = max(1, (size - 60) // one)
    env = {
        "status": 0,
        "msg": "",
        "sign": "",
        "body": {"deviceId": 0, "inputs": [record(i) for i in range(n)]},
    }
    return json.dumps(env, separators=(",", ":")).encode()


def result_of(payload: bytes) -> Any:
    session = requests.Session()
    session.mount("http://", CannedAdapter(payload))
    client = Client("http://127.0.0.1:9", "demo", encrypt=False, session=session, timeout=60)
    result = client.call("input/readList", {"deviceId": 0})
    assert result.ok, result.summary()
    return result


def run(quick: bool = False, log: Any = print) -> dict:
    sizes = QUICK_SIZES if quick else SIZES
    rounds = 3 if quick else 9
    results = {}
    for size in sizes:
        log(f"  render, {size:,}-byte reply")
        payload = reply_of(size)
        results[size] = (len(payload), result_of(payload))
    sides = {s: (lambda r=r: r._repr_mimebundle_() and None) for s, (_, r) in results.items()}
    samples = paired(sides, rounds, clock=time.process_time)
    rows, pairs = [], []
    for i, size in enumerate(sizes):
        pair = ""
        if i + 1 < len(sizes):
            v = verdict(ratios(samples[size], samples[sizes[i + 1]]))
            pairs.append((size, sizes[i + 1], v))
            pair = fmt_ratio(v)
            if v["median"] > TOLERANCE:
                pair = f"**{pair}**"
        rows.append([f"{results[size][0]:,}", ms(median(samples[size])), pair])
    worst = max(pairs, key=lambda p: p[2]["median"])
    md = table(
        ["plain reply bytes", "render CPU ms (median)", "÷ the next larger size, per round"], rows
    )
    return {"pairs": pairs, "worst": worst, "markdown": md}
