"""The "Copy as curl" text: a bash snippet that sends one call with curl and openssl.

A copied envelope would go stale (the splicer accepts a timeStamp within about
60 s), so the snippet signs afresh when it runs. It is written from the protocol
core's own rules (:mod:`openapi_magic.core.protocol`: the DES key length, the cipher
and padding, what the sign covers and in which order, the envelope's keys), so
the protocol is stated once; tests run the snippet against the simulated
splicer and compare its sign with :func:`protocol.seal_request`'s.

No IPython, no widgets: the form's "Copy as curl" button and anything else can
use it. The secretKey never appears in the text: it is read from
``$OPENAPI_SECRET_KEY`` when the snippet runs.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from . import protocol
from .catalog import normalize_path

__all__ = ["SECRET_ENV", "curl_text"]

#: Environment variable the copied curl command reads the secretKey from.
SECRET_ENV = "OPENAPI_SECRET_KEY"

# The bash variable that holds each envelope field the sign covers, as it is signed.
_SIGNED = {"body": "$BODY", "timeStamp": "$TS", "pId": "$PID", "secretKey": f"${SECRET_ENV}"}
# Each request key's JSON value, as written inside the double-quoted --data argument.
_ENVELOPE = {
    "body": "$BODY_JSON",
    "sign": '\\"$SIGN\\"',
    "pId": "$PID_JSON",
    "timeStamp": '\\"$TS\\"',
}
# openssl enc pads block ciphers with PKCS#5 unless told -nopad: the protocol's padding.
_OPENSSL_PADDING = "PKCS#5"


def curl_text(root: str, pid: str, interface: str, body: Any, *, encrypt: bool) -> str:
    """A bash snippet that sends the call with curl, signing it afresh when it runs.

    It computes timeStamp and sign itself, with openssl, following the rules of
    :mod:`openapi_magic.core.protocol`. With encryption on it needs the secretKey,
    which it reads from ``$OPENAPI_SECRET_KEY``: the key itself never appears in
    the text. Plain calls need no secret at all (their sign covers only timeStamp
    and pId). ``body`` ``None`` sends ``{}``; a body that has no JSON form raises
    :class:`~openapi_magic.errors.ConfigError`.
    """
    if protocol.BODY_PADDING != _OPENSSL_PADDING:  # pragma: no cover - a protocol change
        raise NotImplementedError(f"openssl enc cannot pad with {protocol.BODY_PADDING}")
    path = normalize_path(interface)
    url = root.rstrip("/") + "/" + path
    q = shlex.quote
    # The plaintext is what the protocol signs and encrypts: its one JSON serialisation.
    compact = protocol.dumps({} if body is None else body)
    mode = "encryption on" if encrypt else "encryption off (plain)"
    lines = [
        f"# {path} at {url}",
        f"# pId {pid!r}, {mode}. Needs bash, openssl and curl; makes a fresh timeStamp and sign.",
    ]
    if encrypt:
        lines.append(
            f"# Reads the secretKey from ${SECRET_ENV} (export it first; it is not in "
            "this text). The reply body comes back encrypted too."
        )
    else:
        lines.append(
            "# Plain mode: the sign covers only timeStamp and pId, so no secret is "
            "needed (and anyone who knows the pId can send this)."
        )
    signed = "".join(_SIGNED[part] for part in protocol.sign_parts(encrypt))
    lines += [
        f"PID={q(pid)}",
        f"PID_JSON={q(json.dumps(pid, ensure_ascii=False))}",
        f"URL={q(url)}",
        f"JSON={q(compact)}",
        'TS="$(date +%s)000"',  # milliseconds since the epoch
        "md5hex() { openssl md5 | awk '{print $NF}' | tr -d '\\n'; }",
    ]
    if encrypt:
        cipher = protocol.BODY_CIPHER
        lines += [
            f': "${{{SECRET_ENV}:?set {SECRET_ENV} to the secretKey}}"',
            (
                f'KEY="$(printf %s "${SECRET_ENV}" | head -c {protocol.DES_KEY_BYTES} '
                "| od -An -tx1 | tr -d ' \\n')\""
            ),
            f'des() {{ openssl enc -{cipher} -K "$KEY" "$@" 2>/dev/null | openssl base64 -A; }}',
            # OpenSSL 3 keeps DES in its legacy provider; 1.1 and LibreSSL have it built in.
            'BODY="$(printf %s "$JSON" | des -provider legacy -provider default)"',
            '[ -n "$BODY" ] || BODY="$(printf %s "$JSON" | des)"',
            f'SIGN="$(printf %s "{signed}" | md5hex | openssl base64 -A)"',
            'BODY_JSON="\\"$BODY\\""',
        ]
    else:
        lines += [
            f'SIGN="$(printf %s "{signed}" | md5hex | openssl base64 -A)"',
            'BODY_JSON="$JSON"',
        ]
    envelope = ",".join(f'\\"{key}\\":{_ENVELOPE[key]}' for key in protocol.REQUEST_KEYS)
    lines += [
        "curl -sS -X POST -H 'Content-Type: application/json; charset=utf-8' \\",
        f'  --data "{{{envelope}}}" \\',
        '  "$URL"',
    ]
    return "\n".join(lines)
