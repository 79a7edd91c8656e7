"""Every setting of openapi_magic, declared once: :data:`TABLE`.

A row names a setting, its type, default and help, and the levels that may set
it: a profile key (``profiles.ini``), the connection (a :class:`Client`
attribute of the same name), the magic's ``%config`` trait, the cell's options,
``%openapi_connect``'s and ``%openapi_watch``'s options, a box of the form and the
command line's flags. The magic's traits, every magic's setting options, the profile
keys, the form's boxes, the session's defaults and the command line's flags are all
made from the table, so adding a setting is one row here plus the code that uses it.

Pure: no IPython, no requests, no pandas.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError

__all__ = [
    "FLAG_LEVELS",
    "TABLE",
    "Flag",
    "FormBox",
    "Setting",
    "add_cli_arguments",
    "arguments",
    "cell_level",
    "cli_level",
    "defaults",
    "given",
    "parse_bool",
    "parse_text",
    "setting",
]


@dataclass(frozen=True)
class Flag:
    """One command-line spelling of a setting (a cell option or a CLI flag).

    ``const`` set: a switch storing it (``--encrypt`` stores True); otherwise the
    flag takes a value of the setting's type. ``dest`` is the attribute argparse
    gives the value (several flags of one setting share it).
    """

    flags: tuple[str, ...]
    dest: str
    help: str
    metavar: str | None = None
    const: Any = None

    def argparse_settings(self, kind: type, first: bool = True) -> dict[str, Any]:
        """The ``add_argument`` keywords for this flag (``first``: the one giving the
        default of a shared ``dest``)."""
        if self.const is not None:
            out: dict[str, Any] = {
                "action": "store_const",
                "const": self.const,
                "dest": self.dest,
            }
            if first:
                out["default"] = None
        else:
            out = {"type": kind, "metavar": self.metavar}
            if self.dest != self.flags[-1].lstrip("-").replace("-", "_"):
                out["dest"] = self.dest
        out["help"] = self.help
        return out


@dataclass(frozen=True)
class FormBox:
    """How the form shows a setting: a check box (bool) or a number box (float)."""

    description: str
    tooltip: str
    width: str
    css: str
    minimum: float | None = None
    step: float | None = None


@dataclass(frozen=True)
class Setting:
    """One setting: its name, type, default and help, and who may set it.

    ``profile``: a key of a profiles file; ``client``: a Client attribute of the same
    name (the connection level); ``config``: a ``%config OpenAPIMagics`` trait;
    ``cell``: the ``%%openapi`` options that set it; ``connect``: the
    ``%openapi_connect`` options that set it for the connection made; ``watch``: the
    ``%openapi_watch`` options that set it for the watch's polls; ``form``: the form's
    box; ``cli``: the command line's flags; ``per_call``: it changes what one call does,
    so fleet cells (``--on``, ``--each``) honour it as single calls do (the others
    configure the connection or the magic, and are listed with their level).
    ``none_unset``: ``None`` at the ``%config`` level means "not set" (the
    connection's own), not a value. ``guard``: a write guard, which only adds up (any
    level turning it on turns it on; a connection keeps it once on).
    """

    name: str
    type: type
    default: Any
    help: str
    allow_none: bool = False
    none_unset: bool = False
    guard: bool = False
    profile: bool = False
    client: bool = False
    config: bool = True
    per_call: bool = True
    cell: tuple[Flag, ...] = ()
    form: FormBox | None = None
    cli: tuple[Flag, ...] = ()
    connect: tuple[Flag, ...] = ()
    watch: tuple[Flag, ...] = ()

    @property
    def levels(self) -> tuple[str, ...]:
        """The front-end levels that may set this setting, strongest first (``connect``
        and ``watch``: the options of ``%openapi_connect`` and ``%openapi_watch``)."""
        out = []
        if self.cell:
            out.append("cell")
        if self.watch:
            out.append("watch")
        if self.form is not None:
            out.append("form")
        if self.cli:
            out.append("cli")
        if self.config:
            out.append("%config")
        if self.connect:
            out.append("connect")
        if self.profile:
            out.append("profile")
        if self.client:
            out.append("connection")
        return tuple(out)

    def flags(self, level: str) -> tuple[Flag, ...]:
        """This setting's flags at ``level``, one of :data:`FLAG_LEVELS` (``()``: none)."""
        if level not in FLAG_LEVELS:
            raise ValueError(f"{level!r} is not a level with flags ({', '.join(FLAG_LEVELS)}).")
        flags: tuple[Flag, ...] = getattr(self, level)
        return flags


#: The levels whose options a parser reads: ``%%openapi`` (``cell``), the command line,
#: ``%openapi_connect`` and ``%openapi_watch``.
FLAG_LEVELS = ("cell", "cli", "connect", "watch")


