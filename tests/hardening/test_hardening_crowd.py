"""A crowd against the simulated splicer, on loopback, bounded in count and time (issue
26): more one-byte connections than its bound, reconnecting as they are pushed out, never
lock valid calls out (item 4); and many connections each sending a large body never hold
more bytes between them than the splicer's budget (item 5)."""

from __future__ import annotations

import resource
import selectors
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from _hardening import watchdog

from openapi_magic import Client
from openapi_magic.server import serve
from openapi_magic.server._httpd import DEFAULT_MAX_CONNECTIONS

CROWD = DEFAULT_MAX_CONNECTIONS + 6  # 1,030: past the bound
TIMEOUT = 10  # seconds any one socket operation of the test may wait


@pytest.fixture
def enough_files() -> Iterator[None]:
    """Room for both ends of the crowd in this process (the soft limit restored after)."""
    need = 2 * CROWD + 512
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


class _Crowd:
    """``n`` connections that each send one byte and hold; one pushed out reconnects (an
    attacker keeping the splicer full), from a thread of its own."""

    def __init__(self, port: int, n: int) -> None:
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.stop = threading.Event()
        self.reconnected = 0
        for _ in range(n):
            self._open()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _open(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
        sock.sendall(b"P")
        self.sel.register(sock, selectors.EVENT_READ)

    def _hold(self) -> None:
        while not self.stop.is_set():
            for key, _ in self.sel.select(0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                self.sel.unregister(sock)
                sock.close()
                if not self.stop.is_set():
                    try:
                        self._open()
                        self.reconnected += 1
                    except OSError:
                        pass

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(TIMEOUT)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self.sel.close()


@pytest.mark.slow
def test_a_crowd_past_the_bound_never_locks_valid_calls_out(enough_files):
    with watchdog(120), serve(socket_timeout_s=60) as s:
        crowd = _Crowd(s.port, CROWD)
        try:
            deadline = time.monotonic() + TIMEOUT
            full = DEFAULT_MAX_CONNECTIONS - 1  # (before the fix, one place stayed empty)
            while s._server.connections < full and time.monotonic() < deadline:
                time.sleep(0.05)
            assert s._server.connections >= full  # full, and held
            crowd.thread.start()  # from now on a pushed-out attacker comes straight back
            answered = []
            for _ in range(10):  # each call a new client: each finds the splicer full
                client = Client.from_splicer(s, timeout=TIMEOUT)
                answered.append(client.call("screen/readList", {"deviceId": 0}))
                client.close()
            assert all(r.ok for r in answered), [r.msg for r in answered if not r.ok]
            assert crowd.reconnected >= len(answered)  # the attackers did come back
            assert s._server.connections <= DEFAULT_MAX_CONNECTIONS + 1
        finally:
            crowd.close()
