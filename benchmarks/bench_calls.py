"""Per-call overhead: many small calls on loopback, ours against a bare hand-written call.

The simulated splicer runs in a child process (so the client has this interpreter
to itself, as with a real splicer) and answers ``screen/readList`` (a 320-byte
reply) with no added latency. In alternating rounds of ``CALLS`` calls each:

* **bare**: a hand-written ``requests.Session`` call doing the same work: compact
  JSON, (DES-ECB with pycryptodome, Base64,) md5 sign, POST, parse the reply,
  check its sign, (decrypt,) parse the body;
* **client.call**: ``Client.call`` (seal, POST, streamed read with a size cap,
  open, a Result);
* **magic cell**: ``%%openapi screen/readList`` run in an ``InteractiveShell``, the
  Result displayed (its text and HTML rendered, as a notebook does);
* **bare call in a cell**: the bare call run in the same shell, its value displayed
  (IPython's own cost per cell, for comparison with the magic).
"""

from __future__ import annotations

import base64
import contextlib
import cProfile
import hashlib
import io
import json
import pstats
import time
from typing import Any

from _common import interleave, median, ms, ratio, splicers, spread, table

from openapi_magic import Client

INTERFACE = "screen/readList"
BODY = {"deviceId": 0}
CALLS = 20


class BareCall:
    """The call written by hand from the seed document: requests + hashlib (+ DES)."""

    def __init__(self, splicer: Any) -> None:
        self.url = f"{splicer.root}/{INTERFACE}"
        self.pid, self.key, self.encrypt = splicer.pid, splicer.secret_key, splicer.encrypt
        self.session = requests_session()

    @staticmethod
    def md5_b64(text: str) -> str:
        return base64.b64encode(hashlib.md5(text.encode()).hexdigest().encode()).decode()

    def __call__(self) -> Any:
        from Crypto.Cipher import DES
        ts = str(int(time.time() * 1000))
        if self.encrypt:
            plain = json.dumps(BODY, separators=(",", ":")).encode()
            n = 8 - len(plain) % 8
            des = DES.new(self.key.encode()[:8], DES.MODE_ECB)
            sealed = base64.b64encode(des.encrypt(plain + bytes((n,)) * n)).decode()
            sign = self.md5_b64(sealed + ts + self.pid + self.key)
        else:
            sealed, sign = BODY, self.md5_b64(ts + self.pid)
        data = json.dumps({"body": sealed, "sign": sign, "pId": self.pid, "timeStamp": ts},
                          separators=(",", ":")).encode()
        resp = self.session.post(self.url, data=data, timeout=10, headers={
            "Content-Type": "application/json; charset=utf-8"})
        reply = resp.json()
        raw = reply["body"]
        if self.encrypt:
            # real firmware (and the simulated splicer by default) sends an empty sign
            assert reply["sign"] in ("", self.md5_b64(raw + ts + self.pid + self.key))
            plain = DES.new(self.key.encode()[:8], DES.MODE_ECB).decrypt(base64.b64decode(raw))
            body = json.loads(plain[:-plain[-1]].decode())
        else:
            assert reply["sign"] in ("", self.md5_b64(ts + self.pid))
            body = raw
        assert reply["status"] == 0
        return body


def requests_session() -> Any:
    import requests
    return requests.Session()


def _shell(splicer: Any) -> Any:
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "openapi_magic")
    shell.user_ns["splicer"] = splicer
    with contextlib.redirect_stdout(io.StringIO()):
        res = shell.run_cell("%openapi_connect splicer", store_history=False)
    res.raise_error()
    return shell


def _cell(shell: Any, code: str, sink: io.StringIO) -> Any:
    def run() -> None:
        with contextlib.redirect_stdout(sink):
            res = shell.run_cell(code, store_history=False)
        if not res.success:
            res.raise_error()
        sink.seek(0)
        sink.truncate()
    return run


def _check_render(shell: Any) -> None:
    """The magic cell's display renders the Result's HTML (so the timing includes it)."""
    from openapi_magic.result import Result
    bundles = []
    original = Result._repr_mimebundle_

    def spy(self: Any, include: Any = None, exclude: Any = None) -> dict:
        bundle = original(self, include, exclude)
        bundles.append(bundle)
        return bundle
    Result._repr_mimebundle_ = spy
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            shell.run_cell(f"%%openapi {INTERFACE}\n{json.dumps(BODY)}", store_history=False)
    finally:
        Result._repr_mimebundle_ = original
    assert bundles and "<table" in bundles[0]["text/html"], "the magic cell did not render"


