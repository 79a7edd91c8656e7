"""Faulty networks, through every front-end: one fault table, four ways to call.

Each fault of a show network (nothing listening, a reset mid-reply, a cut reply, a
silent or slowly dripping splicer, a proxy's HTML error page, an empty or non-JSON
200, a redirect to another host, a reply past the size cap) is played by a real
socket server on loopback (``standin.StandIn``), and sent to by the client, the
``%%openapi`` magic (short error, and ``--keep-going``), the form and a fleet run.
Each must give exactly one clear error of the documented kind that names the cause
and the URL, keeps what arrived, shows no secret, and never hangs: a watchdog turns a
hang into a failure, and the timeouts used are well under it.
"""

from __future__ import annotations

import contextlib
import html
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from _hardening import SECRET, assert_no_secret, fresh_magic, watchdog
from IPython.utils.capture import capture_output
from standin import Reply, StandIn, free_port

from openapi_magic import Client, fleet
from openapi_magic.client import _transport
from openapi_magic.client._client import _with_headers
from openapi_magic.errors import (
    ConnectError,
    DecodeError,
    HTTPStatusError,
    OpenAPIError,
    ReplyTooLarge,
    RequestTimeout,
    TransportError,
)
from openapi_magic.frontends._form import form
from openapi_magic.frontends._magics import LAST_ERROR, OpenAPICellError

INTERFACE = "screen/readList"
BODY = b'{"status": 0, "msg": "Success", "sign": "", "body": {"screens": []}}'
HTML_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
    b"<script>alert('proxy')</script></body></html>"
)
CAP = 64 * 1024  # max_reply_bytes of the clients here
SHORT = 0.5  # seconds: the timeout of the faults that test timeouts
WAIT = 20  # seconds a front-end may take before the test gives up (calls take < 2 s)


@dataclass(frozen=True)
class Fault:
    """One network fault: what the server does, and the one error it must give."""

    id: str
    reply: Reply | None  # None: nothing listens on the port
    error: type[OpenAPIError]
    says: str  # words of the cause, in the error's message and in what is shown
    timeout: float = 5.0
    arrived: bytes | None = None  # the reply text the error keeps (None: nothing arrived)
    redirect: bool = False  # the Location points at a second server, which must hear nothing
    sent: int = 1  # requests the server may see (none is retried or followed)
    hangs_up: bool = False  # the client must leave while the reply is still arriving
    stalls_tls: bool = False  # an https root whose listener takes the connection, says nothing


FAULTS = [
    Fault("refused", None, ConnectError, "connection refused", sent=0),
    Fault("reset-mid-reply", Reply(BODY, reset_after=10), TransportError, "broke"),
    Fault("truncated", Reply(BODY, truncate_to=20), TransportError, "cut short", arrived=BODY[:20]),
    Fault("silent", Reply(BODY, delay=4), RequestTimeout, f"within {SHORT:g} s", timeout=SHORT),
    Fault(
        "slow-drip",
        Reply(BODY * 4, drip_seconds=0.05),
        RequestTimeout,
        f"within {SHORT:g} s",
        timeout=SHORT,
        hangs_up=True,
    ),
    # ~8 s of headers, a byte at a time: no single read waits long, the whole must not
    Fault(
        "slow-drip-of-headers",
        Reply(BODY, head_drip_seconds=0.05),
        RequestTimeout,
        f"within {SHORT:g} s",
        timeout=SHORT,
        hangs_up=True,
    ),
    Fault(
        "502-html",
        Reply(HTML_PAGE, status=502, reason="Bad Gateway", headers={"Content-Type": "text/html"}),
        HTTPStatusError,
        "HTTP 502 Bad Gateway",
        arrived=HTML_PAGE,
    ),
    Fault(
        "504-html",
        Reply(
            HTML_PAGE.replace(b"502 Bad", b"504 Gateway").replace(
                b"Bad Gateway", b"Gateway Timeout"
            ),
            status=504,
            reason="Gateway Timeout",
            headers={"Content-Type": "text/html"},
        ),
        HTTPStatusError,
        "HTTP 504 Gateway Timeout",
    ),
    Fault("200-empty", Reply(b""), DecodeError, "empty body", arrived=b""),
    # the connection closes inside the headers: http.client takes it for a whole head
    Fault(
        "cut-mid-headers",
        Reply(BODY, head_cut_at=len("HTTP/1.1 200 OK\r\nContent-Ty")),
        TransportError,
        "in the middle of the reply's headers",
        arrived=b"",
    ),
    # valid JSON, but a number past Python's digit limit: not "not JSON"
    Fault(
        "million-digit-number",
        Reply(BODY.replace(b"[]", b"[" + b"7" * 10_000 + b"]")),
        DecodeError,
        "more than 4,300 digits",
    ),
    # the TCP connection is taken, the TLS handshake never answered: nothing was sent
    Fault(
        "tls-handshake-stalls",
        None,
        ConnectError,
        "TLS handshake",
        timeout=SHORT,
        sent=0,
        stalls_tls=True,
    ),
    Fault(
        "200-not-json",
        Reply(b"<html>Welcome to nginx!</html>", headers={"Content-Type": "text/html"}),
        DecodeError,
        "not JSON",
        arrived=b"<html>Welcome to nginx!</html>",
    ),
    Fault(
        "redirect-to-another-host",
        Reply(b"", status=302, reason="Found"),
        HTTPStatusError,
        "redirect to http://localhost:",
        redirect=True,
    ),
    Fault(
        "past-the-size-cap",
        Reply(b'{"status": 0, "body": "' + b"x" * (4 * CAP) + b'"}', content_length=False),
        ReplyTooLarge,
        "max_reply_bytes",
    ),
    Fault(
        "announced-past-the-size-cap",
        Reply(b'{"status": 0, "body": "' + b"x" * (4 * CAP) + b'"}'),
        ReplyTooLarge,
        "announces",
    ),
]


