"""One renderer for every view: a Result, a fleet result, a watch (and, later, captures
and diffs).

Everything a splicer sent is shown through one safe-text rule (:func:`safe_text`:
control characters visible and inert; :func:`inert` also shows the bidi overrides
that would reorder a terminal line) and escaped for HTML (:func:`esc`). A table is
built once as a :class:`View` (columns, rows of text cells already cut and made safe,
and what was cut), then drawn as HTML (:func:`grid_html`, inline styles from
JupyterLab's theme variables: an untrusted notebook strips ``<style>``), as text that
fits the terminal's width (:func:`grid_text`) or as Markdown (:func:`markdown_grid`).

One rule for cutting: nothing is ever cut silently. Every cut of rows, fields or
columns is a :class:`Cut`, and every view says how many were left out and how to see
them (:func:`cut_text`: "showing 10 of 64 rows; 54 more are not shown: `result.df`").

No IPython import; pandas only where a DataFrame is the input (:func:`frame_view`,
:func:`shown_frame`, :attr:`View.frame`).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import html
import json
import re
import shutil
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core._lazy import pandas as pd
from ._colours import _DIM, _TEXT, STYLE, TINT, tone
from ._text import _UNSHOWABLE, inert, safe_text

if TYPE_CHECKING:
    from ..client._result import Result

__all__ = [
    "CELL_DISPLAY_CHARS",
    "DEFAULT_DISPLAY_LIMIT",
    "DISPLAY_COLUMNS",
    "DISPLAY_FIELDS",
    "MARK",
    "OUTPUT_CHARS",
    "RAW_DISPLAY_CHARS",
    "RESULT_HOW",
    "STYLE",
    "Cut",
    "Shown",
    "TableShown",
    "View",
    "cut_lines",
    "cut_text",
    "cuts_html",
    "envelope_html",
    "esc",
    "esc_code",
    "frame_view",
    "grid_html",
    "grid_text",
    "header_html",
    "inert",
    "inert_view",
    "is_time_field",
    "json_cell",
    "markdown_grid",
    "markdown_text",
    "plural",
    "prepared_html",
    "prepared_text",
    "render_html",
    "result_text",
    "rows_view",
    "safe_text",
    "shorten",
    "shown_frame",
    "text_width",
    "tone",
    "utc_time",
    "warnings_html",
    "wrap",
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

_NO_DATA = "no data"


# ---------------------------------------------------------------------- views


class Shown:
    """A view that shows itself in every form a front-end may pick: plain text (its
    ``repr``: ``to_text()``, fitted to the terminal), HTML and Markdown (GitHub's viewer
    and exports strip HTML)."""

    def to_text(self, width: int | None = None) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.to_text()

    def __str__(self) -> str:
        return repr(self)

    def _repr_html_(self) -> str:
        raise NotImplementedError

    def _repr_markdown_(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return {
            "text/plain": repr(self),
            "text/html": self._repr_html_(),
            "text/markdown": self._repr_markdown_(),
        }


class TableShown(Shown):
    """A view that is a heading and, unless there is nothing to list, one table: its
    text (fitted to the terminal), HTML and Markdown made alike. A subclass gives
    ``_head()`` (the heading, plain text), ``_view()`` (the table, or None for none),
    ``_where`` (where the whole data is, for what a view leaves out) and ``_css``."""

    _where = ""
    _css = "openapi-magic-table-view"
    _rows_word = "row"

    def _head(self) -> str:
        raise NotImplementedError

    def _view(self) -> View | None:
        raise NotImplementedError

    def to_text(self, width: int | None = None) -> str:
        """The heading and the table as plain text no wider than ``width`` (the
        terminal's by default)."""
        width = text_width() if width is None else width
        lines = [wrap(inert(self._head()), width)]
        view = self._view()
        if view is not None:
            lines += grid_text(inert_view(view), width, self._where)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        lines = [f"**{_md(self._head())}**"]
        view = self._view()
        if view is not None:
            lines += ["", *markdown_grid(view)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [f"<div><b>{esc(self._head())}</b></div>"]
        view = self._view()
        if view is not None:
            parts += [grid_html(view), cuts_html(view, self._rows_word)]
        return f'<div class="{self._css}">' + "".join(parts) + "</div>"


def inert_view(view: View) -> View:
    """``view`` with its names and cells through :func:`inert` (a terminal line must not
    carry a bidi control), before the text grid measures them."""
    return dataclasses.replace(
        view,
        columns=[inert(c) for c in view.columns],
        cells=[[None if v is None else inert(v) for v in row] for row in view.cells],
    )


# ---------------------------------------------------------------------- cutting


def cut_text(shown: int, total: int, what: str, how: str, *, at_least: bool = False) -> str:
    """The one sentence every cut of a view says: how many ``what`` (rows, fields,
    columns) are shown of how many, how many more are not, and ``how`` to see them
    (``"showing 10 of 64 rows; 54 more are not shown: `result.df`"``); ``""`` when
    nothing was cut. ``at_least``: counting stopped at a bound."""
    left = total - shown
    if left <= 0:
        return ""
    some = "at least " if at_least else ""
    verb = "is" if left == 1 and not at_least else "are"
    return (
        f"showing {shown:,} of {some}{total:,} {what}; {some}{left:,} more {verb} not shown: {how}"
    )


def shorten(text: str, limit: int, where: str = "", sep: str = "") -> str:
    """``text`` when it fits ``limit`` characters; else its first ``limit``, an ellipsis,
    how many characters were left out and ``where`` the whole is (``"all in
    `pending.body`"``): the one rule for a shortened text. ``sep`` goes before the
    ellipsis (``"\\n"`` under a block of text)."""
    if len(text) <= limit:
        return text
    more = len(text) - limit
    tail = f"; all in {where}" if where else ""
    return f"{text[:limit]}{sep}… ({more:,} more character{'s' if more != 1 else ''}{tail})"


@dataclass(frozen=True)
class Cut:
    """A part of a view left out: ``total - shown`` more ``what`` (``"rows"``,
    ``"fields"``, ``"columns"``), and ``how`` to see them (backticks mark code)."""

    what: str
    shown: int
    total: int
    how: str
    at_least: bool = False

    def __str__(self) -> str:
        return cut_text(self.shown, self.total, self.what, self.how, at_least=self.at_least)


#: Where a Result's views send the reader for what they leave out.
RESULT_HOW = {
    "rows": "`result.df`, or a higher `display_limit`",
    "fields": "`result.body`",
    "columns": "`result.df`",
}
#: Fields counted, at most, to say how many a view left out (past it: "at least").
_COUNT_FIELDS = 100_000


@dataclass
class View:
    """What a view shows, as text cells already cut and made safe (``None``: no value).

    ``kind`` is ``"table"``, ``"keyvalue"`` (one record: ``field``/``value`` rows) or
    ``"empty"``; ``shown`` of ``total`` rows; ``cuts`` what else was left out (every
    renderer says so); ``marks`` the ``(row, column)`` cells to highlight (changed
    values), ``mark_title`` why. Built without pandas (a 10-row view must not pay for a
    DataFrame); ``frame`` gives the same cells as a DataFrame."""

    kind: str
    columns: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    shown: int = 0
    total: int = 0
    key: str | None = None
    cuts: list[Cut] = field(default_factory=list)
    numeric: list = field(default_factory=list)  # per column: right-aligned numbers
    marks: set[tuple[int, int]] = field(default_factory=set)
    mark_title: str = "changed since the last poll"

    @property
    def note(self) -> str:
        """What was left out besides rows (fields, columns), as one sentence."""
        return "; ".join(str(c) for c in self.cuts if c.what != "rows")

    @property
    def rows_cut(self) -> Cut | None:
        """The cut of rows, if rows were left out."""
        return next((c for c in self.cuts if c.what == "rows"), None)

    @property
    def frame(self) -> pd.DataFrame:
        """The shown cells as a DataFrame (``field``/``value`` for a key/value view)."""
        return pd.DataFrame(self.cells, columns=self.columns) if self.columns else pd.DataFrame()


def rows_view(
    rows: Any,
    key: str | None = None,
    limit: int | None = DEFAULT_DISPLAY_LIMIT,
    how: dict[str, str] | None = None,
) -> View:
    """The view of records already picked from a body (``find_records``): a list gives
    a table of its first ``limit`` rows (``None``: all), a dict one record's fields, a
    scalar one value. ``how`` says where to see what is cut (keys ``rows``, ``fields``,
    ``columns``; a Result's by default)."""
    how = {**RESULT_HOW, **(how or {})}
    if rows is None or rows == "" or rows == {}:  # {}: a real firmware's failure body
        return View("empty")
    if isinstance(rows, dict):
        flat, more, _ = _flatten(rows, DISPLAY_FIELDS)
        # One object: its own name, ids and status first (not those of nested parts), then
        # its own other fields (a screen's brightness), then the nested parts' fields: what
        # a person reads first stays in view when a watch or a display limit cuts the rest.
        flat = sorted(
            flat, key=lambda kv: (len(_FIRST_COLUMNS), 1) if "." in kv[0] else (_rank(kv[0]), 0)
        )
        cells = [
            [safe_text(_short_text(k)), _value_text(k, v, f"{key}.{k}" if key else k)]
            for k, v in flat
        ]
        cuts = []
        if more:
            total, capped = _count_fields(rows)
            cuts.append(Cut("fields", len(cells), total, how["fields"], capped))
        return View(
            "keyvalue", ["field", "value"], cells, len(cells), len(cells), key, cuts, [False, False]
        )
    if not isinstance(rows, list):
        return View(
            "keyvalue",
            ["field", "value"],
            [["value", _value_text("value", rows)]],
            1,
            1,
            key,
            numeric=[False, False],
        )
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
    every = len(names)
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
    cuts = []
    if len(cells) < len(rows):
        cuts.append(Cut("rows", len(cells), len(rows), how["rows"]))
    if cut or every > len(names):
        # A row wider than the view: its fields counted (bounded) to say how many are left.
        widest, capped = max(
            (_count_fields(r) for r in shown[:100] if isinstance(r, dict)), default=(0, False)
        )
        cuts.append(
            Cut(
                "columns",
                len(names),
                max(every, widest),
                how["columns"],
                capped or (cut and len(shown) > 100),
            )
        )
    return View(
        "table",
        [safe_text(_short_text(str(n))) for n in names],
        cells,
        len(cells),
        len(rows),
        key,
        cuts,
        numeric,
    )


def _count_fields(obj: dict, cap: int = _COUNT_FIELDS) -> tuple[int, bool]:
    """How many fields :func:`_flatten` would give for ``obj`` (nested objects counted by
    their fields), and whether counting stopped at ``cap``. Iterative, depth bounded as
    :func:`_flatten` is."""
    count = 0
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        for v in node.values():
            if isinstance(v, dict) and v and depth + 1 < _DISPLAY_DEPTH:
                stack.append((v, depth + 1))
            else:
                count += 1
                if count >= cap:
                    return count, True
    return count, False


def frame_view(
    frame: pd.DataFrame,
    limit: int | None = DEFAULT_DISPLAY_LIMIT,
    lead: int | None = None,
    where: str = "`result.df`",
    what: str = "rows",
) -> View:
    """A DataFrame's first ``limit`` rows as a table view, cells cut and made safe as a
    Result's are (integer columns that missing values made floats show as integers).
    With ``lead``, the columns after the first ``lead`` are ordered as a Result's
    (names, ids, status first); without it they keep the frame's order. ``where`` names
    the whole frame in the view's cuts, ``what`` its rows (``"calls"``...)."""
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
    cuts = []
    if len(cells) < len(frame):
        cuts.append(Cut(what, len(cells), len(frame), where))
    if hidden:
        cuts.append(Cut("columns", shown.shape[1], frame.shape[1], where))
    return View(
        "table",
        [safe_text(_short_text(str(c))) for c in shown.columns],
        cells,
        len(cells),
        len(frame),
        None,
        cuts,
        numeric,
    )


def _missing(value: Any) -> bool:
    # NaN, and pandas' NaT (a missing time in a datetime column): neither equals itself;
    # pandas' NA (a missing status in an Int64 column) is its own type.
    return (
        value is None
        or (isinstance(value, (float, _dt.datetime)) and value != value)
        or type(value).__name__ == "NAType"
    )


#: Last parts of column names a person looks for first, in this order (names, ids, status).
_FIRST_COLUMNS = (
    re.compile(r"(?i)^(name|.*Name)$"),
    re.compile(r"^(id|ID|.*Id|.*_id)$"),
    re.compile(r"(?i)^(status|state|online|isOnline|connected|.*Status|.*State)$"),
)


def _ordered_columns(names: list) -> list:
    """``names`` with the columns a person looks for first (names, then ids, then status),
    each group and the rest in the reply's order. A nested column named as a top-level
    one (``general.name`` beside ``name``) is not put first: two leading columns saying
    the same thing would push the next one out of view."""
    top = {str(n) for n in names if "." not in str(n)}

    def rank(name: Any) -> int:
        text = str(name)
        if "." in text and text.rsplit(".", 1)[-1] in top:
            return len(_FIRST_COLUMNS)
        return _rank(name)

    return sorted(names, key=rank)


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
        from ..core.catalog import load_catalog

        catalog = load_catalog()
        return {name: catalog.codes(name) for name in catalog.code_tables()}
    except Exception:  # noqa: BLE001 - a view without labels is still a view
        return {}


def _labelled(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last in _code_tables() or last in TIME_FIELDS


#: Fields the splicer sends as epoch seconds (``"1757509392.7567859"``), shown as dates.
TIME_FIELDS = ("createTime", "updateTime", "modifyTime")


def is_time_field(name: Any) -> bool:
    """Whether the column ``name`` (dotted names by their last part) holds a time the
    splicer sends as epoch seconds: shown as a UTC date, a UTC datetime in ``.df``."""
    return str(name).rsplit(".", 1)[-1] in TIME_FIELDS


def utc_time(value: Any) -> _dt.datetime | None:
    """A time field's value (epoch seconds or milliseconds, as a number or text) as a
    UTC datetime; ``None`` for anything else (a value out of 1973-2286 included)."""
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
        if seconds > 1e11:  # milliseconds
            seconds /= 1000
        if 1e8 < seconds < 1e10:
            return _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        pass
    return None


def _value_text(name: str, value: Any, path: str = "") -> str:
    """One value as a view shows it: cut, safe, a code with its catalog label beside it
    (``2 (DVI)``), a time field as a UTC date; records lists and objects as short text."""
    last = str(name).rsplit(".", 1)[-1]
    stamp = utc_time(value) if last in TIME_FIELDS or isinstance(value, _dt.datetime) else None
    if stamp is not None:
        return stamp.astimezone(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
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
    return shorten(text, CELL_DISPLAY_CHARS, "the Result")


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


#: How a cell of records says where to see them as a table (kept whole in the text view).
_TABULATE = "(tabulate: "
#: The text view's one line for every shortened "(-t KEY)".
_TABULATE_NOTE = "(-t KEY on the cell, or result.to_dataframe('KEY'), tabulates a record list)"
_TABULATE_TEXT = re.compile(
    r"(?P<count>\d+ records?) \(tabulate: result\.to_dataframe\('(?P<path>.*)'\) or "
    r"%%openapi … -t (?P=path)\)"
)


def _cell(v: Any, path: str = "") -> str:
    if isinstance(v, str):
        return _short_text(v)
    if _is_records(v):
        return (
            f"{len(v)} record{'s' if len(v) != 1 else ''} "
            f"{_TABULATE}result.to_dataframe({path!r}) or %%openapi … -t {path})"
        )
    return json_cell(v)


def _is_records(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(r, dict) for r in v[:50])


#: Levels of a value written out in a cell; deeper objects and lists show as {…} / […].
_CELL_DEPTH = 3


def json_cell(value: Any, limit: int = _VALUE_CHARS) -> str:
    """A value as one table cell shows it (a diff's old/new, an object past the flattened
    depth): short JSON, any list of records inside it as ``[3 records]`` (a wall of
    nested objects wraps unreadably; the whole value stays in the data), objects past
    :data:`_CELL_DEPTH` levels as ``{…}``, at most ``limit`` characters ending in ``…``.
    Writes out only what it shows, whatever the value's size or depth."""
    out: list[str] = []
    size = 0

    def put(text: str) -> bool:
        nonlocal size
        out.append(text)
        size += len(text)
        return size <= limit

    def walk(v: Any, depth: int) -> bool:  # False once the limit is passed
        if depth and _is_records(v):
            return put(f"[{len(v)} record{'s' if len(v) != 1 else ''}]")
        if isinstance(v, (dict, list)):
            if not v:
                return put("{}" if isinstance(v, dict) else "[]")
            if depth >= _CELL_DEPTH:
                return put("{…}" if isinstance(v, dict) else "[…]")
            is_dict = isinstance(v, dict)
            if not put("{" if is_dict else "["):
                return False
            items: Iterable[tuple[Any, Any]] = v.items() if isinstance(v, dict) else enumerate(v)
            for i, (k, x) in enumerate(items):
                if i and not put(", "):
                    return False
                if is_dict and not put(_json_head(str(k), limit) + ": "):
                    return False
                if not walk(x, depth + 1):
                    return False
            return put("}" if is_dict else "]")
        if isinstance(v, str):
            v = v[: limit + 1]
        return put(_json_head(v, limit))

    if walk(value, 0):
        return "".join(out)
    return "".join(out)[: limit - 1] + "…"


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


def text_width() -> int:
    """The terminal's width (``COLUMNS`` first, as :func:`shutil.get_terminal_size` reads
    it), 100 when there is no terminal (a kernel's)."""
    return max(20, shutil.get_terminal_size((100, 24)).columns)


_text_width = text_width  # the name the Result's text view and its tests know


def wrap(line: str, width: int) -> str:
    """``line`` wrapped to ``width`` columns (following lines indented by two)."""
    if len(line) <= width:
        return line
    return textwrap.fill(
        line, width, subsequent_indent="  ", break_long_words=True, break_on_hyphens=False
    )


def _clip(text: str, width: int) -> str:
    text = text.replace("\n", "\\n").replace("\t", " ")
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


#: What marks a highlighted (changed) cell in the text and Markdown views.
MARK = "*"


def grid_text(view: View, width: int, where: str) -> list[str]:
    """A view's cells as text lines no longer than ``width``: cells cut to
    :data:`_TEXT_COLUMN_CHARS`, marked cells followed by ``*``, the columns that do not
    fit left out with a note naming them (as pandas does), numbers right-aligned; then
    one line per cut of the view (nothing is cut silently). ``where`` names the whole
    data for a table too large to show."""
    marks = view.marks
    if view.kind == "empty":
        return [f"({_NO_DATA})"]
    if view.kind == "keyvalue":
        names = [c[0] for c in view.cells]
        key_width = min(max((len(n) for n in names), default=0), max(10, width // 3))
        room = max(10, width - key_width - 2)

        shortened: list[str] = []

        def value(i: int, v: str) -> str:
            found = _TABULATE_TEXT.fullmatch(v)
            if found and len(v) > room:  # how to see it: said short, never cut
                shortened.append(found["path"])
                v = f"{found['count']} (-t {found['path']})"
                if len(v) > room:
                    return ("\n" + " " * (key_width + 2)).join(textwrap.wrap(v, room))
            if (i, 1) in marks:
                return _clip(v, room - len(MARK)) + MARK
            return _clip(v, room)

        table = "\n".join(
            f"{_clip(n, key_width):<{key_width}}  " + value(i, v or "")
            for i, (n, v) in enumerate(view.cells)
        )
        notes = []
        if shortened:
            notes.append(wrap(_TABULATE_NOTE, width))
        return [_bounded(table, where)] + notes + cut_lines(view, width)
    heads = [_clip(c, _TEXT_COLUMN_CHARS) for c in view.columns]
    rows = [
        [
            _clip(v if v is not None else "", _TEXT_COLUMN_CHARS)
            + (MARK if (r, c) in marks else "")
            for c, v in enumerate(row)
        ]
        for r, row in enumerate(view.cells)
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

    def line(cells: list[str]) -> str:
        out = []
        for i in kept:
            cell = _clip(cells[i], widths[i])
            right = view.numeric[i] if i < len(view.numeric) else False
            out.append(cell.rjust(widths[i]) if right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    table = "\n".join([line(heads)] + [line(r) for r in rows])
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
            wrap(
                f"({left} more column{'s' if left != 1 else ''} not shown at "
                f"this width: {listed}; all in {where})",
                width,
            )
        )
    return lines + cut_lines(view, width)


_grid_text = grid_text  # the name the fleet views knew


def cut_lines(view: View, width: int) -> list[str]:
    """The view's cuts as text lines, each in parentheses and wrapped to ``width``."""
    return [wrap(f"({cut})", width) for cut in view.cuts]


def markdown_grid(view: View) -> list[str]:
    """A view as Markdown lines: the table (cells escaped, marked cells followed by
    ``*``), then one italic line per cut."""
    if view.kind == "empty":
        return [f"*{_NO_DATA}*"]
    heads = ["field", "value"] if view.kind == "keyvalue" else view.columns
    lines = ["| " + " | ".join(_md(h) for h in heads) + " |"]
    lines.append(
        "|"
        + "|".join(
            "---:" if view.kind == "table" and i < len(view.numeric) and view.numeric[i] else "---"
            for i in range(len(heads))
        )
        + "|"
    )
    lines += [
        "| "
        + " | ".join(
            _md(v if v is not None else "") + (MARK if (r, c) in view.marks else "")
            for c, v in enumerate(row)
        )
        + " |"
        for r, row in enumerate(view.cells)
    ]
    # Backticks in a cut's "how" stay code; the rest is escaped.
    lines += [f"\n*{_md(str(cut), code=True)}*" for cut in view.cuts]
    return lines


def _md(text: Any, code: bool = False) -> str:
    out = html.escape(safe_text(text), quote=False).replace("|", "\\|").replace("\n", " ")
    return out if code else out.replace("`", "\\`")


def markdown_text(result: Result, view: View) -> str:
    """A Result as Markdown: the header line, hint and warnings, then the view as a
    Markdown table (cells escaped; the raw envelope stays in the Result)."""
    lines = [f"**{_md(result.summary())}**", ""]
    if not result.ok and result.hint:
        lines += [f"Hint: {_md(result.hint)}", ""]
    lines += [f"- Catalog (sent anyway): {_md(w)}" for w in result.warnings]
    lines += markdown_grid(view)
    return _bounded("\n".join(lines), "result.df")


def result_text(result: Result, view: View, width: int | None = None) -> str:
    """A Result as plain text no wider than ``width`` (the terminal's by default): the
    header line, hint and warnings, then the view."""
    width = text_width() if width is None else width
    # A failure with no data says so on its header line: the hint that leads stays in
    # the first three lines of a terminal.
    brief = not result.ok and view.kind == "empty"
    lines = [result.summary() + (f"  ({_NO_DATA})" if brief else "")]
    if not result.ok and result.hint:
        lines.append(f"Hint: {safe_text(result.hint)}")
    lines += [f"Catalog (sent anyway): {safe_text(w)}" for w in result.warnings]
    lines = [wrap(line, width) for line in lines]
    if not brief:
        lines += grid_text(view, width, "result.body" if view.kind == "keyvalue" else "result.df")
    return "\n".join(lines)


# ---------------------------------------------------------------------- html

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
    f"max-height:28em;overflow:auto;background:{TINT};"
    f"color:{_TEXT};padding:.5em;margin:.2em 0;white-space:pre-wrap;"
    "overflow-wrap:anywhere;word-break:break-all;border:none"
)
_FOOT = f"{_DIM};font-size:90%"


def esc(text: Any) -> str:
    """``text`` through :func:`safe_text`, then escaped for HTML (quotes too)."""
    return html.escape(safe_text(text), quote=True)


def esc_code(text: Any) -> str:
    """:func:`esc`, with spans in backticks shown as ``<code>`` (a cut's "how")."""
    return _BACKTICKS.sub(r"<code>\1</code>", esc(text))


_BACKTICKS = re.compile(r"`([^`]*)`")
#: A changed cell in a table (the watch's highlight): a warm tint under the host's text.
_MARKED = (
    "background:color-mix(in srgb, var(--jp-warn-color1, #d4a72c) 30%, transparent);"
    f"color:{_TEXT};font-weight:bold"
)


def cuts_html(view: View, rows_word: str = "row") -> str:
    """The footer under a table: one line per cut of the view (nothing is cut
    silently), or the number of rows when no row was left out."""
    foot = ""
    if view.kind == "table" and view.rows_cut is None:
        foot = f'<div style="{_FOOT}">{plural(view.total, rows_word)}</div>'
    return foot + "".join(f'<div style="{_FOOT}">{esc_code(cut)}</div>' for cut in view.cuts)


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, in the plural unless ``n`` is 1 (``"3 rows"``, ``"2 bodies"``)."""
    plural = "bodies" if word == "body" else word + "s"
    return f"{n:,} {word if n == 1 else plural}"


def header_html(result: Result) -> str:
    """The header line as HTML (escaped)."""
    mark = "✔" if result.ok else "✘"
    tone = STYLE["ok"] if result.ok else STYLE["fail"]
    msg = f" &middot; {esc(result.msg)}" if result.msg else ""
    meaning = (
        f" ({esc(result.meaning)})"
        if not result.ok and result.meaning and result.meaning != result.msg
        else ""
    )
    mode = "encrypted" if result.encrypted else "plain"
    verdict = result.sign_verdict
    if verdict == "mismatch":
        sign = f'<span style="{STYLE["mismatch"]}">SIGN MISMATCH</span>'
    elif verdict == "absent":
        sign = (
            f'<span style="{STYLE["absent"]}" title="Real splicers send an empty sign; '
            f'this is normal.">sign absent</span>'
        )
    else:
        style = STYLE.get(verdict, "")
        sign = f'<span style="{style}">sign {esc(verdict)}</span>'
    parts = [
        f'<span style="{tone};font-weight:bold">{mark} {"ok" if result.ok else "failed"}</span>',
        f"<code>{esc(result.interface)}</code>",
        f"status {esc(result.status)}{meaning}{msg}",
        f"{result.elapsed * 1000:.1f} ms",
        mode,
        sign,
    ]
    if result.firmware:
        parts.append(f"firmware {esc(result.firmware)}")
    line = " &middot; ".join(parts)
    if not result.ok and result.hint:
        line += f'<div style="{STYLE["fail"]}">Hint: {esc(result.hint)}</div>'
    line += warnings_html(result.warnings)
    return (
        f'<div class="openapi-magic-header" style="overflow-wrap:anywhere;'
        f'text-align:left">{line}</div>'
    )


def warnings_html(warnings: Any) -> str:
    """The catalog's doubts about a call that was sent anyway, as HTML (escaped)."""
    if not warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return (
        f'<div class="openapi-magic-warnings" style="{STYLE["warn"]}">The catalog expected '
        f'otherwise (sent anyway; the splicer decides):<ul style="margin:0">{items}</ul>'
        "</div>"
    )


def grid_html(view: View, css_class: str = "openapi-magic-table") -> str:
    """A view's cells as an HTML table in a box that scrolls sideways (escaped, inline
    styles), marked cells highlighted: the one table renderer of a Result, a fleet
    result, a watch and the form."""
    marks = view.marks

    def text(v: str | None, marked: bool) -> str:
        shown = esc("" if v is None else v)
        if not marked:
            return shown
        return f'<span style="{_MARKED}" title="{esc(view.mark_title)}">{shown}</span>'

    if view.kind == "keyvalue":
        rows = "".join(
            f'<tr><th style="{_TH};border-bottom:none;vertical-align:top">{esc(k)}</th>'
            f'<td style="{_TD}text-align:left;white-space:pre-wrap;overflow-wrap:anywhere;'
            f'min-width:8em">{text(v or "", (i, 1) in marks)}</td></tr>'
            for i, (k, v) in enumerate(view.cells)
        )
        table = (
            f'<table class="openapi-magic-keyvalue" style="{_TABLE}"><tbody>{rows}</tbody></table>'
        )
    else:

        def td(v: str | None, right: bool, marked: bool) -> str:
            wrap = (
                "white-space:nowrap"
                if len(v or "") <= _SHORT
                else "white-space:pre-wrap;overflow-wrap:anywhere;min-width:16em;max-width:40em"
            )
            return (
                f'<td style="{_TD}text-align:{"right" if right else "left"};{wrap}">'
                f"{text(v, marked)}</td>"
            )

        numeric = view.numeric or [False] * len(view.columns)
        head = "".join(
            f'<th style="{_TH};text-align:{"right" if r else "left"}">{esc(c)}</th>'
            for c, r in zip(view.columns, numeric)
        )
        body = "".join(
            "<tr>"
            + "".join(
                td(v, right, (i, c) in marks) for c, (v, right) in enumerate(zip(row, numeric))
            )
            + "</tr>"
            for i, row in enumerate(view.cells)
        )
        table = (
            f'<table class="{css_class}" style="{_TABLE}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
    return f'<div style="{_SCROLL}">{table}</div>'


def _table_html(result: Result, view: View) -> str:
    if view.kind == "empty":
        return f'<p style="{_DIM}"><i>{_NO_DATA}</i> (the splicer sent an empty body)</p>'
    title = "Reply body"
    if view.key:
        title += f" &middot; <code>{esc(view.key)}</code>"
    where = "result.df" if view.kind == "table" else "result.body"
    table = _bounded_html(grid_html(view), where)
    return f"<div><b>{title}</b></div>{table}{cuts_html(view)}"


def _bounded_html(table: str, where: str) -> str:
    if len(table) <= OUTPUT_CHARS:
        return table
    return f'<p style="{_DIM}">{esc(_bounded(table, where))}</p>'


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


def _cut(text: str, where: str = "the Result") -> str:
    """``text`` escaped for a ``<pre>``, its first :data:`RAW_DISPLAY_CHARS` characters
    and a line saying how many more there are and ``where`` the whole is."""
    return esc(shorten(text, RAW_DISPLAY_CHARS, where, sep="\n"))


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
            return esc("".join(head))  # it all fits
    except (TypeError, ValueError, RecursionError):
        return _cut(_pretty(envelope))
    of = f"the reply as received is {received:,} characters, and " if received else ""
    return (
        esc("".join(head)) + f"\n… (more characters cut here; {of}the full text is in the Result)"
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
        else f'<div style="{STYLE["warn"]};font-size:90%">Plain mode: the sign covers only '
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
        f"{esc(result.http_status)})</span></summary>"
        f'<div style="overflow-wrap:anywhere">Request as sent: POST '
        f"<code>{esc(result.url)}</code></div>"
        f"<pre {pre}>{request}</pre>{decrypted}{plain_note}"
        f"<div>Reply as received: HTTP {esc(result.http_status)}</div>"
        f"<pre {pre}>{reply}</pre></details>"
    )


def render_html(result: Result, view: View | None = None) -> str:
    """The whole notebook view of a Result: the header, the table (beside a picture of
    the wall where the reply describes one), then the raw envelope one click away.
    ``view``: the Result's own table view unless given."""
    return _render_html(result, result._view() if view is None else view)


def _render_html(result: Result, view: View) -> str:
    from ._draw import svg  # a reply that describes geometry shows the wall beside its table

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
        f'<div><span style="{STYLE["warn"]};font-weight:bold">DRY RUN</span> (nothing sent) '
        f"&middot; <code>{esc(prepared.interface)}</code> &middot; {mode}</div>",
        f"<div>POST <code>{esc(prepared.url)}</code></div>",
        warnings_html(getattr(prepared, "warnings", ())),
        "<div>Envelope that would be sent:</div>"
        f"<pre {pre}>{_cut(_pretty(prepared.envelope), 'prepared.envelope')}</pre>",
    ]
    if prepared.encrypted:
        parts.append(
            "<div>Body before encryption:</div>"
            f"<pre {pre}>{_cut(_pretty(prepared.body), 'prepared.body')}</pre>"
        )
    parts.append(
        f"<div>String signed (md5, then hex, then Base64; the secretKey is masked):</div>"
        f"<pre {pre}>{_cut(prepared.sign_input, 'prepared.sign_input')}</pre>"
    )
    if not prepared.encrypted:
        parts.append(
            f'<div style="{STYLE["warn"]}">Plain mode: the sign covers only '
            "timeStamp and "
            "pId, not the body.</div>"
        )
    parts.append("</div>")
    return "".join(parts)
