"""Capture a splicer, read-only: every read interface of the catalog, ids followed.

``capture(target)`` (``openapi_magic.capture``) reads ``main/initStatus``, then
every *read* interface of the catalog, one request at a time, and returns a
:class:`Capture`: the model and firmware version, when it was taken and how long
it took, and for every call the interface, the request body, the vendor's status
and msg and the decrypted reply body. Failures are kept (which interfaces this
firmware answers is evidence too), and a capture never raises half-way because
one interface failed.

Which calls are made (the follow rule):

1. Every read interface whose catalog fields require no id (fields named
   ``…Id`` other than ``deviceId``) is called once, with ``{"deviceId": 0}``.
2. An interface that requires ids is called once per id value found in the
   *list replies* already captured: a successful call whose body holds a subset
   of those ids, and whose records (the catalog's ``records`` key, as
   :func:`~openapi_magic.client._result.find_records` picks them) carry the one missing
   id as their own. A record's own id is named after its list: records under
   ``screens`` give ``screenId``, under ``screenLayers``/``layers`` ``layerId``,
   under ``presetGroups`` ``presetGroupId``; a bare list its module's (``bkg`` →
   ``bkgId``). So ``screen/readList`` gives each screen's ``screen/readDetail``,
   ``layer/detailList`` and ``preset/readList``, and ``preset/readList
   {screenId}`` each preset's ``preset/readDetail {screenId, presetId}``.
   Interfaces are taken in order of how many ids they need, so every list is
   read before what follows from it. Negative ids (``-1`` = none) are not followed.
3. When no read interface of the catalog lists an id at all, the catalog's
   example value is used (an ``ipc/…`` list taking ``slotId`` 0 = all); when the
   lists that hold it failed or are empty (no preset groups), the interface is
   not called and the capture says why (:attr:`Capture.skipped`).

Every body includes ``deviceId`` (real firmware needs it in every body, see
``shared/FIELD-EVIDENCE.md``). **No write is ever sent**: only what the catalog
lists as a read is crawled (:func:`openapi_magic.core.catalog.is_read`, the classifier
every guard asks; the catalog refuses an entry calling an action that does not
read like a read, ``read…``, ``…List``, ``…Detail``, ``…Status``, a read), and
every call passes a guard asking the same before any I/O.

A capture never holds the secretKey, a sign or a ciphertext: only decrypted
bodies, status, msg, interface and timing are kept. ``anonymize=True`` (or
:meth:`Capture.anonymized`) replaces serial numbers, MAC and IP addresses by
stable placeholders (see :func:`anonymize`). ``save``/``load`` write and read one
JSON file (:mod:`openapi_magic.core.capture_format`: ``format``
``"openapi_magic.capture"``, ``version`` 1); each call keeps enough (interface,
body, status, msg, reply) for a replay server to answer it.

The module is named ``captures`` (not ``capture``) so that importing it does not
rebind the package attribute ``openapi_magic.capture``, which is the function.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import ipaddress
import json
import os
import re
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..client._client import Client
from ..client._connection import to_client
from ..client._result import find_records, records_frame
from ..core import capture_format as _format
from ..core._lazy import pandas as pd
from ..core._registry import EvidenceFile, evidence_from_dict
from ..core.capture_format import FORMAT, FORMAT_VERSION, own_id_keys
from ..core.capture_format import body_key as _body_key
from ..core.capture_format import compact as _compact
from ..core.catalog import Catalog, Interface, is_read, load_catalog, normalize_path
from ..errors import CaptureError, ConnectError, OpenAPIError, WriteRefused
from ..render._tables import (
    _FOOT,
    STYLE,
    Shown,
    View,
    _md,
    cut_text,
    cuts_html,
    esc,
    esc_code,
    frame_view,
    grid_html,
    grid_text,
    inert,
    inert_view,
    markdown_grid,
    plural,
    safe_text,
    text_width,
    wrap,
)

if TYPE_CHECKING:  # pragma: no cover
    from ._capture_diff import CaptureDiff

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_RECORDS",
    "DEFAULT_MAX_SECONDS",
    "DEMO_CAPTURE_ROOT",
    "FORMAT",
    "FORMAT_VERSION",
    "Call",
    "Capture",
    "CaptureError",
    "EvidenceDraft",
    "InterfaceCalls",
    "WriteRefused",
    "anonymize",
    "capture",
    "capture_demo",
    "is_read_interface",
    "own_id_keys",
]

#: Seconds a capture may take in all before it stops and says it is partial.
DEFAULT_MAX_SECONDS = 180.0
#: Bytes of replies (as received) a capture may keep before it stops and says it is
#: partial: a splicer answering megabytes per read must not exhaust the notebook's memory.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
#: Records of one list a capture follows (a splicer listing 5,000 screens is read for
#: the first 1,000; the capture says it is partial).
DEFAULT_MAX_RECORDS = 1000
#: The deviceId every body carries (real firmware wants one; 0 is the first device).
DEFAULT_DEVICE_ID = 0

#: Rows of calls and of records an interface's view shows (all in ``.table()``/``.df``).
_ROWS_SHOWN = 20
#: Interfaces a capture's view shows (all in ``summary()``).
_INTERFACES_SHOWN = 50
#: Interfaces not called that a capture's view lists (all in ``skipped``).
_SKIPPED_SHOWN = 10


def is_read_interface(interface: Interface) -> bool:
    """True when the catalog lists ``interface`` as a read (kept for old code: the
    classifier is :func:`openapi_magic.core.catalog.is_read` / :attr:`Interface.is_read`)."""
    return interface.is_read


def _guard(interface: Interface, catalog: Catalog | None = None) -> None:
    """Refuse anything the catalog does not list as a read: raised before any I/O."""
    if not is_read(interface.path, catalog):
        raise WriteRefused(
            f"Capture never sends {interface.path}: the catalog does not list it as a read.",
            interface=interface.path,
            reason="capture",
            hint="A capture only reads; send a write from the client, the magic or the form.",
        )


def _id_fields(interface: Interface) -> list[str]:
    """The ids an interface needs: its required ``…Id`` fields, ``deviceId`` aside."""
    return [
        f.name
        for f in interface.fields
        if f.required and f.name.endswith("Id") and f.name != "deviceId"
    ]


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


#: Where a capture's views send the reader for more.
_DRILL = 'Drill down: `cap["screen/readDetail"]` · `cap.summary()` · `.save(path)` · `.diff(other)`'

# --------------------------------------------------------------------------- the data


class Call(_format.Call):
    """One captured call (:class:`openapi_magic.core.capture_format.Call`) with its views:
    the reply's records as rows and as a DataFrame.
    """

    def rows(self) -> Any:
        """The reply's records as :func:`~openapi_magic.client._result.find_records` picks them."""
        rows, _ = find_records(self.reply, None, _records_hint(self.interface))
        return rows

    @property
    def records(self) -> int:
        """How many records the reply holds (a one-record body counts 1, none 0)."""
        rows = self.rows()
        if rows is None:
            return 0
        return len(rows) if isinstance(rows, list) else 1

    @property
    def df(self) -> pd.DataFrame:
        """The reply's records as a DataFrame (nested objects as dotted columns)."""
        return records_frame(self.rows())

    def __repr__(self) -> str:
        # One line of what a splicer sent (msg, ids): inert, as a terminal prints it.
        return inert(
            f"<Call {self.interface} {_compact(self.body)} → {self.outcome()} "
            f"records={self.records}>"
        )


