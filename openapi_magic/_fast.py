"""Faster codecs for large replies when installed (``pip install openapi_magic[fast]``).

* **JSON**: ``msgspec`` decodes a reply in about two thirds of ``json.loads``' time
  (a third with the garbage collector paused around it, which :func:`loads` does for
  large texts). Its values are ``json.loads``' values (numbers, big integers, duplicate
  keys: the last wins); whatever it refuses — ``NaN``, a lone surrogate, a number out
  of float range, a number of more digits than Python converts, deep nesting, text
  that is not JSON — is handed to ``json.loads``, so what is accepted is what Python
  accepts and every error is the one ``json`` raises today.
* **Base64**: ``pybase64`` (SIMD) encodes and decodes many times faster than
  ``base64``; a text it refuses is handed to ``base64``, whose error (or value) stands.

Without them the standard library does the work: same values, same errors.
"""

from __future__ import annotations

import base64
import gc
import json
from typing import Any

try:  # optional: the [fast] extra
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - exercised by the fallback tests
    _msgspec = None
try:
    import pybase64 as _pybase64
except ImportError:  # pragma: no cover
    _pybase64 = None

__all__ = ["b64decode", "b64encode", "backends", "loads", "try_loads"]

_MISSING = object()

#: Texts at least this long are decoded with the garbage collector paused.
_GC_PAUSE_CHARS = 1 << 20
_DECODER = _msgspec.json.Decoder() if _msgspec is not None else None


def backends() -> dict[str, str]:
    """Which library does each job: ``{"json": "msgspec"|"json", "base64": ...}``."""
    return {"json": "msgspec" if _DECODER is not None else "json",
            "base64": "pybase64" if _pybase64 is not None else "base64"}


def try_loads(data: str | bytes | memoryview, default: Any = None) -> Any:
    """msgspec's value of ``data`` when it gives one (it is then ``json.loads``'
    value), else ``default`` (msgspec not installed, or it refused ``data``).

    ``data`` may be UTF-8 bytes or a memoryview of them, decoded straight from the
    buffer (msgspec checks the UTF-8)."""
    decoder = _DECODER
    if decoder is None:
        return default
    pause = len(data) >= _GC_PAUSE_CHARS and gc.isenabled()
    if pause:
        gc.disable()  # millions of new containers, none of them garbage
    try:
        return decoder.decode(data)
    except Exception:  # noqa: BLE001 - json says what is wrong (or accepts it)
        return default
    finally:
        if pause:
            gc.enable()


def loads(text: str) -> Any:
    """``json.loads(text)``'s value or its error, through msgspec when it can."""
    value = try_loads(text, _MISSING)
    return json.loads(text) if value is _MISSING else value


def b64encode(data: Any) -> bytes:
    """``base64.b64encode(data)``."""
    if _pybase64 is not None:
        return _pybase64.b64encode(data)
    return base64.b64encode(data)


def b64decode(text: str | bytes) -> bytes:
    """``base64.b64decode(text, validate=True)``: its value, or its error."""
    if _pybase64 is not None:
        try:
            return _pybase64.b64decode(text, validate=True)
        except (ValueError, TypeError):
            pass  # the standard library's verdict stands (value or error)
    return base64.b64decode(text, validate=True)
