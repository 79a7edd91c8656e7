"""Which splicer a notebook talks to: the current connection and per-call profiles.

Shared by the magic, the form and fleet calls, so they agree on what "the
current connection" is. Targets are a :class:`Client`, a :class:`Profile`, a
profile name, or anything with ``root``, ``pid``, ``secret_key`` and
``encrypt`` (such as a running simulated splicer). Nothing here shows a secret.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigError
from ._client import Client, Environment
from ._history import History
from ._profiles import Profile, get_profile
from ._verdict import CONNECT_500_HINT, MODEL_NAMES, ConnectVerdict, check_connection

__all__ = [
    "CONNECT_500_HINT",
    "MODEL_NAMES",
    "NOT_CONNECTED",
    "READ_ONLY_HINT",
    "ConnectVerdict",
    "Connection",
    "check_connection",
    "is_splicer_like",
    "to_client",
]

NOT_CONNECTED = (
    "Not connected to a splicer. Use %openapi_connect splicer (a simulated splicer object), "
    "%openapi_connect -p PROFILE, %openapi_connect --env (OPENAPI_ROOT, OPENAPI_PID, "
    "OPENAPI_SECRET_KEY, OPENAPI_ENCRYPT), or %openapi_connect URL --pid PID (asks for the "
    "secretKey); from Python, pass client= or profile=."
)

#: How to allow writes on a connection made read-only here.
READ_ONLY_HINT = (
    "This connection was made read-only (%openapi_connect --read-only, or "
    "Connection.connect(..., read_only=True)): connect again without it to allow "
    "writes."
)


def is_splicer_like(obj: Any) -> bool:
    """True for anything with ``root``, ``pid``, ``secret_key`` and ``encrypt`` (a simulated splicer)."""
    return all(hasattr(obj, a) for a in ("root", "pid", "secret_key", "encrypt"))


def to_client(
    target: Any, *, profiles_file: str | None = None, **overrides: Any
) -> tuple[Client, str]:
    """A client for ``target`` and a short description of where it came from."""
    if isinstance(target, Client):
        given = sorted(name for name, value in overrides.items() if value is not None)
        if given:  # a Client is made with its settings: never silently ignore one
            raise ConfigError(
                f"A Client keeps the settings it was made with, so {', '.join(given)} "
                "cannot be changed by connecting it: make the Client with them "
                f"(Client(..., {given[0]}=...)), or connect a profile or a simulated "
                "splicer with these options."
            )
        return target, (target.name and f"client {target.name!r}") or "a Client"
    if isinstance(target, Profile):
        return target.client(**overrides), f"profile {target.name!r}"
    if isinstance(target, str):
        return get_profile(target, profiles_file).client(**overrides), f"profile {target!r}"
    if is_splicer_like(target):
        return Client.from_splicer(target, **overrides), type(target).__name__
    raise ConfigError(
        f"Cannot connect to a {type(target).__name__}: give a simulated splicer, "
        "a Client, a Profile or a profile name."
    )


class Connection:
    """The current connection of a notebook, plus a client per named profile.

    ``client_for(profile)`` picks, in order: the named profile, the current
    connection, the ``OPENAPI_*`` environment variables, ``default_profile``.
    """

    def __init__(
        self,
        *,
        profiles_file: str | None = None,
        default_profile: str = "",
        env: Mapping[str, str] | Environment | None = None,
    ) -> None:
        self.profiles_file = profiles_file or None
        self.default_profile = default_profile
        # An Environment (its repr names nothing), never the mapping itself.
        self._env = Environment(env)
        self._client: Client | None = None
        self._source = ""
        self._profile_clients: dict[str, Client] = {}
        #: Where the calls of every client this connection holds are recorded (a
        #: notebook session's history), or None.
        self.history: History | None = None
        self._verdict: ConnectVerdict | None = None
        self._watchers: list[weakref.WeakMethod] = []

    def watch(self, method: Callable[[], Any]) -> None:
        """Call the bound ``method()`` after the connection changes or is checked (a
        form's target line keeps in step); held weakly, so a closed form is forgotten."""
        self._watchers.append(weakref.WeakMethod(method))

    def _changed(self) -> None:
        alive = []
        for ref in self._watchers:
            method = ref()
            if method is not None:
                alive.append(ref)
                method()
        self._watchers = alive

    @property
    def verdict(self) -> ConnectVerdict | None:
        """What the current connection's splicer answered when connecting (``None``
        before any connect; kind ``unchecked`` when it was not asked)."""
        return self._verdict

    def check(self, timeout: float | None = None) -> ConnectVerdict:
        """Ask the current connection's splicer (:func:`check_connection`) and keep the
        verdict (:attr:`verdict`); ConfigError when nothing is connected."""
        if self._client is None:
            raise ConfigError(NOT_CONNECTED)
        self._verdict = check_connection(self._client, timeout)
        self._changed()
        return self._verdict

    @property
    def client(self) -> Client | None:
        """The current client, or ``None`` when nothing is connected yet."""
        return self._client

    @property
    def source(self) -> str:
        return self._source

    def set(
        self, client: Client, source: str, *, read_only: bool = False, confirm_writes: bool = False
    ) -> Client:
        """Make ``client`` the current connection.

        ``read_only`` / ``confirm_writes`` turn those guards on for the client (a
        Client given by the caller too: they are only ever turned on here, never off).
        """
        if read_only:
            client.read_only = True
            client.read_only_hint = READ_ONLY_HINT
        if confirm_writes:
            client.confirm_writes = True
        self._client, self._source = self.adopt(client), source
        self._verdict = ConnectVerdict("unchecked", client.root, client.pid)
        self._profile_clients.clear()
        self._changed()
        return client

    def _checked(self, client: Client, check: bool) -> Client:
        if check:
            self.check().raise_for_kind()
        return client

    def connect(
        self,
        target: Any,
        *,
        read_only: bool = False,
        confirm_writes: bool = False,
        check: bool = True,
        **overrides: Any,
    ) -> Client:
        """Make ``target`` (see :func:`to_client`) the current connection (``read_only``,
        ``confirm_writes``: see :meth:`set`).

        ``check`` asks the splicer once (:meth:`check`): when it refuses or cannot be
        reached, :class:`~openapi_magic.errors.ConnectCheckError` is raised (its
        ``verdict`` says what answered) and the target stays connected, so the next
        call tries it again. ``check=False`` sends nothing (a splicer not powered yet).
        """
        client, source = to_client(target, profiles_file=self.profiles_file, **overrides)
        client = self.set(client, source, read_only=read_only, confirm_writes=confirm_writes)
        return self._checked(client, check)

    def connect_env(
        self,
        *,
        read_only: bool = False,
        confirm_writes: bool = False,
        check: bool = True,
        **overrides: Any,
    ) -> Client:
        """Connect from ``OPENAPI_ROOT``, ``OPENAPI_PID``, ``OPENAPI_SECRET_KEY``,
        ``OPENAPI_ENCRYPT`` (``check``: see :meth:`connect`)."""
        # self._env, not os.environ itself: a verbose traceback would print a variable
        # holding the environment (secretKey included).
        client = self.set(
            Client.from_env(self._env, **overrides),
            "environment variables OPENAPI_*",
            read_only=read_only,
            confirm_writes=confirm_writes,
        )
        return self._checked(client, check)

    def client_for(self, profile: str | None = None) -> Client:
        """The client to use for one call (see the class docstring); ConfigError if none."""
        if profile:
            if profile not in self._profile_clients:
                made = get_profile(profile, self.profiles_file).client()
                self._profile_clients[profile] = self.adopt(made)
            return self._profile_clients[profile]
        if self._client is not None:
            return self._client
        # Implicit connections are not checked: the call being made will tell.
        if self._env.get("OPENAPI_ROOT"):
            return self.connect_env(check=False)
        if self.default_profile:
            return self.connect(self.default_profile, check=False)
        raise ConfigError(NOT_CONNECTED)

    def adopt(self, client: Client) -> Client:
        """``client``, recording its calls in :attr:`history` (unless it records them
        elsewhere already)."""
        if client.history is None:
            client.history = self.history
        return client

    def describe(self) -> str:
        """One line about the current connection (root and pId; never the secret)."""
        c = self._client
        if c is None:
            return "Not connected."
        mode = "encryption on" if c.encrypt else "encryption off"
        guard = (
            "; read-only: writes are refused"
            if c.read_only
            else "; writes are confirmed before sending"
            if c.confirm_writes
            else ""
        )
        return (
            f"Connected to {c.root} as pId {c.pid!r} ({mode}, timeout {c.timeout:g} s; "
            f"from {self._source}{guard})."
        )
