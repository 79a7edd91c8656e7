"""The client's HTTP transport: one deadline per reply, one TLS warning per client.

**One deadline for a whole reply, status line and headers included.** requests' read timeout bounds each wait for bytes, not the reply: a splicer or a
proxy that sends its headers a byte at a time would hold a call for as long as it
likes, because the headers are read inside ``Session.post``, before the client sees
the body (where it checks its own deadline). The client's ``timeout`` promises to
bound the whole reply, so its sessions read replies through :class:`DeadlineAdapter`:
within :func:`bounded`, every wait for bytes is cut to what remains of the deadline,
and a read after it raises ``TimeoutError``, which urllib3 reports as the read
timeout it is (requests' ``ReadTimeout``).

Outside :func:`bounded` (or in sessions a caller brings) nothing changes.

**Where a call stopped.** Within :func:`bounded`, the :class:`Call` it yields notes
whether the TLS handshake was under way when the time ran out (nothing was sent
then), and a response notes ``headers_cut`` when the connection closed before the
blank line that ends the headers (http.client takes such a reply as complete).

**One TLS warning per client.** urllib3 warns (``InsecureRequestWarning``) on every
request over an unverified HTTPS connection. A :class:`~openapi_magic.Client` made
with ``verify=False`` for an https root warns once, naming the root; its sessions
do not repeat it per request, and nothing is changed in the process's warning
filters (other code's unverified requests still warn).
"""

from __future__ import annotations

import contextlib
import contextvars
import http.client
import io
import logging
import os
import socket
import threading
import time
import urllib.parse
import zlib
from collections.abc import Iterator
from typing import Any

import requests
import urllib3
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import DeflateDecoder, GzipDecoder
from urllib3.util.wait import wait_for_read

__all__ = [
    "Call",
    "DeadlineAdapter",
    "LightSession",
    "bounded",
    "env_verify",
    "headers_cut",
    "session",
    "session_for",
]

log = logging.getLogger(__name__)

#: The deadline (``time.monotonic()``) of the reply being read in this context, if any.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "openapi_magic_reply_deadline", default=None
)


class Call:
    """What :class:`DeadlineAdapter` saw of one call: ``phase`` is ``None`` (nothing
    seen, e.g. a session of the caller's), ``"handshake"`` while TLS is being set up,
    ``"sending"`` and then ``"sent"``."""

    __slots__ = ("phase",)

    def __init__(self) -> None:
        self.phase: str | None = None


_CALL: contextvars.ContextVar[Call | None] = contextvars.ContextVar(
    "openapi_magic_call", default=None
)


def _note(phase: str) -> None:
    call = _CALL.get()
    if call is not None:
        call.phase = phase


@contextlib.contextmanager
def bounded(deadline: float) -> Iterator[Call]:
    """Within the block, replies read by :class:`DeadlineAdapter` end by ``deadline``
    (a ``time.monotonic()`` value). Per thread and per context, so concurrent calls
    each keep their own. Yields the :class:`Call` that notes how far the call got."""
    call = Call()
    token = _DEADLINE.set(deadline)
    call_token = _CALL.set(call)
    try:
        yield call
    finally:
        _CALL.reset(call_token)
        _DEADLINE.reset(token)


def headers_cut(response) -> bool:
    """True when the connection closed inside the reply's headers (a requests or urllib3
    response read through :class:`DeadlineAdapter`)."""
    raw = getattr(response, "raw", response)
    original = getattr(raw, "_original_response", None) or raw
    return bool(getattr(original, "headers_cut", False))


class _DeadlineReader(io.RawIOBase):
    """The socket's raw reader, each read cut to what remains of the deadline."""

    def __init__(self, buffered: io.BufferedReader, sock, deadline: float) -> None:
        super().__init__()
        self._buffered, self._raw, self._sock = buffered, buffered.raw, sock
        self._deadline = deadline
        self._timeout = sock.gettimeout()  # the read timeout urllib3 set for this request
        self.ended = False  # the socket's end of file was met

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the reply did not finish before the deadline")
        self._sock.settimeout(remaining if self._timeout is None else min(self._timeout, remaining))
        n = self._raw.readinto(buffer)
        if not n:
            self.ended = True
        return n

    def close(self) -> None:
        try:
            self._buffered.close()
        finally:
            super().close()


class _LineWatch:
    """The response's reader while its head is read: remembers the last line."""

    def __init__(self, fp) -> None:
        self._fp, self.last = fp, b"\r\n"

    def readline(self, *args):
        self.last = self._fp.readline(*args)
        return self.last

    def __getattr__(self, name):
        return getattr(self._fp, name)


