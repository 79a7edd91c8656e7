"""The envelope rules of the NovaStar H-series OpenAPI as pure functions.

No network, no clock reads, no IPython: time is a parameter, so every test
vector is a plain function call. Both roles use this module: the client seals
requests and opens replies; the simulated splicer opens requests and seals
replies. The rules are those of ``shared/PROTOCOL.md``:

* plaintext = compact UTF-8 JSON (``separators=(",", ":")``, ``ensure_ascii=False``);
* encryption on: ``body = Base64(DES-ECB-PKCS#5(plaintext, key=secretKey[:8]))`` and
  ``sign = Base64(md5hex(body + timeStamp + pId + secretKey))`` (whole secretKey);
* encryption off: ``body`` is the JSON value and ``sign = Base64(md5hex(timeStamp + pId))``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import secrets
import sys
from dataclasses import dataclass

from ..errors import ConfigError, DecodeError, DecryptionError
from . import _des, _fast

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = [
    "BODY_CIPHER",
    "BODY_PADDING",
    "DES_KEY_BYTES",
    "MIN_SECRET_KEY_BYTES",
    "REQUEST_KEYS",
    "SECRET_MASK",
    "SIGN_ABSENT",
    "SIGN_MISMATCH",
    "SIGN_PARTS_ENCRYPTED",
    "SIGN_PARTS_PLAIN",
    "SIGN_VERIFIED",
    "OpenedReply",
    "OpenedRequest",
    "Secret",
    "SecretKey",
    "as_secret",
    "decrypt_body",
    "des_key",
    "dumps",
    "dumps_bytes",
    "dumps_safe",
    "encrypt_body",
    "json_problem",
    "looks_encrypted",
    "open_reply",
    "open_request",
    "parse_status",
    "seal_reply",
    "seal_request",
    "sign_encrypted",
    "sign_input",
    "sign_parts",
    "sign_plain",
]

# The rules below are stated once, as data, so that whatever restates the protocol
# elsewhere (the "Copy as curl" bash in curl.py) is written from them, not beside them.

#: The DES key is this many first bytes of the secretKey's UTF-8 encoding (a Java
#: server's DESKeySpec takes the first 8 of a longer key).
DES_KEY_BYTES = 8
#: The shortest secretKey encryption can use: DES needs all of its key bytes.
MIN_SECRET_KEY_BYTES = DES_KEY_BYTES
#: The body cipher, in OpenSSL's spelling (``openssl enc -des-ecb``), and its padding
#: (OpenSSL's default for block ciphers, as :func:`encrypt_body` pads).
BODY_CIPHER = "des-ecb"
BODY_PADDING = "PKCS#5"
#: What the sign covers, in order: ``Base64(md5hex(...))`` of these envelope fields
#: (``secretKey``: the whole key) joined with nothing between them.
SIGN_PARTS_ENCRYPTED = ("body", "timeStamp", "pId", "secretKey")
SIGN_PARTS_PLAIN = ("timeStamp", "pId")
#: A request envelope's keys, in the order they are written.
REQUEST_KEYS = ("body", "sign", "pId", "timeStamp")
#: What stands for the secretKey wherever a string to sign is shown.
SECRET_MASK = "<secretKey>"

SIGN_VERIFIED = "verified"
SIGN_ABSENT = "absent"
SIGN_MISMATCH = "mismatch"

_BLOCK = 8


# --------------------------------------------------------------------------- JSON


def dumps(value: Any) -> str:
    """Serialise a JSON value the one way we sign it: compact, UTF-8, no escaping."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"The request body cannot be written as JSON: {exc}.") from exc


def dumps_bytes(value: Any, what: str = "request body") -> bytes:
    """:func:`dumps` as UTF-8 bytes, the same bytes and errors; a large value is written
    by msgspec when installed and when its bytes are the same (``_fast.dumps_utf8``)."""
    return _fast.dumps_utf8(value) or _utf8(dumps(value), what)


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigError(f"The {what} is not valid Unicode text ({exc.reason}).") from exc


#: A long text is hashed this many characters at a time: a 48 MB body is not copied
#: whole into UTF-8 bytes just to be hashed.
_HASH_PIECE = 1 << 20


def _md5_text(h: Any, text: str) -> None:
    """``h.update(_utf8(text, "text to sign"))``, a piece at a time (same digest, same
    error)."""
    for start in range(0, len(text), _HASH_PIECE):
        h.update(_utf8(text[start : start + _HASH_PIECE], "text to sign"))


