"""The ``%%openapi`` cell magic, the ``%openapi`` line magic and ``%openapi_connect``.

Load with ``%load_ext openapi_magic``. Connect without typing a secret into the
notebook (``%openapi_connect splicer``, ``-p hall-a``, ``--env``, or a URL with a
hidden prompt), then::

    %%openapi screen/readList
    {"deviceId": 0}

Settings are traits: ``%config OpenAPIMagics.display_limit = 20`` (see
``%config OpenAPIMagics`` for all of them).
"""

from __future__ import annotations

import functools
import getpass
import html
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from IPython.core.error import UsageError
from IPython.core.magic import (
    Magics,
    line_cell_magic,
    line_magic,
    magics_class,
    needs_local_scope,
    no_var_expand,
)
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display
from traitlets import Bool, Float, Int, TraitType, Unicode, observe

from ..app import _cell as _grammar
from ..app._cell import CellCall, CellError, _reason, _short
from ..app._cell import lookup as _lookup
from ..app._cell import split_line as _split_line
from ..app._service import CallSpec, Outcome
from ..app._session import NotebookSession, Settings, session_for, start_session
from ..client import _guards as _confirm
from ..client._client import Client
from ..client._connection import Connection, to_client
from ..client._profiles import profiles_path
from ..client._result import _STYLE, Result, safe_text
from ..core.catalog import load_catalog, normalize_path
from ..core.settings import TABLE, Setting, arguments, cell_level, given
from ..errors import (
    ConfigError,
    OpenAPIError,
    RequestValidationError,
    SignatureError,
    StatusError,
    WriteRefused,
)
from ..render._tables import _md

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__all__ = [
    "CallInterrupted",
    "CaptureMagics",
    "Notice",
    "OpenAPICellError",
    "OpenAPIMagics",
    "current_client",
    "load_ipython_extension",
    "parse_body",
    "plain_connect_note",
    "substitute",
]

#: Name in the user namespace that holds the last error (with what arrived).
LAST_ERROR = "_openapi_error"

_RED, _DIM, _RESET = "\x1b[31m", "\x1b[2m", "\x1b[0m"

_F = TypeVar("_F", bound=Callable[..., Any])


def _usage(exc: CellError) -> UsageError:
    """The grammar's error as IPython shows a magic's misuse (one line, no traceback)."""
    return UsageError(str(exc))


