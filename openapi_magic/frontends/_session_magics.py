"""``%openapi_history`` and ``%openapi_profiles``: what this session sent, and the
profiles it can connect with; and the Tab completion of profile and interface names.

Part of the magic front-end (registered by ``%load_ext openapi_magic``): they show
what the session and the profiles file hold, and send nothing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.completer import SimpleCompletion, context_matcher
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..app._cell import parser as cell_parser
from ..app._session import session_for
from ..client._history import SHOWN_ROWS, History, HistoryView
from ..client._profiles import ProfilesView, profile_names
from ..core.catalog import load_catalog
from ..errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["SessionMagics", "completion_matcher"]

#: ``%openapi...`` (or ``%%openapi...``, maybe ``x = %openapi...``) and the rest of the line.
_MAGIC_LINE = re.compile(r"^\s*(?:[\w.]+\s*=\s*)?%%?(openapi\w*)(?:\s+(.*))?$")
#: The magics whose first word is an interface.
_TAKES_INTERFACE = frozenset({"openapi", "openapi_form", "openapi_help", "openapi_watch"})
#: The options naming a profile.
_PROFILE_FLAGS = frozenset({"-p", "--profile"})


@magics_class
class SessionMagics(Magics):
    """``%openapi_history`` (what this session sent) and ``%openapi_profiles``."""

    if TYPE_CHECKING:  # always set: IPython makes magics with the shell they run in
        shell: InteractiveShell

    @magic_arguments()
    @argument("-w", "--writes", action="store_true", help="Show only the writes.")
    @argument("-n", "--last", type=int, metavar="N", help="Show only the newest N calls.")
    @argument(
        "--file",
        nargs="?",
        const="",
        metavar="PATH",
        help="Read a history file (default: history_file) instead of this session: "
        "what earlier kernels sent.",
    )
    @line_magic
    def openapi_history(self, line: str = "") -> HistoryView:
        """The calls this session sent (magic, form, command line, Python, fleets, watches),
        newest first, writes marked: time, splicer, interface, body, status, and what came
        of it, a call that never reached the splicer included. Never a key.

        ``%openapi_history --writes`` shows only writes; ``--last 20`` the newest 20;
        ``--file`` the history file (``%config OpenAPIMagics.history_file``), which keeps
        what earlier kernels sent. ``openapi_magic.history()`` is the same as a DataFrame.
        """
        try:
            args = parse_argstring(self.openapi_history, line)
        except ValueError as exc:
            raise UsageError(f"Cannot read the options {line.strip()!r}: {exc}.") from None
        if args.last is not None and args.last < 1:
            raise UsageError("--last needs a number of calls, at least 1.")
        session = session_for(self.shell)
        assert session is not None  # create=True
        rows = max(SHOWN_ROWS, args.last or 0)
        if args.file is None:
            return session.history.view(writes=args.writes, last=args.last, rows=rows)
        path = args.file or session.history.path
        if not path:
            raise UsageError(
                "No history file: give one (%openapi_history --file PATH) or set "
                "%config OpenAPIMagics.history_file = 'show.jsonl'."
            )
        try:
            found = History.load(path)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        return found.view(writes=args.writes, last=args.last, rows=rows)

    @line_magic
    def openapi_profiles(self, line: str = "") -> ProfilesView:
        """The profiles ``-p NAME`` can use, as a table: name, root, pId, encryption,
        read-only and confirm-writes, and where the secretKey comes from (an environment
        variable, the profiles file): never the key itself."""
        if line.strip():
            raise UsageError("%openapi_profiles takes no options.")
        session = session_for(self.shell)
        assert session is not None
        try:
            return ProfilesView(session.connection.profiles_file)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None


def completion_matcher(shell: Any) -> Callable[[Any], dict]:
    """A completer matcher for ``shell``: profile names after ``-p`` / ``--profile`` of
    any ``%openapi...`` magic, interface names where an interface is taken (the first
    word of ``%%openapi``, ``%openapi``, ``%openapi_form``, ``%openapi_help``,
    ``%openapi_watch``)."""

    @context_matcher()
    def openapi_matcher(context: Any) -> dict:
        found = _complete(shell, context.line_with_cursor)
        if found is None:
            return {"completions": [], "suppress": False}
        token, kind, hits = found
        return {
            "completions": [SimpleCompletion(text=h, type=kind) for h in hits],
            "suppress": bool(hits),
            "matched_fragment": token,
        }

    return openapi_matcher


def _complete(shell: Any, line: str) -> tuple[str, str, list[str]] | None:
    """``(fragment, kind, names)`` for the word under the cursor, or None when it is not
    a profile or an interface of an ``%openapi`` magic."""
    m = _MAGIC_LINE.match(line)
    if m is None:
        return None
    magic, rest = m.group(1), m.group(2) or ""
    try:
        words = shlex.split(rest)
    except ValueError:  # an open quote: a body being typed
        return None
    token = "" if not rest or rest[-1].isspace() else (words.pop() if words else "")
    if words and words[-1] in _PROFILE_FLAGS:
        session = session_for(shell, create=False)
        path = session.connection.profiles_file if session is not None else None
        return token, "profile", [n for n in profile_names(path) if n.startswith(token)]
    if magic not in _TAKES_INTERFACE or token.startswith("-") or _positional(magic, shell, words):
        return None
    return token, "interface", load_catalog().complete(token)


def _positional(magic: str, shell: Any, words: list[str]) -> bool:
    """True when ``words`` (before the cursor) already hold a positional word (the
    interface), the values of options that take one skipped."""
    takes_value = _value_flags(magic, shell)
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in takes_value
        else:
            return True
    return False


def _value_flags(magic: str, shell: Any) -> set[str]:
    """The options of ``magic`` that take a value (from its own parser)."""
    manager = getattr(shell, "magics_manager", None)
    table = manager.magics if manager is not None else {}
    func = table.get("line", {}).get(magic) or table.get("cell", {}).get(magic)
    parser = getattr(func, "parser", None) or (cell_parser() if magic == "openapi" else None)
    if parser is None:
        return set(_PROFILE_FLAGS)
    return {
        flag
        for action in parser._actions
        if action.nargs != 0 and action.option_strings
        for flag in action.option_strings
    }
