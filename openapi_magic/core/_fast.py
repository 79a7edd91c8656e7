"""Faster codecs for large replies when installed (``pip install openapi_magic[fast]``).

* **JSON**: ``msgspec`` decodes a reply in about two thirds of ``json.loads``' time
  (a third with the garbage collector paused around it, which :func:`loads` does for
  large texts). Its values are ``json.loads``' values (numbers, big integers, duplicate
  keys: the last wins); whatever it refuses — ``NaN``, a lone surrogate, a number out
  of float range, a number of more digits than Python converts, deep nesting, text
  that is not JSON — is handed to ``json.loads``, so what is accepted is what Python
  accepts and every error is the one ``json`` raises today.
* **JSON out**: msgspec encodes a large value several times faster than ``json.dumps``;
  :func:`dumps_utf8` uses it only for values it writes byte for byte as ``json.dumps``
  (compact, ``ensure_ascii=False``) does — exact dicts with text keys, lists, tuples,
  text, ``None``, booleans, 64-bit integers, and floats that Python writes without an
  exponent (msgspec writes ``1e16`` where Python writes ``1e+16``) — and hands every
  other value (and every error) to ``json``.
* **Base64**: ``pybase64`` (SIMD) encodes and decodes many times faster than
  ``base64``; a text it refuses is handed to ``base64``, whose error (or value) stands.
  Below 64 KiB ``base64`` does it (a few microseconds there; importing pybase64 costs
  the simulated splicer's first answer about a millisecond).

Without them the standard library does the work: same values, same errors.
"""

from __future__ import annotations

import base64
import gc
import json

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["b64decode", "b64encode", "backends", "dumps_utf8", "loads", "try_loads"]

_MISSING = object()
#: Not imported yet: msgspec (with what it imports: datetime, uuid, typing_extensions)
#: costs more at start-up than the simulated splicer's whole first answer, so it is
#: imported by the first text large enough to need it (tests set these to None to
#: force the standard library).
_UNLOADED: Any = object()

#: Texts at least this long are decoded with the garbage collector paused.
_GC_PAUSE_CHARS = 1 << 20
#: Shorter texts go to ``json.loads`` / ``base64`` directly (as fast, at that size).
_FAST_MIN_CHARS = 64 << 10
_DECODER: Any = _UNLOADED
_ENCODER: Any = _UNLOADED
_pybase64: Any = _UNLOADED
#: Integers msgspec writes as Python does (it goes further, Python's digit limit does not).
_INT_MIN, _INT_END = -(1 << 63), 1 << 64


def _optional(name: str) -> Any:
    """The module ``name`` (msgspec, pybase64: the [fast] extra), or None if missing."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:  # pragma: no cover - exercised by the fallback tests
        return None


def _json_codec(which: str) -> Any:
    """msgspec's JSON ``Decoder`` / ``Encoder`` (made once), or None without msgspec."""
    global _DECODER, _ENCODER
    if _DECODER is _UNLOADED or _ENCODER is _UNLOADED:
        msgspec = _optional("msgspec")
        if _DECODER is _UNLOADED:
            _DECODER = msgspec.json.Decoder() if msgspec is not None else None
        if _ENCODER is _UNLOADED:
            _ENCODER = msgspec.json.Encoder() if msgspec is not None else None
    return _DECODER if which == "decoder" else _ENCODER


def _decoder() -> Any:
    return _json_codec("decoder")


def _encoder() -> Any:
    return _json_codec("encoder")


def _plain_size(value: Any) -> int:
    """Characters of text plus items in ``value`` when msgspec writes it as ``json.dumps``
    does (see the module docstring), else -1."""
    size = 0
    stack = [value]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            for key in node:
                if type(key) is not str:
                    return -1
                size += len(key)
            items: Any = node.values()
        else:
            items = node
        size += len(node)
        for item in items:
            t = type(item)
            if t is str:
                size += len(item)
            elif t is int:
                if not _INT_MIN <= item < _INT_END:
                    return -1
            elif t is dict or t is list or t is tuple:
                stack.append(item)
            elif t is float:
                if not (1e-4 <= abs(item) < 1e16 or item == 0.0):  # NaN fails both
                    return -1
            elif item is not None and t is not bool:
                return -1
    return size


def dumps_utf8(value: Any) -> bytes | None:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()`` written
    by msgspec, for a large container msgspec writes byte for byte the same (see the
    module docstring); ``None`` for anything else (small, other types, msgspec missing
    or refusing): the caller then uses ``json``, for its bytes or its error."""
    if type(value) is not dict and type(value) is not list:
        return None
    if _plain_size(value) < _FAST_MIN_CHARS:
        return None
    encoder = _encoder()
    if encoder is None:
        return None
    try:
        return encoder.encode(value)
    except Exception:  # noqa: BLE001 - a lone surrogate, say: json's error stands
        return None


def _b64() -> Any:
    global _pybase64
    if _pybase64 is _UNLOADED:
        _pybase64 = _optional("pybase64")
    return _pybase64


def backends() -> dict[str, str]:
    """Which library does each job: ``{"json": "msgspec"|"json", "base64": ...}``
    (msgspec for texts of 64 KiB or more: shorter ones are as fast with ``json``)."""
    return {
        "json": "msgspec" if _decoder() is not None else "json",
        "base64": "pybase64" if _b64() is not None else "base64",
    }


def try_loads(data: str | bytes | memoryview, default: Any = None) -> Any:
    """msgspec's value of ``data`` when it gives one (it is then ``json.loads``'
    value), else ``default`` (msgspec not installed, it refused ``data``, or ``data``
    is shorter than 64 KiB).

    ``data`` may be UTF-8 bytes or a memoryview of them, decoded straight from the
    buffer (msgspec checks the UTF-8)."""
    if len(data) < _FAST_MIN_CHARS:
        return default
    decoder = _decoder()
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
    fast = _b64() if len(data) >= _FAST_MIN_CHARS else None
    if fast is not None:
        return fast.b64encode(data)
    return base64.b64encode(data)


def b64decode(text: str | bytes) -> bytes:
    """``base64.b64decode(text, validate=True)``: its value, or its error."""
    fast = _b64() if len(text) >= _FAST_MIN_CHARS else None
    if fast is not None:
        try:
            return fast.b64decode(text, validate=True)
        except (ValueError, TypeError):
            pass  # the standard library's verdict stands (value or error)
    return base64.b64decode(text, validate=True)
