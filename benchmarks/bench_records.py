"""Many records end to end, HTTP transfer included: the package against today's code.

A simulated splicer (child process) holds ``n`` extra inputs, so ``input/readList``
answers with that many records. Each round runs, back to back, order alternating:

* **ours**: ``Client.call("input/readList")`` then ``result.df`` (the package as it is);
* **baseline**: ``_baseline.fetch_records``: the code of commit 0239a67 frozen in
  ``benchmarks/_baseline.py`` (POST with requests, streamed read, ``json.loads``,
  sign check, Base64, DES-ECB, records → DataFrame).

Both include the HTTP transfer from the splicer (which also spends its own CPU in
its own process). A third side, **transfer**, sends the same sealed call and reads the
reply as bytes only: the splicer's share, which neither side's code decides. The verdict
is the median (and range) of the per-round ratios of wall times (and of each side's
wall time less that round's transfer); a second paired run gives the client process's CPU time alone (the
splicer's share, the same on both sides, left out). Both sides' frames are checked equal. Peak memory: ``tracemalloc`` in a
separate call of ours, the peak above what was allocated before, ÷ the reply's
HTTP body size.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from typing import Any

import _baseline
import requests
from _common import fmt_ratio, median, ms, paired, ratios, splicers, table, verdict

from openapi_magic import Client

INTERFACE = "input/readList"
BODY = {"deviceId": 0}
SIZES = [100_000]
QUICK_SIZES = [500]
_JSON = {"Content-Type": "application/json"}


def sides(splicer: Any) -> tuple[dict, dict]:
    client = Client.from_splicer(splicer, timeout=300)
    session = requests.Session()
    url = f"{splicer.root}/{INTERFACE}"
    seen: dict[str, Any] = {}

    def ours() -> None:
        result = client.call(INTERFACE, BODY)
        assert result.ok and result.sign_verdict == "verified", result.summary()
        seen["ours"] = result.df
        seen["bytes"] = len(result.raw_text.encode("utf-8"))

    def baseline() -> None:
        seen["baseline"] = _baseline.fetch_records(
            session,
            url,
            pid=splicer.pid,
            secret_key=splicer.secret_key,
            encrypt=splicer.encrypt,
            body=BODY,
            timestamp=str(int(time.time() * 1000)),
            records="inputs",
        )

    def transfer() -> None:
        # The splicer's share: the same sealed call, its reply read as bytes and dropped.
        prepared = client.prepare(INTERFACE, BODY)
        reply = session.post(prepared.url, data=prepared.data, headers=_JSON, timeout=300)
        assert reply.status_code == 200 and len(reply.content) > 0

    return {"ours": ours, "baseline": baseline, "transfer": transfer}, {
        "client": client,
        "session": session,
        "seen": seen,
    }


def peak_ratio(client: Client) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = client.call(INTERFACE, BODY)
        _ = result.df
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base


def run(quick: bool = False, log: Any = print) -> dict:
    sizes = QUICK_SIZES if quick else SIZES
    rounds = 2 if quick else 5
    specs = [{"encrypt": e, "inputs": n} for n in sizes for e in (True, False)]
    rows = []
    with splicers(*specs) as started:
        for spec, splicer in zip(specs, started):
            mode = "encrypted" if spec["encrypt"] else "plain"
            log(f"  records end to end, {spec['inputs']:,} inputs, {mode}")
            fns, ctx = sides(splicer)
            samples = paired(fns, rounds)
            # The splicer's work (building, sealing, sending) is the same for both sides and
            # runs in its own process: the client process's CPU is what our code decides.
            cpu = paired(fns, rounds, warmup=0, clock=time.process_time)
            seen = ctx["seen"]
            equal = seen["ours"].equals(seen["baseline"])
            n_rows = len(seen["ours"])
            body_bytes = seen["bytes"]
            del seen["ours"], seen["baseline"]
            peak = peak_ratio(ctx["client"])
            ctx["client"].close()
            ctx["session"].close()
            rows.append(
                {
                    "mode": mode,
                    "rows": n_rows,
                    "bytes": body_bytes,
                    "equal": equal,
                    "ours": median(samples["ours"]),
                    "baseline": median(samples["baseline"]),
                    "ratio": verdict(ratios(samples["ours"], samples["baseline"])),
                    "cpu_ratio": verdict(ratios(cpu["ours"], cpu["baseline"])),
                    "transfer": median(samples["transfer"]),
                    # Each side less the splicer's share (its reply, sent and read) of the
                    # same round: what the client's own work costs, ours ÷ the baseline's
                    # (not at the quick sizes, where the difference is noise).
                    "client_ratio": None
                    if quick
                    else verdict(
                        ratios(
                            [o - t for o, t in zip(samples["ours"], samples["transfer"])],
                            [b - t for b, t in zip(samples["baseline"], samples["transfer"])],
                        )
                    ),
                    "peak": peak,
                }
            )
    return {"rows": rows, "markdown": markdown(rows)}


def markdown(rows: list[dict]) -> str:
    out = [
        [
            f"{r['rows']:,} records, {r['mode']}",
            f"{r['bytes'] / 1e6:.1f}",
            ms(r["ours"]),
            ms(r["baseline"]),
            f"**{fmt_ratio(r['ratio'])}**",
            fmt_ratio(r["cpu_ratio"]),
            ms(r["transfer"]),
            fmt_ratio(r["client_ratio"]) if r["client_ratio"] else "(quick: not measured)",
            f"{r['peak'] / 1e6:,.0f}",
            f"**{r['peak'] / r['bytes']:.1f}×**",
            "yes" if r["equal"] else "**NO**",
        ]
        for r in rows
    ]
    return table(
        [
            "reply (input/readList)",
            "body MB",
            "ours ms (median)",
            "baseline (0239a67) ms",
            "ours ÷ baseline, per round",
            "client CPU ours ÷ baseline",
            "splicer's share ms (reply sent, read as bytes)",
            "ours ÷ baseline less that share, per round",
            "peak MB",
            "peak ÷ body",
            "same DataFrame",
        ],
        out,
    )
