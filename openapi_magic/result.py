"""The Result of one call, and how it shows itself.

A :class:`Result` keeps everything that was sent and everything that arrived,
decodes the body into a pandas DataFrame on demand, and renders itself for
notebooks (``_repr_mimebundle_``: HTML and plain text) without importing
IPython. The HTML shows one header line (outcome, vendor status and msg,
interface, time, encryption, sign verdict), the decrypted body as a table
beside the raw envelopes. Everything that came from the splicer is escaped, and
shown through :func:`safe_text` (control characters visible and inert, nothing a
kernel cannot send). Views are bounded in rows, columns, fields, cell length and
total size, with a footer saying what is not shown; the Result keeps everything.
"""

from __future__ import annotations

import html
import json
import operator
import re
from dataclasses import dataclass, field
from typing import Any

from ._lazy import pandas as pd
from .errors import SignatureError, StatusError

__all__ = ["Result", "find_records", "records_frame", "render_html", "prepared_html",
           "prepared_text", "safe_text", "shown_frame", "warnings_html", "DEFAULT_DISPLAY_LIMIT",
           "DISPLAY_COLUMNS", "DISPLAY_FIELDS", "OUTPUT_CHARS"]

#: Rows shown in a notebook unless told otherwise (jupysql's default too).
DEFAULT_DISPLAY_LIMIT = 10
#: Characters of a raw envelope shown before it is cut (the full text stays in the Result).
RAW_DISPLAY_CHARS = 20_000
#: Characters of one value shown in a table (a 50 MB Base64 image must not become 50 MB
#: of notebook output; the whole value stays in the Result).
CELL_DISPLAY_CHARS = 2_000
#: Replies longer than this (characters as received) are not pretty-printed in full
#: just to show their first RAW_DISPLAY_CHARS.
_LARGE_REPLY_CHARS = 1_000_000
#: Columns of a table shown (nested objects count their fields); all are in ``df``.
DISPLAY_COLUMNS = 50
#: Fields of a one-record (field/value) view shown; all are in ``body``.
DISPLAY_FIELDS = 200
#: Levels of nested objects flattened into dotted names in a view; deeper ones show as
#: a short JSON text (a body nested 1,000 deep must not reach Python's recursion limit).
_DISPLAY_DEPTH = 20
#: Characters of a value shown in a field/value view or a table cell holding JSON.
_VALUE_CHARS = 200
#: The most characters a table (text or HTML) of one view may take; past it the table
#: gives way to a note (the rows, columns and cells are bounded already: this bounds
#: ``display_limit=None`` on a large reply).
OUTPUT_CHARS = 2_000_000

# C0 controls but tab and newline, DEL, C1 controls (CSI \x9b, OSC \x9d...), and lone
# surrogates (valid JSON escapes, which a Java firmware can send; no kernel can encode them).
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

_NO_DATA = "no data"


def safe_text(text: Any) -> str:
    """``text`` made safe to show: control characters written as visible escapes
    (``\\x1b``, ``\\x9b``, ``\\r``...), so that no terminal or notebook acts on a window
    title, clipboard write or clear-screen sequence, and lone surrogates as ``\\ud800``
    (a kernel cannot encode them). Tabs and newlines stay; everything else is unchanged."""
    text = text if isinstance(text, str) else str(text)
    if _UNSHOWABLE.search(text) is None:
        return text
    return _UNSHOWABLE.sub(_visible, text)


