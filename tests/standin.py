"""A scriptable, splicer-shaped HTTP server for tests (loopback, port 0).

By default it answers like a splicer, using the protocol core in the server
role. A test can replace the answer with anything, including network faults:
raw bytes, a slow drip, a reset mid-reply, a truncated body, a redirect.
It is a raw socket server on purpose, so that the faults are real. With
``ssl_context`` it speaks HTTPS (the root is then ``https://``).
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate

from openapi_magic.core import protocol


@dataclass
class Reply:
    """What the stand-in sends back."""

    body: bytes = b""
    status: int = 200
    reason: str = "OK"
    headers: dict = field(
        default_factory=lambda: {"Content-Type": "application/json; charset=utf-8"}
    )
    drip_seconds: float = 0.0  # pause between bytes of the body
    head_drip_seconds: float = 0.0  # pause between bytes of the status line and headers
    delay: float = 0.0  # pause before anything is sent
    reset_after: int | None = None  # send this many body bytes, then reset (RST)
    truncate_to: int | None = None  # announce full length, send this many bytes, close
    content_length: bool = True
    head_cut_at: int | None = None  # send this many bytes of the status line and headers, close

    @classmethod
    def json(cls, value, **kw) -> Reply:
        return cls(body=json.dumps(value, ensure_ascii=False).encode("utf-8"), **kw)


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes

    def envelope(self):
        return json.loads(self.body.decode("utf-8"))


Handler = Callable[[Request], Reply]


class StandIn:
    """A running stand-in. ``handler`` maps a :class:`Request` to a :class:`Reply`;
    the default plays a splicer with ``pid``/``secret_key``/``encrypt``."""

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        pid="demo",
        secret_key="H-series-demo-secret",
        encrypt=True,
        reply_body=None,
        reply_sign=True,
        clock=time.time,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.pid, self.secret_key, self.encrypt = pid, secret_key, encrypt
        self.reply_body = (
            reply_body
            if reply_body is not None
            else {
                "deviceId": 0,
                "screens": [
                    {"screenId": 0, "name": "Main LED", "createTime": "1757509392.75"},
                    {"screenId": 1, "name": "Side <b>Left</b>", "createTime": "1757509400.1"},
                ],
            }
        )
        self.reply_sign = reply_sign
        self.handler = handler or self.splicer
        self.requests: list[Request] = []
        self.opened: list = []
        #: Requests whose client went away while the reply was being sent.
        self.hung_up: list[Request] = []
        self._clock = clock
        outer = self

        class _TCP(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 256

            def get_request(self):
                sock, addr = super().get_request()
                if ssl_context is not None:  # the handshake happens in the handler's thread
                    sock = ssl_context.wrap_socket(
                        sock, server_side=True, do_handshake_on_connect=False
                    )
                return sock, addr

        class _H(socketserver.BaseRequestHandler):
            def handle(self):
                outer._handle(self.request)

        self._server = _TCP(("127.0.0.1", 0), _H)
        self.port = self._server.server_address[1]
        scheme = "https" if ssl_context is not None else "http"
        self.root = f"{scheme}://127.0.0.1:{self.port}/open/api"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # the default: a splicer that opens the request and seals a reply
    def splicer(self, req: Request) -> Reply:
        env = req.envelope()
        # Lenient on purpose: it answers in its own mode whatever arrived, so that
        # tests can see what a client makes of a mode mismatch. It records whether
        # the request opened and verified.
        try:
            self.opened.append(
                protocol.open_request(env, secret_key=self.secret_key, encrypt=self.encrypt)
            )
        except protocol.DecryptionError:
            self.opened.append(None)
        out = protocol.seal_reply(
            0,
            "Success",
            self.reply_body,
            pid=env["pId"],
            timestamp=env["timeStamp"],
            secret_key=self.secret_key,
            encrypt=self.encrypt,
            sign=self.reply_sign,
        )
        return Reply.json(out)

    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
            }
            length = int(headers.get("content-length", 0))
            while len(rest) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            req = Request(method, path, headers, rest)
            self.requests.append(req)
            reply = self.handler(req)
            try:
                self._send(sock, reply)
            except OSError:
                self.hung_up.append(req)
        except (OSError, ValueError):
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def _send(self, sock: socket.socket, r: Reply) -> None:
        if r.delay:
            time.sleep(r.delay)
        headers = dict(r.headers)
        headers.setdefault("Date", formatdate(self._clock(), usegmt=True))
        if r.content_length:
            headers["Content-Length"] = str(len(r.body))
        headers["Connection"] = "close"
        head = (
            f"HTTP/1.1 {r.status} {r.reason}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n"
        )
        if r.head_cut_at is not None:
            sock.sendall(head.encode("latin-1")[: r.head_cut_at])
            return
        if r.head_drip_seconds:
            for byte in head.encode("latin-1"):
                sock.sendall(bytes((byte,)))
                time.sleep(r.head_drip_seconds)
        else:
            sock.sendall(head.encode("latin-1"))
        body = r.body
        if r.reset_after is not None:
            sock.sendall(body[: r.reset_after])
            time.sleep(0.05)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            return
        if r.truncate_to is not None:
            sock.sendall(body[: r.truncate_to])
            return
        if r.drip_seconds:
            for i in range(len(body)):
                sock.sendall(body[i : i + 1])
                time.sleep(r.drip_seconds)
            return
        sock.sendall(body)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def free_port() -> int:
    """A loopback port with nothing listening on it (for connection-refused tests)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
