"""Large replies: what the user waits for once the bytes have arrived.

The simulated splicer (in a child process, told to hold ``n`` extra inputs) answers
``input/readList`` with ``n`` records once over HTTP; that call's time to the last
byte is reported as the network part. Its reply bytes are then served from memory
(a ``requests`` adapter, so the client's real code runs: seal, POST, the streamed
read, open) and each round times, with the client's clock fixed so the reply's sign
verifies:

1. ``client.call``: read the reply from memory, parse the envelope, Base64-decode,
   decrypt, unpad, parse the body JSON, check the sign, build the Result;
2. ``result._repr_mimebundle_()``: what a notebook renders (text and HTML) with
   the default display limit of 10 rows;
3. ``result.df``: the DataFrame of all records.

Peak memory is measured in a separate round with ``tracemalloc`` (Python's
allocations, which include ``bytes``/``str`` buffers and numpy's arrays, but not
OpenSSL's or pycryptodome's internal buffers), as the peak above what was
allocated before the call (the reply bytes already in memory), and given relative
to the reply body size (the HTTP body, in bytes).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from typing import Any

import requests
import urllib3
from _common import median, ms, splicers, table

from openapi_magic import Client

INTERFACE = "input/readList"
BODY = {"deviceId": 0}
SIZES = [10_000, 100_000]
QUICK_SIZES = [100, 1_000]


class CannedAdapter(requests.adapters.HTTPAdapter):
    """Answers every request with the same reply bytes, from memory."""

    def __init__(self, payload: bytes, headers: dict) -> None:
        super().__init__()
        self.payload, self.reply_headers = payload, headers

    def send(self, request: Any, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: Any = None) -> requests.Response:
        import io
        raw = urllib3.HTTPResponse(body=io.BytesIO(self.payload), headers=self.reply_headers,
                                   status=200, reason="OK", preload_content=False,
                                   decode_content=False)
        return self.build_response(request, raw)


def canned_client(splicer: Any, payload: bytes, clock: Any) -> Client:
    session = requests.Session()
    session.mount("http://", CannedAdapter(payload, {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": str(len(payload))}))
    return Client.from_splicer(splicer, session=session, clock=clock, timeout=300)


def end_to_end(make_client: Any) -> dict[str, float]:
    # A fresh client each time: a client's timeStamps only go up, and the canned
    # reply is signed for the first one.
    client = make_client()
    t0 = time.perf_counter()
    result = client.call(INTERFACE, BODY)
    t1 = time.perf_counter()
    bundle = result._repr_mimebundle_()
    t2 = time.perf_counter()
    frame = result.df
    t3 = time.perf_counter()
    assert result.ok and result.sign_verdict == "verified", result.summary()
    assert "text/html" in bundle and len(frame) > 0
    client.close()
    return {"call": t1 - t0, "render": t2 - t1, "df": t3 - t2, "total": t3 - t0,
            "rows": len(frame)}


def peak_memory(make_client: Any) -> int:
    client = make_client()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = client.call(INTERFACE, BODY)
        result._repr_mimebundle_()
        result.df  # noqa: B018 - built for its memory
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        client.close()
    return peak - base


def run(quick: bool = False, log: Any = print) -> dict:
    sizes = QUICK_SIZES if quick else SIZES
    rounds = 1 if quick else 3
    rows = []
    # Signed replies (the "teaching" habit), so the whole verify path is measured too.
    specs = [{"encrypt": encrypt, "inputs": n, "reply_sign": True}
             for encrypt in (True, False) for n in sizes]
    with splicers(*specs) as started:
        for spec, splicer in zip(specs, started):
            n, mode = spec["inputs"], "encrypted" if spec["encrypt"] else "plain"
            log(f"  large reply, {n:,} records, {mode}")
            fixed = time.time()
            clock = lambda fixed=fixed: fixed  # the reply's sign covers the timeStamp
            with Client.from_splicer(splicer, clock=clock, timeout=300) as http:
                fetched = http.call(INTERFACE, BODY)
            payload = fetched.raw_text.encode("utf-8")
            assert fetched.sign_verdict == "verified", fetched.summary()
            network = fetched.elapsed
            del fetched
            def make_client(splicer: Any = splicer, payload: bytes = payload,
                            clock: Any = clock) -> Client:
                return canned_client(splicer, payload, clock)
            samples = [end_to_end(make_client) for _ in range(rounds)]
            gc.collect()
            peak = peak_memory(make_client)
            med = {k: median([s[k] for s in samples]) for k in ("call", "render", "df", "total")}
            rows.append({"n": n, "mode": mode, "bytes": len(payload), "network": network,
                         "rows": samples[0]["rows"], "peak": peak, **med})
    return {"rows": rows, "markdown": markdown(rows)}


def markdown(rows: list[dict]) -> str:
    out = []
    for r in rows:
        out.append([f"{r['rows']:,} records, {r['mode']}", f"{r['bytes'] / 1e6:.1f}",
                    ms(r["network"]), ms(r["call"]), ms(r["render"]), ms(r["df"]),
                    f"**{ms(r['total'])}**", f"{r['peak'] / 1e6:,.0f}",
                    f"**{r['peak'] / r['bytes']:.1f}×**"])
    return table(["reply (input/readList)", "body MB", "HTTP from the splicer ms",
                  "client.call from memory ms", "render (text + HTML, 10 rows) ms",
                  "result.df ms", "end to end ms", "peak MB (tracemalloc)",
                  "peak ÷ body"], out)
