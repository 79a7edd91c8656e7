"""One notebook session per shell, under both front-ends (the magic and the form).

The ``%%openapi`` magic and the ``%openapi_form`` form are thin peers above a
:class:`NotebookSession`: it owns the notebook's :class:`Connection` and its
settings, and runs every call in one place: a front-end builds a
:class:`~openapi_magic.app._service.CallSpec`, :meth:`NotebookSession.run` resolves the
settings, checks the body, guards a write, confirms it, calls (one splicer or a
fleet) and judges the reply, each once, and returns an
:class:`~openapi_magic.app._service.Outcome` for the front-end to show. Neither
front-end imports or looks up the other; both ask :func:`session_for` for the
shell's session.

A setting is resolved with one precedence (:meth:`NotebookSession.resolve`)::

    cell option > form field > command line > %config > profile / connection > default

Each front-end gives its call's own settings at its level, through the call
specification: ``CallSpec(..., settings=..., origin=...)`` puts them at the form's
level for ``origin="form"``, at the command line's for ``origin="cli"`` and at the
cell's for the magic, the watch and capture (``%openapi_watch --timeout`` is the
watch's cell). The command line builds its level with
:func:`openapi_magic.core.settings.cli_level` and passes it either way::

    session.run(CallSpec(iface, body, settings=cli_level(args), origin="cli"))
    session.resolve(client, cli=cli_level(args))

so ``current_settings()`` and :class:`Settings` say ``(from cli)``. The options of
``%openapi_connect`` (``--timeout``, ``--plain``, ``--read-only``...) are not a level
of their own: they make the connection, so they count at the connection's level
(``profile`` for a profile's client).

``%config OpenAPIMagics.x = ...`` stays the magic's own traits (so ``%config
OpenAPIMagics`` lists them and their help); the magic pushes what was set into
the session (:meth:`NotebookSession.set_config`) when it loads and whenever a
trait changes. The session does not read the magic's config section itself: it
would then name a front-end's class, and a form used without the magic would
depend on it.
"""

from __future__ import annotations

import dataclasses
import inspect
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..client import _guards as _confirm
from ..client._client import MAX_TIMEOUT, Client, precheck
from ..client._connection import Connection
from ..client._history import History
from ..core.catalog import load_catalog
from ..core.settings import TABLE
from ..errors import (
    ConfigError,
    OpenAPIError,
    RequestValidationError,
    SignatureError,
    StatusError,
    WriteRefused,
)
from ._service import CallSpec, Outcome, Pending, Refusal, sent_after

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..client._guards import Confirm, PendingWrite
    from ..ops.fleet import FleetResult

__all__ = [
    "MAX_TIMEOUT",
    "SETTINGS",
    "SOURCES",
    "CallSpec",
    "NotebookSession",
    "Outcome",
    "Settings",
    "current_settings",
    "history",
    "session_for",
    "start_session",
]

#: Where a resolved value can come from, strongest first.
SOURCES = ("cell", "form", "cli", "%config", "profile", "connection", "default")

#: Every setting, with its default (the last level), by name: made from
#: :data:`openapi_magic.core.settings.TABLE`. ``timeout`` and ``encrypt`` default to ``None``:
#: each connection's own (a client always has one, so a single call never sees ``None``; a
#: fleet call leaves it to each splicer).
SETTINGS: Mapping[str, Any] = {row.name: row.default for row in sorted(TABLE, key=lambda r: r.name)}

#: Settings a connection (its profile, %openapi_connect options) can carry: the client
#: attribute of the same name. A Client's own display_limit and strict_catalog are for its
#: direct Python calls: the front-ends pass theirs on every call, as before the session.
_CONNECTION_LEVEL = tuple(row.name for row in TABLE if row.client)

#: Connection settings whose default is "the connection's own": a single call takes the
#: client's value when no level gave one.
_CLIENTS_OWN = tuple(row.name for row in TABLE if row.client and row.default is None)

