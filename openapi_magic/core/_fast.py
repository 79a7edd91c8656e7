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

* **Records straight to columns**: a large decrypted body whose records list (the
  catalog's key) holds records of one shape is decoded by msgspec into columns, never
  into a dict per record (:func:`defer`); the body itself is decoded when someone asks
  for it. Anything else (another shape, a value msgspec refuses) is decoded as before.

Without them the standard library does the work: same values, same errors.
"""

from __future__ import annotations

import base64
import gc
import json
from operator import attrgetter

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable
    from typing import Any

__all__ = [
    "Deferred",
    "b64decode",
    "b64encode",
    "backends",
    "defer",
    "dumps_utf8",
    "loads",
    "try_loads",
]

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


# ---------------------------------------------------------------- records to columns


class Deferred:
    """A JSON body decoded only when asked (:meth:`value`), with its records' columns
    (``columns``: ``[(dotted name, values)]`` in ``pandas.json_normalize``'s order, for
    the ``rows`` records under the top-level ``key``) read straight from its bytes.

    Made by :func:`defer` only once msgspec has read the whole text, so the value it
    gives later is the one ``json.loads`` gives now. Pickled and copied as its value.
    """

    __slots__ = ("_data", "columns", "key", "rows")

    def __init__(self, data: Any, key: str, columns: list[tuple[str, list]], rows: int) -> None:
        self._data = data
        self.key = key
        self.columns: list[tuple[str, list]] | None = columns
        self.rows = rows

    def value(self) -> Any:
        """The body, as ``json.loads`` gives it."""
        value = try_loads(self._data, _MISSING)
        if value is _MISSING:  # pragma: no cover - msgspec read this text when deferring
            value = json.loads(str(self._data, "utf-8"))
        return value

    def __reduce__(self) -> tuple[Callable[[Any], Any], tuple[Any]]:
        return _same, (self.value(),)

    def __repr__(self) -> str:
        return f"<deferred JSON body: {self.rows:,} records under {self.key!r}>"


def _same(value: Any) -> Any:
    return value


def defer(data: Any, key: str) -> Deferred | None:
    """``data`` (UTF-8 JSON bytes, a large object holding a list of records under
    ``key``) as a :class:`Deferred` with the records' columns; ``None`` when that is
    not certain to be what decoding it and tabulating ``key`` would give: text under
    1 MiB, msgspec missing, a dotted ``key``, records of differing shapes, no records,
    or anything msgspec refuses (the caller then decodes as before, for the same value
    or the same error)."""
    if len(data) < _GC_PAUSE_CHARS or not key or "." in key:
        return None
    msgspec = _optional("msgspec") if _decoder() is not None else None
    if msgspec is None:
        return None
    pause = gc.isenabled()
    if pause:
        gc.disable()  # millions of new objects, none of them garbage
    try:
        return _defer(msgspec, data, key)
    except Exception:  # noqa: BLE001 - not certain: the caller decodes as before
        return None
    finally:
        if pause:
            gc.enable()


def _defer(msgspec: Any, data: Any, key: str) -> Deferred | None:
    # Every value is decoded once here, none only skipped: what msgspec would refuse
    # anywhere in the text (a number Python will not convert, say) declines now, so
    # the body decoded later is certain to be json.loads' value, not an error.
    # Each at the depth it has in the text (msgspec bounds the nesting).
    top = msgspec.json.decode(data, type=dict[str, msgspec.Raw])  # the last of a key wins
    listed = top.pop(key, None)
    for raw in top.values():
        if _deep(msgspec.json.decode(b"[" + bytes(raw) + b"]")):
            return None
    del top
    if listed is None:
        return None
    raws = msgspec.json.decode(listed, type=list[msgspec.Raw])
    if not raws:
        return None
    first = msgspec.json.decode(raws[0])
    del raws, listed
    if type(first) is not dict:
        return None
    record = _struct_of(msgspec, first, "Record")
    outer = msgspec.defstruct("Records", [("r", list[record])], rename={"r": key})  # type: ignore[valid-type]
    rows = msgspec.json.decode(data, type=outer).r  # the other keys: decoded above
    columns: list[tuple[str, list]] = []
    nested: list[tuple[str, list, Any]] = []
    for field in msgspec.structs.fields(record):  # json_normalize: scalars, then objects
        values = list(map(attrgetter(field.name), rows))
        if _is_struct(msgspec, field.type):
            nested.append((field.encode_name, values, field.type))
        elif _no_object(values):
            columns.append((field.encode_name, values))
        else:
            return None
    for name, values, kind in nested:
        if not _nested_columns(msgspec, values, kind, name, columns):
            return None
    names = [name for name, _ in columns]
    if not columns or len(set(names)) != len(names):  # no columns, or dotted names collide
        return None
    return Deferred(data, key, columns, len(rows))


#: Deeper than this, the columns path declines: far inside msgspec's nesting limit and
#: json's recursion limit, where either may refuse the text (and json's verdict depends
#: on how deep the caller's stack is), so the body decoded later is certain.
_MAX_DEPTH = 100


def _deep(value: Any, limit: int = _MAX_DEPTH) -> bool:
    """True when ``value`` nests lists and objects more than ``limit`` deep."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        items = node.values() if type(node) is dict else node
        if depth > limit:
            return True
        stack.extend((v, depth + 1) for v in items if type(v) is dict or type(v) is list)
    return False


def _struct_of(msgspec: Any, record: dict, name: str, depth: int = 1) -> Any:
    """A Struct type of ``record``'s shape: the same keys (no other, none missing), an
    object where it holds an object, anything elsewhere."""
    import typing  # only here, on the columns path (msgspec has imported it already)

    if depth > _MAX_DEPTH:
        raise ValueError("nested too deeply for the columns path")
    fields = []
    rename = {}
    for i, (key, value) in enumerate(record.items()):
        attr = f"f{i}"  # any JSON key, even one that is no Python name
        rename[attr] = key
        kind = (
            _struct_of(msgspec, value, f"{name}_{i}", depth + 1)
            if type(value) is dict
            else typing.Any
        )
        fields.append((attr, kind))
    return msgspec.defstruct(name, fields, rename=rename, forbid_unknown_fields=True, gc=False)


def _is_struct(msgspec: Any, kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, msgspec.Struct)


def _no_object(values: list) -> bool:
    """No object among a column's values, and no list nested too deeply."""
    kinds = set(map(type, values))
    if dict in kinds:
        return False
    return list not in kinds or not any(_deep(v) for v in values if type(v) is list)


def _nested_columns(msgspec: Any, rows: list, kind: Any, prefix: str, out: list) -> bool:
    for field in msgspec.structs.fields(kind):
        values = list(map(attrgetter(field.name), rows))
        name = f"{prefix}.{field.encode_name}" if prefix else field.encode_name  # as today's
        if _is_struct(msgspec, field.type):
            if not _nested_columns(msgspec, values, field.type, name, out):
                return False
        elif _no_object(values):
            out.append((name, values))
        else:
            return False
    return True