def _visible(m: re.Match) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(eq=False)
class Result:
    """One call's outcome: what was sent, what arrived, and the decoded body.

    ``ok`` is true when the vendor's ``status`` is 0. ``body`` is the decoded
    (decrypted, parsed) body, ``None`` when the splicer sent no data.
    ``request_envelope`` is exactly what was sent, ``response_envelope`` exactly
    what was received (parsed JSON) and ``raw_text`` the reply text.
    ``sign_verdict`` is ``"verified"``, ``"absent"`` (normal for real splicers) or
    ``"mismatch"``. ``df`` is the body's records as a DataFrame.
    """

    interface: str
    url: str
    status: int
    msg: str
    body: Any
    request_envelope: dict
    response_envelope: Any
    raw_text: str
    http_status: int
    elapsed: float
    encrypted: bool
    sign_verdict: str
    request_body: Any = None
    headers: dict = field(default_factory=dict, repr=False)
    meaning: str | None = None
    hint: str | None = None
    #: Key (dotted for nested) of the records to tabulate; ``None`` = detect.
    records: str | None = None
    #: The catalog's records key for this interface (``""``: the body is one
    #: record); used when ``records`` is not given and the body fits it.
    records_hint: str | None = None
    #: Rows shown by the notebook display (the DataFrame always has them all).
    display_limit: int | None = DEFAULT_DISPLAY_LIMIT
    #: What the catalog doubted about the call, which was sent anyway (shown in the view).
    warnings: list = field(default_factory=list)
    #: The splicer's firmware version (``softwareVersion`` of ``main/initStatus``) when
    #: the client knew it, so a shared notebook says what it ran against.
    firmware: str | None = None
    _frame: pd.DataFrame | None = field(default=None, init=False, repr=False)
    _frame_key: Any = field(default=None, init=False, repr=False)

    # ------------------------------------------------------------------ data

    @property
    def ok(self) -> bool:
        """True when the vendor's status is 0."""
        return self.status == 0

    @property
    def df(self) -> pd.DataFrame:
        """The body's records as a DataFrame (see :meth:`to_dataframe`), cached."""
        return self.to_dataframe()

    def to_dataframe(self, records: str | None = None) -> pd.DataFrame:
        """The records in the body as a DataFrame.

        A list of records gives a row each; an object holding a list of records
        (``screens``, ``inputs``, ``screenLayers``...) gives those rows; a flat
        object gives one row; nested objects become dotted column names
        (``general.name``). ``records`` picks the list by key (dotted for
        nested, e.g. ``"device.slotList"``) when detection is not what you want.
        """
        key = records if records is not None else self.records
        if self._frame is not None and self._frame_key == key:
            return self._frame
        rows, _ = find_records(self.body, key, self.records_hint)
        frame = records_frame(rows)
        self._frame, self._frame_key = frame, key
        return frame

    def raise_for_status(self) -> "Result":
        """Raise :class:`StatusError` when the vendor's status is not 0; else return self."""
        if not self.ok:
            raise StatusError(
                self._failure_sentence(), status=self.status, msg=self.msg, meaning=self.meaning,
                hint=self.hint, url=self.url, http_status=self.http_status,
                raw_text=self.raw_text, request_envelope=self.request_envelope,
                response_envelope=self.response_envelope, result=self,
            )
        return self

    def check_sign(self) -> "Result":
        """Raise :class:`SignatureError` when the reply's sign does not match."""
        if self.sign_verdict == "mismatch":
            raise SignatureError(
                f"The reply to {self.interface} carries a sign that does not match: the reply "
                "may have been altered, or the splicer signs with another secretKey.",
                url=self.url, http_status=self.http_status, raw_text=self.raw_text,
                request_envelope=self.request_envelope,
                response_envelope=self.response_envelope, result=self,
                hint="The data is kept in error.result; compare the secretKey and encryption "
                "setting with the splicer's Settings > OpenAPI Management.",
            )
        return self

    def _failure_sentence(self) -> str:
        meaning = f" ({self.meaning})" if self.meaning and self.meaning != self.msg else ""
        msg = f": {self.msg}" if self.msg else ""
        return f"{self.interface} failed with status {self.status}{meaning}{msg}."

    # ------------------------------------------------------------------ text

    def summary(self) -> str:
        """The one header line, as plain text."""
        mark = "✔" if self.ok else "✘"
        msg = f" {_short_text(str(self.msg))!r}" if self.msg else ""  # repr: escapes shown
        meaning = f" ({safe_text(self.meaning)})" if not self.ok and self.meaning else ""
        mode = "encrypted" if self.encrypted else "plain"
        sign = "SIGN MISMATCH" if self.sign_verdict == "mismatch" else f"sign {self.sign_verdict}"
        firmware = f"  firmware {safe_text(self.firmware)}" if self.firmware else ""
        return (f"{mark} {safe_text(self.interface)}  status {self.status}{meaning}{msg}  "
                f"{self.elapsed * 1000:.1f} ms  {mode}  {sign}{firmware}")

    def __repr__(self) -> str:
        rows = ""
        if self.body is not None:
            try:  # counted without building the DataFrame (a repr must be quick)
                found, _ = find_records(self.body, self.records, self.records_hint)
                rows = f" rows={len(found) if isinstance(found, list) else 1}"
            except Exception:  # noqa: BLE001 - a repr must never raise
                rows = ""
        return (f"<Result {self.interface} {'ok' if self.ok else 'failed'} status={self.status}"
                f"{rows} {self.elapsed * 1000:.1f} ms sign={self.sign_verdict}>")

    def to_text(self) -> str:
        """Header line, hint and the table (or key/value view) as plain text."""
        return self._text(_view(self))

    def _text(self, view: _View) -> str:
        lines = [self.summary()]
        if not self.ok and self.hint:
            lines.append(f"Hint: {safe_text(self.hint)}")
        lines += [f"Catalog (sent anyway): {safe_text(w)}" for w in self.warnings]
        if view.kind == "empty":
            lines.append(f"({_NO_DATA})")
        elif view.kind == "keyvalue":
            width = max((len(f) for f in view.frame["field"]), default=0)  # {} has none
            table = "\n".join(f"{f:<{width}}  {v}"
                              for f, v in zip(view.frame["field"], view.frame["value"]))
            lines.append(_bounded(table, "result.body"))
        else:
            with pd.option_context("display.max_colwidth", 60, "display.width", 120):
                lines.append(_bounded(view.frame.to_string(index=False), "result.df"))
            if view.kind == "table" and view.shown < view.total:
                lines.append(f"(showing {view.shown} of {view.total} rows; all in result.df)")
        if view.note:
            lines.append(f"({view.note})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    # ------------------------------------------------------------------ html

    def _repr_html_(self) -> str:
        return render_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        view = _view(self)  # once for both: the shown rows' DataFrame is most of the cost
        return {"text/plain": self._text(view), "text/html": _render_html(self, view)}


# ---------------------------------------------------------------------- records


def find_records(body: Any, key: str | None = None,
                 hint: str | None = None) -> tuple[Any, str | None]:
    """Pick the rows to tabulate from a body; returns ``(rows, key)``.

    ``key`` is the user's choice (an error when absent); ``hint`` the catalog's
    (``""`` = the body is one record), used only when the body fits it;
    otherwise records are detected. ``rows`` is a list (of records or values),
    a dict (one row) or ``None``.
    """
    if body is None or body == "":
        return None, None
    if not key and hint is not None and isinstance(body, dict):
        if hint == "":
            return body, None
        if isinstance(body.get(hint), list):
            return body[hint], hint
    if key:
        node = body
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                known = ", ".join(sorted(body)) if isinstance(body, dict) else "none"
                raise KeyError(f"the body has no {key!r} to tabulate (top-level keys: {known})")
        return node, key
    if isinstance(body, list):
        return body, None
    if isinstance(body, dict):
        lists = [(k, v) for k, v in body.items()
                 if isinstance(v, list) and v and all(isinstance(r, dict) for r in v[:50])]
        if len(lists) == 1:
            return lists[0][1], lists[0][0]
        if not lists:
            empties = [k for k, v in body.items() if isinstance(v, list) and not v]
            if len(empties) == 1 and all(not isinstance(v, (list, dict)) for k, v in body.items()
                                         if k != empties[0]):
                return [], empties[0]  # e.g. {"deviceId": 0, "screens": []}
        return body, None
    return [body], None


def records_frame(rows: Any) -> pd.DataFrame:
    """A DataFrame from rows: records → one row each, nested objects flattened
    with dotted names; a dict → one row; scalars → a ``value`` column."""
    if rows is None:
        return pd.DataFrame()
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list):
        rows = [rows]
    if not rows:
        return pd.DataFrame()
    if all(isinstance(r, dict) for r in rows):
        columns = _same_shape_columns(rows)
        if columns is None:
            if any(isinstance(v, dict) for r in rows for v in r.values()):
                return pd.json_normalize(rows, sep=".")
            return pd.DataFrame.from_records(rows)
        # The columns json_normalize / from_records would build, each handed to pandas
        # as it is (no row tuples, no 2-D object array): each column is inferred on its
        # own, as theirs are, so the dtypes and values are the same.
        names = [name for name, _ in columns]
        by_name = dict(columns)
        del columns  # the dict holds the lists now
        return pd.DataFrame(by_name, columns=names)
    return pd.DataFrame({"value": rows})


