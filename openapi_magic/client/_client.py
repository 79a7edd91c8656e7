"""The Python client: seal → POST → open, returning a :class:`Result`.

One ``requests.Session`` per client, a timeout on every call (connect and the
whole reply), a cap on the reply size, and errors that carry what arrived.
The secretKey lives in a :class:`~openapi_magic.core.protocol.Secret` whose repr is
masked, from the first line that receives it down to the DES call: no frame of a
traceback (even ``%xmode Verbose``, which prints every frame's variables) holds its
text, and no message, repr or log line built here contains it.
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import math
import os
import threading
import time
import urllib.parse
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests
import urllib3

from ..core import _fast, protocol
from ..core.capture_format import REPLAY_HEADER, replay_note
from ..core.catalog import Catalog, Problem, is_read, load_catalog, normalize_path
from ..core.protocol import Secret
from ..core.settings import parse_bool
from ..errors import (
    ConfigError,
    ConnectError,
    DecodeError,
    HTTPStatusError,
    OpenAPIError,
    ProtocolError,
    ReplyTooLarge,
    RequestTimeout,
    RequestValidationError,
    TransportError,
)
from ..render._tables import inert, shorten
from . import _guards as _confirm
from . import _transport
from ._result import DEFAULT_DISPLAY_LIMIT, Result, prepared_html, prepared_text
from ._verdict import FIRMWARE_INTERFACE, ConnectVerdict, check_connection

if TYPE_CHECKING:  # pragma: no cover
    from ..ops._watch import Watch
    from ._history import History
    from ._transport import _LightResponse

    #: What a session's post answers: requests' Response, or the light transport's.
    _Response = requests.Response | _LightResponse

__all__ = [
    "DEFAULT_MAX_REPLY_BYTES",
    "DEFAULT_TIMEOUT",
    "FIRMWARE_INTERFACE",
    "MAX_TIMEOUT",
    "Client",
    "Environment",
    "Prepared",
    "Secret",
    "join_url",
    "parse_bool",
    "precheck",
    "wrap_secret",
]

log = logging.getLogger("openapi_magic")

#: Seconds to connect, and for the whole reply to arrive.
DEFAULT_TIMEOUT = 10.0
#: Replies larger than this are refused (a clear error, not a full memory).
DEFAULT_MAX_REPLY_BYTES = 64 * 1024 * 1024
_CHUNK = 256 * 1024
#: The longest timeout taken, in seconds (a day; sockets cannot wait past ~10**9 s).
_MAX_TIMEOUT = 86400.0
#: The longest timeout a client takes (public: a front-end's box must not clamp below it).
MAX_TIMEOUT = _MAX_TIMEOUT
_SNIPPET = 200

ENV_ROOT = "OPENAPI_ROOT"
ENV_PID = "OPENAPI_PID"
ENV_SECRET_KEY = "OPENAPI_SECRET_KEY"
ENV_ENCRYPT = "OPENAPI_ENCRYPT"
ENV_TIMEOUT = "OPENAPI_TIMEOUT"


def join_url(root: str, interface: str) -> str:
    """``root`` + ``/module/action`` without doubling or losing a ``/``."""
    return root.rstrip("/") + "/" + normalize_path(interface)


def precheck(
    interface: str, body: Any, *, strict_catalog: bool = False, catalog: Catalog | None = None
) -> list[Problem]:
    """The pre-send check every front-end uses: refuse what is certain to fail, warn of the rest.

    Returns the catalog's problems with the call (see :meth:`Catalog.problems`),
    to show as warnings beside the splicer's answer. Raises
    :class:`RequestValidationError` for the certain ones (a field of a type that
    cannot be right), or for every problem when ``strict_catalog`` is true.
    """
    problems = (catalog or load_catalog()).problems(interface, body)
    refused = problems if strict_catalog else [p for p in problems if p.certain]
    if not refused:
        return problems
    path = normalize_path(interface)
    messages = [p.message for p in refused]
    if all(p.certain for p in refused):
        hint = "Fix the body: no firmware can take this."
    else:
        hint = (
            "strict_catalog is on, so what the catalog is unsure of refuses the call; "
            "turn it off to send with a warning (the splicer decides)."
        )
    raise RequestValidationError(
        f"{path}: " + "; ".join(messages) + ".", problems=messages, interface=path, hint=hint
    )


@dataclass(frozen=True)
class Prepared:
    """A sealed call, ready to send (or to show in a dry run: nothing in it is secret)."""

    interface: str
    url: str
    body: Any
    envelope: dict
    data: bytes
    encrypted: bool
    sign_input: str
    #: What the catalog found doubtful in the call (sent anyway); see :func:`precheck`.
    warnings: tuple[str, ...] = ()

    @property
    def timestamp(self) -> str:
        return self.envelope["timeStamp"]

    def __str__(self) -> str:
        return prepared_text(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": prepared_text(self), "text/html": prepared_html(self)}


class Client:
    """A connection to one splicer's OpenAPI.

    ``root`` is the URL prefix the administrator gives out, e.g.
    ``http://10.0.0.5:8000/open/api`` (a ``user:password@`` in it is sent as basic
    auth and kept out of ``client.root``, what is shown and saved); ``pid`` and
    ``secret_key`` come from the splicer's Settings > OpenAPI Management; ``encrypt``
    must match the splicer's setting for that pId. ``timeout`` bounds connecting and
    the whole reply; ``strict_sign`` turns a reply sign mismatch into a
    :class:`SignatureError`; ``verify`` is TLS verification for https roots.
    ``strict_catalog`` refuses every call the catalog has doubts about (by
    default only what is certain to fail is refused, the rest is sent with
    warnings on the Result).

    ``read_only`` refuses, before anything is sent, every call the catalog does
    not list as a read (:class:`WriteRefused`); ``confirm_writes`` asks before
    sending one: ``confirm`` (a function shown the :class:`~openapi_magic.client._guards.PendingWrite`,
    answering True to send) or else a y/N prompt in the terminal or notebook
    (refused when nothing can ask). A Result is never a write that was not meant.

    ``firmware`` is what ``main/initStatus`` last said (model and
    ``softwareVersion``), ``None`` until read (:meth:`read_firmware`, or any
    call to ``main/initStatus``); every Result carries the version.
    """

    def __init__(
        self,
        root: str,
        pid: str,
        secret_key: str | Secret | None = None,
        *,
        encrypt: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        strict_sign: bool = False,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
        display_limit: int | None = DEFAULT_DISPLAY_LIMIT,
        session: requests.Session | None = None,
        clock: Callable[[], float] | None = None,
        name: str | None = None,
        strict_catalog: bool = False,
        read_only: bool = False,
        confirm_writes: bool = False,
        confirm: _confirm.Confirm | None = None,
    ) -> None:
        # Wrap first, then judge: from here down this frame holds the masked key only,
        # a refused one (bytes, a lone surrogate) included.
        secret_key, refused = wrap_secret(secret_key)
        if refused is not None:
            raise refused
        if not isinstance(root, str) or not root.strip():
            raise ConfigError(
                "The root URL is empty: give the splicer's OpenAPI root, e.g. "
                "http://10.0.0.5:8000/open/api."
            )
        root = root.strip()
        if not root.lower().startswith(("http://", "https://")):
            raise ConfigError(f"The root URL {root!r} must start with http:// or https://.")
        # A login in the root (user:password@host) is for the request only: what is shown
        # or saved (repr, Result.url, captures) is the root without it.
        self._auth = _login(root)
        self.root = _confirm.public_root(root).rstrip("/")
        self.pid = protocol._pid(pid)
        self._secret = secret_key
        self.encrypt = parse_bool(encrypt, "encrypt")
        if self.encrypt:
            self._des_check()
        self.timeout = _seconds(timeout)
        self.verify = verify
        self.strict_sign = bool(strict_sign)
        self.max_reply_bytes = int(max_reply_bytes)
        self.display_limit = display_limit
        self.name = name
        self.strict_catalog = parse_bool(strict_catalog, "strict_catalog")
        self.read_only = parse_bool(read_only, "read_only")
        self.confirm_writes = parse_bool(confirm_writes, "confirm_writes")
        self.confirm = confirm
        #: How to allow writes, for the read-only error (set by a profile or a front-end).
        self.read_only_hint: str | None = None
        #: ``{"model": mainModelId, "version": softwareVersion}`` once read, else None.
        self.firmware: dict | None = None
        #: Where each call sent is recorded (a notebook session's), or None.
        self.history: History | None = None
        # (pId, encryption) pairs that had a status-0 reply: the secretKey is fixed per
        # client, so a later 500 with the same pair is the interface's, not the key's.
        self._succeeded: set[tuple[str, bool]] = set()
        self._clock = clock or time.time
        self._last_ts = 0
        self._ts_lock = threading.Lock()
        self._session = _with_headers(session or _transport.session_for(self.root, self._auth))
        if verify is False and self.root.lower().startswith("https://"):
            # Once per client, here; its sessions do not repeat it per request, and the
            # process's warning filters are left alone (see _transport).
            warnings.warn(
                f"TLS verification is off for {self.root}: the connection can be intercepted.",
                stacklevel=2,
            )

    # ------------------------------------------------------------------ building

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | Environment | None = None, **overrides: Any
    ) -> Client:
        """A client from ``OPENAPI_ROOT``, ``OPENAPI_PID``, ``OPENAPI_SECRET_KEY``,
        ``OPENAPI_ENCRYPT`` (and ``OPENAPI_TIMEOUT``); keyword overrides win."""
        # The settings only, the key masked: a frame holding the environment would show
        # the key in a traceback that prints variables.
        env = _settings_from(Environment(env))
        kw: dict[str, Any] = {}
        missing = [
            n
            for n, k in ((ENV_ROOT, "root"), (ENV_PID, "pid"))
            if k not in overrides and not env.get(n)
        ]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: set "
                f"{ENV_ROOT}, {ENV_PID}, {ENV_SECRET_KEY} and {ENV_ENCRYPT} in the environment "
                "(or pass them to Client)."
            )
        if env.get(ENV_ROOT):
            kw["root"] = env[ENV_ROOT]
        if env.get(ENV_PID):
            kw["pid"] = env[ENV_PID]
        if isinstance(env[ENV_SECRET_KEY], ConfigError):
            raise env[ENV_SECRET_KEY]
        if env[ENV_SECRET_KEY]:
            kw["secret_key"] = env[ENV_SECRET_KEY]
        if env.get(ENV_ENCRYPT) is not None:
            kw["encrypt"] = parse_bool(env[ENV_ENCRYPT], ENV_ENCRYPT)
        if env.get(ENV_TIMEOUT):
            try:
                kw["timeout"] = float(env[ENV_TIMEOUT])
            except ValueError:
                raise ConfigError(
                    f"{ENV_TIMEOUT} must be a number of seconds, not {env[ENV_TIMEOUT]!r}."
                ) from None
        kw.update(overrides)
        return cls(**kw)

    @classmethod
    def from_splicer(cls, splicer: Any, **overrides: Any) -> Client:
        """A client for a running simulated splicer (anything with ``root``,
        ``pid``, ``secret_key`` and ``encrypt``)."""
        try:
            kw = _splicer_settings(splicer)
        except BaseException:
            splicer = None  # no frame of the traceback holds an object that may show the key
            raise
        kw.update(overrides)
        return cls(**kw)

    def _des_check(self) -> None:
        if self._secret is None:
            raise ConfigError(
                "Encryption is on but no secretKey was given: set OPENAPI_SECRET_KEY or pass "
                "secret_key (from the splicer's Settings > OpenAPI Management)."
            )
        self._secret.des_key()  # refuses a short key, with a message that says why

    @property
    def has_secret(self) -> bool:
        return self._secret is not None

    @property
    def firmware_version(self) -> str | None:
        """The splicer's ``softwareVersion`` as ``main/initStatus`` said, or None."""
        return (self.firmware or {}).get("version")

    def read_firmware(self, timeout: float | None = None) -> dict | None:
        """Ask ``main/initStatus`` for the model and firmware version; cache and return them.

        Returns ``None`` (keeping what was known) when the reply did not say;
        transport and protocol errors raise as for any call.
        """
        result = self.call(FIRMWARE_INTERFACE, {"deviceId": 0}, timeout=timeout, check=False)
        said = isinstance(result.body, dict) and (
            "softwareVersion" in result.body or "mainModelId" in result.body
        )
        return self.firmware if result.ok and said else None

    def check(self, timeout: float | None = None) -> ConnectVerdict:
        """Ask the splicer ``main/initStatus`` once and say what it answered: a
        :class:`ConnectVerdict` (``ok``: the model and firmware; ``refused``: the vendor's
        status, token and hint; ``unreachable``: the URL and the cause). Never raises for
        a refusal or an unreachable splicer; ``verdict.raise_for_kind()`` does."""
        return check_connection(self, timeout)

    def _note_firmware(self, body: Any) -> None:
        if not isinstance(body, dict):
            return
        version, model = body.get("softwareVersion"), body.get("mainModelId")
        if version is None and model is None:
            return
        self.firmware = {"model": model, "version": None if version is None else str(version)}

    def __repr__(self) -> str:
        # getattr: a Client whose __init__ failed half-way (a traceback that prints
        # variables shows it) must not raise here.
        name = getattr(self, "name", None)
        name = f"name={name!r}, " if name else ""
        timeout = getattr(self, "timeout", None)
        return (
            f"Client({name}root={getattr(self, 'root', None)!r}, "
            f"pid={getattr(self, 'pid', None)!r}, encrypt={getattr(self, 'encrypt', None)}, "
            f"timeout={timeout if timeout is None else format(timeout, 'g')}"
            + (", read_only=True" if getattr(self, "read_only", False) else "")
            + (", confirm_writes=True" if getattr(self, "confirm_writes", False) else "")
            + ")"
        )

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def __enter__(self) -> Client:  # noqa: PYI034 (typing.Self needs 3.11)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_session"] = None  # a Session does not travel; a fresh one is made on arrival
        state["_ts_lock"] = None
        state["history"] = None  # recorded where the call is collected (see _history)
        if state.get("confirm") is not None:
            # A callback may not travel (a lambda, a widget); without it a confirm-required
            # write is asked about where it lands, or refused there: never sent unasked.
            state["confirm"] = None
        if state.get("_clock") is time.time:
            state["_clock"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if state.get("_clock") is None:  # time.time travels as None (see __getstate__)
            self._clock = time.time
        self._ts_lock = threading.Lock()
        self._session = _with_headers(_transport.session_for(self.root, self._auth))

    # ------------------------------------------------------------------ calls

    def prepare(
        self,
        interface: str,
        body: Any = None,
        *,
        encrypt: bool | None = None,
        timestamp: int | str | None = None,
        check: bool | None = None,
        strict_catalog: bool | None = None,
    ) -> Prepared:
        """Seal a call without sending it (what a dry run shows).

        The body is checked against the catalog (:func:`precheck`): what it
        doubts lands in ``warnings`` and is sent anyway. ``check=True`` also
        refuses what is certain to fail (:class:`RequestValidationError`);
        ``strict_catalog`` (default: the client's) refuses every doubt;
        ``check=False`` skips the catalog.
        """
        path = normalize_path(interface)
        if not path:
            raise ConfigError("No interface given: name one such as screen/readList.")
        enc = self.encrypt if encrypt is None else parse_bool(encrypt, "encrypt")
        if body is None:
            body = {}
        strict = self.strict_catalog if strict_catalog is None else bool(strict_catalog)
        found: list[Problem] = []
        if check is not False:
            found = (
                precheck(path, body, strict_catalog=strict)
                if check or strict
                else load_catalog().problems(path, body)
            )
        if enc:
            self._des_check()
        ts = self._next_timestamp() if timestamp is None else timestamp
        envelope = protocol.seal_request(
            body, pid=self.pid, secret_key=self._secret, timestamp=ts, encrypt=enc
        )
        data = protocol.dumps(envelope).encode("utf-8")
        return Prepared(
            interface=path,
            url=join_url(self.root, path),
            body=body,
            envelope=envelope,
            data=data,
            encrypted=enc,
            sign_input=protocol.sign_input(
                envelope["body"], envelope["timeStamp"], self.pid, encrypt=enc
            ),
            warnings=tuple(p.message for p in found),
        )

    def _next_timestamp(self) -> int:
        """Milliseconds now, but always later than this client's previous call, so two
        calls (or a retry) in one millisecond never share a timeStamp."""
        with self._ts_lock:
            ts = max(int(self._clock() * 1000), self._last_ts + 1)
            self._last_ts = ts
        return ts

    def call(
        self,
        interface: str,
        body: Any = None,
        *,
        encrypt: bool | None = None,
        timeout: float | None = None,
        check: bool | None = None,
        records: str | None = None,
        strict_catalog: bool | None = None,
        read_only: bool = False,
        confirmed: bool = False,
        guarded: bool = False,
        origin: str | None = "client",
        history: History | None = None,
    ) -> Result:
        """Seal, send and open one call; return its :class:`Result`.

        ``check`` and ``strict_catalog`` are :meth:`prepare`'s: by default the
        catalog's doubts are sent with warnings (``result.warnings``).
        ``read_only``, ``confirmed``, ``guarded``, ``origin`` and ``history`` are
        :meth:`send`'s.

        A reply that arrived and decoded is returned even when the vendor's
        status is a failure (``result.ok`` false; ``result.raise_for_status()``
        raises). Transport failures, undecodable replies and bad settings raise.
        """
        prepared = self.prepare(
            interface, body, encrypt=encrypt, check=check, strict_catalog=strict_catalog
        )
        return self.send(
            prepared,
            timeout=timeout,
            records=records,
            read_only=read_only,
            confirmed=confirmed,
            guarded=guarded,
            origin=origin,
            history=history,
        )

    @property
    def where(self) -> str:
        """The splicer in words for messages: its name and root (no credentials)."""
        root = _confirm.public_root(self.root)
        return f"{self.name} ({root})" if self.name else root

    def needs_confirm(self, interface: str) -> bool:
        """True when ``confirm_writes`` is on and ``interface`` is not a known read."""
        return self.confirm_writes and not is_read(interface)

    def guard(
        self, interface: str, body: Any = None, *, read_only: bool = False, confirmed: bool = False
    ) -> None:
        """Refuse or confirm a call before it is sent (see :meth:`send`); raises
        :class:`WriteRefused` when it must not go."""
        _confirm.refuse_if_read_only(
            interface,
            read_only=self.read_only or read_only,
            where=self.where,
            how=self.read_only_hint if self.read_only else None,
        )
        if not confirmed and self.needs_confirm(interface):
            _confirm.confirm(_confirm.pending(interface, body, [self.where]), self.confirm)

    def watch(self, interface: str, body: Any = None, every: float = 5.0, **options: Any) -> Watch:
        """Deprecated: ``openapi_magic.ops.watch(client, interface, body, every=...)``.

        Polls ``interface`` every ``every`` s in the background, keeping one live view
        (see :class:`openapi_magic.ops._watch.Watch` for the options); ``.stop()`` ends it.
        Kept for one release: the client sits below the watch, which builds on it.
        """
        warnings.warn(
            "Client.watch is deprecated; use openapi_magic.ops.watch(client, ...) "
            '(from openapi_magic.ops import watch; watch(client, "device/readDetail", '
            "{...}, every=...)).",
            DeprecationWarning,
            stacklevel=2,
        )
        from ..ops._watch import watch  # the deprecated shim's way up (see test_layers.py)

        return watch(self, interface, body, every=every, **options)

    def send(
        self,
        prepared: Prepared,
        *,
        timeout: float | None = None,
        records: str | None = None,
        read_only: bool = False,
        confirmed: bool = False,
        guarded: bool = False,
        strict_sign: bool | None = None,
        origin: str | None = "client",
        history: History | None = None,
    ) -> Result:
        """Send a :class:`Prepared` call and open the reply.

        Writes are guarded here (:meth:`guard`): a call the catalog does not list as a
        read is refused (:class:`WriteRefused`, nothing sent) when this client or
        ``read_only`` says read-only, and asked about first when ``confirm_writes``
        is on, unless ``confirmed`` (a front-end already asked). ``guarded=True``
        says the caller already ran that guard for this call (a session, a fleet run).
        ``strict_sign`` (default: the client's) raises :class:`SignatureError` on a
        reply whose sign does not match; ``False`` leaves the verdict to the caller.

        Once past the guard the call is recorded in ``history`` (default: the client's
        :attr:`history`) as sent by ``origin`` (a front-end's name; ``None``: the caller
        records it, as a fleet does), whether a reply came or not.
        """
        if not guarded:
            self.guard(prepared.interface, prepared.body, read_only=read_only, confirmed=confirmed)
        log = self.history if history is None else history
        if origin is None:  # the caller records it
            log = None
        if log is None:
            return self._send(prepared, timeout, records, strict_sign)
        when = time.time()
        try:
            result = self._send(prepared, timeout, records, strict_sign)
        except (OpenAPIError, KeyboardInterrupt) as exc:
            self._record(log, origin, prepared, when, error=exc)
            raise
        self._record(log, origin, prepared, when, result=result)
        return result

    def _record(
        self, log: History, origin: Any, prepared: Prepared, when: float, **came: Any
    ) -> None:
        """Keep one sent call in ``log``: the plaintext body, never the envelope."""
        log.add(
            origin=origin,
            splicer=self.name,
            root=self.root,
            interface=prepared.interface,
            body=prepared.body,
            when=when,
            **came,
        )

    def _send(
        self,
        prepared: Prepared,
        timeout: float | None,
        records: str | None,
        strict_sign: bool | None,
    ) -> Result:
        limit = self.timeout if timeout is None else _seconds(timeout)
        url = prepared.url
        context: dict[str, Any] = {"url": url, "request_envelope": prepared.envelope}
        sent_at = self._clock()
        start = time.perf_counter()
        # One deadline for the whole reply, headers included (requests' read timeout
        # bounds each wait only: a header drip would hold the call for ever).
        with _transport.bounded(time.monotonic() + limit) as progress:
            try:
                resp = self._session.post(
                    url,
                    data=prepared.data,
                    timeout=(limit, limit),
                    stream=True,
                    verify=_transport.env_verify(self._session, self.verify),
                    allow_redirects=False,
                    auth=self._auth,
                )
            except requests.exceptions.RequestException as exc:
                raise _transport_error(exc, url, limit, context, progress.phase) from exc
            except KeyboardInterrupt as exc:  # the magic says whether the call was sent
                exc.openapi_sent = progress.phase == "sent" or (  # type: ignore[attr-defined]
                    None if progress.phase in (None, "sending") else False
                )
                raise
            try:
                raw = self._read(resp, start, limit, context)
            except KeyboardInterrupt as exc:
                # The reply was being read.
                exc.openapi_sent = True  # type: ignore[attr-defined]
                raise
            finally:
                resp.close()
        elapsed = time.perf_counter() - start
        text = raw.decode("utf-8", errors="replace")
        del raw  # the text holds the reply now: a large one need not be held twice
        context.update(http_status=resp.status_code, raw_text=text)
        headers = dict(resp.headers)
        if _transport.headers_cut(resp):
            raise TransportError(
                f"The connection to {url} closed in the middle of the reply's headers (the "
                f"status line said HTTP {resp.status_code}, then the headers stopped short); "
                "the splicer or a proxy hung up early.",
                **context,
            )
        if not 200 <= resp.status_code < 300:
            raise _http_error(resp, text, url, context)
        envelope = _parse_json(text, resp, url, context)
        context["response_envelope"] = envelope
        records_hint = _records_hint(prepared.interface)
        try:
            opened = protocol.open_reply(
                envelope,
                pid=self.pid,
                timestamp=prepared.envelope["timeStamp"],
                secret_key=self._secret,
                encrypt=prepared.encrypted,
                records=records or records_hint,  # the rows a frame will want, as columns
            )
        except ProtocolError as exc:
            _attach(exc, context, prefix=f"The reply to {prepared.interface} from {url}: ")
            _add_status(exc, envelope)
            raise
        except ConfigError as exc:  # e.g. a short secretKey met while decrypting
            raise ProtocolError(str(exc), **context) from exc
        mode = (self.pid, prepared.encrypted)
        meaning, hint = _status_help(
            opened.status, opened.msg, prepared.interface, after_success=mode in self._succeeded
        )
        if opened.status == 0:
            self._succeeded.add(mode)
            if prepared.interface == FIRMWARE_INTERFACE:
                self._note_firmware(opened.body)
        if opened.status == 11:
            hint = _skew_hint(hint, headers, sent_at, prepared.envelope.get("timeStamp"))
        warned = list(prepared.warnings)
        if opened.status != 0:
            typo = _typo_hint(prepared.interface)
            if typo is not None:  # the likely cause leads; it says what the warning said
                hint, warned = typo, []
        result = Result(
            interface=prepared.interface,
            url=url,
            status=opened.status,
            msg=opened.msg,
            body=opened.body,
            request_envelope=prepared.envelope,
            response_envelope=envelope,
            raw_text=text,
            http_status=resp.status_code,
            elapsed=elapsed,
            encrypted=prepared.encrypted,
            sign_verdict=opened.sign_verdict,
            request_body=prepared.body,
            headers=headers,
            meaning=meaning,
            hint=hint,
            records=records,
            records_hint=records_hint,
            display_limit=self.display_limit,
            warnings=warned,
            firmware=self.firmware_version,
        )
        replayed = replay_note(resp.headers.get(REPLAY_HEADER), prepared.interface)
        if replayed:  # a replay (the simulated splicer) says the capture never made this read
            result.warnings.append(replayed)
        log.debug(
            "POST %s -> status %s in %.1f ms (%s, sign %s)",
            url,
            result.status,
            elapsed * 1000,
            "encrypted" if result.encrypted else "plain",
            result.sign_verdict,
        )
        if self.strict_sign if strict_sign is None else strict_sign:
            result.check_sign()
        return result

    def _read(self, resp: _Response, start: float, limit: float, context: dict) -> bytes:
        url = context["url"]
        length = resp.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_reply_bytes:
            raise ReplyTooLarge(
                f"The reply from {url} announces {int(length):,} bytes, more than the "
                f"{self.max_reply_bytes:,}-byte cap (max_reply_bytes).",
                http_status=resp.status_code,
                **context,
            )
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if time.perf_counter() - start > limit:
                    raise RequestTimeout(
                        f"The reply from {url} did not finish within {limit:g} s "
                        f"({size:,} bytes arrived).",
                        http_status=resp.status_code,
                        raw_text=b"".join(chunks).decode("utf-8", "replace"),
                        **context,
                    )
                chunk = resp.raw.read1(_CHUNK, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_reply_bytes:
                    raise ReplyTooLarge(
                        f"The reply from {url} is larger than the {self.max_reply_bytes:,}-byte "
                        "cap (max_reply_bytes); raise the cap if this is expected.",
                        http_status=resp.status_code,
                        raw_text=b"".join(chunks)[: _SNIPPET * 10].decode("utf-8", "replace"),
                        **context,
                    )
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
            raise RequestTimeout(  # stalled, or trickled past the deadline
                f"The reply from {url} did not finish within {limit:g} s ({size:,} bytes arrived).",
                http_status=resp.status_code,
                raw_text=b"".join(chunks).decode("utf-8", "replace"),
                **context,
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransportError(
                f"The connection to {url} broke while the reply was arriving ({size:,} bytes "
                f"arrived): {_reason(exc)}.",
                http_status=resp.status_code,
                raw_text=b"".join(chunks).decode("utf-8", "replace"),
                **context,
            ) from exc
        return b"".join(chunks)


# ---------------------------------------------------------------------- helpers


def wrap_secret(value: Any) -> tuple[Secret | None, ConfigError | None]:
    """``(the key as a Secret, None)``, or ``(None, the ConfigError refusing it)``.

    A secretKey is text (or a :class:`Secret`): bytes and text with a lone surrogate are
    refused. Nothing raises here, so a caller rebinds its variable to the masked key
    (or ``None``) before judging: no frame of a traceback holds the refused value.
    """
    if value is None or isinstance(value, Secret):
        return value, None
    kind = type(value).__name__
    try:
        wrapped = Secret(value)  # wraps bytes too, so that no frame keeps them
    except ConfigError as exc:  # not text, or a lone surrogate: the message names no key
        return None, exc.with_traceback(None)
    finally:
        value = None
    if kind in ("bytes", "bytearray"):
        return None, ConfigError(f"The secretKey must be text, not {kind}.")
    return wrapped, None


def _secret(value: Any) -> Secret | None:
    """A Client's secretKey: ``None``, or text / a :class:`Secret` as a Secret."""
    value, refused = wrap_secret(value)
    if refused is not None:
        raise refused
    return value


class Environment:
    """The process environment (or a mapping standing in for it, ``None``: the process's),
    read one variable at a time.

    Its repr names nothing (``<environment>``) and no attribute is the mapping, so a
    traceback that prints every frame's variables (``%xmode Verbose``) shows no value of
    it, the secretKey a variable holds included.
    """

    __slots__ = ("_read",)

    def __init__(self, env: Mapping[str, str] | Environment | None = None) -> None:
        self._read: Callable[[str], str | None] = (
            env._read if isinstance(env, Environment) else _reader(env)
        )

    def get(self, name: str) -> str | None:
        """The variable's text, or ``None`` when it is not set (for settings, not keys)."""
        return self._read(name)

    def secret(self, name: str) -> Secret | None:
        """The variable as a :class:`Secret` (``None`` when unset or empty); a ConfigError
        naming the variable, never its value, when it cannot be a secretKey."""
        key, refused = wrap_secret(self._read(name) or None)
        if refused is not None:
            raise ConfigError(f"${name}: {refused.message}")
        return key

    def __repr__(self) -> str:
        return "<environment>"


def _reader(env: Mapping[str, str] | None) -> Callable[[str], str | None]:
    # A closure: its repr shows no value, and os.environ is read at each lookup (None).
    def read(name: str) -> str | None:
        return (os.environ if env is None else env).get(name)

    return read


def _settings_from(env: Environment) -> dict[str, Any]:
    """The ``OPENAPI_*`` settings of an environment, the secretKey as a :class:`Secret`
    (or, when it cannot be one, the ConfigError saying why)."""
    out: dict[str, Any] = {
        name: env.get(name) for name in (ENV_ROOT, ENV_PID, ENV_ENCRYPT, ENV_TIMEOUT)
    }
    out[ENV_SECRET_KEY] = None
    try:
        out[ENV_SECRET_KEY] = env.secret(ENV_SECRET_KEY)
    except ConfigError as exc:
        out[ENV_SECRET_KEY] = exc.with_traceback(None)
    return out


def _login(root: Any) -> requests.auth.HTTPBasicAuth | None:
    """The ``user:password@`` of a root as the request's basic auth (``None``: none).

    Held as requests' auth object, whose repr shows neither part."""
    if not isinstance(root, str) or "@" not in root:
        return None
    try:
        parts = urllib.parse.urlsplit(root.strip())
        user, password = parts.username, parts.password
    except ValueError:
        return None  # the root is refused, or the request says what is wrong
    if user is None and password is None:
        return None
    return requests.auth.HTTPBasicAuth(
        urllib.parse.unquote(user or ""), urllib.parse.unquote(password or "")
    )


def _splicer_settings(splicer: Any) -> dict[str, Any]:
    """``root``, ``pid``, ``secret_key`` (as a :class:`Secret`) and ``encrypt`` of a
    splicer-like object."""
    try:
        return {
            "root": splicer.root,
            "pid": splicer.pid,
            "secret_key": _secret(splicer.secret_key),
            "encrypt": splicer.encrypt,
        }
    except BaseException:
        splicer = None  # no frame of the traceback holds an object that may show the key
        raise


def _with_headers(
    session: requests.Session | _transport.LightSession,
) -> requests.Session | _transport.LightSession:
    """The headers every call of ours carries, set once on the session."""
    session.headers.update(
        {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": f"openapi_magic/{_version()}",
        }
    )
    return session


@functools.lru_cache(maxsize=1)
def _version() -> str:
    try:
        from importlib.metadata import version

        return version("openapi_magic")
    except Exception:  # noqa: BLE001 - not installed (running from a checkout)
        return "dev"


def _seconds(value: Any) -> float:
    """A timeout in seconds: a number above 0 and at most a day, else ConfigError."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(value, bool) or not 0 < seconds <= _MAX_TIMEOUT:
        raise ConfigError(
            f"timeout must be a positive number of seconds, at most "
            f"{_MAX_TIMEOUT:g} (a day), not {value!r}."
        )
    return seconds


def _reason(exc: BaseException) -> str:
    """The innermost plain-language reason of a requests/urllib3 exception."""
    seen = set()
    cur: BaseException | None = exc
    text = str(exc)
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        inner = getattr(cur, "reason", None) or cur.__cause__ or cur.__context__
        if isinstance(inner, BaseException):
            cur = inner
            text = str(cur) or text
        else:
            break
    for marker in (
        "Connection refused",
        "Name or service not known",
        "No route to host",
        "Connection reset by peer",
        "timed out",
        "Remote end closed connection",
        "IncompleteRead",
        "certificate verify failed",
        "Network is unreachable",
        "Temporary failure in name resolution",
    ):
        if marker.lower() in str(exc).lower() or marker.lower() in text.lower():
            return marker.lower() if marker != "IncompleteRead" else "the reply was cut short"
    return shorten(text, _SNIPPET)


def _transport_error(
    exc: requests.exceptions.RequestException,
    url: str,
    limit: float,
    context: dict,
    phase: str | None = None,
) -> TransportError:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ConnectError(
            f"Could not connect to {url} within {limit:g} s: is the splicer on "
            "and reachable at that address?",
            **context,
        )
    if isinstance(exc, requests.exceptions.ReadTimeout) and phase == "handshake":
        return ConnectError(
            f"The TLS handshake with {url} did not finish within {limit:g} s "
            "(the request was not sent): is something other than the "
            "splicer's HTTPS listening at that address?",
            **context,
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return RequestTimeout(
            f"No reply from {url} within {limit:g} s (the request was sent; a "
            "write may have happened).",
            **context,
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return ConnectError(f"TLS failed for {url}: {_reason(exc)}.", **context)
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = _reason(exc)
        inner = exc.args[0] if exc.args else None
        pre_send = isinstance(
            getattr(inner, "reason", None),
            (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError),
        )
        if pre_send or reason in (
            "connection refused",
            "name or service not known",
            "no route to host",
            "network is unreachable",
            "temporary failure in name resolution",
        ):
            return ConnectError(
                f"Could not connect to {url}: {reason}. Is the splicer on and the root URL right?",
                **context,
            )
        return TransportError(
            f"The connection to {url} broke before a reply arrived: {reason}.", **context
        )
    if isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ),
    ):
        return ConnectError(f"The URL {url} is not usable: {_reason(exc)}.", **context)
    return TransportError(f"The request to {url} failed: {_reason(exc)}.", **context)


def _snippet(text: str) -> str:
    # Inert: the splicer's text goes into an error message a terminal prints as it is.
    flat = inert(" ".join(text.split()))
    return flat if len(flat) <= _SNIPPET else flat[: _SNIPPET - 1] + "…"


def _http_error(resp: _Response, text: str, url: str, context: dict) -> HTTPStatusError:
    code = resp.status_code
    if 300 <= code < 400:
        where = resp.headers.get("Location", "?")
        return HTTPStatusError(
            f"{url} answered HTTP {code}, a redirect to {where}; openapi_magic does not follow "
            "redirects: check the root URL (http or https, host, port, path).",
            **context,
        )
    envelope = None
    try:
        envelope = json.loads(text)
    except ValueError:
        pass
    detail = ""
    if isinstance(envelope, dict) and ("status" in envelope or "status " in envelope):
        context["response_envelope"] = envelope
        status = envelope.get("status", envelope.get("status "))
        detail = f" with status {status}: {envelope.get('msg', '')}"
    elif text.strip():
        detail = f": {_snippet(text)}"
    else:
        detail = " with an empty body"
    return HTTPStatusError(
        f"{url} answered HTTP {code} {resp.reason or ''}".rstrip() + f"{detail}", **context
    )


def _parse_json(text: str, resp: _Response, url: str, context: dict) -> Any:
    if not text.strip():
        raise DecodeError(
            f"{url} answered HTTP {resp.status_code} with an empty body, not an OpenAPI envelope.",
            **context,
        )
    try:
        return _fast.loads(text)  # json.loads' value or error (msgspec when installed)
    except RecursionError as exc:
        raise DecodeError(
            f"The reply from {url} is JSON nested too deeply to parse (HTTP {resp.status_code}).",
            **context,
        ) from exc
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):  # JSON, but not one Python will hold
            raise DecodeError(
                f"The reply from {url} cannot be read (HTTP {resp.status_code}): "
                f"{protocol.json_problem(exc)}.",
                **context,
            ) from exc
        kind = resp.headers.get("Content-Type", "no Content-Type")
        raise DecodeError(
            f"The reply from {url} is not JSON (HTTP {resp.status_code}, {kind}): {_snippet(text)}",
            **context,
        ) from exc


def _attach(exc: OpenAPIError, context: dict, prefix: str = "") -> None:
    for key, value in context.items():
        if getattr(exc, key, None) is None:
            setattr(exc, key, value)
    if prefix and not exc.message.startswith(prefix):
        exc.message = prefix + exc.message[0].lower() + exc.message[1:]
        exc.args = (exc.message,)


def _add_status(exc: OpenAPIError, envelope: Any) -> None:
    """When an undecodable reply still names a failure status, say so (and hint)."""
    if not isinstance(envelope, dict):
        return
    raw = envelope.get("status", envelope.get("status "))
    try:
        status = protocol.parse_status(raw)
    except ProtocolError:
        return
    if status:
        meaning, hint = _status_help(status, envelope.get("msg", ""))
        exc.message += f" The splicer's status was {status}" + (
            f" ({meaning})." if meaning else "."
        )
        exc.args = (exc.message,)
        if hint and not exc.hint:
            exc.hint = hint


def _records_hint(path: str) -> str | None:
    """The catalog's records key for an interface ("" for a one-record body)."""
    catalog = load_catalog()
    if path not in catalog:
        return None
    return catalog.get(path).records or ""


def _status_help(
    status: int, msg: Any = "", interface: str = "", after_success: bool = False
) -> tuple[str | None, str | None]:
    """The meaning and hint of a failure, from its status code and the firmware's msg token.

    ``after_success``: this client already had a success with the same pId,
    secretKey and encryption, so a credentials hint would mislead (the entry's
    ``hint_after_success`` is used where it has one).
    """
    if status == 0:
        return None, None
    catalog = load_catalog()
    entry = catalog.status(status)
    by_token = catalog.status_for_token(msg)
    note = ""
    if by_token is not None and by_token is not entry:
        note = (
            f"The msg {by_token.token} is the firmware's token for status {by_token.code} "
            f"({by_token.meaning}). "
        )
        if entry is None:
            entry = by_token
            note = f"Status {status} is not in the catalog, but " + note[0].lower() + note[1:]
    if entry is None:
        return None, "This status is not in the catalog; the splicer's msg is all we know."
    hint = entry.hint
    if after_success and entry.hint_after_success:
        hint = entry.hint_after_success.replace("{interface}", interface or "this interface")
    return entry.meaning, (note + hint).strip() or None


def _typo_hint(interface: str) -> str | None:
    """For a failed call to a path the catalog does not know but one close to it: the
    close path first (a typo is likelier than firmware knowing more); else None."""
    catalog = load_catalog()
    if interface in catalog:
        return None
    close = catalog.suggest(interface)
    if not close:
        return None
    return f"Did you mean {close[0]}? The catalog has no {interface!r}."


#: A clock difference the splicer's ``Date`` header (1 s resolution) cannot tell from none.
NO_SKEW_S = 2.0
#: Below this a timeStamp cannot be milliseconds of a clock set after 1973 (10**11 ms).
_MS_FLOOR = 1e11


def clock_offset(date: Any, sent_at: float) -> float | None:
    """This computer's clock minus the splicer's, in seconds, from a reply's ``Date`` header
    and the time the request was sent; ``None`` when there is no readable Date. The one
    measure of clock skew (a single call's hint and a fleet's summary)."""
    if not isinstance(date, str) or not date:
        return None
    try:
        server = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None  # unreadable, or out of range (year 99999...)
    # A Date header counts whole seconds (rounded down): +0.5 s is the best guess.
    return sent_at - (server + 0.5)


def _skew_hint(
    hint: str | None, headers: Mapping[str, str], sent_at: float, timestamp: Any = None
) -> str | None:
    """The status-11 hint, from the ``timeStamp`` sent and what the splicer's ``Date``
    header says of the clocks: a timeStamp in seconds, else a measured skew, leads; with
    none measured (no Date, or one that agrees with ours) the likelier causes are named
    instead of a clock to set."""
    try:
        stamp = float(timestamp)
    except (TypeError, ValueError):
        stamp = math.nan
    if 0 < stamp < _MS_FLOOR:
        return (
            f"The timeStamp sent ({timestamp}) looks like seconds: the splicer expects "
            "milliseconds since 1970 (13 digits)."
        )
    likelier = (
        "Likelier causes: a timeStamp in seconds instead of milliseconds (code of your "
        "own sealing requests), or the splicer's own clock (its time setting)."
    )
    date = headers.get("Date")
    if not date:
        return f"No clock skew measured (the splicer sent no Date header). {likelier}"
    skew = clock_offset(date, sent_at)
    if skew is None:
        return f"No clock skew measured (the splicer's Date header is unreadable). {likelier}"
    if abs(skew) < NO_SKEW_S:
        return (
            "No clock skew measured: the splicer's Date header agrees with this computer's "
            f"clock (within {NO_SKEW_S:g} s). {likelier}"
        )
    direction = "ahead of" if skew > 0 else "behind"
    return (
        f"This computer's clock is about {abs(skew):.0f} s {direction} the splicer's "
        f"(from its Date header). " + (hint or "")
    )
