"""The HTTP side of the simulated splicer, on the stdlib's ``ThreadingHTTPServer``.

One daemon thread per connection, HTTP/1.1 keep-alive, a socket timeout so a
half-sent request never holds a thread for ever, a body-size cap, and a clean
stop that closes the listening socket and every open connection.

Replies are HTTP 200 with ``Content-Type: application/json; charset=utf-8`` and a
``Date`` header from the splicer's clock (clients show clock skew from it).
Problems below the OpenAPI answer the vendor's non-interface shape
``{"status", "msg", "body": ""}`` with a matching HTTP status:

=====================================  ===========  ==============
problem                                HTTP status  vendor status
=====================================  ===========  ==============
not POST                               405          405
path outside ``/open/api/``            404          94
Content-Type not JSON                  415          415
body larger than ``max_body_bytes``    413          413
bad Content-Length / chunking          400          400
not UTF-8 / not JSON                   400          400
=====================================  ===========  ==============

Everything past JSON parsing (envelope, pId, time, sign, interface...) is
:meth:`SimulatedSplicer.answer`'s, answered with HTTP 200 like a real splicer.
"""

from __future__ import annotations

import email.utils
import json
import logging
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .splicer import SimulatedSplicer

__all__ = ["SplicerHTTPServer"]

log = logging.getLogger("openapi_magic.server")

_ROOT_PREFIX = "/open/api/"
# A too-large body is read and thrown away up to this size so the client gets the
# 413 reply instead of a connection reset; beyond it the connection is just closed.
_DRAIN_LIMIT = 64 * 1024 * 1024
_JSON_TYPES = ("application/json", "text/json")


class _Problem(Exception):
    """An HTTP-level problem: answered with the non-interface shape, then (maybe) close."""

    def __init__(self, http_status: int, vendor_status: int, detail: str, close: bool = False) -> None:
        super().__init__(detail)
        self.http_status = http_status
        self.vendor_status = vendor_status
        self.detail = detail
        self.close = close


class SplicerHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one :class:`SimulatedSplicer`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, splicer: SimulatedSplicer, address: tuple[str, int]) -> None:
        self.splicer = splicer
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._closing = False
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on a
        # machine without DNS; the simulator has no use for it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, conn: socket.socket, add: bool) -> bool:
        """Register or forget an open connection; False when the server is closing."""
        with self._conns_lock:
            if add:
                if self._closing:
                    return False
                self._conns.add(conn)
            else:
                self._conns.discard(conn)
            return True

    def close_all(self) -> None:
        """Close the listening socket and shut every open connection down."""
        with self._conns_lock:
            self._closing = True
            conns = list(self._conns)
        self.server_close()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished mid-request is not worth a traceback on stderr.
        log.debug("connection from %s ended with an error", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's
    # algorithm and the client's delayed ACK add ~40 ms to every keep-alive reply.
    disable_nagle_algorithm = True
    server_version = "NovaStar-H-Simulator/1.0"
    sys_version = ""
    server: SplicerHTTPServer

    # ------------------------------------------------------------------ connection

    def setup(self) -> None:
        self.timeout = self.server.splicer.socket_timeout_s
        super().setup()
        self._refused = not self.server.track(self.connection, True)  # the server is stopping

    def handle(self) -> None:
        if self._refused:
            return
        try:
            super().handle()
        except (OSError, ValueError):  # reset, timeout, or a socket shut down by stop()
            self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.track(self.connection, False)

    # ------------------------------------------------------------------ methods

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Called by the stdlib for a bad request line, headers, or an unknown method:
        # answer in the vendor's JSON shape too.
        if code == 501:  # "Unsupported method"
            code, message = 405, f"the OpenAPI takes POST only, not {self.command}"
        self.close_connection = True
        vendor = code if code in (400, 405, 413, 415) else 400
        self._send(code, self.server.splicer.non_interface_error(vendor, message or ""), close=True)

    # ------------------------------------------------------------------ one request

    def _serve(self) -> None:
        splicer = self.server.splicer
        try:
            raw = self._read_body(splicer.max_body_bytes)
            interface = self._interface()
            if self.command != "POST":
                raise _Problem(405, 405, f"the OpenAPI takes POST only, not {self.command}")
            self._check_content_type()
            envelope = self._parse(raw)
        except _Problem as p:
            headers = {"Allow": "POST"} if p.http_status == 405 else {}
            self._send(p.http_status, splicer.non_interface_error(p.vendor_status, p.detail),
                       close=p.close, headers=headers)
            return
        try:
            reply = splicer.answer(interface, envelope)
        except Exception:  # a bug in the simulator: say so, never hang or drop the connection
            log.exception("internal error answering %s", interface)
            reply = splicer.non_interface_error(500, "internal error in the simulated splicer")
        if splicer.latency_ms:
            time.sleep(splicer.latency_ms / 1000)
        self._send(200, reply)

    def _interface(self) -> str:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if not path.startswith(_ROOT_PREFIX):
            raise _Problem(404, 94, f"no OpenAPI here: interfaces are POST {_ROOT_PREFIX}<module>/<action>, "
                                    f"not {path[:120]}")
        return path[len(_ROOT_PREFIX):].strip("/")

    def _check_content_type(self) -> None:
        ctype = self.headers.get("Content-Type", "")
        media = ctype.split(";", 1)[0].strip().lower()
        if media not in _JSON_TYPES and not media.endswith("+json"):
            raise _Problem(415, 415, f"Content-Type must be application/json; charset=utf-8, "
                                     f"not {ctype[:80] or 'missing'!r}")

    @staticmethod
    def _parse(raw: bytes) -> Any:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _Problem(400, 400, f"the request body is not UTF-8 ({exc.reason} at byte {exc.start})") from None
        if not text.strip():
            raise _Problem(400, 400, "the request body is empty; send the envelope {body, sign, pId, timeStamp}")
        try:
            return json.loads(text)
        except RecursionError:
            raise _Problem(400, 400, "the request body is JSON nested too deeply") from None
        except ValueError as exc:
            raise _Problem(400, 400, f"the request body is not JSON: {exc}") from None

    def _read_body(self, cap: int) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(cap)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            raise _Problem(400, 400, f"bad Content-Length {length[:40]!r}", close=True) from None
        if n > cap:
            if n <= _DRAIN_LIMIT:
                self._discard(n)
            raise _Problem(413, 413, f"the request body is {n} bytes; this splicer takes at most {cap}",
                           close=True)
        data = self.rfile.read(n)
        if len(data) < n:
            raise ConnectionResetError("the client closed the connection mid-body")
        return data

    def _discard(self, n: int) -> None:
        while n > 0:
            chunk = self.rfile.read(min(n, 1 << 16))
            if not chunk:
                return
            n -= len(chunk)

    def _read_chunked(self, cap: int) -> bytes:
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _Problem(400, 400, "bad chunked transfer encoding", close=True) from None
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                return b"".join(parts)
            total += size
            if total > cap:
                raise _Problem(413, 413, f"the request body passed {cap} bytes, the most this splicer "
                                         "takes", close=True)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after each chunk

    # ------------------------------------------------------------------ reply

    def _send(self, http_status: int, payload: dict, *, close: bool = False,
              headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
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
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the splicer's clock, so a skewed test clock shows.
        now = self.server.splicer.clock() if timestamp is None else timestamp
        return email.utils.formatdate(now, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines only (method, path, status): never bodies, so never a secret.
        log.debug("%s %s", self.address_string(), format % args)
