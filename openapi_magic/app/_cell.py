"""The ``%%openapi`` cell grammar, both ways: read a cell, and write one.

A cell is the magic line (the interface, then options), then a JSON body that may
hold ``$name`` notebook variables (``$$`` is a literal ``$``)::

    %%openapi screen/rename -p 'hall a' --timeout 2.5
    {"screenId": 0, "name": $title}

The line form takes the body inline: ``%openapi screen/readList {"deviceId": 0}``.

:data:`OPTIONS` is the one table of the magic's options: :func:`call_arguments`
puts it on the magic (so ``%openapi?`` shows it), :func:`parse` reads a line with
it and :func:`cell_text` writes one from it, quoting each value the way the
reader unquotes it (POSIX shell rules), so ``parse_cell(cell_text(...))`` gives the
same call back. :func:`substitute` and :func:`parse_body` stay separate steps
(``--each`` substitutes once per item); their errors are :class:`CellError`
with the cause (and, for JSON, the cell line and column). The options that set a
setting (``--encrypt/--plain``, ``--timeout``, ``--limit``) are made from
:data:`openapi_magic.core.settings.TABLE`.

A front-end-neutral layer: the magic and the form both use it; it imports neither,
nor IPython (the magic turns a CellError into IPython's UsageError).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..core.catalog import normalize_path
from ..core.settings import TABLE
from ..errors import ConfigError
from ..render._tables import safe_text, shorten

__all__ = [
    "MAGIC",
    "OPTIONS",
    "CellCall",
    "CellError",
    "Option",
    "call_arguments",
    "cell_text",
    "lookup",
    "magic_line",
    "parse",
    "parse_body",
    "parse_cell",
    "parse_options",
    "parser",
    "split_line",
    "substitute",
]

#: The cell magic's name as a cell starts with it.
MAGIC = "%%openapi"

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_F = TypeVar("_F", bound=Callable[..., Any])


# --------------------------------------------------------------------------- the errors


class CellError(ConfigError):
    """A cell the grammar cannot read: bad options, a missing interface, a body that is
    not JSON (``line`` and ``column`` in the cell then) or a ``$name`` it cannot put in."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class _Parser(argparse.ArgumentParser):
    """argparse that raises a CellError instead of printing and exiting."""

    def error(self, message: str) -> Any:
        raise CellError(message)

    def exit(self, status: int = 0, message: str | None = None) -> Any:
        raise CellError(message or "Cannot read the options.")


# --------------------------------------------------------------------------- the options


