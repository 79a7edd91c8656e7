"""The simulated splicer: accounts, request checks in the vendor's order, replies.

:meth:`SimulatedSplicer.answer` is the whole OpenAPI behaviour as one call
(interface path and envelope in, reply envelope out), independent of HTTP;
:mod:`._httpd` puts it on a socket. The checks run in this order, each answering
with the vendor's status code (see ``shared/PROTOCOL.md`` and the catalog):

1. envelope shape (a JSON object with body, sign, pId, timeStamp) → 1 ``Params_Error``
2. pId known and enabled → 15 ``Open_Id_Illegal_Err``
3. timeStamp within ``time_window_s`` of the splicer's clock → 11
4. body decrypts / the encryption mode matches this pId → 500 ``Server_Err``
5. sign → 18
6. still initialising (every interface but ``main/initStatus``) → 912
7. interface known → 1 ``Params_Error`` (the firmware profile decides: 500 on the H9)
8. body valid per the catalog → 1 ``Params_Error``
9. the interface itself → 0, or 404 / 410 / 412 / 1 from the device model

How replies look is the firmware profile's (:mod:`._firmware`). By default they
have the shape of the real replies quoted in ``shared/FIELD-EVIDENCE.md``: the
envelope's keys in alphabetical order (a body's own keys in the device's order, as
the real H5's are), ``"sign": ""``, success msg ``"Success"``,
failures ``{"body": {}, "msg": "<token>", "sign": "", "status": N}``. The msg of a
failure is the firmware's token only, so what exactly was wrong is logged (logger
``openapi_magic.server``, level INFO) rather than sent; the ``"teaching"`` profile
sends it in prose, with this simulator's older codes (94, 400) and signed replies.

A failure's ``body`` is ``{}`` when the request came in plain mode, as captured from a
real H5 (a plain-mode entry). No failure to an encrypted request has been captured; we
send ``""`` (no data) then, the vendor document's shape, which every client reads as
"no data" where a bare ``{}`` would look like a plain body to a decrypting client.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..core.catalog import load_catalog
from ..core.protocol import des_key, dumps_bytes, open_request, seal_reply
from ..errors import ConfigError, DecodeError, DecryptionError
from ._firmware import FIRMWARE_PROFILES, FirmwareProfile, firmware_profile
from ._httpd import DEFAULT_MAX_HELD_BYTES, HeadedReply, SplicerHTTPServer
from ._state import DEMO_SEED, INVALID, DeviceState, VendorError

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

log = logging.getLogger("openapi_magic.server")

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_HELD_BYTES",
    "DEFAULT_PORT",
    "DEFAULT_SOCKET_TIMEOUT_S",
    "DEFAULT_TIME_WINDOW_S",
    "DEMO_ENCRYPT",
    "DEMO_PID",
    "DEMO_SECRET_KEY",
    "DEMO_SEED",
    "FIRMWARE_PROFILES",
    "ROOT_PATH",
    "STATUS_BAD_SIGN",
    "STATUS_BAD_TIME",
    "STATUS_ILLEGAL_PID",
    "STATUS_INITIALISING",
    "STATUS_INVALID",
    "STATUS_INVALID_COMMAND",
    "STATUS_OK",
    "STATUS_PARAMS_ERROR",
    "STATUS_SERVER_ERROR",
    "Account",
    "SimulatedSplicer",
    "serve",
]

#: Demo credentials: public on purpose, for tutorials and tests.
DEMO_PID = "demo"
#: 8 ASCII bytes, like real secretKeys (FIELD-EVIDENCE.md), so every public client can use
#: it (some take exactly 8); it appears in no prose, so a leak scan can look for it.
DEMO_SECRET_KEY = "qX7dEm0k"
DEMO_ENCRYPT = True
DEFAULT_HOST = "127.0.0.1"
#: The documented port of a real splicer's OpenAPI (``serve()`` picks a free port instead).
DEFAULT_PORT = 8000
#: The documented root path: interfaces are ``POST <root>/<module>/<action>``.
ROOT_PATH = "/open/api"
DEFAULT_TIME_WINDOW_S = 60.0
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_SOCKET_TIMEOUT_S = 30.0

STATUS_OK = 0
STATUS_PARAMS_ERROR = 1  # real firmware's Params_Error: bad parameters, unknown interfaces
STATUS_BAD_TIME = 11
STATUS_ILLEGAL_PID = 15
STATUS_BAD_SIGN = 18
STATUS_INVALID_COMMAND = 94  # the "teaching" profile's code for an unknown interface
STATUS_INVALID = INVALID  # 400: the "teaching" profile's code for malformed requests and bad fields
STATUS_SERVER_ERROR = 500
STATUS_INITIALISING = 912
_STATUS_KEYS = ("status", "status ")


@dataclass(frozen=True)
class Account:
    """One entry of the splicer's Settings > OpenAPI Management: a pId, its secretKey,
    whether encryption is on for it, and whether the entry is enabled.

    The secretKey is left out of the repr.
    """

    pid: str
    secret_key: str = dataclasses.field(repr=False)
    encrypt: bool = True
    enabled: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.pid, str) or not self.pid:
            raise ConfigError("An account's pId must be non-empty text.")
        if not isinstance(self.secret_key, str):
            raise ConfigError("An account's secretKey must be text.")
        if self.encrypt:
            des_key(self.secret_key)  # refuse a key too short for DES, with the protocol's message


class SimulatedSplicer:
    """A simulated NovaStar H5 answering the H-series OpenAPI over HTTP.

    Every argument is optional; the defaults are the demo ones (``DEMO_PID``,
    ``DEMO_SECRET_KEY``, encryption on, seed ``DEMO_SEED``, a free port on
    127.0.0.1). ``start()`` serves from a background thread; ``stop()`` ends it;
    ``with SimulatedSplicer() as s:`` does both. ``root`` is the URL to give a
    client, ``state`` the :class:`DeviceState` behind it.

    ``firmware`` names a profile of :data:`FIRMWARE_PROFILES` (``"default"``: the
    shape of real replies; ``"h5-capture"``, ``"h9-1.9.7.1"``: real quirks;
    ``"teaching"``: prose msgs, 94/400, signed replies). ``reply_sign`` (sign replies
    as the request's pId would expect) and ``status_key`` (``"status "`` with a
    trailing space, like some firmware) override the profile when given.
    ``replay`` (a :class:`~openapi_magic.Capture`, a saved capture's path, or ``"demo"``
    for the shipped one) answers the reads of that capture as captured, writes applied
    on top (see :mod:`._replay`); ``firmware`` then defaults to how the capture observed
    its firmware answer. A read the capture never made answers as an unknown read
    unless ``fill=True``, which answers it from the simulated device, marked.
    ``initialising_s`` answers 912 for that many seconds after
    ``start()``; ``time_window_s`` is the accepted clock skew (status 11 outside it);
    ``accounts`` adds more OpenAPI entries (:class:`Account`, some maybe disabled,
    which answer 15). ``clock`` (epoch seconds) replaces the wall clock, for tests.
    ``latency_ms`` delays every reply. ``max_body_bytes`` (8 MiB) caps one request's
    body (413 above); ``max_held_bytes`` (256 MiB) the request bytes held across every
    connection at once (past it the one holding the most being read is closed), so a
    crowd of large bodies cannot take the machine's memory.
    """

    def __init__(
        self,
        pid: str = DEMO_PID,
        secret_key: str = DEMO_SECRET_KEY,
        encrypt: bool = DEMO_ENCRYPT,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        accounts: Iterable[Account] = (),
        latency_ms: float = 0,
        seed: int = DEMO_SEED,
        time_window_s: float = DEFAULT_TIME_WINDOW_S,
        firmware: str | FirmwareProfile | None = None,
        replay: Any = None,
        fill: bool = False,
        reply_sign: bool | None = None,
        status_key: str | None = None,
        initialising_s: float = 0,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_held_bytes: int = DEFAULT_MAX_HELD_BYTES,
        socket_timeout_s: float = DEFAULT_SOCKET_TIMEOUT_S,
        osd_limit: int = 2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        #: The capture this splicer replays (:class:`.replay.Replay`), or None.
        self.replay: Any = None
        if replay is not None:
            from ._replay import Replay  # only when replaying: not a start-up cost

            self.replay = Replay(replay, fill=fill)
        elif fill:
            raise ConfigError(
                "fill=True fills the reads a replayed capture never made: give replay= too."
            )
        #: Whether replies take the replayed capture's envelope shape (no firmware given).
        self._observed_shape = self.replay is not None and firmware is None
        if firmware is None:
            firmware = self.replay.firmware if self.replay is not None else "default"
        try:
            self.firmware = firmware_profile(firmware)
        except ValueError as exc:
            raise ConfigError(f"{exc}.") from None
        if status_key is None:
            status_key = self.firmware.status_key
        if reply_sign is None:
            reply_sign = self.firmware.reply_sign
        if status_key not in _STATUS_KEYS:
            raise ConfigError(
                f"status_key must be 'status' or 'status ' (with a space), not {status_key!r}."
            )
        if max_body_bytes <= 0:
            raise ConfigError("max_body_bytes must be positive.")
        if max_held_bytes <= 0:
            raise ConfigError("max_held_bytes must be positive.")
        self.host = host
        self._port = int(port)
        self.latency_ms = latency_ms
        self.seed = seed
        self.time_window_s = time_window_s
        self.reply_sign = bool(reply_sign)
        self.status_key = status_key
        self.initialising_s = initialising_s
        self.max_body_bytes = max_body_bytes
        self.max_held_bytes = max_held_bytes
        self.socket_timeout_s = socket_timeout_s
        self.clock = clock
        self.osd_limit = osd_limit
        self.catalog = load_catalog()
        self._lock = threading.Lock()
        main = Account(pid, secret_key, bool(encrypt))
        self._main_pid = main.pid
        self._accounts: dict[str, Account] = {main.pid: main}
        for account in accounts:
            self.add_account(account)
        self._started_at: float | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.state = self._new_state()
        #: Requests answered, by interface (``module/action``): proof of what was sent.
        self.requests: Counter[str] = Counter()

    # ------------------------------------------------------------------ properties

    @property
    def pid(self) -> str:
        """The main account's pId."""
        return self._main_pid

    @property
    def secret_key(self) -> str:
        """The main account's secretKey (never shown in the repr)."""
        return self._accounts[self._main_pid].secret_key

    @property
    def encrypt(self) -> bool:
        """Whether encryption is on for the main account."""
        return self._accounts[self._main_pid].encrypt

    @property
    def port(self) -> int:
        """The TCP port (the real one once started, even when asked for port 0)."""
        if self._server is not None:
            return self._server.server_address[1]
        return self._port

    @property
    def root(self) -> str:
        """The root URL to give a client: ``http://<host>:<port>/open/api``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{ROOT_PATH}"

    def url(self, interface: str) -> str:
        """The full URL of an interface, e.g. ``url("screen/readList")``."""
        return f"{self.root}/{interface.strip().strip('/')}"

    @property
    def running(self) -> bool:
        """Whether the splicer is serving."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def accounts(self) -> list[Account]:
        """Every OpenAPI entry (the main one first)."""
        with self._lock:
            return list(self._accounts.values())

    def add_account(self, account: Account) -> None:
        """Add (or replace) an OpenAPI entry."""
        if not isinstance(account, Account):
            raise ConfigError(
                "accounts must be Account(pid, secret_key, encrypt, enabled) entries."
            )
        with self._lock:
            self._accounts[account.pid] = account

    def set_enabled(self, pid: str, enabled: bool) -> None:
        """Enable or disable an entry (a disabled pId answers status 15)."""
        with self._lock:
            self._accounts[pid] = dataclasses.replace(self._accounts[pid], enabled=bool(enabled))

    def initialising(self) -> bool:
        """True while the splicer still answers 912 (``initialising_s`` after start)."""
        started = self._started_at
        return started is not None and self.clock() - started < self.initialising_s

    def reset(self) -> None:
        """Rebuild the device from the seed (undo every write)."""
        self.state = self._new_state()

    def _new_state(self) -> DeviceState:
        if self.replay is not None:
            state = self.replay.build_state(
                self.seed, clock=self.clock, osd_limit=self.osd_limit, firmware=self.firmware
            )
        else:
            state = DeviceState(
                self.seed, clock=self.clock, osd_limit=self.osd_limit, firmware=self.firmware
            )
        state.ready = lambda: not self.initialising()
        return state

    def __repr__(self) -> str:
        # Never the secretKey (PROTOCOL.md): pId and encryption mode are enough to recognise it.
        status = "running" if self.running else "stopped"
        return (
            f"<SimulatedSplicer {status} root={self.root!r} pid={self.pid!r} "
            f"encrypt={self.encrypt} seed={self.seed} firmware={self.firmware.name!r}>"
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SimulatedSplicer:
        """Bind the port and serve from a background thread; returns ``self``."""
        if self.running:
            return self
        server = SplicerHTTPServer(
            self,
            (self.host, self._port),  # self is its Backend
            max_held_bytes=self.max_held_bytes,
            encode=_reply_bytes,
        )
        self._server = server
        self._started_at = self.clock()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"splicer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: close the port and every open connection, end the thread."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()  # stops serve_forever's loop
        server.close_all()
        if thread is not None:
            thread.join(timeout)
        self._thread = None

    def __enter__(self) -> SimulatedSplicer:  # noqa: PYI034 (typing.Self needs 3.11)
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ the protocol

    def non_interface_error(
        self, status: int, detail: str = "", *, encrypted: bool = False
    ) -> dict:
        """The reply to an error that never reached an interface, in the profile's shape.

        ``status`` 400 (malformed request) becomes the profile's code for bad
        parameters (1 ``Params_Error`` unless teaching). ``encrypted``: the request's
        body was ciphertext (the failure then carries ``"body": ""``, see the module doc)."""
        if status == STATUS_INVALID:
            status = self.firmware.invalid_status
        if self.firmware.messages == "prose":
            return {self.status_key: status, "msg": self._msg(status, detail), "body": ""}
        return self._failure(status, detail, None, encrypted=encrypted)

    def _msg(self, status: int, detail: str) -> str:
        entry = self.catalog.status(status)
        if self.firmware.messages == "token":
            # Real firmware sends its short token; where none is known, the short meaning.
            return (entry.token or entry.meaning) if entry else "Error"
        meaning = entry.meaning if entry else "Error"
        return f"{meaning}: {detail}" if detail else meaning

    def _failure(
        self,
        status: int,
        detail: str,
        seal: dict | None,
        *,
        encrypted: bool = False,
        msg: str | None = None,
    ) -> dict:
        """A failure reply: sealed (signed when the options say so) once the pId is known;
        ``msg`` (a replayed one) replaces the profile's."""
        if detail and self.firmware.messages == "token":
            log.info("status %s (%s): %s", status, self._msg(status, ""), detail)
        msg = self._msg(status, detail) if msg is None else msg
        if seal is None:
            reply = {self.status_key: status, "msg": msg, "sign": "", "body": ""}
        else:
            reply = seal_reply(status, msg, "", **seal)
            encrypted = seal["encrypt"]
        if not encrypted:
            reply["body"] = copy.copy(self.firmware.error_body)  # the captured {} (plain mode)
        return self._shape(reply)

    def _shape(self, reply: dict) -> dict:
        """The envelope's keys in the order the replayed capture observed, else in
        alphabetical order as real replies have them (the body's own keys keep theirs:
        the real H5's nested ``{"screenId":0,"name":"Screen 1"}`` is not sorted)."""
        if self._observed_shape:
            shaped = self.replay.envelope(reply)
            if shaped is not None:
                return shaped
        return {k: reply[k] for k in sorted(reply)} if self.firmware.sorted_keys else reply

    def answer(self, interface: str, envelope: Any) -> dict:
        """Answer one request: ``interface`` is ``module/action``, ``envelope`` the parsed
        JSON of the HTTP body. Returns the reply envelope (a dict to send as JSON; a
        :class:`~._httpd.HeadedReply` when a replay marks it with
        :data:`~openapi_magic.core.capture_format.REPLAY_HEADER`)."""
        headers: dict[str, str] = {}
        reply = self._answer(interface, envelope, headers)
        return HeadedReply(reply, headers) if headers else reply

    def _answer(self, interface: str, envelope: Any, headers: dict[str, str]) -> dict:
        with self._lock:
            self.requests[interface] += 1
        # 1. envelope shape
        problem = _envelope_problem(envelope)
        if problem:
            return self.non_interface_error(STATUS_INVALID, problem)
        encrypted = isinstance(envelope["body"], str) and envelope["body"] != ""
        # 2. pId
        pid = envelope["pId"]
        with self._lock:
            account = self._accounts.get(pid)
        if account is None:
            return self.non_interface_error(
                STATUS_ILLEGAL_PID, f"no OpenAPI entry has pId {pid[:64]!r}", encrypted=encrypted
            )
        if not account.enabled:
            return self.non_interface_error(
                STATUS_ILLEGAL_PID, f"the OpenAPI entry {pid!r} is disabled", encrypted=encrypted
            )
        # 3. timeStamp window
        skew = int(envelope["timeStamp"]) / 1000 - self.clock()
        if abs(skew) > self.time_window_s:
            return self.non_interface_error(
                STATUS_BAD_TIME,
                f"timeStamp is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} "
                f"the splicer's clock (allowed: ±{self.time_window_s:g} s)",
                encrypted=encrypted,
            )
        # 4. decryption / mode, 5. sign
        try:
            opened = open_request(envelope, secret_key=account.secret_key, encrypt=account.encrypt)
        except DecryptionError as exc:
            mode = "on" if account.encrypt else "off"
            return self.non_interface_error(
                STATUS_SERVER_ERROR,
                f"{exc.message} (encryption is {mode} for pId {pid!r} here)",
                encrypted=encrypted,
            )
        except DecodeError as exc:
            return self.non_interface_error(STATUS_INVALID, exc.message, encrypted=encrypted)
        if not opened.sign_ok:
            return self.non_interface_error(
                STATUS_BAD_SIGN,
                "the sign does not match "
                + (
                    "Base64(md5hex(body + timeStamp + pId + secretKey))"
                    if account.encrypt
                    else "Base64(md5hex(timeStamp + pId))"
                ),
                encrypted=encrypted,
            )
        # 6. initialising
        if self.initialising() and interface != "main/initStatus":
            return self.non_interface_error(
                STATUS_INITIALISING,
                "try again in a few seconds (main/initStatus answers initStatus 1 when ready)",
                encrypted=encrypted,
            )
        firmware = self.firmware
        seal = {
            "pid": pid,
            "timestamp": opened.timestamp,
            "secret_key": account.secret_key,
            "encrypt": account.encrypt,
            "sign": self.reply_sign,
            "status_key": self.status_key,
        }
        # A read the replayed capture made answers as captured (see .replay), before the
        # profile's own rules: the capture is what that splicer said.
        if self.replay is not None:
            replayed = self._replayed(interface, opened.body, seal, headers)
            if replayed is not None:
                return replayed
        # 7. interface known
        if interface not in self.catalog:
            close = self.catalog.suggest(interface)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            status = firmware.unknown_interface_status
            detail = f"no interface {interface!r}{hint}"
            if firmware.messages == "prose":
                return self.non_interface_error(status, detail, encrypted=encrypted)
            return self._failure(status, detail, seal)
        if firmware.fails(interface):
            return self._failure(
                STATUS_SERVER_ERROR, f"{interface} fails on firmware {firmware.name!r}", seal
            )
        # 8. catalog validation
        # An empty body ("" or null) means "no parameters", as an empty reply body means no data.
        body = {} if opened.body is None or opened.body == "" else opened.body
        # No stored value may break a later reply: refuse what JSON can carry but a reply
        # cannot (a lone surrogate, NaN or Infinity), in any field or key, typed or not.
        unsafe = _unsafe_value(body)
        if unsafe:
            return self._failure(firmware.invalid_status, unsafe, seal)
        problems = self.catalog.validate(interface, body)
        if problems:
            return self._failure(firmware.invalid_status, "; ".join(problems), seal)
        # 9. the interface
        try:
            reply = self.state.call(interface, body)
        except VendorError as exc:
            status = firmware.invalid_status if exc.status == INVALID else exc.status
            return self._failure(status, exc.detail, seal)
        if self.replay is not None:
            self.replay.note_write(interface, body, reply)
        return self._shape(seal_reply(STATUS_OK, firmware.success_msg, reply, **seal))

    def _replayed(
        self, interface: str, body: Any, seal: dict, headers: dict[str, str]
    ) -> dict | None:
        """The replay's answer, or None where the splicer answers as usual (a write; a
        read to fill, marked in ``headers``): see :mod:`._replay`."""
        # Only a replay needs the capture format: a plain start does not load it.
        from ..core.capture_format import REPLAY_HEADER
        from ._replay import Fill

        try:
            assert self.replay is not None  # the caller calls only with a replay
            replayed = self.replay.answer(interface, body, self.state)
        except VendorError as exc:
            status = self.firmware.invalid_status if exc.status == INVALID else exc.status
            return self._failure(status, exc.detail, seal)
        if replayed is None:
            return None
        if isinstance(replayed, Fill):  # the model answers, the reply marked
            headers[REPLAY_HEADER] = replayed.mark
            return None
        if replayed.mark:
            headers[REPLAY_HEADER] = replayed.mark
        if replayed.status is None:  # never captured: as this firmware answers an unknown read
            return self._failure(
                self.firmware.unknown_interface_status,
                f"the replayed capture never made this {interface} read",
                seal,
            )
        if replayed.status != STATUS_OK:
            return self._failure(replayed.status, "as captured", seal, msg=replayed.msg)
        return self._shape(seal_reply(STATUS_OK, replayed.msg, replayed.body, **seal))


def _unsafe_value(value: Any, where: str = "body") -> str:
    """What in ``value`` could not be sent back in a reply ("" when all is well)."""
    stack = [(value, where)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return f"{at} holds a lone surrogate (not a character: UTF-8 cannot carry it)"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"{at} is {item!r}, not a number"
        elif isinstance(item, dict):
            for key, sub in item.items():
                if isinstance(key, str) and _unsafe_value(key):
                    return f"a key in {at} holds a lone surrogate"
                stack.append((sub, f"{at}.{key}" if isinstance(key, str) else at))
        elif isinstance(item, list):
            stack.extend((sub, f"{at}[{i}]") for i, sub in enumerate(item))
    return ""


def _reply_bytes(payload: Any) -> bytes:
    """A reply envelope as the HTTP body: the protocol's compact JSON (msgspec writes a
    large one, the same bytes); what it refuses (a NaN) written as ``json`` writes it."""
    try:
        return dumps_bytes(payload, "reply")
    except ConfigError:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _envelope_problem(envelope: Any) -> str:
    if not isinstance(envelope, dict):
        return "the request must be a JSON object {body, sign, pId, timeStamp}"
    missing = [k for k in ("body", "sign", "pId", "timeStamp") if k not in envelope]
    if missing:
        return f"the envelope has no {', '.join(missing)} field{'s' if len(missing) > 1 else ''}"
    if not isinstance(envelope["pId"], str) or not envelope["pId"]:
        return "pId must be a non-empty string"
    if not isinstance(envelope["sign"], str):
        return "sign must be a string"
    ts = envelope["timeStamp"]
    if (
        isinstance(ts, bool)
        or not isinstance(ts, (str, int))
        or not str(ts).isascii()
        or not str(ts).isdigit()
        or len(str(ts)) > 16
    ):
        return "timeStamp must be milliseconds since the epoch, as a string of digits"
    return ""


def serve(
    port: int = 0,
    pid: str = DEMO_PID,
    secret_key: str = DEMO_SECRET_KEY,
    encrypt: bool = DEMO_ENCRYPT,
    **options: Any,
) -> SimulatedSplicer:
    """Start a simulated splicer in a background thread and return it, running.

    Every argument is optional: by default a free port on 127.0.0.1, pId
    ``"demo"``, secretKey ``DEMO_SECRET_KEY``, encryption on, seed 0, the
    ``"default"`` firmware profile. ``options`` are those of :class:`SimulatedSplicer`
    (``firmware``, ``replay``, ``fill``, ``host``, ``seed``, ``latency_ms``, ``reply_sign``,
    ``status_key``, ``initialising_s``, ``max_body_bytes``, ``max_held_bytes``, ...);
    ``serve(replay="venue.capture.json")``
    answers like the captured splicer.
    Use it as a context manager, or call ``.stop()``::

        with serve() as splicer:
            print(splicer.root, splicer.pid, splicer.encrypt)
    """
    return SimulatedSplicer(pid, secret_key, encrypt, port=port, **options).start()