def _same_shape_columns(rows: list[dict]) -> list[tuple[Any, list]] | None:
    """The columns ``pd.json_normalize(rows, sep=".")`` makes, read column by column.

    Only for records of one shape (the same keys, each key an object in every
    record or in none, recursively), which device lists are; ``None`` otherwise,
    and the general path runs. The order is json_normalize's: a record's
    non-object values first, then each object's values flattened in order.
    """
    split = _split_columns(rows)
    if split is None:
        return None
    out = [(key, col) for key, col, nested in split if not nested]
    for key, col, nested in split:
        if nested and not _nested_columns(col, f"{key}", out):
            return None
    names = [name for name, _ in out]
    if not out or len(set(names)) != len(names):  # no columns, or dotted names collide
        return None
    return out


def _split_columns(rows: list[dict]) -> list[tuple[Any, list, bool]] | None:
    first = rows[0]
    # Same number of keys everywhere, and every key of the first in each: same keys.
    # Plain dicts only (a defaultdict would grow a missing key instead of saying so).
    if set(map(type, rows)) != {dict} or len(set(map(len, rows))) != 1:
        return None
    split = []
    for key in first:
        try:
            col = list(map(operator.itemgetter(key), rows))
        except KeyError:
            return None
        kinds = [issubclass(t, dict) for t in set(map(type, col))]
        if any(kinds) and not all(kinds):
            return None
        split.append((key, col, all(kinds)))
    return split