@dataclass(frozen=True)
class Option:
    """One option of the ``%%openapi`` line: its flags and its ``argparse`` settings.

    ``flags[0]`` is the spelling :func:`cell_text` writes; ``dest`` the attribute
    of the parsed options (``args.dry_run`` for ``-n/--dry-run``).
    """

    flags: tuple[str, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def dest(self) -> str:
        """The attribute name argparse gives the value."""
        if "dest" in self.settings:
            return str(self.settings["dest"])
        longs = [f for f in self.flags if f.startswith("--")] or list(self.flags)
        return longs[0].lstrip("-").replace("-", "_")

    @property
    def long(self) -> str:
        """The long spelling (``--profile``), used with ``=`` for a value that starts
        with ``-`` (which argparse would otherwise read as an option)."""
        return next((f for f in self.flags if f.startswith("--")), self.flags[0])

    def decorator(self) -> Any:
        """This option as IPython's ``@argument(...)`` (IPython imported here, on use)."""
        from IPython.core.magic_arguments import argument

        return argument(*self.flags, **self.settings)


def _setting_options() -> tuple[Option, ...]:
    """The cell options that set a setting, from the settings table."""
    return tuple(
        Option(flag.flags, flag.argparse_settings(row.type, first=i == 0))
        for row in TABLE
        for i, flag in enumerate(row.cell)
    )


#: The options of ``%%openapi`` / ``%openapi``, in the order ``%openapi?`` lists them
#: and :func:`cell_text` writes them. The first is the interface (positional).
OPTIONS: tuple[Option, ...] = (
    Option(
        ("interface",),
        {
            "nargs": "?",
            "help": "The interface, module/action (screen/readList or /screen/readList).",
        },
    ),
    Option(("-o", "--out"), {"metavar": "NAME", "help": "Store the Result in this variable."}),
    Option(
        ("-p", "--profile"), {"metavar": "NAME", "help": "Use this profile for this cell only."}
    ),
    Option(
        ("-n", "--dry-run"),
        {
            "action": "store_true",
            "help": "Show the exact envelope and the string signed (secret masked); send nothing.",
        },
    ),
    *_setting_options(),
    Option(
        ("-t", "--table"),
        {
            "metavar": "KEY",
            "help": "Which part of the body to tabulate "
            "(e.g. screens, or dotted: device.slotList) when detection "
            "picks wrong.",
        },
    ),
    Option(
        ("-f", "--force"),
        {
            "action": "store_true",
            "help": "Send even if the catalog does "
            "not know the interface or says a field is missing or wrong.",
        },
    ),
    Option(
        ("--each",),
        {
            "metavar": "NAME=VAR",
            "help": "Run the cell once per item of the "
            "notebook variable VAR, with $NAME set to the item (e.g. --each "
            "inputId=ids); the replies show as one table beside an outcome "
            "table.",
        },
    ),
    Option(
        ("--on",),
        {
            "metavar": "VAR",
            "help": "Run the cell on every splicer in the "
            "notebook variable VAR (a list or dict of profile names, Clients, "
            "Profiles or simulated splicers), concurrently.",
        },
    ),
    Option(
        ("--workers",),
        {
            "type": int,
            "metavar": "N",
            "help": "Calls in flight at once for --each/--on (default 8; at most 2 per splicer).",
        },
    ),
    Option(
        ("-k", "--keep-going"),
        {
            "action": "store_true",
            "help": "Show a failure (vendor "
            "status, transport, bad input) as a message without "
            "failing the cell, so Run All goes on; the error stays in "
            "_openapi_error.",
        },
    ),
)


def call_arguments(func: _F) -> _F:
    """Put :data:`OPTIONS` on a magic, as the stack of ``@argument(...)`` decorators
    written in the table's order would (use it under ``@magic_arguments()``)."""
    for option in reversed(OPTIONS):  # decorators apply bottom-up
        func = option.decorator()(func)
    return func


def parser() -> argparse.ArgumentParser:
    """The grammar's own parser of a ``%%openapi`` line, made from :data:`OPTIONS` (the
    magic's, for ``%openapi?``, is made from the same table); errors are CellError."""
    made = _Parser(prog=MAGIC, add_help=False, exit_on_error=False)
    for option in OPTIONS:
        made.add_argument(*option.flags, **option.settings)
    return made


@functools.lru_cache(maxsize=1)
def _reader() -> argparse.ArgumentParser:
    # One parser for every cell: building it (14 options) cost more than the cell's
    # call. Reading options leaves a parser as it was, so sharing it is safe.
    return parser()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class CellCall:
    """A read ``%%openapi`` cell: what it calls, with which options, and its body text.

    ``interface`` is normalised (``screen/readList``; ``None`` when the line names
    none); ``options`` the argparse namespace (``options.interface`` as written,
    ``options.out``, ``.profile``, ``.dry_run``, ``.encrypt``, ``.table``,
    ``.timeout``, ``.limit``, ``.force``, ``.each``, ``.on``, ``.workers``,
    ``.keep_going``); ``body_text`` the body before substitution; ``first_line``
    the cell line number of its first line (2 in a cell, 1 on a line).
    """

    interface: str | None
    options: argparse.Namespace
    body_text: str
    first_line: int

    def body(self, namespace: Mapping[str, Any], **bindings: Any) -> Any:
        """The JSON body with ``namespace`` (and ``bindings`` over it) substituted."""
        ns = {**namespace, **bindings} if bindings else dict(namespace)
        return parse_body(substitute(self.body_text, ns), self.first_line)


def parse(line: str, cell: str | None = None) -> CellCall:
    """Read what IPython hands the magic: the line (and, for ``%%openapi``, the cell).

    Options are split by POSIX shell rules (quotes removed, as :func:`cell_text`
    writes them). CellError for options that cannot be read, and for a body
    without an interface.
    """
    if cell is None:
        opts, body_text = split_line(line)
        first_line = 1
    else:
        opts, body_text, first_line = line, cell, 2
    options = parse_options(opts)
    if not options.interface and body_text.strip():
        raise CellError("Name the interface first, e.g. %%openapi screen/readList.")
    interface = normalize_path(options.interface) if options.interface else None
    return CellCall(interface, options, body_text, first_line)


def parse_cell(text: str) -> CellCall:
    """Read a whole cell as written (``%%openapi LINE``, newline, body), or a
    ``%openapi LINE {...}`` line."""
    head, newline, body = text.partition("\n")
    stripped = head.lstrip()
    if stripped.startswith(MAGIC) and stripped[len(MAGIC) : len(MAGIC) + 1] in ("", " ", "\t"):
        return parse(stripped[len(MAGIC) :], body)
    magic = MAGIC[1:]
    if (
        not newline
        and stripped.startswith(magic)
        and stripped[len(magic) : len(magic) + 1] in ("", " ", "\t")
    ):
        return parse(stripped[len(magic) :])
    raise CellError(f"A cell of this magic starts with {MAGIC}, not {_short(head)}.")


def parse_options(line: str) -> argparse.Namespace:
    """The options of a ``%%openapi`` line, split by POSIX shell rules (quotes removed:
    what :func:`cell_text` writes); CellError for what cannot be read (an unclosed quote,
    an unknown option, a value of the wrong type)."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise CellError(f"Cannot read the options {line.strip()!r}: {exc}.") from None
    try:
        return _reader().parse_args(words)
    except argparse.ArgumentError as exc:
        raise CellError(str(exc)) from None


def split_line(line: str) -> tuple[str, str]:
    """Split a line-magic line into its options and an inline JSON body."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "{[":
            return line[:i], line[i:]
    return line, ""


# --------------------------------------------------------------------------- the body


def _jsonable(value: Any) -> Any:
    """JSON forms for common notebook values that json does not know (numpy, pandas, sets)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(type(value).__name__)


def _encode(name: str, value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=_jsonable, allow_nan=False)
    except RecursionError:
        raise CellError(
            f"${name} is {type(value).__name__} nested too deeply to write as JSON."
        ) from None
    except (TypeError, ValueError) as exc:
        raise CellError(
            f"${name} is {type(value).__name__} {_short(value)}, which has no JSON "
            f"form ({_reason(exc)})."
        ) from None
    except Exception as exc:  # noqa: BLE001 - the object's own tolist()/isoformat()/... failed
        raise CellError(
            f"${name} is {type(value).__name__} {_short(value)}, which could not "
            f"be written as JSON: {type(exc).__name__}: {_reason(exc)}."
        ) from None


def _reason(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose str() fails
        text = ""
    return safe_text(shorten(text, 200)) if text else type(exc).__name__


def _short(value: Any, limit: int = 40) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - e.g. an int past Python's digit limit, a broken repr
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lookup(expr: str, namespace: Mapping[str, Any]) -> Any:
    """The value of ``name`` or ``name.attr.key`` (dict keys or attributes) in the
    notebook's namespace; CellError naming what is missing."""
    head, *attrs = expr.split(".")
    if head not in namespace:
        raise CellError(f"${head} is not defined in the notebook (write $$ for a literal $).")
    value = namespace[head]
    for attr in attrs:
        try:
            if isinstance(value, dict) and attr in value:
                value = value[attr]
                continue
            value = getattr(value, attr)
        except AttributeError:
            raise CellError(f"${expr}: {head} has no {attr!r}.") from None
        except Exception as exc:  # noqa: BLE001 - a property of the user's object raised
            raise CellError(
                f"${expr}: reading {attr!r} raised {type(exc).__name__}: {_reason(exc)}."
            ) from None
    return value


def substitute(text: str, namespace: Mapping[str, Any]) -> str:
    """Put notebook variables into JSON text, safely.

    ``$name`` (or ``$name.attr``) outside a JSON string becomes the JSON
    encoding of the value (strings quoted and escaped, lists and dicts as JSON);
    inside a JSON string it becomes the value's text, escaped for that string.
    ``$$`` is a literal ``$``; a ``$`` not followed by a name stays as it is.
    """
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string and ch == "\\":
            out.append(text[i : i + 2])
            i += 2
            continue
        if ch == '"':
            in_string = not in_string
            out.append(ch)
            i += 1
            continue
        if ch == "$":
            if text.startswith("$$", i):
                out.append("$")
                i += 2
                continue
            m = _IDENT.match(text, i + 1)
            if m:
                expr = m.group(0)
                value = lookup(expr, namespace)
                if in_string:
                    piece = value if isinstance(value, str) else _encode(expr, value)
                    out.append(json.dumps(piece, ensure_ascii=False)[1:-1])
                else:
                    out.append(_encode(expr, value))
                i = m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse_body(text: str, first_line: int = 2) -> Any:
    """Parse the cell body as JSON (empty → ``{}``); errors point at line and column.

    ``first_line`` is the cell line number of the body's first line (the magic's
    own line is line 1).
    """
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        lines = text.splitlines() or [""]
        row = min(exc.lineno, len(lines)) - 1
        shown = lines[row]
        col = exc.colno - 1
        if len(shown) > 70:  # keep the caret in view on long lines
            start = max(0, col - 35)
            shown, col = (
                ("…" + shown[start : start + 70], col - start + 1) if start else (shown[:70], col)
            )
        caret = " " * max(col, 0) + "^"
        line = exc.lineno + first_line - 1
        raise CellError(
            f"The cell body is not valid JSON: {exc.msg} at cell line "
            f"{line}, column {exc.colno}:\n    {shown}\n    {caret}",
            line,
            exc.colno,
        ) from None
    except RecursionError:
        raise CellError("The cell body is nested too deeply to parse.") from None


# --------------------------------------------------------------------------- writing


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        # repr: the shortest text that reads back as the same float ("2.5", "3", "1e-05")
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def _is(value: Any, const: Any) -> bool:
    return type(value) is type(const) and value == const  # True is not 1 here


def magic_line(interface: str, **options: Any) -> str:
    """The ``%%openapi`` line for ``interface`` with ``options`` (the names of
    :class:`CellCall`'s ``options``: ``profile``, ``encrypt``, ``timeout``, ``out``,
    ``limit``, ``table``, ``force``, ``each``, ``on``, ``workers``, ``keep_going``,
    ``dry_run``). ``None``, ``False`` for a switch and ``""`` are left out; values
    are quoted for :func:`parse`. TypeError for an option the magic does not have,
    ValueError for an interface or a value it could not read back."""
    path = normalize_path(interface)
    if not path or path.startswith("-") or any(ch.isspace() for ch in path):
        raise ValueError(f"{interface!r} is not an interface a cell can name.")
    known = {option.dest for option in OPTIONS[1:]}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"%%openapi has no option {', '.join(unknown)}.")
    parts = [MAGIC, shlex.quote(path)]
    for option in OPTIONS[1:]:
        value = options.get(option.dest)
        action = option.settings.get("action")
        if action == "store_true":
            if value:
                parts.append(option.flags[0])
        elif action == "store_const":
            if _is(value, option.settings["const"]):
                parts.append(option.flags[0])
        elif value is not None and value != "":
            text = _value_text(value)
            if "\n" in text or "\r" in text:  # the magic line ends at the first line break
                raise ValueError(
                    f"--{option.dest.replace('_', '-')} {text!r}: a cell can "
                    "only give a value on one line."
                )
            if text.startswith("-"):
                parts.append(f"{option.long}={shlex.quote(text)}")
            else:
                parts += [option.flags[0], shlex.quote(text)]
    return " ".join(parts)


def cell_text(interface: str, body: Any, **options: Any) -> str:
    """The ``%%openapi`` cell that makes the same call: the magic line, then the body.

    ``$`` in the body is written ``$$`` (the magic would otherwise read ``$name``
    as a notebook variable). ``options`` as for :func:`magic_line` (``profile``
    adds ``-p``, ``encrypt`` ``--encrypt`` or ``--plain``, ``timeout``
    ``--timeout``...); ``body`` ``None`` is ``{}``.
    """
    text = json.dumps({} if body is None else body, indent=2, ensure_ascii=False)
    return magic_line(interface, **options) + "\n" + text.replace("$", "$$")
