"""Replay a capture as a simulated splicer: the captured replies, writes applied on top.

``SimulatedSplicer(replay=capture_or_path)`` (or ``serve(replay=...)``, or
``python -m openapi_magic.server --replay FILE``) answers like the splicer that
was captured. How (our reconstruction; no vendor document covers it):

1. **A device model from the capture's records.** A :class:`~.state.DeviceState`
   is built as usual, then its screens (with their layers and presets), inputs
   (with crops), outputs, backgrounds and device details are replaced by the
   captured ones, with their ids and names. What the capture does not hold (input
   groups, IPC sources ...) stays the model's own.
2. **A baseline.** At load time the model answers every read the capture made
   (same interface, same body); those replies are remembered.
3. **Reads.** A read the capture made answers the *captured* reply, patched with
   what the model's reply has changed since load (:func:`patch`). Until a write,
   nothing has changed, so the reply is the captured body exactly, key for key and
   in the captured key order; after ``screen/writeBrightness`` the model's
   ``screen/readDetail`` differs in ``brightness`` only, and so does the replayed
   reply. A read the capture made that *failed* answers the captured status and msg,
   always (a firmware that answers ``device/*`` with 500 keeps doing so).
4. **Never invented.** A read the capture never made (another body, a new screen's
   id, an interface it skipped) answers as the captured firmware answers an unknown
   read (a call of an interface the catalog does not know, when the capture holds
   one; else the profile's: 1 ``Params_Error`` by default), and the reply carries the
   :data:`~openapi_magic.core.capture_format.REPLAY_HEADER` mark ``not-captured``
   (the client shows it as a warning). :meth:`Replay.unanswerable` lists the reads it
   cannot answer, and :meth:`Replay.summary` says so. With ``fill=True`` the model
   answers such a read, as the plain simulated splicer would, and the reply is marked
   ``filled`` (a warning in the client's Result, a WARNING in the server log). A read
   of a record a create made on the replay (``layer/create``'s new layer: the ids of
   the request and the reply) is the model's too, marked ``created``: nothing
   captured is passed off there.
5. **Writes** go to the model, exactly as on the plain simulated splicer, except an
   interface every captured call of which answered 500 keeps answering that, whatever
   the body (the H9 that answered ``screen/writeBrightness`` 500).

How it answers is what the capture *observed* (:func:`observe`), never a match of
its ``softwareVersion`` against a named profile: the reply key spelling
(``"status "`` or ``"status"``), the envelope's key order and whether ``sign`` is
sent at all (captures of format version 2 record them), the success msg (``""`` or
``"Success"``), which interfaces failed and how, and the unknown-read answer.
:func:`firmware_for` turns that into the profile the splicer answers with (what the
capture does not show stays the ``"default"`` profile's); an explicit ``firmware``
wins. A capture holds no secret: the credentials are the demo ones unless given.

The saved format, its checks and the key a request is matched by come from
:mod:`openapi_magic.core.capture_format` (the core), the same that capture and diff
use; never from :mod:`openapi_magic.ops._captures`, which needs the client: the
simulated splicer stays independent of the client. A :class:`Capture` object is
taken through its ``to_dict()``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..core.capture_format import Capture, ReplayMark, call_key, read_file
from ..core.catalog import load_catalog, normalize_path
from ..errors import CaptureError
from ._firmware import FIRMWARE_PROFILES, FirmwareProfile
from ._model import IT_HDMI_OUT, VendorError, _is_int, _Screen
from ._state import DeviceState

__all__ = [
    "CREATED",
    "DEMO_CAPTURE",
    "FILL",
    "Fill",
    "Observed",
    "Replay",
    "ReplayError",
    "ReplayReply",
    "demo_capture_path",
    "firmware_for",
    "load_capture_data",
    "observe",
    "patch",
]

#: The capture of the bundled simulated splicer shipped in the package (see :func:`demo_capture_path`).
DEMO_CAPTURE = "demo-h5.capture.json"
#: A model reply that could not be made (the read then answers as captured, unpatched).
_UNTRACKED = object()


@dataclass(frozen=True)
class Fill:
    """What :meth:`Replay.answer` returns for a read the model answers, and the
    :class:`~openapi_magic.core.capture_format.ReplayMark` the reply then carries."""

    mark: str


#: A read the capture never made, answered from the model (``fill=True``).
FILL = Fill(ReplayMark.FILLED.value)
#: A read of a record a write made on the replay, answered from the model.
CREATED = Fill(ReplayMark.CREATED.value)
#: How many unanswerable reads :meth:`Replay.summary` names before "and N more".
_NAMED = 8
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
log = logging.getLogger("openapi_magic.server")


def demo_capture_path() -> Path:
    """The path of the shipped capture of the bundled simulated splicer (demo seed, default
    firmware, read with the demo account): replay it when no capture of your own is at hand."""
    return Path(str(resources.files(__package__).joinpath("data").joinpath(DEMO_CAPTURE)))


class ReplayError(CaptureError):
    """A replay source that is not a readable capture."""


def load_capture_data(source: Any) -> dict:
    """The saved form of a capture: from a :class:`Capture`, its ``to_dict()``, or a file path.

    ``"demo"`` names the shipped capture (:func:`demo_capture_path`).
    ConfigError naming the cause for anything else.
    """
    if isinstance(source, str) and source == "demo":
        source = demo_capture_path()
    where = "the replay capture"
    if hasattr(source, "to_dict") and callable(source.to_dict):
        data = source.to_dict()
    elif isinstance(source, dict):
        data = source
    elif isinstance(source, (str, os.PathLike)):
        try:
            data, where = read_file(source)
        except CaptureError as exc:
            raise ReplayError(exc.message) from None
    else:
        raise ReplayError(
            f'replay= takes a Capture, a saved capture\'s path or "demo", not '
            f"{type(source).__name__}."
        )
    try:
        Capture.from_dict(data, where)  # the format's own checks, the same as capture's
    except CaptureError as exc:
        raise ReplayError(exc.message) from None
    return data


@dataclass(frozen=True)
class Observed:
    """What a capture shows of how its firmware answers (None: the capture does not show it).

    ``status_key`` the reply's spelling (``"status "`` or ``"status"``); ``keys_ok`` and
    ``keys_failed`` the envelope's keys in the order they arrived, on success and on
    failure; ``signed`` whether replies carried a non-empty sign; ``success_msg`` the msg
    of a success; ``failing`` the interfaces every captured call of which answered 500,
    with the (status, msg) they answered; ``unknown`` the (status, msg) a call of an
    interface the catalog does not know answered.
    """

    status_key: str | None = None
    keys_ok: tuple[str, ...] | None = None
    keys_failed: tuple[str, ...] | None = None
    signed: bool | None = None
    success_msg: str | None = None
    failing: dict[str, tuple[int, str]] = dataclasses.field(default_factory=dict)
    unknown: tuple[int, str] | None = None

    def describe(self) -> str:
        """One line: what was observed."""
        parts = []
        if self.status_key is not None:
            parts.append(f"key {self.status_key!r}")
        if self.success_msg is not None:
            parts.append(f"success msg {self.success_msg!r}")
        if self.signed is not None:
            parts.append("signed replies" if self.signed else "empty sign")
        if self.keys_ok is not None and "sign" not in self.keys_ok:
            parts.append("no sign key")
        if self.failing:
            parts.append(f"{', '.join(sorted(self.failing))} failing")
        if self.unknown is not None:
            parts.append(f"unknown interfaces {self.unknown[0]} {self.unknown[1]}".rstrip())
        return "; ".join(parts) or "nothing beyond its replies"


def _most_common(values: list) -> Any:
    return Counter(values).most_common(1)[0][0] if values else None


def observe(data: dict) -> Observed:
    """What the capture (its saved form) shows of how its firmware answers (see :class:`Observed`)."""
    catalog = load_catalog()
    calls = [c for c in data["calls"] if _is_int(c.get("status"))]
    shapes = [
        (c["status"] == 0, tuple(c["envelope"]["keys"]), bool(c["envelope"].get("signed")))
        for c in calls
        if isinstance(c.get("envelope"), dict) and isinstance(c["envelope"].get("keys"), list)
    ]
    spelled = {k for _, keys, _ in shapes for k in keys if k in ("status", "status ")}
    by_interface: dict[str, list[dict]] = {}
    for call in calls:
        by_interface.setdefault(normalize_path(call["interface"]), []).append(call)
    failing = {
        path: (500, _most_common([str(c.get("msg") or "") for c in made]))
        for path, made in by_interface.items()
        if path in catalog and all(c["status"] == 500 for c in made)
    }
    unknown = next(
        (
            (c["status"], str(c.get("msg") or ""))
            for path, made in by_interface.items()
            if path not in catalog
            for c in made
            if c["status"] != 0
        ),
        None,
    )
    return Observed(
        status_key=_most_common(list(spelled)) if len(spelled) == 1 else None,
        keys_ok=_most_common([keys for ok, keys, _ in shapes if ok]),
        keys_failed=_most_common([keys for ok, keys, _ in shapes if not ok]),
        signed=any(signed for *_, signed in shapes) if shapes else None,
        success_msg=_most_common([str(c.get("msg") or "") for c in calls if c["status"] == 0]),
        failing=failing,
        unknown=unknown,
    )


def firmware_for(
    data: dict, base: FirmwareProfile | None = None, seen: Observed | None = None
) -> FirmwareProfile:
    """The profile a replay of this capture answers with: ``base`` (the ``"default"``
    profile) changed where the capture observed otherwise (:func:`observe`).

    Never a match of the captured ``softwareVersion`` against a named profile: an H9
    capture replayed as an H5 still answers as that H9 did. Named ``"replay"``.
    ``seen`` is :func:`observe`'s result when already made.
    """
    base = FIRMWARE_PROFILES["default"] if base is None else base
    seen = observe(data) if seen is None else seen
    changes: dict[str, Any] = {
        "name": "replay",
        "summary": "as the replayed capture observed: " + seen.describe(),
        "evidence": "the replayed capture",
    }
    if seen.status_key is not None:
        changes["status_key"] = seen.status_key
    if seen.success_msg is not None:
        changes["success_msg"] = seen.success_msg
    if seen.signed is not None:
        changes["reply_sign"] = seen.signed
    if seen.failing:
        changes["failing"] = frozenset(seen.failing)
    if seen.unknown is not None:
        changes["unknown_interface_status"] = seen.unknown[0]
    if isinstance(data.get("firmware"), str):
        changes["software_version"] = data["firmware"]
    if _is_int(data.get("model_id")):
        changes["main_model_id"] = data["model_id"]
        # Only the model's name is taken from a profile of that model id, no behaviour.
        named = {p.main_model_id: p.model for p in FIRMWARE_PROFILES.values()}
        changes["model"] = named.get(data["model_id"], base.model)
    return dataclasses.replace(base, **changes)


def _json_safe(data: dict) -> dict:
    """The capture's data with every lone surrogate in its texts (keys too) written as the
    visible ``\\ud800`` escape the package shows it as: a capture file may hold one (a
    valid JSON escape a Java firmware sends), and no reply can carry it in UTF-8. Data
    holding none is returned as it is."""
    text = json.dumps(data, ensure_ascii=False)
    if _LONE_SURROGATE.search(text) is None:
        return data
    # A surrogate stands only inside a JSON string: an escaped backslash there reads back
    # as the six characters ``\\ud800``.
    return json.loads(_LONE_SURROGATE.sub(lambda m: f"\\\\u{ord(m.group(0)):04x}", text))


@dataclass(frozen=True)
class ReplayReply:
    """What the replay answers to one request: the vendor's status, msg and reply body, and
    the :data:`~openapi_magic.core.capture_format.REPLAY_HEADER` mark ("" when captured)."""

    #: None: the firmware profile's answer to an unknown interface.
    status: int | None
    msg: str
    body: Any
    mark: str = ""


class Replay:
    """A capture made answerable: the device model built from it and the captured replies.

    ``Replay(source)`` reads the capture (see :func:`load_capture_data`);
    :meth:`build_state` makes the device model (called by the splicer, again on
    ``reset()``), and :meth:`answer` answers one request (see the module doc).
    ``fill=True`` answers the reads the capture never made from the model, marked.
    """

    def __init__(self, source: Any, *, fill: bool = False) -> None:
        self.fill = bool(fill)
        self.data = _json_safe(load_capture_data(source))
        #: What the capture shows of how its firmware answers (see :func:`observe`).
        self.observed = observe(self.data)
        self.calls: dict[tuple[str, str], dict] = {}
        for call in self.data["calls"]:
            if _is_int(call.get("status")):  # a transport error is no answer to replay
                self.calls.setdefault(call_key(call["interface"], call.get("body")), call)
        self._baseline: dict[tuple[str, str], Any] = {}
        self._state: DeviceState | None = None
        #: The ids of the records creates made on the replay (cleared by a rebuild).
        self._made: list[frozenset[tuple[str, int]]] = []

    @property
    def firmware(self) -> FirmwareProfile:
        """The profile that answers as the capture observed (see :func:`firmware_for`)."""
        return firmware_for(self.data, seen=self.observed)

    def unanswerable(self) -> list[str]:
        """The catalog's read interfaces the capture never called: without ``fill=True``
        they answer as the firmware answers an unknown read."""
        catalog = load_catalog()
        made = {key[0] for key in self.calls}
        return [i.path for i in catalog if catalog.is_read(i.path) and i.path not in made]

    def summary(self) -> str:
        """One line: the captured model and firmware, when, how many replies and failures,
        and the reads it cannot answer (or that ``fill=True`` answers them from the model)."""
        failed = sum(1 for c in self.calls.values() if c["status"] != 0)
        taken = f", taken {self.data['taken_at']}" if self.data.get("taken_at") else ""
        line = (
            f"model {self.data.get('model_id')}, firmware {self.data.get('firmware')}"
            f"{taken}: {len(self.calls)} replies, {failed} failed"
        )
        missing = self.unanswerable()
        if not missing:
            return line
        named = ", ".join(missing[:_NAMED])
        more = f" and {len(missing) - _NAMED} more" if len(missing) > _NAMED else ""
        if self.fill:
            return f"{line}; {len(missing)} reads never captured filled from the simulated device ({named}{more})"
        return (
            f"{line}; cannot answer {len(missing)} reads it never captured ({named}{more}): "
            "they answer as an unknown read (fill=True, --fill, answers them from the simulated "
            "device)"
        )

    def envelope(self, reply: dict) -> dict | None:
        """``reply`` (an envelope) with its keys in the order the capture observed, and no
        ``sign`` key where the captured replies had none; None when the capture does not show it."""
        ok = reply.get("status", reply.get("status ")) == 0
        order = self.observed.keys_ok if ok else self.observed.keys_failed
        if order is None:
            return None
        out = {k: reply[k] for k in order if k in reply}
        for k in sorted(reply):
            if k not in out and not (k == "sign" and reply[k] == ""):
                out[k] = reply[k]
        return out

    def __repr__(self) -> str:
        return f"<Replay of {self.data.get('root') or 'a splicer'}: {self.summary()}>"

    # ------------------------------------------------------------------ the model

    def build_state(
        self, seed: int, *, clock: Callable[[], float], osd_limit: int, firmware: FirmwareProfile
    ) -> DeviceState:
        """A device model holding the capture's records, and the baseline of its replies."""
        state = DeviceState(seed, clock=clock, osd_limit=osd_limit, firmware=firmware)
        with state.lock:
            _Importer(state, self).run()
        self._state = state
        self._made = []
        self._baseline = {}
        for key, call in self.calls.items():
            if call["status"] == 0:
                self._baseline[key] = self._model_reply(state, call["interface"], call.get("body"))
        return state

    @staticmethod
    def _model_reply(state: DeviceState, interface: str, body: Any) -> Any:
        """The model's reply (a private copy), a VendorError when it refuses, or
        :data:`_UNTRACKED` when it cannot answer at all (no handler, or captured records
        of a shape it does not know)."""
        try:
            return copy.deepcopy(state.call(interface, body if isinstance(body, dict) else {}))
        except VendorError as exc:
            return exc
        except Exception:  # a real firmware's odd record must not break the replay
            log.debug("the replay's model cannot answer %s %r", interface, body, exc_info=True)
            return _UNTRACKED

    def captured(self, interface: str, body: Any) -> dict | None:
        """The captured call of ``interface`` with this body (key order aside), or None."""
        return self.calls.get(call_key(interface, body))

    def answer(self, interface: str, body: Any, state: DeviceState) -> ReplayReply | Fill | None:
        """The replayed answer to a request; a :class:`Fill` for a read the model answers
        (:data:`FILL` with ``fill=True``, :data:`CREATED` for a record made on the replay);
        None for a write the model answers (see the module doc).

        Raises :class:`VendorError` where the model now refuses a read the capture made
        (its screen was deleted since): the splicer answers that as usual.
        """
        call = self.captured(interface, body)
        if call is None:
            return self._not_captured(interface, body)
        msg = str(call.get("msg") or "")
        if call["status"] != 0:
            return ReplayReply(call["status"], msg, None)
        captured = copy.deepcopy(call.get("reply"))
        before = self._baseline.get(call_key(interface, body), _UNTRACKED)
        if before is _UNTRACKED or isinstance(before, VendorError) or state is not self._state:
            return ReplayReply(0, msg, captured)  # the model cannot follow this read
        now = self._model_reply(state, interface, body)
        if now is _UNTRACKED:
            return ReplayReply(0, msg, captured)
        if isinstance(now, VendorError):
            raise now
        return ReplayReply(0, msg, patch(captured, before, now))

    def _not_captured(self, interface: str, body: Any) -> ReplayReply | Fill | None:
        """The answer to a call the capture did not make (see the module doc)."""
        path = normalize_path(interface)
        if path in self.observed.failing:
            status, msg = self.observed.failing[path]
            return ReplayReply(status, msg, None)
        catalog = load_catalog()
        if path not in catalog:
            if self.observed.unknown is None:
                return None  # the splicer's own answer to an unknown interface
            return ReplayReply(*self.observed.unknown, None)
        if not catalog.is_read(path):
            return None  # a write: the model answers it
        if self.fill:
            log.warning(
                "replay: the capture never made this %s read; answered from the simulated "
                "device (fill=True), not from the captured splicer",
                path,
            )
            return FILL
        if self._made_here(body):
            log.info("replay: %s reads a record made on the replay; the model answers it", path)
            return CREATED
        log.info(
            "replay: the capture never made this %s read; answered as an unknown read "
            "(fill=True answers it from the simulated device)",
            path,
        )
        unknown: tuple[int | None, str] = self.observed.unknown or (None, "")
        return ReplayReply(*unknown, None, ReplayMark.NOT_CAPTURED.value)

    def note_write(self, interface: str, body: Any, reply: Any) -> None:
        """Remember the record a successful create made on the replay (its ids: the
        request's and the reply's), so reads of it are answered by the model."""
        if "create" not in interface.rsplit("/", 1)[-1].lower():
            return
        made = _ids(body) | _ids(reply)
        if made - _ids(body):  # the reply named the new record
            self._made.append(made)

    def _made_here(self, body: Any) -> bool:
        """Whether ``body`` reads a record a create made on the replay."""
        asked = _ids(body)
        return any(made <= asked for made in self._made)


