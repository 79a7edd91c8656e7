"""The HTTP side of the simulated splicer, on the stdlib (``socketserver``, ``selectors``,
``http.server``'s request parsing and a thread pool).

The HTTP layer knows nothing of the splicer: it serves any :class:`Backend` (an
``answer(interface, envelope)`` callable plus the few settings it reads), so
imports point one way, ``splicer`` → ``httpd``.

How a connection is served, and why:

* One loop thread reads every connection without blocking, and only hands a
  request to a worker once it is whole (request line, headers and body, the
  chunked framing decoded). A slow or stalled client therefore costs a buffer,
  never a thread: a thousand dripping connections leave the workers free for
  valid calls.
* Each request has one whole deadline, ``socket_timeout_s`` from its first byte
  (request line, headers and body together), and an idle keep-alive connection
  is closed ``socket_timeout_s`` after its last reply. Past it the connection is
  closed without a word.
* Threads are bounded: ``workers`` threads answer (a pool), and at most
  ``max_connections`` connections are open. At that bound a new connection
  closes the one that has kept the splicer waiting longest since it was accepted
  or last answered (one lingering after an error reply first; a worker's never,
  nor the newcomer), so a crowd of idle or stalled connections never locks new
  clients out: a reconnecting attacker pushes out its own oldest connections.
* A body is capped at ``max_body_bytes`` decoded, and a chunked body at that
  plus 64 KiB as sent (sizes, extensions, trailers). The request bytes held across
  every connection (being read, or answered by a worker) are capped at
  ``max_held_bytes`` (256 MiB), give or take one read of 64 KiB: past it the
  connection holding the most of those being read is closed without a word, so a
  crowd of large bodies cannot take the splicer's memory. After an error reply the
  connection is half-closed and what the client still sends is read and dropped
  (up to 64 MiB), so it gets the reply instead of a reset.
* HTTP/1.1 keep-alive and pipelining; ``Expect: 100-continue`` is answered;
  ``stop()`` closes the listening socket and every open connection.

Replies are HTTP 200 with ``Content-Type: application/json; charset=utf-8`` and a
``Date`` header from the splicer's clock (clients show clock skew from it).
Problems below the OpenAPI answer the vendor's non-interface shape
``{"status", "msg", "body": ""}`` with a matching HTTP status:

===============================================  ===========  ==============
problem                                          HTTP status  vendor status
===============================================  ===========  ==============
not POST                                         405          405
path outside ``/open/api/``                      404          94
Content-Type not JSON                            415          415
body larger than ``max_body_bytes``              413          413
chunked body larger than that + 64 KiB as sent   413          413
bad Content-Length / chunking                    400          400
request line and headers past 64 KiB             431          400
not UTF-8 / not JSON                             400          400
===============================================  ===========  ==============

Everything past JSON parsing (envelope, pId, time, sign, interface...) is the
backend's ``answer``, answered with HTTP 200 like a real splicer.
"""

from __future__ import annotations

import collections
import email.utils
import errno
import http.client
import io
import json
import logging
import re
import selectors
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Protocol
else:
    Protocol = object

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_HELD_BYTES",
    "DEFAULT_WORKERS",
    "Backend",
    "HeadedReply",
    "SplicerHTTPServer",
]

log = logging.getLogger("openapi_magic.server")

#: Connections open at once; at the bound a new one closes the longest-waiting one.
DEFAULT_MAX_CONNECTIONS = 1024
#: Threads answering whole requests (reading never takes one).
DEFAULT_WORKERS = 32
#: Request bytes held across every connection at once (being read or answered): past it
#: the connection holding the most of those being read is closed. 256 MiB: the default
#: workers each answering a body of the default 8 MiB cap.
DEFAULT_MAX_HELD_BYTES = 256 * 1024 * 1024

