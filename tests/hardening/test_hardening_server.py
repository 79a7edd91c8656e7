"""The simulated splicer under abuse, on loopback, bounded in count and time.

Garbage bytes (random binary, a TLS hello on the plain port, broken request lines,
headers and lengths, bad chunking, a header line past the limit) each get the
vendor's JSON error shape or a closed connection, never a hang. Then 1,000
connections are held open at once (idle, half a request line, half the headers,
half a body): meanwhile valid calls keep being answered correctly, and afterwards
``stop()`` is clean: the port is free, the server's thread and every worker
thread end, and the held sockets see the connection closed.

Issue 16: every corner of chunked framing (negative, huge, junk hex, extensions,
trailers, a chunk longer than announced) is held to the body cap and answered in
the vendor's shape; a drip meets one whole-request deadline; hundreds of dripping
connections take no thread and leave valid calls answered while they still drip;
at the connection bound new clients push idle and stalled ones out; and the HTTP
layer serves any small backend, importing nothing of the splicer.
"""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time

import pytest
from _hardening import open_files, watchdog
from _server_fixtures import port_is_free

from openapi_magic import Client, fleet
from openapi_magic.server import serve
from openapi_magic.server._httpd import DEFAULT_WORKERS

HELD = 1000
TIMEOUT = 15  # seconds any one socket operation of the test may wait


def garbage() -> list[bytes]:
    rng = random.Random(9)
    made = [
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) + b"\r\n\r\n"
        for _ in range(40)
    ]
    hello = bytes.fromhex("160301020001000001fc0303") + bytes(
        rng.randrange(256) for _ in range(200)
    )
    return made + [
        hello,  # https:// pointed at the plain port
        b"\x00" * 100 + b"\r\n\r\n",
        b"\r\n\r\n",
        b"GET /\r\n\r\n",  # HTTP/0.9
        b"POST /open/api/screen/readList HTTP/9.9\r\n\r\n",
        b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        (
            b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n"
            b"Content-Type: application/json\r\n\r\n{}"
        ),
        b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n",
        (
            b"POST /open/api/screen/readList HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
        ),
        (
            b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 5\r\n\r\n\xff\xfe\xfd\xfc\xfb"
        ),
        b"POST /open/api/screen/readList HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        b"POST /open/api/screen/readList HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",
        (
            b"POST /open/api/\xff\xfe HTTP/1.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\n\r\n{}"
        ),
    ]


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def assert_vendor_shaped_or_closed(reply: bytes, sent: bytes) -> None:
    if not reply:
        return  # closed without a word: allowed for bytes that are not HTTP at all
    if reply.startswith(b"{"):
        # HTTP/0.9's way (the stdlib's, for a request line naming no HTTP/1.x version):
        # the body alone, which is still the vendor's shape
        assert not re.match(rb"[A-Z]+ \S+ HTTP/1\.[01]\r\n", sent), (sent[:60], reply[:200])
        body = reply
    else:
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1."), (sent[:60], reply[:200])
        # an HTTP-level problem (4xx), or past JSON parsing a splicer's 200 with a failure
        assert int(head.split()[1]) == 200 or 400 <= int(head.split()[1]) < 500, head
    envelope = json.loads(body)
    assert isinstance(envelope["status"], int) and envelope["status"] != 0, envelope
    assert envelope["msg"] and envelope["body"] in ("", {})  # {}: real firmware's failure shape


def handler_threads() -> set[threading.Thread]:
    """The threads serving connections: the splicers' worker pools."""
    return {
        t for t in threading.enumerate() if t.name.startswith("splicer:") and "-worker" in t.name
    }


def expected_screens(s) -> list:
    return s.state.call("screen/readList", {"deviceId": 0})["screens"]


def test_garbage_gets_an_error_shape_or_a_close_and_the_splicer_goes_on():
    with watchdog(60), serve(socket_timeout_s=5) as s:
        screens = expected_screens(s)
        for sent in garbage():
            with socket.create_connection(("127.0.0.1", s.port), timeout=TIMEOUT) as sock:
                sock.sendall(sent)
                sock.shutdown(socket.SHUT_WR)
                assert_vendor_shaped_or_closed(read_all(sock), sent)
        r = Client.from_splicer(s, timeout=TIMEOUT).call("screen/readList", {"deviceId": 0})
        assert r.ok and r.body["screens"] == screens


