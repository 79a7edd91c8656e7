"""Shared pieces of the hardening tests (issue #9).

* the secretKey the tests hunt for, and every form of it worth hunting;
* a watchdog, so that no test can hang (it interrupts the test after a bound);
* an in-memory splicer transport (a ``requests`` adapter), so that property tests
  drive the real client path, reply bytes to Result, thousands of times without
  sockets;
* the global IPython test shell, shared with the other test modules.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import resource
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import requests
import urllib3
from IPython.testing import globalipapp

import openapi_magic
from openapi_magic import Client
from openapi_magic.core import protocol

#: The secret the hardening tests hunt for. ``!`` and ``-`` are not Base64 characters, so
#: its first 8 bytes cannot turn up by chance inside a ciphertext or a sign.
SECRET = "Hx9!-Hardening-Secret-Key-7Q"
PID = "demo"


def secret_forms(secret: str = SECRET) -> list[str]:
    """The secretKey as it could leak: whole, its first 8 bytes (the DES key), Base64 of
    either (with and without padding), and hex of either."""
    raw = secret.encode("utf-8")
    forms = [secret, raw[:8].decode("utf-8", "ignore")]
    for piece in (raw, raw[:8]):
        b64 = base64.b64encode(piece).decode("ascii")
        forms += [b64, b64.rstrip("="), piece.hex()]
    return list(dict.fromkeys(forms))


def assert_no_secret(texts: list[str] | str, secret: str = SECRET) -> None:
    """Fail naming the form found (never printing the secret) if any text holds it."""
    blob = texts if isinstance(texts, str) else "\n".join(texts)
    for n, form in enumerate(secret_forms(secret)):
        assert form not in blob, f"secret material found (form #{n}, {len(form)} chars)"


def frames_text(exc: BaseException) -> str:
    """Every local variable (name and repr) of every frame of the package in ``exc``'s
    traceback and those of the errors chained to it: what ``%xmode Verbose`` could print
    (it shows a part of this), for :func:`assert_no_secret`."""
    package = os.path.dirname(openapi_magic.__file__)
    out: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        err = todo.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        out.append(repr(err))
        todo += [err.__cause__, err.__context__]
        tb = err.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_code.co_filename.startswith(package):
                out.append(frame.f_code.co_qualname)
                out += [f"{name}={_shown(value)}" for name, value in frame.f_locals.items()]
            tb = tb.tb_next
    return "\n".join(out)


def _shown(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # noqa: BLE001 - a repr that fails shows nothing
        return f"<repr failed: {type(exc).__name__}>"


class Hung(Exception):
    """Raised in the test by :func:`watchdog` when a bound passed."""


@contextlib.contextmanager
def watchdog(seconds: float):
    """Interrupt the block with :class:`Hung` after ``seconds`` (main thread only).

    Nothing in the tests should come near the bound: it turns a hang into a failure.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum, frame):
        raise Hung(f"still running after {seconds:g} s: something hangs")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- in memory


class MemoryAdapter(requests.adapters.HTTPAdapter):
    """A ``requests`` transport that answers from memory: ``answer(envelope) -> bytes``
    (or ``(bytes, status, headers)``) plays the splicer. The reply goes through
    urllib3's response object, so the client reads it exactly as from a socket."""

    def __init__(self, answer: Callable[[Any], Any]) -> None:
        super().__init__()
        self.answer = answer
        self.seen: list[Any] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        envelope = json.loads(request.body)
        self.seen.append(envelope)
        out = self.answer(envelope)
        data, status, headers = (out, 200, None) if isinstance(out, bytes) else out
        headers = headers or {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": str(len(data)),
        }
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(data),
            headers=headers,
            status=status,
            reason="OK",
            preload_content=False,
            decode_content=False,
        )
        return self.build_response(request, raw)


SCREENS = {"deviceId": 0, "screens": [{"screenId": 0, "name": "Main"}]}


def splicer_answer(
    secret: str, encrypt: bool, body: Any = SCREENS, status: int = 0, msg: str = "Success"
) -> Callable[[Any], bytes]:
    """An ``answer`` for :class:`MemoryAdapter` that seals ``body`` the splicer's way,
    signed for the request's own pId and timeStamp."""

    def answer(env: Any) -> bytes:
        out = protocol.seal_reply(
            status,
            msg,
            body,
            pid=env["pId"],
            timestamp=env["timeStamp"],
            secret_key=secret,
            encrypt=encrypt,
        )
        return json.dumps(out, ensure_ascii=False).encode("utf-8")

    return answer


def memory_client(
    answer: Callable[[Any], Any], *, encrypt: bool, secret: str = SECRET, **kw: Any
) -> Client:
    """A Client whose every call is answered by ``answer`` (see :class:`MemoryAdapter`)."""
    session = requests.Session()
    adapter = MemoryAdapter(answer)
    session.mount("http://", adapter)
    client = Client(
        "http://splicer.test/open/api", PID, secret, encrypt=encrypt, session=session, **kw
    )
    client.adapter = adapter  # for tests that look at what was sent
    return client


# --------------------------------------------------------------------------- IPython


def global_shell():
    """IPython's global test shell (the one the other test modules use too)."""
    ip = globalipapp.start_ipython()
    if ip is None:  # another test module started it
        return globalipapp.get_ipython()
    # start_ipython() answers its first caller only; let later modules ask the same way.
    del globalipapp.start_ipython.already_called
    return ip


def fresh_magic(shell, monkeypatch, tmp_path):
    """The shell with a fresh %%openapi magic and %openapi_form, nothing connected, no
    OPENAPI_* variables and no profiles file."""
    from openapi_magic.frontends._form import register
    from openapi_magic.frontends._magics import OpenAPIMagics

    for var in (
        "OPENAPI_ROOT",
        "OPENAPI_PID",
        "OPENAPI_SECRET_KEY",
        "OPENAPI_ENCRYPT",
        "OPENAPI_PROFILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "none.ini"))
    shell.reset(new_session=False)
    shell.config.pop("OpenAPIMagics", None)
    shell.run_line_magic("load_ext", "openapi_magic")
    shell.register_magics(OpenAPIMagics)
    register(shell)
    return shell


@contextlib.contextmanager
def open_files(sockets: int) -> Iterator[None]:
    """Room for both ends of ``sockets`` connections in this process (raising the soft
    limit on open files for the block, restored after); skips when the hard limit is lower."""
    import pytest

    need = 2 * sockets + 512
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