#: ``None`` at the %config level means "not set" for these (the connection's own).
_NONE_UNSET = frozenset(row.name for row in TABLE if row.none_unset)

#: Settings that only add up: any level turning one on turns it on (see ``resolve``).
_GUARDS = frozenset(row.name for row in TABLE if row.guard)

#: The shell attribute holding its session (on the shell object: no module-level state).
_ATTR = "_openapi_magic_session"


def _client_defaults() -> dict[str, Any]:
    params = inspect.signature(Client.__init__).parameters
    return {
        name: params[name].default
        for name in _CONNECTION_LEVEL
        if params[name].default is not inspect.Parameter.empty
    }


_CLIENT_DEFAULTS = _client_defaults()


@dataclass(frozen=True)
class Settings:
    """Settings resolved once for one call: ``settings.timeout``, and where each came from.

    ``settings.source("timeout")`` is one of :data:`SOURCES`;
    ``settings.explain("timeout")`` says both, for messages.
    """

    values: Mapping[str, Any]
    sources: Mapping[str, str]

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not fields: the settings themselves.
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(
            f"{name!r} is not a session setting (known: {', '.join(sorted(SETTINGS))})."
        )

    def source(self, name: str) -> str:
        """Which level gave ``name`` its value (``"cell"``, ``"form"``, ``"%config"``...)."""
        if name not in self.sources:
            raise KeyError(f"{name!r} is not a session setting.")
        return self.sources[name]

    def explain(self, name: str) -> str:
        """``"timeout = 700 (from %config)"``."""
        return f"{name} = {self.values[name]!r} (from {self.source(name)})"

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __repr__(self) -> str:
        # One line a setting, with its level: what a person asks on show night.
        return "\n".join(["Settings:"] + [f"  {self.explain(name)}" for name in self.values])


