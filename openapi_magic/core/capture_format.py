"""The capture file format: what a saved capture holds, shared by capture, diff and replay.

One JSON object (``format`` :data:`FORMAT`, ``version`` :data:`FORMAT_VERSION`)
with the splicer's model and firmware, when and how long, whether it is partial or
anonymized, the interfaces skipped and why, and one entry per call: interface,
request body, vendor status and msg, the decrypted reply, the HTTP status, the
seconds taken, the error (``""`` when a reply was opened) and the reply envelope's
shape (:func:`envelope_shape`: its keys as they arrived, spelling and order, and
whether its sign was empty; version 2). A reply keeps its keys in the order they
arrived (files are written unsorted since version 2). A capture never holds the
secretKey, a sign or a ciphertext. Version 1 files (no envelope shape, replies saved
with sorted keys) still load. A file with a field of the wrong type,
or nested deeper than :data:`MAX_DEPTH`, is refused with one CaptureError naming it
(capture, replay and diff all read a file here).

Calls are matched by :func:`call_key` (interface and :func:`body_key`): the same
read on both sides of a diff, and the captured reply a replay answers with.

Pure: no network, no clock, no pandas; only reading and writing the JSON file
(:func:`read_file`). The views (tables, drill-down, anonymizing, capturing) are in
:mod:`openapi_magic.ops._captures`, which builds on these classes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from ..errors import CaptureError
from .catalog import normalize_path

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "REPLAY_HEADER",
    "Call",
    "Capture",
    "ReplayMark",
    "body_key",
    "call_key",
    "compact",
    "envelope_shape",
    "own_id_keys",
    "read_file",
    "replay_note",
]

#: The ``format`` field of a saved capture, and the version this code writes and reads.
FORMAT = "openapi_magic.capture"
FORMAT_VERSION = 2
#: The versions this code reads: 1 (no envelope shapes; replies saved with sorted keys) and 2.
_READ_VERSIONS = (1, 2)
#: The HTTP header a replay (the simulated splicer) marks a reply with when the capture did
#: not make the read (a :class:`ReplayMark`); the client turns it into a warning
#: (:func:`replay_note`).
REPLAY_HEADER = "X-Openapi-Magic-Replay"
#: How many keys of a reply envelope, and characters of each, a capture keeps.
_ENVELOPE_KEYS, _ENVELOPE_KEY_CHARS = 16, 64


class ReplayMark(str, Enum):
    """How a replay answered a read its capture never made (:data:`REPLAY_HEADER`'s value)."""

    #: From the simulated device, as asked with ``fill=True``.
    FILLED = "filled"
    #: As the captured firmware answers an unknown read.
    NOT_CAPTURED = "not-captured"
    #: From the simulated device: the record was made on the replay, by a write.
    CREATED = "created"


#: Levels of nesting a capture file may hold (a splicer's replies nest a few levels;
#: a file nested a thousand deep would exhaust the stack of whatever walks it next).
MAX_DEPTH = 100

_CallT = TypeVar("_CallT", bound="Call")
_CaptureT = TypeVar("_CaptureT", bound="Capture")


def body_key(body: Any) -> str:
    """One canonical text per request body: the same body gives the same key, whatever
    its key order; no body (``None`` or ``""``) is the empty object, as the splicer reads it."""
    if body is None or body == "":
        body = {}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def envelope_shape(envelope: Any) -> dict | None:
    """What a capture keeps of a reply envelope: its keys as they arrived (``"status "``
    with its space, in their order) and whether its sign was non-empty; never the sign
    or the body themselves. None for anything but an object."""
    if not isinstance(envelope, dict):
        return None
    # A real envelope has four or five keys; a hostile one's thousands are not kept.
    keys = [k for k in envelope if isinstance(k, str)][:_ENVELOPE_KEYS]
    return {"keys": [k[:_ENVELOPE_KEY_CHARS] for k in keys], "signed": bool(envelope.get("sign"))}


def replay_note(value: Any, interface: str) -> str:
    """The warning a client shows for a replay's :data:`REPLAY_HEADER` value ("" for none)."""
    if not value:  # every reply of a real splicer
        return ""
    marks = {v.strip().lower() for v in str(value or "").split(",")}
    if ReplayMark.FILLED.value in marks:
        return (
            f"Replay: the capture never made this {interface} read; this reply was filled "
            "from the simulated splicer's own device (fill=True), not from the captured one."
        )
    if ReplayMark.CREATED.value in marks:
        return (
            f"Replay: this {interface} read is of a record made on the replay (the capture "
            "never saw it); the simulated device answers it, not the captured splicer."
        )
    if ReplayMark.NOT_CAPTURED.value in marks:
        return (
            f"Replay: the capture never made this {interface} read, so the replay answers it "
            "as the captured firmware answers an unknown read. Replay with fill=True (--fill) "
            "to answer it from the simulated device instead."
        )
    return ""


def call_key(interface: str, body: Any) -> tuple[str, str]:
    """What identifies one call in a capture: its interface and :func:`body_key`."""
    return normalize_path(interface), body_key(body)


def own_id_keys(record: Any, list_key: str | None, module: str) -> list[str]:
    """The id keys that are ``record``'s own, named after its list.

    ``{"screenId": 0, ...}`` under ``screens`` → ``["screenId"]``; an output under
    ``outputs`` names its ``outputId``, not the ``screenId`` it feeds; records of a
    bare list (no key) take their module's name (``bkg`` → ``bkgId``).
    """
    if not isinstance(record, dict):
        return []
    owner = (list_key or module).lower()
    keys = []
    for key in record:
        if isinstance(key, str) and key.endswith("Id") and len(key) > 2:
            stem = key[:-2].lower()
            if owner.endswith(stem + "s") or (list_key is None and owner == stem):
                keys.append(key)
    return keys


def compact(value: Any, limit: int = 80) -> str:
    """A value as one line of JSON, cut with ``…`` past ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _seconds(value: Any, where: str, name: str) -> float:
    """A saved number of seconds (missing or null: 0); CaptureError naming the field."""
    try:
        if isinstance(value, (dict, list)):
            raise TypeError
        return float(value or 0.0)
    except (TypeError, ValueError, OverflowError):
        raise CaptureError(
            f"{where}: {name} must be a number of seconds, not {_kind(value)}."
        ) from None


def _kind(value: Any) -> str:
    # The JSON type, not the value: a file's text stays out of the message.
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "true or false" if isinstance(value, bool) else "a number"


def _check_depth(data: Any, where: str) -> None:
    """CaptureError when ``data`` nests deeper than :data:`MAX_DEPTH` (walked without
    recursion, so the check itself cannot run out of stack)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CaptureError(
                f"{where} nests deeper than {MAX_DEPTH} levels: not a capture this "
                "openapi_magic reads."
            )
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


@dataclass
class Call:
    """One captured call: what was asked and what the splicer answered (decrypted).

    ``status`` and ``msg`` are the vendor's (``status`` ``None`` when no envelope
    arrived); ``reply`` is the decrypted reply body; ``error`` names a transport or
    protocol failure (``"ConnectError: …"``), ``""`` when a reply was opened;
    ``envelope`` the reply envelope's shape (:func:`envelope_shape`), None when unknown.
    """

    interface: str
    body: Any
    status: int | None
    msg: str = ""
    reply: Any = None
    http_status: int | None = None
    elapsed: float = 0.0
    error: str = ""
    envelope: dict | None = None

    @property
    def ok(self) -> bool:
        """True when the vendor's status is 0."""
        return self.status == 0

    def ids(self) -> dict:
        """The ids in the request body (``deviceId`` aside): ``{"screenId": 1}``."""
        if not isinstance(self.body, dict):
            return {}
        return {
            k: v
            for k, v in self.body.items()
            if isinstance(k, str) and k.endswith("Id") and k != "deviceId"
        }

    def outcome(self) -> str:
        """``"0 Success"``, ``"500 Server_Err"`` or the error's class name."""
        if self.status is None:
            return self.error.split(":", 1)[0] or "no reply"
        return f"{self.status} {self.msg}".strip()

    def to_dict(self) -> dict:
        """The call as saved (JSON types only)."""
        return {
            "interface": self.interface,
            "body": self.body,
            "status": self.status,
            "msg": self.msg,
            "reply": self.reply,
            "http_status": self.http_status,
            "elapsed": round(self.elapsed, 4),
            "error": self.error,
            "envelope": self.envelope,
        }

    @classmethod
    def from_dict(cls: type[_CallT], data: Any, where: str = "a call") -> _CallT:  # noqa: PYI019 (typing.Self needs 3.11)
        """A call from its saved form; CaptureError naming what is wrong."""
        if not isinstance(data, dict) or not isinstance(data.get("interface"), str):
            raise CaptureError(f"{where} is not a captured call (no interface).")
        status = data.get("status")
        if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
            raise CaptureError(f"{where}: status must be an integer or null, not {status!r}.")
        elapsed = _seconds(data.get("elapsed"), where, "elapsed")
        envelope = data.get("envelope")
        if envelope is not None and (
            not isinstance(envelope, dict)
            or not isinstance(envelope.get("keys", []), list)
            or not all(isinstance(k, str) for k in envelope.get("keys", []))
        ):
            raise CaptureError(
                f"{where}: envelope must be an object with a list of key names, not "
                f"{_kind(envelope)}."
            )
        return cls(
            interface=data["interface"],
            body=data.get("body"),
            status=status,
            msg=str(data.get("msg") or ""),
            reply=data.get("reply"),
            http_status=data.get("http_status"),
            elapsed=elapsed,
            error=str(data.get("error") or ""),
            envelope=envelope,
        )


@dataclass
class Capture:
    """A capture's data: the calls in the order made and what is known of the splicer.

    ``model_id`` and ``firmware`` from ``main/initStatus`` (``mainModelId``,
    ``softwareVersion``); ``taken_at`` (UTC, ISO 8601) and ``seconds`` taken;
    ``partial`` with ``partial_reason`` when the time ran out or the splicer could
    not be reached; ``skipped`` the interfaces not called and why;
    ``is_anonymized`` whether the capture was anonymized.
    """

    #: The class :meth:`from_dict` makes each call with (a subclass may add views).
    call_type: ClassVar[type[Call]] = Call

    calls: list[Call] = field(default_factory=list)
    model_id: Any = None
    firmware: str | None = None
    taken_at: str = ""
    seconds: float = 0.0
    partial: bool = False
    partial_reason: str = ""
    skipped: dict = field(default_factory=dict)
    is_anonymized: bool = False
    root: str = ""
    encrypted: bool | None = None

    def __iter__(self) -> Iterator[Call]:
        return iter(self.calls)

    def __len__(self) -> int:
        return len(self.calls)

    def interfaces(self) -> list[str]:
        """The interfaces called, in the order first called."""
        return list(dict.fromkeys(c.interface for c in self.calls))

    def __contains__(self, interface: object) -> bool:
        return isinstance(interface, str) and normalize_path(interface) in self.interfaces()

    def find(self, interface: str, body: Any) -> Call | None:
        """The call of ``interface`` with this request body (key order aside), or None.

        What a replay server asks: the reply the splicer gave to the same read.
        """
        key = call_key(interface, body)
        for call in self.calls:
            if call_key(call.interface, call.body) == key:
                return call
        return None

    @property
    def failed(self) -> list[Call]:
        """The calls that did not answer status 0 (failures and transport errors)."""
        return [c for c in self.calls if not c.ok]

    def to_dict(self) -> dict:
        """The capture as saved (JSON types only)."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "model_id": self.model_id,
            "firmware": self.firmware,
            "taken_at": self.taken_at,
            "seconds": round(self.seconds, 3),
            "partial": self.partial,
            "partial_reason": self.partial_reason,
            "skipped": dict(self.skipped),
            "anonymized": self.is_anonymized,
            "root": self.root,
            "encrypted": self.encrypted,
            "calls": [c.to_dict() for c in self.calls],
        }

    @classmethod
    def from_dict(  # noqa: PYI019 (typing.Self needs 3.11)
        cls: type[_CaptureT], data: Any, source: str = "the data"
    ) -> _CaptureT:
        """A capture from its saved form; CaptureError for anything else."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CaptureError(
                f'{source} is not an openapi_magic capture (no "format": "{FORMAT}").'
            )
        version = data.get("version")
        if version not in _READ_VERSIONS or isinstance(version, bool):
            raise CaptureError(
                f"{source} is a capture of format version {version!r}; this "
                f"openapi_magic reads versions {' and '.join(map(str, _READ_VERSIONS))} (a "
                "newer openapi_magic may read it)."
            )
        _check_depth(data, source)
        calls = data.get("calls")
        if not isinstance(calls, list):
            raise CaptureError(f'{source}: "calls" must be a list of captured calls.')
        for i, c in enumerate(calls):
            if not isinstance(c, dict) or not isinstance(c.get("interface"), str):
                raise CaptureError(
                    f'{source}: "calls" must be a list of captured calls; call {i} '
                    "is not one (no interface)."
                )
        skipped = data.get("skipped") or {}
        if not isinstance(skipped, dict):
            raise CaptureError(
                f'{source}: "skipped" must be an object of interface → reason, not '
                f"{_kind(skipped)}."
            )
        return cls(
            calls=[cls.call_type.from_dict(c, f"{source}: call {i}") for i, c in enumerate(calls)],
            model_id=data.get("model_id"),
            firmware=data.get("firmware"),
            taken_at=str(data.get("taken_at") or ""),
            seconds=_seconds(data.get("seconds"), source, "seconds"),
            partial=bool(data.get("partial")),
            partial_reason=str(data.get("partial_reason") or ""),
            skipped=dict(skipped),
            is_anonymized=bool(data.get("anonymized")),
            root=str(data.get("root") or ""),
            encrypted=data.get("encrypted"),
        )


def read_file(path: str | os.PathLike) -> tuple[Any, str]:
    """The JSON of a capture file and the path in words; CaptureError naming the cause
    (no file, unreadable, not JSON). The format itself is checked by
    :meth:`Capture.from_dict`."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaptureError(f"No capture file {p}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaptureError(f"Cannot read the capture file {p}: {exc}.") from None
    try:
        return json.loads(text), str(p)
    except ValueError:
        raise CaptureError(f"{p} is not an openapi_magic capture (not JSON).") from None
    except RecursionError:
        raise CaptureError(
            f"{p} nests deeper than {MAX_DEPTH} levels: not a capture this openapi_magic reads."
        ) from None
