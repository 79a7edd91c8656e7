"""Prototypes of the candidate fixes of issue 18, kept in the benchmarks (not the package).

Each is measured against the package's current code in the same run (``bench_crypto``,
``bench_findings``), with identical output checked. Optional libraries (pybase64,
orjson, msgspec) are used when installed; each prototype has a pure fallback.
"""

from __future__ import annotations

import base64
import ctypes
import hashlib
import html
import json
import threading
from typing import Any

import _baseline

try:
    import pybase64
except ImportError:  # the pure fallback
    pybase64 = None

_OSSL = None


def _ossl() -> Any:
    global _OSSL
    if _OSSL is None:
        _OSSL = _baseline._load_openssl()
        if _OSSL is None:
            raise RuntimeError("no libcrypto with DES-ECB")
    return _OSSL


def _ecb_into(key: bytes, src_addr: int, dst_addr: int, n: int, encrypt: bool) -> None:
    o = _ossl()
    lib = o._lib
    ctx = lib.EVP_CIPHER_CTX_new()
    try:
        if lib.EVP_CipherInit_ex(ctx, o._cipher, None, key, None, 1 if encrypt else 0) != 1:
            raise ValueError("OpenSSL refused the DES key")
        lib.EVP_CIPHER_CTX_set_padding(ctx, 0)
        written = ctypes.c_int(0)
        if lib.EVP_CipherUpdate(ctx, dst_addr, ctypes.byref(written), src_addr, n) != 1:
            raise ValueError("OpenSSL DES-ECB failed")
    finally:
        lib.EVP_CIPHER_CTX_free(ctx)


def des_ecb(
    key: bytes, data: bytes, encrypt: bool, threads: int = 2, min_split: int = 256 << 10
) -> bytearray:
    """DES-ECB of whole blocks, split across ``threads`` (ctypes releases the GIL)."""
    n = len(data)
    out = bytearray(n + 8)
    dst = ctypes.addressof((ctypes.c_char * len(out)).from_buffer(out))
    src = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or 0
    parts = threads if n >= min_split else 1
    step = (n // 8 // parts) * 8
    bounds = [(i * step, n if i == parts - 1 else (i + 1) * step) for i in range(parts)]
    workers = [
        threading.Thread(target=_ecb_into, args=(key, src + a, dst + a, b - a, encrypt))
        for a, b in bounds[1:]
    ]
    for w in workers:
        w.start()
    a, b = bounds[0]
    _ecb_into(key, src + a, dst + a, b - a, encrypt)
    for w in workers:
        w.join()
    del out[n:]
    return out


def b64encode(data: Any) -> bytes:
    return pybase64.b64encode(data) if pybase64 else base64.b64encode(data)


def b64decode(text: str) -> bytes:
    if pybase64:
        return pybase64.b64decode(text, validate=True)
    return base64.b64decode(text, validate=True)


def _md5_b64(*parts: str) -> str:
    h = hashlib.md5()
    for p in parts:
        h.update(p.encode("utf-8"))
    return base64.b64encode(h.hexdigest().encode("ascii")).decode("ascii")


def seal(body: Any, *, pid: str, secret_key: str, timestamp: str) -> dict:
    """protocol.seal_request(encrypt=True) with 2-thread DES and the faster Base64."""
    plain = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )
    n = 8 - len(plain) % 8
    sealed = b64encode(
        des_ecb(secret_key.encode("utf-8")[:8], plain + bytes((n,)) * n, True)
    ).decode("ascii")
    return {
        "body": sealed,
        "sign": _md5_b64(sealed, timestamp, pid, secret_key),
        "pId": pid,
        "timeStamp": timestamp,
    }


def open_body(raw_body: str, *, secret_key: str) -> Any:
    """protocol.decrypt_body with 2-thread DES and the faster Base64."""
    plain = memoryview(des_ecb(secret_key.encode("utf-8")[:8], b64decode(raw_body), False))
    n = plain[-1]
    if not 1 <= n <= 8 or plain[-n:] != bytes((n,)) * n:
        raise ValueError("bad padding")
    return json.loads(str(plain[:-n], "utf-8"))


# ---------------------------------------------------------------- records → DataFrame


def loads_fast(text: str | bytes) -> Any:
    """msgspec, else orjson, else json: the same values."""
    try:
        import msgspec

        return msgspec.json.decode(text)
    except ImportError:
        pass
    try:
        import orjson

        return orjson.loads(text)
    except ImportError:
        return json.loads(text)


def frame_by_columns(rows: list[dict]) -> Any:
    """records_frame for records of one shape, built column by column (dotted names for
    nested objects, json_normalize's order), each column inferred on its own."""
    import pandas as pd

    cols = _baseline._same_shape_columns(rows)
    if cols is None:
        return _baseline.records_frame(rows)
    return pd.DataFrame(dict(cols), columns=[n for n, _ in cols])


# ---------------------------------------------------------------- small render without pandas


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def table_html(rows: list[dict]) -> str:
    """A small records table as HTML (escaped), without pandas: dotted names for nested
    objects, as the view shows them."""
    flat = [_flatten(r) for r in rows]
    names: list[str] = []
    for r in flat:
        for k in r:
            if k not in names:
                names.append(k)
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(r.get(n)))}</td>" for n in names) + "</tr>"
        for r in flat
    )
    return (
        f'<table class="openapi-magic-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def table_text(rows: list[dict]) -> str:
    flat = [_flatten(r) for r in rows]
    names = list(dict.fromkeys(k for r in flat for k in r))
    cells = [[_cell(r.get(n)) for n in names] for r in flat]
    widths = [max([len(n)] + [len(c[i]) for c in cells]) for i, n in enumerate(names)]
    lines = ["  ".join(n.rjust(w) for n, w in zip(names, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def _flatten(obj: dict, prefix: str = "") -> dict:
    out: dict = {}
    for k, v in obj.items():
        if isinstance(v, dict) and v:
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out