_ENCRYPT_FLAGS = (
    Flag(("--encrypt",), "encrypt", "Encrypt this call whatever the connection says.", const=True),
    Flag(
        ("--plain",),
        "encrypt",
        "Send this call unencrypted whatever the connection says.",
        const=False,
    ),
)

#: Every setting. The order is the order the cell options are listed and written in
#: (``%config`` and ``Settings`` list them by name).
TABLE: tuple[Setting, ...] = (
    Setting(
        "encrypt",
        bool,
        None,
        "Encrypt this call (True) or send it plain (False); None follows the connection.",
        allow_none=True,
        profile=True,
        client=True,
        config=False,
        cell=_ENCRYPT_FLAGS,
        cli=_ENCRYPT_FLAGS,
        connect=(
            Flag(
                ("--encrypt",), "encrypt", "The splicer has encryption on for this pId.", const=True
            ),
            Flag(
                ("--plain",), "encrypt", "The splicer has encryption off for this pId.", const=False
            ),
        ),
    ),
    Setting(
        "timeout",
        float,
        None,
        "Seconds to connect and to receive a whole reply; None uses the "
        "connection's own (10 s unless its profile says otherwise).",
        allow_none=True,
        none_unset=True,
        profile=True,
        client=True,
        cell=(Flag(("--timeout",), "timeout", "Seconds for this call.", "SECONDS"),),
        form=FormBox("Timeout (s)", "", "12em", "openapi-magic-form-timeout", 0.1, 1),
        cli=(Flag(("--timeout",), "timeout", "Seconds for each call.", "SECONDS"),),
        connect=(Flag(("--timeout",), "timeout", "Seconds per call.", "SECONDS"),),
        watch=(Flag(("--timeout",), "timeout", "Seconds per poll.", "SECONDS"),),
    ),
    Setting(
        "display_limit",
        int,
        10,
        "Rows of a reply table shown in the notebook (the Result keeps "
        "all of them). None shows every row.",
        allow_none=True,
        cell=(Flag(("--limit",), "limit", "Rows shown for this cell.", "ROWS"),),
        cli=(Flag(("--limit",), "display_limit", "Rows shown for each reply.", "ROWS"),),
    ),
    Setting(
        "short_errors",
        bool,
        True,
        "Show failed calls as one short red message with a hint; False shows full tracebacks.",
        per_call=False,
    ),
    Setting(
        "strict_sign",
        bool,
        False,
        "Treat a reply whose sign does not match as an error "
        "(the data stays in the error's result).",
        client=True,
        cli=(
            Flag(
                ("--strict-sign",),
                "strict_sign",
                "A reply whose sign does not match fails.",
                const=True,
            ),
        ),
    ),
    Setting(
        "fail_on_status",
        bool,
        True,
        "A vendor status other than 0 fails the cell (so Run All stops), after showing the reply.",
    ),
    Setting(
        "default_encrypt",
        bool,
        False,
        "Encryption for connections that do not say (a URL "
        "given to %openapi_connect without --encrypt/--plain).",
        per_call=False,  # read when connecting, not by a call
    ),
    Setting(
        "default_profile",
        str,
        "",
        "Profile used when nothing is connected and OPENAPI_ROOT is not set.",
        per_call=False,
    ),
    Setting(
        "profiles_file",
        str,
        "",
        "Profiles file; empty means $OPENAPI_MAGIC_PROFILES or "
        "~/.config/openapi_magic/profiles.ini.",
        per_call=False,
        cli=(Flag(("--profiles",), "profiles_file", "The profiles file to read.", "FILE"),),
    ),
    Setting(
        "history_file",
        str,
        "",
        "Append every call sent (time, splicer, interface, body, status; never a key) "
        "to this JSON-lines file, so tonight's log outlives the kernel; empty keeps it "
        "in the session only (%openapi_history).",
        per_call=False,
        cli=(
            Flag(
                ("--history-file",),
                "history_file",
                "Append each call sent to this JSON-lines file.",
                "FILE",
            ),
        ),
    ),
    Setting(
        "strict_catalog",
        bool,
        False,
        "Refuse every call the catalog has doubts about (an "
        "unknown interface or field, a range, a required field). By default "
        "only what cannot be right is refused; the rest is sent, with the "
        "catalog's note beside the splicer's answer.",
        form=FormBox(
            "strict catalog",
            "Refuse what the catalog doubts (a range, a required or unknown field) "
            "instead of sending it with a warning",
            "10em",
            "openapi-magic-form-strict",
        ),
        cli=(
            Flag(
                ("--strict-catalog",),
                "strict_catalog",
                "Refuse what the catalog doubts.",
                const=True,
            ),
        ),
    ),
    Setting(
        "read_only",
        bool,
        False,
        "Refuse, before anything is sent, every call the catalog does "
        "not list as a read (the magic, the form and --on runs); a connection or "
        "profile can also be read-only on its own.",
        guard=True,
        profile=True,
        client=True,
        form=FormBox(
            "read-only",
            "Refuse writes before anything is sent",
            "8em",
            "openapi-magic-form-read-only",
        ),
        cli=(
            Flag(("--read-only",), "read_only", "Refuse every write before sending.", const=True),
        ),
        connect=(
            Flag(
                ("--read-only",),
                "read_only",
                "Refuse every write on this connection before it is sent (reads only: "
                "safe on a live wall).",
                const=True,
            ),
        ),
    ),
    Setting(
        "confirm_writes",
        bool,
        False,
        "Show what a write would send, and to which splicer, and "
        "send it only after Send is clicked (a y/N prompt in a terminal).",
        guard=True,
        profile=True,
        client=True,
        cli=(
            Flag(
                ("--confirm-writes",),
                "confirm_writes",
                "Ask before sending each write.",
                const=True,
            ),
        ),
        connect=(
            Flag(
                ("--confirm-writes",),
                "confirm_writes",
                "Ask before sending each write on this connection.",
                const=True,
            ),
        ),
    ),
    Setting(
        "check_connection",
        bool,
        True,
        "%openapi_connect asks the splicer main/initStatus once and says what it answered "
        "(model and firmware; refused or unreachable fail the cell, the target kept).",
        per_call=False,
        connect=(
            Flag(
                ("--no-check", "--no-firmware"),
                "check_connection",
                "Connect without asking the splicer (one not powered yet): nothing is sent.",
                const=False,
            ),
        ),
    ),
)


