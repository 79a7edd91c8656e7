"""The light transport's short cuts (issue 24) send and read what the long way does.

A LightSession writes its header lines once (until a header changes) instead of
having ``http.client`` check and encode them for every call; a reply's headers are
gathered in one pass; a small DES body runs in the caller's thread. Each is held
against the code path it replaced, on the same input, errors included.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import time

import pytest
import requests

from openapi_magic.client import _transport
from openapi_magic.core import _des

TARGET = "/open/api/screen/readList"
DATA = b'{"body":{"deviceId":0},"sign":"x","pId":"demo","timeStamp":"1"}'


class _Wire:
    """A socket that keeps what is sent."""

    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += bytes(data)


def _long_way(headers: requests.structures.CaseInsensitiveDict, data: bytes = DATA) -> bytes:
    conn = http.client.HTTPConnection("10.0.0.5", 8000)
    conn.sock = _Wire()  # type: ignore[assignment]
    conn.request("POST", TARGET, body=data, headers=dict(headers))
    return conn.sock.sent  # type: ignore[attr-defined]


def _light_way(session: _transport.LightSession, data: bytes = DATA) -> bytes:
    conn = _transport._LightConnection("10.0.0.5", 8000)
    conn.sock = _Wire()  # type: ignore[assignment]
    conn.post(TARGET, data, session.headers)  # type: ignore[arg-type]
    return conn.sock.sent  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"Content-Type": "application/json; charset=utf-8", "X-Show": "night"},
        {"Host": "wall.local"},  # a caller's own Host replaces http.client's
        {"accept-encoding": "identity", "Content-Length": str(len(DATA))},
        {"X-Bytes": b"raw", "X-Number": 7},
    ],
)
def test_the_request_bytes_are_http_clients_own(extra):
    session = _transport.LightSession("10.0.0.5", 8000)
    session.headers.update(extra)
    assert _light_way(session) == _long_way(session.headers)
    assert _light_way(session, b"") == _long_way(session.headers, b"")


def test_a_header_changed_between_calls_is_sent_as_changed():
    session = _transport.LightSession("10.0.0.5", 8000)
    first = _light_way(session)
    assert b"X-Show" not in first
    session.headers["X-Show"] = "night"
    assert b"X-Show: night\r\n" in _light_way(session)
    session.headers.update({"x-show": "day"})
    assert _light_way(session) == _long_way(session.headers)
    assert b"X-Show" not in first and b"x-show: day\r\n" in _light_way(session)
    del session.headers["User-Agent"]
    assert b"User-Agent" not in _light_way(session)
    assert _light_way(session) == _long_way(session.headers)
    session.headers.clear()
    assert _light_way(session) == _long_way(session.headers)


@pytest.mark.parametrize(
    "name, value",
    [("X-Evil", "a\r\nInjected: 1"), (" Lead", "x"), ("X:Colon", "x"), ("X-CR", "a\rb")],
)
def test_a_header_http_client_refuses_is_refused_the_same_way(name, value):
    session = _transport.LightSession("10.0.0.5", 8000)
    session.headers[name] = value
    with pytest.raises(ValueError) as light:
        _light_way(session)
    with pytest.raises(ValueError) as long:
        _long_way(session.headers)
    assert str(light.value) == str(long.value)


class _Reply:
    status, reason, length = 200, "OK", 0

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def getheaders(self) -> list[tuple[str, str]]:
        return self._pairs


def _joined_long_way(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    headers: requests.structures.CaseInsensitiveDict = requests.structures.CaseInsensitiveDict()
    for name, value in pairs:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return list(headers.items())


@pytest.mark.parametrize(
    "pairs",
    [
        [],
        [("Content-Type", "application/json"), ("Content-Length", "12")],
        [("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("SET-COOKIE", "c=3")],
        [("X-A", "1"), ("Date", "now"), ("x-a", "2"), ("Content-Encoding", " GZIP ")],
    ],
)
def test_reply_headers_are_joined_as_before(pairs):
    light = _transport._LightResponse(None, None, _Reply(pairs))  # type: ignore[arg-type]
    assert list(light.headers.items()) == _joined_long_way(pairs)
    assert isinstance(light.headers, requests.structures.CaseInsensitiveDict)
    if any(v.strip().lower() == "gzip" for _, v in pairs):
        assert light._decoder is not None


@pytest.mark.skipif(not _des.backend().startswith("OpenSSL"), reason="no libcrypto DES-ECB")
@pytest.mark.parametrize("size", [0, 8, 16, 320, 4096, 8 * 999])
def test_a_small_des_body_gives_the_split_paths_bytes(monkeypatch, size):
    key, data = random.Random(size).randbytes(8), random.Random(-size).randbytes(size)
    small = bytes(_des.ecb_encrypt(key, data)), bytes(_des.ecb_decrypt(key, data))
    monkeypatch.setattr(_des, "_SPLIT_BYTES", 0)  # the threaded path, one part a thread
    monkeypatch.setattr(_des, "_THREADS", 1)
    assert small == (bytes(_des.ecb_encrypt(key, data)), bytes(_des.ecb_decrypt(key, data)))
    assert small[0] == bytes(_des.ecb_encrypt(key, data, "pycryptodome"))


@pytest.mark.skipif(not _des.backend().startswith("OpenSSL"), reason="no libcrypto DES-ECB")
def test_a_small_des_body_fails_as_the_split_path_does(monkeypatch):
    def refuse(self, *args):
        raise ValueError("OpenSSL DES-ECB failed")

    monkeypatch.setattr(_des._OpenSSL, "_part", refuse)
    with pytest.raises(ValueError, match="DES-ECB failed"):
        _des.ecb_encrypt(b"12345678", bytes(16))
    with pytest.raises(ValueError):
        _des.ecb_encrypt(b"12345678", bytes(15))  # whole blocks only, either way


# ---------------------------------------------------------------- a head cut short

REPLY = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Long: "
    + b"v" * 9000  # longer than the reader's buffer: the head takes several reads
    + b"\r\nContent-Length: 2\r\n\r\n{}"
)


def _head(data: bytes, deadline: bool) -> tuple:
    """What reading ``data`` (then the end of file) as a reply's head gives: the error,
    or the status, headers and whether the head was cut."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(data)
        theirs.shutdown(socket.SHUT_WR)
        with contextlib.ExitStack() as stack:
            if deadline:  # the client's way: one deadline, the end of file noticed
                stack.enter_context(_transport.bounded(time.monotonic() + 10))
            resp = _transport._Response(ours, method="POST")
            assert (resp._reader is not None) is deadline
            try:
                resp.begin()
            except Exception as exc:  # noqa: BLE001 - the outcome compared
                return type(exc).__name__, str(exc)
            return resp.status, resp.getheaders(), _transport.headers_cut(resp)


