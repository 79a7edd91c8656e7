"""Crypto path: sealing and opening encrypted bodies, against the seed's pyDes and OpenSSL.

* **ours**: ``protocol.seal_request`` (compact JSON → PKCS#5 pad → DES-ECB → Base64 →
  md5 sign) and ``protocol.open_reply`` (Base64 → DES-ECB → unpad → UTF-8 → JSON, sign
  check) on a body ``{"data": "<text>"}`` whose compact JSON is exactly the stated size;
* **pyDes**: the same steps written the seed's way (``json.dumps``, pyDes with
  PKCS#5, ``base64``, ``hashlib``), timed on the small sizes only and extrapolated
  linearly (per byte) to the large ones;
* **OpenSSL**: ``openssl speed -evp des-ecb -bytes N -elapsed`` (legacy provider on
  OpenSSL 3), encryption and decryption: the DES-ECB throughput this machine's
  OpenSSL reaches on buffers of the same size, with no JSON, padding or Base64 at all.

Every size runs in rounds: OpenSSL encrypt, ours seal, OpenSSL decrypt, ours open
(and pyDes where timed), order rotated each round; medians of rounds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import string
import subprocess
from typing import Any

from _common import median, ms, openssl_cli, per_call, size_label, table

from openapi_magic import protocol

PID = "demo"
KEY = "H-series-demo-secret"
TS = "1700000000000"
SIZES = [1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20]
QUICK_SIZES = [1 << 10, 16 << 10]
PYDES_SIZES = [1 << 10, 10 << 10]  # pyDes runs at ~20 KB/s: larger sizes are extrapolated
QUICK_PYDES_SIZES = [1 << 10]


def body_of(size: int) -> dict:
    """A body whose compact JSON is exactly ``size`` bytes (no escapes in it)."""
    alphabet = string.ascii_letters + string.digits + " .,:-_"
    n = size - len('{"data":""}')
    text = (alphabet * (n // len(alphabet) + 1))[:n]
    body = {"data": text}
    assert len(protocol.dumps(body).encode()) == size
    return body


# --------------------------------------------------------------------------- ours


def ours(body: dict) -> tuple[Any, Any]:
    reply = protocol.seal_reply(0, "", body, pid=PID, timestamp=TS, secret_key=KEY, encrypt=True)

    def seal() -> dict:
        return protocol.seal_request(body, pid=PID, secret_key=KEY, timestamp=TS, encrypt=True)

    def open_() -> Any:
        opened = protocol.open_reply(reply, pid=PID, timestamp=TS, secret_key=KEY, encrypt=True)
        assert opened.sign_verdict == "verified"
        return opened

    return seal, open_


def des_alone(size: int, backend: str | None = None) -> tuple[Any, Any]:
    """Our DES-ECB primitive alone on ``size`` bytes (what the seal and open spend in
    DES), with the backend in use or the one named (``"pycryptodome"``)."""
    data = b"\x41" * size
    key = protocol.des_key(KEY)
    try:
        from openapi_magic import _des
    except ImportError:  # a checkout from before the OpenSSL backend: pycryptodome
        backend = "pycryptodome"
    else:
        return ((lambda: _des.ecb_encrypt(key, data, backend)),
                (lambda: _des.ecb_decrypt(key, data, backend)))
    from Crypto.Cipher import DES
    return (lambda: DES.new(key, DES.MODE_ECB).encrypt(data),
            lambda: DES.new(key, DES.MODE_ECB).decrypt(data))


# --------------------------------------------------------------------------- the seed's way


def _md5_b64(text: str) -> str:
    return base64.b64encode(hashlib.md5(text.encode("utf-8")).hexdigest().encode()).decode()


def seed(body: dict) -> tuple[Any, Any]:
    import pyDes

    def des() -> Any:
        return pyDes.des(KEY.encode("utf-8")[:8], pyDes.ECB, padmode=pyDes.PAD_PKCS5)

    def seal() -> dict:
        sealed = base64.b64encode(des().encrypt(json.dumps(body).encode("utf-8"))).decode()
        return {"body": sealed, "sign": _md5_b64(sealed + TS + PID + KEY), "pId": PID,
                "timeStamp": TS}

    envelope = seal()

    def open_() -> Any:
        raw = envelope["body"]
        assert envelope["sign"] == _md5_b64(raw + TS + PID + KEY)
        return json.loads(des().decrypt(base64.b64decode(raw)).decode("utf-8"))

    return seal, open_


# --------------------------------------------------------------------------- OpenSSL


def _openssl_args() -> list[str] | None:
    cli = openssl_cli()
    if not cli:
        return None
    version = subprocess.run([cli, "version"], capture_output=True, text=True,
                             check=False).stdout
    providers = [] if version.startswith(("OpenSSL 1.", "LibreSSL")) else [
        "-provider", "legacy", "-provider", "default"]
    return [cli, "speed", *providers, "-evp", "des-ecb", "-elapsed", "-mr", "-seconds", "1"]


def openssl_speed(args: list[str], size: int, decrypt: bool) -> float | None:
    """Bytes per second of ``openssl speed`` DES-ECB on ``size``-byte buffers (1 s run)."""
    cmd = [*args, "-bytes", str(size)] + (["-decrypt"] if decrypt else [])
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        if line.startswith("+F:"):
            return float(line.rsplit(":", 1)[1])
    return None


# --------------------------------------------------------------------------- run


def run(quick: bool = False, log: Any = print) -> dict:
    sizes = QUICK_SIZES if quick else SIZES
    pydes_sizes = QUICK_PYDES_SIZES if quick else PYDES_SIZES
    rounds = 1 if quick else 5
    target = 0.05 if quick else 0.25  # seconds of ours per round
    ossl = _openssl_args()
    rows = []
    for size in sizes:
        log(f"  crypto {size_label(size)}")
        body = body_of(size)
        seal, open_ = ours(body)
        des_enc, des_dec = des_alone(size + 8)
        pcd_enc, pcd_dec = des_alone(size + 8, "pycryptodome")
        sides: dict[str, Any] = {}
        for name, fn in (("seal", seal), ("open", open_), ("des_enc", des_enc),
                         ("des_dec", des_dec), ("pcd_enc", pcd_enc), ("pcd_dec", pcd_dec)):
            once = per_call(fn)  # warm-up and estimate
            inner = max(1, int(target / max(once, 1e-6)))
            sides[name] = (lambda fn=fn, inner=inner: per_call(fn, inner))
        if size in pydes_sizes:
            p_seal, p_open = seed(body)
            sides["pydes_seal"] = lambda f=p_seal: per_call(f)
            sides["pydes_open"] = lambda f=p_open: per_call(f)
        if ossl:
            sides["openssl_enc"] = lambda size=size: openssl_speed(ossl, size, False)
            sides["openssl_dec"] = lambda size=size: openssl_speed(ossl, size, True)
        names = list(sides)
        samples: dict[str, list] = {n: [] for n in names}
        for r in range(rounds):
            k = r % len(names)
            for name in names[k:] + names[:k]:
                samples[name].append(sides[name]())
        med = {n: median([x for x in v if x is not None]) if any(x is not None for x in v)
               else None for n, v in samples.items()}
        rows.append({"size": size, **med})

    # pyDes: seconds per byte from the largest size timed, for the sizes not timed.
    largest = max(pydes_sizes)
    per_byte = {k: next(r[f"pydes_{k}"] for r in rows if r["size"] == largest) / largest
                for k in ("seal", "open")}
    for r in rows:
        r["pydes_extrapolated"] = "pydes_seal" not in r
        if r["pydes_extrapolated"]:
            r["pydes_seal"] = per_byte["seal"] * r["size"]
            r["pydes_open"] = per_byte["open"] * r["size"]
    return {"rows": rows, "openssl": bool(ossl), "markdown": markdown(rows, bool(ossl))}


def _mbps(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def markdown(rows: list[dict], have_openssl: bool) -> str:
    out = []
    for r in rows:
        size = r["size"]
        seal_mb, open_mb = _mbps(size, r["seal"]), _mbps(size, r["open"])
        des_mb = f"{_mbps(size, r['des_enc']):.0f} / {_mbps(size, r['des_dec']):.0f}"
        pcd_mb = f"{_mbps(size, r['pcd_enc']):.0f} / {_mbps(size, r['pcd_dec']):.0f}"
        if have_openssl and r.get("openssl_enc"):
            enc, dec = r["openssl_enc"] / 1e6, r["openssl_dec"] / 1e6
            ossl = f"{enc:.0f} / {dec:.0f}"
            vs = f"**{seal_mb / enc:.2f}× / {open_mb / dec:.2f}×**"
        else:
            ossl, vs = "n/a", "n/a"
        mark = "~" if r["pydes_extrapolated"] else ""
        note = " (extrapolated)" if r["pydes_extrapolated"] else ""
        pydes = f"{mark}{ms(r['pydes_seal'])} / {mark}{ms(r['pydes_open'])}{note}"
        speedup = (f"{mark}{r['pydes_seal'] / r['seal']:,.0f}× / "
                   f"{mark}{r['pydes_open'] / r['open']:,.0f}×")
        out.append([size_label(size), f"{ms(r['seal'])} ({seal_mb:.1f} MB/s)",
                    f"{ms(r['open'])} ({open_mb:.1f} MB/s)", des_mb, pcd_mb, ossl, vs, pydes,
                    speedup])
    return table(["body (JSON)", "ours: seal ms (MB/s)", "ours: open ms (MB/s)",
                  "our DES-ECB alone enc / dec MB/s", "pycryptodome DES-ECB enc / dec MB/s",
                  "OpenSSL speed DES-ECB enc / dec MB/s",
                  "ours ÷ OpenSSL (seal / open)", "pyDes seal / open ms",
                  "ours vs pyDes (seal / open)"], out)