@pytest.fixture
def enough_files():
    """Room for 2,000+ sockets (both ends live in this process)."""
    with open_files(HELD):
        yield


PARTIAL = [
    b"",  # idle: connected, says nothing
    b"POST /open/api/scr",  # half a request line
    b"POST /open/api/screen/readList HTTP/1.1\r\nHost: x\r\nContent-Ty",  # half the headers
    (
        b"POST /open/api/screen/readList HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
        b'\r\nContent-Length: 100\r\n\r\n{"body"'
    ),  # half a body
]


def test_1000_held_connections_do_not_stop_valid_calls_and_stop_is_clean(enough_files):
    before = handler_threads()
    held: list[socket.socket] = []
    with watchdog(120):
        s = serve(socket_timeout_s=30)  # longer than the test holds them: stop() must end them
        try:
            port, server_thread = s.port, s._thread
            screens = expected_screens(s)
            for i in range(HELD):
                sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
                held.append(sock)
                if PARTIAL[i % len(PARTIAL)]:
                    sock.sendall(PARTIAL[i % len(PARTIAL)])
            deadline = time.monotonic() + TIMEOUT
            while s._server.connections < HELD and time.monotonic() < deadline:
                time.sleep(0.05)
            assert s._server.connections >= HELD  # every connection is being held...
            assert len(handler_threads() - before) <= DEFAULT_WORKERS  # ...by no thread of its own

            # meanwhile, valid calls are answered, and answered right
            client = Client.from_splicer(s, timeout=TIMEOUT)
            res = fleet.run(
                [client] * 20,
                "screen/readList",
                {"deviceId": 0},
                max_workers=8,
                per_splicer=None,
                progress=False,
            )
            assert res.ok and all(c.result.body["screens"] == screens for c in res.calls)
            screen_id = screens[0]["screenId"]
            assert client.call(
                "screen/rename", {"deviceId": 0, "screenId": screen_id, "name": "still here"}
            ).ok
            names = [
                x["name"] for x in client.call("screen/readList", {"deviceId": 0}).body["screens"]
            ]
            assert names[0] == "still here"
            client.close()
        finally:
            s.stop()
        # stop() is clean: the port is free, the threads end, the held sockets are closed
        assert not s.running and not server_thread.is_alive()
        assert port_is_free("127.0.0.1", port)
        ending = time.monotonic() + TIMEOUT
        for t in handler_threads() - before:
            t.join(max(0.0, ending - time.monotonic()))
        assert not handler_threads() - before, "connection threads still running after stop()"
        for n, sock in enumerate(held):
            sock.settimeout(TIMEOUT)
            with sock:  # closed by the splicer (perhaps after an error reply), no hang
                assert_vendor_shaped_or_closed(read_all(sock), PARTIAL[n % len(PARTIAL)])


# --------------------------------------------------------------------------- chunked bodies

CAP = 4096  # max_body_bytes of the chunked tests: small, so "over the cap" is cheap to send


