"""Helpers for the simulated-splicer tests: start splicers, send sealed requests.

Requests are sealed and replies opened with the protocol core (the server's
correctness against an independent implementation is checked separately, in
server/test_server_independent.py). No client code here: the splicer is tested alone.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any

import requests

from openapi_magic.core import protocol
from openapi_magic.server import SimulatedSplicer

TIMEOUT = 10  # seconds, for every HTTP call in the tests: nothing may hang


@dataclass
class Reply:
    """A reply as a test sees it."""

    http_status: int
    envelope: dict
    status: int
    msg: str
    body: Any
    sign_verdict: str
    headers: Any

    @property
    def ok(self) -> bool:
        return self.status == 0


def now_ms(clock=time.time) -> str:
    return str(int(clock() * 1000))


def envelope_for(
    splicer: SimulatedSplicer,
    body: Any,
    *,
    pid: str | None = None,
    secret_key: str | None = None,
    encrypt: bool | None = None,
    timestamp: str | None = None,
) -> dict:
    """A request envelope sealed with the splicer's main account (or the given one)."""
    return protocol.seal_request(
        body,
        pid=pid or splicer.pid,
        secret_key=secret_key if secret_key is not None else splicer.secret_key,
        timestamp=timestamp or now_ms(splicer.clock),
        encrypt=splicer.encrypt if encrypt is None else encrypt,
    )


def post_envelope(
    splicer: SimulatedSplicer,
    interface: str,
    envelope: Any,
    *,
    secret_key: str | None = None,
    encrypt: bool | None = None,
    session: requests.Session | None = None,
) -> Reply:
    """POST an envelope and open the reply with the same credentials."""
    http = session or requests
    resp = http.post(splicer.url(interface), json=envelope, timeout=TIMEOUT)
    data = resp.json()
    encrypt = splicer.encrypt if encrypt is None else encrypt
    pid = envelope.get("pId", "x") if isinstance(envelope, dict) else "x"
    ts = envelope.get("timeStamp", "0") if isinstance(envelope, dict) else "0"
    opened = protocol.open_reply(
        data,
        pid=pid if isinstance(pid, str) and pid else "x",
        timestamp=ts if str(ts).isdigit() else "0",
        secret_key=secret_key if secret_key is not None else splicer.secret_key,
        encrypt=encrypt,
    )
    return Reply(
        resp.status_code,
        data,
        opened.status,
        opened.msg,
        opened.body,
        opened.sign_verdict,
        resp.headers,
    )


def call(splicer: SimulatedSplicer, interface: str, body: Any = None, **kw: Any) -> Reply:
    """Seal ``body`` for the splicer's main account (or ``pid``/``secret_key``/``encrypt``/
    ``timestamp`` given), POST it, open the reply."""
    session = kw.pop("session", None)
    env = envelope_for(splicer, {} if body is None else body, **kw)
    return post_envelope(
        splicer,
        interface,
        env,
        secret_key=kw.get("secret_key"),
        encrypt=kw.get("encrypt"),
        session=session,
    )


def ok(splicer: SimulatedSplicer, interface: str, body: Any = None, **kw: Any) -> Any:
    """Call and insist on status 0; return the reply body."""
    reply = call(splicer, interface, body, **kw)
    assert reply.status == 0, (interface, reply.status, reply.msg)
    return reply.body


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


class FakeClock:
    """A settable clock (epoch seconds) for the splicer's ``clock`` option."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