class InterfaceCalls(Shown):
    """The calls of one interface in a capture (``capture["screen/readDetail"]``).

    Iterate or index it for the :class:`Call` objects; ``df`` holds the records
    of every successful call, with the request's ids as leading columns.
    """

    def __init__(self, interface: str, calls: list[Call]) -> None:
        self.interface = interface
        self.calls = list(calls)

    def __iter__(self) -> Iterator[Call]:
        return iter(self.calls)

    def __len__(self) -> int:
        return len(self.calls)

    def __getitem__(self, index: int) -> Call:
        return self.calls[index]

    @property
    def df(self) -> pd.DataFrame:
        """Every record of every successful call, request ids first."""
        frames = []
        for call in self.calls:
            if not call.ok:
                continue
            frame = call.df
            for i, (key, value) in enumerate(call.ids().items()):
                if key not in frame.columns:
                    frame.insert(i, key, [value] * len(frame))
            frames.append(frame)
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def table(self) -> pd.DataFrame:
        """One row per call: body, status, msg, records (and the error, if any)."""
        return pd.DataFrame(
            {
                "body": [_compact(c.body) for c in self.calls],
                "status": [c.status for c in self.calls],
                "msg": [c.msg or c.error for c in self.calls],
                "records": [c.records for c in self.calls],
            }
        )

    def _views(self) -> tuple[View, View | None]:
        """The calls table and the records table (``None``: no record), cut to
        :data:`_ROWS_SHOWN` rows each, saying where the rest is."""
        calls = pd.DataFrame(
            {
                # The request body itself: the view cuts it as it cuts any JSON value.
                "body": pd.Series([c.body for c in self.calls], dtype=object),
                "status": pd.Series([c.status for c in self.calls], dtype=object),
                "msg": [c.msg or c.error for c in self.calls],
                "records": [c.records for c in self.calls],
            }
        )
        here = f"cap[{self.interface!r}]"
        call_view = frame_view(calls, _ROWS_SHOWN, where=f"`{here}.table()`", what="calls")
        frame = self.df
        if frame.empty:
            return call_view, None
        return call_view, frame_view(
            frame, _ROWS_SHOWN, lead=0, where=f"`{here}.df`", what="records"
        )

    def _head(self) -> str:
        return f"{safe_text(self.interface)} · {plural(len(self.calls), 'call')}"

    def to_text(self, width: int | None = None) -> str:
        """The calls and their records as plain text no wider than ``width`` (the
        terminal's by default)."""
        width = text_width() if width is None else width
        calls, records = self._views()
        here = f"cap[{self.interface!r}]"
        lines = [wrap(inert(self._head()), width)]
        lines += grid_text(inert_view(calls), width, f"{here}.table()")
        if records is not None:
            lines += ["Records:", *grid_text(inert_view(records), width, f"{here}.df")]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        calls, records = self._views()
        lines = [f"**{_md(self._head())}**", "", *markdown_grid(calls)]
        if records is not None:
            lines += ["", "**Records**", "", *markdown_grid(records)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        calls, records = self._views()
        head = (
            f"<div><b><code>{esc(self.interface)}</code></b> &middot; "
            f"{plural(len(self.calls), 'call')}</div>"
        )
        parts = [head, grid_html(calls), cuts_html(calls, "call")]
        if records is not None:
            parts += ["<div><b>Records</b></div>", grid_html(records), cuts_html(records, "record")]
        return '<div class="openapi-magic-capture">' + "".join(parts) + "</div>"


class Capture(_format.Capture, Shown):
    """A read-only capture of one splicer (see the module docstring), with its views.

    The data (:class:`openapi_magic.core.capture_format.Capture`): ``calls`` in the order
    made; ``model_id`` and ``firmware`` from ``main/initStatus``; ``taken_at`` and
    ``seconds``; ``partial`` with ``partial_reason``; ``skipped`` the interfaces not
    called and why; ``is_anonymized`` whether :meth:`anonymized` made it.
    ``capture["screen/readDetail"]`` drills down.
    """

    call_type = Call

    def _calls(self) -> list[Call]:
        # The calls are this module's Call (from_dict and the capturer make them).
        return cast("list[Call]", self.calls)

    # ------------------------------------------------------------------ access

    def __getitem__(self, interface: str) -> InterfaceCalls:
        path = normalize_path(interface)
        calls = [c for c in self._calls() if c.interface == path]
        if not calls:
            close = difflib.get_close_matches(path, self.interfaces(), n=3, cutoff=0.6)
            tail = f"; did you mean {' or '.join(close)}?" if close else ""
            raise KeyError(f"this capture has no call of {path!r}{tail}")
        return InterfaceCalls(path, calls)

    def anonymized(self) -> Capture:
        """A copy with serials, MAC and IP addresses replaced (see :func:`anonymize`)."""
        return Capture.from_dict(anonymize(self.to_dict()))

    # ------------------------------------------------------------------ tables

    def summary(self) -> pd.DataFrame:
        """One row per interface: calls, status (``0`` or ``0 ×2, 500 ×1``), msg, records."""
        rows = []
        for path in self.interfaces():
            calls = [c for c in self._calls() if c.interface == path]
            rows.append(
                {
                    "interface": path,
                    "calls": len(calls),
                    "status": _tally(
                        str(c.status)
                        if c.status is not None
                        else (c.error.split(":", 1)[0] or "error")
                        for c in calls
                    ),
                    "msg": _tally(c.msg or c.error.split(": ", 1)[-1] for c in calls),
                    "records": sum(c.records for c in calls),
                }
            )
        return pd.DataFrame(rows, columns=["interface", "calls", "status", "msg", "records"])

    def headline(self) -> str:
        """One line: model, firmware, when, how long, how many calls failed, partial
        (what the splicer sent through :func:`~openapi_magic.render.safe_text`)."""
        model = f"model {self.model_id}" if self.model_id is not None else "model unknown"
        firmware = f"firmware {self.firmware}" if self.firmware else "firmware unknown"
        failed = len(self.failed)
        line = (
            f"Capture of {self.root or 'a splicer'} · {model} · {firmware} · taken "
            f"{self.taken_at or '?'} in {self.seconds:.1f} s · {plural(len(self.calls), 'call')}"
            f", {failed} failed"
        )
        if self.is_anonymized:
            line += " · anonymized"
        if self.partial:
            line += f" · PARTIAL: {self.partial_reason}"
        return safe_text(line)

    def _view(self) -> View:
        """The summary (one row per interface) cut to :data:`_INTERFACES_SHOWN` rows."""
        return frame_view(
            self.summary(), _INTERFACES_SHOWN, where="`cap.summary()`", what="interfaces"
        )

    def _skipped(self) -> tuple[list[tuple[str, str]], str]:
        """The interfaces not called (the first :data:`_SKIPPED_SHOWN`) and the cut."""
        items = [(str(k), str(v)) for k, v in self.skipped.items()]
        shown = items[:_SKIPPED_SHOWN]
        return shown, cut_text(len(shown), len(items), "interfaces not called", "`cap.skipped`")

    def to_text(self, width: int | None = None) -> str:
        """The headline, the summary and what was not called, as plain text no wider
        than ``width`` (the terminal's by default)."""
        width = text_width() if width is None else width
        lines = [wrap(inert(self.headline()), width)]
        view = self._view()
        if view.total:
            lines += grid_text(inert_view(view), width, "cap.summary()")
        skipped, cut = self._skipped()
        if skipped:
            lines.append("Not called:")
            lines += [wrap(inert(f"  {k} ({v})"), width) for k, v in skipped]
        if cut:
            lines.append(wrap(f"({cut})", width))
        lines.append(wrap(_DRILL, width))
        return "\n".join(lines)

    # The capture format's dataclass writes a __repr__ of its own, found before Shown's.
    __repr__ = Shown.__repr__

    def _repr_markdown_(self) -> str:
        lines = [f"**{_md(self.headline())}**", ""]
        view = self._view()
        if view.total:
            lines += markdown_grid(view)
        skipped, cut = self._skipped()
        if skipped:
            lines += ["", "Not called:", ""]
            lines += [f"- `{_md(k)}`: {_md(v)}" for k, v in skipped]
        if cut:
            lines += ["", f"*{_md(cut, code=True)}*"]
        lines += ["", _md(_DRILL, code=True)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        tone = STYLE["fail"] if self.partial else STYLE["ok"]
        head = f'<div style="{tone};font-weight:bold">{esc(self.headline())}</div>'
        view = self._view()
        table = grid_html(view) + cuts_html(view, "interface") if view.total else ""
        skipped = ""
        shown, cut = self._skipped()
        if shown:
            items = "".join(f"<li><code>{esc(k)}</code>: {esc(v)}</li>" for k, v in shown)
            more = f'<div style="{_FOOT}">{esc_code(cut)}</div>' if cut else ""
            skipped = (
                f"<details><summary>Not called ({len(self.skipped)})</summary>"
                f"<ul>{items}</ul>{more}</details>"
            )
        foot = f'<div style="{_FOOT}">{esc_code(_DRILL)}</div>'
        return f'<div class="openapi-magic-capture">{head}{table}{skipped}{foot}</div>'

    # ------------------------------------------------------------------ files

    def save(self, path: str | os.PathLike) -> Path:
        """Write the capture as one JSON file (UTF-8); returns the path. Replies keep their
        keys in the order the splicer sent them (a replay answers in that order)."""
        p = Path(path).expanduser()
        data = self.to_dict()
        # The file's own fields sorted (a stable file); bodies and replies as they are.
        data = {k: data[k] for k in sorted(data)}
        data["calls"] = [{k: c[k] for k in sorted(c)} for c in data["calls"]]
        text = json.dumps(data, ensure_ascii=False, indent=1)
        p.write_text(text + "\n", encoding="utf-8")
        return p

    @classmethod
    def load(cls, path: str | os.PathLike) -> Capture:
        """Read a capture saved by :meth:`save`; CaptureError for any other file."""
        data, where = _format.read_file(path)
        return cls.from_dict(data, where)

    # ------------------------------------------------------------------ evidence

    def to_evidence(
        self,
        path: str | os.PathLike | None = None,
        *,
        model: str = "",
        firmware: str | None = None,
        source: str = "",
        date: str | None = None,
        evidence_id: str = "",
        notes: tuple[str, ...] | list[str] = (),
    ) -> EvidenceDraft:
        """This capture as an evidence registry file (``openapi_magic.evidence``), anonymized,
        with a checklist to review before sending it (what is kept, what was replaced).

        ``model`` (``"H9"``: a capture knows only the ``mainModelId`` number) and
        ``firmware`` (default: the captured ``softwareVersion``) name the device's
        column in the matrix; ``source`` says whose splicer and where (``"FOH rack,
        a touring H9"``); ``date`` defaults to the day it was taken. Written to ``path``
        (a file, or a folder where ``<id>.json`` is written) when given. Calls that got
        no reply (a transport error) are left out: they say nothing of the firmware.
        """
        data, anon = _anonymize(self.to_dict())
        firmware = str(self.firmware or "") if firmware is None else str(firmware)
        day = self.taken_at[:10] if date is None else date
        model_name = model or (f"model id {self.model_id}" if self.model_id is not None else "")
        fid = evidence_id or _slug("-".join(p for p in (model_name, firmware, day) if p))
        answered = [c for c in data["calls"] if c.get("status") is not None]
        for n, call in enumerate(answered):
            call["id"] = str(n)
            call["elapsed"] = 0
        data.update(
            calls=answered,
            root="",  # where the splicer stood on the venue's network: not evidence
            evidence={
                "id": fid or "my-splicer",
                "source": {
                    "name": source or "a capture by openapi_magic",
                    "repository": "",
                    "path": "",
                    "document": "openapi_magic capture (Capture.to_evidence)",
                },
                "kind": "device",
                "model": model_name,
                "firmware": firmware,
                "date": day,
                "obtained": "captured",
                "summary": f"{len(answered)} replies of a real splicer, captured read-only.",
                "notes": list(notes),
            },
        )
        where = "this capture's evidence"
        made = evidence_from_dict(data, where)
        checklist = _checklist(self, data, anon, len(self.calls) - len(answered))
        written = None
        if path is not None:
            written = Path(path).expanduser()
            if written.is_dir():
                written = written / f"{made.id}.json"
            text = json.dumps(data, ensure_ascii=False, indent=1)
            written.write_text(text + "\n", encoding="utf-8")
        return EvidenceDraft(made, data, checklist, written)

    # ------------------------------------------------------------------ diff

    def diff(self, other: Any, *, volatile: Any = None, **capture_options: Any) -> CaptureDiff:
        """What changed from ``other`` to this capture (see :mod:`openapi_magic.ops._capture_diff`).

        ``other`` is an older :class:`Capture`; or a client, profile or simulated
        splicer, which is captured now (with ``capture_options``) and taken as the
        newer side: ``soundcheck.diff(client)`` says what changed on the wall since.
        """
        from ._capture_diff import diff_captures

        if isinstance(other, _format.Capture):
            return diff_captures(other, self, volatile=volatile)
        capture_options.setdefault("anonymize", self.is_anonymized)
        live = capture(other, **capture_options)
        return diff_captures(self, live, volatile=volatile)


class EvidenceDraft(Shown):
    """A capture made into an evidence registry file: ``data`` (the JSON, as written to
    ``path``), ``file`` (as the registry reads it), and ``checklist``, the lines to
    review before sending it (what is kept, what was replaced, what to look over)."""

    def __init__(
        self, file: EvidenceFile, data: dict, checklist: list[str], path: Path | None
    ) -> None:
        self.file = file
        self.data = data
        self.checklist = list(checklist)
        self.path = path

    def __repr__(self) -> str:
        head = f"Evidence {self.file.id!r}" + (f" in {self.path}" if self.path else "")
        return safe_text("\n".join([head + ": review before sending"] + self.checklist))

    def _repr_markdown_(self) -> str:
        head = f"**Evidence `{_md(self.file.id)}`**: review before sending"
        return "\n".join([head, ""] + [f"- {_md(line[2:])}" for line in self.checklist])

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{esc(line[2:])}</li>" for line in self.checklist)
        return (
            f"<div><b>Evidence {esc(self.file.id)}</b>: review before sending<ul>{items}</ul></div>"
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.")


def _names(obj: Any, found: set[str]) -> None:
    """Every text under a key ending in ``name`` (screens', inputs', presets' names)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, str) and str(k).lower().endswith("name") and v.strip():
                found.add(v)
            else:
                _names(v, found)
    elif isinstance(obj, list):
        for v in obj:
            _names(v, found)


def _checklist(made: Capture, data: dict, anon: _Anonymizer, dropped: int) -> list[str]:
    """What a person checks before sending evidence: no real value appears here, only
    counts and placeholders."""
    calls = data["calls"]
    failed = sum(1 for c in calls if c.get("status") != 0)
    meta = data["evidence"]
    replaced = [
        f"{what}: {len(values)} (as {example}…)"
        for values, what, example in (
            (anon.serials, "serial numbers", "SN-ANON-0001"),
            (anon.macs, "MAC addresses", "00:00:5E:00:53:01"),
            (anon.ips, "IP addresses", "192.0.2.1"),
            (anon.hosts, "host names", "splicer.example"),
        )
        if values
    ]
    names: set[str] = set()
    _names([c.get("reply") for c in calls], names)
    lines = [
        f"- Kept: {plural(len(calls), 'call')} to {plural(len(made.interfaces()), 'interface')} "
        f"({failed} failed, with their status and msg), the request bodies, the replies' "
        f"bodies; model {meta['model'] or 'not given'}, firmware "
        f"{meta['firmware'] or 'not given'}, date {meta['date'] or 'not given'}.",
        "- Replaced: "
        + ("; ".join(replaced) or "nothing looked like a serial number, MAC or IP address")
        + ".",
        "- Left out: the root URL, the timings"
        + (f", {plural(dropped, 'call')} that got no reply" if dropped else "")
        + " (a capture never holds the secretKey, a sign or a ciphertext).",
        f"- Look over by eye: {plural(len(names), 'name')} kept as the splicer gave them "
        "(screens, inputs, presets, layers): rename any that say which venue or show it is.",
        "- Send: attach the file to an issue or pull request (in openapi_magic/evidence/"
        "registry/). It adds this firmware's column to the matrix, makes the interfaces it "
        "answered 0 capture-confirmed in the catalog, and may become a firmware profile.",
    ]
    return lines


# --------------------------------------------------------------------------- the demo capture

#: The root URL written into the shipped demo capture (the documented port of a real splicer).
DEMO_CAPTURE_ROOT = "http://127.0.0.1:8000/open/api"


def capture_demo(path: str | os.PathLike | None = None) -> Capture:
    """A capture of the bundled simulated splicer (demo seed, default firmware), made now.

    What ships in the package (``openapi_magic.server._replay.demo_capture_path()``) so the
    replay tutorial runs with no file of the user's. Timings, ``taken_at`` and the root
    URL are fixed (zero, ``""``, :data:`DEMO_CAPTURE_ROOT`) so the same code gives the same
    file byte for byte: a test regenerates it and checks the shipped one is current.
    Written to ``path`` when given.
    """
    from ..server import serve

    with serve() as splicer:
        made = capture(splicer, quiet=True)
    for call in made.calls:
        call.elapsed = 0.0
    made.seconds, made.taken_at, made.root = 0.0, "", DEMO_CAPTURE_ROOT
    if path is not None:
        made.save(path)
    return made


# --------------------------------------------------------------------------- capturing


def capture(
    target: Any,
    *,
    anonymize: bool = False,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_records: int = DEFAULT_MAX_RECORDS,
    quiet: bool = False,
    device_id: int = DEFAULT_DEVICE_ID,
    profiles_file: str | None = None,
    catalog: Catalog | None = None,
) -> Capture:
    """Read a splicer read-only and return a :class:`Capture` (see the module docstring).

    ``target`` is a :class:`Client`, a profile name or :class:`Profile` (as
    ``profiles.ini`` holds them), or a running simulated splicer. ``max_seconds``
    bounds the whole capture, ``max_bytes`` the bytes of replies it keeps (as
    received; then it stops and is marked partial, saying why); ``max_records``
    how many records of one list are followed (the rest are not read, and the
    capture is marked partial); ``quiet`` hides the progress bar; ``anonymize``
    replaces serials, MAC and IP addresses.
    """
    try:
        budget = float(max_seconds)
    except (TypeError, ValueError):
        budget = float("nan")
    if not budget > 0:
        raise CaptureError(
            f"max_seconds must be a positive number of seconds, not {max_seconds!r}."
        )
    for name, value in (("max_bytes", max_bytes), ("max_records", max_records)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise CaptureError(f"{name} must be a positive whole number, not {value!r}.")
    client, _ = to_client(target, profiles_file=profiles_file)
    try:
        result = _Capturer(
            client,
            catalog or load_catalog(),
            budget,
            quiet,
            device_id,
            max_bytes=max_bytes,
            max_records=max_records,
        ).run()
    finally:
        if client is not target:
            client.close()
    return result.anonymized() if anonymize else result


class _Capturer:
    """One capture run: the plan (stages by ids needed), the budget and the calls."""

    def __init__(
        self,
        client: Client,
        catalog: Catalog,
        budget: float,
        quiet: bool,
        device_id: int,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_records: int = DEFAULT_MAX_RECORDS,
    ) -> None:
        self.client = client
        self.max_bytes = max_bytes
        self.max_records = max_records
        #: Bytes of replies kept so far (as received), against ``max_bytes``.
        self.kept = 0
        #: Why some records were not followed (the capture is then partial too).
        self.cuts: list[str] = []
        self.catalog = catalog
        self.budget = budget
        self.quiet = quiet
        self.device_id = device_id
        self.calls: list[Call] = []
        self.skipped: dict[str, str] = {}
        self.stop_reason = ""
        self.start = time.monotonic()

    def run(self) -> Capture:
        from .fleet import _Progress  # the fleet's tqdm.auto bar, shared

        taken_at = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        reads = []
        for iface in self.catalog:
            if self.catalog.is_read(iface.path):
                reads.append(iface)
        # main/initStatus first, then by the number of ids needed (lists before details).
        reads.sort(key=lambda i: (i.path != "main/initStatus", len(_id_fields(i))))
        bar = _Progress(not self.quiet, len(reads), "capture")
        try:
            for iface in reads:
                if not self.stop_reason:
                    for body in self._bodies(iface):
                        if self._out_of_time() or self._out_of_bytes():
                            break
                        self._send(iface, body)
                        if self.stop_reason:
                            break
                if self.stop_reason and iface.path not in self._called():
                    self.skipped.setdefault(iface.path, "not reached: " + self.stop_reason)
                failed = sum(1 for c in self.calls if not c.ok)
                bar.step(len(self.calls) - failed, failed)
        finally:
            bar.close()
        init = next((c for c in self.calls if c.interface == "main/initStatus" and c.ok), None)
        info = init.reply if init is not None and isinstance(init.reply, dict) else {}
        return Capture(
            calls=list[_format.Call](self.calls),
            model_id=info.get("mainModelId"),
            firmware=info.get("softwareVersion"),
            taken_at=taken_at,
            seconds=time.monotonic() - self.start,
            partial=bool(self.stop_reason or self.cuts),
            partial_reason="; ".join(filter(None, [self.stop_reason, *self.cuts])),
            skipped=self.skipped,
            root=self.client.root,
            encrypted=self.client.encrypt,
        )

    def _called(self) -> set[str]:
        return {c.interface for c in self.calls}

    def _out_of_time(self) -> bool:
        if time.monotonic() - self.start >= self.budget:
            self.stop_reason = (
                f"stopped after max_seconds={self.budget:g} s ({len(self.calls)} calls made)"
            )
        return bool(self.stop_reason)

    def _out_of_bytes(self) -> bool:
        if not self.stop_reason and self.kept >= self.max_bytes:
            self.stop_reason = (
                f"stopped after max_bytes={self.max_bytes:,} ({self.kept:,} bytes of "
                f"replies kept, {len(self.calls)} calls made)"
            )
        return bool(self.stop_reason)

    def _base(self, iface: Interface) -> dict:
        """``deviceId`` and any required non-id field, from the catalog's example."""
        example = iface.example_body()
        needed = set(_id_fields(iface))
        body: dict = {"deviceId": self.device_id}
        for f in iface.fields:
            if f.required and f.name not in needed and f.name != "deviceId" and f.name in example:
                body[f.name] = example[f.name]
        return body

    def _bodies(self, iface: Interface) -> list[dict]:
        """The bodies to send for ``iface`` (the follow rule of the module docstring)."""
        need = _id_fields(iface)
        base = self._base(iface)
        if not need:
            return [base]
        bodies: dict[str, dict] = {}
        for call in self.calls:
            given = call.ids()
            if not call.ok or not set(given) <= set(need):
                continue
            missing = [n for n in need if n not in given]
            if len(missing) != 1:
                continue
            rows, key = find_records(call.reply, None, _records_hint(call.interface, self.catalog))
            if not isinstance(rows, list):
                continue
            module = call.interface.split("/", 1)[0]
            for row in rows:
                if missing[0] in own_id_keys(row, key, module) and _valid_id(row[missing[0]]):
                    values = {**given, missing[0]: row[missing[0]]}
                    body = {**base, **{n: values[n] for n in need}}
                    bodies.setdefault(_body_key(body), body)
        if len(bodies) > self.max_records:
            self.cuts.append(
                f"{iface.path}: followed the first max_records={self.max_records:,} of "
                f"{len(bodies):,} records"
            )
        if bodies:
            return list(bodies.values())[: self.max_records]
        listers = {n: self._listers(n) for n in need}
        unlisted = [n for n in need if not listers[n]]
        example = iface.example_body()
        if len(need) == 1 and unlisted and need[0] in example:
            return [{**base, need[0]: example[need[0]]}]
        why = (
            f"no read interface lists {' or '.join(unlisted)}"
            if unlisted
            else f"the lists that hold them ({', '.join(sorted(set().union(*listers.values())))}) "
            "failed or are empty"
        )
        self.skipped[iface.path] = f"no {' and '.join(need)} to follow: {why}"
        return []

    def _listers(self, id_name: str) -> set[str]:
        """The read interfaces whose list is named for ``id_name`` (``screenId`` → screens)."""
        stem = id_name[:-2].lower()
        return {
            i.path
            for i in self.catalog
            if self.catalog.is_read(i.path)
            and (
                (i.records or "").lower().endswith(stem + "s")
                or (not i.records and i.module.lower() == stem)
            )
        }

    def _send(self, iface: Interface, body: dict) -> None:
        _guard(iface, self.catalog)
        remaining = self.budget - (time.monotonic() - self.start)
        timeout = max(0.05, min(self.client.timeout, remaining))
        started = time.perf_counter()
        try:
            result = self.client.call(iface.path, body, timeout=timeout, origin="capture")
        except OpenAPIError as exc:
            failed = _failed_call(iface.path, body, exc, time.perf_counter() - started)
            self.kept += len(failed.error) + len(failed.msg)
            self.calls.append(failed)
            if isinstance(exc, ConnectError):
                self.stop_reason = f"the splicer could not be reached ({exc.message})"
            return
        self.kept += len(result.raw_text or "")
        self.calls.append(
            Call(
                interface=iface.path,
                body=body,
                status=result.status,
                msg=result.msg or "",
                reply=result.body,
                http_status=result.http_status,
                elapsed=result.elapsed,
                envelope=_format.envelope_shape(result.response_envelope),
            )
        )


def _failed_call(path: str, body: dict, exc: OpenAPIError, elapsed: float) -> Call:
    """A call that raised: status and msg from the envelope when one arrived; no ciphertext."""
    envelope = exc.response_envelope
    status, msg = None, ""
    if isinstance(envelope, dict):
        raw = envelope.get("status", envelope.get("status "))
        if isinstance(raw, int) and not isinstance(raw, bool):
            status = raw
        elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            status = int(raw)
        msg = str(envelope.get("msg") or "")
        if status == 0:  # a success whose body did not open: keep it a failure here
            status = None
    text = exc.message
    # An error message may quote what arrived; the envelope's sign and (encrypted) body
    # must not come along into the capture.
    for env in (envelope, exc.request_envelope):
        if isinstance(env, dict):
            for key in ("sign", "body"):
                value = env.get(key)
                if isinstance(value, str) and len(value) >= 8:
                    text = text.replace(value, "…")
    return Call(
        interface=path,
        body=body,
        status=status,
        msg=msg,
        reply=None,
        http_status=exc.http_status,
        elapsed=elapsed,
        error=f"{type(exc).__name__}: {text}",
        envelope=_format.envelope_shape(envelope),
    )


def _records_hint(interface: str, catalog: Catalog | None = None) -> str | None:
    return (catalog or load_catalog()).records_hint(interface)


# --------------------------------------------------------------------------- anonymizing

_SERIAL_KEY = re.compile(r"^(sn|serial.*|.*Sn|.*SN|.*Serial.*)$")
#: Keys naming a MAC address: ``mac``, ``MAC``, ``cardMac``, ``mac_addr``, ``macAddress``.
_MAC_KEY = re.compile(r"(?:^|[^A-Za-z])[Mm][Aa][Cc](?![a-z])|Mac(?![a-z])|MAC")
_IP_KEY = re.compile(r"(?i)^(ip|.*Ip|ip.*addr.*|gateway|dns.*)$")
#: Keys naming a host: its name says which venue it is.
_HOST_KEY = re.compile(r"(?i)^(host|.*host|host.?name)$")
_HEX2 = "[0-9A-Fa-f]{2}"
_HEX4 = "[0-9A-Fa-f]{4}"
#: A MAC address in any of the forms firmware writes it: ``3c:52:82:1a:2b:3c``,
#: ``3C-52-82-1A-2B-3C``, ``3c52.821a.2b3c``, ``3c52821a2b3c`` (whole tokens only).
_MAC = re.compile(
    rf"(?<![0-9A-Za-z:.-])(?:{_HEX2}([:-])(?:{_HEX2}\1){{4}}{_HEX2}"
    rf"|{_HEX4}\.{_HEX4}\.{_HEX4}|[0-9A-Fa-f]{{12}})(?![0-9A-Za-z:-]|\.[0-9A-Fa-f])"
)
#: Without separators, twelve hex digits are judged a MAC anywhere only when they mix
#: letters and digits (twelve digits alone may be a date or a count); under a MAC key, always.
_BARE_MAC = re.compile(r"[0-9A-Fa-f]{12}")
#: An IPv4 address, zero-padded octets too, after an underscore (``foh_10.23.45.67``)
#: but not a letter (``v1.0.3.4`` is a version); the octets' range is judged by
#: :meth:`_Anonymizer.ip`.
_IPV4 = re.compile(r"(?<![0-9A-Za-z.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9A-Za-z]|\.\d)")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")
_DOC_NETS = [
    ipaddress.ip_network(n)
    # The documentation ranges, and 198.18/15 where placeholders past the 762nd go.
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "198.18.0.0/15", "2001:db8::/32")
]
_SERIAL_PLACEHOLDER = re.compile(r"^SN-ANON-\d{4,}$")
_MAC_PLACEHOLDER = "00:00:5E:00:"
_HOST_PLACEHOLDER = re.compile(r"^(splicer|host-\d+)\.example$")
#: Keys whose values are version strings (``1.0.3.4`` reads like an address): only a
#: private address is judged one there; known serials and MAC addresses are replaced.
_VERSION_KEY = re.compile(r"(?i)version")
#: A serial (or host name) this short is replaced only under its own key: as a token in
#: any text it would rewrite ordinary words and numbers (``"sn": "1"``, ``"Screen 1 of 10"``).
_MIN_SERIAL_TOKEN = 5


def _ipv4_text(value: str) -> str | None:
    """``value`` as a dotted IPv4 address without zero padding, or None if it is not one."""
    parts = value.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 for p in parts):
        return None
    octets = [int(p) for p in parts]
    return ".".join(map(str, octets)) if all(o <= 255 for o in octets) else None


class _Anonymizer:
    """Stable placeholders: the same real value → the same placeholder in one capture.

    Values are judged wherever they appear (dictionary keys too): a key name only
    widens what is judged (a bare number under ``ip`` is an address, a name under
    ``host`` a host name, twelve digits under ``mac`` a MAC address).
    """

    def __init__(self) -> None:
        #: Serials by their case-folded text → placeholder.
        self.serials: dict[str, str] = {}
        self.macs: dict[str, str] = {}
        self.ips: dict[str, str] = {}
        #: Host names (the root URL's, values under ``host``) → ``splicer.example``,
        #: ``host-2.example``…: a venue's DNS name says who it is.
        self.hosts: dict[str, str] = {}
        self._tokens: re.Pattern[str] | None = None

    # ------------------------------------------------------------ one value of a kind

    def serial(self, value: str) -> str:
        if _SERIAL_PLACEHOLDER.match(value) or not value.strip():
            return value
        key = value.casefold()
        if key not in self.serials:
            self.serials[key] = f"SN-ANON-{len(self.serials) + 1:04d}"
            self._tokens = None
        return self.serials[key]

    def host(self, value: str) -> str:
        if not value or _HOST_PLACEHOLDER.match(value) or value == "localhost":
            return value
        key = value.casefold()
        if key not in self.hosts:
            first = not self.hosts
            self.hosts[key] = "splicer.example" if first else f"host-{len(self.hosts) + 1}.example"
            self._tokens = None
        return self.hosts[key]

    def mac(self, value: str) -> str:
        digits = re.sub(r"[^0-9A-Fa-f]", "", value).upper()
        norm = ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))
        if len(digits) != 12 or norm.startswith(_MAC_PLACEHOLDER):
            return value
        if norm not in self.macs:
            n = len(self.macs) + 1
            self.macs[norm] = f"{_MAC_PLACEHOLDER}{0x53 + n // 256:02X}:{n % 256:02X}"
        return self.macs[norm]

    def ip(self, value: str) -> str:
        try:
            addr = ipaddress.ip_address(_ipv4_text(value) or value)
        except ValueError:
            return value
        if (
            addr.is_loopback
            or addr.is_unspecified
            or any(addr in n for n in _DOC_NETS if n.version == addr.version)
            or (addr.version == 4 and _is_netmask(int(addr)))
        ):
            return value
        key = str(addr)
        if key not in self.ips:
            n = len(self.ips) + 1
            if addr.version == 6:
                self.ips[key] = f"2001:db8::{n:x}"
            elif n <= 254 * 3:
                net = ("192.0.2.", "198.51.100.", "203.0.113.")[(n - 1) // 254]
                self.ips[key] = f"{net}{(n - 1) % 254 + 1}"
            else:
                self.ips[key] = f"198.18.{n // 256 % 256}.{n % 256}"
        return self.ips[key]

    # ------------------------------------------------------------ text

    def text(self, value: str, *, version: bool = False) -> str:
        """Every MAC, IP address, known serial and host name in ``value``, as whole tokens.

        ``version``: the text is a version string (``1.0.3.4`` reads like an address),
        so only a private address there is judged one."""
        value = _MAC.sub(self._mac_token, value)
        value = _IPV4.sub(lambda m: self._ipv4(m.group(0), version), value)
        value = _IPV6.sub(lambda m: self._ipv6(m.group(0)), value)
        tokens = self._token_pattern()
        if tokens is not None:
            value = tokens.sub(self._known_token, value)
        return value

    def _mac_token(self, m: re.Match) -> str:
        token = m.group(0)
        if _BARE_MAC.fullmatch(token) and not (
            re.search("[A-Fa-f]", token) and re.search("[0-9]", token)
        ):
            return token
        return self.mac(token)

    def _token_pattern(self) -> re.Pattern[str] | None:
        # The known serials and host names as one pattern of whole tokens, longest first,
        # in any letter case; rebuilt only when a new one is learnt.
        if self._tokens is None:
            known = [
                k
                for k in [*self.serials, *self.hosts]
                # the root URL's host is the venue's name whatever its length
                if len(k) >= _MIN_SERIAL_TOKEN or self.hosts.get(k) == "splicer.example"
            ]
            if not known:
                return None
            alternatives = "|".join(map(re.escape, sorted(known, key=len, reverse=True)))
            self._tokens = re.compile(
                rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])", re.IGNORECASE
            )
        return self._tokens

    def _known_token(self, m: re.Match) -> str:
        key = m.group(0).casefold()
        return self.serials.get(key) or self.hosts.get(key) or m.group(0)

    def _ipv4(self, token: str, version: bool) -> str:
        plain = _ipv4_text(token)
        if plain is None or (version and not ipaddress.ip_address(plain).is_private):
            return token
        return self.ip(token)

    def _ipv6(self, token: str) -> str:
        if not re.search(r"[0-9A-Fa-f]", token) or token.count(":") < 2:
            return token
        return self.ip(token)

    # ------------------------------------------------------------ walking

    def collect(self, obj: Any, key: str = "") -> None:
        """First pass: the serials and host names named by their keys (they are then
        replaced anywhere)."""
        if isinstance(obj, dict):
            for k, v in obj.items():
                self.collect(v, str(k))
        elif isinstance(obj, list):
            for v in obj:
                self.collect(v, key)
        elif isinstance(obj, bool) or not isinstance(obj, (str, int)) or not key:
            return
        elif _SERIAL_KEY.match(key):
            self.serial(str(obj))
        elif _HOST_KEY.match(key) and isinstance(obj, str) and self._is_host_name(obj):
            self.host(obj)

    @staticmethod
    def _is_host_name(value: str) -> bool:
        return bool(
            re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*", value)
        ) and bool(re.search("[A-Za-z]", value) and not _ipv4_text(value))

    def walk(self, obj: Any, key: str = "") -> Any:
        if isinstance(obj, dict):
            return {self.walk_key(k): self.walk(v, str(k)) for k, v in obj.items()}
        if isinstance(obj, list):
            if key and _IP_KEY.match(key) and _is_byte_quad(obj):
                return [int(p) for p in self.ip(".".join(map(str, obj))).split(".")]
            return [self.walk(v, key) for v in obj]
        if isinstance(obj, bool) or obj is None or isinstance(obj, float):
            return obj
        if key and _SERIAL_KEY.match(key):
            return self.serial(str(obj))
        if isinstance(obj, int):
            return self._int(obj, key)
        if not isinstance(obj, str):
            return obj
        if key and _MAC_KEY.search(key) and _BARE_MAC.fullmatch(obj):
            return self.mac(obj)
        if key and _HOST_KEY.match(key) and self._is_host_name(obj):
            return self.host(obj)
        return self.text(obj, version=bool(key and _VERSION_KEY.search(key)))

    def walk_key(self, key: Any) -> Any:
        """A dictionary key judged as any text is (a serial, MAC or IP used as a key)."""
        return self.text(key) if isinstance(key, str) else key

    def _int(self, value: int, key: str) -> Any:
        # A number is judged by what it repeats (a known serial) or where it stands
        # (an address under an IP key): a bare number says nothing by itself.
        text = str(value)
        if len(text) >= _MIN_SERIAL_TOKEN and text in self.serials:
            return self.serials[text]
        if key and _IP_KEY.match(key) and 0 < value < 2**32:
            placeholder = self.ip(str(ipaddress.IPv4Address(value)))
            return int(ipaddress.IPv4Address(placeholder))
        return value


