"""The Result of one call, and how it shows itself.

A :class:`Result` keeps everything that was sent and everything that arrived,
decodes the body into a pandas DataFrame on demand, and renders itself for
notebooks (``_repr_mimebundle_``: HTML, plain text and Markdown) without
importing IPython. The HTML shows one header line (outcome, vendor status and msg,
interface, time, encryption, sign verdict), the decrypted body as a table (names,
ids and status first; scrolling sideways when wide), then the raw envelopes one
click away. The shown rows are rendered without pandas (a DataFrame costs ~5× the
whole view for ten rows; ``df`` keeps pandas), with inline styles from
JupyterLab's theme variables (an untrusted notebook strips ``<style>``); the text
form fits the terminal's width. Everything that came from the splicer is escaped, and
shown through :func:`safe_text` (control characters visible and inert, nothing a
kernel cannot send). Views are bounded in rows, columns, fields, cell length and
total size, with a footer saying what is not shown; the Result keeps everything.
"""

from __future__ import annotations

import datetime as _dt
import functools
import html
import json
import operator
import re
import shutil
import textwrap
from dataclasses import dataclass, field
from typing import Any

from ._lazy import pandas as pd
from .errors import SignatureError, StatusError

__all__ = [
    "DEFAULT_DISPLAY_LIMIT",
    "DISPLAY_COLUMNS",
    "DISPLAY_FIELDS",
    "OUTPUT_CHARS",
    "Result",
    "envelope_html",
    "find_records",
    "frame_view",
    "grid_html",
    "header_html",
    "markdown_text",
    "prepared_html",
    "prepared_text",
    "records_frame",
    "render_html",
    "safe_text",
    "shown_frame",
    "warnings_html",
]

