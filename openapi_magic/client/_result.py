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

import operator
from dataclasses import dataclass, field
from typing import Any

from ..core import _fast
from ..core._lazy import pandas as pd
from ..errors import SignatureError, StatusError

# The views live in the renderer; their names stay importable from here (many modules,
# notebooks and tests import them from the Result's module).
from ..render._tables import _DIM as _DIM
from ..render._tables import CELL_DISPLAY_CHARS as CELL_DISPLAY_CHARS
from ..render._tables import DEFAULT_DISPLAY_LIMIT as DEFAULT_DISPLAY_LIMIT
from ..render._tables import DISPLAY_COLUMNS as DISPLAY_COLUMNS
from ..render._tables import DISPLAY_FIELDS as DISPLAY_FIELDS
from ..render._tables import OUTPUT_CHARS as OUTPUT_CHARS
from ..render._tables import RAW_DISPLAY_CHARS as RAW_DISPLAY_CHARS
from ..render._tables import (
    STYLE,
    View,
    inert,
    is_time_field,
    result_text,
    rows_view,
    tone,
    utc_time,
)
from ..render._tables import _bounded as _bounded
from ..render._tables import _cut as _cut
from ..render._tables import _pretty as _pretty
from ..render._tables import _reply_view as _reply_view
from ..render._tables import _short_text as _short_text
from ..render._tables import _text_width as _text_width
from ..render._tables import envelope_html as envelope_html
from ..render._tables import frame_view as frame_view
from ..render._tables import grid_html as grid_html
from ..render._tables import header_html as header_html
from ..render._tables import markdown_text as markdown_text
from ..render._tables import prepared_html as prepared_html
from ..render._tables import prepared_text as prepared_text
from ..render._tables import render_html as render_html
from ..render._tables import safe_text as safe_text
from ..render._tables import shown_frame as shown_frame
from ..render._tables import warnings_html as warnings_html

_View, _STYLE, _tone = View, STYLE, tone

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
        body = self.__dict__.get("_body")
        if (
            isinstance(body, _fast.Deferred)
            and body.columns is not None
            and body.key == (key or self.records_hint)
        ):
            # The records' columns, read straight from the reply: no dict per record.
            frame = _times_as_utc(_columns_frame(body.columns))
            body.columns = None  # the frame holds them now
            self._frame, self._frame_key = frame, key
            return frame
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
        # The splicer's msg, inert: a terminal prints an error message as it is.
        return inert(f"{self.interface} failed with status {self.status}{meaning}{msg}.")

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
        deferred = self.__dict__.get("_body")
        if isinstance(deferred, _fast.Deferred) and deferred.key == (
            self.records or self.records_hint
        ):
            rows = f" rows={deferred.rows}"  # counted without decoding the body
        elif self.body is not None:
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
        return self._text(self._view())

    def _text(self, view: View, width: int | None = None) -> str:
        return result_text(self, view, width)

    def _view(self) -> View:
        """The table this Result shows: its records, cut to ``display_limit`` rows."""
        try:
            rows, key = find_records(self.body, self.records, self.records_hint)
        except KeyError:
            rows, key = self.body, None
        return rows_view(rows, key, self.display_limit)

    def _repr_markdown_(self) -> str:
        """The view as Markdown (what ``nbconvert --to markdown`` and Markdown-first
        front-ends show): the header line, then the table as a Markdown table."""
        return markdown_text(self, self._view())

    def __str__(self) -> str:
        return self.to_text()

    # ------------------------------------------------------------------ html

    def _repr_html_(self) -> str:
        return render_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        view = self._view()  # once for all three: building the view is most of the cost
        return {
            "text/plain": self._text(view),
            "text/html": render_html(self, view),
            "text/markdown": markdown_text(self, view),
        }


def _get_body(self: Result) -> Any:
    body = self.__dict__["_body"]
    if isinstance(body, _fast.Deferred):  # decoded on first use, then kept
        body = self.__dict__["_body"] = body.value()
    return body


def _set_body(self: Result, value: Any) -> None:
    self.__dict__["_body"] = value


# The decoded body, made when first read where the reply came as records' columns (a
# large encrypted reply): the dataclass's own ``body`` field, read through this property.
Result.body = property(
    _get_body, _set_body, doc="The decoded (decrypted, parsed) body; None for no data."
)


def _view(result: Result) -> View:
    """The table ``result`` shows (:meth:`Result._view`)."""
    return result._view()


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
    with dotted names; a dict → one row; scalars → a ``value`` column. A time
    field the splicer sends as epoch seconds (``createTime``...) becomes a UTC
    datetime column, the date the tables show (kept as sent if any value is not
    such a time)."""
    return _times_as_utc(_records_frame(rows))


def _times_as_utc(frame: pd.DataFrame) -> pd.DataFrame:
    for i, name in enumerate(frame.columns):
        if not is_time_field(name):
            continue
        values = frame.iloc[:, i].tolist()
        absent = [v is None or (isinstance(v, float) and v != v) for v in values]
        stamps = [None if a else utc_time(v) for a, v in zip(absent, values)]
        if all(absent) or any(s is None and not a for s, a in zip(stamps, absent)):
            continue
        frame.isetitem(i, pd.Series(pd.to_datetime(stamps, utc=True), index=frame.index))
    return frame


def _records_frame(rows: Any) -> pd.DataFrame:
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
        return _columns_frame(columns)
    return pd.DataFrame({"value": rows})


def _columns_frame(columns: list[tuple[Any, list]]) -> pd.DataFrame:
    # The columns json_normalize / from_records would build, each handed to pandas
    # as it is (no row tuples, no 2-D object array): each column is inferred on its
    # own, as theirs are, so the dtypes and values are the same.
    names = [name for name, _ in columns]
    by_name = dict(columns)
    return pd.DataFrame(by_name, columns=names)


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