@dataclass
class Seen:
    """What one front-end made of a fault: the error it kept, and what it showed."""

    error: BaseException | None
    shown: str  # everything shown, text and HTML
    errors_shown: int  # how many error messages the user sees (must be one)
    html: str = ""  # the HTML part of what is shown


# --------------------------------------------------------------------------- front-ends


def by_client(client: Client, ctx: dict) -> Seen:
    try:
        client.call(INTERFACE, {"deviceId": 0})
    except OpenAPIError as exc:
        return Seen(exc, str(exc), 1)
    return Seen(None, "", 0)


def _magic_cell(ctx: dict, flags: str) -> tuple[Any, str, list]:
    ip = ctx["ip"]
    ip.user_ns["target"] = ctx["client"]
    with capture_output() as cap:
        # --no-firmware: the connect would read main/initStatus, one more request to the fault
        assert ip.run_cell("%openapi_connect target --no-firmware").success
    with capture_output() as cap:
        res = ip.run_cell(f'%%openapi {INTERFACE} {flags}\n{{"deviceId": 0}}')
    return res, cap.stdout + cap.stderr, cap.outputs


def by_magic(client: Client, ctx: dict) -> Seen:
    res, text, _ = _magic_cell(ctx, "")
    # exactly the short error: OpenAPICellError, rendered without a traceback
    assert isinstance(res.error_in_exec, OpenAPICellError), repr(res.error_in_exec)
    assert "Traceback" not in text
    return Seen(ctx["ip"].user_ns[LAST_ERROR], text, text.count("OpenAPI error:"))


def by_magic_keep_going(client: Client, ctx: dict) -> Seen:
    res, _, outputs = _magic_cell(ctx, "--keep-going")
    assert res.success and res.result is None
    shown = "".join(o.data.get("text/html", "") for o in outputs)
    return Seen(ctx["ip"].user_ns[LAST_ERROR], shown, shown.count("OpenAPI error:"), shown)


def by_form(client: Client, ctx: dict) -> Seen:
    f = form(client, interface=INTERFACE)
    try:
        assert f.send() is True
        assert f.wait(WAIT), "the form's call did not end"
        shown = "".join(o["data"].get("text/html", "") for o in f._out.outputs)
        assert "Traceback" not in shown and not f.busy
        assert f._clock.value.startswith(f"{type(f.error).__name__} after ")
        return Seen(f.error, shown, shown.count("openapi-magic-form-error"), shown)
    finally:
        f.close()


