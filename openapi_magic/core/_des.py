"""DES-ECB on whole blocks (no padding): OpenSSL's libcrypto when it offers DES, else pycryptodome.

pycryptodome's DES runs at 10-20 MB/s; the libcrypto that Python's own ``hashlib``
and ``ssl`` already load runs DES-ECB about three times faster, at the speed of
``openssl speed -evp des-ecb`` (see ``benchmarks/RESULTS.md``), and a multi-megabyte
encrypted reply waits mostly on DES. DES is a
legacy cipher: OpenSSL 3 keeps it in its "legacy" provider, so that provider is
loaded into a library context of our own, never into the process's default one
(which ``ssl`` and ``hashlib`` use and which would stop loading its default
provider implicitly). OpenSSL 1.1 has DES built in. When anything is missing (no
libcrypto found, no legacy provider, no DES-ECB), pycryptodome is used: the bytes
are the same either way (tests check the two against each other and pyDes).

The calls go through ``ctypes``, which releases the GIL while OpenSSL works: a body of
256 KB or more is cut at block boundaries into ``min(2, os.cpu_count())`` parts, each
run in its own thread with its own cipher context (ECB: the bytes are the same).

**The key.** ``key`` is 8 bytes, or a key object with a ``des_key()`` method (the
protocol's :class:`~openapi_magic.core.protocol.Secret`). For a key object the bytes are
asked for in the argument list of the one call that takes them (``EVP_CipherInit_ex``,
``DES.new``) and held by no variable of any frame, so a traceback that prints frame
variables (``%xmode Verbose``) shows the masked key object at most. OpenSSL copies
the key schedule into its context, which is freed before ``run`` returns.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading
from collections.abc import Callable

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Protocol
else:
    Protocol = object

__all__ = ["BACKENDS", "backend", "ecb_decrypt", "ecb_encrypt"]

_BLOCK = 8
#: EVP_CipherUpdate takes an ``int`` length: feed it at most this much at a time.
_MAX_UPDATE = 1 << 30
#: Bodies from this size are split across threads (:func:`_threads`).
_SPLIT_BYTES = 256 * 1024
#: Threads per large body; 0 means ``min(2, os.cpu_count())``.
_THREADS = 0
#: Set to ``pycryptodome`` to skip OpenSSL (for comparison, or to rule it out).
ENV_BACKEND = "OPENAPI_MAGIC_DES"

BACKENDS = ("openssl", "pycryptodome")


class KeyHolder(Protocol):
    """A key object: gives the 8 DES key bytes when asked, and holds them masked."""

    def des_key(self) -> bytes: ...


Key = bytes | KeyHolder


def _key(key: Key) -> bytes:
    # One expression: the bytes are the return value only, never this frame's variable.
    return key if isinstance(key, (bytes, bytearray)) else key.des_key()


class _OpenSSL:
    """DES-ECB through libcrypto's EVP interface (padding off, whole blocks only)."""

    def __init__(self, lib: Any, cipher: int, version: str) -> None:
        self._lib = lib
        self._cipher = cipher
        self.version = version

    def run(self, key: Key, data: Any, encrypt: bool) -> memoryview:
        n = len(data)
        if not n:
            return memoryview(b"")
        # EVP may write up to a block more than it is given (it does not for whole
        # blocks with padding off, but that is the documented contract).
        out = bytearray(n + _BLOCK)
        out_buf = (ctypes.c_char * len(out)).from_buffer(out)
        out_addr = ctypes.addressof(out_buf)
        if isinstance(data, bytearray):
            src: Any = (ctypes.c_char * n).from_buffer(data)
            src_addr = ctypes.addressof(src)
        else:
            src = data if isinstance(data, bytes) else bytes(data)
            src_addr = ctypes.cast(ctypes.c_char_p(src), ctypes.c_void_p).value or 0
        if n < _SPLIT_BYTES:  # a small body (every call's): one pass, in this thread
            self._part(key, src_addr, out_addr, n, encrypt)
            del out_buf, src  # release the buffer exports
            return memoryview(out)[:n]
        # ECB: each block on its own, so a large body is cut at block boundaries and
        # each part runs in a thread of its own (ctypes releases the GIL), with a
        # context of its own: the bytes are those of one pass.
        parts = _threads()
        step = n // _BLOCK // parts * _BLOCK
        cuts = [(i * step, n if i == parts - 1 else (i + 1) * step) for i in range(parts)]
        errors: list[BaseException] = []

        def part(a: int, b: int) -> None:
            try:
                self._part(key, src_addr + a, out_addr + a, b - a, encrypt)
            except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                errors.append(exc)

        workers = [threading.Thread(target=part, args=cut, daemon=True) for cut in cuts[1:]]
        for worker in workers:
            worker.start()
        part(*cuts[0])
        for worker in workers:
            worker.join()
        del out_buf, src  # release the buffer exports
        if errors:
            raise errors[0]
        return memoryview(out)[:n]

    def _part(self, key: Key, src_addr: int, out_addr: int, n: int, encrypt: bool) -> None:
        """DES-ECB of ``n`` bytes (whole blocks) at ``src_addr`` into ``out_addr``."""
        lib = self._lib
        ctx = lib.EVP_CIPHER_CTX_new()
        if not ctx:
            raise MemoryError("OpenSSL could not allocate a cipher context")
        try:
            if (
                lib.EVP_CipherInit_ex(ctx, self._cipher, None, _key(key), None, 1 if encrypt else 0)
                != 1
            ):
                raise ValueError("OpenSSL refused the DES key")
            lib.EVP_CIPHER_CTX_set_padding(ctx, 0)
            done = 0
            written = ctypes.c_int(0)
            while done < n:
                step = min(n - done, _MAX_UPDATE)
                if (
                    lib.EVP_CipherUpdate(
                        ctx, out_addr + done, ctypes.byref(written), src_addr + done, step
                    )
                    != 1
                ):
                    raise ValueError("OpenSSL DES-ECB failed")
                done += written.value
                if written.value != step:
                    raise ValueError("OpenSSL DES-ECB wrote an unexpected length")
        finally:
            lib.EVP_CIPHER_CTX_free(ctx)


