"""Crypto path: seal + open of 1–10 MB encrypted bodies against OpenSSL's single-thread DES-ECB.

Paired rounds, each running back to back (order rotated): OpenSSL's DES-ECB
encryption in this process (libcrypto's EVP interface through ctypes, one thread,
on exactly the padded plaintext's bytes: the equivalent of ``openssl speed -evp
des-ecb``), ``protocol.seal_request(encrypt=True)``, OpenSSL decryption of the
ciphertext, ``protocol.open_reply``; and the prototype (``prototypes.seal`` /
``open_body``: 2 DES threads, pybase64) on the same body. Per round the ratio is
*OpenSSL's time ÷ ours* (= our throughput ÷ OpenSSL's); the verdict is the median
and range of those ratios, and the goal (≥ 0.8) is judged on the worst of seal and
open at every size. Identical bytes are checked: the seal's body equals Base64 of
OpenSSL's ciphertext, the prototype's envelope equals the package's, and both open
to the body. ``openssl speed`` itself is run once per size as a cross-check.
"""

from __future__ import annotations

import base64
import json
import string
import subprocess
import time
from typing import Any

import _baseline
import prototypes
from _common import fmt_ratio, median, openssl_cli, paired, ratios, size_label, table, verdict

from openapi_magic.core import protocol

PID = "demo"
KEY = "H-series-demo-secret"
TS = "1700000000000"
SIZES = [1 << 20, 4 << 20, 10 << 20]
QUICK_SIZES = [16 << 10, 64 << 10]


def body_of(size: int) -> dict:
    """A body whose compact JSON is exactly ``size`` bytes (no escapes in it)."""
    alphabet = string.ascii_letters + string.digits + " .,:-_"
    n = size - len('{"data":""}')
    return {"data": (alphabet * (n // len(alphabet) + 1))[:n]}


def _openssl_speed(size: int, decrypt: bool) -> float | None:
    cli = openssl_cli()
    if not cli:
        return None
    version = subprocess.run([cli, "version"], capture_output=True, text=True, check=False).stdout
    providers = (
        []
        if version.startswith(("OpenSSL 1.", "LibreSSL"))
        else ["-provider", "legacy", "-provider", "default"]
    )
    cmd = [
        cli,
        "speed",
        *providers,
        "-evp",
        "des-ecb",
        "-elapsed",
        "-mr",
        "-seconds",
        "1",
        "-bytes",
        str(size),
    ] + (["-decrypt"] if decrypt else [])
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        if line.startswith("+F:"):
            return float(line.rsplit(":", 1)[1])
    return None


def run(quick: bool = False, log: Any = print) -> dict:
    sizes = QUICK_SIZES if quick else SIZES
    rounds = 3 if quick else 9
    ossl = _baseline._load_openssl()
    rows = []
    for size in sizes:
        log(f"  crypto {size_label(size)}")
        body = body_of(size)
        plain = protocol.dumps(body).encode()
        padded = plain + bytes((8 - len(plain) % 8,)) * (8 - len(plain) % 8)
        key = KEY.encode()[:8]
        reply = protocol.seal_reply(
            0, "", body, pid=PID, timestamp=TS, secret_key=KEY, encrypt=True
        )
        cipher = base64.b64decode(reply["body"])
        # Identical bytes, checked before timing.
        sealed = protocol.seal_request(body, pid=PID, secret_key=KEY, timestamp=TS, encrypt=True)
        same = {
            "seal = Base64(OpenSSL)": sealed["body"]
            == base64.b64encode(bytes(ossl.run(key, padded, True))).decode()
            if ossl
            else None,
            "prototype seal = ours": prototypes.seal(body, pid=PID, secret_key=KEY, timestamp=TS)
            == sealed,
            "open = body": protocol.open_reply(
                reply, pid=PID, timestamp=TS, secret_key=KEY, encrypt=True
            ).body
            == body,
            "prototype open = body": prototypes.open_body(reply["body"], secret_key=KEY) == body,
        }
        sides = {
            "seal": lambda: (
                protocol.seal_request(body, pid=PID, secret_key=KEY, timestamp=TS, encrypt=True)
                and None
            ),
            "open": lambda: (
                protocol.open_reply(reply, pid=PID, timestamp=TS, secret_key=KEY, encrypt=True)
                and None
            ),
            "proto_seal": lambda: (
                prototypes.seal(body, pid=PID, secret_key=KEY, timestamp=TS) and None
            ),
            "proto_open": lambda: prototypes.open_body(reply["body"], secret_key=KEY) and None,
        }
        if ossl:
            sides["ossl_enc"] = lambda: ossl.run(key, padded, True) and None
            sides["ossl_dec"] = lambda: ossl.run(key, cipher, False) and None
        samples = paired(sides, rounds, clock=time.perf_counter)
        row: dict[str, Any] = {
            "size": size,
            "same": same,
            "med": {k: median(v) for k, v in samples.items()},
        }
        if ossl:
            row["seal"] = verdict(ratios(samples["ossl_enc"], samples["seal"]))
            row["open"] = verdict(ratios(samples["ossl_dec"], samples["open"]))
            row["proto_seal"] = verdict(ratios(samples["ossl_enc"], samples["proto_seal"]))
            row["proto_open"] = verdict(ratios(samples["ossl_dec"], samples["proto_open"]))
        if not quick:  # 2 s per size: the full run only
            row["speed_enc"] = _openssl_speed(size, False)
            row["speed_dec"] = _openssl_speed(size, True)
        rows.append(row)
    return {"rows": rows, "openssl": ossl is not None, "markdown": markdown(rows)}


def markdown(rows: list[dict]) -> str:
    out = []
    for r in rows:
        m, size = r["med"], r["size"]

        def mbps(name: str) -> str:
            return f"{size / m[name] / 1e6:.0f}" if name in m else "n/a"

        speed = (
            f"{r['speed_enc'] / 1e6:.0f} / {r['speed_dec'] / 1e6:.0f}"
            if r.get("speed_enc") and r.get("speed_dec")
            else "n/a"
        )
        same = all(v is not False for v in r["same"].values())
        out.append(
            [
                size_label(size),
                f"{mbps('seal')} / {mbps('open')}",
                f"{mbps('ossl_enc')} / {mbps('ossl_dec')}",
                speed,
                f"**{fmt_ratio(r['seal'])}**" if "seal" in r else "n/a",
                f"**{fmt_ratio(r['open'])}**" if "open" in r else "n/a",
                f"{mbps('proto_seal')} / {mbps('proto_open')}",
                (
                    f"{fmt_ratio(r['proto_seal'])} / {fmt_ratio(r['proto_open'])}"
                    if "proto_seal" in r
                    else "n/a"
                ),
                "yes" if same else "**NO** " + json.dumps(r["same"]),
            ]
        )
    return table(
        [
            "body (JSON)",
            "ours seal / open MB/s",
            "OpenSSL DES-ECB in-process enc / dec MB/s",
            "`openssl speed` enc / dec MB/s (cross-check)",
            "seal ÷ OpenSSL, per round",
            "open ÷ OpenSSL, per round",
            "prototype seal / open MB/s",
            "prototype ÷ OpenSSL (seal / open)",
            "bytes identical",
        ],
        out,
    )