def _nested_columns(rows: list[dict], prefix: str, out: list) -> bool:
    split = _split_columns(rows)
    if split is None:
        return False
    for key, col, nested in split:
        name = f"{prefix}.{key}" if prefix else f"{key}"
        if nested:
            if not _nested_columns(col, name, out):
                return False
        else:
            out.append((name, col))
    return True


# ---------------------------------------------------------------------- views


@dataclass
class _View:
    kind: str  # "table", "keyvalue", "empty"
    frame: pd.DataFrame
    shown: int = 0
    total: int = 0
    key: str | None = None
    note: str = ""  # what else is not shown (columns, fields), for the footer


def _view(result: Result) -> _View:
    body = result.body
    if body is None or body == "":
        return _View("empty", pd.DataFrame())
    try:
        rows, key = find_records(body, result.records, result.records_hint)
    except KeyError:
        rows, key = body, None
    if isinstance(rows, dict):
        flat, more, _ = _flatten(rows, DISPLAY_FIELDS)
        values = [safe_text(_cell(v, f"{key}.{k}" if key else k)) for k, v in flat]
        frame = pd.DataFrame({"field": [safe_text(_short_text(k)) for k, _ in flat],
                              "value": values})
        note = (f"showing the first {len(frame)} fields; more are not shown, all in result.body"
                if more else "")
        return _View("keyvalue", frame, len(frame), len(frame), key, note)
    if not isinstance(rows, list):
        frame = pd.DataFrame({"field": ["value"], "value": [safe_text(_cell(rows))]})
        return _View("keyvalue", frame, 1, 1, key)
    limit = result.display_limit
    shown = rows if limit is None or limit < 0 else rows[:limit]
    trimmed, cut = _trim_rows(shown)
    frame, hidden = shown_frame(records_frame(trimmed))
    note = ""
    if cut or hidden:
        note = (f"showing the first {len(frame.columns)} columns; "
                + (f"{hidden:,} more" if hidden and not cut else "more")
                + " are not shown, all in result.df")
    return _View("table", frame, len(frame), len(rows), key, note)