# --------------------------------------------------------------------------- the key


class Secret:
    """A secretKey whose repr and str are masked; ``reveal()`` gives the text back.

    The key is held XOR-masked with a random pad of its length, so no attribute holds
    its text or bytes: a traceback that prints every frame's variables and their
    attributes (``%xmode Verbose``) shows ``Secret('********')``. The bytes exist only
    as the value handed to the one call that needs them (md5 for the sign, DES for the
    body), never in a variable. Accepts text, bytes or another Secret.
    """

    __slots__ = ("_binary", "_masked", "_pad")
    _pad: bytes
    _masked: bytes
    _binary: bool

    def __init__(self, value: str | bytes | Secret) -> None:
        if isinstance(value, Secret):
            self._pad, self._masked, self._binary = value._pad, value._masked, value._binary
            return
        try:
            self._pad, self._masked, self._binary = _mask(value)
        except ConfigError:
            del value  # the frame a traceback shows holds no key
            raise

    def reveal(self) -> str:
        """The secretKey as text (a bytes key decoded as UTF-8)."""
        return self._bytes().decode("utf-8", "surrogateescape")

    def _bytes(self) -> bytes:
        return _xor(self._masked, self._pad)

    def des_key(self) -> bytes:
        """The DES key: the first 8 bytes (ConfigError, never the key, when shorter)."""
        _check_des_length(len(self))
        return _xor(self._masked[:DES_KEY_BYTES], self._pad[:DES_KEY_BYTES])

    def __len__(self) -> int:
        return len(self._pad)

    def __bool__(self) -> bool:
        return bool(self._pad)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(other._bytes(), self._bytes())

    def __hash__(self) -> int:
        return hash(("Secret", self._bytes()))

    def __reduce__(self) -> tuple:
        # Pickled (process and dask fleet workers): the key travels, as it must.
        return (_unpickle_secret, (self._masked, self._pad, self._binary))


def _mask(value: Any) -> tuple[bytes, bytes, bool]:
    """(pad, key XOR pad, was bytes): the key as :class:`Secret` holds it."""
    if isinstance(value, (bytes, bytearray)):
        pad = secrets.token_bytes(len(value))
        return pad, _xor(value, pad), True
    if not isinstance(value, str):
        raise ConfigError(f"The secretKey must be text, not {type(value).__name__}.")
    reason = None
    try:
        pad = secrets.token_bytes(len(value.encode("utf-8")))
    except UnicodeEncodeError as exc:  # a lone surrogate; exc.object is the key itself
        reason = exc.reason
    if reason is not None:  # raised outside the handler: no chained error holds the key
        value = None
        raise ConfigError(f"The secretKey is not valid Unicode text ({reason}).")
    return pad, _xor(value.encode("utf-8"), pad), False


def _encryption_key(secret_key: Secret | None) -> Secret:
    """The key encryption (and its sign) needs: a ConfigError when none was given."""
    if secret_key is None:
        raise ConfigError("Encryption is on but no secretKey was given.")
    return secret_key


def _unpickle_secret(masked: bytes, pad: bytes, binary: bool) -> Secret:
    secret = Secret.__new__(Secret)
    secret._masked, secret._pad, secret._binary = masked, pad, binary
    return secret


def _xor(data: bytes | bytearray, pad: bytes) -> bytes:
    # One expression: no variable of this frame holds the result.
    return (int.from_bytes(data, "little") ^ int.from_bytes(pad, "little")).to_bytes(
        len(pad), "little"
    )


#: What the protocol functions take as a secretKey: text, bytes or a :class:`Secret`.
SecretKey = str | bytes | Secret


def as_secret(secret_key: SecretKey | None) -> Secret | None:
    """``secret_key`` as a :class:`Secret` (``None`` stays ``None``)."""
    if secret_key is None or isinstance(secret_key, Secret):
        return secret_key
    return Secret(secret_key)


def _check_des_length(n: int) -> None:
    if n < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"The secretKey is {n} byte{'s' if n != 1 else ''} long, but "
            f"encryption needs at least {MIN_SECRET_KEY_BYTES} (DES uses its first "
            f"{DES_KEY_BYTES} bytes). "
            "Copy the whole secretKey from the splicer's Settings > OpenAPI Management, "
            "or turn encryption off if the splicer has it off for this pId."
        )