class _Response(http.client.HTTPResponse):
    headers_cut = False
    _reader: _DeadlineReader | None = None

    def __init__(self, sock, *args, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        deadline = _DEADLINE.get()
        if deadline is not None:  # nothing has been read yet: wrap the reader whole
            self._reader = _DeadlineReader(self.fp, sock, deadline)
            self.fp = io.BufferedReader(self._reader)

    def begin(self) -> None:
        if self._reader is not None:
            super().begin()
            # The head is read a line at a time, and a buffered line read meets the end
            # of file only when no end of line is left: the head stopped short of its
            # blank line (http.client takes what it has as the whole head).
            self.headers_cut = self._reader.ended
            return
        fp = self.fp
        watch = self.fp = _LineWatch(fp)  # type: ignore[assignment]  # a reader, duck-typed
        try:
            super().begin()
        finally:
            if self.fp is watch:
                self.fp = fp
        # The head ends with an empty line; at end of file readline gives b"" instead,
        # and http.client takes what it has as the whole head.
        self.headers_cut = watch.last not in (b"\r\n", b"\n")


class _HTTPConnection(urllib3.connection.HTTPConnection):
    response_class = _Response

    def request(self, *args, **kwargs):
        _note("sending")
        super().request(*args, **kwargs)
        _note("sent")


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    response_class = _Response

    def connect(self) -> None:
        _note("handshake")  # TCP, then TLS: nothing of the request has gone yet
        super().connect()
        _note("connected")

    def request(self, *args, **kwargs):
        _note("sending")
        super().request(*args, **kwargs)
        _note("sent")


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection

    def _validate_conn(self, conn) -> None:
        # HTTPSConnectionPool's, less the per-request InsecureRequestWarning (the Client
        # warned once when it was made with verify=False).
        HTTPConnectionPool._validate_conn(self, conn)
        if conn.is_closed:
            conn.connect()  # connect early, to validate the connection, as urllib3 does


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' HTTP adapter whose connections keep the :func:`bounded` deadline (and
    do not warn per request over unverified HTTPS)."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is urllib3.ProxyManager:  # SOCKS managers bring their own pools
            manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        return manager


def session() -> requests.Session:
    """A ``requests.Session`` with :class:`DeadlineAdapter` for http and https."""
    s = requests.Session()
    adapter = DeadlineAdapter()
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


# ---------------------------------------------------------------- the light transport

#: Set to ``requests`` to send every call through requests (for comparison, or to rule
#: the light transport out).
ENV_TRANSPORT = "OPENAPI_MAGIC_TRANSPORT"
#: Idle keep-alive connections kept per :class:`LightSession` (requests' pool size).
_IDLE = 10


def session_for(
    root: str, login: requests.auth.AuthBase | None = None
) -> requests.Session | LightSession:
    """The session a :class:`~openapi_magic.Client` makes for ``root`` (``login``: the
    basic auth a root's ``user:password@`` gave, sent with each request).

    What requests reads from the environment on every call (``trust_env``: the
    proxies and ``NO_PROXY``, a ``.netrc`` login) is read here, once. A plain
    ``http://`` root with no proxy and no login gets a :class:`LightSession`
    (keep-alive ``http.client``, a fifth of requests' CPU per call); anything else
    (https, a proxy for it, a login, ``OPENAPI_MAGIC_TRANSPORT=requests``) a requests
    session with those settings fixed, ``trust_env`` off. The environment is read
    when the client is made: a proxy set later needs a new client."""
    proxies = requests.utils.get_environ_proxies(root)
    auth = login or requests.utils.get_netrc_auth(root)
    light = os.environ.get(ENV_TRANSPORT, "").strip().lower() != "requests"
    parts = urllib.parse.urlsplit(root)
    if (
        light
        and parts.scheme.lower() == "http"
        and parts.hostname
        and not auth
        and parts.username is None
        and parts.password is None  # a login in the URL
        and requests.utils.select_proxy(root, proxies) is None
    ):
        try:
            return LightSession(parts.hostname, parts.port or 80)
        except ValueError:  # a port that is not a number: requests says what is wrong
            pass
    s = session()
    s.trust_env = False
    s.proxies.update(proxies)
    if auth:
        s.auth = auth
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        s.verify = bundle  # what trust_env gave a call made with verify=True
    return s


def env_verify(session: Any, verify: Any) -> Any:
    """The ``verify`` to pass a call: ``verify=True`` meant the CA bundle named in the
    environment when requests read it per call; :func:`session_for` read it once."""
    if verify is True and isinstance(session, requests.Session) and not session.trust_env:
        return session.verify
    return verify


