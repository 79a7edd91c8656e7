"""What was sent tonight: every call that left this computer, one :class:`Sent` each.

A :class:`History` belongs to a notebook session (``%openapi_history``,
``openapi_magic.history()``); a :class:`~openapi_magic.client._client.Client` given one
records each call it sends (:meth:`Client.send <openapi_magic.client._client.Client.send>`),
and a fleet records each attempt where its outcome is collected. Only calls that were
sent, or tried: a dry run, a call the catalog refused, a write refused by read-only or a
declined confirm never left, and are not here. A call that did not reach the splicer
(connection refused, a timeout) is, marked ``reached`` False or unknown, so a write that
failed to reach the wall is seen.

An entry holds the time, the splicer's name and root (without a login), the interface,
the plaintext request body (as captures keep it), the vendor's status, whether it was
ok and a write, and which front-end sent it; never a secretKey, a sign or a ciphertext.
With a ``path`` each entry is also appended to a JSON-lines file (one object a line),
so the log outlives the kernel: :meth:`History.load` reads it back.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..core._lazy import pandas as pd
from ..core.capture_format import compact
from ..core.catalog import is_read
from ..errors import ConfigError, ConnectError, OpenAPIError
from ..render._tables import Cut, Shown, TableShown, View, frame_view, plural
from ._guards import public_root

if TYPE_CHECKING:  # pragma: no cover
    from ._result import Result

__all__ = ["HISTORY_CAP", "ORIGINS", "History", "HistoryView", "Sent", "sent_after"]

#: Entries a session keeps in memory (the oldest go first); the file keeps every one.
HISTORY_CAP = 10_000
#: Rows ``%openapi_history`` shows unless told (``--last N``); ``history()`` has all.
SHOWN_ROWS = 50
#: Characters of a request body kept in an entry (a larger body is kept cut, as text).
BODY_CHARS = 4_000
#: Who sent a call: the front-ends, a Client used directly, a fleet run from Python.
ORIGINS = ("magic", "form", "cli", "watch", "capture", "client", "fleet")
#: The columns of :meth:`History.df`, in order.
COLUMNS = (
    "time",
    "origin",
    "splicer",
    "root",
    "interface",
    "write",
    "body",
    "status",
    "ok",
    "reached",
    "error",
    "elapsed_ms",
)


def sent_after(exc: BaseException) -> bool | None:
    """Whether a call that raised ``exc`` reached the splicer: False when it was refused
    or the connection was never made, True when something came back (an HTTP error, a
    reply that did not open), None when a transport failure leaves it unknown."""
    if isinstance(exc, KeyboardInterrupt):
        return getattr(exc, "openapi_sent", None)
    if isinstance(exc, (ConfigError, ConnectError)) or not isinstance(exc, OpenAPIError):
        return False
    if exc.raw_text is not None or exc.http_status is not None:
        return True
    return None


@dataclass(frozen=True)
class Sent:
    """One call sent (or tried): ``time`` (epoch seconds), ``origin`` (one of
    :data:`ORIGINS`), ``splicer`` (its name, or None) and ``root``, ``interface``, ``write``
    (the catalog does not list it as a read), ``body`` (the plaintext request body),
    ``status`` (the vendor's, None when no reply opened), ``ok``, ``reached`` (True: an
    answer came; False: it never reached the splicer; None: unknown), ``error`` (a short
    message, ``""`` for a reply that opened) and ``elapsed_ms``."""

    time: float
    origin: str
    splicer: str | None
    root: str
    interface: str
    write: bool
    body: Any
    status: int | None
    ok: bool
    reached: bool | None
    error: str = ""
    elapsed_ms: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as one JSON object (``time`` as ISO 8601 UTC, to the millisecond)."""
        data = asdict(self)
        data["time"] = _iso(self.time)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sent:
        """An entry read back from :meth:`to_json`'s object."""
        known: dict[str, Any] = {k: data.get(k) for k in COLUMNS}
        stamp = _dt.datetime.fromisoformat(str(known["time"]).replace("Z", "+00:00"))
        known["time"] = stamp.timestamp()
        known["write"], known["ok"] = bool(known["write"]), bool(known["ok"])
        known["error"] = known["error"] or ""
        return cls(**known)


