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
import time
from collections.abc import Iterator

import requests
import urllib3
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["Call", "DeadlineAdapter", "bounded", "headers_cut", "session"]

#: The deadline (``time.monotonic()``) of the reply being read in this context, if any.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "openapi_magic_reply_deadline", default=None)


class Call:
    """What :class:`DeadlineAdapter` saw of one call: ``phase`` is ``None`` (nothing
    seen, e.g. a session of the caller's), ``"handshake"`` while TLS is being set up,
    ``"sending"`` and then ``"sent"``."""

    __slots__ = ("phase",)

    def __init__(self) -> None:
        self.phase: str | None = None


_CALL: contextvars.ContextVar[Call | None] = contextvars.ContextVar(
    "openapi_magic_call", default=None)


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

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the reply did not finish before the deadline")
        self._sock.settimeout(remaining if self._timeout is None
                              else min(self._timeout, remaining))
        return self._raw.readinto(buffer)

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

    def __init__(self, sock, *args, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        deadline = _DEADLINE.get()
        if deadline is not None:  # nothing has been read yet: wrap the reader whole
            self.fp = io.BufferedReader(_DeadlineReader(self.fp, sock, deadline))

    def begin(self) -> None:
        fp = self.fp
        watch = self.fp = _LineWatch(fp)
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