def breakdown(client: Client, bare: BareCall, calls: int = 300) -> list[tuple[str, float]]:
    """Where a client.call spends its time beyond a bare call (cProfile, per call)."""
    def profile(fn: Any) -> pstats.Stats:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(calls):
            fn()
        prof.disable()
        return pstats.Stats(prof)

    ours = profile(lambda: client.call(INTERFACE, BODY))
    theirs = profile(bare)

    def cum(stats: pstats.Stats, file_part: str, name: str) -> float:
        total = 0.0
        for (file, _, func), (_, _, _, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
            if func == name and file_part in file:
                total += ct
        return total / calls

    return [
        ("client.call (profiled)", cum(ours, "client.py", "call")),
        ("  prepare: seal, envelope JSON", cum(ours, "client.py", "prepare")),
        ("  Session.post (requests + urllib3 + socket)", cum(ours, "sessions.py", "post")),
        ("  _read: streamed read with the size cap", cum(ours, "client.py", "_read")),
        ("  protocol.open_reply", cum(ours, "protocol.py", "open_reply")),
        ("  catalog lookups (_records_hint, _status_help)",
         cum(ours, "client.py", "_records_hint") + cum(ours, "client.py", "_status_help")),
        ("  Result construction", cum(ours, "<string>", "__init__")),
        ("bare call (profiled)", cum(theirs, "bench_calls.py", "__call__")),
        ("  Session.post", cum(theirs, "sessions.py", "post")),
        ("  Response.json", cum(theirs, "models.py", "json")),
    ]


def run(quick: bool = False, log: Any = print) -> dict:
    rounds = 3 if quick else 40
    calls = 5 if quick else CALLS
    modes = []
    with splicers({"encrypt": False}, {"encrypt": True}) as started:
        for splicer in started:
            mode = "encrypted" if splicer.encrypt else "plain"
            log(f"  per-call overhead, {mode}")
            client = Client.from_splicer(splicer, timeout=10)
            bare = BareCall(splicer)
            shell = _shell(splicer)
            _check_render(shell)
            shell.user_ns["_bare"] = bare
            sink = io.StringIO()
            sides = {
                "bare": bare,
                "client": lambda client=client: client.call(INTERFACE, BODY),
                "magic": _cell(shell, f"%%openapi {INTERFACE}\n{json.dumps(BODY)}", sink),
                "bare_cell": _cell(shell, "_bare()", sink),
            }
            samples = interleave(sides, rounds, inner=calls, warmup=3)
            prof = breakdown(client, bare, 30 if quick else 300)
            modes.append({"mode": mode, "samples": samples, "breakdown": prof})
            client.close()
    return {"modes": modes, "markdown": markdown(modes)}


def markdown(modes: list[dict]) -> str:
    rows = []
    for m in modes:
        s = m["samples"]
        for name, label in (("bare", "bare requests + hashlib call"),
                            ("client", "client.call"),
                            ("bare_cell", "bare call in an IPython cell (displayed)"),
                            ("magic", "%%openapi cell (Result rendered: text + HTML)")):
            r = ratio(s[name], s["bare"])
            extra = median(s[name]) - median(s["bare"])
            vs_cell = (f"{ratio(s['magic'], s['bare_cell']):.2f}×" if name == "magic" else "")
            rows.append([f"{m['mode']}: {label}", ms(median(s[name])), spread(s[name]),
                         f"**{r:.2f}×**" if name == "client" else f"{r:.2f}×",
                         "" if name == "bare" else f"{extra * 1e6:+,.0f}", vs_cell])
    main = table(["call (screen/readList, 320-byte reply)", "ms per call (median)",
                  "spread", "÷ bare call", "µs over bare", "÷ bare call in a cell"], rows)
    parts = [main, "", ("Where the time goes (cProfile, cumulative ms per call; profiling "
                        "inflates every figure, compare within a column):"), ""]
    prow = []
    names = [n for n, _ in modes[0]["breakdown"]]
    for i, name in enumerate(names):
        prow.append([name.replace("  ", "&nbsp;&nbsp;")] + [ms(m["breakdown"][i][1])
                                                           for m in modes])
    parts.append(table(["step"] + [m["mode"] for m in modes], prow))
    return "\n".join(parts)