def _iso(seconds: float) -> str:
    stamp = _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _kept_body(body: Any) -> Any:
    """The body as sent, a plain JSON copy (a later change to the caller's dict does not
    rewrite the log); a body past :data:`BODY_CHARS` kept as its cut JSON text."""
    if body is None:
        return {}
    try:
        text = json.dumps(body, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return compact(body, BODY_CHARS)
    if len(text) > BODY_CHARS:
        return compact(body, BODY_CHARS)
    kept: Any = json.loads(text)
    return kept


def entry(
    *,
    origin: str,
    splicer: str | None,
    root: str,
    interface: str,
    body: Any,
    result: Result | None = None,
    error: BaseException | None = None,
    when: float | None = None,
    elapsed: float | None = None,
) -> Sent:
    """The one way an entry is made from what came of a call: ``result`` (a reply that
    opened, whatever its status) or ``error`` (what the call raised)."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, not {origin!r}.")
    status: int | None = None
    reached: bool | None
    if result is not None:
        status, ok, reached, message = result.status, result.ok, True, ""
        elapsed = result.elapsed if elapsed is None else elapsed
    else:
        inner = getattr(error, "result", None)
        status = getattr(inner, "status", None)
        ok, reached = False, sent_after(error) if error is not None else None
        if isinstance(error, OpenAPIError):
            message = error.message
        elif isinstance(error, KeyboardInterrupt):
            message = "Interrupted."
        else:
            message = type(error).__name__ if error is not None else ""
    return Sent(
        time=round(time.time() if when is None else when, 3),  # as the file keeps it
        origin=origin,
        splicer=splicer,
        root=public_root(root),
        interface=interface,
        write=not is_read(interface),
        body=_kept_body(body),
        status=status,
        ok=bool(ok),
        reached=reached,
        error=message,
        elapsed_ms=None if elapsed is None else round(elapsed * 1000, 1),
    )


class History(Shown):
    """The calls one session sent, oldest first in memory (at most ``maxlen``; the
    oldest go first), each also appended to the JSON-lines file ``path`` when set.

    Safe to record from several threads at once (a fleet's, a watch's). ``df()`` and
    :meth:`view` show them newest first.
    """

    def __init__(self, maxlen: int = HISTORY_CAP, path: str | os.PathLike | None = None) -> None:
        self._entries: deque[Sent] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._path: Path | None = None
        self.path = path
        self._warned = False

    @property
    def path(self) -> Path | None:
        """The JSON-lines file each entry is appended to (``None``: memory only)."""
        return self._path

    @path.setter
    def path(self, value: str | os.PathLike | None) -> None:
        self._path = Path(value).expanduser() if value else None
        self._warned = False

    def __len__(self) -> int:
        return len(self._entries)

    def __getstate__(self) -> dict:
        # A client travels to a process or dask worker without its history: its entries
        # stay here, and the fleet that sent it records the attempt when it comes back.
        raise TypeError("A History does not travel between processes.")

    def record(self, sent: Sent) -> Sent:
        """Keep ``sent`` (and append it to the file, when there is one)."""
        with self._lock:
            self._entries.append(sent)
            path = self.path
            if path is not None:
                self._append(path, sent)
        return sent

    def add(self, **call: Any) -> Sent:
        """Make an entry from what came of one call (:func:`entry`'s keywords) and keep it."""
        return self.record(entry(**call))

    def _append(self, path: Path, sent: Sent) -> None:
        line = json.dumps(sent.to_json(), ensure_ascii=False, default=str) + "\n"
        try:
            # One write of one line in append mode: lines from two kernels sharing the
            # file do not interleave mid-line.
            with open(path, "a", encoding="utf-8") as f:
                f.write(line)
        except OSError as exc:
            if not self._warned:  # the call itself went: the log's failure is said once
                self._warned = True
                warnings.warn(
                    f"Could not append to the history file {path} "
                    f"({exc.strerror or type(exc).__name__}); the calls are still kept "
                    "in this session (openapi_magic.history()).",
                    stacklevel=3,
                )

    @classmethod
    def load(cls, path: str | os.PathLike, maxlen: int | None = None) -> History:
        """The entries of a JSON-lines history file (a line that is not an entry is
        skipped). The loaded history does not append to the file."""
        p = Path(path).expanduser()
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the history file {p} ({exc.strerror or type(exc).__name__})."
            ) from None
        found = []
        for line in text.splitlines():
            try:
                found.append(Sent.from_json(json.loads(line)))
            except (ValueError, TypeError, KeyError):
                continue
        history = cls(maxlen=maxlen or max(HISTORY_CAP, len(found)))
        history._entries.extend(found)
        return history

    def entries(self, *, writes: bool = False, last: int | None = None) -> list[Sent]:
        """The entries newest first; ``writes`` keeps the writes only, ``last`` the
        newest ``last`` of those."""
        with self._lock:
            kept: Iterable[Sent] = reversed(list(self._entries))
        picked = [e for e in kept if e.write or not writes]
        return picked if last is None else picked[: max(0, last)]

    def df(self, *, writes: bool = False, last: int | None = None) -> pd.DataFrame:
        """The entries as a DataFrame, newest first (:data:`COLUMNS`; ``time`` in UTC)."""
        return _frame(self.entries(writes=writes, last=last))

    def view(
        self, *, writes: bool = False, last: int | None = None, rows: int | None = SHOWN_ROWS
    ) -> HistoryView:
        """What ``%openapi_history`` shows: the entries as a table, newest first, at
        most ``rows`` of them (the rest said, not cut silently)."""
        return HistoryView(self.entries(writes=writes, last=last), writes=writes, rows=rows)

    def __repr__(self) -> str:
        return repr(self.view())

    def _repr_html_(self) -> str:
        return self.view()._repr_html_()

    def _repr_markdown_(self) -> str:
        return self.view()._repr_markdown_()


def _frame(found: list[Sent]) -> pd.DataFrame:
    # column by column, each with its type: asdict would deep-copy every body, and
    # object columns converted afterwards cost seconds for a full history
    kinds = {"time": "float64", "write": "bool", "ok": "bool", "elapsed_ms": "float64"}
    frame = pd.DataFrame(
        {
            name: pd.Series([getattr(e, name) for e in found], dtype=kinds.get(name, object))
            for name in COLUMNS
        }
    )
    frame["time"] = pd.to_datetime(frame["time"], unit="s", utc=True)
    frame["status"] = pd.array([e.status for e in found], dtype="Int64")
    return frame


class HistoryView(TableShown):
    """A table of sent calls (newest first): the ``%openapi_history`` output."""

    _where = "`openapi_magic.history()`"
    _css = "openapi-magic-history"
    _rows_word = "call"

    def __init__(
        self, found: list[Sent], *, writes: bool = False, rows: int | None = SHOWN_ROWS
    ) -> None:
        self.found = list(found)
        self.writes = writes
        self.rows = rows

    def _view(self) -> View | None:
        if not self.found:
            return None
        # only the rows shown are laid out; the cut says how many more there are
        found = self.found if self.rows is None else self.found[: self.rows]
        shown = pd.DataFrame(
            {
                "time (UTC)": [_iso(e.time)[5:-5].replace("T", " ") for e in found],
                "write": ["WRITE" if e.write else "" for e in found],
                "interface": [e.interface for e in found],
                "status": pd.Series([e.status for e in found], dtype=object),
                "result": [_verdict(e) for e in found],
                "splicer": [e.splicer or _host(e.root) for e in found],
                "body": [compact(e.body, 40) for e in found],
                "from": [e.origin for e in found],
                "error": [e.error for e in found],
                "root": [e.root for e in found],
            }
        )
        view = frame_view(shown, None, where=self._where, what="calls")
        if len(found) < len(self.found):
            view.total = len(self.found)
            view.cuts.insert(0, Cut("calls", len(found), len(self.found), self._where))
        return view

    def _head(self) -> str:
        what = "write" if self.writes else "call"
        if not self.found:
            return f"No {what}s sent in this session yet."
        n_writes = sum(e.write for e in self.found)
        head = f"{plural(len(self.found), what)} sent, newest first"
        if not self.writes:
            head += f" ({plural(n_writes, 'write')})"
        failed = sum(not e.ok for e in self.found)
        return head + (f"; {failed} did not succeed" if failed else "") + "."


def _verdict(sent: Sent) -> str:
    """A word or three on what came of a call, for the table (the error has its column)."""
    if sent.ok:
        return "ok"
    if sent.reached is False:
        return "NOT REACHED"
    if sent.reached is None:
        return "reached? unknown"
    return "failed"


def _host(root: str) -> str:
    return urlsplit(root).netloc or root