_ROOT_PREFIX = "/open/api/"
_JSON_TYPES = ("application/json", "text/json")
_HEAD_LIMIT = 64 * 1024  # request line + headers
_FRAMING_ALLOWANCE = 64 * 1024  # chunk sizes, extensions and trailers, over the decoded cap
_CHUNK_LINE_LIMIT = 1024  # one chunk-size line, extensions included
_TRAILER_LINE_LIMIT = 8 * 1024
_TRAILER_LIMIT = 100  # trailer lines, like the stdlib's header count
_DRAIN_LIMIT = 64 * 1024 * 1024  # read and dropped after an error reply, then just closed
_LINGER_S = 5.0
_RECV = 64 * 1024
_SWEEP_S = 0.05
_HEAD_END = re.compile(rb"\n\r?\n")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_DIGITS = re.compile(r"[0-9]+")
_WAITING = frozenset({"linger", "idle", "head", "body"})  # the loop's, not a worker's


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class HeadedReply(dict):
    """A reply envelope with HTTP headers to send beside it (``headers``): what a backend's
    ``answer`` may return instead of a plain dict."""

    def __init__(self, envelope: dict, headers: dict[str, str]) -> None:
        super().__init__(envelope)
        self.headers = dict(headers)


class Backend(Protocol):
    """What the HTTP layer needs of a splicer (:class:`SimulatedSplicer` is one).

    ``answer`` turns an interface path (``module/action``) and the parsed JSON body
    into the reply envelope; ``non_interface_error`` builds the vendor's
    ``{"status", "msg", "body": ""}`` shape; ``clock`` gives the ``Date`` header. The
    settings are read on every request, so changing them on a running splicer works.
    """

    max_body_bytes: int
    socket_timeout_s: float
    latency_ms: float
    clock: Callable[[], float]

    def answer(self, interface: str, envelope: Any) -> dict:
        """The reply envelope for one request."""

    def non_interface_error(self, status: int, detail: str = "") -> dict:
        """The vendor's shape for an error that never reached an interface."""


class _Problem(Exception):
    """An HTTP-level problem: answered with the non-interface shape, then (maybe) close."""

    def __init__(
        self, http_status: int, vendor_status: int, detail: str, close: bool = False
    ) -> None:
        super().__init__(detail)
        self.http_status = http_status
        self.vendor_status = vendor_status
        self.detail = detail
        self.close = close


def _bad_chunking(detail: str) -> _Problem:
    return _Problem(400, 400, f"bad chunked transfer encoding: {detail}", close=True)


