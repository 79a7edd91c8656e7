"""The one safe-text rule for everything a splicer sent, before any view shows it.

Pure and tiny, so every view imports it: the tables (``_tables``), the wall pictures
(``_draw``), error messages and reprs.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["inert", "safe_text"]

# C0 controls but tab and newline, DEL, C1 controls (CSI \x9b, OSC \x9d...), and lone
# surrogates (valid JSON escapes, which a Java firmware can send; no kernel can encode them).
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def safe_text(text: Any) -> str:
    """``text`` made safe to show: control characters written as visible escapes
    (``\\x1b``, ``\\x9b``, ``\\r``...), so that no terminal or notebook acts on a window
    title, clipboard write or clear-screen sequence, and lone surrogates as ``\\ud800``
    (a kernel cannot encode them). Tabs and newlines stay; everything else is unchanged."""
    text = text if isinstance(text, str) else str(text)
    if _UNSHOWABLE.search(text) is None:
        return text
    return _UNSHOWABLE.sub(_visible, text)


def _visible(m: re.Match) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: Any) -> str:
    """:func:`safe_text` for a line a terminal prints as it is (the watch's text view):
    also the bidi controls (``\\u202e``...) that would reorder what a crew reads shown
    as ``\\uNNNN``, and tabs and newlines as ``\\x09`` / ``\\x0a`` (one value, one
    line)."""
    return _INERT.sub(_visible, text if isinstance(text, str) else str(text))


# The safe-text rule's characters, plus tab, newline and the bidi controls.
_INERT = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