SHORT = REPLY.replace(b"v" * 9000, b"v")


@pytest.mark.parametrize(
    "reply, cuts",
    [
        (SHORT, range(len(SHORT) + 1)),  # every cut
        (REPLY, [0, *range(40, 60), *range(8180, 8200), *range(9040, len(REPLY) + 1)]),
    ],
    ids=["short", "long"],
)
def test_a_cut_head_is_noticed_as_the_line_watch_noticed_it(reply, cuts):
    seen = set()
    for cut in cuts:
        one = _head(reply[:cut], deadline=True)
        assert one == _head(reply[:cut], deadline=False), cut
        seen.add(one[-1] if isinstance(one[0], int) else one[0])
    assert {True, False, "RemoteDisconnected"} <= seen  # every kind of head was met


@pytest.mark.parametrize(
    "head",
    [
        b"Content-Type: application/json\r\nContent-Length: 2\r\n",
        b"X-Name: caf\xe9 \xff\x80\r\nX-Name: again\r\nx-name: third\r\n",  # Latin-1 bytes
        b"X-Folded: one\r\n two\r\n\tthree\r\nDate: Mon, 07 Dec 2026 22:00:00 GMT\r\n",
        b"X-Empty:\r\nX-Spaces:    padded   \r\nNoSpace:x\r\n",
    ],
)
def test_reply_head_pairs_are_getheaders(head):
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n")
        theirs.shutdown(socket.SHUT_WR)
        resp = http.client.HTTPResponse(ours, method="POST")
        resp.begin()
        assert _transport._head_pairs(resp) == resp.getheaders()
        light = _transport._LightResponse(None, None, resp)  # type: ignore[arg-type]
        assert list(light.headers.items()) == _joined_long_way(resp.getheaders())