def _ids(value: Any) -> frozenset[tuple[str, int]]:
    """The (name, value) ids at the top of a body or reply (``deviceId`` aside)."""
    if not isinstance(value, dict):
        return frozenset()
    return frozenset(
        (k, v)
        for k, v in value.items()
        if isinstance(k, str) and k.endswith("Id") and k != "deviceId" and _is_int(v)
    )


def patch(captured: Any, before: Any, now: Any) -> Any:
    """``captured`` with what changed from ``before`` to ``now`` applied (model replies).

    Unchanged parts stay the captured ones exactly; a changed scalar takes ``now``'s
    value; objects are patched key by key (keys added or removed in ``now`` are added
    or removed); lists of records are matched by their id (``screenId``, ``layerId``
    ...), other lists of the same length item by item, and otherwise take ``now``.
    """
    if before == now:
        return captured
    if isinstance(before, dict) and isinstance(now, dict) and isinstance(captured, dict):
        out = {}
        for key, value in captured.items():
            if key in before and key not in now:
                continue  # removed by the write
            out[key] = patch(value, before[key], now[key]) if key in before else value
        for key, value in now.items():
            if key not in before:
                out[key] = value
        return out
    if isinstance(before, list) and isinstance(now, list) and isinstance(captured, list):
        id_key = _list_id(captured, before, now)
        if id_key:
            old = {item[id_key]: item for item in before}
            mine = {item[id_key]: item for item in captured}
            items = [
                patch(mine[item[id_key]], old[item[id_key]], item)
                if item[id_key] in old and item[id_key] in mine
                else item
                for item in now
            ]
            items += [item for key, item in mine.items() if key not in old]
            return items
        if len(before) == len(now) == len(captured):
            return [patch(c, b, n) for c, b, n in zip(captured, before, now)]
    return now