#: Rows shown in a notebook unless told otherwise (jupysql's default too).
DEFAULT_DISPLAY_LIMIT = 10
#: Characters of a raw envelope shown before it is cut (the full text stays in the Result).
RAW_DISPLAY_CHARS = 20_000
#: Characters of one value shown in a table (a 50 MB Base64 image must not become 50 MB
#: of notebook output; the whole value stays in the Result).
CELL_DISPLAY_CHARS = 2_000
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

    def raise_for_status(self) -> Result:
        """Raise :class:`StatusError` when the vendor's status is not 0; else return self."""
        if not self.ok:
            raise StatusError(
                self._failure_sentence(),
                status=self.status,
                msg=self.msg,
                meaning=self.meaning,
                hint=self.hint,
                url=self.url,
                http_status=self.http_status,
                raw_text=self.raw_text,
                request_envelope=self.request_envelope,
                response_envelope=self.response_envelope,
                result=self,
            )
        return self

    def check_sign(self) -> Result:
        """Raise :class:`SignatureError` when the reply's sign does not match."""
        if self.sign_verdict == "mismatch":
            raise SignatureError(
                f"The reply to {self.interface} carries a sign that does not match: the reply "
                "may have been altered, or the splicer signs with another secretKey.",
                url=self.url,
                http_status=self.http_status,
                raw_text=self.raw_text,
                request_envelope=self.request_envelope,
                response_envelope=self.response_envelope,
                result=self,
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
        return (
            f"{mark} {safe_text(self.interface)}  status {self.status}{meaning}{msg}  "
            f"{self.elapsed * 1000:.1f} ms  {mode}  {sign}{firmware}"
        )

    def __repr__(self) -> str:
        rows = ""
        if self.body is not None:
            try:  # counted without building the DataFrame (a repr must be quick)
                found, _ = find_records(self.body, self.records, self.records_hint)
                rows = f" rows={len(found) if isinstance(found, list) else 1}"
            except Exception:  # noqa: BLE001 - a repr must never raise
                rows = ""
        return (
            f"<Result {self.interface} {'ok' if self.ok else 'failed'} status={self.status}"
            f"{rows} {self.elapsed * 1000:.1f} ms sign={self.sign_verdict}>"
        )

    def to_text(self) -> str:
        """Header line, hint and the table (or key/value view) as plain text."""
        return self._text(_view(self))

    def _text(self, view: _View, width: int | None = None) -> str:
        width = _text_width() if width is None else width
        lines = [self.summary()]
        if not self.ok and self.hint:
            lines.append(f"Hint: {safe_text(self.hint)}")
        lines += [f"Catalog (sent anyway): {safe_text(w)}" for w in self.warnings]
        lines = [_wrap(line, width) for line in lines]
        if view.kind == "empty":
            lines.append(f"({_NO_DATA})")
        else:
            lines += _grid_text(
                view, width, "result.body" if view.kind == "keyvalue" else "result.df"
            )
            if view.kind == "table" and view.shown < view.total:
                lines.append(
                    _wrap(f"(showing {view.shown} of {view.total} rows; all in result.df)", width)
                )
        if view.note:
            lines.append(_wrap(f"({view.note})", width))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """The view as Markdown (what ``nbconvert --to markdown`` and Markdown-first
        front-ends show): the header line, then the table as a Markdown table."""
        return markdown_text(self, _view(self))

    def __str__(self) -> str:
        return self.to_text()

    # ------------------------------------------------------------------ html

    def _repr_html_(self) -> str:
        return render_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        view = _view(self)  # once for both: the shown rows' DataFrame is most of the cost
        return {
            "text/plain": self._text(view),
            "text/html": _render_html(self, view),
            "text/markdown": markdown_text(self, view),
        }


# ---------------------------------------------------------------------- records


def find_records(
    body: Any, key: str | None = None, hint: str | None = None
) -> tuple[Any, str | None]:
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
        lists = [
            (k, v)
            for k, v in body.items()
            if isinstance(v, list) and v and all(isinstance(r, dict) for r in v[:50])
        ]
        if len(lists) == 1:
            return lists[0][1], lists[0][0]
        if not lists:
            empties = [k for k, v in body.items() if isinstance(v, list) and not v]
            if len(empties) == 1 and all(
                not isinstance(v, (list, dict)) for k, v in body.items() if k != empties[0]
            ):
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
    """What a view shows, as text cells already cut and made safe (``None``: no value).

    Built without pandas (a 10-row view must not pay for a DataFrame); ``frame`` gives
    the same cells as a DataFrame for callers that want one (the watch)."""

    kind: str  # "table", "keyvalue", "empty"
    columns: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    shown: int = 0
    total: int = 0
    key: str | None = None
    note: str = ""  # what else is not shown (columns, fields), for the footer
    numeric: list = field(default_factory=list)  # per column: right-aligned numbers

    @property
    def frame(self) -> pd.DataFrame:
        """The shown cells as a DataFrame (``field``/``value`` for a key/value view)."""
        return pd.DataFrame(self.cells, columns=self.columns) if self.columns else pd.DataFrame()


def _view(result: Result) -> _View:
    body = result.body
    if body is None or body == "":
        return _View("empty")
    try:
        rows, key = find_records(body, result.records, result.records_hint)
    except KeyError:
        rows, key = body, None
    if isinstance(rows, dict):
        flat, more, _ = _flatten(rows, DISPLAY_FIELDS)
        # One object: its own name, ids and status first (not those of nested parts).
        flat = sorted(flat, key=lambda kv: len(_FIRST_COLUMNS) if "." in kv[0] else _rank(kv[0]))
        cells = [
            [safe_text(_short_text(k)), _value_text(k, v, f"{key}.{k}" if key else k)]
            for k, v in flat
        ]
        note = (
            f"showing the first {len(cells)} fields; more are not shown, all in result.body"
            if more
            else ""
        )
        return _View(
            "keyvalue", ["field", "value"], cells, len(cells), len(cells), key, note, [False, False]
        )
    if not isinstance(rows, list):
        return _View(
            "keyvalue",
            ["field", "value"],
            [["value", _value_text("value", rows)]],
            1,
            1,
            key,
            numeric=[False, False],
        )
    limit = result.display_limit
    shown = rows if limit is None or limit < 0 else rows[:limit]
    flat_rows: list[dict] = []
    cut = False
    for row in shown:
        if isinstance(row, dict):
            flat, more, _ = _flatten(row, DISPLAY_COLUMNS)
            cut = cut or more
            flat_rows.append(dict(flat))
        else:
            flat_rows.append({"value": row})
    names = _ordered_columns(list(dict.fromkeys(k for r in flat_rows for k in r)))
    hidden = max(0, len(names) - DISPLAY_COLUMNS)
    names = names[:DISPLAY_COLUMNS]
    missing = object()
    columns, numeric = [], []
    for name in names:
        values = [r.get(name, missing) for r in flat_rows]
        columns.append(
            [None if v is missing or v is None else _value_text(name, v) for v in values]
        )
        numeric.append(
            all(
                isinstance(v, (int, float)) and not isinstance(v, bool)
                for v in values
                if v is not missing and v is not None
            )
            and not _labelled(name)
        )
    cells = [list(r) for r in zip(*columns)] if columns else [[] for _ in flat_rows]
    note = ""
    if cut or hidden:
        note = (
            f"showing the first {len(names)} columns; "
            + (f"{hidden:,} more" if hidden and not cut else "more")
            + " are not shown, all in result.df"
        )
    return _View(
        "table",
        [safe_text(_short_text(str(n))) for n in names],
        cells,
        len(cells),
        len(rows),
        key,
        note,
        numeric,
    )


def frame_view(
    frame: pd.DataFrame, limit: int | None = DEFAULT_DISPLAY_LIMIT, lead: int | None = None
) -> _View:
    """A DataFrame's first ``limit`` rows as a table view, cells cut and made safe as a
    Result's are (integer columns that missing values made floats show as integers).
    With ``lead``, the columns after the first ``lead`` are ordered as a Result's
    (names, ids, status first); without it they keep the frame's order."""
    shown = frame if limit is None or limit < 0 else frame.head(limit)
    if lead is not None and shown.shape[1] > lead:
        names = list(shown.columns)
        shown = shown[names[:lead] + _ordered_columns(names[lead:])]
    hidden = max(0, shown.shape[1] - DISPLAY_COLUMNS)
    shown = shown.iloc[:, :DISPLAY_COLUMNS]
    columns, numeric = [], []
    for i, name in enumerate(shown.columns):
        values = shown.iloc[:, i].tolist()
        present = [v for v in values if not _missing(v)]
        whole = bool(present) and all(isinstance(v, float) and v.is_integer() for v in present)
        columns.append(
            [
                None if _missing(v) else _value_text(str(name), int(v) if whole else v)
                for v in values
            ]
        )
        numeric.append(
            all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)
            and not _labelled(str(name))
        )
    cells = [list(r) for r in zip(*columns)] if columns else [[] for _ in range(len(shown))]
    note = f"showing the first {shown.shape[1]} of {frame.shape[1]:,} columns" if hidden else ""
    return _View(
        "table",
        [safe_text(_short_text(str(c))) for c in shown.columns],
        cells,
        len(cells),
        len(frame),
        None,
        note,
        numeric,
    )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