class _ChunkedBody:
    """An incremental decoder of a chunked body (RFC 9112 section 7.1), fed bytes as they
    arrive; bounded by ``cap`` decoded bytes and ``cap`` + 64 KiB as sent."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[bytes] = []
        self.total = 0  # decoded
        self.raw = 0  # as sent
        self.need = 0  # data bytes left in the current chunk
        self.state = "size"  # size, data, data-end, trailer, done
        self.trailers = 0

    @property
    def done(self) -> bool:
        return self.state == "done"

    def body(self) -> bytes:
        return b"".join(self.parts)

    def feed(self, data: bytes | bytearray | memoryview) -> int:
        """Decode what ``data`` holds; returns the bytes used (the rest is the next
        request's, or more of this one's to come). Raises :class:`_Problem`."""
        with memoryview(data) as view:  # released even on a problem: the buffer is resized after
            pos = self._feed(view)
        self.raw += pos
        if self.raw > self.cap + _FRAMING_ALLOWANCE:
            raise _Problem(
                413,
                413,
                f"the chunked request body passed {self.cap} bytes + 64 KiB "
                "of chunk framing as sent, the most this splicer takes",
                close=True,
            )
        return pos

    def _feed(self, view: memoryview) -> int:
        pos = 0
        while self.state != "done" and pos < len(view):
            if self.state == "data":
                take = min(self.need, len(view) - pos)
                self.parts.append(bytes(view[pos : pos + take]))
                self.need -= take
                pos += take
                if not self.need:
                    self.state = "data-end"
                continue
            if self.state == "data-end":
                if view[pos] == 0x0A:
                    pos += 1
                elif view[pos] == 0x0D:
                    if pos + 1 == len(view):
                        break  # the LF is still to come
                    if view[pos + 1] != 0x0A:
                        raise _bad_chunking("a chunk is longer than its size says")
                    pos += 2
                else:
                    raise _bad_chunking("a chunk is longer than its size says")
                self.state = "size"
                continue
            limit = _CHUNK_LINE_LIMIT if self.state == "size" else _TRAILER_LINE_LIMIT
            end = bytes(view[pos : pos + limit + 1]).find(b"\n")
            if end < 0:
                if len(view) - pos > limit:
                    raise _bad_chunking(f"a {self.state} line is longer than {limit} bytes")
                break  # the rest of the line is still to come
            line = bytes(view[pos : pos + end]).rstrip(b"\r")
            pos += end + 1
            if self.state == "size":
                self._size_line(line)
            elif not line.strip():
                self.state = "done"
            else:
                self.trailers += 1
                if self.trailers > _TRAILER_LIMIT:
                    raise _bad_chunking(f"more than {_TRAILER_LIMIT} trailer lines")
        return pos

    def _size_line(self, line: bytes) -> None:
        text = line.split(b";", 1)[0].strip(b" \t")  # chunk extensions are allowed and ignored
        if not _HEX.fullmatch(text):
            raise _bad_chunking(f"the chunk size {text[:40]!r} is not hexadecimal digits")
        size = int(text, 16)
        if self.total + size > self.cap:
            raise _Problem(
                413,
                413,
                f"the request body passed {self.cap} bytes, the most this splicer takes",
                close=True,
            )
        self.total += size
        self.need = size
        self.state = "data" if size else "trailer"


class _Request:
    """One request read whole: its head (request line and headers) and decoded body, or
    the problem found while reading it."""

    __slots__ = ("body", "close", "head", "problem")

    def __init__(
        self, head: bytes, body: bytes = b"", problem: _Problem | None = None, close: bool = False
    ) -> None:
        self.head, self.body, self.problem, self.close = head, body, problem, close


class _Conn:
    """One client connection, as the loop thread sees it."""

    __slots__ = (
        "addr",
        "buf",
        "chunked",
        "continued",
        "drained",
        "future",
        "head",
        "held",
        "length",
        "linger",
        "requests",
        "scanned",
        "served",
        "since",
        "sock",
        "state",
    )

    def __init__(self, sock: socket.socket, addr: Any, now: float) -> None:
        self.sock, self.addr = sock, addr
        self.buf = bytearray()
        self.requests = 0
        self.drained = 0
        self.linger = False
        self.future: Any = None
        self.held = 0  # request bytes counted in the server's budget
        self.wait(now)

    def wait(self, now: float) -> None:
        """Ready for the next request (idle until its first byte)."""
        # idle, head, body (the loop reads it), worker, returning (to the loop), linger
        self.state = "idle"
        self.since = now
        # Accepted or last answered: how long it has kept the splicer waiting. Its first
        # byte does not reset it (``since`` does), so sending one byte late buys nothing.
        self.served = now
        self.head: bytes | None = None
        self.length = 0
        self.chunked: _ChunkedBody | None = None
        self.scanned = 0
        self.continued = False


class _Writer(io.BufferedIOBase):
    """The handler's ``wfile``: every write is a ``sendall`` (as the stdlib's own), so
    whole, as a buffered writer's."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self._sock.sendall(b)
        with memoryview(b) as view:
            return view.nbytes