def shown_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The part of a DataFrame a view shows: its first :data:`DISPLAY_COLUMNS` columns,
    long strings cut (:data:`CELL_DISPLAY_CHARS`), names and strings through
    :func:`safe_text`. Returns it and how many columns were left out."""
    hidden = max(0, frame.shape[1] - DISPLAY_COLUMNS)
    if hidden:
        frame = frame.iloc[:, :DISPLAY_COLUMNS]
    frame = frame.copy(deep=False)
    frame.columns = [safe_text(_short_text(str(c))) if isinstance(c, str) else c
                     for c in frame.columns]
    for i, dtype in enumerate(frame.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            column = frame.iloc[:, i]
            if any(isinstance(v, str) and (len(v) > CELL_DISPLAY_CHARS
                                           or _UNSHOWABLE.search(v)) for v in column):
                frame.isetitem(i, [safe_text(_short_text(v)) if isinstance(v, str) else v
                                   for v in column])
    return frame, hidden


def _trim_rows(rows: list) -> tuple[list, bool]:
    """The rows a table is built from. Records within :data:`DISPLAY_COLUMNS` fields
    and :data:`_DISPLAY_DEPTH` levels are the rows themselves; otherwise every record
    becomes its first fields, flattened to dotted names (the names json_normalize
    gives), deeper objects as short JSON text, so that a record of a million fields, or
    nested a thousand deep, builds a small frame. Returns the rows and whether fields
    were left out."""
    flat = [_flatten(row, DISPLAY_COLUMNS) if isinstance(row, dict) else None for row in rows]
    if not any(f is not None and (f[1] or f[2]) for f in flat):
        return rows, False
    out = [row if f is None else dict(f[0]) for row, f in zip(rows, flat)]
    return out, any(f is not None and f[1] for f in flat)


def _short_text(text: str) -> str:
    if len(text) <= CELL_DISPLAY_CHARS:
        return text
    return (f"{text[:CELL_DISPLAY_CHARS]}… ({len(text) - CELL_DISPLAY_CHARS:,} more characters; "
            "all in the Result)")


def _flatten(obj: dict, limit: int) -> tuple[list[tuple[str, Any]], bool, bool]:
    """The first ``limit`` fields of ``obj``, nested objects as dotted names (in order,
    depth first), whether there were more, and whether objects nested past
    :data:`_DISPLAY_DEPTH` levels were put in as short JSON text. Iterative: no
    recursion, whatever the depth."""
    out: list[tuple[str, Any]] = []
    deep = False
    stack = [("", iter(obj.items()), 0)]
    while stack:
        prefix, items, depth = stack[-1]
        for k, v in items:
            name = f"{prefix}{k}"
            if isinstance(v, dict) and v:
                if depth + 1 < _DISPLAY_DEPTH:
                    stack.append((name + ".", iter(v.items()), depth + 1))
                    break
                v, deep = _json_head(v, _VALUE_CHARS), True
            if len(out) == limit:
                return out, True, deep
            out.append((name, v))
        else:
            stack.pop()
    return out, False, deep


def _cell(v: Any, path: str = "") -> str:
    if isinstance(v, str):
        return _short_text(v)
    if isinstance(v, list) and v and all(isinstance(r, dict) for r in v[:50]):
        return (f"{len(v)} record{'s' if len(v) != 1 else ''} "
                f"(tabulate: result.to_dataframe({path!r}) or %%openapi … -t {path})")
    return _json_head(v, _VALUE_CHARS)


def _json_head(value: Any, limit: int) -> str:
    """The first ``limit`` characters of ``value`` as JSON, without writing it all out
    (a value of a million fields, or nested past the recursion limit, included)."""
    head: list[str] = []
    size = 0
    try:
        for chunk in json.JSONEncoder(ensure_ascii=False).iterencode(value):
            head.append(chunk)
            size += len(chunk)
            if size > limit:
                return "".join(head)[:limit - 1] + "…"
    except RecursionError:
        return "".join(head)[:limit - 30] + "… (nested too deeply to show)"
    except (TypeError, ValueError):
        return _short_text(repr(value))[:limit]
    return "".join(head)


def _bounded(table: str, where: str) -> str:
    """A table's text, or a note in its place when it is past :data:`OUTPUT_CHARS`."""
    if len(table) <= OUTPUT_CHARS:
        return table
    return (f"(the table is {len(table):,} characters, past the {OUTPUT_CHARS:,} shown; "
            f"lower display_limit, or see {where})")