def _cell_errors(func: _F) -> _F:
    """A magic whose cell the grammar cannot read fails with a UsageError (the one place
    a CellError becomes IPython's)."""

    @functools.wraps(func)
    def magic(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CellError as exc:
            raise _usage(exc) from None

    return magic  # type: ignore[return-value]


#: The grammar's body steps, as the magic's public names always were: errors are UsageError.
substitute = _cell_errors(_grammar.substitute)
parse_body = _cell_errors(_grammar.parse_body)


def _parse_options(magic: Any, line: str) -> Any:
    """A magic's options as IPython splits them (quotes kept, backslashes literal: Windows
    paths), with an unclosed quote as a UsageError (shlex raises ValueError)."""
    try:
        return parse_argstring(magic, line)
    except ValueError as exc:
        raise UsageError(f"Cannot read the options {line.strip()!r}: {exc}.") from None


class OpenAPICellError(Exception):
    """A failed call, shown by IPython as a short red message (no traceback).

    ``error`` is the underlying :class:`OpenAPIError` (with what arrived), or
    ``None``; ``result`` the :class:`Result` of a vendor failure.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        error: BaseException | None = None,
        result: Result | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.error = error
        self.result = result

    def __str__(self) -> str:
        return self.message + (f"\nHint: {self.hint}" if self.hint else "")

    def _render_traceback_(self) -> list[str]:
        # safe_text: the message may quote the splicer (control sequences, lone surrogates)
        lines = [f"{_RED}OpenAPI error: {safe_text(self.message)}{_RESET}"]
        if self.hint:
            lines.append(f"Hint: {safe_text(self.hint)}")
        lines.append(
            f"{_DIM}(the full error, with what arrived, is in {LAST_ERROR}; "
            f"%config OpenAPIMagics.short_errors = False shows tracebacks){_RESET}"
        )
        return lines


class CallInterrupted(Exception):
    """Ctrl-C during a call, shown as one line saying whether the request was sent.

    ``sent`` is True (it reached the splicer's connection: the wall may have acted),
    False (nothing was sent) or None (not known)."""

    def __init__(self, interface: str, sent: bool | None) -> None:
        self.interface, self.sent = interface, sent
        fate = {
            True: "the request was sent, so the splicer may have acted on it; read "
            "the state back before sending again",
            False: "nothing was sent",
            None: "the request may have been sent; read the state back before sending again",
        }[sent]
        super().__init__(f"Interrupted {interface}: {fate}.")

    def _render_traceback_(self) -> list[str]:
        return [f"{_RED}{safe_text(str(self))}{_RESET}"]


#: After a refused or unreachable verdict: the connection stays, a later cell retries it.
CONNECT_KEPT = (
    "The target is kept: the next cell tries it again. %openapi_connect ... --no-check "
    "connects without asking (a splicer not powered yet)."
)


def plain_connect_note(url: str, pid: str) -> str:
    """What ``%openapi_connect URL --pid X`` without ``--encrypt`` did and did not ask."""
    return (
        f"No secretKey was asked (plain mode). If the splicer has encryption on for pId "
        f"{pid}, connect again with --encrypt: %openapi_connect {url} --pid {pid} --encrypt "
        "asks for the key with a hidden prompt (or use a profile's secret_key_env). Never "
        "type the key into a cell: it would land in the notebook and IPython's history."
    )


#: Statuses a plain call gets when the splicer has encryption on (PROTOCOL.md: the sign
#: or the body does not open): the moment to say how to give the secretKey safely.
_ENCRYPTION_SUSPECT = (18, 500)


def _key_advice(client: Any, result: Result) -> str | None:
    """How to give the secretKey without typing it into a cell, when a plain call failed
    the way a splicer with encryption on answers; otherwise None."""
    if getattr(client, "encrypt", True) or result.status not in _ENCRYPTION_SUSPECT:
        return None
    return (
        f"If encryption is on for pId {client.pid} on the splicer: %openapi_connect "
        f"{client.root} --pid {client.pid} --encrypt asks for the secretKey with a hidden "
        "prompt (or use a profile's secret_key_env). Never type the key into a cell."
    )


class Notice:
    """A failure shown as output instead of raised (``--keep-going``): red, escaped."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message, self.hint = message, hint

    def __repr__(self) -> str:
        return safe_text(
            f"OpenAPI error: {self.message}" + (f"\nHint: {self.hint}" if self.hint else "")
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {
            "text/plain": repr(self),
            "text/html": self._repr_html_(),
            "text/markdown": self._repr_markdown_(),
        }

    def _repr_html_(self) -> str:
        hint = f"<div>Hint: {html.escape(safe_text(self.hint))}</div>" if self.hint else ""
        return (
            f'<div class="openapi-magic-error" style="{_STYLE["fail"]}"><b>OpenAPI error:</b> '
            f'<span style="white-space:pre-wrap">{html.escape(safe_text(self.message))}</span>'
            f"{hint}</div>"
        )

    def _repr_markdown_(self) -> str:
        lines = [f"**✘ OpenAPI error:** {_md(self.message)}"]
        if self.hint:
            lines.append(f"Hint: {_md(self.hint)}")
        return "\n\n".join(lines)


# --------------------------------------------------------------------------- the magics


def _setting_arguments(level: str) -> Callable[[_F], _F]:
    """A magic's setting options at ``level`` (``"connect"``, ``"watch"``), from the settings
    table, as the ``@argument(...)`` decorators written in the table's order would be (use
    it under ``@magic_arguments()``)."""

    def add(func: _F) -> _F:
        for flags, keywords in reversed(arguments(level)):  # decorators apply bottom-up
            func = argument(*flags, **keywords)(func)
        return func

    return add


def _trait(row: Setting) -> TraitType:
    """A setting's ``%config`` trait, as its row declares it."""
    kind = {bool: Bool, int: Int, float: Float, str: Unicode}[row.type]
    return kind(row.default, allow_none=row.allow_none, help=row.help).tag(config=True)


@magics_class
class OpenAPIMagics(Magics):
    """Magics to call NovaStar H-series splicers: ``%%openapi``, ``%openapi``,
    ``%openapi_connect``, ``%openapi_help``."""

    if TYPE_CHECKING:  # always set: IPython makes magics with the shell they run in
        shell: InteractiveShell

    # The %config settings, one trait a row of the settings table (so %config
    # OpenAPIMagics lists them with their help). A class body's namespace is its vars().
    vars().update({row.name: _trait(row) for row in TABLE if row.config})

    if TYPE_CHECKING:  # the traits this class reads itself
        short_errors: bool
        default_profile: str
        profiles_file: str
        check_connection: bool

    def __init__(self, shell=None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        #: The notebook session (connection and settings) this magic and the form share:
        #: loading the magic starts a fresh one, nothing connected.
        self.session: NotebookSession = start_session(
            shell,
            Connection(profiles_file=self.profiles_file, default_profile=self.default_profile),
        )
        # The %config level: what the config section (or a keyword) set before this instance
        # existed; later changes arrive through _settings_changed.
        self._push_config(set(kwargs))
        #: The last Result, dry run or error of a cell.
        self.last: Any = None

    @observe(*(row.name for row in TABLE if row.config))
    def _settings_changed(self, change: Any) -> None:
        session = getattr(self, "session", None)
        if session is None:  # the config being loaded in __init__, before the session
            return
        if change["name"] == "profiles_file":
            self.connection.profiles_file = change["new"] or None
        elif change["name"] == "default_profile":
            self.connection.default_profile = change["new"]
        session.set_config(change["name"], change["new"])

    def _push_config(self, also: frozenset[str] | set[str] = frozenset()) -> None:
        """Give the session every setting the config section names, with its trait value."""
        named = set(dict.get(self.config, type(self).__name__) or {}) | also
        for name in sorted(named & {row.name for row in TABLE if row.config}):
            self.session.set_config(name, getattr(self, name))

    def update_config(self, config: Any) -> None:
        """Load ``config`` (what ``%config`` does), then give the session what it names."""
        super().update_config(config)
        # %config OpenAPIMagics.x = v with the value the trait already has changes no trait
        # (no _settings_changed), but the user said it: it is the %config level from now on.
        if getattr(self, "session", None) is not None:
            self._push_config()

    @property
    def connection(self) -> Connection:
        """The notebook's connection (the session's)."""
        return self.session.connection

    @property
    def client(self) -> Client | None:
        """The current connection's client (``None`` until connected)."""
        return self.connection.client

    def client_for(self, profile: str | None = None) -> Client:
        """The client for a cell (see :meth:`Connection.client_for`); UsageError if none."""
        try:
            return self.connection.client_for(profile)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None

    def describe(self) -> str:
        """One line about the current connection (never the secret)."""
        return self.connection.describe()

    @no_var_expand
    @needs_local_scope
    @magic_arguments()
    @argument(
        "target",
        nargs="?",
        help="A variable holding a simulated splicer, Client or "
        "Profile; a profile name; or a root URL (then --pid, and the secretKey is asked "
        "with a hidden prompt when encryption is on).",
    )
    @argument("-p", "--profile", metavar="NAME", help="Connect with a named profile.")
    @argument(
        "--env",
        action="store_true",
        help="Connect from OPENAPI_ROOT, OPENAPI_PID, OPENAPI_SECRET_KEY, OPENAPI_ENCRYPT.",
    )
    @argument("--pid", help="pId for a root URL.")
    @_setting_arguments("connect")
    @line_magic
    def openapi_connect(self, line: str = "", local_ns: dict | None = None) -> None:
        """Connect the %%openapi magic to a splicer, keeping the secretKey out of the notebook.

        The first line printed is what the splicer answered (``main/initStatus``, once):
        it answers (model and firmware), it refused, or it is unreachable; the last two
        fail the cell, the target kept for the next cell. ``--no-check`` asks nothing.
        ``%openapi_connect`` alone tells the current connection.
        """
        args = _parse_options(self.openapi_connect, line)
        ns = {**self.shell.user_ns, **(local_ns or {})}
        # The options' settings: the guards go to the connection, check_connection is
        # this magic's, encrypt only where the target does not say (a profile does); the
        # rest are the client's own keywords.
        overrides = {k: v for k, v in given("connect", args).items() if v is not None}
        guards = {row.name: bool(overrides.pop(row.name, False)) for row in TABLE if row.guard}
        check = overrides.pop("check_connection", self.check_connection)
        encrypt: bool | None = overrides.pop("encrypt", None)
        conn = self.connection
        note = ""
        try:
            if args.env:
                if encrypt is not None:
                    overrides["encrypt"] = encrypt
                conn.connect_env(check=False, **guards, **overrides)
            elif args.profile:
                conn.connect(args.profile, check=False, **guards, **overrides)
            elif args.target is None:
                print(self.describe())
                if conn.verdict is not None:
                    print(f"When connecting: {conn.verdict.headline}")
                return
            elif re.match(r"(?i)https?://", args.target):
                if not args.pid:
                    raise UsageError("Give the pId with --pid when connecting to a URL.")
                if encrypt is None:
                    encrypt = self.session.resolve().default_encrypt
                secret = None
                if encrypt:
                    secret = getpass.getpass(f"secretKey for pId {args.pid} at {args.target}: ")
                    source = "a URL, the secretKey from a hidden prompt"
                else:
                    source = "a URL, no secretKey asked: plain mode"
                conn.set(
                    Client(args.target, args.pid, secret, encrypt=encrypt, **overrides),
                    source,
                    **guards,
                )
                if not encrypt:
                    note = plain_connect_note(args.target, args.pid)
            elif args.target in ns:
                if encrypt is not None:
                    overrides["encrypt"] = encrypt
                client, source = to_client(
                    ns[args.target], profiles_file=conn.profiles_file, **overrides
                )
                conn.set(client, f"{source} {args.target}", **guards)
            else:
                try:
                    conn.connect(args.target, check=False, **guards, **overrides)
                except ConfigError as exc:
                    where = conn.profiles_file or profiles_path()
                    raise UsageError(
                        f"{args.target!r} is neither a notebook variable nor a "
                        f"profile ({exc}; profiles file: {where})."
                    ) from None
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        verdict = conn.check() if check else conn.verdict
        if verdict is not None and verdict.failed:
            # The cell fails with the verdict alone (no traceback); the target is kept.
            if verdict.status not in _ENCRYPTION_SUSPECT:
                note = ""  # no sign that encryption is the cause
            raise UsageError("\n".join(t for t in (verdict.message, note, CONNECT_KEPT) if t))
        if verdict is not None:
            print(verdict.headline)
        print(self.describe())
        if note:
            print(note)

    @line_magic
    def openapi_help(self, line: str = "") -> None:
        """What the catalog knows of one interface: ``%openapi_help screen/ftb``.

        Its summary, where the description comes from ("unconfirmed" when it is
        only our reconstruction, with the evidence and any disagreement between
        sources) and its fields with their types and ranges.
        """
        path = normalize_path(line)
        catalog = load_catalog()
        if not path:
            raise UsageError("Name an interface, e.g. %openapi_help screen/readList.")
        if path not in catalog:
            close = catalog.suggest(path)
            tail = f" Did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(
                f"The catalog does not know {path!r}.{tail} (%%openapi sends it "
                "anyway: firmware may know more than the catalog.)"
            )
        print(catalog.get(path).help())

    # ------------------------------------------------------------------ the call

    @no_var_expand
    @needs_local_scope
    @magic_arguments()
    @_grammar.call_arguments
    @line_cell_magic
    @_cell_errors
    def openapi(self, line: str = "", cell: str | None = None, local_ns: dict | None = None) -> Any:
        """Send one signed (and, when the connection says so, encrypted) call.

        The first line names the interface and options; the cell body is JSON
        (may be empty). ``$name`` puts a notebook variable in as JSON (``$$`` is a
        literal ``$``). The line form takes the JSON inline:
        ``r = %openapi screen/readDetail {"deviceId": 0, "screenId": 0}``.

        The reply shows as a table beside the raw envelope; the Result is returned
        (so ``_`` works) and stored with ``-o NAME``.
        """
        call = _grammar.parse(line, cell)
        if not call.interface:
            print(self.describe())
            print(
                "Usage: %%openapi module/action [options], then the JSON body; %openapi? for help."
            )
            return None
        ns = {**self.shell.user_ns, **(local_ns or {})}
        if not call.options.keep_going:
            return self._run(call, ns)
        try:
            return self._run(call, ns, fail_on_status=False)
        except (UsageError, CellError) as exc:
            if isinstance(exc, CellError):
                exc = _usage(exc)
            self.shell.user_ns[LAST_ERROR] = exc
            display(Notice(str(exc)))
        except OpenAPICellError as exc:
            display(Notice(exc.message, exc.hint))
        return None

    def _refusal(self, outcome: Outcome, labels: Any = None) -> OpenAPIError | None:
        """What was refused before anything was sent: a catalog refusal as a UsageError
        (``--force`` lifts it); anything else (read-only, declined) to show."""
        refused = outcome.refused
        if refused is None:
            return None
        exc = refused.error
        if refused.why == "validation" and isinstance(exc, RequestValidationError):
            label = ""
            if refused.index is not None and labels:
                label = "".join(
                    f" (for {name} = {_short(item)})"
                    for name, item in labels[refused.index].items()
                )
            raise UsageError(
                f"{outcome.spec.interface}{label}: "
                + "; ".join(exc.problems)
                + f". {exc.hint} (--force sends it anyway.)"
            ) from None
        return self._rehint(exc, outcome.settings, outcome.client)

    def _spec(self, call: CellCall, fail_on_status: bool | None = None, **more: Any) -> CallSpec:
        """The cell as a call specification (its options at the cell's level)."""
        args = call.options
        assert call.interface is not None
        return CallSpec(
            call.interface,
            profile=args.profile,
            settings=self._cell_level(args, fail_on_status),
            force=args.force,
            records=args.table,
            origin="magic",
            **more,
        )

    def _session_run(self, spec: CallSpec) -> Outcome:
        """The session runs the call; a notebook asks about a write with a button, a
        terminal with a y/N prompt."""
        from ..ops._watch import _in_kernel

        try:
            return self.session.run(spec, confirm=None if _in_kernel() else _confirm.prompt)
        except KeyboardInterrupt as exc:
            raise CallInterrupted(spec.interface, getattr(exc, "openapi_sent", None)) from None
        except (ConfigError, TypeError) as exc:  # no connection, --on VAR that is no splicer
            raise UsageError(str(exc)) from None

    def _run(self, call: CellCall, ns: dict, fail_on_status: bool | None = None) -> Any:
        args, path = call.options, call.interface
        assert path is not None  # openapi() answers a cell without one itself
        if args.each or args.on:
            return self._run_many(call, ns, fail_on_status)
        spec = self._spec(call, fail_on_status, body=call.body(ns), dry_run=args.dry_run)
        outcome = self._session_run(spec)
        if outcome.pending is not None:
            if outcome.pending.ask is None:  # a notebook: Send / Cancel
                return self._confirm_panel(outcome, lambda done: self._sent_one(done, args))
            try:
                outcome = self.session.proceed(outcome, confirm=outcome.pending.ask)
            except KeyboardInterrupt as exc:
                raise CallInterrupted(path, getattr(exc, "openapi_sent", None)) from None
        return self._show_one(outcome, args)

    def _sent_one(self, outcome: Outcome, args: Any) -> Any:
        """After Send: the reply, or the error to show (the panel shows it as a notice)."""
        result = outcome.result
        if result is None or isinstance(outcome.error, SignatureError):
            error = outcome.refused.error if outcome.refused is not None else outcome.error
            assert error is not None
            raise error
        self._store(args.out, result)
        return result

    def _show_one(self, outcome: Outcome, args: Any) -> Any:
        """Show one call's outcome: the reply (stored), or a short error."""
        settings, client = outcome.settings, outcome.client
        path = outcome.spec.interface
        refused = self._refusal(outcome)
        if refused is not None:
            return self._fail(refused)
        if outcome.prepared is not None:
            self._store(args.out, outcome.prepared)
            return outcome.prepared
        result = outcome.result
        if not isinstance(result, Result):
            assert isinstance(outcome.error, OpenAPIError)
            return self._fail(self._rehint(outcome.error, settings, client))
        self._store(args.out, result)
        if args.table:
            try:
                result.to_dataframe()
            except KeyError as exc:
                self.shell.user_ns[LAST_ERROR] = failure = OpenAPICellError(
                    f"{exc.args[0]}; the Result is kept"
                    + (f" in {args.out}" if args.out else "")
                    + ".",
                    result=result,
                )
                raise failure from None
        if isinstance(outcome.error, SignatureError):
            return self._fail(outcome.error)
        try:
            if isinstance(outcome.error, StatusError):
                self.last = outcome.error
                self.shell.user_ns[LAST_ERROR] = outcome.error
                if outcome.failed:
                    display(result)  # the reply, its status, msg and hint: shown once
                    if not self.short_errors:
                        return self._fail(outcome.error)
                    raise OpenAPICellError(
                        f"{path} failed with status {result.status} (the reply and its "
                        "hint are shown above).",
                        error=outcome.error,
                        result=result,
                        hint=_key_advice(client, result),
                    ) from None
        except OpenAPICellError as exc:
            self.shell.user_ns[LAST_ERROR] = exc
            raise
        return result

    def _cell_level(self, args: Any, fail_on_status: bool | None = None) -> dict[str, Any]:
        """The cell's own settings (``None``: not given); ``-k`` turns fail_on_status off."""
        return {**cell_level(args), "fail_on_status": fail_on_status}

    def _rehint(
        self, exc: OpenAPIError, settings: Settings, client: Client | None = None
    ) -> OpenAPIError:
        """A read-only refusal caused by the %config setting says how to lift it."""
        if (
            isinstance(exc, WriteRefused)
            and exc.reason == "read-only"
            and settings.source("read_only") == "%config"
            and settings.read_only
            and (client is None or not client.read_only)
        ):
            exc.hint = "%config OpenAPIMagics.read_only = False allows writes."
        return exc

    def _confirm_panel(self, outcome: Outcome, then: Any) -> Any:
        """Send / Cancel for a write waiting for a confirm; Send proceeds, then ``then``
        shows the new outcome (an error of the call as a notice)."""
        from ._confirm_button import ConfirmButtons

        assert outcome.pending is not None and outcome.pending.write is not None

        def guarded() -> Any:
            try:
                return then(self.session.proceed(outcome))
            except OpenAPIError as exc:
                self.last = exc
                self.shell.user_ns[LAST_ERROR] = exc
                return Notice(exc.message, exc.hint)

        panel = ConfirmButtons(outcome.pending.write, guarded)
        self.last = panel
        return panel

    def _run_many(self, call: CellCall, ns: dict, fail_on_status: bool | None = None) -> Any:
        args, path = call.options, call.interface
        assert path is not None
        if args.dry_run:
            raise UsageError("--dry-run shows one call: drop --each/--on to see its envelope.")
        bodies: list[Any] | None = None
        labels: list[dict[str, Any]] | None = None
        if args.each:
            name, sep, var = args.each.partition("=")
            name, var = name.strip(), var.strip()
            if not sep or not name.isidentifier() or not var:
                raise UsageError(
                    f"--each takes NAME=VAR (e.g. --each inputId=ids), not {args.each!r}."
                )
            items = _lookup(var, ns)
            if isinstance(items, (str, bytes, dict)) or not hasattr(items, "__iter__"):
                raise UsageError(
                    f"--each {args.each}: {var} must be a list of values, not "
                    f"{type(items).__name__}."
                )
            try:
                items = list(items)
            except Exception as exc:  # noqa: BLE001 - the user's iterable raised
                raise UsageError(
                    f"--each {args.each}: going through {var} raised "
                    f"{type(exc).__name__}: {_reason(exc)}."
                ) from None
            if not items:
                raise UsageError(f"--each {args.each}: {var} is empty, nothing to send.")
            bodies = [call.body(ns, **{name: item}) for item in items]
            labels = [{name: item} for item in items]
            body = None
        else:
            body = call.body(ns)
        targets = _lookup(args.on, ns) if args.on else None
        if args.workers is not None and args.workers < 1:
            raise UsageError("--workers must be at least 1.")
        spec = self._spec(
            call,
            fail_on_status,
            body=body,
            bodies=bodies,
            labels=labels,
            targets=targets,
            workers=args.workers,
        )
        outcome = self._session_run(spec)
        if outcome.pending is not None:  # confirmed once for the whole run, by a button

            def then(done: Outcome) -> Any:
                refused = self._refusal(done)
                if refused is not None:
                    raise refused
                self._store(args.out, done.result)
                return self._judge_many(done)

            return self._confirm_panel(outcome, then)
        refused = self._refusal(outcome, labels)
        if refused is not None:
            return self._fail(refused)
        self._store(args.out, outcome.result)
        return self._judge_many(outcome)

    def _judge_many(self, outcome: Outcome) -> Any:
        """A fleet cell fails as a single call's does (the session's verdict): the outcome
        table shown once, then a short error."""
        from ..ops.fleet import FleetError

        result, exc = outcome.result, outcome.error
        if not outcome.failed or not isinstance(exc, FleetError):
            return result
        display(result)  # the outcome table: every reply that arrived, shown once
        self.last = exc
        self.shell.user_ns[LAST_ERROR] = exc
        if not self.short_errors:
            raise exc
        raise OpenAPICellError(
            exc.message + " (the outcome table is shown above)", hint=exc.hint, error=exc
        ) from None

    def _store(self, name: str | None, value: Any) -> None:
        self.last = value
        if name:
            if not name.isidentifier():
                raise UsageError(f"-o needs a variable name, not {name!r}.")
            self.shell.user_ns[name] = value

    def _fail(self, exc: OpenAPIError) -> None:
        self.last = exc
        self.shell.user_ns[LAST_ERROR] = exc
        if not self.short_errors:
            raise exc
        raise OpenAPICellError(
            exc.message, hint=exc.hint, error=exc, result=getattr(exc, "result", None)
        ) from None

    # ------------------------------------------------------------------ watching

    @no_var_expand
    @needs_local_scope
    @magic_arguments()
    @argument("interface", nargs="?", help="The interface to poll, module/action.")
    @argument(
        "--every",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="Seconds between polls (default 5).",
    )
    @argument("-t", "--table", metavar="KEY", help="Which part of the body to tabulate.")
    @argument("-p", "--profile", metavar="NAME", help="Watch this profile's splicer.")
    @argument(
        "--on",
        metavar="VAR",
        help="Watch every splicer in the notebook variable VAR (as %%openapi --on), one row each.",
    )
    @argument(
        "--misses",
        type=int,
        default=3,
        metavar="N",
        help="Missed polls in a row before a splicer shows offline (default 3).",
    )
    @argument("--maxlen", type=int, metavar="ROWS", help="Rows kept in the watch's history.")
    @argument(
        "--fields",
        metavar="A,B,C",
        help="Show only these fields (or columns), e.g. --fields brightness,name; "
        "w.fields(...) changes them on a running watch.",
    )
    @_setting_arguments("watch")
    @argument("-o", "--out", metavar="NAME", help="Store the Watch in this variable.")
    @argument(
        "-b",
        "--background",
        action="store_true",
        help="In a terminal, return at once "
        "instead of printing updates until Ctrl-C (a notebook always returns at once).",
    )
    @argument(
        "-f",
        "--force",
        action="store_true",
        help="Poll even if the catalog does not "
        "know the interface or says a field is missing or wrong.",
    )
    @line_magic
    @_cell_errors
    def openapi_watch(self, line: str = "", local_ns: dict | None = None) -> Any:
        """Poll one interface in the background and keep one output up to date.

        ``%openapi_watch device/readDetail --every 10 {"deviceId": 0}`` shows the
        latest table, the time of the last answer, the cells that changed, and
        OFFLINE after missed polls. Stop it with its button or ``w.stop()``
        (``w = %openapi_watch ...`` or ``-o w``); ``w.history`` is a DataFrame of
        every poll. In a terminal it prints updates until Ctrl-C.
        """
        from ..ops._watch import Watch, _in_kernel

        opts, body_text = _split_line(line)
        args = _parse_options(self.openapi_watch, opts)
        if not args.interface:
            raise UsageError(
                "Name the interface to watch, e.g. %openapi_watch "
                'device/readDetail {"deviceId": 0}.'
            )
        ns = {**self.shell.user_ns, **(local_ns or {})}
        path = normalize_path(args.interface)
        body = parse_body(substitute(body_text, ns), 1)
        spec = CallSpec(
            path,
            body,
            # a fleet's targets: each splicer keeps its own timeout unless the cell says
            targets=_lookup(args.on, ns) if args.on else self.client_for(args.profile),
            profile=args.profile,
            settings=given("watch", args),
            force=args.force,
            origin="watch",
        )
        checked = self.session.check(spec)  # resolved and checked once, nothing sent
        refused = self._refusal(checked)  # a write under read-only or confirm_writes
        if refused is not None:
            return self._fail(refused)
        settings, targets = checked.settings, spec.targets
        kernel = _in_kernel()
        # settings.timeout: the cell's, else %config's, else None (each splicer's own).
        options: dict[str, Any] = dict(
            every=args.every,
            offline_after=args.misses,
            records=args.table,
            fields=args.fields,
            show=kernel,
            timeout=settings.timeout,
            profiles=self.connection.profiles_file,
            log=self.session.history,
        )
        if args.maxlen is not None:
            options["maxlen"] = args.maxlen
        try:
            watch = Watch(targets, path, body, **options)
        except (ConfigError, TypeError) as exc:
            raise UsageError(str(exc)) from None
        self._store(args.out, watch)
        if not kernel and not args.background:
            print("Watching; Ctrl-C stops.")
            watch.follow()
        return watch


# --------------------------------------------------------------------------- completion
# Profile and interface names: ``_session_magics.completion_matcher``.


def current_client(profile: str | None = None) -> Client:
    """The client the ``%%openapi`` magic uses now (or for ``profile``), for Python cells.

    Raises :class:`ConfigError` when the extension is not loaded or nothing is connected.
    """
    from IPython import get_ipython

    shell = get_ipython()
    session = session_for(shell, create=False) if shell is not None else None
    if session is None:
        raise ConfigError(
            "The openapi_magic extension is not loaded: run %load_ext openapi_magic "
            "and %openapi_connect first, or build a Client directly."
        )
    return session.client_for(profile)


def _settings_help() -> str:
    lines = ["", "Settings (%config OpenAPIMagics.<name> = <value>):"]
    for name, trait in sorted(OpenAPIMagics.class_traits(config=True).items()):
        lines.append(f"  {name} = {trait.default_value!r}: {trait.help}")
    return "\n".join(lines)


OpenAPIMagics.openapi.__doc__ = (OpenAPIMagics.openapi.__doc__ or "") + _settings_help()


#: The name of the completion matcher (see ``_session_magics.completion_matcher``).
_MATCHER = "openapi_matcher"


def load_ipython_extension(ipython) -> None:
    """Register the magics and the interface-path completion."""
    from ._session_magics import SessionMagics, completion_matcher

    ipython.register_magics(OpenAPIMagics)
    ipython.register_magics(CaptureMagics)
    ipython.register_magics(SessionMagics)
    completer = getattr(ipython, "Completer", None)
    if completer is not None:
        # one matcher a shell (a reload replaces it): profiles after -p, interfaces
        completer.custom_matchers[:] = [
            m for m in completer.custom_matchers if getattr(m, "__name__", "") != _MATCHER
        ]
        completer.custom_matchers.append(completion_matcher(ipython))


# --------------------------------------------------------------------------- capture and diff


@magics_class
class CaptureMagics(Magics):
    """``%openapi_capture`` and ``%openapi_diff``: capture the connected splicer, diff captures.

    They use the connection of ``%openapi_connect`` (the notebook session's).
    """

    if TYPE_CHECKING:  # always set: IPython makes magics with the shell they run in
        shell: InteractiveShell

    def _connection(self) -> Connection:
        session = session_for(self.shell, create=False)
        if session is None:
            raise UsageError("Load the extension first: %load_ext openapi_magic.")
        return session.connection

    @no_var_expand
    @magic_arguments()
    @argument(
        "path",
        nargs="?",
        help="Save the capture to this JSON file (or the file a notebook variable names).",
    )
    @argument("-o", "--out", metavar="NAME", help="Store the Capture in this variable.")
    @argument(
        "-a",
        "--anonymize",
        action="store_true",
        help="Replace serial numbers, MAC and IP addresses with stable placeholders.",
    )
    @argument("-q", "--quiet", action="store_true", help="No progress bar.")
    @argument(
        "--max-seconds",
        type=float,
        metavar="SECONDS",
        help="Stop (and mark the capture partial) after this long in all.",
    )
    @argument(
        "--max-bytes",
        type=int,
        metavar="BYTES",
        help="Stop (and mark the capture partial) after keeping this many bytes of replies.",
    )
    @argument(
        "--max-records",
        type=int,
        metavar="N",
        help="Follow at most N records of one list (the capture is then partial).",
    )
    @argument("-p", "--profile", metavar="NAME", help="Capture this profile's splicer instead.")
    @line_magic
    def openapi_capture(self, line: str = "") -> Any:
        """Capture the connected splicer read-only (every read interface, ids followed).

        Never sends a write. ``%openapi_capture -o cap venue.json`` keeps it in
        ``cap`` and saves it; see :func:`openapi_magic.ops._captures.capture`.
        """
        from ..ops._captures import DEFAULT_MAX_SECONDS, capture

        args = _parse_options(self.openapi_capture, line)
        if args.out is not None and not args.out.isidentifier():
            raise UsageError(f"-o needs a variable name, not {args.out!r}.")
        try:
            client = self._connection().client_for(args.profile)
            cap = capture(
                client,
                anonymize=args.anonymize,
                quiet=args.quiet,
                max_seconds=(DEFAULT_MAX_SECONDS if args.max_seconds is None else args.max_seconds),
                **{
                    k: v
                    for k in ("max_bytes", "max_records")
                    if (v := getattr(args, k)) is not None
                },
            )
            if args.path:
                # A notebook variable holding a path names the file, as %openapi_diff reads it.
                held = self.shell.user_ns.get(args.path)
                path = held if isinstance(held, (str, os.PathLike)) else args.path
                print(f"Saved to {cap.save(path)}.")
        except (ConfigError, OSError) as exc:
            raise UsageError(str(exc)) from None
        if args.out:
            self.shell.user_ns[args.out] = cap
        return cap

    @no_var_expand
    @needs_local_scope
    @magic_arguments()
    @argument("old", help="The older capture: a notebook variable or a capture file.")
    @argument(
        "new",
        nargs="?",
        help="The newer capture (a variable or a file); without it, "
        "the connected splicer is captured now.",
    )
    @argument(
        "--all",
        action="store_true",
        dest="all_fields",
        help="Compare volatile fields too (temperatures, fan speeds, voltages).",
    )
    @argument("-o", "--out", metavar="NAME", help="Store the CaptureDiff in this variable.")
    @line_magic
    def openapi_diff(self, line: str = "", local_ns: dict | None = None) -> Any:
        """What changed from capture OLD to capture NEW (or to the splicer now)."""
        args = _parse_options(self.openapi_diff, line)
        if args.out is not None and not args.out.isidentifier():
            raise UsageError(f"-o needs a variable name, not {args.out!r}.")
        ns = {**self.shell.user_ns, **(local_ns or {})}
        volatile = () if args.all_fields else None
        try:
            old = _capture_named(args.old, ns)
            if args.new is None:
                result = old.diff(
                    self._connection().client_for(None), volatile=volatile, quiet=True
                )
            else:
                result = _capture_named(args.new, ns).diff(old, volatile=volatile)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        if args.out:
            self.shell.user_ns[args.out] = result
        return result


def _capture_named(name: str, ns: dict) -> Any:
    """A Capture from a notebook variable, else from the file of that name."""
    from ..ops._captures import Capture

    if name in ns:
        value = ns[name]
        if isinstance(value, Capture):
            return value
        if isinstance(value, str) or hasattr(value, "__fspath__"):
            return Capture.load(value)
        raise UsageError(
            f"{name} is a {type(value).__name__}, not a Capture (make one with "
            "%openapi_capture -o NAME)."
        )
    return Capture.load(name)
