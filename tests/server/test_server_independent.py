"""The simulated splicer against a client written only from the vendor's seed document.

This client uses pyDes (the library of the vendor's own example), hashlib, base64
and requests, and nothing of openapi_magic but ``serve`` to start the splicer:
if the splicer were right only for our own protocol code, these tests would say so.
"""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import json
import time

import pyDes
import pytest
import requests

from openapi_magic.server import serve

TIMEOUT = 10


# ------------------------------------------------------------------ the seed's rules, again


def md5_b64(text: str) -> str:
    """Base64 of the md5 hex digest ("md5 should be processed in hexadecimal format")."""
    return base64.b64encode(hashlib.md5(text.encode("utf-8")).hexdigest().encode("ascii")).decode(
        "ascii"
    )


def des(secret_key: str) -> pyDes.des:
    # The key as is, like the vendor's pyDes example and excontrol: exactly 8 bytes or an error.
    return pyDes.des(secret_key.encode("utf-8"), pyDes.ECB, padmode=pyDes.PAD_PKCS5)


def des_encrypt(plaintext: str, secret_key: str) -> str:
    return base64.b64encode(des(secret_key).encrypt(plaintext.encode("utf-8"))).decode("ascii")


def des_decrypt(ciphertext: str, secret_key: str) -> str:
    return des(secret_key).decrypt(base64.b64decode(ciphertext)).decode("utf-8")