class SplicerHTTPServer(socketserver.TCPServer):
    """The simulated splicer's HTTP server: serves one :class:`Backend` on ``address``.

    ``serve_forever()`` runs the loop (from a thread of the caller's); ``shutdown()``
    ends it; ``close_all()`` then closes the port and every connection. ``workers``
    and ``max_connections`` bound the threads and the open connections;
    ``max_held_bytes`` the request bytes held across all of them.
    """

    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(
        self,
        app: Backend,
        address: tuple[str, int],
        *,
        workers: int = DEFAULT_WORKERS,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_held_bytes: int = DEFAULT_MAX_HELD_BYTES,
        encode: Callable[[Any], bytes] | None = None,
    ) -> None:
        if workers < 1 or max_connections < 1 or max_held_bytes < 1:
            raise ValueError("workers, max_connections and max_held_bytes must be at least 1")
        self.app = app
        #: A reply envelope → the HTTP body (compact UTF-8 JSON unless told otherwise:
        #: the splicer hands the protocol's faster writer of the same bytes).
        self.encode = encode or _json_bytes
        self.max_connections = max_connections
        self.max_held_bytes = max_held_bytes
        #: The most request bytes held at once so far (see :attr:`held_bytes`).
        self.peak_held_bytes = 0
        self._held = 0
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        # _Handler is built by the loop with the request it read, never by TCPServer.
        super().__init__(address, _Handler)  # type: ignore[arg-type]
        self.socket.setblocking(False)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix=f"splicer:{self.port}-worker")
        self._conns: dict[int, _Conn] = {}  # every open connection, by file number
        self._lock = threading.Lock()  # _conns and _returned, shared with the workers
        self._returned: collections.deque[_Conn] = collections.deque()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._sel: selectors.BaseSelector | None = None
        self._loop: threading.Thread | None = None
        self._listening = False

    @property
    def port(self) -> int:
        """The TCP port bound."""
        return int(self.server_address[1])

    @property
    def connections(self) -> int:
        """How many client connections are open."""
        with self._lock:
            return len(self._conns)

    @property
    def held_bytes(self) -> int:
        """Request bytes held now across every connection (being read or answered)."""
        with self._lock:
            return self._held

    def server_bind(self) -> None:
        """Bind without looking up the host's FQDN (it can stall on a machine without DNS)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    # ------------------------------------------------------------------ the loop

    def serve_forever(self, poll_interval: float = _SWEEP_S) -> None:
        """Accept, read and dispatch until :meth:`shutdown`."""
        self._stopped.clear()
        self._loop = threading.current_thread()
        try:
            with selectors.DefaultSelector() as sel:
                self._sel = sel
                sel.register(self._wake_r, selectors.EVENT_READ, "wake")
                self._listen(True)
                next_sweep = 0.0
                while not self._stopping.is_set():
                    for key, _ in sel.select(min(poll_interval, _SWEEP_S)):
                        if key.data == "wake":
                            self._take_returned()
                        elif key.data == "listen":
                            self._accept()
                        else:
                            self._on_readable_safely(key.data)
                    now = time.monotonic()
                    if now >= next_sweep:
                        self._sweep(now)
                        next_sweep = now + _SWEEP_S
        finally:
            self._sel = None
            self._stopped.set()

    def shutdown(self) -> None:
        """End :meth:`serve_forever` and wait for it."""
        self._stopping.set()
        self._wake()
        self._stopped.wait()

    def close_all(self) -> None:
        """Close the listening socket and every open connection (after :meth:`shutdown`)."""
        self._stopping.set()
        self._stopped.wait(5)
        self.server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            conns = list(self._conns.values())
        for conn in conns:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            # a worker closes its own once its write fails; a cancelled one never will
            if conn.state != "worker" or conn.future is None or conn.future.cancelled():
                self._close(conn)
        for sock in (self._wake_r, self._wake_w):
            sock.close()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:  # full (the loop will wake anyway) or closed
            pass

    @property
    def _selector(self) -> selectors.BaseSelector:
        """The loop's selector: it exists while :meth:`serve_forever` runs (on its thread)."""
        sel = self._sel
        if sel is None:
            raise RuntimeError("the splicer's loop is not running")
        return sel

    def _in_loop(self) -> bool:
        return self._sel is not None and threading.current_thread() is self._loop

    def _listen(self, on: bool) -> None:
        if not self._in_loop() or on == self._listening or (on and self._stopping.is_set()):
            return
        if on:
            self._selector.register(self.socket, selectors.EVENT_READ, "listen")
        else:
            self._selector.unregister(self.socket)
        self._listening = on

    def _accept(self) -> None:
        while True:
            with self._lock:
                full = len(self._conns) >= self.max_connections
            if full and not self._waiting():
                self._listen(False)  # every one is with a worker: new clients wait in the backlog
                return
            try:
                sock, addr = self.socket.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    log.warning("out of file descriptors: not accepting for now")
                    self._evict()
                    self._listen(False)
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Conn(sock, addr, time.monotonic())
            with self._lock:
                self._conns[sock.fileno()] = conn
            self._selector.register(sock, selectors.EVENT_READ, conn)
            if full:  # only now, with a newcomer in hand: never the newcomer itself
                self._evict(keep=conn)

    def _waiting(self, keep: _Conn | None = None) -> list[_Conn]:
        """The connections the loop holds (none with a worker), ``keep`` aside."""
        with self._lock:
            return [c for c in self._conns.values() if c.state in _WAITING and c is not keep]

    def _evict(self, keep: _Conn | None = None) -> bool:
        """Close the connection that has kept the splicer waiting longest (since it was
        accepted or last answered; lingering ones first), never ``keep``. False if every
        other one is with a worker."""
        waiting = self._waiting(keep)
        if not waiting:
            return False
        self._close(min(waiting, key=lambda c: (c.state != "linger", c.served)))
        return True

    def _sweep(self, now: float) -> None:
        timeout = self.app.socket_timeout_s
        with self._lock:
            conns = [c for c in self._conns.values() if c.state not in ("worker", "returning")]
        for conn in conns:
            limit = _LINGER_S if conn.state == "linger" else timeout
            if now - conn.since > limit:
                self._close(conn)  # past the whole-request deadline (or idle): no word
        self._listen(True)

    def _close(self, conn: _Conn) -> None:
        """Close a connection, from the loop or a worker (or after the loop ended)."""
        with self._lock:
            known = self._conns.pop(conn.sock.fileno(), None) is conn
            self._held -= conn.held
            conn.held = 0
        if known and self._in_loop() and conn.state in _WAITING:
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        try:
            conn.sock.close()
        except OSError:
            pass
        self._listen(True)

    def _take_returned(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass
        while True:
            with self._lock:
                if not self._returned:
                    return
                conn = self._returned.popleft()
            if conn.sock.fileno() < 0:
                continue  # closed meanwhile
            now = time.monotonic()
            if conn.linger:
                conn.state, conn.since, conn.drained = "linger", now, 0
            else:
                conn.wait(now)
            self._hold(conn, len(conn.buf))
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
            if conn.linger:
                continue
            if conn.buf:  # pipelined: the next request may be here already
                self._advance(conn, eof=False)

    # ------------------------------------------------------------------ reading

    def _on_readable_safely(self, conn: _Conn) -> None:
        try:
            self._on_readable(conn)
        except Exception:  # a bug here must cost one connection, never the loop
            log.exception("internal error reading from %s", conn.addr)
            self._close(conn)

    def _on_readable(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if conn.state == "linger":
            conn.drained += len(data)
            if not data or conn.drained > _DRAIN_LIMIT:
                self._close(conn)
            return
        if not data:
            self._advance(conn, eof=True)
            return
        if conn.state == "idle":
            conn.state, conn.since = "head", time.monotonic()  # the request's deadline starts
        conn.buf += data
        self._hold(conn, _reading(conn))
        self._advance(conn, eof=False)
        if conn.state in _WAITING:
            self._hold(conn, _reading(conn))
        if self._held > self.max_held_bytes:
            self._shed()

    def _hold(self, conn: _Conn, size: int) -> None:
        """Count ``size`` request bytes as ``conn``'s in the budget."""
        with self._lock:
            if self._conns.get(conn.sock.fileno()) is not conn:
                return  # closed meanwhile: nothing of it is held
            self._held += size - conn.held
            conn.held = size
            self.peak_held_bytes = max(self.peak_held_bytes, self._held)

    def _shed(self) -> None:
        """Past ``max_held_bytes``: close the connections holding the most request bytes
        being read (a worker's are answered), until the held bytes are within it."""
        while self._held > self.max_held_bytes:
            reading = [c for c in self._waiting() if c.held]
            if not reading:
                return
            conn = max(reading, key=lambda c: c.held)
            log.debug(
                "past %d request bytes held: closing %s (%d bytes)",
                self.max_held_bytes,
                conn.addr,
                conn.held,
            )
            self._close(conn)

    def _advance(self, conn: _Conn, eof: bool) -> None:
        """Move a request on with what is buffered; dispatch it when it is whole."""
        cap = self.app.max_body_bytes
        if conn.head is None:
            if conn.state == "idle" and conn.buf:
                conn.state, conn.since = "head", time.monotonic()
            found = _HEAD_END.search(conn.buf, max(0, conn.scanned - 2))
            if found is None:
                conn.scanned = len(conn.buf)
                if len(conn.buf) > _HEAD_LIMIT:
                    self._dispatch(
                        conn,
                        _Request(
                            b"",
                            problem=_Problem(
                                431,
                                400,
                                f"the request line and headers pass {_HEAD_LIMIT} bytes",
                                close=True,
                            ),
                        ),
                        len(conn.buf),
                    )
                elif eof and conn.buf:  # what came is all there is: let the parser judge it
                    self._dispatch(conn, _Request(bytes(conn.buf), close=True), len(conn.buf))
                elif eof:
                    self._close(conn)
                return
            end = found.end()
            conn.head = bytes(conn.buf[:end])
            del conn.buf[:end]
            conn.state = "body"
            try:
                self._framing(conn, conn.head, cap)
            except _Problem as problem:
                self._dispatch(conn, _Request(conn.head, problem=problem), 0)
                return
            except (http.client.HTTPException, ValueError):  # the handler's parser says why
                self._dispatch(conn, _Request(conn.head, close=True), 0)
                return
        if conn.chunked is not None:
            try:
                used = conn.chunked.feed(conn.buf)
            except _Problem as problem:
                self._dispatch(conn, _Request(conn.head, problem=problem), len(conn.buf))
                return
            if conn.chunked.done:
                self._dispatch(conn, _Request(conn.head, conn.chunked.body()), used)
                return
            del conn.buf[:used]  # decoded and kept in parts
        elif len(conn.buf) >= conn.length:
            self._dispatch(conn, _Request(conn.head, bytes(conn.buf[: conn.length])), conn.length)
            return
        if eof:
            self._close(conn)  # cut mid-body: nothing to answer
        elif not conn.continued:
            conn.continued = True
            if _wants_continue(conn.head):
                try:  # the client holds its body until it sees this (or a second passes)
                    conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                except OSError:
                    pass

    def _framing(self, conn: _Conn, head: bytes, cap: int) -> None:
        """How the body is framed (chunked, or Content-Length), from the head's headers."""
        first = head.find(b"\n")
        headers = http.client.parse_headers(io.BytesIO(head[first + 1 :]))
        if "chunked" in headers.get("Transfer-Encoding", "").lower():
            conn.chunked = _ChunkedBody(cap)
            return
        lengths = {v.strip() for v in headers.get_all("Content-Length") or ()}
        if not lengths:
            conn.length = 0
            return
        length = lengths.pop()
        if lengths or not _DIGITS.fullmatch(length):
            raise _Problem(
                400,
                400,
                f"bad Content-Length {length[:40]!r}"
                + (" (given twice, differently)" if lengths else ""),
                close=True,
            )
        n = int(length)
        if n > cap:
            raise _Problem(
                413,
                413,
                f"the request body is {n} bytes; this splicer takes at most {cap}",
                close=True,
            )
        conn.length = n

    def _dispatch(self, conn: _Conn, request: _Request, used: int) -> None:
        del conn.buf[:used]
        if request.problem is not None or request.close:
            conn.buf.clear()
        self._hold(conn, len(request.head) + len(request.body) + len(conn.buf))
        self._selector.unregister(conn.sock)
        conn.state = "worker"
        conn.requests += 1
        try:
            conn.future = self._pool.submit(self._serve, conn, request)
        except RuntimeError:  # the pool is shut down: the server is stopping
            self._close(conn)

    # ------------------------------------------------------------------ a worker

    def _serve(self, conn: _Conn, request: _Request) -> None:
        keep = False
        try:
            conn.sock.settimeout(max(0.05, self.app.socket_timeout_s))
            handler = _Handler(conn.sock, conn.addr, self, request)
            keep = not (handler.close_connection or request.close or request.problem)
        except Exception:  # a vanished client, or a bug: never a traceback on stderr
            log.debug("connection from %s ended with an error", conn.addr, exc_info=True)
        if self._stopping.is_set():
            self._close(conn)
            return
        try:
            if not keep:  # half-close: the reply goes out, what the client still sends is dropped
                conn.sock.shutdown(socket.SHUT_WR)
            conn.sock.setblocking(False)
        except OSError:
            self._close(conn)
            return
        conn.linger = not keep
        with self._lock:
            conn.state = "returning"
            self._returned.append(conn)
        self._wake()


def _reading(conn: _Conn) -> int:
    """The request bytes a connection being read holds: buffered, head and body so far."""
    chunked = conn.chunked
    kept = chunked.total - chunked.need if chunked is not None else 0
    return len(conn.buf) + len(conn.head or b"") + kept


def _wants_continue(head: bytes) -> bool:
    first, _, rest = head.partition(b"\n")
    return (
        first.rstrip().endswith(b"HTTP/1.1")
        and re.search(rb"(?im)^expect:[ \t]*100-continue[ \t]*\r?$", rest) is not None
    )


class _Handler(BaseHTTPRequestHandler):
    """Answers one whole request (already read by the loop) on a worker thread."""

    protocol_version = "HTTP/1.1"
    server_version = "NovaStar-H-Simulator/1.0"
    sys_version = ""
    server: SplicerHTTPServer

    def __init__(
        self, sock: socket.socket, client_address: Any, server: SplicerHTTPServer, request: _Request
    ) -> None:
        # Not the stdlib's setup/handle/finish: the request is read already, and the
        # connection goes back to the loop after one reply.
        self.request = self.connection = sock
        self.client_address = client_address
        self.server = server
        self._request = request
        self.rfile = io.BytesIO(request.head)
        self.wfile = _Writer(sock)
        self.close_connection = True
        if request.problem is not None and not request.head:
            self.command, self.request_version = "", self.protocol_version
            self.requestline = ""
            self._refuse(request.problem)
        else:
            self.handle_one_request()

    # ------------------------------------------------------------------ methods

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def handle_expect_100(self) -> bool:
        return True  # the loop sent "100 Continue" while the body was still coming

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Called by the stdlib for a bad request line, headers, or an unknown method:
        # answer in the vendor's JSON shape too.
        if code == 501:  # "Unsupported method"
            code, message = 405, f"the OpenAPI takes POST only, not {self.command}"
        self.close_connection = True
        vendor = code if code in (400, 405, 413, 415) else 400
        self._send(code, self.server.app.non_interface_error(vendor, message or ""), close=True)

    # ------------------------------------------------------------------ one request

    def _refuse(self, p: _Problem) -> None:
        headers = {"Allow": "POST"} if p.http_status == 405 else {}
        self._send(
            p.http_status,
            self.server.app.non_interface_error(p.vendor_status, p.detail),
            close=p.close,
            headers=headers,
        )

    def _serve(self) -> None:
        app = self.server.app
        try:
            if self._request.problem is not None:
                raise self._request.problem
            raw = self._request.body
            interface = self._interface()
            if self.command != "POST":
                raise _Problem(405, 405, f"the OpenAPI takes POST only, not {self.command}")
            self._check_content_type()
            envelope = self._parse(raw)
        except _Problem as p:
            self._refuse(p)
            return
        try:
            reply = app.answer(interface, envelope)
        except Exception:  # a bug in the simulator: say so, never hang or drop the connection
            log.exception("internal error answering %s", interface)
            reply = app.non_interface_error(500, "internal error in the simulated splicer")
        if app.latency_ms:
            self.server._stopping.wait(app.latency_ms / 1000)  # stop() cuts it short
        headers: dict[str, str] = {}
        if isinstance(reply, HeadedReply):  # a replay marks what it did not capture
            headers = reply.headers
            reply = dict(reply)
        self._send(200, reply, headers=headers)

    def _interface(self) -> str:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if not path.startswith(_ROOT_PREFIX):
            raise _Problem(
                404,
                94,
                f"no OpenAPI here: interfaces are POST {_ROOT_PREFIX}"
                f"<module>/<action>, not {path[:120]}",
            )
        return path[len(_ROOT_PREFIX) :].strip("/")

    def _check_content_type(self) -> None:
        ctype = self.headers.get("Content-Type", "")
        media = ctype.split(";", 1)[0].strip().lower()
        if media not in _JSON_TYPES and not media.endswith("+json"):
            raise _Problem(
                415,
                415,
                f"Content-Type must be application/json; charset=utf-8, "
                f"not {ctype[:80] or 'missing'!r}",
            )

    @staticmethod
    def _parse(raw: bytes) -> Any:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _Problem(
                400, 400, f"the request body is not UTF-8 ({exc.reason} at byte {exc.start})"
            ) from None
        if not text.strip():
            raise _Problem(
                400,
                400,
                "the request body is empty; send the envelope {body, sign, pId, timeStamp}",
            )
        try:
            return json.loads(text)
        except RecursionError:
            raise _Problem(400, 400, "the request body is JSON nested too deeply") from None
        except ValueError as exc:
            raise _Problem(400, 400, f"the request body is not JSON: {exc}") from None

    # ------------------------------------------------------------------ reply

    def _send(
        self,
        http_status: int,
        payload: dict,
        *,
        close: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = self.server.encode(payload)
        if close:
            self.close_connection = True
        try:
            self.send_response(http_status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if close:
                self.send_header("Connection", "close")
            if self.request_version == "HTTP/0.9":  # no headers: the body alone
                self.wfile.write(data)
            elif self.command == "HEAD":
                self.end_headers()
            else:  # headers and body in one write: no Nagle / delayed-ACK stall
                # The stdlib's own header buffer (private, not in its stubs).
                self._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]
                self._headers_buffer.append(data)  # type: ignore[attr-defined]
                self.flush_headers()
        except OSError:
            self.close_connection = True

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the splicer's clock, so a skewed test clock shows.
        now = self.server.app.clock() if timestamp is None else timestamp
        return email.utils.formatdate(now, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines only (method, path, status): never bodies, so never a secret.
        log.debug("%s %s", self.address_string(), format % args)