def des_key(secret_key: SecretKey) -> bytes:
    """The DES key: the first 8 bytes of the secretKey's UTF-8 encoding.

    Refuses a shorter secretKey with a message that says why (never the key). The
    protocol functions do not call this: they hand the :class:`Secret` down to DES.
    """
    return Secret(secret_key).des_key()


# --------------------------------------------------------------------------- crypto


def _pad(data: bytes) -> bytes:
    n = _BLOCK - len(data) % _BLOCK
    return data + bytes((n,)) * n


def encrypt_body(value: Any, secret_key: SecretKey) -> str:
    """Base64(DES-ECB-PKCS#5(compact JSON of ``value``)) as an ASCII string."""
    secret_key = Secret(secret_key)  # from here down, frames hold the masked key only
    _check_des_length(len(secret_key))
    plaintext = dumps_bytes(value)
    ciphertext = _des.ecb_encrypt(secret_key, _pad(plaintext))
    return _fast.b64encode(ciphertext).decode("ascii")


def decrypt_body(body: str, secret_key: SecretKey) -> Any:
    """Decrypt and parse an encrypted body; ``""`` means no data (``None``).

    Raises :class:`DecryptionError` naming the likely cause.
    """
    return _decrypt_body(body, secret_key, None)


def _decrypt_body(body: str, secret_key: SecretKey, records: str | None) -> Any:
    """:func:`decrypt_body`; with ``records`` (a key of records), a large body may come
    back as a :class:`_fast.Deferred` holding those records' columns, decoded later."""
    secret_key = Secret(secret_key)  # from here down, frames hold the masked key only
    if body == "":
        return None
    if not isinstance(body, str):
        raise DecryptionError(
            f"The body is a JSON {_json_type(body)}, not an encrypted string: encryption "
            "appears to be off on the other side for this pId.",
            likely="encryption off on the other side",
        )
    _check_des_length(len(secret_key))
    try:
        raw = _fast.b64decode(body)
    except (binascii.Error, ValueError) as exc:
        plain = _try_json(body)
        if plain is not _MISSING:
            raise DecryptionError(
                "The body is plain JSON text, not Base64 ciphertext: encryption appears to "
                "be off on the other side for this pId.",
                likely="encryption off on the other side",
            ) from exc
        raise DecryptionError(
            f"The encrypted body is not valid Base64 ({exc}); it was probably truncated "
            "or altered on the way.",
            likely="truncated or altered body",
        ) from exc
    if not raw or len(raw) % _BLOCK:
        raise DecryptionError(
            f"The encrypted body decodes to {len(raw)} bytes, not a whole number of "
            "8-byte DES blocks; it was probably truncated on the way.",
            likely="truncated body",
        )
    plaintext = memoryview(_des.ecb_decrypt(secret_key, raw))
    del raw  # a multi-megabyte reply: free each copy as soon as the next exists
    n = plaintext[-1]
    if not 1 <= n <= _BLOCK or plaintext[-n:] != bytes((n,)) * n:
        raise DecryptionError(
            "The body decrypts to garbage (bad padding): the secretKey's first 8 bytes are "
            "probably wrong for this pId.",
            likely="wrong secretKey",
        )
    if records and n < len(plaintext):
        deferred = _fast.defer(plaintext[:-n], records)
        if deferred is not None:
            return deferred
    # msgspec (when installed) reads the plaintext's buffer as it is, no text made;
    # what it refuses goes the json way below, for json's value or error.
    value = _fast.try_loads(plaintext[:-n], _MISSING) if n < len(plaintext) else _MISSING
    if value is not _MISSING:
        return value
    try:
        text = str(plaintext[:-n], "utf-8")  # no copy of the plaintext before decoding
    except UnicodeDecodeError as exc:
        raise DecryptionError(
            "The body decrypts to bytes that are not UTF-8 text: the secretKey is "
            "probably wrong for this pId.",
            likely="wrong secretKey",
        ) from exc
    del plaintext
    if text == "":
        return None
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise DecryptionError(
            "The body decrypts to JSON nested too deeply to parse.", likely="hostile body"
        ) from exc
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):  # valid JSON that Python will not hold
            raise DecryptionError(
                f"The body decrypts to JSON that cannot be read here: {json_problem(exc)}.",
                likely="hostile body",
            ) from exc
        raise DecryptionError(
            f"The body decrypts to text that is not JSON ({exc.msg} at char {exc.pos}): the "
            "secretKey is probably wrong, or the other side encrypts something else.",
            likely="wrong secretKey",
        ) from exc