# ---------------------------------------------------------------------- html

_STYLE = {
    "ok": "color:#1a7f37",
    "fail": "color:#cf222e",
    "mismatch": "color:#fff;background:#cf222e;padding:0 .4em;border-radius:3px;font-weight:bold",
    "absent": "color:#57606a",
    "verified": "color:#1a7f37",
    "warn": "color:#9a6700",
}


def _esc(text: Any) -> str:
    return html.escape(safe_text(text), quote=True)


def header_html(result: Result) -> str:
    """The header line as HTML (escaped)."""
    mark = "✔" if result.ok else "✘"
    tone = _STYLE["ok"] if result.ok else _STYLE["fail"]
    msg = f" &middot; {_esc(result.msg)}" if result.msg else ""
    meaning = (f" ({_esc(result.meaning)})"
               if not result.ok and result.meaning and result.meaning != result.msg else "")
    mode = "encrypted" if result.encrypted else "plain"
    verdict = result.sign_verdict
    if verdict == "mismatch":
        sign = f'<span style="{_STYLE["mismatch"]}">SIGN MISMATCH</span>'
    elif verdict == "absent":
        sign = (f'<span style="{_STYLE["absent"]}" title="Real splicers send an empty sign; '
                f'this is normal.">sign absent</span>')
    else:
        sign = f'<span style="{_STYLE[verdict] if verdict in _STYLE else ""}">sign {_esc(verdict)}</span>'
    parts = [
        f'<span style="{tone};font-weight:bold">{mark} {"ok" if result.ok else "failed"}</span>',
        f"<code>{_esc(result.interface)}</code>",
        f"status {_esc(result.status)}{meaning}{msg}",
        f"{result.elapsed * 1000:.1f} ms",
        mode,
        sign,
    ]
    if result.firmware:
        parts.append(f"firmware {_esc(result.firmware)}")
    line = " &middot; ".join(parts)
    if not result.ok and result.hint:
        line += f'<div style="{_STYLE["fail"]}">Hint: {_esc(result.hint)}</div>'
    line += warnings_html(result.warnings)
    return f'<div class="openapi-magic-header">{line}</div>'


def warnings_html(warnings: Any) -> str:
    """The catalog's doubts about a call that was sent anyway, as HTML (escaped)."""
    if not warnings:
        return ""
    items = "".join(f"<li>{_esc(w)}</li>" for w in warnings)
    return (f'<div class="openapi-magic-warnings" style="{_STYLE["warn"]}">The catalog expected '
            f"otherwise (sent anyway; the splicer decides):<ul style=\"margin:0\">{items}</ul>"
            "</div>")


