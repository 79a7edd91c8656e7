"""The simulated splicer under abuse, on loopback, bounded in count and time.

Garbage bytes (random binary, a TLS hello on the plain port, broken request lines,
headers and lengths, bad chunking, a header line past the limit) each get the
vendor's JSON error shape or a closed connection, never a hang. Then 1,000
connections are held open at once (idle, half a request line, half the headers,
half a body): meanwhile valid calls keep being answered correctly, and afterwards
``stop()`` is clean: the port is free, the server's thread and every connection's
thread end, and the held sockets see the connection closed.
"""

from __future__ import annotations

import json
import random
import re
import resource
import socket
import threading
import time

import pytest
from _hardening import watchdog
from _server_fixtures import port_is_free

from openapi_magic import Client, fleet
from openapi_magic.server import serve

HELD = 1000
TIMEOUT = 15  # seconds any one socket operation of the test may wait


def garbage() -> list[bytes]:
    rng = random.Random(9)
    made = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) + b"\r\n\r\n"
            for _ in range(40)]
    hello = bytes.fromhex("160301020001000001fc0303") + bytes(rng.randrange(256)
                                                                 for _ in range(200))
    return made + [
        hello,  # https:// pointed at the plain port
        b"\x00" * 100 + b"\r\n\r\n",
        b"\r\n\r\n",
        b"GET /\r\n\r\n",  # HTTP/0.9
        b"POST /open/api/screen/readList HTTP/9.9\r\n\r\n",
        b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        (b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n"
        b"Content-Type: application/json\r\n\r\n{}"),
        b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n",
        (b"POST /open/api/screen/readList HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
        (b"POST /open/api/screen/readList HTTP/1.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 5\r\n\r\n\xff\xfe\xfd\xfc\xfb"),
        b"POST /open/api/screen/readList HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        b"POST /open/api/screen/readList HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",
        (b"POST /open/api/\xff\xfe HTTP/1.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\n\r\n{}"),
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
    return {t for t in threading.enumerate() if "process_request_thread" in t.name}


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
    need = 2 * HELD + 512
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        yield
        return
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"needs {need} open files; the hard limit (ulimit -Hn) is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


PARTIAL = [
    b"",  # idle: connected, says nothing
    b"POST /open/api/scr",  # half a request line
    b"POST /open/api/screen/readList HTTP/1.1\r\nHost: x\r\nContent-Ty",  # half the headers
    (b"POST /open/api/screen/readList HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
    b"\r\nContent-Length: 100\r\n\r\n{\"body\""),  # half a body
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
            while len(handler_threads() - before) < HELD and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(handler_threads() - before) >= HELD  # every connection is being held

            # meanwhile, valid calls are answered, and answered right
            client = Client.from_splicer(s, timeout=TIMEOUT)
            res = fleet.run([client] * 20, "screen/readList", {"deviceId": 0}, max_workers=8,
                            per_splicer=None, progress=False)
            assert res.ok and all(c.result.body["screens"] == screens for c in res.calls)
            screen_id = screens[0]["screenId"]
            assert client.call("screen/rename", {"deviceId": 0, "screenId": screen_id,
                                                 "name": "still here"}).ok
            names = [x["name"] for x in client.call("screen/readList",
                                                    {"deviceId": 0}).body["screens"]]
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
