"""The protocol core against the seed's vector and vectors computed by pyDes.

The fixed vectors below were computed with pyDes 2.0.1 (the library the seed's
own example uses) and hashlib, not with openapi_magic; the live cross-checks
compute them with pyDes again at test time.
"""

import base64
import hashlib
import json

import pyDes
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openapi_magic.core import protocol as p
from openapi_magic.errors import ConfigError, DecodeError, DecryptionError

# The seed's published plain vector.
SEED_TS, SEED_PID, SEED_SIGN = (
    "1689586062335",
    "YmRj",
    "YjlhMWRmZTVlNzJhYTg4MTgzMDFhNTdlOWE0NjMyNDc=",
)

# (name, body, secretKey, timeStamp, pId, plaintext bytes, body Base64, sign) - from pyDes.
PYDES_VECTORS = [
    (
        "ascii",
        {"deviceId": 0},
        "abcdefgh",
        "1689586062335",
        "YmRj",
        14,
        "9KItcNuHSX8TRBYzAWnSxg==",
        "Mjc5ZGU0YmQ2NTNkM2UzZjdkMTkzYjc1YWRhZGQxNzI=",
    ),
    (
        "chinese",
        {"deviceId": 0, "name": "主屏幕"},
        "abcdefgh",
        "1689586062335",
        "YmRj",
        33,
        "9KItcNuHSX91Bxa2zGhN7qgXh47FGwwpkszusBMArcXMLOEcyXl5kA==",
        "Nzk3ZDk3MThkZTFkNGM1NWE1Mjg4ODNiZjBiMzAxY2I=",
    ),
    (
        "emoji",
        {"name": "LED 🎬✨"},
        "H-series-demo-secret",
        "1700000000000",
        "demo",
        22,
        "4FgyOvcIuZ0LqCQaX8rwohMJTiKtVIDv",
        "ZDNjYzJjYTI0MDEzOWRjZjgyNTBiODcxODcwM2EyMGE=",
    ),
    (
        "aligned16",
        {"screenId": 123},
        "abcdefgh",
        "1689586062335",
        "1",
        16,
        "LuUXmpA/6LzXO17iB9yVBiQbyR5eVbPW",
        "YjVjOWQ0NzJiOWQ2N2ViMjhkNmQ4NDUwMjY2YmFmODU=",
    ),
    (
        "empty_object",
        {},
        "abcdefgh",
        "1631949094265",
        "1",
        2,
        "yjdhk/sa/80=",
        "MGU2M2FmNmYwZTgwNDk2ZmZjNjRlYzMzNTRiMjU5MzI=",
    ),
    (
        "list",
        [1, 2, {"a": "b"}],
        "abcdefgh",
        "1631949094265",
        "1",
        15,
        "Vm4OePqiRYdp69jgI2iC1Q==",
        "YWNkZWQ4YWFjNTdiNGEwN2I0OTg2N2IzODRhZDQ3OWE=",
    ),
    (
        "key8",
        {"deviceId": 0, "screenId": 1},
        "k3y-8byt",
        "1689586062335",
        "YmRj",
        27,
        "PmNDSaMvsmRoGjCPpOPDLnRNoLQEw5k3WgSvnHt5z8c=",
        "MzJjMGQwZDQ2ZDdiODdjYTM2OTZjMzA2MTg0Y2NhOTQ=",
    ),
    (
        "key24",
        {"deviceId": 0, "screenId": 1},
        "0123456789abcdefghijklmn",
        "1689586062335",
        "YmRj",
        27,
        "3gAU1ObxLGeEMdwhLXhhcb5XRZm1Vo1Nd5JcR4/6bsI=",
        "YzE2OWZhMTc0ZDFiN2JkZTY4YmFlZTE3ZWI2OTBhZTE=",
    ),
]


