"""One notebook session per shell, under both front-ends (the magic and the form).

The ``%%openapi`` magic and the ``%openapi_form`` form are thin peers above a
:class:`NotebookSession`: it owns the notebook's :class:`Connection` and its
settings, and takes each decision once — how a setting is resolved, the
pre-send check, the write guard, how a call and a fleet call run and render.
Neither front-end imports or looks up the other; both ask
:func:`session_for` for the shell's session.

A setting is resolved with one precedence (:meth:`NotebookSession.resolve`)::

    cell option > form field > %config > profile / connection > default

``%config OpenAPIMagics.x = ...`` stays the magic's own traits (so ``%config
OpenAPIMagics`` lists them and their help); the magic pushes what was set into
the session (:meth:`NotebookSession.set_config`) when it loads and whenever a
trait changes. The session does not read the magic's config section itself: it
would then name a front-end's class, and a form used without the magic would
depend on it.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .client import MAX_TIMEOUT, Client, precheck
from .connection import Connection
from .errors import ConfigError
from .result import Result
from .settings import TABLE

if TYPE_CHECKING:  # pragma: no cover
    from .fleet import FleetResult

__all__ = [
    "MAX_TIMEOUT",
    "SETTINGS",
    "SOURCES",
    "NotebookSession",
    "Settings",
    "current_settings",
    "session_for",
    "start_session",
]

#: Where a resolved value can come from, strongest first.
SOURCES = ("cell", "form", "%config", "profile", "connection", "default")

#: Every setting, with its default (the last level), by name: made from
#: :data:`openapi_magic.settings.TABLE`. ``timeout`` and ``encrypt`` default to ``None``:
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
_GUARDS = ("confirm_writes", "read_only")

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
    ) -> Settings:
        """Every setting for one call, each from its strongest level that says something.

        ``cell`` and ``form`` map setting names to values, ``None`` meaning "not
        given"; ``client`` is the connection's level (a value counts when it differs
        from a plain Client's default); without one (a fleet call) each splicer keeps
        its own.
        """
        levels: list[tuple[str, Mapping[str, Any]]] = [
            ("cell", {k: v for k, v in (cell or {}).items() if v is not None}),
            ("form", {k: v for k, v in (form or {}).items() if v is not None}),
            ("%config", self._config),
        ]
        if client is not None:
            said = {
                name: getattr(client, name)
                for name in _CONNECTION_LEVEL
                if getattr(client, name) != _CLIENT_DEFAULTS.get(name)
            }
            levels.append(("profile" if client.name else "connection", said))
        for _, given in levels[:2]:
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
        """The client for one call (:meth:`Connection.client_for`; ConfigError if none)."""
        return self.connection.client_for(profile)

    def check(self, interface: str, body: Any, settings: Settings) -> list[str]:
        """The one pre-send check (:func:`precheck` with the resolved ``strict_catalog``):
        raises RequestValidationError for what must not be sent; returns the doubts."""
        return [
            p.message for p in precheck(interface, body, strict_catalog=settings.strict_catalog)
        ]

    def guard(self, client: Client, interface: str, body: Any, settings: Settings) -> None:
        """Refuse a write before anything is sent when the call is read-only (the resolved
        setting or the client's own); WriteRefused."""
        client.guard(interface, body, read_only=settings.read_only, confirmed=True)

    def needs_confirm(self, client: Client, interface: str, settings: Settings) -> bool:
        """True when this call must be confirmed before it is sent."""
        from .confirm import write_kind

        if settings.confirm_writes and write_kind(interface) != "read":
            return True
        return client.needs_confirm(interface)

    def call(
        self,
        client: Client,
        interface: str,
        body: Any,
        settings: Settings,
        *,
        records: str | None = None,
        confirmed: bool = False,
    ) -> Result:
        """Send one call with the resolved settings; its Result shows
        ``settings.display_limit`` rows. The body was :meth:`check`-ed before."""
        result = client.call(
            interface,
            body,
            encrypt=settings.encrypt,
            timeout=settings.timeout,
            records=records,
            strict_catalog=False,
            read_only=settings.read_only,
            confirmed=confirmed,
        )
        result.display_limit = settings.display_limit
        return result

    def judge(self, result: Result, settings: Settings) -> None:
        """A reply's sign mismatch fails the call under ``strict_sign`` (SignatureError,
        the data kept on it)."""
        if settings.strict_sign:
            result.check_sign()

    def fleet_call(
        self,
        targets: Any,
        interface: str,
        body: Any,
        settings: Settings,
        *,
        confirm: Callable[[Any], bool] | None = None,
        confirmed: bool = False,
        **options: Any,
    ) -> FleetResult:
        """Run a call on many splicers or bodies (:func:`openapi_magic.fleet.run`) with the
        resolved settings (the body or bodies were :meth:`check`-ed before)."""
        from . import fleet

        result = fleet.run(
            targets,
            interface,
            body,
            strict_catalog=False,
            timeout=settings.timeout,
            encrypt=settings.encrypt,
            display_limit=settings.display_limit,
            profiles=self.connection.profiles_file,
            read_only=settings.read_only,
            confirm_writes=settings.confirm_writes,
            confirm=confirm,
            confirmed=confirmed,
            **options,
        )
        for call in result.calls:  # each reply shown alone shows what the table shows
            if call.result is not None:
                call.result.display_limit = settings.display_limit
        return result

    @staticmethod
    def render(value: Any) -> dict:
        """The MIME bundle a front-end shows for a Result, a fleet result or a panel."""
        return value._repr_mimebundle_()


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