def chunked_request(body: bytes, interface: str = "screen/readList") -> bytes:
    return (
        f"POST /open/api/{interface} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode() + body


def exchange(port: int, sent: bytes, then_hold: bool = True) -> tuple[int, dict]:
    """Send ``sent`` and read one reply, keeping the sending side open (so a server that
    waits for more bytes, or reads to the end, shows as a timeout, not as a reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(sent)
        if not then_hold:
            sock.shutdown(socket.SHUT_WR)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(65536)
            assert chunk, f"closed without a reply to {sent[-60:]!r}"
            reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        while len(body) < length:
            chunk = sock.recv(65536)
            assert chunk, "closed mid-reply"
            body += chunk
        return int(head.split()[1]), json.loads(body[:length])


def chunks(data: bytes, size: int, ext: bytes = b"") -> bytes:
    out = b"".join(
        b"%x%s\r\n%s\r\n" % (len(data[i : i + size]), ext, data[i : i + size])
        for i in range(0, len(data), size)
    )
    return out + b"0\r\n\r\n"


@pytest.mark.parametrize(
    ("name", "body", "http_status"),
    [
        # the hole of issue 16: -1 read the socket to its end, past every cap
        ("size -1", b"-1\r\n" + b"x" * 1000, 400),
        # sizes Python's int(x, 16) takes but HTTP does not (around a valid envelope: the
        # framing alone is what is refused)
        ("size +LEN", b"+LEN\r\nENV\r\n0\r\n\r\n", 400),
        ("size 0xLEN", b"0xLEN\r\nENV\r\n0\r\n\r\n", 400),
        ("size 0_LEN", b"0_LEN\r\nENV\r\n0\r\n\r\n", 400),
        ("size -0", b"%x\r\nENV\r\n-0\r\n\r\n", 400),
        ("size with junk", b"1z\r\nx\r\n0\r\n\r\n", 400),
        ("empty size", b"\r\nx\r\n0\r\n\r\n", 400),
        ("a chunk longer than announced", b"2\r\nabcdef\r\n0\r\n\r\n", 400),
        ("a size line past 1 KiB", b"1;" + b"e" * 2000, 400),
        ("more than 100 trailers", b"0\r\n" + b"X-T: 1\r\n" * 101, 400),
        # over the cap: refused at the size line, before the data is sent
        ("one huge chunk", b"fffffffffffffffffffff\r\n", 413),
        ("just over the cap", b"%x\r\n" % (CAP + 1), 413),
        ("over the cap in pieces", b"800\r\n" + b" " * 0x800 + b"\r\n801\r\n", 413),
        # framing past the cap + 64 KiB as sent, with a tiny decoded body
        ("long extensions on tiny chunks", (b"1;" + b"e" * 1000 + b"\r\n \r\n") * 80, 413),
    ],
)
def test_chunked_attacks_are_refused_with_the_vendor_shape(name, body, http_status):
    # The teaching profile's prose msg names the cause (real firmware's token would not).
    with (
        watchdog(60),
        serve(max_body_bytes=CAP, socket_timeout_s=TIMEOUT, firmware="teaching") as s,
    ):
        env = _valid_envelope(s)
        body = body.replace(b"LEN", b"%x" % len(env)).replace(b"ENV", env)
        if body.startswith(b"%x"):
            body = b"%x" % len(env) + body[2:]
        status, reply = exchange(s.port, chunked_request(body))
        assert (status, reply["status"]) == (http_status, http_status), (name, reply)
        assert reply["msg"] and reply["body"] == ""
        if http_status == 413:
            assert str(CAP) in reply["msg"]  # says what the cap is
        assert Client.from_splicer(s, timeout=TIMEOUT).call("screen/readList", {"deviceId": 0}).ok


def test_http_level_refusals_take_real_firmwares_shape_by_default():
    """By default a malformed request gets the shape real firmware uses for bad parameters."""
    with watchdog(60), serve(socket_timeout_s=TIMEOUT) as s:
        status, reply = exchange(s.port, chunked_request(b"-1\r\n" + b"x" * 100))
        assert status == 400
        assert reply == {"body": {}, "msg": "Params_Error", "sign": "", "status": 1}


def _valid_envelope(s) -> bytes:
    from _server_fixtures import envelope_for

    return json.dumps(envelope_for(s, {"deviceId": 0})).encode()


@pytest.mark.parametrize(
    "framing",
    [
        "one chunk",
        "byte chunks",
        "extensions",
        "trailers",
        "bare LF",
        "uppercase hex",
        "leading zeros",
    ],
)
def test_chunked_bodies_a_real_client_might_send_are_accepted(framing):
    with watchdog(60), serve(socket_timeout_s=TIMEOUT) as s:
        env = _valid_envelope(s)
        body = {
            "one chunk": chunks(env, len(env)),
            "byte chunks": chunks(env, 1),
            "extensions": chunks(env, 50, b' ; name="value" ;flag'),
            "trailers": chunks(env, 64)[:-2] + b"X-Checksum: 1\r\nX-More: 2\r\n\r\n",
            "bare LF": chunks(env, 40).replace(b"\r\n", b"\n"),
            "uppercase hex": b"%X\r\n%s\r\n0\r\n\r\n" % (len(env), env),
            "leading zeros": b"000%x\r\n%s\r\n0000\r\n\r\n" % (len(env), env),
        }[framing]
        status, reply = exchange(s.port, chunked_request(body))
        assert status == 200 and reply["status"] == 0, (framing, reply)


@pytest.mark.parametrize(
    ("length", "http_status"),
    [
        ("+12", 400),
        ("1_2", 400),
        (" 1 2", 400),
        ("0x10", 400),
        ("12, 13", 400),
        (str(CAP + 1), 413),
    ],
)
def test_odd_content_lengths_are_refused(length, http_status):
    with (
        watchdog(60),
        serve(max_body_bytes=CAP, socket_timeout_s=TIMEOUT, firmware="teaching") as s,
    ):
        sent = (
            f"POST /open/api/screen/readList HTTP/1.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode()
        status, reply = exchange(s.port, sent)
        assert (status, reply["status"]) == (http_status, http_status), reply


def test_two_different_content_lengths_are_refused():
    with watchdog(60), serve(socket_timeout_s=TIMEOUT, firmware="teaching") as s:
        sent = (
            b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
        )
        status, reply = exchange(s.port, sent)
        assert (status, reply["status"]) == (400, 400) and "twice" in reply["msg"]


def test_pipelined_requests_and_expect_100_continue_are_served():
    with watchdog(60), serve(socket_timeout_s=TIMEOUT) as s:
        env = _valid_envelope(s)
        one = (
            b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(env), env)
        )
        with socket.create_connection(("127.0.0.1", s.port), timeout=TIMEOUT) as sock:
            sock.sendall(one * 3 + chunked_request(chunks(env, 7)))
            sock.shutdown(socket.SHUT_WR)
            assert read_all(sock).count(b"HTTP/1.1 200 OK") == 4
        with socket.create_connection(("127.0.0.1", s.port), timeout=TIMEOUT) as sock:
            head, _, _ = one.partition(b"\r\n\r\n")
            sock.sendall(
                head.replace(b"\r\nContent-Type", b"\r\nExpect: 100-continue\r\nContent-Type")
                + b"\r\n\r\n"
            )
            assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
            sock.sendall(env)
            assert b"HTTP/1.1 200 OK" in sock.recv(65536)


# --------------------------------------------------------------------------- drips

DRIPS = 300


@pytest.mark.slow
def test_a_drip_meets_a_whole_request_deadline():
    """One byte every 0.1 s keeps every read under a 1 s timeout; the whole request has 1 s."""
    with watchdog(60), serve(socket_timeout_s=1) as s:
        request = (
            b"POST /open/api/screen/readList HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n" + b" " * 100
        )
        with socket.create_connection(("127.0.0.1", s.port), timeout=TIMEOUT) as sock:
            sent = 0
            try:
                for byte in request:  # 0.1 s a byte: 20 s if the splicer let it run
                    sock.sendall(bytes([byte]))
                    sent += 1
                    time.sleep(0.1)
            except OSError:  # reset by the splicer: it closed the connection
                pass
            sock.settimeout(TIMEOUT)
            try:
                reply = sock.recv(1024)
            except OSError:
                reply = b""
        assert reply == b"" and sent < len(request) // 2, (sent, reply[:80])


@pytest.mark.slow
def test_hundreds_of_drips_leave_valid_calls_answered(enough_files):
    before = handler_threads()
    stop = threading.Event()
    done: list[int] = []
    request = (
        b"POST /open/api/screen/readList HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 50\r\n\r\n" + b" " * 50
    )

    with watchdog(120), serve(socket_timeout_s=60) as s:
        screens = expected_screens(s)
        drips = [
            socket.create_connection(("127.0.0.1", s.port), timeout=TIMEOUT) for _ in range(DRIPS)
        ]

        def drip() -> None:  # one byte to each connection in turn, ~every 0.2 s each
            for byte in request:
                for sock in drips:
                    if stop.is_set():
                        return
                    sock.sendall(bytes([byte]))
                stop.wait(0.2)
            done.append(1)

        dripper = threading.Thread(target=drip, daemon=True)
        dripper.start()
        try:
            time.sleep(0.5)  # every drip has started its request
            assert s._server.connections >= DRIPS
            client = Client.from_splicer(s, timeout=TIMEOUT)
            results = [client.call("screen/readList", {"deviceId": 0}) for _ in range(20)]
            res = fleet.run(
                [client] * 20,
                "screen/readList",
                {"deviceId": 0},
                max_workers=8,
                per_splicer=None,
                progress=False,
            )
            # answered, and answered right, while every drip is still mid-request
            assert not done and dripper.is_alive()
            assert all(r.ok and r.body["screens"] == screens for r in results)
            assert res.ok and all(c.result.body["screens"] == screens for c in res.calls)
            assert s._server.connections >= DRIPS  # no drip was dropped to make room
            assert len(handler_threads() - before) <= DEFAULT_WORKERS
            client.close()
        finally:
            stop.set()
            dripper.join(TIMEOUT)
            for sock in drips:
                sock.close()


def test_at_the_connection_bound_new_clients_push_out_idle_and_stalled_ones():
    from openapi_magic.server import SimulatedSplicer
    from openapi_magic.server._httpd import SplicerHTTPServer

    splicer = SimulatedSplicer(socket_timeout_s=60)
    server = SplicerHTTPServer(splicer, ("127.0.0.1", 0), max_connections=8, workers=2)
    loop = threading.Thread(target=server.serve_forever, daemon=True)
    loop.start()
    url = f"http://127.0.0.1:{server.port}/open/api"
    held = []
    try:
        with watchdog(60):
            env = _valid_envelope(splicer)
            one = (
                b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Type: application/json"
                b"\r\nContent-Length: %d\r\n\r\n%s" % (len(env), env)
            )
            for n in range(8):  # 4 idle keep-alive connections, 4 stalled mid-headers
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
                sock.sendall(one if n % 2 else b"POST /open/api/scr")
                if n % 2:
                    assert b"200 OK" in sock.recv(65536)
                held.append(sock)
            for _ in range(12):  # each new client finds room (and then stays idle itself)
                client = Client(
                    url,
                    pid=splicer.pid,
                    secret_key=splicer.secret_key,
                    encrypt=splicer.encrypt,
                    timeout=TIMEOUT,
                )
                assert client.call("screen/readList", {"deviceId": 0}).ok
                client.close()
            assert server.connections <= 8
    finally:
        server.shutdown()
        server.close_all()
        loop.join(TIMEOUT)
        for sock in held:
            sock.close()


# --------------------------------------------------------------------------- the layering


def test_the_http_layer_imports_nothing_of_the_splicer_and_serves_any_backend():
    import ast
    from pathlib import Path

    import openapi_magic.server._httpd as httpd

    tree = ast.parse(Path(httpd.__file__).read_text(encoding="utf-8"))
    relative = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
    assert relative == [], relative  # imports point one way: splicer -> httpd

    class Echo:  # the whole interface the HTTP layer needs
        max_body_bytes, socket_timeout_s, latency_ms = 1000, 5.0, 0
        clock = staticmethod(time.time)

        def answer(self, interface, envelope):
            return {"status": 0, "msg": interface, "body": envelope}

        def non_interface_error(self, status, detail=""):
            return {"status": status, "msg": detail, "body": ""}

    server = httpd.SplicerHTTPServer(Echo(), ("127.0.0.1", 0))
    loop = threading.Thread(target=server.serve_forever, daemon=True)
    loop.start()
    try:
        sent = (
            b"POST /open/api/a/b HTTP/1.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 7\r\n\r\n{"x":1}'
        )
        assert exchange(server.port, sent) == (200, {"status": 0, "msg": "a/b", "body": {"x": 1}})
        status, reply = exchange(server.port, sent.replace(b"7\r\n", b"2000\r\n"))
        assert (status, reply["status"]) == (413, 413)
    finally:
        server.shutdown()
        server.close_all()
        loop.join(TIMEOUT)
