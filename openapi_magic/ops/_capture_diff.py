"""What changed between two captures, per interface, record and field.

``new.diff(old)`` (:meth:`Capture.diff <openapi_magic.ops._captures.Capture.diff>`)
returns a :class:`CaptureDiff`: a DataFrame with one row per change (interface,
record, field, old, new, change = added / removed / changed) and a short text
summary ("screen/readDetail: screen 1 brightness 80 → 35").

How calls and records are matched:

- Calls by interface and request body (key order aside): the same read on both
  sides. A call on one side only is one ``added``/``removed`` row.
- A status or msg that changed is one row (field ``status``/``msg``); the bodies
  of a call that failed on either side are not compared field by field.
- Records of a list reply by their own id, named after the list as the capture
  follows ids (``screens`` → ``screenId``, ``screenLayers`` → ``layerId``, a bare
  ``bkg`` list → ``bkgId``; see :func:`~openapi_magic.core.capture_format.own_id_keys`); else
  by another ``…Id`` field that every record has and that is unique; else by
  position. Lists inside a record (``powerList``, ``fanList``…) the same way.
- A record is named by the request's ids and its own (``screen 0 · layer 2``).

Volatile fields are left out by default: :data:`VOLATILE_FIELDS` names the
health readings that change from one read to the next on a healthy device
(temperatures, fan speeds, PSU voltages). Pass ``volatile=()`` to compare them
too. The capture's own timestamps (``taken_at``, ``seconds``, each call's
``elapsed``) are never compared: they describe the capture, not the splicer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..client._result import find_records
from ..core._lazy import pandas as pd
from ..core.capture_format import Call, Capture, call_key, compact, own_id_keys
from ..core.catalog import load_catalog
from ..render._tables import (
    _DIM,
    _FOOT,
    STYLE,
    Cut,
    Shown,
    View,
    _md,
    cut_text,
    cuts_html,
    esc,
    esc_code,
    frame_view,
    grid_html,
    inert,
    json_cell,
    markdown_grid,
    safe_text,
    text_width,
    wrap,
)

__all__ = ["VOLATILE_FIELDS", "CaptureDiff", "Change", "diff_captures"]

#: Field names (last part of a path, case-insensitive) left out of a diff by default:
#: readings that move on a healthy device. ``temp`` may be degrees or a status code
#: (FIELD-EVIDENCE: unresolved); either way it is a reading, not a setting.
VOLATILE_FIELDS = ("temp", "temperature", "backboardTemperature", "voltage", "speed")
COLUMNS = ["interface", "record", "field", "old", "new", "change"]
#: Changes a diff's views show (all in ``changes``, ``df`` and ``summary()``).
_SHOWN = 50
#: Where a diff's views send the reader for the rest (every change, values whole).
_DRILL = "Every change, values whole: `diff.changes` · `diff.df` · `diff.summary()`"


@dataclass(frozen=True)
class Change:
    """One difference: where (interface, record, field) and what (old → new)."""

    interface: str
    record: str
    field: str
    old: Any
    new: Any
    change: str  # "added", "removed" or "changed"

    def sentence(self) -> str:
        """``screen 1 brightness 80 → 35``; ``screen 0 preset 4 added`` (what the
        splicer sent through :func:`~openapi_magic.render.safe_text`; values past 60
        characters end in ``…``, whole in :attr:`old`/:attr:`new`)."""
        what = " ".join(p for p in (self.record, self.field) if p)
        if self.change == "changed":
            line = f"{what} {_value(self.old)} → {_value(self.new)}"
        elif self.change == "added":
            line = f"{what} added" + (f" ({_value(self.new)})" if self.field else "")
        else:
            line = f"{what} removed" + (f" (was {_value(self.old)})" if self.field else "")
        return safe_text(line)


class CaptureDiff(Shown):
    """The changes from an old capture to a new one; empty (falsy) when they agree.

    ``df`` is the table (interface, record, field, old, new, change); ``summary()``
    the text, one line per change; ``changes`` the :class:`Change` objects.
    """

    def __init__(
        self, changes: list[Change], *, compared: int, volatile: tuple, notes: list[str]
    ) -> None:
        self.changes = list(changes)
        self.compared = compared
        self.volatile = tuple(volatile)
        self.notes = list(notes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __iter__(self):
        return iter(self.changes)

    @property
    def df(self) -> pd.DataFrame:
        """One row per change: interface, record, field, old, new, change."""
        # object columns: old/new keep their JSON values (80 stays 80, not 80.0 beside a None)
        return pd.DataFrame(
            {k: pd.Series([getattr(c, k) for c in self.changes], dtype=object) for k in COLUMNS},
            columns=COLUMNS,
        )

    def headline(self) -> str:
        """``3 changes in 75 calls compared`` or the plain statement that nothing changed."""
        ignored = f" (volatile fields ignored: {', '.join(self.volatile)})" if self.volatile else ""
        if not self.changes:
            return f"No differences: the captures agree on all {self.compared} calls{ignored}."
        n = len(self.changes)
        return f"{n} change{'s' if n != 1 else ''} in {self.compared} calls compared{ignored}."

    def summary(self) -> str:
        """The headline, the notes and one line per change (``interface: sentence``),
        every change (the views show the first :data:`_SHOWN`)."""
        lines = [self.headline(), *(f"Note: {n}" for n in self.notes)]
        lines += [f"{c.interface}: {c.sentence()}" for c in self.changes]
        return safe_text("\n".join(lines))

    def _view(self) -> View:
        """The first :data:`_SHOWN` changes as a table, old and new as short JSON."""
        shown = self.changes[:_SHOWN]
        frame = pd.DataFrame(
            {
                "interface": [c.interface for c in shown],
                "record": [c.record for c in shown],
                "field": [c.field for c in shown],
                "old": [None if c.change == "added" else _cell(c.old) for c in shown],
                "new": [None if c.change == "removed" else _cell(c.new) for c in shown],
                "change": [c.change for c in shown],
            },
            columns=COLUMNS,
        )
        view = frame_view(frame, None, where="`diff.df`", what="changes")
        if len(shown) < len(self.changes):
            view.cuts.insert(0, _rows_cut(len(shown), len(self.changes)))
            view.total = len(self.changes)
        return view

    def to_text(self, width: int | None = None) -> str:
        """The headline, the notes and the first changes, one line each, as plain text
        no wider than ``width`` (the terminal's by default)."""
        width = text_width() if width is None else width
        lines = [self.headline(), *(f"Note: {n}" for n in self.notes)]
        lines += [f"{c.interface}: {c.sentence()}" for c in self.changes[:_SHOWN]]
        lines = [wrap(inert(line), width) for line in lines]
        cut = cut_text(min(_SHOWN, len(self.changes)), len(self.changes), "changes", _HOW)
        if cut:
            lines.append(wrap(f"({cut})", width))
        if self.changes:
            lines.append(wrap(_DRILL, width))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        lines = [f"**{_md(self.headline())}**", ""]
        lines += [f"Note: {_md(n)}" for n in self.notes]
        if self.changes:
            lines += ["", *markdown_grid(self._view()), "", _md(_DRILL, code=True)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        tone = STYLE["ok"] if not self.changes else STYLE["warn"]
        parts = [f'<div style="{tone};font-weight:bold">{esc(self.headline())}</div>']
        parts += [f'<div style="{_DIM}">Note: {esc(n)}</div>' for n in self.notes]
        if self.changes:
            view = self._view()
            parts += [grid_html(view), cuts_html(view, "change")]
            parts.append(f'<div style="{_FOOT}">{esc_code(_DRILL)}</div>')
        return '<div class="openapi-magic-diff">' + "".join(parts) + "</div>"


#: Where a diff's cut of changes sends the reader.
_HOW = "`diff.summary()` or `diff.changes`"


def _rows_cut(shown: int, total: int) -> Cut:
    return Cut("changes", shown, total, _HOW)


def _cell(value: Any) -> str:
    """A value as a diff's table shows it: JSON (``null``, ``"text"``, ``80``), nested
    records shortened and cut as every table's JSON cells are."""
    return json_cell(value)


def diff_captures(old: Capture, new: Capture, *, volatile: Any = None) -> CaptureDiff:
    """The changes from ``old`` to ``new`` (see the module docstring)."""
    skip = tuple(VOLATILE_FIELDS if volatile is None else volatile)
    differ = _Differ({name.lower() for name in skip})
    old_calls = {call_key(c.interface, c.body): c for c in old.calls}
    new_calls = {call_key(c.interface, c.body): c for c in new.calls}
    keys = list(dict.fromkeys([*new_calls, *old_calls]))
    order = {path: i for i, path in enumerate(dict.fromkeys(k[0] for k in keys))}
    keys.sort(key=lambda k: order[k[0]])  # an interface's calls together, stably
    for key in keys:
        differ.calls(old_calls.get(key), new_calls.get(key))
    notes = []
    for label, cap in (("old", old), ("new", new)):
        if cap.partial:
            notes.append(
                f"the {label} capture is partial ({cap.partial_reason}): calls it "
                "lacks show as added or removed."
            )
    if old.is_anonymized != new.is_anonymized:
        notes.append(
            "one capture is anonymized and the other is not: serials, MAC and IP "
            "addresses show as changed."
        )
    compared = sum(1 for k in keys if k in old_calls and k in new_calls)
    return CaptureDiff(differ.out, compared=compared, volatile=skip, notes=notes)


class _Differ:
    def __init__(self, volatile: set[str]) -> None:
        self.volatile = volatile
        self.out: list[Change] = []

    def add(self, interface: str, record: str, path: str, old: Any, new: Any, change: str) -> None:
        self.out.append(Change(interface, record, path, old, new, change))

    def calls(self, old: Call | None, new: Call | None) -> None:
        call = new or old
        assert call is not None
        label = _label(call.ids())
        if old is None or new is None:
            self.add(
                call.interface,
                label,
                "",
                None if old is None else old.reply,
                None if new is None else new.reply,
                "added" if old is None else "removed",
            )
            return
        if old.status != new.status or old.error.split(":")[0] != new.error.split(":")[0]:
            self.add(call.interface, label, "status", old.outcome(), new.outcome(), "changed")
            return
        if old.msg != new.msg:
            self.add(call.interface, label, "msg", old.msg, new.msg, "changed")
        if not (old.ok and new.ok):
            return
        self.reply(call, label, old.reply, new.reply)

    def reply(self, call: Call, label: str, old: Any, new: Any) -> None:
        hint = load_catalog().records_hint(call.interface)
        module = call.interface.split("/", 1)[0]
        rows_old, key_old = find_records(old, None, hint)
        rows_new, key_new = find_records(new, None, hint)
        listed = isinstance(rows_old, list) and isinstance(rows_new, list) and key_old == key_new
        if not listed:
            self.values(call.interface, label, "", old, new)
            return
        key = key_old
        if key and isinstance(old, dict) and isinstance(new, dict):
            # The reply around its list (deviceId, screenId...): one record of its own.
            rest_old = {k: v for k, v in old.items() if k != key}
            rest_new = {k: v for k, v in new.items() if k != key}
            self.values(call.interface, label, "", rest_old, rest_new)
        self.records(call.interface, label, rows_old, rows_new, key, module)

    def records(
        self, interface: str, label: str, old: list, new: list, list_key: str | None, module: str
    ) -> None:
        matched = _match(old, new, list_key, module)
        for rid, a, b in matched:
            name = " · ".join(p for p in (label, rid) if p)
            if a is _MISSING:
                self.add(interface, name, "", None, b, "added")
            elif b is _MISSING:
                self.add(interface, name, "", a, None, "removed")
            else:
                self.values(interface, name, "", a, b)

    def values(self, interface: str, record: str, path: str, old: Any, new: Any) -> None:
        last = path.rsplit(".", 1)[-1].split("[", 1)[0].lower()
        if last and (
            last in self.volatile
            or ("temperature" in self.volatile and last.endswith("temperature"))
        ):
            return
        if isinstance(old, dict) and isinstance(new, dict):
            for k in dict.fromkeys([*old, *new]):
                sub = f"{path}.{k}" if path else str(k)
                if k not in new:
                    self.add(interface, record, sub, old[k], None, "removed")
                elif k not in old:
                    self.add(interface, record, sub, None, new[k], "added")
                else:
                    self.values(interface, record, sub, old[k], new[k])
            return
        if (
            isinstance(old, list)
            and isinstance(new, list)
            and old != new
            and all(isinstance(r, dict) for r in old + new)
            and (old or new)
        ):
            for rid, a, b in _match(old, new, path.rsplit(".", 1)[-1] or None, ""):
                sub = f"{path}[{rid}]"
                if a is _MISSING:
                    self.add(interface, record, sub, None, b, "added")
                elif b is _MISSING:
                    self.add(interface, record, sub, a, None, "removed")
                else:
                    self.values(interface, record, sub, a, b)
            return
        if old != new or (type(old) is not type(new) and not _same_number(old, new)):
            self.add(interface, record, path, old, new, "changed")


_MISSING = object()


def _match(old: list, new: list, list_key: str | None, module: str) -> list[tuple[str, Any, Any]]:
    """Pair the records of two lists by their id (see the module doc): (id, old, new)."""
    key = _id_key(old + new, list_key, module, (old, new))
    if key is None:
        n = max(len(old), len(new))
        return [
            (f"#{i}", old[i] if i < len(old) else _MISSING, new[i] if i < len(new) else _MISSING)
            for i in range(n)
        ]
    a = {_hashable(r[key]): r for r in old}
    b = {_hashable(r[key]): r for r in new}
    ids = list(dict.fromkeys([*a, *b]))
    return [
        (_label({key: r[key]}), a.get(i, _MISSING), b.get(i, _MISSING))
        for i, r in ((i, a[i] if i in a else b[i]) for i in ids)
    ]


def _id_key(rows: list, list_key: str | None, module: str, sides: tuple) -> str | None:
    if not rows or not all(isinstance(r, dict) for r in rows):
        return None

    def unique(k: str) -> bool:
        return all(k in r for r in rows) and all(
            len({_hashable(r[k]) for r in side}) == len(side) for side in sides
        )

    own = list(own_id_keys(rows[0], list_key, module or ""))
    for k in own:
        if unique(k):
            return k
    for k in sorted(k for k in rows[0] if isinstance(k, str) and k.endswith("Id")):
        if unique(k):
            return k
    return None


def _hashable(value: Any) -> Any:
    try:
        hash(value)
        return value
    except TypeError:
        return json.dumps(value, sort_keys=True)


def _label(ids: dict) -> str:
    """``{"screenId": 0, "layerId": 2}`` → ``screen 0 · layer 2``."""
    return " · ".join(
        f"{k[:-2] if k.endswith('Id') and len(k) > 2 else k} {v}" for k, v in ids.items()
    )


def _same_number(a: Any, b: Any) -> bool:
    return (
        isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    )


def _value(value: Any) -> str:
    return compact(value, 60)
