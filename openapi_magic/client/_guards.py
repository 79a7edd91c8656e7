"""Which calls change a splicer, and the two guards on them: read-only and confirm-before-write.

The catalog says which interfaces read (:func:`openapi_magic.core.catalog.is_read`, the one
classifier). An interface it does not know (firmware may have more) counts as a
possible write: a read-only connection refuses it too, saying why. The client's send path asks
:func:`refuse_if_read_only` and :func:`confirm` before anything goes out, so the
magic, the form, Python code and fleets all stop at the same place.

What is shown to confirm (:class:`PendingWrite`) names the interface, the body and
the splicers (root without credentials) — never a secret.
"""

from __future__ import annotations

import builtins
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..core.catalog import is_read, load_catalog, normalize_path
from ..errors import WriteRefused
from ..render._tables import RAW_DISPLAY_CHARS, esc, shorten

__all__ = [
    "Confirm",
    "PendingWrite",
    "confirm",
    "pending",
    "prompt",
    "public_root",
    "refuse_if_read_only",
    "write_kind",
]

#: A confirmation callback: shown the pending write, answers True to send.
Confirm = Callable[["PendingWrite"], bool]

_READ, _WRITE, _UNKNOWN = "read", "write", "unknown"


def write_kind(interface: str) -> str:
    """``"read"``, ``"write"`` (the catalog says it changes the splicer) or ``"unknown"``
    (the catalog does not know it: treated as a possible write); the words for
    :func:`~openapi_magic.core.catalog.is_read`'s verdict."""
    known = load_catalog().is_read(interface)
    if known is None:
        return _UNKNOWN
    return _READ if known else _WRITE


def public_root(root: str) -> str:
    """The root without ``user:password@`` (a root may carry basic-auth credentials)."""
    parts = urlsplit(root)
    if "@" not in parts.netloc:
        return root
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()


def _why(kind: str) -> str:
    return (
        "the catalog lists it as a write"
        if kind == _WRITE
        else "the catalog does not know it, so it may change the splicer"
    )


def refuse_if_read_only(
    interface: str, *, read_only: bool, where: str = "", how: str | None = None
) -> None:
    """Raise :class:`WriteRefused` when ``read_only`` and ``interface`` is not a known read.

    ``where`` names the splicer; ``how`` says how to allow writes (the hint).
    """
    if not read_only or is_read(interface):
        return
    kind = write_kind(interface)
    path = normalize_path(interface)
    at = f" to {where}" if where else ""
    raise WriteRefused(
        f"{path} was not sent{at}: the connection is read-only and {_why(kind)}.",
        interface=path,
        reason="read-only",
        hint=how
        or "Connect without read-only (Client(read_only=False), a profile without "
        "read_only = true, %openapi_connect without --read-only) to allow writes.",
    )


@dataclass(frozen=True)
class PendingWrite:
    """A write waiting for confirmation: what would be sent, and to which splicers."""

    interface: str
    body: Any
    #: One line per splicer: its name and root (no credentials).
    splicers: tuple[str, ...]
    #: ``"write"``, or ``"unknown"`` when the catalog does not know the interface.
    kind: str = _WRITE

    def body_text(self) -> str:
        """The body as indented JSON, shortened past :data:`RAW_DISPLAY_CHARS` characters
        with a line saying how many more there are."""
        try:
            text = json.dumps(self.body, ensure_ascii=False, indent=1, default=str)
        except (TypeError, ValueError, RecursionError):
            text = repr(self.body)
        return shorten(text, RAW_DISPLAY_CHARS, sep="\n")

    def text(self) -> str:
        """The plain-text question (the terminal prompt shows this)."""
        n = len(self.splicers)
        to = self.splicers[0] if n == 1 else f"{n} splicers:\n  " + "\n  ".join(self.splicers)
        note = "" if self.kind == _WRITE else " (not in the catalog: it may change the splicer)"
        return f"Send {self.interface}{note} to {to}\nbody: {self.body_text()}"

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        note = (
            "" if self.kind == _WRITE else " <i>(not in the catalog: it may change the splicer)</i>"
        )
        rows = "".join(f"<li><code>{esc(s)}</code></li>" for s in self.splicers)
        return (
            f'<div class="openapi-magic-confirm"><b>Send <code>{esc(self.interface)}'
            f"</code></b>{note} to:<ul>{rows}</ul><pre>{esc(self.body_text())}</pre></div>"
        )


def pending(interface: str, body: Any, splicers: Iterable[str]) -> PendingWrite:
    """The :class:`PendingWrite` for a call (``kind`` from the catalog)."""
    return PendingWrite(normalize_path(interface), body, tuple(splicers), write_kind(interface))


def _no_prompt(p: PendingWrite, why: str) -> WriteRefused:
    return WriteRefused(
        f"{p.interface} was not sent: confirm_writes is on and {why}.",
        interface=p.interface,
        reason="no-prompt",
        hint="Run it where you can answer (a notebook or a terminal), pass confirm= a "
        "function that decides, or turn confirm_writes off for this connection.",
    )


def prompt(p: PendingWrite, *, ask: Callable[[str], str] | None = None) -> bool:
    """Ask in the terminal (or the notebook's input box): True only for ``y``/``yes``.

    Raises :class:`WriteRefused` when nothing can ask: no kernel and no TTY, or a
    notebook front-end that does not take input (an executed notebook).
    """
    kernel = _in_kernel()
    if ask is None:
        stdin = sys.stdin
        if not kernel and not (stdin is not None and stdin.isatty()):
            raise _no_prompt(p, "there is no terminal or notebook to ask")
        ask = builtins.input
    print(p.text())
    try:
        answer = ask("Send it? [y/N] ")
    except EOFError:
        raise _no_prompt(p, "the input ended before an answer") from None
    except Exception as exc:
        if type(exc).__name__ == "StdinNotImplementedError":
            raise _no_prompt(p, "this notebook front-end does not take input") from None
        raise
    return str(answer).strip().lower() in ("y", "yes")


def confirm(p: PendingWrite, ask: Confirm | None = None) -> None:
    """Ask ``ask`` (default :func:`prompt`) about ``p``; :class:`WriteRefused` unless yes."""
    answer = (ask or prompt)(p)
    if answer is not True:
        raise WriteRefused(
            f"{p.interface} was not sent: the confirmation was declined.",
            interface=p.interface,
            reason="declined",
            hint="Nothing was sent. Run the call again and confirm to send it.",
        )


def _in_kernel() -> bool:
    """True inside a notebook kernel (IPython is imported only if already loaded)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None