def _threads() -> int:
    """Threads for one large body: ``min(2, os.cpu_count())`` (``_THREADS`` overrides)."""
    return _THREADS or max(1, min(2, os.cpu_count() or 1))


def _libcrypto() -> Any:
    # The libcrypto Python itself links (hashlib has loaded it by now), found by name.
    if sys.platform == "darwin":
        # Versioned names only: macOS aborts a process that loads the unversioned
        # system libcrypto.dylib (which find_library would return).
        names = ["libcrypto.3.dylib", "libcrypto.1.1.dylib"]
    elif sys.platform == "win32":
        names = ["libcrypto-3-x64", "libcrypto-3", "libcrypto-1_1-x64", "libcrypto-1_1"]
    else:
        names = ["libcrypto.so.3", "libcrypto.so.1.1"]
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    # Searched last: ctypes.util imports subprocess and tempfile (a start-up cost the
    # simulated splicer's first answer would pay) and may run ldconfig.
    from ctypes.util import find_library

    found = find_library("crypto")
    try:
        return ctypes.CDLL(found) if found else None
    except OSError:
        return None


def _declare(lib: Any) -> None:
    p, i = ctypes.c_void_p, ctypes.c_int
    lib.EVP_CIPHER_CTX_new.restype = p
    lib.EVP_CIPHER_CTX_new.argtypes = []
    lib.EVP_CIPHER_CTX_free.restype = None
    lib.EVP_CIPHER_CTX_free.argtypes = [p]
    lib.EVP_CipherInit_ex.restype = i
    lib.EVP_CipherInit_ex.argtypes = [p, p, p, ctypes.c_char_p, ctypes.c_char_p, i]
    lib.EVP_CIPHER_CTX_set_padding.restype = i
    lib.EVP_CIPHER_CTX_set_padding.argtypes = [p, i]
    lib.EVP_CipherUpdate.restype = i
    lib.EVP_CipherUpdate.argtypes = [p, p, ctypes.POINTER(i), p, i]


