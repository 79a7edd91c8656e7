"""The simulated splicer's time to first answer against ``python -m http.server``.

Each round starts both, one after the other (order alternating), on a free port:
``python -m openapi_magic.server --port P`` (timed from process start to the first
*valid* reply: a signed, encrypted ``screen/readList`` call that ``Client.call``
verifies) and ``python -m http.server P`` (process start to the first ``200`` of
``GET /``). Both are polled every 2 ms. Wall time (the wait a person notices);
the verdict is the median and range of the per-round ratios. Children run with
bytecode cached (`_common.child_env`), as an installed package runs; one untimed start
of each writes it.

A third side, in the same rounds, is what bounds the goal: ``http.server`` started
after importing the standard modules the splicer cannot answer without
(:data:`NEEDED_STDLIB`: its dataclasses, its log, the sign's md5, the worker pool,
DES through ctypes, JSON). The splicer ÷ that floor is our own code's share; the
floor ÷ ``http.server`` is the standard library's.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from typing import Any

from _common import child_env, fmt_ratio, median, ms, ratios, table, verdict

from openapi_magic import Client
from openapi_magic.server import DEMO_PID, DEMO_SECRET_KEY

#: The standard modules beyond ``http.server``'s that the splicer's first answer
#: imports, each for a public contract: the public dataclasses (``FirmwareProfile``,
#: ``Interface``, ``OpenedReply``… which ``dataclasses.replace`` derives), ``logging``
#: (``--log-level``; ``concurrent.futures`` imports it too), ``hashlib`` (the sign's md5),
#: ``concurrent.futures.thread`` (the worker pool), ``ctypes`` (DES in libcrypto), ``json``.
NEEDED_STDLIB = (
    "dataclasses",
    "logging",
    "hashlib",
    "concurrent.futures.thread",
    "ctypes",
    "json",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until(cmd: list[str], ready: Any, timeout: float = 60) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env()
    )
    try:
        while time.perf_counter() - t0 < timeout:
            try:
                if ready():
                    return time.perf_counter() - t0
            except Exception:  # noqa: BLE001, S110 - not listening yet: poll again
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[2]} ended before it answered")
            time.sleep(0.002)
        raise RuntimeError(f"{cmd[2]} did not answer within {timeout} s")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def splicer_first_answer() -> float:
    port = _free_port()
    client = Client(
        f"http://127.0.0.1:{port}/open/api", DEMO_PID, DEMO_SECRET_KEY, encrypt=True, timeout=2
    )

    def ready() -> bool:
        r = client.call("screen/readList", {"deviceId": 0})
        return r.ok and r.sign_verdict == "verified"

    try:
        return _until(
            [sys.executable, "-m", "openapi_magic.server", "--port", str(port), "--reply-sign"],
            ready,
        )
    finally:
        client.close()


def _http_server_first_200(imports: tuple[str, ...] = ()) -> float:
    """``http.server``'s first ``200`` of ``GET /``, after importing ``imports``."""
    port = _free_port()

    def ready() -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/")
            return conn.getresponse().status == 200
        finally:
            conn.close()

    if not imports:
        return _until(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], ready
        )
    code = (
        f"import {', '.join(imports)}, runpy, sys; "
        f"sys.argv = ['http.server', '{port}', '--bind', '127.0.0.1']; "
        "runpy.run_module('http.server', run_name='__main__', alter_sys=True)"
    )
    return _until([sys.executable, "-c", code], ready)


def http_server_first_answer() -> float:
    """``python -m http.server``'s first ``200``."""
    return _http_server_first_200()


def floor_first_answer() -> float:
    """``http.server``'s first ``200`` after importing :data:`NEEDED_STDLIB`."""
    return _http_server_first_200(NEEDED_STDLIB)


_SIDES = {
    "splicer": splicer_first_answer,
    "http": http_server_first_answer,
    "floor": floor_first_answer,
}


def run(quick: bool = False, log: Any = print) -> dict:
    rounds = 2 if quick else 9
    samples: dict[str, list[float]] = {name: [] for name in _SIDES}
    for side in _SIDES.values():  # untimed: the bytecode is written
        side()
    for r in range(rounds):
        log(f"  first answer, round {r + 1}/{rounds}")
        order = list(_SIDES)[r % 3 :] + list(_SIDES)[: r % 3]
        for name in order if r % 2 == 0 else order[::-1]:
            samples[name].append(_SIDES[name]())
    v = verdict(ratios(samples["splicer"], samples["http"]))
    ours = verdict(ratios(samples["splicer"], samples["floor"]))
    stdlib = verdict(ratios(samples["floor"], samples["http"]))
    md = table(
        ["process start → first answer", "wall ms (median)", "÷ http.server, per round"],
        [
            [
                "`python -m openapi_magic.server` (first verified reply)",
                ms(median(samples["splicer"])),
                f"**{fmt_ratio(v)}**",
            ],
            [
                "`http.server` after importing "
                + ", ".join(f"`{m}`" for m in NEEDED_STDLIB)
                + " (first 200): the floor",
                ms(median(samples["floor"])),
                fmt_ratio(stdlib),
            ],
            ["`python -m http.server` (first 200)", ms(median(samples["http"])), ""],
        ],
    )
    md += f"\n\nThe splicer ÷ the floor (our own code's share), per round: {fmt_ratio(ours)}.\n"
    return {
        "verdict": v,
        "ours": ours,
        "stdlib": stdlib,
        "samples": samples,
        "markdown": md,
    }