def _list_id(*lists: list) -> str:
    """The id key every record of these lists has, unique in each ("" when none)."""
    first = lists[0][0] if lists[0] else (lists[1] or lists[2] or [None])[0]
    if not isinstance(first, dict):
        return ""
    for key in first:
        if not (isinstance(key, str) and key.endswith("Id")):
            continue
        if all(isinstance(item, dict) and key in item for items in lists for item in items) and all(
            len({json.dumps(item[key]) for item in items}) == len(items) for items in lists
        ):
            return key
    return ""


class _Importer:
    """Puts a capture's records into a fresh DeviceState (under its lock)."""

    def __init__(self, state: DeviceState, replay: Replay) -> None:
        self.s = state
        self.replay = replay
        # The successful calls by interface, in capture order, and per (interface, id
        # names) the first one's reply by the ids' values: each lookup is then a dict
        # read, so start-up grows with the capture, not with its square.
        self._ok: dict[str, list[dict]] = {}
        for call in replay.data["calls"]:
            if call.get("status") == 0:
                self._ok.setdefault(normalize_path(call["interface"]), []).append(call)
        self._index: dict[tuple[str, tuple[str, ...]], dict[tuple, Any]] = {}

    def reply(self, interface: str, **ids: Any) -> Any:
        """The successful captured reply of ``interface`` for these ids (deviceId aside)."""
        names = tuple(sorted(ids))
        index = self._index.get((interface, names))
        if index is None:
            index = self._index[(interface, names)] = {}
            for call in self._ok.get(interface, ()):
                body = call.get("body")
                if not isinstance(body, dict):
                    body = {}
                try:
                    index.setdefault(tuple(body.get(k) for k in names), call.get("reply"))
                except TypeError:  # an unhashable id (a list, say) is never an id asked for
                    continue
        try:
            return index.get(tuple(ids[k] for k in names))
        except TypeError:
            return None

    @staticmethod
    def records(reply: Any, key: str) -> list[dict]:
        rows = reply.get(key) if isinstance(reply, dict) else reply
        return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []

    def run(self) -> None:
        # Each part is imported on its own: records of a shape this model does not know
        # (another firmware's) leave that part the model's own, and the replay still answers
        # every captured read as captured.
        for part in (self.device, self.inputs, self.outputs, self.backgrounds, self.screens):
            saved = {
                k: copy.copy(v)
                for k, v in vars(self.s).items()
                if k.startswith("_") or k in ("sn", "detail", "ip", "show_id")
            }
            try:
                part()
            except Exception:  # see above
                log.info(
                    "replay: the capture's %s records are not imported (shape unknown)",
                    part.__name__,
                    exc_info=True,
                )
                vars(self.s).update(saved)
        s = self.s
        try:
            s._used = {i for i, rec in s._inputs.items() if rec.get("isUsed")}
            s._refresh_used()
        except (AttributeError, KeyError, TypeError):  # see above
            s._used = set()

    def device(self) -> None:
        s = self.s
        init = self.reply("main/initStatus")
        if isinstance(init, dict):
            s.sn = init.get("sn", s.sn)
            s.software_version = init.get("softwareVersion", s.software_version)
            s.main_model_id = init.get("mainModelId", s.main_model_id)
        detail = self.reply("device/readDetail")
        if isinstance(detail, dict):
            s.detail = {
                k: v for k, v in detail.items() if k not in ("deviceId", "slotList", "status")
            }
            slots = self.records(detail, "slotList")
            if slots:
                versions = {
                    c.get("slotId"): c
                    for c in self.records(self.reply("device/readCardVersion"), "cards")
                }
                s._slots = [
                    {
                        "mcuVersion": "",
                        "fpgaVersion": "",
                        **slot,
                        **{
                            k: versions.get(slot.get("slotId"), {}).get(k, slot.get(k, ""))
                            for k in ("mcuVersion", "fpgaVersion")
                        },
                    }
                    for slot in slots
                ]
        ip = self.reply("device/readIp")
        if isinstance(ip, dict):
            s.ip = {k: v for k, v in ip.items() if k != "deviceId"}

    def inputs(self) -> None:
        s = self.s
        rows = self.records(self.reply("input/readList"), "inputs")
        if not rows:
            return
        s._inputs, s._crops = {}, {}
        for rec in rows:
            iid = rec.get("inputId")
            if not _is_int(iid):
                continue
            rec = {k: v for k, v in rec.items() if k != "deviceId"}
            name = rec.get("name", (rec.get("general") or {}).get("name", f"input {iid}"))
            rec.setdefault("general", {"name": name})
            for key, default in (
                ("interfaceType", 0),
                ("slotId", 0),
                ("iSignal", 0),
                ("online", 1),
                ("isUsed", 0),
            ):
                rec.setdefault(key, default)
            s._inputs[iid] = rec
            detail = self.reply("input/readDetail", inputId=iid)
            crops = self.records(detail, "crops")
            s._crops[iid] = {c["cropId"]: dict(c) for c in crops if _is_int(c.get("cropId"))}
            edid = (detail or {}).get("edid") if isinstance(detail, dict) else None
            if isinstance(edid, dict) and "fileName" in edid:
                s._edid[iid] = edid["fileName"]

    def outputs(self) -> None:
        s = self.s
        rows = self.records(self.reply("output/readList"), "outputs")
        if not rows:
            return
        template = next(iter(s._outputs.values()), {})
        outputs = {}
        for rec in rows:
            oid = rec.get("outputId")
            if not _is_int(oid):
                continue
            detail = self.reply("output/readDetail", outputId=oid)
            base = copy.deepcopy(s._outputs.get(oid, template))
            base.update({k: v for k, v in rec.items() if k != "deviceId"})
            if isinstance(detail, dict):
                base.update({k: v for k, v in detail.items() if k != "deviceId"})
            outputs[oid] = base
        s._outputs = outputs

    def backgrounds(self) -> None:
        s = self.s
        rows = self.records(self.reply("bkg/readAllList"), "bkgs")
        if not rows and not isinstance(self.reply("bkg/readAllList"), list):
            return
        bkgs = {}
        for rec in rows:
            bid = rec.get("bkgId")
            if _is_int(bid):
                detail = self.reply("bkg/readDetail", bkgId=bid)
                bkgs[bid] = {
                    **rec,
                    **(
                        {k: v for k, v in detail.items() if k != "deviceId"}
                        if isinstance(detail, dict)
                        else {}
                    ),
                }
        s._bkgs = bkgs

    @staticmethod
    def layer(rec: dict, n: int) -> dict:
        """A model layer from a captured layer record (the view's filled-in parts dropped)."""
        general = rec.get("general")
        if not isinstance(general, dict):
            general = {}
        lid = rec.get("layerId", general.get("layerId", n))
        layer = DeviceState._new_layer(
            lid,
            general.get("name", f"Layer {n + 1}"),
            rec.get("window") or {},
            rec.get("source") or {},
            general.get("sizeType", 0),
        )
        layer["general"].update({"zorder": n, **general, "layerId": lid})
        if isinstance(rec.get("audioStatus"), dict):
            layer["audioStatus"].update(rec["audioStatus"])
        return layer

    def screens(self) -> None:
        s = self.s
        listed = self.reply("screen/readList")
        rows = self.records(listed, "screens")
        if not isinstance(listed, dict):
            return
        s._screens = {}
        for rec in rows:
            sid = rec.get("screenId")
            if not _is_int(sid):
                continue
            got = self.reply("screen/readDetail", screenId=sid)
            d: dict[str, Any] = got if isinstance(got, dict) else {}
            cells = [
                {k: c[k] for k in ("interfaceId", "x", "y", "width", "height") if k in c}
                for c in self.records(d, "interfaces")
            ]
            hdmi_only = bool(cells) and all(
                "interfaceId" in c
                and s._outputs.get(c["interfaceId"], {}).get("interfaceType") == IT_HDMI_OUT
                for c in cells
            )
            screen = _Screen(
                sid,
                rec.get("name", d.get("name", f"Screen {sid}")),
                rec.get("createTime", d.get("createTime", "")),
                d.get("width", 0),
                d.get("height", 0),
                cells,
                d.get("mosaic", {"row": 1, "column": 1}),
                brightness_supported=not hdmi_only,
            )
            for attr, key in (
                ("brightness", "brightness"),
                ("saved_brightness", "savedBrightness"),
                ("gamma", "gamma"),
                ("ftb", "Ftb"),
                ("audio", "audio"),
                ("osd", "Osd"),
                ("osd_image", "OsdImage"),
                ("bkg", "Bkg"),
                ("screen3d", "Screen3D"),
                ("output_mode", "nonTime"),
                ("offset", "offset"),
            ):
                if key in d:
                    setattr(screen, attr, copy.deepcopy(d[key]))
            if isinstance(d.get("Freeze"), dict):
                screen.freeze = d["Freeze"].get("enable", 0)
            if "showId" in d:
                s.show_id = d["showId"]
            layers = self.records(self.reply("layer/detailList", screenId=sid), "screenLayers")
            screen.layers = {}
            for n, lay in enumerate(layers):
                layer = self.layer(lay, n)
                screen.layers[layer["layerId"]] = layer
            for prec in self.records(self.reply("preset/readList", screenId=sid), "presets"):
                pid = prec.get("presetId")
                if not _is_int(pid):
                    continue
                detail = self.reply("preset/readDetail", screenId=sid, presetId=pid)
                player = [
                    self.layer(lay, n) for n, lay in enumerate(self.records(detail, "layers"))
                ]
                screen.presets[pid] = {
                    "presetId": pid,
                    "name": prec.get("name", ""),
                    "layers": player,
                }
            play = self.reply("preset/readPlay", screenId=sid)
            if isinstance(play, dict) and _is_int(play.get("presetId")):
                screen.playing = play["presetId"]
            s._screens[sid] = screen