#: Last parts of column names a person looks for first, in this order (names, ids, status).
_FIRST_COLUMNS = (
    re.compile(r"(?i)^(name|.*Name)$"),
    re.compile(r"^(id|ID|.*Id|.*_id)$"),
    re.compile(r"(?i)^(status|state|online|isOnline|connected|.*Status|.*State)$"),
)


def _ordered_columns(names: list) -> list:
    """``names`` with the columns a person looks for first (names, then ids, then status),
    each group and the rest in the reply's order."""
    return sorted(names, key=_rank)


def _rank(name: Any) -> int:
    """0 for a name column, 1 for an id, 2 for a status, 3 for the rest (by the last part)."""
    last = str(name).rsplit(".", 1)[-1]
    return next(
        (i for i, pattern in enumerate(_FIRST_COLUMNS) if pattern.match(last)), len(_FIRST_COLUMNS)
    )


@functools.lru_cache(maxsize=1)
def _code_tables() -> dict:
    """The catalog's code tables (read once: the catalog is a data file)."""
    try:
        from .catalog import load_catalog

        catalog = load_catalog()
        return {name: catalog.codes(name) for name in catalog.code_tables()}
    except Exception:  # noqa: BLE001 - a view without labels is still a view
        return {}


def _labelled(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last in _code_tables() or last in _TIME_FIELDS


#: Fields the splicer sends as epoch seconds (``"1757509392.7567859"``), shown as dates.
_TIME_FIELDS = ("createTime", "updateTime", "modifyTime")


def _value_text(name: str, value: Any, path: str = "") -> str:
    """One value as a view shows it: cut, safe, a code with its catalog label beside it
    (``2 (DVI)``), a time field as a UTC date; records lists and objects as short text."""
    last = str(name).rsplit(".", 1)[-1]
    if (
        last in _TIME_FIELDS
        and isinstance(value, (str, int, float))
        and not isinstance(value, bool)
    ):
        try:
            seconds = float(value)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000
            if 1e8 < seconds < 1e10:
                stamp = _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc)
                return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")
        except (ValueError, OverflowError, OSError):
            pass
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        table = _code_tables().get(last)
        if table:
            try:
                label = table.get(int(value))
            except (ValueError, TypeError):
                label = None
            if label is not None:
                return safe_text(f"{_short_text(str(value))} ({label})")
    if isinstance(value, str):
        return safe_text(_short_text(value))
    if isinstance(value, (bool, int, float)):
        return (
            _repr(value)
            if not isinstance(value, int) or isinstance(value, bool)
            else _int_text(value)
        )
    return safe_text(_cell(value, path))