def json_problem(exc: ValueError) -> str:
    """What ``json.loads`` refused, in words: where the text stops being JSON, or (valid
    JSON) a number with more digits than Python converts (``sys.get_int_max_str_digits``)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at char {exc.pos}"
    if "digits" in str(exc):
        return (
            f"it holds a number of more than {sys.get_int_max_str_digits():,} digits, "
            "more than Python converts (sys.set_int_max_str_digits raises the limit)"
        )
    text = str(exc)
    # The core sits below the renderer: its rule for a shortened text, said here.
    return text if len(text) <= 200 else f"{text[:200]}… ({len(text) - 200:,} more characters)"


# --------------------------------------------------------------------------- signs


def _b64_md5hex(*parts: str) -> str:
    h = hashlib.md5()
    for part in parts:
        h.update(_utf8(part, "text to sign"))
    return base64.b64encode(h.hexdigest().encode("ascii")).decode("ascii")


def sign_parts(encrypt: bool) -> tuple[str, ...]:
    """The envelope fields the sign covers, in order (:data:`SIGN_PARTS_ENCRYPTED` or
    :data:`SIGN_PARTS_PLAIN`)."""
    return SIGN_PARTS_ENCRYPTED if encrypt else SIGN_PARTS_PLAIN


def sign_plain(timestamp: str | int, pid: str) -> str:
    """Encryption off: ``Base64(md5hex(timeStamp + pId))``."""
    fields = {"timeStamp": _timestamp(timestamp), "pId": pid}
    return _b64_md5hex(*(fields[part] for part in SIGN_PARTS_PLAIN))


def sign_encrypted(body: str, timestamp: str | int, pid: str, secret_key: SecretKey) -> str:
    """Encryption on: ``Base64(md5hex(body + timeStamp + pId + secretKey))``.

    ``body`` is the Base64 ciphertext string; the *whole* secretKey is signed.
    """
    secret_key = Secret(secret_key)  # from here down, frames hold the masked key only
    fields = {"body": body, "timeStamp": _timestamp(timestamp), "pId": pid}
    h = hashlib.md5()
    for part in SIGN_PARTS_ENCRYPTED:
        if part == "secretKey":  # the key's bytes: a value handed over, never a variable
            h.update(secret_key._bytes())
        else:
            _md5_text(h, fields[part])
    return base64.b64encode(h.hexdigest().encode("ascii")).decode("ascii")


def sign_input(
    body: Any, timestamp: str | int, pid: str, *, encrypt: bool, mask: str = SECRET_MASK
) -> str:
    """The string that is md5-signed, with the secretKey replaced by ``mask``.

    For showing in a dry run; safe to print.
    """
    fields = {
        "body": f"{body}",
        "timeStamp": _timestamp(timestamp),
        "pId": f"{pid}",
        "secretKey": mask,
    }
    return "".join(fields[part] for part in sign_parts(encrypt))


def _timestamp(timestamp: str | int) -> str:
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, str)):
        raise ConfigError(
            f"timeStamp must be milliseconds since the epoch (int or digits), "
            f"not {type(timestamp).__name__}."
        )
    ts = str(timestamp)
    if not ts.isascii() or not ts.isdigit():
        raise ConfigError(f"timeStamp must be a string of digits, not {ts[:40]!r}.")
    return ts


# --------------------------------------------------------------------------- request


@dataclass(frozen=True)
class OpenedRequest:
    """A request as the splicer sees it after opening (server role)."""

    body: Any
    pid: str
    timestamp: str
    sign: str
    sign_ok: bool
    encrypted: bool


def seal_request(
    body: Any, *, pid: str, secret_key: SecretKey | None, timestamp: int | str, encrypt: bool
) -> dict:
    """Build the envelope ``{body, sign, pId, timeStamp}`` a splicer accepts.

    ``body`` is the business-parameter JSON value (``None`` becomes ``{}``).
    With ``encrypt`` false the secretKey is not used at all (PROTOCOL.md: the
    plain sign covers only timeStamp and pId).
    """
    secret_key = as_secret(secret_key)  # from here down, frames hold the masked key only
    if body is None:
        body = {}
    pid = _pid(pid)
    ts = _timestamp(timestamp)
    if encrypt:
        secret_key = _encryption_key(secret_key)
        sealed = encrypt_body(body, secret_key)
        sign = sign_encrypted(sealed, ts, pid, secret_key)
    else:
        dumps(body)  # refuse what cannot be sent, before sending
        sealed = body
        sign = sign_plain(ts, pid)
    fields = {"body": sealed, "sign": sign, "pId": pid, "timeStamp": ts}
    return {key: fields[key] for key in REQUEST_KEYS}


def _pid(pid: Any) -> str:
    if isinstance(pid, bool) or not isinstance(pid, (str, int)):
        raise ConfigError(f"pId must be text, not {type(pid).__name__}.")
    pid = str(pid)
    if not pid:
        raise ConfigError("pId is empty: copy it from the splicer's Settings > OpenAPI Management.")
    return pid


def _field(envelope: dict, name: str) -> Any:
    if name not in envelope:
        raise DecodeError(f"The envelope has no {name!r} field.")
    return envelope[name]


def open_request(envelope: Any, *, secret_key: SecretKey | None, encrypt: bool) -> OpenedRequest:
    """Open a request envelope (server role): check its shape, decrypt, check the sign.

    Raises :class:`DecodeError` for a malformed envelope and
    :class:`DecryptionError` when the body cannot be decrypted or is in the
    other mode; a wrong sign is reported as ``sign_ok=False``.
    """
    secret_key = as_secret(secret_key)  # from here down, frames hold the masked key only
    if not isinstance(envelope, dict):
        raise DecodeError(f"The request is a JSON {_json_type(envelope)}, not an envelope object.")
    body = _field(envelope, "body")
    sign = _field(envelope, "sign")
    pid = _field(envelope, "pId")
    ts = _field(envelope, "timeStamp")
    if not isinstance(sign, str):
        raise DecodeError("The envelope's 'sign' is not a string.")
    if not isinstance(pid, str):
        raise DecodeError("The envelope's 'pId' is not a string.")
    try:
        ts = _timestamp(ts)
    except ConfigError as exc:
        raise DecodeError(f"The envelope's 'timeStamp' is unusable: {exc}") from exc
    if encrypt:
        secret_key = _encryption_key(secret_key)
        value = decrypt_body(body, secret_key)  # a plain object body raises here
        expected = sign_encrypted(body, ts, pid, secret_key)
    else:
        if isinstance(body, str) and body and looks_encrypted(body):
            raise DecryptionError(
                "The body is Base64 ciphertext but encryption is off here for this pId.",
                likely="encryption on at the other side only",
            )
        value = body
        expected = sign_plain(ts, pid)
    return OpenedRequest(
        body=value, pid=pid, timestamp=ts, sign=sign, sign_ok=sign == expected, encrypted=encrypt
    )


# --------------------------------------------------------------------------- reply


@dataclass(frozen=True)
class OpenedReply:
    """A reply as the client sees it after opening.

    ``body`` is the decoded value (``None`` for no data); ``raw_body`` the body
    field as it arrived; ``sign_verdict`` one of verified / absent / mismatch.
    """

    status: int
    msg: str
    body: Any
    raw_body: Any
    sign_verdict: str
    encrypted: bool


def seal_reply(
    status: int,
    msg: str,
    body: Any,
    *,
    pid: str,
    timestamp: int | str,
    secret_key: SecretKey | None,
    encrypt: bool,
    sign: bool = True,
    status_key: str = "status",
) -> dict:
    """Build a reply envelope (server role).

    ``body`` ``None`` or ``""`` is sent as ``""`` (no data). ``sign=False`` sends an
    empty sign, as real splicers do; ``status_key="status "`` mimics the firmware
    that spells the key with a trailing space.
    """
    secret_key = as_secret(secret_key)  # from here down, frames hold the masked key only
    ts = _timestamp(timestamp)
    if body is None or body == "":
        sealed: Any = ""
    elif encrypt:
        sealed = encrypt_body(body, _encryption_key(secret_key))
    else:
        sealed = body
    if not sign:
        signature = ""
    elif encrypt:
        signature = sign_encrypted(
            sealed if isinstance(sealed, str) else "", ts, pid, _encryption_key(secret_key)
        )
    else:
        signature = sign_plain(ts, pid)
    return {status_key: status, "msg": msg, "sign": signature, "body": sealed}


def parse_status(value: Any) -> int:
    """The vendor status as an int: accepts ``0``, ``"0"``, ``0.0``; else DecodeError."""
    if isinstance(value, bool):
        raise DecodeError(f"The reply's status is a boolean ({value!r}), not a number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text  # one sign, not "--5"
        if digits.isascii() and digits.isdigit():
            try:
                return int(text)
            except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
                pass
    raise DecodeError(f"The reply's status {_short_repr(value)} is not a number.")


def open_reply(
    envelope: Any,
    *,
    pid: str,
    timestamp: int | str,
    secret_key: SecretKey | None,
    encrypt: bool,
    records: str | None = None,
) -> OpenedReply:
    """Open a reply envelope (client role).

    ``pid``/``timestamp`` are the request's; a reply's own ``pId``/``timeStamp``
    win where present (PROTOCOL.md). The vendor's quirks are accepted: a
    ``"status "`` key, a string status, an empty-string body meaning no data,
    and (encryption off) a string body holding JSON text. A body of ``{}`` is no data
    in either mode: real firmware answers failures ``{"body": {}, ...}``
    (FIELD-EVIDENCE.md), and an empty object can be no ciphertext.

    ``records`` names the body's list of records (the catalog's key) when the caller
    will tabulate it: a large encrypted body may then be a :class:`_fast.Deferred`
    (its records' columns, the body decoded when asked), once its whole text is known
    to decode.
    """
    secret_key = as_secret(secret_key)  # from here down, frames hold the masked key only
    if not isinstance(envelope, dict):
        raise DecodeError(f"The reply is a JSON {_json_type(envelope)}, not an envelope object.")
    if "status" in envelope:
        raw_status = envelope["status"]
    elif "status " in envelope:  # some firmware spells it with a trailing space
        raw_status = envelope["status "]
    else:
        raise DecodeError("The reply has no 'status' field: it is not an OpenAPI envelope.")
    status = parse_status(raw_status)
    msg = envelope.get("msg", "")
    msg = "" if msg is None else msg if isinstance(msg, str) else dumps_safe(msg)
    raw_body = envelope.get("body", "")
    if raw_body is None or raw_body == "" or (encrypt and raw_body == {}):
        body = None
    elif encrypt:
        body = _decrypt_body(raw_body, _encryption_key(secret_key), records)
    elif isinstance(raw_body, str):
        parsed = _try_json(raw_body)
        if isinstance(parsed, (dict, list)):
            body = parsed
        elif looks_encrypted(raw_body):
            raise DecryptionError(
                "The reply body is Base64 ciphertext but encryption is off in this client: "
                "the splicer has encryption on for this pId. Connect with encrypt=True.",
                likely="encryption on at the splicer only",
            )
        else:
            body = raw_body
    else:
        body = raw_body
    verdict = _reply_verdict(
        envelope, raw_body, pid=pid, timestamp=timestamp, secret_key=secret_key, encrypt=encrypt
    )
    return OpenedReply(
        status=status,
        msg=msg,
        body=body,
        raw_body=raw_body,
        sign_verdict=verdict,
        encrypted=encrypt,
    )


def _reply_verdict(
    envelope: dict,
    raw_body: Any,
    *,
    pid: str,
    timestamp: int | str,
    secret_key: Secret | None,
    encrypt: bool,
) -> str:
    sign = envelope.get("sign")
    if sign is None or sign == "":
        return SIGN_ABSENT
    if not isinstance(sign, str):
        return SIGN_MISMATCH
    r_pid = envelope.get("pId", pid)
    r_ts = envelope.get("timeStamp", timestamp)
    try:
        r_pid = _pid(r_pid)
        if encrypt:
            body = raw_body if isinstance(raw_body, str) else ""
            expected = sign_encrypted(body, r_ts, r_pid, _encryption_key(secret_key))
        else:
            expected = sign_plain(r_ts, r_pid)
    except ConfigError:
        return SIGN_MISMATCH
    return SIGN_VERIFIED if sign == expected else SIGN_MISMATCH


# --------------------------------------------------------------------------- helpers

_MISSING = object()
_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def looks_encrypted(text: str) -> bool:
    """True when ``text`` is Base64 of a whole number of DES blocks (and not JSON)."""
    if len(text) < 12 or len(text) % 4 or not text.isascii():
        return False
    if not _B64.issuperset(text.encode("ascii")):
        return False
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) % _BLOCK == 0 and _try_json(text) is _MISSING


def _try_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _MISSING


def _json_type(value: Any) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _short_repr(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dumps_safe(value: Any) -> str:
    """Best-effort text of any JSON value (for messages that arrive as non-strings)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)