class NotebookSession:
    """The notebook's connection and settings, shared by the magic, the form and fleets.

    One per shell (:func:`session_for`); a plain Python use builds its own.
    """

    def __init__(self, connection: Connection | None = None) -> None:
        #: The current connection and the per-profile clients.
        self.connection = connection if connection is not None else Connection()
        self._config: dict[str, Any] = {}
        self._watchers: list[weakref.WeakMethod] = []
        #: Every call this session sent (``%openapi_history``, ``openapi_magic.history()``):
        #: the connection's clients record theirs in it.
        self.history = History()
        self.connection.history = self.history
        if self.connection.client is not None:
            self.connection.adopt(self.connection.client)

    # ------------------------------------------------------------------ settings

    @property
    def config(self) -> dict[str, Any]:
        """The ``%config`` level: the settings a front-end was configured with (a copy)."""
        return dict(self._config)

    def set_config(self, name: str, value: Any) -> None:
        """Set ``name`` at the ``%config`` level (``timeout=None`` means "not set")."""
        if name not in SETTINGS:
            raise KeyError(f"{name!r} is not a session setting.")
        if name in _NONE_UNSET and value is None:
            self._config.pop(name, None)
        else:
            self._config[name] = value
        self._changed(name)

    def clear_config(self, name: str) -> None:
        """Forget ``name`` at the ``%config`` level (the levels below decide again)."""
        self._config.pop(name, None)
        self._changed(name)

    def watch_config(self, method: Callable[[str], Any]) -> None:
        """Call the bound ``method(name)`` after a ``%config``-level change (a form keeps its
        boxes in step); held weakly, so a closed form is forgotten."""
        self._watchers.append(weakref.WeakMethod(method))

    def _changed(self, name: str) -> None:
        if name == "history_file":  # the file the session's history appends to
            self.history.path = self._config.get(name)
        alive = []
        for ref in self._watchers:
            method = ref()
            if method is not None:
                alive.append(ref)
                method(name)
        self._watchers = alive

    def resolve(
        self,
        client: Client | None = None,
        *,
        cell: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        cli: Mapping[str, Any] | None = None,
    ) -> Settings:
        """Every setting for one call, each from its strongest level that says something
        (the order of :data:`SOURCES`).

        ``cell``, ``form`` and ``cli`` map setting names to values, ``None`` meaning "not
        given"; ``client`` is the connection's level (a value counts when it differs
        from a plain Client's default); without one (a fleet call) each splicer keeps
        its own.
        """
        calls = (("cell", cell), ("form", form), ("cli", cli))
        levels: list[tuple[str, Mapping[str, Any]]] = [
            (where, {k: v for k, v in (given or {}).items() if v is not None})
            for where, given in calls
        ]
        levels.append(("%config", self._config))
        if client is not None:
            said = {
                name: getattr(client, name)
                for name in _CONNECTION_LEVEL
                if getattr(client, name) != _CLIENT_DEFAULTS.get(name)
            }
            levels.append(("profile" if client.name else "connection", said))
        for _, given in levels[: len(calls)]:
            unknown = set(given) - set(SETTINGS)
            if unknown:
                raise KeyError(f"Not session settings: {', '.join(sorted(unknown))}.")
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for name, default in SETTINGS.items():
            values[name], sources[name] = default, "default"
            for where, given in levels:
                # The guards only add up: a level may turn read-only or confirm-before-write
                # on, never off below a level that has it on (a profile's read_only still
                # refuses in the client, so the resolved value must say so).
                if name in given and (name not in _GUARDS or given[name]):
                    values[name], sources[name] = given[name], where
                    break
        if client is not None:  # a single call: the client's own value beats "none given"
            for name in _CLIENTS_OWN:
                if values[name] is None:
                    values[name] = getattr(client, name)
        return Settings(values, sources)

    # ------------------------------------------------------------------ one call

    def client_for(self, profile: str | None = None) -> Client:
        """The client for one call (:meth:`Connection.client_for`; ConfigError if none);
        what it sends, a direct Python call included, goes in this session's history."""
        return self.connection.client_for(profile)

    def run(self, spec: CallSpec, *, confirm: Confirm | None = None, hold: bool = False) -> Outcome:
        """Run one call as ``spec`` asks: resolve the settings, check the body(ies) against
        the catalog, guard a write, confirm it, call (one splicer, or a fleet for ``--on``
        / ``--each``) and judge the reply, each once; return the :class:`Outcome`.

        A write that needs a confirm is asked about with ``confirm`` (a connection's own
        ``confirm`` callback answers first, as for a plain Client call; for a fleet,
        ``confirm.prompt`` leaves it to the fleet's own choice); without one it comes
        back as ``outcome.pending``, nothing sent, for the front-end to ask and then
        :meth:`proceed`. What the catalog, a
        read-only guard or a declined confirm refuses is ``outcome.refused`` (nothing
        sent); an error of the call itself is ``outcome.error``. ``hold=True`` stops a
        single call before it is sent even when no confirm is needed (``pending.write``
        is then None): a front-end answers at once, and sends it elsewhere (a thread). Raises ConfigError
        only for what is not a call at all (no connection, targets that are no splicers).
        """
        if spec.many:
            return self._run_many(spec, confirm)
        checked, missing = self._checked(spec)
        if checked.refused is not None:
            return checked
        client = checked.client
        if client is None:
            assert missing is not None
            raise missing
        base, doubts, settings = checked, checked.warnings, checked.settings
        if spec.dry_run:
            try:
                prepared = client.prepare(
                    spec.interface, spec.body, encrypt=settings.encrypt, check=False
                )
            except OpenAPIError as exc:  # e.g. encryption without the DES codec
                return dataclasses.replace(base, error=exc, failed=True)
            return dataclasses.replace(
                base, prepared=dataclasses.replace(prepared, warnings=doubts)
            )
        try:
            client.guard(spec.interface, spec.body, read_only=settings.read_only, confirmed=True)
        except WriteRefused as exc:
            return dataclasses.replace(base, refused=Refusal(exc, exc.reason or "read-only"))
        needs = (
            settings.confirm_writes and _confirm.write_kind(spec.interface) != "read"
        ) or client.needs_confirm(spec.interface)
        if not needs:
            if hold:
                return dataclasses.replace(base, pending=Pending(None, None, {"doubts": doubts}))
            return self._send_one(spec, settings, client, doubts)
        write = _confirm.pending(spec.interface, spec.body, [client.where])
        outcome = dataclasses.replace(
            base, pending=Pending(write, client.confirm, {"doubts": doubts})
        )
        if confirm is None:
            return outcome
        return self.proceed(outcome, confirm=client.confirm or confirm)

    def proceed(self, outcome: Outcome, *, confirm: Confirm | None = None) -> Outcome:
        """Send the write ``outcome.pending`` waits for (the front-end asked, and the
        answer was yes); with ``confirm``, ask it first (a declined confirm is
        ``refused``). Returns the new outcome."""
        pending = outcome.pending
        if pending is None:
            raise ValueError("This outcome is not waiting for a confirm.")
        spec, settings = outcome.spec, outcome.settings
        if confirm is not None and pending.write is not None:
            try:
                _confirm.confirm(pending.write, confirm)
            except WriteRefused as exc:
                return dataclasses.replace(
                    outcome, pending=None, refused=Refusal(exc, exc.reason or "declined")
                )
        if spec.many:
            return self._fleet(spec, settings, pending.state["doubts"], confirmed=True)
        assert outcome.client is not None
        return self._send_one(spec, settings, outcome.client, pending.state["doubts"])

    def check(self, spec: CallSpec) -> Outcome:
        """What :meth:`run` does before anything is sent: resolve the settings and check
        the body(ies) once; nothing is sent (``refused`` when the catalog refuses; the
        doubts in ``warnings``). A watch starts from this."""
        if spec.many:
            settings = self._resolve_spec(spec, None)
            found = self._check_all(spec, settings)
            if isinstance(found, Outcome):
                return found
            checked = Outcome(spec, settings, warnings=tuple(w for each in found for w in each))
        else:
            checked = self._checked(spec)[0]
        if spec.origin == "watch" and checked.refused is None:
            return self._guard_polls(checked)
        return checked

    @staticmethod
    def _guard_polls(checked: Outcome) -> Outcome:
        """A watch sends its call at every poll: a write is refused up front when the
        resolved settings say read-only (any level: %config, the cell, the command line)
        or confirm-before-write (it cannot be asked at every poll). A read-only or
        confirming connection is refused by the watch itself, per splicer."""
        spec, settings = checked.spec, checked.settings
        if _confirm.write_kind(spec.interface) == "read":
            return checked
        error: WriteRefused | None = None
        try:
            _confirm.refuse_if_read_only(
                spec.interface, read_only=bool(settings.read_only), where="this watch"
            )
        except WriteRefused as exc:  # a front-end says how to lift its level's setting
            error = exc
        if error is None and settings.confirm_writes:
            error = WriteRefused(
                f"Cannot watch {spec.interface}: confirm_writes is on "
                f"(from {settings.source('confirm_writes')}) and a watch would send it at "
                "every poll; watch a read instead.",
                interface=spec.interface,
                reason="no-prompt",
            )
        if error is None:
            return checked
        return dataclasses.replace(checked, refused=Refusal(error, error.reason))

    def _checked(self, spec: CallSpec) -> tuple[Outcome, ConfigError | None]:
        """One call's client (or why there is none), its settings and its check."""
        client: Client | None = None
        missing: ConfigError | None = None
        try:
            client = (
                self.connection.adopt(spec.client)  # a form's own client: its calls too
                if spec.client is not None
                else self.client_for(spec.profile)
            )
        except ConfigError as exc:  # a body the catalog refuses says so first, as before
            missing = exc
        settings = self._resolve_spec(spec, client)
        found = self._check_all(spec, settings)
        if isinstance(found, Outcome):
            return found, missing
        return Outcome(spec, settings, warnings=found[0], client=client), missing

    def _resolve_spec(self, spec: CallSpec, client: Client | None) -> Settings:
        """The one resolve of a call: the spec's values at its level."""
        given = dict(spec.settings)
        return self.resolve(client, **{spec.level: given})

    def _check_all(self, spec: CallSpec, settings: Settings) -> list[tuple[str, ...]] | Outcome:
        """The one pre-send check of each body (:func:`precheck`, with the resolved
        ``strict_catalog``): the doubts of each, or the refused outcome."""
        found = []
        bodies = spec.bodies if spec.bodies is not None else [spec.body]
        for n, body in enumerate(bodies):
            try:
                problems = (
                    load_catalog().problems(spec.interface, body)  # --force: sent, still noted
                    if spec.force
                    else precheck(spec.interface, body, strict_catalog=settings.strict_catalog)
                )
            except RequestValidationError as exc:
                index = n if spec.bodies is not None else None
                return Outcome(spec, settings, refused=Refusal(exc, "validation", index))
            found.append(tuple(p.message for p in problems))
        return found

    def _send_one(
        self, spec: CallSpec, settings: Settings, client: Client, doubts: tuple[str, ...]
    ) -> Outcome:
        """Seal and send one checked, guarded (and confirmed) call; judge the reply."""
        base = Outcome(spec, settings, warnings=doubts, client=client)
        try:
            prepared = client.prepare(
                spec.interface, spec.body, encrypt=settings.encrypt, check=False
            )
            result = client.send(
                dataclasses.replace(prepared, warnings=doubts),
                timeout=settings.timeout,
                records=spec.records,
                guarded=True,
                strict_sign=False,  # judged below, once
                origin=spec.origin,
                history=self.history,
            )
        except OpenAPIError as exc:
            return dataclasses.replace(base, sent=sent_after(exc), error=exc, failed=True)
        result.display_limit = settings.display_limit
        error: OpenAPIError | None = None
        failed = False
        if settings.strict_sign and result.sign_verdict == "mismatch":
            try:
                result.check_sign()
            except SignatureError as exc:  # the reply kept on it
                error, failed = exc, True
        if error is None and not result.ok:
            try:
                result.raise_for_status()
            except StatusError as exc:  # shown, not raised, without fail_on_status
                error, failed = exc, bool(settings.fail_on_status)
        return dataclasses.replace(base, result=result, sent=True, error=error, failed=failed)

    def _run_many(self, spec: CallSpec, confirm: Confirm | None) -> Outcome:
        # No single client: each splicer keeps its own timeout and encryption unless the
        # call or %config says otherwise; fail_on_status and strict_sign judge the whole run.
        settings = self._resolve_spec(spec, None)
        checked = self._check_all(spec, settings)
        if isinstance(checked, Outcome):
            return checked
        if confirm is _confirm.prompt:  # the fleet's own default: a client's callback first
            return self._fleet(spec, settings, checked, ask=None)
        return self._fleet(spec, settings, checked, ask=confirm, defer=confirm is None)

    def _fleet(
        self,
        spec: CallSpec,
        settings: Settings,
        doubts: list[tuple[str, ...]],
        *,
        ask: Confirm | None = None,
        defer: bool = False,
        confirmed: bool = False,
    ) -> Outcome:
        """Run the checked bodies on the fleet (its one guard, one confirm), then judge."""
        from ..ops import fleet

        class _Later(Exception):
            def __init__(self, write: PendingWrite) -> None:
                super().__init__(write.interface)
                self.write = write

        def later(write: PendingWrite) -> bool:
            raise _Later(write)

        options: dict[str, Any] = {"bodies": spec.bodies, "labels": spec.labels}
        if spec.workers is not None:
            options["max_workers"] = spec.workers
        flat = tuple(w for each in doubts for w in each)
        base = Outcome(spec, settings, warnings=flat)
        try:
            result = fleet.run(
                spec.targets if spec.targets is not None else self.client_for(spec.profile),
                spec.interface,
                None if spec.bodies is not None else spec.body,
                check=False,
                strict_catalog=False,
                timeout=settings.timeout,
                encrypt=settings.encrypt,
                display_limit=settings.display_limit,
                profiles=self.connection.profiles_file,
                read_only=settings.read_only,
                confirm_writes=settings.confirm_writes,
                confirm=later if defer else ask,
                confirmed=confirmed,
                records=spec.records,
                history=self.history,
                origin=spec.origin,
                **options,
            )
        except _Later as asked:  # confirmed once for the whole run, by the front-end
            return dataclasses.replace(base, pending=Pending(asked.write, None, {"doubts": doubts}))
        except WriteRefused as exc:
            return dataclasses.replace(base, refused=Refusal(exc, exc.reason or "read-only"))
        for call in result.calls:
            if call.result is not None:
                # each reply shown alone shows what the table shows, with its body's doubts
                call.result.display_limit = settings.display_limit
                call.result.warnings = list(doubts[call.index % len(doubts)])
        arrived = any(c.result is not None for c in result.calls)
        verdict = self._judge_fleet(result, settings)
        return dataclasses.replace(
            base,
            result=result,
            sent=True if arrived else (None if result.calls else False),
            error=verdict,
            failed=verdict is not None,
        )

    @staticmethod
    def _judge_fleet(result: FleetResult, settings: Settings) -> OpenAPIError | None:
        """A fleet fails as a single call does: a failed call under ``fail_on_status``, a
        sign mismatch under ``strict_sign`` (FleetError, the replies on it)."""
        from ..ops.fleet import FleetError

        fail = settings.fail_on_status
        mismatched = [
            c
            for c in result.calls
            if settings.strict_sign and c.result is not None and c.result.sign_verdict == "mismatch"
        ]
        if (result.ok or not fail) and not mismatched:
            return None
        try:
            if fail:
                result.raise_on_failure()
            raise FleetError(
                f"{len(mismatched)} of {len(result.calls)} replies to "
                f"{result.interface} have a sign that does not match "
                "(strict_sign).",
                fleet=result,
                hint="The replies are in error.fleet; a mismatch means the reply "
                "was altered, or the secretKey differs.",
            )
        except FleetError as exc:
            return exc

    @staticmethod
    def render(value: Any) -> dict:
        """The MIME bundle a front-end shows for a Result, a fleet result or a panel."""
        return value._repr_mimebundle_()


