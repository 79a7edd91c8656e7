"""Fleets of simulated splicers in several processes, against the ideal for their concurrency.

For each fleet size and latency the splicers (half encrypted) are shared among
``PROCESSES`` child processes started here and stopped at the end (one process
would measure its own GIL). Each round runs, order rotated: one call to one splicer
(the per-call floor: that call's time minus the latency), ``fleet.run`` with the
defaults, ``fleet.run`` with more workers, and, for 50 splicers, a sequential loop.
Fresh clients every time (each run opens its own connections).

*Ideal* for a run with ``w`` calls in flight = ``ceil(n / w) × latency + floor``,
with the floor of the same round; the verdict is the median (and range) of the
per-round ratios *wall ÷ ideal* (goal ≤ 1.2), and *loop ÷ fleet* for the
"beat 8× a loop" figure (50 splicers, 50 ms, defaults).

That ideal counts only the waiting. The splicers' processes and the client share this
machine's cores, so a run also needs its CPU: the client's (one process, its Python code
serialised by the GIL) and the splicers'. The *CPU-bound ideal* of a run (defaults and
wide pools alike) is the largest of four lower bounds, with both CPU figures measured
around that same run (the client's ``time.process_time``, the splicer processes' from
their CPU clocks), ``c`` and ``s`` the client's and the splicers' CPU per call:

- the ideal above (the waiting);
- ``n × c``: the client's Python runs on one GIL;
- ``n × (c + s) ÷ cores``: everything runs on this machine's cores;
- ``latency + n × c × max(b, 1 − b)``, ``b`` the share of the client's CPU per call spent
  before its request is sent (measured once per run, :func:`before_send_share`): no
  reply comes before ``latency``, so every call's work after its reply comes later than
  that, and every call's work before sending comes before the last send, which is
  ``latency`` before the end; both run on the GIL.

The issue 18 goal is the first ratio (÷ ideal); issue 24's is ÷ the CPU-bound ideal
(≤ 1.15), for every row.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import threading
import time
from typing import Any

from _common import fmt_ratio, median, ms, ratios, splicer_farm, table, verdict

from openapi_magic import Client, fleet

INTERFACE = "screen/readList"
BODY = {"deviceId": 0}
PROCESSES = 4
CASES = [(50, 5), (50, 50), (200, 5), (200, 50)]
QUICK_CASES = [(8, 5), (50, 50)]
WIDE = 64


def _clients(splicers: list) -> list[Client]:
    return [
        Client.from_splicer(s, name=f"splicer-{i:03d}", timeout=30) for i, s in enumerate(splicers)
    ]


def _process_cpu(pid: int) -> float:
    """CPU seconds (every thread's, those ended included) of process ``pid``: its CPU
    clock (nanoseconds), else /proc's user + system ticks (10 ms steps, coarse against a
    fleet run's tens of milliseconds)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        clock = ctypes.c_int()
        if libc.clock_getcpuclockid(pid, ctypes.byref(clock)) == 0:
            return time.clock_gettime(clock.value)
    except (OSError, AttributeError):
        pass
    with open(f"/proc/{pid}/stat") as s:
        parts = s.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    """CPU seconds used so far by this process's children (the splicer processes);
    0.0 where there is none or they cannot be read."""
    total = 0.0
    try:
        tasks = os.listdir(f"/proc/{os.getpid()}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:
            with open(f"/proc/{os.getpid()}/task/{task}/children") as f:
                pids = f.read().split()
        except OSError:  # a thread of the last run's pool, ended meanwhile
            continue
        for pid in pids:
            total += _process_cpu(int(pid))
    return total


def _runqueue_wait() -> float:
    """Seconds this process's live threads have spent runnable but waiting for a core
    (``/proc``'s schedstat, summed); 0.0 where it cannot be read."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{os.getpid()}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:
            with open(f"/proc/{os.getpid()}/task/{task}/schedstat") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):  # ended meanwhile, or no schedstat
            continue
    return total / 1e9


def _timed_fleet(
    splicers: list, cpu: list | None = None, spans: list | None = None, **kw: Any
) -> float:
    """Wall seconds of one fleet run; with ``cpu``, appends (client, splicers) CPU
    seconds per call of that run; with ``spans``, appends (seconds from the start to the
    last call submitted, the median seconds from a call's submit to its reply collected,
    the seconds the client's threads spent waiting for a core, summed over them)."""
    clients = _clients(splicers)
    waited: list[float] = []
    reading = [0.0]  # how long the reading took: not the run's time
    n = len(splicers)

    def on_call(call: Any) -> None:
        # read at the last call, while the pool's threads (and their counts) still live
        if len(waited) == n - 1:
            r0 = time.perf_counter()
            waited.append(_runqueue_wait())
            reading[0] = time.perf_counter() - r0
        else:
            waited.append(0.0)

    s0, c0 = _children_cpu(), time.process_time()
    q0 = _runqueue_wait()
    t0 = time.perf_counter()
    result = fleet.run(clients, INTERFACE, BODY, progress=False, on_call=on_call, **kw)
    wall = time.perf_counter() - t0 - reading[0]
    if cpu is not None:
        cpu.append(((time.process_time() - c0) / n, (_children_cpu() - s0) / n))
    if spans is not None:
        last = max(c._started or t0 for c in result.calls) - t0
        spans.append((last, median([c.elapsed for c in result.calls]), waited[-1] - q0))
    for c in clients:
        c.close()
    assert result.n_ok == len(splicers), f"{result.n_ok}/{len(splicers)} ok"
    return wall


def _timed_loop(splicers: list) -> float:
    clients = _clients(splicers)
    t0 = time.perf_counter()
    ok = sum(c.call(INTERFACE, BODY).ok for c in clients)
    wall = time.perf_counter() - t0
    for c in clients:
        c.close()
    assert ok == len(splicers)
    return wall


def _floor(splicer: Any, latency_s: float, calls: int = 5) -> float:
    times = []
    for _ in range(calls):
        with Client.from_splicer(splicer, timeout=30) as c:  # fresh connection, as in a fleet
            t0 = time.perf_counter()
            c.call(INTERFACE, BODY).raise_for_status()
            times.append(time.perf_counter() - t0)
    return max(0.0, median(times) - latency_s)


#: The splicers' latency while the client's CPU before sending is read (long enough
#: that the request has surely left: the worker is then blocked on the reply).
SPLIT_LATENCY_MS = 200


def before_send_share(calls: int = 5) -> float:
    """The share of the client's CPU per call spent before its request is sent (a fresh
    client, as in a fleet; half the calls encrypted): each call runs in a thread whose
    CPU clock is read half way through the splicer's latency, when it waits on the
    reply; the thread reads its own at the start and the end. The median over the calls."""
    from _common import splicers

    spec = {"latency_ms": SPLIT_LATENCY_MS}
    shares = []
    with splicers({**spec, "encrypt": True}, {**spec, "encrypt": False}) as started:
        for s in started:
            with Client.from_splicer(s, timeout=30) as warm:
                warm.call(INTERFACE, BODY).raise_for_status()
        for i in range(calls * 2):
            client = Client.from_splicer(started[i % 2], timeout=30)
            own: list[float] = []

            def call(c: Client = client, out: list[float] = own) -> None:
                out.append(time.thread_time())
                c.call(INTERFACE, BODY).raise_for_status()
                out.append(time.thread_time())

            worker = threading.Thread(target=call)
            worker.start()
            time.sleep(SPLIT_LATENCY_MS / 2000)
            assert worker.ident is not None
            mid = time.clock_gettime(time.pthread_getcpuclockid(worker.ident))
            worker.join()
            client.close()
            start, end = own
            shares.append(min(1.0, (mid - start) / (end - start)))
    return median(shares)


def cpu_bound(
    n: int,
    latency_s: float,
    ideal_s: float,
    client_cpu: float,
    server_cpu: float,
    cores: int,
    before_share: float = 0.5,
) -> float:
    """The CPU-bound ideal of one run (seconds): see the module's docstring."""
    side = max(before_share, 1 - before_share)
    return max(
        ideal_s,
        n * client_cpu,
        n * (client_cpu + server_cpu) / cores,
        latency_s + n * client_cpu * side,
    )


def in_flight(n: int, workers: int, per_splicer: int | None) -> int:
    cap = n * per_splicer if per_splicer else n
    return max(1, min(workers, cap, n))


def run(quick: bool = False, log: Any = print) -> dict:
    cases = QUICK_CASES if quick else CASES
    rounds = 2 if quick else 3
    out = []
    log("  fleet: the client's CPU before and after the send")
    share = before_send_share(calls=1 if quick else 5)
    for n, latency_ms in cases:
        log(f"  fleet: {n} splicers, {latency_ms} ms, {PROCESSES} processes")
        lat = latency_ms / 1000
        specs = [{"encrypt": i % 2 == 0, "latency_ms": latency_ms} for i in range(n)]
        wide = min(WIDE, n)
        w_default = in_flight(n, fleet.DEFAULT_MAX_WORKERS, fleet.DEFAULT_PER_SPLICER)
        w_wide = in_flight(n, wide, fleet.DEFAULT_PER_SPLICER)
        with splicer_farm(specs, PROCESSES) as started:
            with Client.from_splicer(started[0]) as warm:  # imports, catalog: paid once
                warm.call(INTERFACE, BODY).raise_for_status()
            cpu: dict[str, list[tuple[float, float]]] = {"default": [], "wide": []}
            spans: dict[str, list[tuple[float, float, float]]] = {"default": [], "wide": []}
            sides = {
                "default": lambda: _timed_fleet(started, cpu["default"], spans["default"]),
                "wide": lambda: _timed_fleet(started, cpu["wide"], spans["wide"], max_workers=wide),
            }
            if n <= 50:
                sides["loop"] = lambda: _timed_loop(started)
            samples: dict[str, list[float]] = {k: [] for k in sides}
            floors = []
            for r in range(rounds):
                floors.append(_floor(started[0], lat))
                names = list(sides)
                k = r % len(names)
                for name in names[k:] + names[:k]:
                    samples[name].append(sides[name]())
        ideal = {
            name: [math.ceil(n / w) * lat + f for f in floors]
            for name, w in (("default", w_default), ("wide", w_wide))
        }
        cores = os.cpu_count() or 1
        bound = {
            side: [
                cpu_bound(n, lat, ideal_s, c, sv, cores, share)
                for ideal_s, (c, sv) in zip(ideal[side], cpu[side])
            ]
            for side in ("default", "wide")
        }
        row: dict[str, Any] = {
            "n": n,
            "latency_ms": latency_ms,
            "floor": median(floors),
            "cores": cores,
            "before_send_share": share,
            "w_default": w_default,
            "w_wide": w_wide,
        }
        for side in ("default", "wide"):
            prefix = "" if side == "default" else "wide_"
            row.update(
                {
                    side: median(samples[side]),
                    f"{side}_vs_ideal": verdict(ratios(samples[side], ideal[side])),
                    f"{prefix}client_cpu": median([c for c, _ in cpu[side]]),
                    f"{prefix}server_cpu": median([sv for _, sv in cpu[side]]),
                    f"{prefix}cpu_bound": median(bound[side]),
                    f"{side}_vs_cpu_bound": verdict(ratios(samples[side], bound[side])),
                    f"{prefix}last_submit": median([a for a, _, _ in spans[side]]),
                    f"{prefix}call_time": median([b for _, b, _ in spans[side]]),
                    f"{prefix}core_wait": median([q for _, _, q in spans[side]]),
                }
            )
        if "loop" in samples:
            row["loop"] = median(samples["loop"])
            row["loop_vs_default"] = verdict(ratios(samples["loop"], samples["default"]))
            row["loop_vs_wide"] = verdict(ratios(samples["loop"], samples["wide"]))
        out.append(row)
    return {"rows": out, "markdown": markdown(out)}


def markdown(rows: list[dict]) -> str:
    t = []
    for r in rows:
        case = f"{r['n']} splicers, {r['latency_ms']} ms"
        for side, w in (("default", r["w_default"]), ("wide", r["w_wide"])):
            label = (
                "fleet.run defaults"
                if side == "default"
                else f"fleet.run max_workers={r['w_wide']}"
            )
            loop = fmt_ratio(r[f"loop_vs_{side}"]) if f"loop_vs_{side}" in r else ""
            t.append(
                [
                    case,
                    label,
                    w,
                    ms(r[side]),
                    ms(r["floor"]),
                    f"**{fmt_ratio(r[f'{side}_vs_ideal'])}**",
                    loop,
                ]
            )
        if "loop" in r:
            t.append([case, "sequential loop of client.call", 1, ms(r["loop"]), "", "", ""])
    main = table(
        [
            "fleet",
            "method",
            "in flight",
            "wall ms (median)",
            "floor ms",
            "÷ ideal, per round",
            "loop ÷ this, per round",
        ],
        t,
    )
    c = []
    for r in rows:
        for side, prefix in (("default", ""), ("wide", "wide_")):
            c.append(
                [
                    f"{r['n']} splicers, {r['latency_ms']} ms",
                    r[f"w_{side}"],
                    f"{r[f'{prefix}client_cpu'] * 1000:.2f}",
                    f"{r[f'{prefix}server_cpu'] * 1000:.2f}",
                    r["cores"],
                    ms(r[f"{prefix}cpu_bound"]),
                    f"**{fmt_ratio(r[f'{side}_vs_cpu_bound'])}**",
                    ms(r[f"{prefix}last_submit"]),
                    ms(r[f"{prefix}call_time"]),
                    ms(r[f"{prefix}core_wait"]),
                ]
            )
    return (
        main
        + "\n\nWhat the machine's CPU allows (each run's own CPU, same rounds; the client's "
        + (
            f"CPU per call is {rows[0]['before_send_share']:.0%} before the request is sent):\n\n"
            if rows
            else "):\n\n"
        )
        + table(
            [
                "fleet",
                "in flight",
                "client CPU ms / call",
                "splicer CPU ms / call",
                "cores",
                "CPU-bound ideal ms",
                "÷ CPU-bound ideal, per round",
                "last call submitted at ms",
                "a call, submit to reply ms (median)",
                "client threads waiting for a core ms (summed)",
            ],
            c,
        )
    )