def _is_byte_quad(value: list) -> bool:
    return len(value) == 4 and all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value
    )


def _is_netmask(value: int) -> bool:
    inverted = ~value & 0xFFFFFFFF
    return value != 0 and (inverted & (inverted + 1)) == 0 and value >> 24 == 0xFF


def anonymize(data: dict) -> dict:
    """A saved capture (``Capture.to_dict()``) with serials, MAC and IP addresses and host
    names replaced.

    Values are judged wherever they appear, dictionary keys included, not only under
    known keys. Serials are learnt by key name (``sn``, ``…Sn``, ``serial…``) and then
    replaced wherever they appear as a whole token, in any letter case, a number
    repeating one too (a serial shorter than five characters only under its own key,
    so ``"sn": "1"`` does not rewrite every ``1``). MAC addresses in any form
    (``3c:52:82:1a:2b:3c``, ``3C-52-…``, ``3c52.821a.2b3c``, ``3c52821a2b3c``) and IP
    addresses (zero-padded, after an underscore, IPv6) are found by pattern in any
    text; under an IP key a number or a list of four bytes is an address too. The
    root URL's host name and host names under ``host`` keys become ``splicer.example``,
    ``host-2.example``…, wherever they appear. The same real value gets the same
    placeholder throughout (``SN-ANON-0001``; MACs ``00:00:5E:00:53:01``, the
    documentation range of RFC 7042; IPv4 ``192.0.2.1``…, RFC 5737; IPv6
    ``2001:db8::1``), so ids and cross-references survive; placeholders are numbered
    in order of appearance. Kept as they are: netmasks, loopback and unspecified
    addresses, version strings (only a private address is judged one under a
    ``…version…`` key), and values that are already
    placeholders (anonymizing twice changes nothing).
    """
    return _anonymize(data)[0]


def _anonymize(data: dict) -> tuple[dict, _Anonymizer]:
    """:func:`anonymize`, and the anonymizer that did it (what it replaced, counted)."""
    anon = _Anonymizer()
    host = urllib.parse.urlsplit(str(data.get("root") or "")).hostname or ""
    if host and not _ipv4_text(host) and ":" not in host:
        anon.host(host)
    calls = data.get("calls", [])
    anon.collect(calls)
    anon.collect(data.get("skipped", {}))
    out = dict(data)
    out["calls"] = anon.walk(calls)
    for key in ("root", "partial_reason"):
        if isinstance(out.get(key), str):
            out[key] = anon.text(out[key])
    out["skipped"] = anon.walk(out.get("skipped", {}))
    out["anonymized"] = True
    return out, anon


# --------------------------------------------------------------------------- helpers


def _tally(values: Any) -> str:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{v} ×{n}" for v, n in counts.items())
