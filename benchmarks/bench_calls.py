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
  (IPython's own cost per cell, for comparison with the magic);
* **http.client**: the bare call's signing and parsing over one keep-alive
  ``http.client.HTTPConnection`` (no requests, no urllib3): what a lighter transport
  would cost.

Every side is measured in **CPU time of this process** (``time.process_time``): the
splicer works in its own process, so this is the client's cost alone and holds on
a busy machine. Verdicts are medians (and ranges) of per-round ratios. A profile
(cProfile, repeated rounds) splits client.call's own time by where the code lives:
requests, urllib3, the standard library's http/socket, openapi_magic, the rest.
"""

from __future__ import annotations

import base64
import contextlib
import cProfile
import hashlib
import http.client
import io
import json
import pstats
import time
import urllib.parse
from typing import Any

from _common import fmt_ratio, median, ms, paired, ratios, splicers, table, verdict

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
        data = json.dumps(
            {"body": sealed, "sign": sign, "pId": self.pid, "timeStamp": ts}, separators=(",", ":")
        ).encode()
        resp = self.session.post(
            self.url,
            data=data,
            timeout=10,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        reply = resp.json()
        raw = reply["body"]
        if self.encrypt:
            # real firmware (and the simulated splicer by default) sends an empty sign
            assert reply["sign"] in ("", self.md5_b64(raw + ts + self.pid + self.key))
            plain = DES.new(self.key.encode()[:8], DES.MODE_ECB).decrypt(base64.b64decode(raw))
            body = json.loads(plain[: -plain[-1]].decode())
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
    with contextlib.redirect_stdout(io.StringIO()):
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
    from openapi_magic.client._result import Result

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


class HttpClientCall(BareCall):
    """The bare call's signing and parsing over one keep-alive ``http.client`` connection."""

    def __init__(self, splicer: Any) -> None:
        super().__init__(splicer)
        parts = urllib.parse.urlsplit(self.url)
        self.path = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)

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
        data = json.dumps(
            {"body": sealed, "sign": sign, "pId": self.pid, "timeStamp": ts}, separators=(",", ":")
        ).encode()
        self.conn.request(
            "POST",
            self.path,
            body=data,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        resp = self.conn.getresponse()
        reply = json.loads(resp.read())
        raw = reply["body"]
        if self.encrypt:
            assert reply["sign"] == self.md5_b64(raw + ts + self.pid + self.key)
            plain = DES.new(self.key.encode()[:8], DES.MODE_ECB).decrypt(base64.b64decode(raw))
            body = json.loads(plain[: -plain[-1]].decode())
        else:
            assert reply["sign"] == self.md5_b64(ts + self.pid)
            body = raw
        assert reply["status"] == 0
        return body


GROUPS = (
    (
        "os.environ scan (requests' trust_env proxy lookup, per call)",
        ("<frozen os>", "urllib/request.py", "_collections_abc"),
    ),
    ("typing Protocol isinstance (requests' _types)", "typing.py"),
    ("requests", "/requests/"),
    ("urllib3", "/urllib3/"),
    ("openapi_magic", "/openapi_magic/"),
    (
        "stdlib http/socket/ssl",
        (
            "/http/",
            "socket.py",
            "ssl.py",
            "selectors.py",
            "<method 'recv",
            "<method 'send",
            "<method 'connect",
            "<built-in method _socket",
            "<method 'makefile",
        ),
    ),
)


def _group(file: str, func: str) -> str:
    where = file if file != "~" else func
    for name, marks in GROUPS:
        marks = (marks,) if isinstance(marks, str) else marks
        if any(m in where for m in marks):
            return name
    return "the rest (json, hashlib, email headers, builtins…)"


def profile_split(fn: Any, calls: int, rounds: int) -> dict[str, list[float]]:
    """Per round: CPU seconds per call by group of code (cProfile own time, ``tottime``)."""
    out: dict[str, list[float]] = {}
    for _ in range(rounds):
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        for _ in range(calls):
            fn()
        prof.disable()
        totals: dict[str, float] = {}
        for (file, _, func), (_, _, tt, _, _) in pstats.Stats(prof).stats.items():  # type: ignore[attr-defined]
            g = _group(file, func)
            totals[g] = totals.get(g, 0.0) + tt / calls
        for g, v in totals.items():
            out.setdefault(g, []).append(v)
    return out


def run(quick: bool = False, log: Any = print) -> dict:
    rounds = 3 if quick else 30
    calls = 5 if quick else CALLS
    modes = []
    with splicers({"encrypt": False}, {"encrypt": True}) as started:
        for splicer in started:
            mode = "encrypted" if splicer.encrypt else "plain"
            log(f"  per-call CPU, {mode}")
            client = Client.from_splicer(splicer, timeout=10)
            bare = BareCall(splicer)
            # Prototype: the same client on a Session that does not read proxies from
            # the environment on every call (requests' trust_env).
            plain_session = requests_session()
            plain_session.trust_env = False
            noenv = Client.from_splicer(splicer, timeout=10, session=plain_session)
            light = HttpClientCall(splicer)
            assert light() == bare() == client.call(INTERFACE, BODY).body
            shell = _shell(splicer)
            _check_render(shell)
            shell.user_ns["_bare"] = bare
            sink = io.StringIO()

            def batch(fn: Any) -> Any:
                return lambda: [fn() for _ in range(calls)] and None

            sides = {
                "bare": batch(bare),
                "client": batch(lambda: client.call(INTERFACE, BODY)),
                "httpclient": batch(light),
                "client_noenv": batch(lambda: noenv.call(INTERFACE, BODY)),
                "bare_cell": batch(_cell(shell, "_bare()", sink)),
                "magic": batch(_cell(shell, f"%%openapi {INTERFACE}\n{json.dumps(BODY)}", sink)),
            }
            samples = paired(sides, rounds, warmup=1, clock=time.process_time)
            samples = {k: [x / calls for x in v] for k, v in samples.items()}
            split = profile_split(
                lambda: client.call(INTERFACE, BODY),
                calls=20 if quick else 100,
                rounds=2 if quick else 7,
            )
            modes.append(
                {
                    "mode": mode,
                    "samples": samples,
                    "split": split,
                    "client_vs_bare": verdict(ratios(samples["client"], samples["bare"])),
                    "noenv_vs_bare": verdict(ratios(samples["client_noenv"], samples["bare"])),
                    "light_vs_bare": verdict(ratios(samples["httpclient"], samples["bare"])),
                    "client_vs_light": verdict(ratios(samples["client"], samples["httpclient"])),
                    "cell_vs_bare_cell": verdict(ratios(samples["magic"], samples["bare_cell"])),
                }
            )
            light.conn.close()
            noenv.close()
            client.close()
    return {"modes": modes, "markdown": markdown(modes)}


def markdown(modes: list[dict]) -> str:
    rows = []
    for m in modes:
        s = m["samples"]
        for name, label in (
            ("bare", "bare requests + hashlib call"),
            ("client", "client.call"),
            ("client_noenv", "prototype: client.call, Session.trust_env = False"),
            ("httpclient", "keep-alive http.client, same signing and parsing"),
            ("bare_cell", "bare call in an IPython cell (displayed)"),
            ("magic", "%%openapi cell (Result displayed: mimebundle)"),
        ):
            ref = "bare_cell" if name == "magic" else "bare"
            v = verdict(ratios(s[name], s[ref]))
            rows.append(
                [
                    f"{m['mode']}: {label}",
                    ms(median(s[name])),
                    "" if name == ref else fmt_ratio(v),
                    "a bare call in a cell"
                    if name == "magic"
                    else ("" if name == ref else "the bare call"),
                ]
            )
    main = table(
        [
            "call (screen/readList, 320-byte reply)",
            "CPU ms per call (median)",
            "÷ reference, per round (median, range)",
            "reference",
        ],
        rows,
    )
    groups = sorted({g for m in modes for g in m["split"]})
    prow = []
    for g in groups:
        cells = []
        for m in modes:
            vals = m["split"].get(g, [0.0])
            total = [sum(v[i] for v in m["split"].values() if i < len(v)) for i in range(len(vals))]
            share = median([v / t for v, t in zip(vals, total)])
            cells.append(f"{ms(median(vals))} ({share * 100:.0f} %)")
        prow.append([g] + cells)
    parts = [
        main,
        "",
        (
            "Where client.call's CPU goes (cProfile own time by where the code "
            "lives, ms per call and share; medians of repeated rounds; profiling "
            "inflates every figure, read the shares):"
        ),
        "",
        table(["code"] + [m["mode"] for m in modes], prow),
    ]
    return "\n".join(parts)