def setting(name: str) -> Setting:
    """The row called ``name`` (KeyError naming the known ones)."""
    for row in TABLE:
        if row.name == name:
            return row
    raise KeyError(f"{name!r} is not a setting (known: {', '.join(r.name for r in TABLE)}).")


def defaults() -> dict[str, Any]:
    """Every setting's default (the last level), in the table's order."""
    return {row.name: row.default for row in TABLE}


def parse_bool(text: str | bool | None, name: str = "value") -> bool:
    """``1/true/yes/on`` → True, ``0/false/no/off/""`` → False, else ConfigError naming
    ``name``: the one reading of a yes/no (profiles, the environment, keywords)."""
    if isinstance(text, bool):
        return text
    if text is None:
        return False
    word = str(text).strip().lower()
    if word in ("1", "true", "yes", "on", "y"):
        return True
    if word in ("0", "false", "no", "off", "n", ""):
        return False
    raise ConfigError(f"{name} must be true or false (1/0, yes/no, on/off), not {text!r}.")


def parse_text(row: Setting, text: str, where: str) -> Any:
    """A setting's value read from text (a profiles file); ConfigError naming ``where``."""
    if row.type is bool:
        return parse_bool(text, f"{where} {row.name}")
    try:
        return row.type(text)
    except ValueError:
        raise ConfigError(
            f"{where[:1].upper()}{where[1:]}: {row.name} must be a {_kind(row)}."
        ) from None


def _kind(row: Setting) -> str:
    if row.name == "timeout":  # the message people know: "a number of seconds"
        return "number of seconds"
    return {int: "whole number", float: "number"}.get(row.type, row.type.__name__)


def arguments(level: str) -> tuple[tuple[tuple[str, ...], dict[str, Any]], ...]:
    """Every setting option at ``level`` (one of :data:`FLAG_LEVELS`), in the table's
    order: ``(flags, add_argument keywords)`` each, unset by default."""
    return tuple(
        (flag.flags, flag.argparse_settings(row.type, first=i == 0))
        for row in TABLE
        for i, flag in enumerate(row.flags(level))
    )


def given(level: str, args: Any) -> dict[str, Any]:
    """The settings parsed ``args`` give at ``level`` (one of :data:`FLAG_LEVELS`): each
    setting offered there, ``None`` when not given."""
    return {
        row.name: getattr(args, row.flags(level)[0].dest, None) for row in TABLE if row.flags(level)
    }


def cell_level(options: Any) -> dict[str, Any]:
    """The cell level of a parsed ``%%openapi`` line: each setting its options give
    (``None``: not given)."""
    return given("cell", options)


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every setting's command-line flags to ``parser`` (each unset by default)."""
    for flags, keywords in arguments("cli"):
        parser.add_argument(*flags, **keywords)


def cli_level(args: argparse.Namespace) -> dict[str, Any]:
    """The command-line level of parsed ``args``: each setting its flags gave (``None``:
    not given). The command line passes it to the session as a call's settings with
    ``origin="cli"`` (``CallSpec(..., settings=cli_level(args), origin="cli")``)."""
    return given("cli", args)


def _check_table(table: tuple[Setting, ...]) -> Mapping[str, Setting]:
    names = [row.name for row in table]
    if len(set(names)) != len(names):
        raise ValueError("A setting is declared twice.")
    return {row.name: row for row in table}


_check_table(TABLE)
