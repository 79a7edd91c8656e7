"""Watching a splicer: poll one interface in the background, one view kept up to date.

:class:`Watch` polls one interface on one splicer or a fleet (the targets
``fleet.run`` takes: Clients, Profiles, profile names, simulated splicers) every
``every`` seconds from background threads, so the kernel stays free, and keeps
**one** output up to date in place (an IPython display handle): the latest table
(rendered as a :class:`~openapi_magic.client._result.Result` renders its records), the
time of the last answer, the cells that changed since the previous poll
highlighted, and an "offline" state after ``offline_after`` missed polls in a
row, which clears itself when the splicer answers again. The view is drawn by the one
renderer (:mod:`openapi_magic.render._tables`): HTML in a notebook, the terminal's-width text
view in a terminal; ``fields=`` (or :meth:`Watch.fields`) chooses the fields shown, the
first :data:`VIEW_ROWS` rows or fields are shown plus every changed one wherever it sits,
and whatever is left out is counted and said.

What counts as a miss: a transport failure (no connection, a timeout, an HTTP
error). A reply with a vendor failure status is an answer (the splicer is there).

One request at a time per splicer (per host:port, across every watch of this
process): a poll still running when the next is due is skipped, not queued, and
the view counts the skipped polls. Polls never pile up behind a slow splicer.

``.history`` is a time-indexed DataFrame, one row per poll and splicer, with the
flattened scalar fields of each reply (``temperature``, ``fans.0.speed``...),
bounded by ``maxlen`` rows, so values can be plotted over the evening.

A watch stops with ``.stop()``, its Stop button (in a notebook with widgets), at
interpreter or kernel shutdown (``atexit``), or, in a terminal, with Ctrl-C
during :meth:`Watch.follow`. Every value from the splicer is escaped in HTML and
made inert in text (control characters shown as ``\\x1b``); no view, repr or
history holds a secretKey.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..client._result import Result, find_records
from ..core._lazy import pandas as pd
from ..core.catalog import normalize_path
from ..errors import ConfigError, OpenAPIError, TransportError

if TYPE_CHECKING:  # pragma: no cover
    from ..client._history import History
from ..render._tables import (
    _DIM,
    STYLE,
    Cut,
    View,
    cuts_html,
    esc,
    grid_html,
    grid_text,
    header_html,
    inert,
    inert_view,
    rows_view,
    text_width,
    wrap,
)

__all__ = [
    "DEFAULT_EVERY",
    "DEFAULT_MAXLEN",
    "DEFAULT_OFFLINE_AFTER",
    "Watch",
    "inert",
    "render_html",
    "render_text",
    "watch",
]

#: Seconds between polls unless told otherwise.
DEFAULT_EVERY = 5.0
#: Missed polls in a row after which a splicer is shown offline.
DEFAULT_OFFLINE_AFTER = 3
#: Rows kept in ``Watch.history`` (a poll every 5 s for 12 hours is 8,640).
DEFAULT_MAXLEN = 10_000
#: Scalar fields kept per history row (a huge reply must not make a huge frame).
HISTORY_FIELDS = 500
#: Rows (or fields, for one record) of one splicer's table shown in the view; changed
#: ones are shown besides, and the view says how many more there are.
VIEW_ROWS = 20
#: Rows of a reply compared between polls (a changed row past them is not found).
SCAN_ROWS = 1_000

_OFFLINE = (
    "color:#fff;background:var(--jp-error-color1, #cf222e);padding:0 .4em;"
    "border-radius:3px;font-weight:bold"
)
_ONLINE = f"{STYLE['ok']};font-weight:bold"


# A watch on a splicer must not ask while another watch (or this one) is still asking it:
# one lock per host:port, shared by every watch in the process (the one piece of state that
# cannot live in a Watch, since two watches must see the same lock).
_HOST_LOCKS: dict[str, threading.Lock] = {}
_HOST_LOCKS_GUARD = threading.Lock()


def _host_lock(host: str) -> threading.Lock:
    with _HOST_LOCKS_GUARD:
        return _HOST_LOCKS.setdefault(host, threading.Lock())


class _Splicer:
    """One watched splicer: its client and what its polls found."""

    def __init__(self, label: str, client: Any, host: str, owned: bool) -> None:
        self.label, self.client, self.host, self.owned = label, client, host, owned
        self.result: Result | None = None
        #: The whole reply's view (up to SCAN_ROWS rows), before the watch's own cut.
        self.view: View | None = None
        #: Cells changed since the previous poll: (row, field) for a table, (0, field)
        #: for one record's field/value rows.
        self.changed: set[tuple[int, str]] = set()
        self.last_answer: float | None = None
        self.misses = 0
        self.polls = 0
        self.skipped = 0
        self.error: str | None = None
        self.offline = False


class Watch:
    """Poll ``interface`` with ``body`` on one splicer or several, every ``every`` s.

    ``targets`` is a :class:`~openapi_magic.client._client.Client` or what ``fleet.run``
    takes (a list or dict of Clients, Profiles, profile names or simulated
    splicers; a dict's keys label the splicers). ``offline_after`` missed polls
    in a row show a splicer offline; ``maxlen`` bounds ``history``; ``records``
    picks the records to tabulate (as ``%%openapi -t``); ``fields`` the fields (or
    columns) shown, as names, last parts or groups (``["brightness", "Osd"]`` or
    ``"brightness,Osd"``; :meth:`fields` changes them later); ``timeout`` is per
    poll (the client's own by default). ``show``: display the live view
    (``None``: when running in a notebook kernel); ``handle``: an object with
    ``update(bundle, raw=True)`` to update instead (a display handle). Each poll sent
    is recorded (as sent by a watch) in ``log``, a session's
    :class:`~openapi_magic.client._history.History` (default: each client's own).
    ``start=False`` builds the watch without polling (then :meth:`start`).
    """

    def __init__(
        self,
        targets: Any,
        interface: str,
        body: Any = None,
        *,
        every: float = DEFAULT_EVERY,
        offline_after: int = DEFAULT_OFFLINE_AFTER,
        maxlen: int = DEFAULT_MAXLEN,
        records: str | None = None,
        fields: str | list[str] | tuple[str, ...] | None = None,
        timeout: float | None = None,
        encrypt: bool | None = None,
        profiles: Any = None,
        show: bool | None = None,
        handle: Any = None,
        start: bool = True,
        clock: Callable[[], float] = time.time,
        log: History | None = None,
    ) -> None:
        from . import fleet  # fleet imports the client; the client imports this lazily

        self.every = _positive(every, "every")
        if (
            isinstance(offline_after, bool)
            or not isinstance(offline_after, int)
            or offline_after < 1
        ):
            raise ConfigError(
                f"offline_after must be a whole number of polls, at least 1, not {offline_after!r}."
            )
        if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1:
            raise ConfigError(f"maxlen must be a whole number of rows, at least 1, not {maxlen!r}.")
        self.interface = normalize_path(interface)
        self.body = {} if body is None else body
        self.offline_after = offline_after
        self.maxlen = maxlen
        self.records = records
        self._fields = _field_names(fields)
        self.timeout = timeout
        self.encrypt = encrypt
        self._clock = clock
        self._log = log
        self.fleet = not _single(targets)
        resolved = fleet._resolve(targets, profiles)
        broken = [t for t in resolved if t.client is None]
        if broken:
            raise ConfigError(f"Cannot watch {broken[0].label}: {broken[0].error}")
        if not resolved:
            raise ConfigError("Nothing to watch: give a Client or a list of splicers.")
        _refuse_polled_writes(self.interface, resolved)
        self._splicers = [_Splicer(t.label, t.client, t.host, t.owned) for t in resolved]
        self._history: deque = deque(maxlen=maxlen)
        self._stop = threading.Event()
        self._updated = threading.Event()
        self._lock = threading.RLock()  # the splicers' state, the history, the view
        self._threads: list[threading.Thread] = []
        self._started: float | None = None
        self._stopped_at: float | None = None
        self._handle = handle
        self._button: Any = None
        self._shown = False  # the live view is in a notebook output
        self._show = show
        self.updates = 0  #: how many times the view was updated
        if start:
            self.start()

    # ------------------------------------------------------------------ life

    def start(self) -> Watch:
        """Start polling (once; a stopped watch does not restart: make a new one)."""
        if self._threads:
            return self
        if self._handle is None and (self._show or (self._show is None and _in_kernel())):
            self._display()
        self._started = self._clock()
        atexit.register(self._at_exit)
        for spl in self._splicers:
            thread = threading.Thread(
                target=self._loop,
                args=(spl,),
                daemon=True,
                name=f"openapi-watch:{self.interface}:{spl.label}",
            )
            self._threads.append(thread)
            thread.start()
        self._refresh()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop polling and wait (up to ``timeout`` s; default: the clients' timeout)
        for a poll in flight to end. The view says it stopped; the history stays."""
        self._stop.set()
        atexit.unregister(self._at_exit)
        if timeout is None:
            timeout = (
                max((getattr(s.client, "timeout", 10.0) for s in self._splicers), default=10.0)
                + 1.0
            )
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            if self._stopped_at is None:
                self._stopped_at = self._clock()
        if self._button is not None:
            self._button.disabled = True
            self._button.description = "Stopped"
        self._refresh()
        for spl in self._splicers:
            if spl.owned and not any(t.is_alive() for t in self._threads):
                spl.client.close()

    def _at_exit(self) -> None:
        self.stop(timeout=1.0)

    @property
    def running(self) -> bool:
        """True while a polling thread is alive."""
        return any(t.is_alive() for t in self._threads)

    def __enter__(self) -> Watch:  # noqa: PYI034 (typing.Self needs 3.11)
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def follow(
        self, out: Any = None, *, refresh: float | None = None, count: int | None = None
    ) -> None:
        """Print the text view in the foreground each time it changes, until Ctrl-C (or
        :meth:`stop` from elsewhere, or every splicer polled ``count`` times); then stop.
        For terminals (no notebook view)."""
        import sys

        out = sys.stdout if out is None else out
        clear = "\x1b[H\x1b[2J" if getattr(out, "isatty", lambda: False)() else ""
        wait = self.every if refresh is None else refresh
        last = None
        try:
            while True:
                text = self.to_text()
                if text != last:
                    print(clear + text + ("" if clear else "\n"), file=out, flush=True)
                    last = text
                if not self.running or (count is not None and self._polled(count)):
                    break
                self._updated.wait(wait)
                self._updated.clear()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
            text = self.to_text()
            if text != last:
                print(clear + text, file=out, flush=True)

    # ------------------------------------------------------------------ polling

    def _loop(self, spl: _Splicer) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            lock = _host_lock(spl.host)
            if lock.acquire(blocking=False):
                try:
                    self._poll(spl)
                finally:
                    lock.release()
            else:  # another watch is asking this splicer right now
                with self._lock:
                    spl.skipped += 1
            self._refresh()
            due += self.every
            now = time.monotonic()
            if due <= now:  # the poll overran: the polls due meanwhile are skipped
                late = math.floor((now - due) / self.every) + 1
                with self._lock:
                    spl.skipped += late
                due += late * self.every
            self._stop.wait(due - now)

    def _poll(self, spl: _Splicer) -> None:
        when = self._clock()
        row: dict[str, Any] = {"splicer": spl.label}
        try:
            result = spl.client.call(
                self.interface,
                self.body,
                timeout=self.timeout,
                records=self.records,
                encrypt=self.encrypt,
                origin="watch",
                history=self._log,
            )
        except TransportError as exc:
            with self._lock:
                spl.polls += 1
                spl.misses += 1
                spl.error = exc.message
                if spl.misses >= self.offline_after:
                    spl.offline = True
                row.update(online=False, status=None, elapsed_ms=None, error=exc.message)
                self._history.append((when, row))
            return
        except (OpenAPIError, Exception) as exc:  # noqa: BLE001 - a poll must never kill the loop
            # A reply arrived but was not usable (bad envelope, wrong key): the splicer is there.
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            with self._lock:
                spl.polls += 1
                spl.misses = 0
                spl.offline = False
                spl.last_answer = when
                spl.error = message
                row.update(online=True, status=None, elapsed_ms=None, error=message)
                self._history.append((when, row))
            return
        view = _full_view(result, self.records)
        with self._lock:
            spl.changed = _changes(spl.view, view) if spl.view is not None else set()
            spl.result, spl.view = result, view
            spl.polls += 1
            spl.misses = 0
            spl.offline = False
            spl.last_answer = when
            spl.error = None
            row.update(
                online=True,
                status=result.status,
                elapsed_ms=result.elapsed * 1000,
                error=None if result.ok else result._failure_sentence(),
            )
            # A reply field named like a bookkeeping column (device/readDetail has `status`)
            # must not overwrite it: it is kept as `body.<name>`.
            for key, value in _scalars(result.body).items():
                row[f"body.{key}" if key in row else key] = value
            self._history.append((when, row))

    # ------------------------------------------------------------------ data

    @property
    def history(self) -> pd.DataFrame:
        """One row per poll and splicer, time-indexed (local time): ``splicer``,
        ``online``, ``status`` (the vendor's), ``elapsed_ms``, ``error`` and the reply's
        scalar fields (one named like those columns is ``body.<name>``)."""
        with self._lock:
            rows = list(self._history)
        frame = pd.DataFrame(
            [row for _, row in rows],
            index=pd.DatetimeIndex([_local(t) for t, _ in rows], name="time"),
        )
        if frame.empty:
            return pd.DataFrame(
                columns=["splicer", "online", "status", "elapsed_ms", "error"],
                index=pd.DatetimeIndex([], name="time"),
            )
        return frame

    @property
    def latest(self) -> dict[str, Result | None]:
        """The last Result per splicer label (``None`` before its first answer)."""
        with self._lock:
            return {s.label: s.result for s in self._splicers}

    @property
    def result(self) -> Result | None:
        """The last Result of the (first) splicer."""
        return self._splicers[0].result

    @property
    def offline(self) -> list[str]:
        """Labels of the splicers shown offline now."""
        with self._lock:
            return [s.label for s in self._splicers if s.offline]

    @property
    def polls(self) -> int:
        """Polls made (answered or missed), over all splicers."""
        return sum(s.polls for s in self._splicers)

    def _polled(self, count: int) -> bool:
        with self._lock:
            return all(s.polls >= count for s in self._splicers)

    @property
    def skipped(self) -> int:
        """Polls skipped because the previous one to that splicer was still running."""
        return sum(s.skipped for s in self._splicers)

    # ------------------------------------------------------------------ views

    def fields(self, *names: str) -> Watch:
        """Show only these fields (or columns) from now on: names, last parts of dotted
        names or groups (``w.fields("brightness", "Osd")``); with none, every field.
        The view updates at once; returns the watch."""
        chosen = _field_names(list(names))
        with self._lock:
            self._fields = chosen
        self._refresh()
        return self

    @property
    def shown_fields(self) -> list[str] | None:
        """The fields chosen with ``fields=`` or :meth:`fields` (``None``: all)."""
        return None if self._fields is None else list(self._fields)

    def __repr__(self) -> str:
        state = "running" if self.running else ("stopped" if self._stopped_at else "not started")
        where = (
            self._splicers[0].label
            if len(self._splicers) == 1
            else f"{len(self._splicers)} splicers"
        )
        return (
            f"<Watch {inert(self.interface)} every {self.every:g} s on {inert(where)}, "
            f"{state}, {self.polls} polls, {self.skipped} skipped, "
            f"{len(self.offline)} offline>"
        )

    def to_text(self) -> str:
        """The view as plain text (values made inert)."""
        return render_text(self)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": render_text(self), "text/html": render_html(self)}

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self._shown:
            display({"text/plain": repr(self)}, raw=True)  # the live view is already up
        else:
            display(self._repr_mimebundle_(), raw=True)

    def _display(self) -> None:
        from IPython.display import display

        try:
            import ipywidgets as widgets
        except ImportError:  # pragma: no cover - a dependency, but not needed to watch
            widgets = None
        if widgets is not None:
            self._button = widgets.Button(
                description="Stop watching",
                icon="stop",
                button_style="warning",
                tooltip="Stop polling (the history stays)",
            )
            self._button.on_click(
                lambda _b: threading.Thread(target=self.stop, daemon=True).start()
            )
            display(self._button)
        self._handle = display(self._repr_mimebundle_(), raw=True, display_id=True)
        self._shown = True

    def _refresh(self) -> None:
        with self._lock:
            if self._handle is not None:
                bundle = self._repr_mimebundle_()
                try:
                    self._handle.update(bundle, raw=True)
                except Exception:  # noqa: BLE001, S110 - the front-end went away; polling goes on
                    pass
            self.updates += 1
        self._updated.set()


def _refuse_polled_writes(interface: str, targets: list) -> None:
    """A watch sends its call again and again: a write is refused up front on a read-only
    or confirm-before-write splicer (not once per poll, and never asked about per poll)."""
    from ..client._guards import refuse_if_read_only
    from ..core.catalog import is_read

    if is_read(interface):
        return
    for t in targets:
        refuse_if_read_only(
            interface, read_only=t.client.read_only, where=t.label, how=t.client.read_only_hint
        )
        if t.client.confirm_writes:
            raise ConfigError(
                f"Cannot watch {interface} on {t.label}: confirm_writes is on and "
                "a watch would send it at every poll; watch a read instead."
            )


def watch(targets: Any, interface: str, body: Any = None, **options: Any) -> Watch:
    """Start a :class:`Watch` (the same arguments); ``fleet``-style targets welcome."""
    return Watch(targets, interface, body, **options)


# ---------------------------------------------------------------------- rendering


def _full_view(result: Result, records: str | None) -> View:
    """The table a Result shows (its records, cells cut and made safe), for up to
    :data:`SCAN_ROWS` rows: what the watch compares between polls and cuts for its view."""
    try:
        rows, key = find_records(result.body, records, result.records_hint)
    except KeyError:
        rows, key = result.body, None
    return rows_view(rows, key, SCAN_ROWS, how=_HOW)


#: Where the watch's view sends the reader for what it leaves out.
_HOW = {
    "rows": "`w.result.df`, or `w.fields(...)`",
    "fields": "`w.fields(...)`",
    "columns": "`w.fields(...)`",
}


def _cells(view: View) -> dict[tuple[int, str], Any]:
    """A view's cells by ``(row, column name)``; one record's fields as ``(0, field)``."""
    if view.kind == "keyvalue":
        return {(0, name): value for name, value in view.cells}
    return {
        (i, name): value
        for i, row in enumerate(view.cells)
        for name, value in zip(view.columns, row)
    }


def _changes(old: View, new: View) -> set[tuple[int, str]]:
    """The cells of ``new`` that differ from ``old`` at the same place (a new field or
    row counts as changed)."""
    before = _cells(old)
    missing = object()
    return {place for place, value in _cells(new).items() if before.get(place, missing) != value}


def _wanted(name: str, fields: list[str] | None) -> bool:
    """True when ``name`` is one of ``fields``: the same name, its last part
    (``brightness`` for ``output.brightness``) or a group of it (``Osd`` for ``Osd.type``)."""
    if fields is None:
        return True
    return any(name == f or name.endswith("." + f) or name.startswith(f + ".") for f in fields)


def _shown_view(spl: _Splicer, fields: list[str] | None) -> View | None:
    """The part of a splicer's view the watch shows: the chosen ``fields`` (all without),
    the first :data:`VIEW_ROWS` rows or fields plus every changed one (kept in view
    wherever it sits), changed cells marked, and a cut for everything left out."""
    full = spl.view
    if full is None or full.kind == "empty":
        return full
    changed = spl.changed
    if full.kind == "keyvalue":
        chosen = [i for i, (name, _) in enumerate(full.cells) if _wanted(name, fields)]
        keep = [
            i for n, i in enumerate(chosen) if n < VIEW_ROWS or (0, full.cells[i][0]) in changed
        ]
        cells = [full.cells[i] for i in keep]
        every = next((c.total for c in full.cuts if c.what == "fields"), len(full.cells))
        capped = any(c.at_least for c in full.cuts if c.what == "fields")
        cuts = [c for c in [Cut("fields", len(cells), every, _HOW["fields"], capped)] if str(c)]
        marks = {(r, 1) for r, (name, _) in enumerate(cells) if (0, name) in changed}
        return View(
            "keyvalue",
            full.columns,
            cells,
            len(cells),
            len(cells),
            full.key,
            cuts,
            full.numeric,
            marks,
        )
    columns = [c for c, name in enumerate(full.columns) if _wanted(name, fields)]
    names = [full.columns[c] for c in columns]
    keep = [
        i
        for i in range(len(full.cells))
        if i < VIEW_ROWS or any((i, name) in changed for name in names)
    ]
    cells = [[full.cells[i][c] for c in columns] for i in keep]
    total = full.total
    cuts = []
    if len(keep) < total:
        cuts.append(Cut("rows", len(keep), total, _HOW["rows"]))
    width = next((c for c in full.cuts if c.what == "columns"), None)
    every = width.total if width is not None else len(full.columns)
    if len(columns) < every:
        cuts.append(
            Cut(
                "columns",
                len(columns),
                every,
                _HOW["columns"],
                width is not None and width.at_least,
            )
        )
    marks = {
        (r, c) for r, i in enumerate(keep) for c, name in enumerate(names) if (i, name) in changed
    }
    return View(
        "table",
        names,
        cells,
        len(cells),
        total,
        full.key,
        cuts,
        [full.numeric[c] for c in columns],
        marks,
    )


def _scalars(body: Any, limit: int = HISTORY_FIELDS) -> dict[str, Any]:
    """The scalar leaves of a body, dotted names (``fans.0.speed``), at most ``limit``."""
    out: dict[str, Any] = {}
    stack: list[tuple[str, Any]] = [("", body)]
    while stack and len(out) < limit:
        prefix, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((f"{prefix}{k}.", v) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((f"{prefix}{i}.", v) for i, v in reversed(list(enumerate(node))))
        elif prefix and (node is None or isinstance(node, (str, int, float, bool))):
            out[prefix[:-1]] = node
    return out


def _local(t: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(t)


def _clock_text(t: float | None) -> str:
    return _local(t).strftime("%H:%M:%S") if t is not None else "never"


def _table_html(view: View | None) -> str:
    if view is None or view.kind == "empty":
        return f'<div style="{_DIM}"><i>no data</i></div>'
    return grid_html(view, "openapi-magic-table openapi-magic-watch-table") + cuts_html(view)


def _state_html(watch: Watch, spl: _Splicer) -> str:
    name = f"<b>{esc(spl.label)}</b> " if watch.fleet else ""
    if spl.offline:
        why = f": {esc(spl.error)}" if spl.error else ""
        state = (
            f'<span style="{_OFFLINE}">OFFLINE</span> {spl.misses} missed polls in a row '
            f"(last answer {_clock_text(spl.last_answer)}){why}"
        )
    elif spl.last_answer is None:
        state = f'<span style="{_DIM}">no answer yet</span>' + (
            f" ({spl.misses} missed: {esc(spl.error)})" if spl.misses else ""
        )
    else:
        state = (
            f'<span style="{_ONLINE}">online</span> &middot; last answer '
            f"{_clock_text(spl.last_answer)}"
        )
        if spl.misses:
            state += f" &middot; {spl.misses} missed since"
        if spl.error:
            state += f' &middot; <span style="{STYLE["fail"]}">{esc(spl.error)}</span>'
    skipped = (
        f' &middot; <span title="a poll still running when the next was due is skipped, '
        f'not queued">{spl.skipped} skipped (splicer slower than every '
        f"{watch.every:g} s)</span>"
        if spl.skipped
        else ""
    )
    return f"<div>{name}{state} &middot; {spl.polls} polls{skipped}</div>"


def render_html(watch: Watch) -> str:
    """The live view as HTML: the state line, then each splicer's table (escaped), laid
    out as a Result's; changed values highlighted and kept in view."""
    with watch._lock:
        running = "stopped" if watch._stopped_at is not None else f"every {watch.every:g} s"
        chosen = (
            f" &middot; fields <code>{esc(', '.join(watch._fields))}</code>"
            if watch._fields
            else ""
        )
        head = (
            f"<div><b>Watching</b> <code>{esc(watch.interface)}</code> &middot; {running}"
            f'{chosen} &middot; <span style="{_DIM}">changed values highlighted and kept in '
            "view</span></div>"
        )
        parts = ['<div class="openapi-magic-watch">', head]
        for spl in watch._splicers:
            parts.append(_state_html(watch, spl))
            if spl.result is not None and not spl.result.ok:
                parts.append(header_html(spl.result))
            if not watch.fleet or spl.view is not None:
                # stale: dimmed as the footers are (an opacity would fall below 4.5:1)
                dim = f' style="{_DIM}"' if spl.offline else ""
                parts.append(f"<div{dim}>{_table_html(_shown_view(spl, watch._fields))}</div>")
        parts.append("</div>")
        return "".join(parts)


def render_text(watch: Watch, width: int | None = None) -> str:
    """The live view as plain text no wider than ``width`` (the terminal's by default),
    laid out as a Result's text view: values made inert, changed values marked ``*``
    and kept in view."""
    width = text_width() if width is None else width
    with watch._lock:
        running = "stopped" if watch._stopped_at is not None else f"every {watch.every:g} s"
        chosen = f" · fields {inert(', '.join(watch._fields))}" if watch._fields else ""
        lines = [
            f"Watching {inert(watch.interface)} · {running}{chosen} · changes marked *, "
            "kept in view"
        ]
        for spl in watch._splicers:
            name = f"{inert(spl.label)}: " if watch.fleet else ""
            if spl.offline:
                state = (
                    f"OFFLINE: {spl.misses} missed polls in a row (last answer "
                    f"{_clock_text(spl.last_answer)}): {inert(spl.error or '')}"
                )
            elif spl.last_answer is None:
                state = "no answer yet" + (f" ({spl.misses} missed)" if spl.misses else "")
            else:
                state = f"online · last answer {_clock_text(spl.last_answer)}"
                if spl.error:
                    state += f" · {inert(spl.error)}"
            skipped = f" · {spl.skipped} skipped" if spl.skipped else ""
            lines.append(wrap(f"{name}{state} · {spl.polls} polls{skipped}", width))
            if spl.result is not None and not spl.result.ok:
                lines.append(wrap(inert(spl.result.summary()), width))
            view = _shown_view(spl, watch._fields)
            if view is not None and view.kind != "empty":
                lines += grid_text(inert_view(view), width, "w.result")
        lines[0] = wrap(lines[0], width)
        return "\n".join(lines)


# ---------------------------------------------------------------------- helpers


def _field_names(fields: Any) -> list[str] | None:
    """``fields`` as a list of names (a comma-separated text split), ``None`` for all."""
    if fields is None:
        return None
    if isinstance(fields, str):
        fields = fields.split(",")
    if not isinstance(fields, (list, tuple)) or not all(isinstance(f, str) for f in fields):
        raise ConfigError(f"fields must be field names, e.g. ['brightness'], not {fields!r}.")
    names = [f.strip() for f in fields if f.strip()]
    return names or None


def _positive(value: Any, name: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(value, bool) or not 0 < seconds <= 86400:
        raise ConfigError(
            f"{name} must be a positive number of seconds, at most a day, not {value!r}."
        )
    return seconds


def _single(targets: Any) -> bool:
    from ..client._client import Client
    from ..client._connection import is_splicer_like
    from ..client._profiles import Profile

    return isinstance(targets, (str, Client, Profile)) or is_splicer_like(targets)


def _in_kernel() -> bool:
    """True inside a notebook kernel (display handles and widgets work there)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