def by_fleet(client: Client, ctx: dict) -> Seen:
    res = fleet.run({"hall-a": client}, INTERFACE, {"deviceId": 0}, retries=0, progress=False)
    (call,) = res.calls
    assert not res.ok and call.state == "failed" and call.attempts == 1
    shown = res.to_html()
    out = res.outcomes
    assert list(out["error"]) == [type(call.error).__name__]
    return Seen(call.error, shown + "\n" + res.to_text(), 1, shown)


def by_client_via_requests(client: Client, ctx: dict) -> Seen:
    """The client on requests' transport (an http root gets the light one by default)."""
    client._session.close()
    client._session = _with_headers(_transport.session())
    return by_client(client, ctx)


FRONT_ENDS: dict[str, Callable[[Client, dict], Seen]] = {
    "client": by_client,
    "client-via-requests": by_client_via_requests,
    "magic": by_magic,
    "magic-keep-going": by_magic_keep_going,
    "form": by_form,
    "fleet": by_fleet,
}


@pytest.fixture
def ctx(request, shell, monkeypatch, tmp_path):
    ctx = {}
    if "magic" in request.node.callspec.params["front_end"]:
        ctx["ip"] = fresh_magic(shell, monkeypatch, tmp_path)
    return ctx


@pytest.mark.parametrize("front_end", list(FRONT_ENDS))
@pytest.mark.parametrize(
    "fault",
    # A fault that waits out the SHORT deadline takes ~0.5-1 s in every front-end: slow.
    [pytest.param(f, marks=pytest.mark.slow) if f.timeout == SHORT else f for f in FAULTS],
    ids=[f.id for f in FAULTS],
)
def test_each_fault_gives_one_clear_error_in_every_front_end(fault, front_end, ctx):
    with watchdog(WAIT + 10), StandIn(secret_key=SECRET) as other, contextlib.ExitStack() as stack:
        server = None
        hung_up = False
        if fault.reply is not None:
            reply = fault.reply
            if fault.redirect:
                other_root = other.root.replace("127.0.0.1", "localhost")
                reply = Reply(
                    reply.body,
                    status=reply.status,
                    reason=reply.reason,
                    headers={"Location": f"{other_root}/{INTERFACE}"},
                )
            server = StandIn(lambda req: reply, secret_key=SECRET)
            root = server.root
        elif fault.stalls_tls:
            listener = socket.create_server(("127.0.0.1", 0), backlog=16)  # never accepts
            stack.callback(listener.close)
            root = f"https://127.0.0.1:{listener.getsockname()[1]}/open/api"
        else:
            root = f"http://127.0.0.1:{free_port()}/open/api"
        try:
            client = Client(
                root, "demo", SECRET, encrypt=True, timeout=fault.timeout, max_reply_bytes=CAP
            )
            ctx["client"] = client
            seen = FRONT_ENDS[front_end](client, ctx)
            if fault.hangs_up:  # the server sees the client leave before it has sent all
                for _ in range(100):
                    if server.hung_up:
                        break
                    time.sleep(0.05)
                hung_up = bool(server.hung_up)
        finally:
            if server is not None:
                server.stop()
    url = f"{root}/{INTERFACE}"
    err = seen.error
    assert isinstance(err, fault.error), f"{type(err).__name__}: {err}"
    assert seen.errors_shown == 1, seen.shown
    # the cause and the URL, in the error and in what the user sees
    for words in (fault.says, url):
        assert words in err.message
        assert words in seen.shown or html.escape(words) in seen.shown, (words, seen.shown)
    # what was sent and what arrived stay reachable
    assert err.url == url and err.request_envelope["pId"] == "demo"
    if fault.arrived is not None:
        assert err.raw_text == fault.arrived.decode("utf-8")
    if fault.reply is not None and fault.reply.status != 200:
        assert err.http_status == fault.reply.status
    if server is not None:
        assert len(server.requests) == fault.sent  # nothing retried behind the user's back
    assert other.requests == []  # a redirect is reported, never followed
    assert hung_up is fault.hangs_up  # the timeout fired while the reply was still arriving
    assert_no_secret([seen.shown, str(err), repr(err), err.message])
    if "<script>" in (err.raw_text or ""):
        assert "<script>" not in seen.html  # a proxy's page is shown as text, never run