def _table_html(result: Result, view: _View) -> str:
    if view.kind == "empty":
        return f'<p style="color:#57606a"><i>{_NO_DATA}</i> (the splicer sent an empty body)</p>'
    frame = view.frame
    title = "Reply body"
    if view.key:
        title += f" &middot; <code>{_esc(view.key)}</code>"
    if view.kind == "table":
        table = _bounded_html(frame.to_html(escape=True, index=False, border=0, na_rep="",
                                            classes="openapi-magic-table"), "result.df")
        foot = (f'<div style="color:#57606a;font-size:90%">showing {view.shown} of {view.total} '
                f"rows &middot; all rows in <code>result.df</code></div>"
                if view.shown < view.total else
                f'<div style="color:#57606a;font-size:90%">{view.total} row'
                f'{"s" if view.total != 1 else ""}</div>')
    else:
        table = _bounded_html(frame.to_html(escape=True, index=False, border=0, header=False,
                                            classes="openapi-magic-keyvalue"), "result.body")
        table = ("<style>.openapi-magic-keyvalue td{text-align:left}"
                 ".openapi-magic-keyvalue td:first-child{font-weight:bold;white-space:nowrap}"
                 "</style>" + table)
        foot = ""
    if view.note:
        foot += f'<div style="color:#57606a;font-size:90%">{_esc(view.note)}</div>'
    return f"<div><b>{title}</b></div>{table}{foot}"


def _bounded_html(table: str, where: str) -> str:
    if len(table) <= OUTPUT_CHARS:
        return table
    return f'<p style="color:#57606a">{_esc(_bounded(table, where))}</p>'


def _pretty(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, indent=2)
    except (TypeError, ValueError):
        text = _repr(value)
    except RecursionError:
        text = _json_head(value, RAW_DISPLAY_CHARS) + "\n(nested too deeply to indent)"
    return text


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:  # noqa: BLE001 - e.g. an int past Python's digit limit
        return f"<{type(value).__name__}>"


def _cut(text: str) -> str:
    if len(text) <= RAW_DISPLAY_CHARS:
        return _esc(text)
    more = len(text) - RAW_DISPLAY_CHARS
    return (_esc(text[:RAW_DISPLAY_CHARS])
            + f"\n… ({more:,} more characters; the full text is in the Result)")


def _reply_view(result: Result) -> str:
    """The reply envelope pretty-printed and cut, as :func:`_cut` does.

    For a reply over ``_LARGE_REPLY_CHARS`` the indented text is not written out:
    json's indenting encoder is pure Python (4.6 s for a 100k-record reply), and
    only its first ``RAW_DISPLAY_CHARS`` are shown. The note then gives the size
    of the reply as received instead of the length of the indented text.
    """
    envelope = result.response_envelope
    if envelope is None:
        return _cut(result.raw_text)
    received = len(result.raw_text or "")
    if received <= _LARGE_REPLY_CHARS:
        return _cut(_pretty(envelope))
    shown = envelope
    if isinstance(envelope, dict):
        # An encrypted body is one long string: escaping all of it to show its start
        # is most of the time. A string's escaped start is the start of its escaping.
        shown = {k: v[:RAW_DISPLAY_CHARS + 1] if isinstance(v, str) else v
                 for k, v in envelope.items()}
    head: list[str] = []
    size = 0
    try:
        for chunk in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(shown):
            if size + len(chunk) > RAW_DISPLAY_CHARS:
                head.append(chunk[:RAW_DISPLAY_CHARS - size])
                break
            head.append(chunk)
            size += len(chunk)
        else:
            return _esc("".join(head))  # it all fits after all
    except (TypeError, ValueError):
        return _cut(_pretty(envelope))
    return (_esc("".join(head)) + f"\n… (cut here; the reply as received is {received:,} "
            "characters, and the full text is in the Result)")


