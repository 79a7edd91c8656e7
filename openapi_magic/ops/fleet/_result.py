"""The combined result of a fleet run: each :class:`Call`, the :class:`FleetResult` with
its tables (combined replies, outcomes) and its text and HTML views, and the run's errors.

Knows nothing of how the calls were scheduled; imported by the scheduler and the run."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...client._client import NO_SKEW_S, clock_offset
from ...client._result import Result
from ...core._lazy import pandas as pd
from ...errors import OpenAPIError, StatusError
from ...render._tables import (
    _DIM,
    DEFAULT_DISPLAY_LIMIT,
    STYLE,
    _md,
    cuts_html,
    esc,
    frame_view,
    grid_html,
    grid_text,
    inert,
    markdown_grid,
    plural,
    safe_text,
    text_width,
    warnings_html,
    wrap,
)

__all__ = ["Call", "ClockSkewWarning", "FleetError", "FleetResult"]

_CLOCK_SKEW = 11
#: Columns of the outcome table (varied request fields go between splicer and ok).
_OUTCOME_COLUMNS = ["ok", "status", "msg", "error", "message", "attempts", "elapsed_ms"]


class ClockSkewWarning(UserWarning):
    """Splicers refused calls with status 11: this computer's clock and theirs differ."""


class FleetError(OpenAPIError):
    """Some calls of a fleet run failed or did not finish; ``fleet`` is the
    :class:`FleetResult` (every result that arrived is in it)."""

    def __init__(self, message: str, *, fleet: FleetResult | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.fleet = fleet


# ---------------------------------------------------------------------- one call


@dataclass(eq=False)
class Call:
    """One call of a fleet run: where it went, with what, and what came of it.

    ``state`` is ``"ok"`` (a reply with status 0), ``"failed"`` (a reply with
    another status, or an error) or ``"interrupted"`` (the run was stopped
    first; ``in_flight`` tells whether an attempt may have reached the
    splicer). ``result`` is the last reply's :class:`Result` (also for vendor
    failures), ``error`` the last attempt's exception (``None`` when a reply
    arrived). ``fields`` are the request fields that vary across the run,
    ``attempts`` counts the requests made, ``delays`` the backoff waits
    between them, ``elapsed`` the seconds from the first attempt to the last
    reply.
    """

    index: int
    splicer: str
    root: str | None
    fields: dict[str, Any]
    body: Any
    state: str = "pending"
    result: Result | None = None
    error: BaseException | None = None
    attempts: int = 0
    delays: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    in_flight: bool = False
    _target: int = field(default=0, repr=False)
    _started: float | None = field(default=None, repr=False)
    _sent_at: float | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the splicer answered with status 0."""
        return self.state == "ok"

    @property
    def status(self) -> int | None:
        """The vendor's status, when a reply arrived."""
        if self.result is not None:
            return self.result.status
        inner = getattr(self.error, "result", None)
        return inner.status if isinstance(inner, Result) else None

    @property
    def error_type(self) -> str:
        """``""`` when ok; else the error's class name (``StatusError`` for a
        vendor failure, ``Interrupted`` for a call the run did not finish)."""
        if self.state == "ok":
            return ""
        if self.state == "interrupted":
            return "Interrupted"
        if self.error is not None:
            return type(self.error).__name__
        return "StatusError" if self.result is not None else ""

    @property
    def message(self) -> str:
        """One plain sentence (or two) on what happened; never holds the secretKey."""
        if self.state == "ok":
            return ""
        last = _error_text(self.error) if self.error is not None else ""
        if self.state == "interrupted":
            if self.in_flight:
                text = (
                    "Interrupted while in flight: the request may have reached the "
                    "splicer (a write may have happened)."
                )
            elif self.attempts:
                text = f"Interrupted before attempt {self.attempts + 1}."
            else:
                text = "Interrupted before it was sent."
            return f"{text} The last attempt failed: {last}" if last else text
        if self.error is not None:
            return last
        if self.result is not None:
            try:
                self.result.raise_for_status()
            except StatusError as exc:
                return str(exc)
        return ""

    def __repr__(self) -> str:
        fields = "".join(f" {k}={v!r}" for k, v in self.fields.items())
        what = (
            self.state
            if self.ok or self.state == "interrupted"
            else (f"failed {self.error_type}" + (f" status={self.status}" if self.status else ""))
        )
        return (
            f"<Call {self.splicer!r}{fields} {what} attempts={self.attempts} "
            f"{self.elapsed * 1000:.1f} ms>"
        )


# ---------------------------------------------------------------------- the result


class FleetResult:
    """What a fleet run gave: every :class:`Call`, the combined replies and an
    outcome table; it renders itself in notebooks (the outcome table, then the
    combined table under it) without importing IPython.

    ``calls`` lists every call in order (target by target, body by body);
    ``df`` combines the records of every successful reply, with ``splicer`` and
    the varied request fields first (renamed ``request.<field>`` where the
    reply has a column of that name); ``outcomes`` has one row per call.
    ``ok`` is true when every call succeeded and the run was not interrupted;
    ``n_ok``, ``n_failed``, ``n_interrupted`` count the calls; ``clock_skew``
    names the splicers that refused with status 11.
    """

    def __init__(
        self,
        interface: str,
        calls: list[Call],
        *,
        fields: list[str],
        interrupted: bool,
        elapsed: float,
        records: str | None = None,
        display_limit: int | None = DEFAULT_DISPLAY_LIMIT,
        targets: int = 0,
        bodies: int = 0,
    ) -> None:
        self.interface = interface
        self.calls = calls
        self.fields = list(fields)
        self.interrupted = interrupted
        self.elapsed = elapsed
        self.records = records
        self.display_limit = display_limit
        self.n_targets = targets
        self.n_bodies = bodies
        self._frame: pd.DataFrame | None = None

    # ------------------------------------------------------------------ counts

    @property
    def n_ok(self) -> int:
        return sum(c.state == "ok" for c in self.calls)

    @property
    def n_failed(self) -> int:
        return sum(c.state == "failed" for c in self.calls)

    @property
    def n_interrupted(self) -> int:
        return sum(c.state == "interrupted" for c in self.calls)

    @property
    def ok(self) -> bool:
        """True when every call answered status 0 and nothing was interrupted."""
        return not self.interrupted and all(c.ok for c in self.calls)

    @property
    def failures(self) -> list[Call]:
        """The calls that failed or did not finish."""
        return [c for c in self.calls if not c.ok]

    def __len__(self) -> int:
        return len(self.calls)

    def __iter__(self) -> Iterator[Call]:
        return iter(self.calls)

    # ------------------------------------------------------------------ tables

    @property
    def df(self) -> pd.DataFrame:
        """Every successful reply's records in one DataFrame (see :meth:`to_dataframe`)."""
        if self._frame is None:
            self._frame = self.to_dataframe()
        return self._frame

    def to_dataframe(self, records: str | None = None) -> pd.DataFrame:
        """The records of every successful reply, one DataFrame, ``splicer`` and
        the varied request fields first. ``records`` picks the list to
        tabulate by key, as in :meth:`Result.to_dataframe`."""
        key = records if records is not None else self.records
        parts: list[tuple[Call, pd.DataFrame]] = []
        for call in self.calls:
            if not call.ok:
                continue
            assert call.result is not None  # an ok call is one whose reply said status 0
            try:
                frame = call.result.to_dataframe(key)
            except KeyError:
                frame = pd.DataFrame()
            parts.append((call, frame))
        reply_columns: set[str] = set()
        for _, frame in parts:
            reply_columns.update(map(str, frame.columns))
        names = {
            n: (f"request.{n}" if n in reply_columns else n) for n in ["splicer", *self.fields]
        }
        meta_columns = list(names.values())
        frames = []
        for call, frame in parts:
            if frame.empty:
                continue  # a write answers no data: its outcome row says it went well
            frame = frame.copy()
            values = {"splicer": call.splicer, **{f: call.fields.get(f) for f in self.fields}}
            for pos, (name, column) in enumerate(names.items()):
                frame.insert(pos, column, [values[name]] * len(frame))
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=meta_columns)
        return pd.concat(frames, ignore_index=True, sort=False)

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per call: splicer, varied fields, ok, status, msg, error
        (type), message, attempts, elapsed_ms."""
        names = {
            n: (f"request.{n}" if n in _OUTCOME_COLUMNS or n == "splicer" else n)
            for n in self.fields
        }
        rows = []
        for call in self.calls:
            row: dict[str, Any] = {"splicer": call.splicer}
            row.update({names[f]: call.fields.get(f) for f in self.fields})
            result = call.result if call.result is not None else getattr(call.error, "result", None)
            row.update(
                ok=call.ok,
                status=call.status,
                msg=result.msg if isinstance(result, Result) else "",
                error=call.error_type,
                message=call.message,
                attempts=call.attempts,
                elapsed_ms=round(call.elapsed * 1000, 1),
            )
            rows.append(row)
        frame = pd.DataFrame(rows, columns=["splicer", *names.values(), *_OUTCOME_COLUMNS])
        frame["status"] = frame["status"].astype("Int64")
        return frame

    @property
    def warnings(self) -> list[str]:
        """What the catalog doubted about the calls (sent anyway), each once."""
        out: list[str] = []
        for call in self.calls:
            result = call.result if call.result is not None else getattr(call.error, "result", None)
            for w in getattr(result, "warnings", None) or ():
                if w not in out:
                    out.append(w)
        return out

    @property
    def firmware(self) -> dict[str, str]:
        """``{splicer: firmware version}`` for the splicers whose version was known."""
        out: dict[str, str] = {}
        for call in self.calls:
            result = call.result if call.result is not None else getattr(call.error, "result", None)
            version = getattr(result, "firmware", None)
            if version:
                out.setdefault(call.splicer, version)
        return out

    # ------------------------------------------------------------------ clock skew

    @property
    def clock_skew(self) -> list[str]:
        """The splicers that refused a call with status 11 (incorrect device time)."""
        out: list[str] = []
        for call in self.calls:
            if call.status == _CLOCK_SKEW and call.splicer not in out:
                out.append(call.splicer)
        return out

    @property
    def clock_skew_message(self) -> str | None:
        """One sentence for all the status-11 refusals, with the offset seen
        (from the splicers' Date headers) when they sent one."""
        names = self.clock_skew
        if not names:
            return None
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        many = f"{len(names)} splicers" if len(names) > 1 else "1 splicer"
        offsets = [
            o for o in (_offset(c) for c in self.calls if c.status == _CLOCK_SKEW) if o is not None
        ]
        said = f"{many} ({shown}) refused {self.interface} with status 11 (incorrect device time)."
        skewed = [o for o in offsets if abs(o) >= NO_SKEW_S]
        if not skewed:  # nothing measured, or their Date agrees with this computer's clock
            measured = (
                "their Date headers agree with this computer's clock"
                if offsets
                else "they sent no readable Date header"
            )
            return (
                f"{said} No clock skew measured ({measured}). Likelier causes: a timeStamp "
                "in seconds instead of milliseconds, or the splicers' own clocks (their time "
                "setting); retrying will not help."
            )
        low, high = min(skewed), max(skewed)
        direction = "ahead of" if (low + high) / 2 > 0 else "behind"
        size = (
            f"{abs(low):.0f} s"
            if round(abs(low)) == round(abs(high))
            else f"{min(abs(low), abs(high)):.0f} to {max(abs(low), abs(high)):.0f} s"
        )
        return (
            f"{said} This computer's clock is about {size} {direction} theirs. Set this "
            "computer's clock (NTP) or the splicers' time; retrying will not help."
        )

    # ------------------------------------------------------------------ failure

    def raise_on_failure(self) -> FleetResult:
        """Raise :class:`FleetError` when a call failed or the run was
        interrupted (the error's ``fleet`` keeps every result); else return self."""
        if self.ok:
            return self
        bad = self.failures
        listed = "; ".join(
            f"{c.splicer}{_fields_text(c.fields)}: {c.error_type}"
            + (f" {c.status}" if c.status else "")
            for c in bad[:5]
        )
        more = f"; and {len(bad) - 5} more" if len(bad) > 5 else ""
        what = (
            "did not finish (interrupted)"
            if self.interrupted and not self.n_failed
            else ("failed" + (" or did not finish (interrupted)" if self.interrupted else ""))
        )
        raise FleetError(
            f"{len(bad)} of {len(self.calls)} calls to {self.interface} {what}: {listed}{more}.",
            fleet=self,
            hint="Every reply that arrived is in error.fleet; see error.fleet.outcomes.",
        )

    # ------------------------------------------------------------------ text

    def summary(self) -> str:
        """The one header line, as plain text."""
        mark = "✔" if self.ok else "✘"
        parts = [f"{mark} {self.interface}", f"{self.n_ok} ok", f"{self.n_failed} failed"]
        if self.interrupted:
            parts.append(f"interrupted: {self.n_interrupted} not finished")
        parts.append(f"{plural(self.n_targets, 'splicer')} × {plural(self.n_bodies, 'body')}")
        parts.append(f"{self.elapsed:.2f} s")
        return "  ".join(parts)

    def __repr__(self) -> str:
        state = " interrupted" if self.interrupted else ""
        return (
            f"<FleetResult {self.interface} calls={len(self.calls)} ok={self.n_ok} "
            f"failed={self.n_failed}{state} {self.elapsed:.2f} s>"
        )

    def to_text(self) -> str:
        """Header line, clock-skew note, outcome table (failures first) and the
        combined table, as plain text."""
        lines = [safe_text(self.summary())]
        skew = self.clock_skew_message
        if skew is not None:
            lines.append(skew)
        lines += [f"Catalog (sent anyway): {w}" for w in self.warnings]
        if self.firmware:
            lines.append("Firmware: " + ", ".join(f"{k} {v}" for k, v in self.firmware.items()))
        limit = self.display_limit
        width = text_width()
        outcomes = _failures_first(self.outcomes)
        # The messages say why a call failed: too long for a column at 80, so each is a
        # wrapped line under the table rather than a column the width would drop.
        oview = frame_view(
            outcomes.drop(columns="message"), limit, where="`.outcomes`", what="calls"
        )
        lines.append("Outcomes:")
        lines += grid_text(oview, width, ".outcomes") if len(outcomes) else ["(no calls)"]
        lines += self._why_lines(limit, width)
        frame = self.df
        if len(frame):
            view = frame_view(frame, limit, lead=1 + len(self.fields), where="`.df`")
            lines.append("Replies:")
            lines += grid_text(view, width, ".df")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _why_lines(self, limit: int | None, width: int) -> list[str]:
        """Why each failed call of the outcome view failed, a wrapped line per call
        (failures come first, so the view's first ``limit`` calls hold them)."""
        failed = [c for c in self.calls if not c.ok]
        if limit is not None and limit >= 0:
            failed = failed[:limit]
        lines = [
            wrap(inert(f"- {c.splicer}{_fields_text(c.fields)}: {c.message}"), width)
            for c in failed
            if c.message
        ]
        return ["Why they failed:", *lines] if lines else []

    # ------------------------------------------------------------------ html

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {
            "text/plain": self.to_text(),
            "text/html": self.to_html(),
            "text/markdown": self._repr_markdown_(),
        }

    def _repr_markdown_(self) -> str:
        """The header line, notes, then the outcomes (failures first) and the replies as
        Markdown tables (for viewers that strip HTML)."""
        lines = [f"**{_md(self.summary())}**", ""]
        skew = self.clock_skew_message
        if skew is not None:
            lines.append(f"- {_md(skew)}")
        lines += [f"- Catalog (sent anyway): {_md(w)}" for w in self.warnings]
        if self.firmware:
            lines.append(
                "- Firmware: " + _md(", ".join(f"{k} {v}" for k, v in self.firmware.items()))
            )
        limit = self.display_limit
        outcomes = _failures_first(self.outcomes)
        oview = frame_view(outcomes, limit, where="`.outcomes`", what="calls")
        lines += ["", "**Outcomes** (failures first)", "", *markdown_grid(oview)]
        frame = self.df
        if len(frame):
            view = frame_view(frame, limit, lead=1 + len(self.fields), where="`.df`")
            lines += ["", "**Replies**", "", *markdown_grid(view)]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The notebook view: a header line, the outcome table (failures first) and
        under it the combined replies. Everything is escaped."""
        tone = STYLE["ok"] if self.ok else STYLE["fail"]
        mark = "✔" if self.ok else "✘"
        bits = [
            (
                f'<span style="{tone};font-weight:bold">{mark} {self.n_ok} ok &middot; '
                f"{self.n_failed} failed</span>"
            ),
            f"<code>{esc(self.interface)}</code>",
            f"{plural(self.n_targets, 'splicer')} × {plural(self.n_bodies, 'body')}",
            f"{self.elapsed:.2f} s",
        ]
        if self.interrupted:
            bits.append(
                f'<span style="{STYLE["mismatch"]}">interrupted: '
                f"{self.n_interrupted} not finished"
                f"</span>"
            )
        head = " &middot; ".join(bits)
        if self.clock_skew:
            head += f'<div style="{STYLE["warn"]}">{esc(self.clock_skew_message)}</div>'
        head += warnings_html(self.warnings)
        if self.firmware:
            head += (
                f'<div style="{_DIM}">Firmware: '
                + esc(", ".join(f"{k} {v}" for k, v in self.firmware.items()))
                + "</div>"
            )
        limit = self.display_limit
        frame = self.df
        if len(frame):
            view = frame_view(frame, limit, lead=1 + len(self.fields), where="`.df`")
            replies = grid_html(view)
            foot = cuts_html(view)
        else:
            replies = f'<p style="{_DIM}"><i>no data</i> (no call answered with records)</p>'
            foot = ""
        outcomes = _failures_first(self.outcomes)
        oview = frame_view(outcomes, limit, where="`.outcomes`", what="calls")
        otable = grid_html(oview, "openapi-magic-outcomes")
        ofoot = cuts_html(oview, "call")
        # Stacked, each the output's full width: side by side, two half-width boxes
        # wrapped the outcomes' messages to a word a line.
        block = 'style="margin-top:.6em;text-align:left"'
        return (
            '<div class="openapi-magic-fleet">'
            f'<div class="openapi-magic-header">{head}</div>'
            f"<div {block}><div><b>Outcomes</b> (failures first)</div>{otable}{ofoot}</div>"
            f"<div {block}><div><b>Replies</b></div>{replies}{foot}</div>"
            "</div>"
        )


# ---------------------------------------------------------------------- helpers


def _failures_first(outcomes: pd.DataFrame) -> pd.DataFrame:
    if outcomes.empty:
        return outcomes
    order = outcomes["ok"].astype(bool).to_numpy().argsort(kind="stable")
    return outcomes.iloc[order]


def _fields_text(fields: Mapping[str, Any]) -> str:
    return " (" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")" if fields else ""


def _error_text(error: BaseException | None) -> str:
    if error is None:
        return ""
    text = str(error)
    if isinstance(error, OpenAPIError):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _offset(call: Call) -> float | None:
    """This computer's clock minus the splicer's, from the reply's Date header."""
    result = call.result
    if result is None:
        return None
    date = {k.lower(): v for k, v in (result.headers or {}).items()}.get("date")
    try:
        sent = int(result.request_envelope["timeStamp"]) / 1000
    except (KeyError, TypeError, ValueError):
        return None
    return clock_offset(date, sent)