class SeedClient:
    """A client written from the seed: encrypt → sign → POST → verify → decrypt."""

    def __init__(self, root: str, pid: str, secret_key: str, encrypt: bool) -> None:
        self.root, self.pid, self.secret_key, self.encrypt = root, pid, secret_key, encrypt
        self.session = requests.Session()

    def envelope(self, body: object, ts: str | None = None) -> dict:
        ts = ts or str(int(time.time() * 1000))
        if self.encrypt:
            # Spacing is free: the splicer parses the JSON (PROTOCOL.md); use json's default.
            sealed = des_encrypt(json.dumps(body), self.secret_key)
            sign = md5_b64(sealed + ts + self.pid + self.secret_key)
        else:
            sealed, sign = body, md5_b64(ts + self.pid)
        return {"body": sealed, "sign": sign, "pId": self.pid, "timeStamp": ts}

    def post(self, path: str, envelope: dict) -> dict:
        resp = self.session.post(
            f"{self.root}/{path}",
            data=json.dumps(envelope),
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=TIMEOUT,
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    def call(self, path: str, body: object = None) -> tuple[int, object, dict]:
        """(status, decoded body, raw reply); checks the reply's sign where there is one."""
        env = self.envelope({} if body is None else body)
        reply = self.post(path, env)
        status = int(reply["status"] if "status" in reply else reply["status "])
        raw = reply.get("body", "")
        if reply.get("sign"):
            if self.encrypt:
                expected = md5_b64(
                    (raw if isinstance(raw, str) else "")
                    + env["timeStamp"]
                    + self.pid
                    + self.secret_key
                )
            else:
                expected = md5_b64(env["timeStamp"] + self.pid)
            assert reply["sign"] == expected, "reply sign does not follow the seed's rule"
        if raw == "":
            return status, None, reply
        return status, json.loads(des_decrypt(raw, self.secret_key)) if self.encrypt else raw, reply


@pytest.fixture(params=[True, False], ids=["encrypted", "plain"])
def pair(request):
    with serve(encrypt=request.param) as splicer:
        client = SeedClient(splicer.root, splicer.pid, splicer.secret_key, splicer.encrypt)
        yield splicer, client
        client.session.close()


# ------------------------------------------------------------------ tests


def test_the_demo_key_works_with_a_client_that_takes_exactly_8_bytes():
    from openapi_magic.server import DEMO_SECRET_KEY

    assert len(DEMO_SECRET_KEY.encode("utf-8")) == 8 and DEMO_SECRET_KEY.isascii()
    with pytest.raises(ValueError):
        des(DEMO_SECRET_KEY + "x")  # such a client refuses any other length
    with serve() as splicer:
        status, body, _ = SeedClient(splicer.root, splicer.pid, DEMO_SECRET_KEY, True).call(
            "screen/readList", {"deviceId": 0}
        )
        assert status == 0 and body["screens"]


def test_the_seed_vector_sign_is_what_the_seed_says():
    assert md5_b64("1689586062335" + "YmRj") == "YjlhMWRmZTVlNzJhYTg4MTgzMDFhNTdlOWE0NjMyNDc="


def test_reads_answer_signed_and_decryptable(pair):
    splicer, client = pair
    status, body, reply = client.call("screen/readList", {"deviceId": 0})
    assert status == 0 and reply["msg"] == "Success" and reply["sign"] == ""  # as real firmware
    assert [s["screenId"] for s in body["screens"]] == splicer.state.screen_ids
    for path, body_in, key in [
        ("input/readList", {"deviceId": 0}, "inputs"),
        ("layer/detailList", {"deviceId": 0, "screenId": 0}, "screenLayers"),
        ("preset/readList", {"deviceId": 0, "screenId": 0}, "presets"),
    ]:
        status, body, _ = client.call(path, body_in)
        assert status == 0 and body[key], path
    status, body, _ = client.call("device/readDetail", {"deviceId": 0})
    assert body["name"] == "H5" and body["modelId"] == 29962


def test_writes_answer_empty_body_and_show_on_the_next_read(pair):
    _, client = pair
    status, body, reply = client.call(
        "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 23}
    )
    assert status == 0 and body is None and reply["body"] == ""
    assert client.call("screen/readDetail", {"deviceId": 0, "screenId": 0})[1]["brightness"] == 23
    assert client.call("preset/play", {"deviceId": 0, "screenId": 1, "presetId": 1})[0] == 0
    assert client.call("preset/readPlay", {"deviceId": 0, "screenId": 1})[1] == {
        "screenId": 1,
        "presetId": 1,
    }
    window = {"x": 11, "y": 22, "width": 333, "height": 444}
    assert (
        client.call("layer/writeWindow", {"deviceId": 0, "screenId": 1, "layerId": 0, **window})[0]
        == 0
    )
    layers = client.call("layer/detailList", {"deviceId": 0, "screenId": 1})[1]["screenLayers"]
    assert next(lay for lay in layers if lay["layerId"] == 0)["window"] == window


def test_the_splicer_accepts_any_json_spacing(pair):
    # The seed's own example encrypts json.dumps output (with spaces); ours is compact.
    _, client = pair
    env = client.envelope({"deviceId": 0})
    if client.encrypt:
        plain = json.dumps({"deviceId": 0}, indent=2)
        env["body"] = des_encrypt(plain, client.secret_key)
        env["sign"] = md5_b64(env["body"] + env["timeStamp"] + client.pid + client.secret_key)
    assert client.post("screen/readList", env)["status"] == 0


def test_the_vendor_codes_for_envelope_problems(pair):
    splicer, client = pair
    env = client.envelope({"deviceId": 0})
    env["sign"] = md5_b64("something else")
    reply = client.post("screen/readList", env)
    assert reply["status"] == 18 and list(reply) == ["body", "msg", "sign", "status"]
    assert reply["sign"] == "" and reply["body"] == ("" if client.encrypt else {})
    stranger = SeedClient(splicer.root, "stranger", splicer.secret_key, splicer.encrypt)
    assert stranger.call("screen/readList", {"deviceId": 0})[0] == 15
    old = client.envelope({"deviceId": 0}, ts=str(int((time.time() - 3600) * 1000)))
    assert client.post("screen/readList", old)["status"] == 11
    other_mode = SeedClient(splicer.root, splicer.pid, splicer.secret_key, not splicer.encrypt)
    assert other_mode.post("screen/readList", other_mode.envelope({"deviceId": 0}))["status"] == 500
    assert client.call("screen/nothing", {"deviceId": 0})[0] == 1  # Params_Error, as an H9 answers
    assert client.call("screen/readDetail", {"deviceId": 0, "screenId": 42})[0] == 404
    assert client.call("screen/writeBrightness", {"deviceId": 0, "screenId": 0})[0] == 1


def test_wrong_secret_key_is_500_when_encrypted():
    with serve() as splicer:
        wrong = SeedClient(splicer.root, splicer.pid, "NotRight", True)
        status, _, reply = wrong.call("screen/readList", {"deviceId": 0})
        assert status == 500 and reply == {
            "body": "",
            "msg": "Server_Err",
            "sign": "",
            "status": 500,
        }


@pytest.mark.parametrize("encrypt", [True, False])
def test_real_firmware_replies(encrypt):
    with serve(encrypt=encrypt, reply_sign=False, status_key="status ") as splicer:
        client = SeedClient(splicer.root, splicer.pid, splicer.secret_key, encrypt)
        status, body, reply = client.call("screen/readList", {"deviceId": 0})
        assert status == 0 and reply["sign"] == "" and "status " in reply
        assert body["screens"][0]["name"] == "Main LED"


@pytest.mark.slow
def test_parallel_independent_clients():
    with serve() as splicer:

        def one(i: int) -> bool:
            client = SeedClient(splicer.root, splicer.pid, splicer.secret_key, True)
            status, body, _ = client.call("layer/detailList", {"deviceId": 0, "screenId": i % 2})
            client.session.close()
            return status == 0 and body["screenId"] == i % 2

        # pyDes is pure Python, so keep this modest: the load test is in test_server.py.
        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
            assert all(pool.map(one, range(40)))