def history(
    *, writes: bool = False, last: int | None = None, file: Any = None, shell: Any = None
) -> pd.DataFrame:
    """Every call this notebook session sent, newest first, as a DataFrame (time in UTC,
    origin, splicer, root, interface, write, body, status, ok, reached, error,
    elapsed_ms): ``writes=True`` keeps the writes, ``last`` the newest ``last``.
    ``file`` reads a history file instead (``history_file``: it outlives the kernel)."""
    if file is not None:
        return History.load(file).df(writes=writes, last=last)
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    session = session_for(shell, create=False) if shell is not None else None
    found = session.history if session is not None else History()
    return found.df(writes=writes, last=last)


def current_settings(profile: str | None = None, shell: Any = None) -> Settings:
    """The settings a ``%%openapi`` cell with no options would use now, each with where it
    came from (``print(openapi_magic.current_settings())``): the shell's session and its
    current connection (or ``profile``'s client); without a connection, the levels above
    it only."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    session = session_for(shell)
    assert session is not None  # create=True
    try:
        client: Client | None = session.client_for(profile)
    except ConfigError:
        client = None
    return session.resolve(client)


def session_for(shell: Any = None, *, create: bool = True) -> NotebookSession | None:
    """The shell's session (made on first use); without a shell, a session of its own.

    ``create=False`` returns ``None`` when the shell has none yet.
    """
    if shell is None:
        return NotebookSession() if create else None
    session = getattr(shell, _ATTR, None)
    if session is None and create:
        session = start_session(shell)
    return session


def start_session(shell: Any, connection: Connection | None = None) -> NotebookSession:
    """A fresh session for ``shell`` (loading the magic makes one: nothing connected)."""
    session = NotebookSession(connection)
    if shell is not None:
        setattr(shell, _ATTR, session)
    return session