class _Headers(requests.structures.CaseInsensitiveDict):
    """A :class:`LightSession`'s headers; the lines ``http.client`` writes for them are
    made (and checked, by ``putheader`` itself) once, until a header changes."""

    _lines: tuple[frozenset[str], bytes] | None = None

    def __setitem__(self, key: str, value: Any) -> None:
        self._lines = None
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._lines = None
        super().__delitem__(key)

    def lines(self) -> tuple[frozenset[str], bytes]:
        """The headers' names (lower case) and their lines as ``putheader`` writes them
        (a ``ValueError`` for a name or value it refuses, as a request would raise)."""
        if self._lines is None:
            scratch = http.client.HTTPConnection("localhost")
            scratch.putrequest("POST", "/", skip_host=True, skip_accept_encoding=True)
            head = len(scratch._buffer)  # type: ignore[attr-defined]
            for name, value in self.items():
                scratch.putheader(name, value)
            block = b"\r\n".join(scratch._buffer[head:])  # type: ignore[attr-defined]
            self._lines = (frozenset(name.lower() for name in self), block)
        return self._lines


class _LightConnection(http.client.HTTPConnection):
    response_class = _Response

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as urllib3 does

    def post(self, target: str, data: bytes, headers: _Headers) -> None:
        """``request("POST", target, data, headers)``, byte for byte, with the session's
        header lines made once rather than checked and encoded again for every call."""
        names, block = headers.lines()
        self.putrequest(
            "POST",
            target,
            skip_host="host" in names,
            skip_accept_encoding="accept-encoding" in names,
        )
        if "content-length" not in names and "transfer-encoding" not in names:
            self.putheader("Content-Length", str(len(data)))
        if block:
            self._output(block)  # type: ignore[attr-defined]  # putheader's own buffer
        self.endheaders(data)