def _load_openssl() -> _OpenSSL | None:
    lib = _libcrypto()
    if lib is None:
        return None
    try:
        _declare(lib)
        version = "OpenSSL"
        if hasattr(lib, "OpenSSL_version"):
            lib.OpenSSL_version.restype = ctypes.c_char_p
            lib.OpenSSL_version.argtypes = [ctypes.c_int]
            version = (lib.OpenSSL_version(0) or b"OpenSSL").decode("ascii", "replace")
        if hasattr(lib, "OSSL_LIB_CTX_new"):  # OpenSSL 3: DES lives in the legacy provider
            lib.OSSL_LIB_CTX_new.restype = ctypes.c_void_p
            lib.OSSL_LIB_CTX_new.argtypes = []
            lib.OSSL_PROVIDER_load.restype = ctypes.c_void_p
            lib.OSSL_PROVIDER_load.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
            lib.EVP_CIPHER_fetch.restype = ctypes.c_void_p
            lib.EVP_CIPHER_fetch.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
            libctx = lib.OSSL_LIB_CTX_new()
            if not libctx or not lib.OSSL_PROVIDER_load(libctx, b"legacy"):
                return None
            lib.OSSL_PROVIDER_load(libctx, b"default")
            cipher = lib.EVP_CIPHER_fetch(libctx, b"DES-ECB", None)
        elif hasattr(lib, "EVP_des_ecb"):  # OpenSSL 1.1
            lib.EVP_des_ecb.restype = ctypes.c_void_p
            lib.EVP_des_ecb.argtypes = []
            cipher = lib.EVP_des_ecb()
        else:
            return None
        if not cipher:
            return None
        backend = _OpenSSL(lib, cipher, version)
        # Known answer (FIPS 81 / NBS test vector) before trusting it with anything.
        check = backend.run(bytes.fromhex("0123456789abcdef"), b"Now is t", True)
        if bytes(check) != bytes.fromhex("3fa40e8a984d4815"):
            return None
        return backend
    except (AttributeError, OSError, ValueError, MemoryError):
        return None


@functools.cache
def _implementation(name: str | None = None) -> tuple[str, Callable[[Key, Any, bool], Any]]:
    wanted = name or os.environ.get(ENV_BACKEND, "").strip().lower() or "openssl"
    if wanted == "openssl":
        ossl = _load_openssl()
        if ossl is not None:
            return f"OpenSSL libcrypto via ctypes ({ossl.version})", ossl.run
    from Crypto.Cipher import DES

    def run(key: Key, data: Any, encrypt: bool) -> bytes:
        cipher = DES.new(_key(key), DES.MODE_ECB)
        return cipher.encrypt(data) if encrypt else cipher.decrypt(data)

    return "pycryptodome", run


def backend(name: str | None = None) -> str:
    """Which implementation does the work (``name`` forces one, as in :func:`ecb_encrypt`)."""
    return _implementation(name)[0]


def ecb_encrypt(key: Key, data: Any, name: str | None = None) -> Any:
    """DES-ECB encryption of whole 8-byte blocks; returns a bytes-like object."""
    if len(data) % _BLOCK:
        raise ValueError("DES-ECB needs whole 8-byte blocks")
    return _implementation(name)[1](key, data, True)


def ecb_decrypt(key: Key, data: Any, name: str | None = None) -> Any:
    """DES-ECB decryption of whole 8-byte blocks; returns a bytes-like object."""
    if len(data) % _BLOCK:
        raise ValueError("DES-ECB needs whole 8-byte blocks")
    return _implementation(name)[1](key, data, False)