def _int_text(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # past Python's digit limit
        return f"<int of about {value.bit_length() * 0.30103:,.0f} digits>"


def shown_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The part of a DataFrame a view shows: its first :data:`DISPLAY_COLUMNS` columns,
    long strings cut (:data:`CELL_DISPLAY_CHARS`), names and strings through
    :func:`safe_text`. Returns it and how many columns were left out."""
    hidden = max(0, frame.shape[1] - DISPLAY_COLUMNS)
    if hidden:
        frame = frame.iloc[:, :DISPLAY_COLUMNS]
    frame = frame.copy(deep=False)
    frame.columns = [
        safe_text(_short_text(str(c))) if isinstance(c, str) else c for c in frame.columns
    ]
    for i, dtype in enumerate(frame.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            column = frame.iloc[:, i]
            if any(
                isinstance(v, str) and (len(v) > CELL_DISPLAY_CHARS or _UNSHOWABLE.search(v))
                for v in column
            ):
                frame.isetitem(
                    i, [safe_text(_short_text(v)) if isinstance(v, str) else v for v in column]
                )
    return frame, hidden


def _short_text(text: str) -> str:
    if len(text) <= CELL_DISPLAY_CHARS:
        return text
    return (
        f"{text[:CELL_DISPLAY_CHARS]}… ({len(text) - CELL_DISPLAY_CHARS:,} more characters; "
        "all in the Result)"
    )


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
        return (
            f"{len(v)} record{'s' if len(v) != 1 else ''} "
            f"(tabulate: result.to_dataframe({path!r}) or %%openapi … -t {path})"
        )
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
                return "".join(head)[: limit - 1] + "…"
    except RecursionError:
        return "".join(head)[: limit - 30] + "… (nested too deeply to show)"
    except (TypeError, ValueError):
        return _short_text(repr(value))[:limit]
    return "".join(head)


def _bounded(table: str, where: str) -> str:
    """A table's text, or a note in its place when it is past :data:`OUTPUT_CHARS`."""
    if len(table) <= OUTPUT_CHARS:
        return table
    return (
        f"(the table is {len(table):,} characters, past the {OUTPUT_CHARS:,} shown; "
        f"lower display_limit, or see {where})"
    )


#: Characters of one column in the text form before its cells are cut with "…".
_TEXT_COLUMN_CHARS = 40


def _text_width() -> int:
    """The terminal's width (``COLUMNS`` first, as :func:`shutil.get_terminal_size` reads
    it), 100 when there is no terminal (a kernel's)."""
    return max(20, shutil.get_terminal_size((100, 24)).columns)


def _wrap(line: str, width: int) -> str:
    if len(line) <= width:
        return line
    return textwrap.fill(
        line, width, subsequent_indent="  ", break_long_words=True, break_on_hyphens=False
    )


def _clip(text: str, width: int) -> str:
    text = text.replace("\n", "\\n").replace("\t", " ")
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _grid_text(view: _View, width: int, where: str) -> list[str]:
    """A view's cells as text lines no longer than ``width``: cells cut to
    :data:`_TEXT_COLUMN_CHARS`, the columns that do not fit left out with a note (as
    pandas does), numbers right-aligned."""
    if view.kind == "keyvalue":
        names = [c[0] for c in view.cells]
        key_width = min(max((len(n) for n in names), default=0), max(10, width // 3))
        room = max(10, width - key_width - 2)
        table = "\n".join(
            f"{_clip(n, key_width):<{key_width}}  {_clip(v or '', room)}" for n, v in view.cells
        )
        return [_bounded(table, where)]
    heads = [_clip(c, _TEXT_COLUMN_CHARS) for c in view.columns]
    rows = [
        [_clip(v if v is not None else "", _TEXT_COLUMN_CHARS) for v in row] for row in view.cells
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(heads)]
    kept: list[int] = []
    used = 0
    for i, w in enumerate(widths):
        need = w + (2 if kept else 0)
        if used + need > width and kept:
            break
        kept.append(i)
        used += need
    if kept and widths[kept[0]] > width:  # one column wider than the terminal: cut it
        widths[kept[0]] = width

    def line(cells: list[str], header: bool = False) -> str:
        out = []
        for i in kept:
            cell = _clip(cells[i], widths[i])
            right = view.numeric[i] if i < len(view.numeric) else False
            out.append(cell.rjust(widths[i]) if right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    table = "\n".join([line(heads, True)] + [line(r) for r in rows])
    lines = [_bounded(table, where)]
    left = len(heads) - len(kept)
    if left:
        named: list[str] = []
        for i in range(len(heads)):
            if i not in kept and sum(map(len, named)) < 2 * width:
                named.append(view.columns[i])
        rest = left - len(named)
        listed = ", ".join(named) + (f" and {rest} more" if rest else "")
        lines.append(
            _wrap(
                f"({left} more column{'s' if left != 1 else ''} not shown at "
                f"this width: {listed}; all in {where})",
                width,
            )
        )
    return lines


def markdown_text(result: Result, view: _View) -> str:
    """A Result as Markdown: the header line, hint and warnings, then the view as a
    Markdown table (cells escaped; the raw envelope stays in the Result)."""

    def md(text: Any) -> str:
        return (
            html.escape(safe_text(text), quote=False)
            .replace("|", "\\|")
            .replace("\n", " ")
            .replace("`", "\\`")
        )

    lines = [f"**{md(result.summary())}**", ""]
    if not result.ok and result.hint:
        lines += [f"Hint: {md(result.hint)}", ""]
    lines += [f"- Catalog (sent anyway): {md(w)}" for w in result.warnings]
    if view.kind == "empty":
        lines.append(f"*{_NO_DATA}*")
    else:
        heads = ["field", "value"] if view.kind == "keyvalue" else view.columns
        lines.append("| " + " | ".join(md(h) for h in heads) + " |")
        lines.append(
            "|"
            + "|".join(
                "---:"
                if view.kind == "table" and i < len(view.numeric) and view.numeric[i]
                else "---"
                for i in range(len(heads))
            )
            + "|"
        )
        lines += [
            "| " + " | ".join(md(v if v is not None else "") for v in row) + " |"
            for row in view.cells
        ]
        if view.kind == "table" and view.shown < view.total:
            lines.append(f"\n*showing {view.shown} of {view.total} rows; all in result.df*")
    if view.note:
        lines.append(f"\n*{md(view.note)}*")
    return _bounded("\n".join(lines), "result.df")


# ---------------------------------------------------------------------- html

# Colours come from JupyterLab's theme variables (light, dark, high contrast), with
# fallbacks for other front-ends. A tone is mixed with the theme's text colour so it
# keeps >= 4.5:1 contrast on either background (the plain colour first: a browser
# without color-mix keeps it). Inline styles only: an untrusted notebook strips <style>.
_TEXT = "var(--jp-content-font-color1, #1f2328)"
_DIM = "color:var(--jp-content-font-color2, #57606a)"


def _tone(var: str, fallback: str, share: int = 65) -> str:
    return f"color:{fallback};color:color-mix(in srgb, var({var}, {fallback}) {share}%, {_TEXT})"


_STYLE = {
    "ok": _tone("--jp-success-color1", "#1a7f37", 60),
    "fail": _tone("--jp-error-color1", "#cf222e", 70),
    "mismatch": ("color:#fff;background:#a40e26;padding:0 .4em;border-radius:3px;font-weight:bold"),
    "absent": _DIM,
    "verified": _tone("--jp-success-color1", "#1a7f37", 60),
    "warn": _tone("--jp-warn-color1", "#9a6700", 55),
}
#: A scrolling box: whatever does not fit scrolls visibly, nothing is clipped.
_SCROLL = "overflow-x:auto;max-width:100%"
_TABLE = "border-collapse:collapse;margin:.2em 0;border:none;width:auto;table-layout:auto"
_TH = (
    "text-align:left;padding:.25em .75em .25em 0;font-weight:bold;white-space:nowrap;"
    "vertical-align:bottom;border:none;"
    "border-bottom:1px solid var(--jp-border-color1, #8c959f)"
)
_TD = "padding:.2em .75em .2em 0;vertical-align:top;border:none;"
_SHORT = 40  # cells up to this long stay on one line; longer ones wrap
_PRE = (
    "max-height:28em;overflow:auto;background:var(--jp-layout-color2, #f6f8fa);"
    f"color:{_TEXT};padding:.5em;margin:.2em 0;white-space:pre-wrap;"
    "overflow-wrap:anywhere;word-break:break-all;border:none"
)
_FOOT = f"{_DIM};font-size:90%"


def _esc(text: Any) -> str:
    return html.escape(safe_text(text), quote=True)


def header_html(result: Result) -> str:
    """The header line as HTML (escaped)."""
    mark = "✔" if result.ok else "✘"
    tone = _STYLE["ok"] if result.ok else _STYLE["fail"]
    msg = f" &middot; {_esc(result.msg)}" if result.msg else ""
    meaning = (
        f" ({_esc(result.meaning)})"
        if not result.ok and result.meaning and result.meaning != result.msg
        else ""
    )
    mode = "encrypted" if result.encrypted else "plain"
    verdict = result.sign_verdict
    if verdict == "mismatch":
        sign = f'<span style="{_STYLE["mismatch"]}">SIGN MISMATCH</span>'
    elif verdict == "absent":
        sign = (
            f'<span style="{_STYLE["absent"]}" title="Real splicers send an empty sign; '
            f'this is normal.">sign absent</span>'
        )
    else:
        style = _STYLE.get(verdict, "")
        sign = f'<span style="{style}">sign {_esc(verdict)}</span>'
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
    return (
        f'<div class="openapi-magic-header" style="overflow-wrap:anywhere;'
        f'text-align:left">{line}</div>'
    )


def warnings_html(warnings: Any) -> str:
    """The catalog's doubts about a call that was sent anyway, as HTML (escaped)."""
    if not warnings:
        return ""
    items = "".join(f"<li>{_esc(w)}</li>" for w in warnings)
    return (
        f'<div class="openapi-magic-warnings" style="{_STYLE["warn"]}">The catalog expected '
        f'otherwise (sent anyway; the splicer decides):<ul style="margin:0">{items}</ul>'
        "</div>"
    )


def grid_html(view: _View, css_class: str = "openapi-magic-table") -> str:
    """A view's cells as an HTML table in a box that scrolls sideways (escaped, inline
    styles): the one table renderer of a Result, a fleet result and the form."""
    if view.kind == "keyvalue":
        rows = "".join(
            f'<tr><th style="{_TH};border-bottom:none;vertical-align:top">{_esc(k)}</th>'
            f'<td style="{_TD}text-align:left;white-space:pre-wrap;overflow-wrap:anywhere;'
            f'min-width:8em">{_esc(v or "")}</td></tr>'
            for k, v in view.cells
        )
        table = (
            f'<table class="openapi-magic-keyvalue" style="{_TABLE}"><tbody>{rows}</tbody></table>'
        )
    else:

        def td(v: str | None, right: bool) -> str:
            text = "" if v is None else v
            wrap = (
                "white-space:nowrap"
                if len(text) <= _SHORT
                else "white-space:pre-wrap;overflow-wrap:anywhere;min-width:16em;max-width:40em"
            )
            return (
                f'<td style="{_TD}text-align:{"right" if right else "left"};{wrap}">'
                f"{_esc(text)}</td>"
            )

        numeric = view.numeric or [False] * len(view.columns)
        head = "".join(
            f'<th style="{_TH};text-align:{"right" if r else "left"}">{_esc(c)}</th>'
            for c, r in zip(view.columns, numeric)
        )
        body = "".join(
            "<tr>" + "".join(td(v, r) for v, r in zip(row, numeric)) + "</tr>" for row in view.cells
        )
        table = (
            f'<table class="{css_class}" style="{_TABLE}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
    return f'<div style="{_SCROLL}">{table}</div>'


def _table_html(result: Result, view: _View) -> str:
    if view.kind == "empty":
        return f'<p style="{_DIM}"><i>{_NO_DATA}</i> (the splicer sent an empty body)</p>'
    title = "Reply body"
    if view.key:
        title += f" &middot; <code>{_esc(view.key)}</code>"
    where = "result.df" if view.kind == "table" else "result.body"
    table = _bounded_html(grid_html(view), where)
    foot = ""
    if view.kind == "table":
        foot = (
            f'<div style="{_FOOT}">showing {view.shown} of {view.total} '
            f"rows &middot; all rows in <code>result.df</code></div>"
            if view.shown < view.total
            else f'<div style="{_FOOT}">{view.total} row{"s" if view.total != 1 else ""}</div>'
        )
    if view.note:
        foot += f'<div style="{_FOOT}">{_esc(view.note)}</div>'
    return f"<div><b>{title}</b></div>{table}{foot}"


def _bounded_html(table: str, where: str) -> str:
    if len(table) <= OUTPUT_CHARS:
        return table
    return f'<p style="{_DIM}">{_esc(_bounded(table, where))}</p>'


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
    return (
        _esc(text[:RAW_DISPLAY_CHARS])
        + f"\n… ({more:,} more characters; the full text is in the Result)"
    )


#: A string in an envelope longer than this (the Base64 ciphertext) is shown by its
#: start and its length; the full text stays in the Result.
_ENVELOPE_STRING_CHARS = 120


def _shortened(envelope: Any, encrypted: bool, where: str) -> Any:
    """``envelope`` with its ciphertext (the ``body`` string of an encrypted envelope)
    shortened for the view to its start and its length; the rest is as sent."""
    body = envelope.get("body") if isinstance(envelope, dict) else None
    if not encrypted or not isinstance(body, str) or len(body) <= _ENVELOPE_STRING_CHARS:
        return envelope
    return {
        **envelope,
        "body": f"{body[:64]}… ({len(body):,} characters of ciphertext; all in {where})",
    }


def _envelope_text(envelope: Any, received: int | None = None) -> str:
    """The head of ``envelope`` pretty-printed (escaped), encoded only as far as it is
    shown: json's indenting encoder is pure Python, and only the first
    :data:`RAW_DISPLAY_CHARS` are shown whatever the size."""
    head: list[str] = []
    size = 0
    try:
        for chunk in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(envelope):
            if size + len(chunk) > RAW_DISPLAY_CHARS:
                head.append(chunk[: RAW_DISPLAY_CHARS - size])
                break
            head.append(chunk)
            size += len(chunk)
        else:
            return _esc("".join(head))  # it all fits
    except (TypeError, ValueError, RecursionError):
        return _cut(_pretty(envelope))
    of = f"the reply as received is {received:,} characters, and " if received else ""
    return (
        _esc("".join(head)) + f"\n… (more characters cut here; {of}the full text is in the Result)"
    )


def _reply_view(result: Result) -> str:
    """The reply envelope pretty-printed and cut (its ciphertext shortened), for every
    size encoded only as far as it is shown."""
    envelope = result.response_envelope
    if envelope is None:
        return _cut(result.raw_text)
    return _envelope_text(
        _shortened(envelope, result.encrypted, "result.raw_text"), len(result.raw_text or "")
    )


def envelope_html(result: Result, *, open_: bool = False) -> str:
    """The request as sent and the reply as received, pretty-printed and escaped, in a
    ``<details>`` closed by default (one click away; the answer comes first)."""
    reply = _reply_view(result)
    pre = f'style="{_PRE}"'
    plain_note = (
        ""
        if result.encrypted
        else f'<div style="{_STYLE["warn"]};font-size:90%">Plain mode: the sign covers only '
        "timeStamp and pId, not the body; anyone who knows the pId can send this.</div>"
    )
    decrypted = ""
    if result.encrypted and result.request_body is not None:
        decrypted = (
            f"<div>Request body before encryption:</div><pre {pre}>"
            f"{_cut(_pretty(result.request_body))}</pre>"
        )
    request = _envelope_text(
        _shortened(result.request_envelope, result.encrypted, "result.request_envelope")
    )
    return (
        f'<details{" open" if open_ else ""} style="margin-top:.4em;max-width:100%">'
        f'<summary style="cursor:pointer"><b>Raw envelope</b> '
        f'<span style="{_DIM}">(request as sent, reply as received: HTTP '
        f"{_esc(result.http_status)})</span></summary>"
        f'<div style="overflow-wrap:anywhere">Request as sent: POST '
        f"<code>{_esc(result.url)}</code></div>"
        f"<pre {pre}>{request}</pre>{decrypted}{plain_note}"
        f"<div>Reply as received: HTTP {_esc(result.http_status)}</div>"
        f"<pre {pre}>{reply}</pre></details>"
    )


def render_html(result: Result) -> str:
    """The whole notebook view of a Result: the header, the table (beside a picture of
    the wall where the reply describes one), then the raw envelope one click away."""
    return _render_html(result, _view(result))


def _render_html(result: Result, view: _View) -> str:
    from .draw import svg  # a reply that describes geometry shows the wall beside its table

    picture = svg(result.interface, result.body) if result.ok else None
    return (
        '<div class="openapi-magic-result" style="text-align:left;max-width:100%">'
        f"{header_html(result)}"
        '<div style="display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start;'
        'margin-top:.4em">'
        + (
            f'<div style="flex:0 1 auto;max-width:100%;{_SCROLL}">{picture}</div>'
            if picture
            else ""
        )
        + f'<div style="flex:1 1 24em;min-width:0">{_table_html(result, view)}</div>'
        "</div>"
        f"{envelope_html(result)}</div>"
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
    pre = f'style="{_PRE}"'
    parts = [
        '<div class="openapi-magic-dryrun">',
        f'<div><span style="{_STYLE["warn"]};font-weight:bold">DRY RUN</span> (nothing sent) '
        f"&middot; <code>{_esc(prepared.interface)}</code> &middot; {mode}</div>",
        f"<div>POST <code>{_esc(prepared.url)}</code></div>",
        warnings_html(getattr(prepared, "warnings", ())),
        f"<div>Envelope that would be sent:</div><pre {pre}>{_cut(_pretty(prepared.envelope))}</pre>",
    ]
    if prepared.encrypted:
        parts.append(
            f"<div>Body before encryption:</div><pre {pre}>{_cut(_pretty(prepared.body))}</pre>"
        )
    parts.append(
        f"<div>String signed (md5, then hex, then Base64; the secretKey is masked):</div>"
        f"<pre {pre}>{_cut(prepared.sign_input)}</pre>"
    )
    if not prepared.encrypted:
        parts.append(
            f'<div style="{_STYLE["warn"]}">Plain mode: the sign covers only '
            "timeStamp and "
            "pId, not the body.</div>"
        )
    parts.append("</div>")
    return "".join(parts)