class LightSession:
    """Keep-alive ``http.client`` connections to one ``http://`` host and port, with
    requests' surface as :class:`~openapi_magic.Client` uses it (``headers``,
    ``post``, ``close``) and its errors (requests' and urllib3's exception types), so
    the client's timeouts, reply cap, truncation and headers checks are the same code.

    Redirects are never followed, nothing is retried (a POST may have acted), an idle
    connection the splicer closed is noticed before reuse (as urllib3 does), and the
    whole reply, headers included, keeps the :func:`bounded` deadline."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, int(port)
        self.headers: requests.structures.CaseInsensitiveDict = _Headers(
            requests.utils.default_headers()
        )
        self.headers["Accept-Encoding"] = "gzip, deflate"  # what _LightResponse decodes
        self._idle: list[_LightConnection] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LightSession(http://{self.host}:{self.port})"

    def _connection(self, connect: float, read: float) -> _LightConnection:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if conn.sock is not None and not wait_for_read(conn.sock, timeout=0.0):
                    conn.sock.settimeout(read)
                    return conn
                conn.close()  # the splicer closed it while idle (or sent something unasked)
        return _LightConnection(self.host, self.port, timeout=connect)

    def _release(self, conn: _LightConnection) -> None:
        with self._lock:
            if len(self._idle) < _IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def post(
        self, url: str, data: bytes, timeout: tuple[float, float] | float, **_: Any
    ) -> _LightResponse:
        """POST ``data`` to ``url``; the reply's body is read through the response."""
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn = self._connection(connect, read)
        headers = self.headers
        if conn.sock is None:
            try:
                conn.connect()
            except TimeoutError as exc:
                conn.close()
                raise requests.exceptions.ConnectTimeout(
                    urllib3.exceptions.ConnectTimeoutError(
                        None, f"Connection to {self.host} timed out. (connect timeout={connect:g})"
                    ),
                    request=None,
                ) from exc
            except OSError as exc:
                conn.close()
                # requests' own errors, as urllib3 builds them, without a pool or connection.
                raise requests.exceptions.ConnectionError(
                    urllib3.exceptions.MaxRetryError(
                        None,  # type: ignore[arg-type]
                        url,
                        urllib3.exceptions.NewConnectionError(
                            None,  # type: ignore[arg-type]
                            f"Failed to establish a new connection: {exc}",
                        ),
                    )
                ) from exc
            conn.sock.settimeout(read)  # type: ignore[attr-defined]  # connect() set it
        try:
            _note("sending")
            if isinstance(headers, _Headers):
                conn.post(target, data, headers)
            else:  # headers the caller replaced
                conn.request("POST", target, body=data, headers=dict(headers))
            _note("sent")
            resp = conn.getresponse()
        except TimeoutError as exc:
            conn.close()
            raise requests.exceptions.ReadTimeout(
                urllib3.exceptions.ReadTimeoutError(
                    None,  # type: ignore[arg-type]  # as urllib3 builds it, without a pool
                    url,
                    f"Read timed out. (read timeout={read:g})",
                )
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise requests.exceptions.ConnectionError(
                urllib3.exceptions.ProtocolError("Connection aborted.", exc)
            ) from exc
        log.debug('http://%s:%s "POST %s HTTP/1.1" %s', self.host, self.port, target, resp.status)
        return _LightResponse(self, conn, resp)

    def close(self) -> None:
        """Close the idle connections (a later call opens a new one)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __del__(self) -> None:
        # A client dropped without close(): its idle sockets close with it, quietly.
        for conn in getattr(self, "_idle", ()):
            conn.close()


#: The email policy http.client parses a head with (``compat32``).
_HEAD_POLICY = http.client.HTTPMessage().policy


def _head_pairs(resp: http.client.HTTPResponse) -> list[tuple[str, str]]:
    """``resp.getheaders()``, without its email policy's check of each value: http.client
    decodes the head as Latin-1, so no value holds the surrogates that check is for."""
    msg = getattr(resp, "msg", None)
    pairs = getattr(msg, "_headers", None)
    if getattr(msg, "policy", None) is _HEAD_POLICY and isinstance(pairs, list):
        return list(pairs)
    return resp.getheaders()


class _LightResponse:
    """requests' ``Response`` as the client reads it: ``status_code``, ``reason``,
    ``headers``, ``raw.read1(n, decode_content=True)``, ``close()``."""

    def __init__(
        self, owner: LightSession, conn: _LightConnection, resp: http.client.HTTPResponse
    ) -> None:
        self._owner, self._original_response = owner, resp
        self._conn: _LightConnection | None = conn
        self.status_code, self.reason = resp.status, resp.reason
        # Repeated headers joined, as urllib3 does (the last spelling of the name kept);
        # gathered in a plain dict first: a miss in requests' mapping costs a KeyError.
        joined: dict[str, tuple[str, str]] = {}
        for name, value in _head_pairs(resp):
            key = name.lower()
            seen = joined.get(key)
            joined[key] = (name, value if seen is None else f"{seen[1]}, {value}")
        headers = requests.structures.CaseInsensitiveDict(joined.values())
        self.headers = headers
        self.raw = self
        encoding = headers.get("Content-Encoding", "").strip().lower()
        self._decoder: Any = (
            GzipDecoder()
            if encoding in ("gzip", "x-gzip")
            else DeflateDecoder()
            if encoding == "deflate"
            else None
        )
        self._done = False
        self._got = 0

    def read1(self, n: int, decode_content: bool = True) -> bytes:
        """Up to ``n`` bytes of the body (decoded), ``b""`` at its end."""
        resp = self._original_response
        while True:
            try:
                chunk = resp.read1(n)
            except http.client.IncompleteRead as exc:  # a cut chunked body
                raise urllib3.exceptions.ProtocolError(
                    f"Connection broken: IncompleteRead({len(exc.partial)} bytes read)", exc
                ) from exc
            except http.client.HTTPException as exc:
                raise urllib3.exceptions.ProtocolError(f"Connection broken: {exc!r}", exc) from exc
            if not chunk and n:
                left = resp.length
                if left:  # the connection closed before Content-Length bytes came
                    raise urllib3.exceptions.ProtocolError(
                        f"Connection broken: IncompleteRead({self._got} bytes read, "
                        f"{left} more expected)",
                        http.client.IncompleteRead(b"", left),
                    )
                self._done = True
                return self._decoder.flush() if self._decoder is not None else b""
            self._got += len(chunk)
            if self._decoder is None or not decode_content:
                return chunk
            try:
                out = self._decoder.decompress(chunk)
            except (OSError, zlib.error) as exc:
                raise urllib3.exceptions.DecodeError(
                    "Received response with content-encoding: "
                    f"{self.headers.get('Content-Encoding')}, but failed to decode it.",
                    exc,
                ) from exc
            if out:
                return out

    def close(self) -> None:
        """End the reply: a fully read one gives its connection back for the next call."""
        resp, conn = self._original_response, self._conn
        if conn is None:
            return
        self._conn = None
        # All of the body read (a Content-Length body leaves the response open at 0).
        complete = self._done and (resp.isclosed() or resp.length == 0)
        reusable = (
            complete and not resp.will_close and not headers_cut(resp) and conn.sock is not None
        )
        resp.close()
        if reusable:
            self._owner._release(conn)
        else:
            conn.close()
