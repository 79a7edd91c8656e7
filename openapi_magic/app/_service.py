"""What one call asks for (:class:`CallSpec`) and what came of it (:class:`Outcome`).

Every front-end (the magic, the form, the watch, capture, the command line) builds a
:class:`CallSpec` and hands it to :meth:`NotebookSession.run
<openapi_magic.app._session.NotebookSession.run>`, which resolves the settings, checks the
body against the catalog, guards a write, asks for a confirm, calls (one splicer or a
fleet) and judges the reply, each exactly once, and returns an :class:`Outcome`. The
front-end only shows the outcome (and turns its error into a short message).

Nothing here imports IPython or widgets: a confirm is asked through a callable, or
handed back as :attr:`Outcome.pending` for the front-end to ask about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..client._history import ORIGINS as HISTORY_ORIGINS
from ..client._history import sent_after
from ..errors import OpenAPIError

if TYPE_CHECKING:  # pragma: no cover
    from ..client._client import Client, Prepared
    from ..client._guards import Confirm, PendingWrite
    from ..client._result import Result
    from ..ops.fleet import FleetResult
    from ._session import Settings

__all__ = ["ORIGINS", "CallSpec", "Outcome", "Pending", "Refusal", "sent_after"]

#: The front-ends a CallSpec can come from: the history's origins but the two that never
#: make one (a plain Python call and a fleet's own attempts).
ORIGINS = tuple(o for o in HISTORY_ORIGINS if o not in ("client", "fleet"))


@dataclass(frozen=True)
class CallSpec:
    """One call as a front-end asks for it: what to send, where, and the call's own settings.

    ``body`` for one call, or ``bodies`` (with ``labels``, one each) for ``--each``;
    ``targets`` ``None`` means the connection's client for ``profile``, anything else
    is a fleet's targets (``--on``). ``settings`` maps setting names to the values
    this call gives (``None``: not given), passed to :meth:`NotebookSession.resolve
    <openapi_magic.app._session.NotebookSession.resolve>` at the form's level when
    ``origin`` is ``"form"``, the command line's when it is ``"cli"``, else at the
    cell's. ``force`` skips the catalog check; ``records`` is the table key (``-t``);
    ``workers`` a fleet's calls in flight.
    """

    interface: str
    body: Any = None
    bodies: Sequence[Any] | None = None
    labels: Sequence[Any] | None = None
    targets: Any = None
    profile: str | None = None
    #: A client of the front-end's own (a form made with one) instead of the connection's.
    client: Client | None = field(default=None, repr=False)
    settings: Mapping[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    force: bool = False
    records: str | None = None
    workers: int | None = None
    origin: str = "magic"

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, not {self.origin!r}.")

    @property
    def many(self) -> bool:
        """True for a fleet call (``--on`` targets or ``--each`` bodies)."""
        return self.targets is not None or self.bodies is not None

    @property
    def level(self) -> str:
        """The settings level this spec's values sit at: ``"form"``, ``"cli"`` or ``"cell"``."""
        return self.origin if self.origin in ("form", "cli") else "cell"


@dataclass(frozen=True)
class Refusal:
    """Why nothing was sent: ``why`` is ``"validation"``, ``"read-only"``, ``"declined"``
    or ``"no-prompt"``; ``index`` the body the catalog refused (``--each``), else None."""

    error: OpenAPIError
    why: str
    index: int | None = None


@dataclass(frozen=True)
class Pending:
    """A call checked and guarded, waiting to be sent: ``write`` is what to ask about
    (interface, body, splicers) when it needs a confirm; ``ask`` the connection's own
    confirm callback, if it has one. Continue with :meth:`NotebookSession.proceed
    <openapi_magic.app._session.NotebookSession.proceed>`."""

    #: ``None`` when nothing needs asking: the call was held (``run(..., hold=True)``).
    write: PendingWrite | None
    ask: Confirm | None = None
    #: The session's state to continue with (the client, the checked doubts).
    state: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Outcome:
    """What came of one :class:`CallSpec`.

    ``result`` (one call's :class:`Result`, or a fleet's ``FleetResult``), ``prepared``
    (a dry run), ``settings`` as resolved, ``warnings`` (the catalog's doubts, sent
    anyway), ``refused`` (nothing was sent, and why), ``pending`` (a write waiting for a
    confirm), ``sent`` (True, False, or None when not known), and the verdict: ``error``
    (what went wrong, to raise or show) and ``failed`` (the call fails under
    ``fail_on_status`` / ``strict_sign``: a front-end stops there).
    """

    spec: CallSpec
    settings: Settings
    result: Result | FleetResult | None = None
    prepared: Prepared | None = None
    warnings: tuple[str, ...] = ()
    refused: Refusal | None = None
    pending: Pending | None = None
    sent: bool | None = False
    error: BaseException | None = None
    failed: bool = False
    #: The client of a single call (its ``where`` and encryption, for messages).
    client: Client | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the call was sent and its answer passes the verdict."""
        return self.sent is True and not self.failed and self.error is None

    def _shown(self) -> Any:
        if self.pending is not None:
            return self.pending.write or "Checked, not sent yet."
        for value in (self.result, self.prepared):
            if value is not None:
                return value
        return self.refused.error if self.refused is not None else self.error

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        shown = self._shown()
        bundle = getattr(shown, "_repr_mimebundle_", None)
        if bundle is not None:
            return bundle(include=include, exclude=exclude)
        from ..client._result import safe_text

        text = str(shown) if shown is not None else "Nothing was sent."
        data: dict[str, Any] = {"text/plain": safe_text(text)}
        to_html = getattr(shown, "_repr_html_", None)
        if to_html is not None:
            data["text/html"] = to_html()
        return data
