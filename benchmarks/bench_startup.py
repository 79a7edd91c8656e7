"""The simulated splicer's time to first answer against ``python -m http.server``.

Each round starts both, one after the other (order alternating), on a free port:
``python -m openapi_magic.server --port P`` (timed from process start to the first
*valid* reply: a signed, encrypted ``screen/readList`` call that ``Client.call``
verifies) and ``python -m http.server P`` (process start to the first ``200`` of
``GET /``). Both are polled every 2 ms. Wall time (the wait a person notices);
the verdict is the median and range of the per-round ratios. Children run with
bytecode cached (`_common.child_env`), as an installed package runs; one untimed start
of each writes it.
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


def http_server_first_answer() -> float:
    port = _free_port()

    def ready() -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/")
            return conn.getresponse().status == 200
        finally:
            conn.close()

    return _until([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], ready)


def run(quick: bool = False, log: Any = print) -> dict:
    rounds = 2 if quick else 9
    samples: dict[str, list[float]] = {"splicer": [], "http": []}
    splicer_first_answer(), http_server_first_answer()  # untimed: the bytecode is written
    for r in range(rounds):
        log(f"  first answer, round {r + 1}/{rounds}")
        order = ["splicer", "http"] if r % 2 == 0 else ["http", "splicer"]
        for name in order:
            samples[name].append(
                splicer_first_answer() if name == "splicer" else http_server_first_answer()
            )
    v = verdict(ratios(samples["splicer"], samples["http"]))
    md = table(
        ["process start → first answer", "wall ms (median)", "÷ http.server, per round"],
        [
            [
                "`python -m openapi_magic.server` (first verified reply)",
                ms(median(samples["splicer"])),
                f"**{fmt_ratio(v)}**",
            ],
            ["`python -m http.server` (first 200)", ms(median(samples["http"])), ""],
        ],
    )
    return {"verdict": v, "samples": samples, "markdown": md}
