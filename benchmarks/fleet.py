"""Benchmark: one interface across many simulated splicers, a fleet run against a loop.

Starts ``n`` simulated splicers on loopback, each answering after ``latency_ms``
(half with encryption on, half off), then in the same run times

1. a sequential loop of ``client.call`` over the splicers,
2. ``fleet.run`` with its defaults (8 calls in flight, 2 per splicer),
3. ``fleet.run`` with one worker per splicer,

each with fresh clients (so every method opens its own connections), and
reports the times and the ratio to the loop as a Markdown table (printed, and
written to ``benchmarks/results/fleet.md`` unless told otherwise)::

    python benchmarks/fleet.py                  # 50 splicers, 50 ms latency
    python benchmarks/fleet.py --n 20 --latency-ms 100 --out /tmp/fleet.md

From Python (e.g. a ``benchmarks/run.py`` gathering every benchmark)::

    from fleet import run_benchmark   # with benchmarks/ on sys.path
    report = run_benchmark(n=50, latency_ms=50)
    report["ratio"], report["table"]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import splicers

from openapi_magic import Client, fleet
from openapi_magic.server import serve

INTERFACE = "screen/readList"
BODY = {"deviceId": 0}
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "fleet.md"


@contextmanager
def _splicers(n: int, latency_ms: float, in_process: bool) -> Iterator[list]:
    """``n`` running simulated splicers (objects with root, pid, secret_key, encrypt),
    half with encryption on; in a child process unless ``in_process``."""
    specs = [{"encrypt": i % 2 == 0, "latency_ms": latency_ms} for i in range(n)]
    if not in_process:
        with splicers(*specs) as started:
            yield started
        return
    started = []
    try:
        for spec in specs:
            started.append(serve(**spec))
        yield started
    finally:
        for s in started:
            s.stop()


def _clients(splicers: list) -> list[Client]:
    return [Client.from_splicer(s, name=f"splicer-{i:02d}", timeout=10)
            for i, s in enumerate(splicers)]


def _sequential(splicers: list) -> tuple[float, int]:
    clients = _clients(splicers)
    start = time.perf_counter()
    ok = 0
    for client in clients:
        ok += client.call(INTERFACE, BODY).ok
    elapsed = time.perf_counter() - start
    for client in clients:
        client.close()
    return elapsed, ok


def _fleet(splicers: list, **kw: Any) -> tuple[float, int]:
    clients = _clients(splicers)
    start = time.perf_counter()
    result = fleet.run(clients, INTERFACE, BODY, progress=False, **kw)
    elapsed = time.perf_counter() - start
    for client in clients:
        client.close()
    return elapsed, result.n_ok


def run_benchmark(n: int = 50, latency_ms: float = 50, *, in_process: bool = False) -> dict:
    """Time a fleet call against a sequential loop over ``n`` simulated splicers
    with ``latency_ms`` each; returns the numbers and a Markdown ``table``.

    The splicers run in a child process by default, as real splicers are other
    machines: in this process they would share its interpreter lock with the
    client, and a wide fleet would measure that instead (``in_process=True``
    does, for comparison)."""
    with _splicers(n, latency_ms, in_process) as splicers:
        # Warm up once (catalog load, imports) so neither method pays for it.
        with Client.from_splicer(splicers[0]) as warm:
            warm.call(INTERFACE, BODY).raise_for_status()
        seq_s, seq_ok = _sequential(splicers)
        default_s, default_ok = _fleet(splicers)
        wide_s, wide_ok = _fleet(splicers, max_workers=n)

    rows = [
        ("sequential loop of client.call", 1, seq_s, seq_ok),
        ((f"fleet.run (defaults: max_workers={fleet.DEFAULT_MAX_WORKERS}, "
         f"per_splicer={fleet.DEFAULT_PER_SPLICER})"), fleet.DEFAULT_MAX_WORKERS, default_s,
         default_ok),
        (f"fleet.run (max_workers={n})", n, wide_s, wide_ok),
    ]
    lines = [
        (f"Fleet benchmark: `{INTERFACE}` on {n} simulated splicers, {latency_ms:g} ms latency "
        f"each, loopback, splicers {'in the same process' if in_process else 'in a child process'} "
        f"(Python {sys.version.split()[0]})."),
        "",
        "| method | in flight | calls ok | seconds | per call (ms) | speed-up vs loop |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, workers, seconds, ok in rows:
        lines.append(f"| {name} | {workers} | {ok}/{n} | {seconds:.3f} | "
                     f"{seconds / n * 1000:.1f} | {seq_s / seconds:.1f}× |")
    lines += ["", (f"A sequential call takes {seq_s / n * 1000:.1f} ms here for "
              f"{latency_ms:g} ms of splicer latency.")]
    table = "\n".join(lines)
    return {
        "n": n,
        "latency_ms": latency_ms,
        "in_process": in_process,
        "sequential_s": seq_s,
        "fleet_s": default_s,
        "fleet_wide_s": wide_s,
        "ratio": seq_s / default_s,
        "ratio_wide": seq_s / wide_s,
        "ok": {"sequential": seq_ok, "fleet": default_ok, "fleet_wide": wide_ok},
        "table": table,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="simulated splicers (50)")
    parser.add_argument("--latency-ms", type=float, default=50, help="latency of each (50)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"Markdown file to write ({DEFAULT_OUT})")
    parser.add_argument("--in-process", action="store_true",
                        help="run the splicers in this process (they then share its GIL)")
    args = parser.parse_args(argv)
    report = run_benchmark(args.n, args.latency_ms, in_process=args.in_process)
    print(report["table"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report["table"] + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    ok = report["ok"]
    return 0 if all(v == args.n for v in ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