def envelope_html(result: Result) -> str:
    """The request as sent and the reply as received, pretty-printed and escaped."""
    reply = _reply_view(result)
    pre = ('style="max-height:28em;overflow:auto;background:#f6f8fa;padding:.5em;'
           'margin:.2em 0;white-space:pre-wrap;word-break:break-all"')
    plain_note = ("" if result.encrypted else
                  '<div style="color:#9a6700;font-size:90%">Plain mode: the sign covers only '
                  "timeStamp and pId, not the body; anyone who knows the pId can send this.</div>")
    decrypted = ""
    if result.encrypted and result.request_body is not None:
        decrypted = (f"<div>Request body before encryption:</div><pre {pre}>"
                     f"{_cut(_pretty(result.request_body))}</pre>")
    return (
        f'<details open><summary><b>Raw envelope</b></summary>'
        f"<div>Request as sent: POST <code>{_esc(result.url)}</code></div>"
        f"<pre {pre}>{_cut(_pretty(result.request_envelope))}</pre>{decrypted}{plain_note}"
        f"<div>Reply as received: HTTP {_esc(result.http_status)}</div>"
        f"<pre {pre}>{reply}</pre></details>"
    )


def render_html(result: Result) -> str:
    """The whole notebook view of a Result: header, table beside raw envelope."""
    return _render_html(result, _view(result))


def _render_html(result: Result, view: _View) -> str:
    col = 'style="flex:1 1 22em;min-width:0;overflow-x:auto"'
    from .draw import svg  # a reply that describes geometry shows the wall beside its table
    picture = svg(result.interface, result.body) if result.ok else None
    return (
        '<div class="openapi-magic-result">'
        f"{header_html(result)}"
        '<div style="display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start;margin-top:.4em">'
        + (f'<div style="flex:0 1 auto;max-width:100%">{picture}</div>' if picture else "")
        + f"<div {col}>{_table_html(result, view)}</div>"
        f"<div {col}>{envelope_html(result)}</div>"
        "</div></div>"
    )


# ---------------------------------------------------------------------- dry run


def prepared_text(prepared: Any) -> str:
    """A dry run as plain text: what would be sent, and what is signed (secret masked)."""
    mode = "encrypted" if prepared.encrypted else "plain"
    lines = [
        f"DRY RUN (nothing sent) · {prepared.interface} · {mode}",
        f"POST {prepared.url}",
        "Envelope that would be sent:",
        _pretty(prepared.envelope),
    ]
    lines += [f"Catalog (would be sent anyway): {w}" for w in getattr(prepared, "warnings", ())]
    if prepared.encrypted:
        lines += ["Body before encryption:", _pretty(prepared.body)]
    lines += ["String signed (md5, then hex, then Base64):", prepared.sign_input]
    if not prepared.encrypted:
        lines.append("Plain mode: the sign covers only timeStamp and pId, not the body.")
    return "\n".join(lines)


def prepared_html(prepared: Any) -> str:
    """A dry run as HTML (escaped), in the same style as a Result."""
    mode = "encrypted" if prepared.encrypted else "plain"
    pre = ('style="max-height:28em;overflow:auto;background:#f6f8fa;padding:.5em;'
           'margin:.2em 0;white-space:pre-wrap;word-break:break-all"')
    parts = [
        '<div class="openapi-magic-dryrun">',
        f'<div><span style="color:#9a6700;font-weight:bold">DRY RUN</span> (nothing sent) '
        f"&middot; <code>{_esc(prepared.interface)}</code> &middot; {mode}</div>",
        f"<div>POST <code>{_esc(prepared.url)}</code></div>",
        warnings_html(getattr(prepared, "warnings", ())),
        f"<div>Envelope that would be sent:</div><pre {pre}>{_cut(_pretty(prepared.envelope))}</pre>",
    ]
    if prepared.encrypted:
        parts.append(f"<div>Body before encryption:</div>"
                     f"<pre {pre}>{_cut(_pretty(prepared.body))}</pre>")
    parts.append(f"<div>String signed (md5, then hex, then Base64; the secretKey is masked):</div>"
                 f"<pre {pre}>{_cut(prepared.sign_input)}</pre>")
    if not prepared.encrypted:
        parts.append('<div style="color:#9a6700">Plain mode: the sign covers only timeStamp and '
                     "pId, not the body.</div>")
    parts.append("</div>")
    return "".join(parts)