def pydes_seal(body, key: str, ts: str, pid: str) -> tuple[str, str]:
    """The seed's recipe, with pyDes and hashlib only."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    k = pyDes.des(key.encode()[:8], pyDes.ECB, key.encode()[:8], pad=None, padmode=pyDes.PAD_PKCS5)
    sealed = base64.b64encode(k.encrypt(text)).decode("ascii")
    sign = base64.b64encode(hashlib.md5((sealed + ts + pid + key).encode()).hexdigest().encode())
    return sealed, sign.decode("ascii")


def pydes_open(sealed: str, key: str):
    k = pyDes.des(key.encode()[:8], pyDes.ECB, key.encode()[:8], pad=None, padmode=pyDes.PAD_PKCS5)
    return json.loads(k.decrypt(base64.b64decode(sealed), padmode=pyDes.PAD_PKCS5).decode())


def test_seed_plain_vector():
    assert p.sign_plain(SEED_TS, SEED_PID) == SEED_SIGN
    env = p.seal_request(
        {"deviceId": 0}, pid="YmRj", secret_key=None, timestamp=1689586062335, encrypt=False
    )
    assert env == {
        "body": {"deviceId": 0},
        "sign": SEED_SIGN,
        "pId": "YmRj",
        "timeStamp": "1689586062335",
    }


def test_sign_shape_is_base64_of_lowercase_md5_hex():
    sign = p.sign_plain("1", "x")
    assert len(sign) == 44 and sign.endswith("=")
    hexdigest = base64.b64decode(sign).decode("ascii")
    assert hexdigest == hashlib.md5(b"1x").hexdigest() and hexdigest == hexdigest.lower()


@pytest.mark.parametrize(
    "name,body,key,ts,pid,nbytes,sealed,sign", PYDES_VECTORS, ids=[v[0] for v in PYDES_VECTORS]
)
def test_encrypted_vectors_from_pydes(name, body, key, ts, pid, nbytes, sealed, sign):
    assert len(p.dumps(body).encode()) == nbytes
    env = p.seal_request(body, pid=pid, secret_key=key, timestamp=ts, encrypt=True)
    assert env == {"body": sealed, "sign": sign, "pId": pid, "timeStamp": ts}
    # and the live pyDes agrees with the stored vector
    assert pydes_seal(body, key, ts, pid) == (sealed, sign)
    # the server role opens it
    opened = p.open_request(env, secret_key=key, encrypt=True)
    assert opened.body == body and opened.sign_ok


def test_aligned_plaintext_gets_a_full_padding_block():
    sealed = p.encrypt_body({"screenId": 123}, "abcdefgh")  # 16 bytes of JSON
    assert len(base64.b64decode(sealed)) == 24


def test_whole_secret_is_signed_but_only_8_bytes_encrypt():
    a = p.seal_request({"x": 1}, pid="1", secret_key="abcdefgh-one", timestamp=1, encrypt=True)
    b = p.seal_request({"x": 1}, pid="1", secret_key="abcdefgh-two", timestamp=1, encrypt=True)
    assert a["body"] == b["body"] and a["sign"] != b["sign"]


@settings(max_examples=60, deadline=None)
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=30),
        lambda kids: (
            st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
        ),
        max_leaves=12,
    ),
    key=st.text(min_size=8, max_size=30).filter(lambda k: len(k.encode()) >= 8),
)
def test_agrees_with_pydes_on_arbitrary_bodies(body, key):
    body = {} if body is None else body  # seal_request sends None as {} (documented)
    env = p.seal_request(body, pid="p", secret_key=key, timestamp=42, encrypt=True)
    assert (env["body"], env["sign"]) == pydes_seal(body, key, "42", "p")
    assert pydes_open(env["body"], key) == body


@pytest.mark.parametrize("key", ["", "short", "1234567", "é1234"])  # é is 2 bytes: 6 in all
def test_short_secret_refused_with_reason_and_remedy(key):
    with pytest.raises(ConfigError) as info:
        p.seal_request({}, pid="1", secret_key=key, timestamp=1, encrypt=True)
    text = str(info.value)
    assert "at least 8" in text and "OpenAPI Management" in text
    if key:
        assert key not in text


def test_plain_mode_does_not_need_a_secret():
    env = p.seal_request({"a": 1}, pid="1", secret_key=None, timestamp=5, encrypt=False)
    assert env["sign"] == p.sign_plain("5", "1")


def test_unserialisable_body_is_a_config_error():
    with pytest.raises(ConfigError, match="JSON"):
        p.seal_request({"x": float("nan")}, pid="1", secret_key=None, timestamp=1, encrypt=False)
    with pytest.raises(ConfigError, match="JSON"):
        p.seal_request({"x": object()}, pid="1", secret_key="abcdefgh", timestamp=1, encrypt=True)


# ------------------------------------------------------------------ replies

KEY = "H-series-demo-secret"


def reply(
    status=0,
    msg="Success",
    body=None,
    encrypt=True,
    sign=True,
    status_key="status",
    ts="1700000000000",
    pid="demo",
):
    return p.seal_reply(
        status,
        msg,
        body,
        pid=pid,
        timestamp=ts,
        secret_key=KEY,
        encrypt=encrypt,
        sign=sign,
        status_key=status_key,
    )


def open_(env, encrypt=True, ts="1700000000000", pid="demo", key=KEY):
    return p.open_reply(env, pid=pid, timestamp=ts, secret_key=key, encrypt=encrypt)


@pytest.mark.parametrize("encrypt", [True, False])
def test_reply_round_trip_verified(encrypt):
    body = {"screens": [{"screenId": 0, "name": "主屏"}]}
    opened = open_(reply(body=body, encrypt=encrypt), encrypt=encrypt)
    assert (opened.status, opened.msg, opened.body, opened.sign_verdict) == (
        0,
        "Success",
        body,
        "verified",
    )


def test_encrypted_reply_decrypts_with_pydes_too():
    env = reply(body={"a": "ü"})
    assert pydes_open(env["body"], KEY) == {"a": "ü"}


def test_reply_sign_absent_and_mismatch():
    env = reply(body={"a": 1}, sign=False)
    assert env["sign"] == "" and open_(env).sign_verdict == "absent"
    no_key = {k: v for k, v in reply(body={"a": 1}).items() if k != "sign"}
    assert open_(no_key).sign_verdict == "absent"
    bad = dict(reply(body={"a": 1}), sign=p.sign_plain("1", "x"))
    opened = open_(bad)
    assert opened.sign_verdict == "mismatch" and opened.body == {"a": 1}  # data never hidden


def test_reply_sign_uses_replys_own_timestamp_and_pid_when_present():
    env = reply(body={"a": 1}, ts="1800000000000", pid="other")
    env.update(timeStamp="1800000000000", pId="other")
    assert open_(env).sign_verdict == "verified"


def test_vendor_quirks():
    quirky = reply(body={"a": 1}, status_key="status ")
    assert "status " in quirky and open_(quirky).status == 0
    assert open_(dict(reply(), status="0")).status == 0
    assert open_({"status": 0.0, "msg": "", "body": ""}, encrypt=False).status == 0
    plain_str = {"status": 0, "msg": "", "sign": "", "body": '{"screens": []}'}
    assert open_(plain_str, encrypt=False).body == {"screens": []}
    empty = open_({"status": 0, "msg": "Success", "sign": "", "body": ""})
    assert empty.body is None
    non_interface = open_({"status": 15, "msg": "illegal pId", "body": ""})
    assert (non_interface.status, non_interface.sign_verdict, non_interface.body) == (
        15,
        "absent",
        None,
    )


@pytest.mark.parametrize("status", [None, "abc", True, 1.5, [], {}])
def test_unusable_status_is_a_decode_error(status):
    with pytest.raises(DecodeError, match="status"):
        open_({"status": status, "body": ""})


def test_not_an_envelope():
    with pytest.raises(DecodeError, match="no 'status'"):
        open_({"body": ""})
    with pytest.raises(DecodeError, match="array"):
        open_([1, 2])


def test_decryption_errors_name_the_likely_cause():
    good = reply(body={"a": 1})
    with pytest.raises(DecryptionError) as info:
        open_(good, key="WRONGKEY-and-more")
    assert info.value.likely == "wrong secretKey"
    with pytest.raises(DecryptionError) as info:
        open_(dict(good, body=good["body"][:-6]))
    assert info.value.likely.startswith("truncated")
    with pytest.raises(DecryptionError) as info:
        open_(dict(good, body="AAAAAAAAAA=="))  # 7 bytes: not whole blocks
    assert info.value.likely.startswith("truncated")
    with pytest.raises(DecryptionError) as info:
        open_(dict(good, body={"a": 1}))  # splicer has encryption off
    assert "encryption" in info.value.likely
    with pytest.raises(DecryptionError) as info:  # client plain, splicer encrypted
        open_(good, encrypt=False)
    assert "encryption on" in info.value.likely


def test_open_request_server_role():
    env = p.seal_request({"screenId": 1}, pid="demo", secret_key=KEY, timestamp=9, encrypt=True)
    assert p.open_request(env, secret_key=KEY, encrypt=True).sign_ok
    tampered = dict(env, sign=p.sign_plain("9", "demo"))
    assert not p.open_request(tampered, secret_key=KEY, encrypt=True).sign_ok
    with pytest.raises(DecryptionError):  # plain body to an encrypting server
        p.open_request(
            p.seal_request({"a": 1}, pid="demo", secret_key=None, timestamp=9, encrypt=False),
            secret_key=KEY,
            encrypt=True,
        )
    with pytest.raises(DecryptionError):  # ciphertext to a plain server
        p.open_request(env, secret_key=KEY, encrypt=False)
    with pytest.raises(DecodeError, match="timeStamp"):
        p.open_request(dict(env, timeStamp="12a"), secret_key=KEY, encrypt=True)
    with pytest.raises(DecodeError, match="'pId'"):
        p.open_request({k: v for k, v in env.items() if k != "pId"}, secret_key=KEY, encrypt=True)


def test_sign_input_masks_the_secret():
    env = p.seal_request({"a": 1}, pid="demo", secret_key=KEY, timestamp=9, encrypt=True)
    text = p.sign_input(env["body"], "9", "demo", encrypt=True)
    assert text == env["body"] + "9demo" + p.SECRET_MASK and KEY not in text
    assert p.sign_input({"a": 1}, 9, "demo", encrypt=False) == "9demo"
