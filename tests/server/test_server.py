"""The simulated splicer: lifecycle, the vendor's checks and codes, device behaviour, load.

Every test starts its own splicer on port 0, so tests do not depend on order.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading

import pytest
import requests
from _server_fixtures import (
    TIMEOUT,
    FakeClock,
    call,
    envelope_for,
    now_ms,
    ok,
    port_is_free,
    post_envelope,
)

from openapi_magic.core import protocol
from openapi_magic.core.catalog import load_catalog
from openapi_magic.errors import ConfigError
from openapi_magic.server import (
    DEMO_ENCRYPT,
    DEMO_PID,
    DEMO_SECRET_KEY,
    DEMO_SEED,
    Account,
    DeviceState,
    SimulatedSplicer,
    serve,
)

CATALOG = load_catalog()


@pytest.fixture(params=[True, False], ids=["encrypted", "plain"])
def splicer(request):
    """A running splicer, once with encryption on and once off."""
    with serve(encrypt=request.param) as s:
        yield s


@pytest.fixture
def enc():
    with serve() as s:
        yield s


@pytest.fixture(params=[True, False], ids=["encrypted", "plain"])
def teaching(request):
    """A splicer with the "teaching" profile (prose msgs naming the cause, 94/400, signed
    replies), once with encryption on and once off."""
    with serve(encrypt=request.param, firmware="teaching") as s:
        yield s


def _no_brightness_screen(s: SimulatedSplicer) -> int:
    return next(i for i in s.state.screen_ids if not s.state.brightness_supported(i))


# ============================================================== lifecycle


def test_serve_defaults_are_the_documented_demo_ones():
    with serve() as s:
        assert (s.pid, s.secret_key, s.encrypt) == (DEMO_PID, DEMO_SECRET_KEY, DEMO_ENCRYPT)
        assert (DEMO_PID, DEMO_SECRET_KEY, DEMO_ENCRYPT, DEMO_SEED) == ("demo", "qX7dEm0k", True, 0)
        assert (
            len(DEMO_SECRET_KEY.encode()) == 8 and DEMO_SECRET_KEY.isascii()
        )  # every client takes 8
        assert s.port != 0 and s.running
        assert s.root == f"http://127.0.0.1:{s.port}/open/api"
        assert s.url("/screen/readList") == s.root + "/screen/readList"
        assert ok(s, "main/initStatus")["initStatus"] == 1


def test_stop_releases_the_port_and_ends_the_thread():
    s = serve()
    port, thread = s.port, s._thread
    with requests.Session() as keepalive:  # an idle keep-alive connection must not block stop()
        ok(s, "screen/readList", {"deviceId": 0}, session=keepalive)
        s.stop()
    assert not s.running and not thread.is_alive()
    assert port_is_free("127.0.0.1", port)
    with pytest.raises(requests.ConnectionError):
        requests.post(s.root + "/screen/readList", json={}, timeout=TIMEOUT)
    s.stop()  # a second stop is harmless


def test_context_manager_and_restart():
    s = SimulatedSplicer(port=0)
    assert not s.running
    with s as same:
        assert same is s and s.running
    assert not s.running
    with s:  # a stopped splicer can start again (on a new free port)
        assert ok(s, "main/initStatus")["mainModelId"] == 29962


def test_a_fleet_of_splicers_runs_at_once():
    fleet = [
        serve(pid=f"wall{i}", secret_key=f"secret-key-{i}", seed=i, encrypt=i % 2 == 0)
        for i in range(3)
    ]
    try:
        assert len({s.port for s in fleet}) == 3
        for s in fleet:
            assert ok(s, "screen/readList", {"deviceId": 0})["screens"]
        # each one knows only its own pId
        other = fleet[1]
        reply = call(
            fleet[0],
            "screen/readList",
            {"deviceId": 0},
            pid=other.pid,
            secret_key=other.secret_key,
            encrypt=other.encrypt,
        )
        assert reply.status == 15
    finally:
        for s in fleet:
            s.stop()
    assert not any(s.running for s in fleet)


def test_repr_and_logs_never_show_the_secret(caplog):
    with serve(secret_key="a-very-secret-key-123") as s:
        assert "a-very-secret-key-123" not in repr(s)
        assert "a-very-secret-key-123" not in repr(s.accounts)
        assert s.pid in repr(s) and s.root in repr(s)
        with caplog.at_level(logging.DEBUG, logger="openapi_magic.server"):
            ok(s, "screen/readList", {"deviceId": 0})
            call(s, "screen/readList", {"deviceId": 0}, secret_key="wrong-key-abcdef")
            requests.get(s.root, timeout=TIMEOUT)
        assert caplog.records, "request lines are logged at DEBUG"
        assert "a-very-secret-key-123" not in caplog.text


def test_bad_options_are_refused_clearly():
    with pytest.raises(ConfigError, match="8"):
        SimulatedSplicer(secret_key="short")  # too short for DES with encryption on
    SimulatedSplicer(secret_key="short", encrypt=False)  # fine: the plain sign ignores the key
    with pytest.raises(ConfigError, match="status"):
        SimulatedSplicer(status_key="Status")


# ============================================================== the vendor's checks


def test_a_good_request_is_answered_in_both_modes_signed_on_request(splicer):
    reply = call(splicer, "screen/readList", {"deviceId": 0})
    assert reply.http_status == 200 and reply.status == 0 and reply.msg == "Success"
    assert (
        reply.sign_verdict == protocol.SIGN_ABSENT and reply.envelope["sign"] == ""
    )  # as real ones
    splicer.reply_sign = True
    assert call(splicer, "screen/readList", {"deviceId": 0}).sign_verdict == protocol.SIGN_VERIFIED
    splicer.reply_sign = False
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    assert reply.headers["Date"].endswith("GMT")
    assert reply.body["screens"][0]["name"] == "Main LED"
    if splicer.encrypt:
        assert isinstance(reply.envelope["body"], str)
    else:
        assert isinstance(reply.envelope["body"], dict)


def test_18_bad_sign(splicer):
    env = envelope_for(splicer, {"deviceId": 0})
    env["sign"] = base64.b64encode(b"0" * 32).decode()
    reply = post_envelope(splicer, "screen/readList", env)
    assert reply.status == 18 and reply.msg == "Incorrect signature"  # no token known for 18
    assert (
        list(reply.envelope) == ["body", "msg", "sign", "status"] and reply.envelope["sign"] == ""
    )


def test_15_unknown_and_disabled_pid():
    off = Account("retired", "retired-secret-key", encrypt=True, enabled=False)
    plain = Account("plain-pid", "whatever", encrypt=False)
    with serve(accounts=[off, plain], firmware="teaching") as s:
        assert call(s, "screen/readList", {"deviceId": 0}, pid="nobody").status == 15
        reply = call(
            s,
            "screen/readList",
            {"deviceId": 0},
            pid="retired",
            secret_key="retired-secret-key",
            encrypt=True,
        )
        assert reply.status == 15 and "disabled" in reply.msg
        # the extra plain account works, with its own mode
        assert call(
            s,
            "screen/readList",
            {"deviceId": 0},
            pid="plain-pid",
            secret_key="whatever",
            encrypt=False,
        ).ok
        s.set_enabled("retired", True)
        assert call(
            s,
            "screen/readList",
            {"deviceId": 0},
            pid="retired",
            secret_key="retired-secret-key",
            encrypt=True,
        ).ok
        s.set_enabled(s.pid, False)
        assert call(s, "screen/readList", {"deviceId": 0}).status == 15


def test_11_timestamp_outside_the_window():
    clock = FakeClock()
    with serve(clock=clock, firmware="teaching") as s:
        for skew in (-61, 61, -3600):
            reply = call(
                s, "screen/readList", {"deviceId": 0}, timestamp=str(int((clock() + skew) * 1000))
            )
            assert reply.status == 11, skew
            assert "s " in reply.msg
        assert call(
            s, "screen/readList", {"deviceId": 0}, timestamp=now_ms(lambda: clock() + 59)
        ).ok
    with serve(clock=clock, time_window_s=5) as s:
        assert (
            call(
                s, "screen/readList", {"deviceId": 0}, timestamp=now_ms(lambda: clock() - 10)
            ).status
            == 11
        )
        assert call(s, "screen/readList", {"deviceId": 0}, timestamp=now_ms(lambda: clock() - 4)).ok


def test_date_header_follows_the_splicer_clock():
    clock = FakeClock(start=1_700_000_000)
    with serve(clock=clock) as s:
        reply = call(s, "main/initStatus")
        assert reply.headers["Date"] == "Tue, 14 Nov 2023 22:13:20 GMT"


def test_500_encryption_on_one_side_only_or_wrong_key():
    with serve(
        accounts=[Account("plain", "plain-secret-key", encrypt=False)], firmware="teaching"
    ) as s:
        # plain body to an encrypted pId
        reply = call(s, "screen/readList", {"deviceId": 0}, encrypt=False)
        assert reply.status == 500 and "encryption is on" in reply.msg
        # encrypted body to a plain pId
        reply = call(
            s,
            "screen/readList",
            {"deviceId": 0},
            pid="plain",
            secret_key="plain-secret-key",
            encrypt=True,
        )
        assert reply.status == 500 and "encryption is off" in reply.msg
        # wrong secretKey (different first 8 bytes)
        reply = call(s, "screen/readList", {"deviceId": 0}, secret_key="Wrong-series-demo-secret")
        assert reply.status == 500 and "secretKey" in reply.msg
        assert set(reply.envelope) == {"status", "msg", "body"}


def test_wrong_key_tail_is_a_sign_error_not_500():
    # Same first 8 bytes: the body decrypts, but the whole key is signed.
    with serve() as s:
        reply = call(
            s, "screen/readList", {"deviceId": 0}, secret_key=DEMO_SECRET_KEY[:8] + "-other"
        )
        assert reply.status == 18


def test_94_unknown_interface_and_path_outside_root(teaching):
    reply = call(teaching, "screen/readLists", {"deviceId": 0})
    assert reply.status == 94 and "screen/readList" in reply.msg  # with a suggestion
    assert call(teaching, "nothing/here").status == 94
    resp = requests.post(teaching.root.replace("/open/api", "/api"), json={}, timeout=TIMEOUT)
    assert resp.status_code == 404 and resp.json()["status"] == 94


def test_unknown_interface_by_default_is_params_error_and_500_on_the_h9(splicer):
    reply = call(splicer, "screen/readLists", {"deviceId": 0})
    assert (reply.status, reply.msg, reply.envelope["sign"]) == (1, "Params_Error", "")
    with serve(encrypt=splicer.encrypt, firmware="h9-1.9.7.1") as h9:
        reply = call(h9, "screen/readLists", {"deviceId": 0})
        assert (reply.status, reply.msg) == (500, "Server_Err")


def test_400_missing_or_wrong_fields_name_the_field(teaching):
    splicer = teaching
    reply = call(splicer, "screen/writeBrightness", {"deviceId": 0, "screenId": 0})
    assert reply.status == 400 and "brightness is required" in reply.msg
    assert reply.sign_verdict == protocol.SIGN_VERIFIED  # an interface error: a full envelope
    reply = call(
        splicer, "screen/writeBrightness", {"deviceId": 0, "screenId": "0", "brightness": 50}
    )
    assert reply.status == 400 and "screenId must be an integer" in reply.msg
    reply = call(
        splicer, "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 101}
    )
    assert reply.status == 400 and "brightness must be at most 100" in reply.msg
    reply = call(
        splicer,
        "layer/writeWindow",
        {"deviceId": 0, "screenId": 0, "layerId": 0, "x": 0, "y": 0, "width": 0, "height": 10},
    )
    assert reply.status == 400 and "width must be at least 1" in reply.msg
    reply = call(splicer, "screen/readList", [1, 2])
    assert reply.status == 400 and "JSON object" in reply.msg
    # a dangling id is 400 too, naming the field
    reply = call(splicer, "input/rename", {"deviceId": 0, "inputId": 999, "name": "x"})
    assert reply.status == 400 and "inputId 999" in reply.msg


def test_404_screen_does_not_exist(teaching):
    splicer = teaching
    for interface, body in [
        ("screen/readDetail", {"deviceId": 0, "screenId": 9}),
        ("screen/writeBrightness", {"deviceId": 0, "screenId": 9, "brightness": 5}),
        ("layer/detailList", {"deviceId": 0, "screenId": 9}),
        ("preset/play", {"deviceId": 0, "screenId": 9, "presetId": 0}),
    ]:
        reply = call(splicer, interface, body)
        assert reply.status == 404, interface
        assert "screenId 9" in reply.msg


def test_410_brightness_not_supported_by_the_sending_card(splicer):
    sid = _no_brightness_screen(splicer)
    before = ok(splicer, "screen/readDetail", {"deviceId": 0, "screenId": sid})["brightness"]
    for interface in ("screen/writeBrightness", "screen/saveBrightness"):
        reply = call(splicer, interface, {"deviceId": 0, "screenId": sid, "brightness": 10})
        assert reply.status == 410, interface
    assert (
        ok(splicer, "screen/readDetail", {"deviceId": 0, "screenId": sid})["brightness"] == before
    )


def test_412_osd_limit_reached(enc):
    words = {"text": "Welcome"}
    ok(enc, "screen/writeOSD", {"deviceId": 0, "screenId": 0, "enable": 1, "words": words})
    ok(
        enc,
        "screen/writeOSD",
        {"deviceId": 0, "screenId": 0, "enable": 1, "words": {"text": "again"}},
    )  # same OSD
    ok(enc, "screen/writeOSD", {"deviceId": 0, "screenId": 1, "enable": 1, "words": words})
    reply = call(
        enc, "screen/writeOSD", {"deviceId": 0, "screenId": 2, "enable": 1, "words": words}
    )
    assert reply.status == 412
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    image = {"file": png, "fileName": "dot.png"}  # the vendor page's image{...}
    assert (
        call(
            enc, "screen/writeImageOSD", {"deviceId": 0, "screenId": 2, "enable": 1, "image": image}
        ).status
        == 412
    )
    ok(enc, "screen/writeOSD", {"deviceId": 0, "screenId": 0, "enable": 0})  # free one
    ok(enc, "screen/writeImageOSD", {"deviceId": 0, "screenId": 2, "enable": 1, "image": image})
    detail = ok(enc, "screen/readDetail", {"deviceId": 0, "screenId": 2})
    assert detail["OsdImage"]["enable"] == 1 and detail["OsdImage"]["width"] == 1


def test_912_while_initialising_then_ready():
    clock = FakeClock()
    with serve(initialising_s=30, clock=clock, firmware="teaching") as s:
        reply = call(s, "screen/readList", {"deviceId": 0})
        assert reply.status == 912
        assert set(reply.envelope) == {"status", "msg", "body"}
        init = ok(s, "main/initStatus")  # the one interface that answers, to say "not yet"
        assert init["initStatus"] == 0
        assert call(s, "nothing/here").status == 912  # 912 comes before 94
        assert (
            call(
                s, "screen/readList", {"deviceId": 0}, secret_key=DEMO_SECRET_KEY[:8] + "zzz"
            ).status
            == 18
        )
        clock.advance(31)
        assert ok(s, "main/initStatus")["initStatus"] == 1
        assert ok(s, "screen/readList", {"deviceId": 0})["screens"]


# ============================================================== HTTP-level problems


def test_http_level_problems_get_a_clear_json_reply(enc):
    url = enc.url("screen/readList")
    good = json.dumps(envelope_for(enc, {"deviceId": 0}))
    cases = [
        (requests.get(url, timeout=TIMEOUT), 405, 405),
        (requests.put(url, data=good, timeout=TIMEOUT), 405, 405),
        (
            requests.post(url, data=good, headers={"Content-Type": "text/plain"}, timeout=TIMEOUT),
            415,
            415,
        ),
        (requests.post(url, data=good, timeout=TIMEOUT), 415, 415),  # no Content-Type at all
        (
            requests.post(
                url, data="{not json", headers={"Content-Type": "application/json"}, timeout=TIMEOUT
            ),
            400,
            400,
        ),
        (
            requests.post(
                url,
                data=b"\xff\xfe{}",
                headers={"Content-Type": "application/json"},
                timeout=TIMEOUT,
            ),
            400,
            400,
        ),
        (
            requests.post(
                url, data="", headers={"Content-Type": "application/json"}, timeout=TIMEOUT
            ),
            400,
            400,
        ),
        (
            requests.post(
                url,
                data="[" * 100000,
                headers={"Content-Type": "application/json"},
                timeout=TIMEOUT,
            ),
            400,
            400,
        ),
    ]
    for resp, http_status, vendor in cases:
        assert resp.status_code == http_status, resp.text
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        data = resp.json()
        vendor = 1 if vendor == 400 else vendor  # bad requests are Params_Error, as on firmware
        assert data["status"] == vendor and data["msg"] and data["body"] == {}
        assert list(data) == ["body", "msg", "sign", "status"]
    assert requests.head(url, timeout=TIMEOUT).status_code == 405
    resp = requests.request("BREW", url, timeout=TIMEOUT)
    assert resp.status_code == 405 and resp.json()["status"] == 405
    # envelope problems: 400, not a crash
    for env in (
        {},
        {"body": {}, "sign": "", "pId": "demo"},
        {"body": {}, "sign": 1, "pId": "demo", "timeStamp": "1"},
        {"body": {}, "sign": "", "pId": "demo", "timeStamp": "soon"},
        [],
        "text",
        None,
    ):
        resp = requests.post(
            url, data=json.dumps(env), headers={"Content-Type": "application/json"}, timeout=TIMEOUT
        )
        assert resp.status_code == 200 and resp.json()["status"] == 1, env
        assert resp.json()["msg"] == "Params_Error"
    assert ok(enc, "screen/readList", {"deviceId": 0})  # still serving


def test_413_huge_body_is_capped():
    with serve(max_body_bytes=4096) as s:
        env = envelope_for(s, {"deviceId": 0, "pad": "x" * 10_000})
        resp = requests.post(s.url("screen/readList"), json=env, timeout=TIMEOUT)
        assert resp.status_code == 413 and resp.json()["status"] == 413
        # chunked bodies are capped too
        resp = requests.post(
            s.url("screen/readList"),
            data=iter([b"{" + b" " * 5000, b"}"]),
            headers={"Content-Type": "application/json"},
            timeout=TIMEOUT,
        )
        assert resp.status_code == 413
        assert ok(s, "screen/readList", {"deviceId": 0})


def test_chunked_request_body_is_read(enc):
    env = json.dumps(envelope_for(enc, {"deviceId": 0})).encode()
    resp = requests.post(
        enc.url("screen/readList"),
        data=iter([env[:10], env[10:]]),
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 200 and resp.json()["status"] == 0


@pytest.mark.slow
def test_a_half_sent_request_does_not_hold_the_connection():
    with serve(socket_timeout_s=0.3) as s:
        with socket.create_connection(("127.0.0.1", s.port), timeout=TIMEOUT) as sock:
            sock.sendall(
                b"POST /open/api/screen/readList HTTP/1.1\r\nHost: x\r\n"
                b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"body"'
            )
            assert sock.recv(1024) == b""  # the splicer gave up and closed: no hung thread
        with socket.create_connection(("127.0.0.1", s.port), timeout=TIMEOUT) as sock:
            sock.sendall(b"POST /open/api/scr")  # not even a full request line
            assert sock.recv(1024) == b""
        assert ok(s, "screen/readList", {"deviceId": 0})


def test_keep_alive_connections_are_reused(enc):
    with requests.Session() as session:
        replies = [call(enc, "screen/readList", {"deviceId": 0}, session=session) for _ in range(5)]
    assert all(r.ok for r in replies)
    assert all(r.headers.get("Connection", "").lower() != "close" for r in replies)


# ============================================================== firmware quirks


@pytest.mark.parametrize("encrypt", [True, False])
def test_real_firmware_quirks(encrypt):
    with serve(encrypt=encrypt, reply_sign=False, status_key="status ") as s:
        reply = call(s, "screen/readList", {"deviceId": 0})
        assert "status " in reply.envelope and "status" not in reply.envelope
        assert reply.envelope["sign"] == ""
        assert reply.sign_verdict == protocol.SIGN_ABSENT and reply.status == 0
        assert reply.body["screens"]
        # errors use the same key
        bad = call(s, "screen/readList", {"deviceId": 0}, pid="nobody")
        assert bad.envelope["status "] == 15
        write = call(s, "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 1})
        assert write.status == 0 and write.envelope["body"] == "" and write.envelope["sign"] == ""


# ============================================================== the device


def test_every_catalog_interface_has_a_handler_and_back():
    assert set(DeviceState.interfaces()) == set(CATALOG.paths())


@pytest.mark.parametrize("interface", CATALOG.paths())
def test_every_catalog_example_is_accepted_by_a_fresh_splicer(interface):
    spec = CATALOG.get(interface)
    state = DeviceState()
    reply = state.call(interface, spec.example_body())
    if spec.records:
        rows = reply[spec.records]
        assert isinstance(rows, list) and rows, interface
    if spec.kind == "read":
        assert reply is not None


def test_examples_over_http(splicer):
    for spec in CATALOG:
        splicer.reset()
        reply = call(splicer, spec.path, spec.example_body())
        assert reply.status == 0, (spec.path, reply.msg)
        if spec.kind == "write" and not spec.path.endswith(
            (
                "create",
                "createPreset",
                "createScreen",
                "groupCreate",
                "createSource",
                "writeCrop",
                "SourceCreate",
                "TemplateCreate",
            )
        ):
            assert reply.envelope["body"] == "", spec.path  # writes answer "" like real splicers


def test_same_seed_same_device_other_seed_other_device():
    reads = [
        ("device/readDetail", {"deviceId": 0}),
        ("screen/readList", {"deviceId": 0}),
        ("input/readList", {"deviceId": 0}),
        ("layer/detailList", {"screenId": 0}),
        ("preset/readList", {"screenId": 0}),
        ("output/readList", {}),
        ("bkg/readAllList", {}),
    ]
    a, b, c = DeviceState(7), DeviceState(7), DeviceState(8)
    assert [a.call(*r) for r in reads] == [b.call(*r) for r in reads]
    assert [a.call(*r) for r in reads] != [c.call(*r) for r in reads]


@pytest.mark.parametrize("seed", range(12))
def test_every_seed_gives_a_plausible_h5(seed):
    st = DeviceState(seed)
    assert 2 <= len(st.screen_ids) <= 3
    assert 8 <= len(st.input_ids) <= 16
    inputs = st.call("input/readList", {"deviceId": 0})["inputs"]
    assert any(i["iSignal"] for i in inputs) and not all(i["iSignal"] for i in inputs)
    labels = CATALOG.codes("interfaceType")
    kinds = {labels[i["interfaceType"]].split()[0] for i in inputs}
    assert "HDMI" in kinds and len(kinds) >= 2
    assert [st.brightness_supported(i) for i in st.screen_ids].count(False) == 1
    for sid in st.screen_ids:
        presets = st.call("preset/readList", {"deviceId": 0, "screenId": sid})["presets"]
        assert 2 <= len(presets) <= 4
        assert st.call("layer/detailList", {"deviceId": 0, "screenId": sid})["screenLayers"]
    detail = st.call("device/readDetail", {"deviceId": 0})
    assert detail["name"] == "H5" and detail["modelId"] == 29962
    assert st.call("main/initStatus", {"deviceId": 0})["softwareVersion"] == "1.9.7.0.S1.T1"
    assert len(st.call("bkg/readAllList", {"deviceId": 0})) >= 2


def test_writes_show_in_later_reads(splicer):
    s = splicer
    ok(s, "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 37})
    d = ok(s, "screen/readDetail", {"deviceId": 0, "screenId": 0})
    assert d["brightness"] == 37
    ok(s, "screen/saveBrightness", {"deviceId": 0, "screenId": 1, "brightness": 55})
    d1 = ok(s, "screen/readDetail", {"deviceId": 0, "screenId": 1})
    assert d1["brightness"] == d1["savedBrightness"] == 55
    ok(s, "screen/ftb", {"deviceId": 0, "screenId": 0, "type": 0, "time": 1})
    ok(s, "screen/writeFreeze", {"deviceId": 0, "screenId": 0, "enable": 1})
    ok(s, "screen/rename", {"deviceId": 0, "screenId": 0, "name": "Stage LED"})
    ok(s, "screen/writeBKG", {"deviceId": 0, "screenId": 0, "enable": 0, "bkgId": 1})
    d = ok(s, "screen/readDetail", {"deviceId": 0, "screenId": 0})
    assert d["Ftb"]["enable"] == 0 and d["Freeze"]["enable"] == 1 and d["name"] == "Stage LED"
    assert d["Bkg"] == {"enable": 0, "bkgId": 1}
    assert ok(s, "screen/readList", {"deviceId": 0})["screens"][0]["name"] == "Stage LED"
    ok(s, "screen/ftb", {"deviceId": 0, "screenId": 0, "type": 1})
    assert ok(s, "screen/readDetail", {"deviceId": 0, "screenId": 0})["Ftb"]["enable"] == 1


def test_preset_play_changes_the_layers(splicer):
    s = splicer
    assert ok(s, "preset/readPlay", {"deviceId": 0, "screenId": 0}) == {
        "screenId": 0,
        "presetId": 0,
    }
    presets = ok(s, "preset/readList", {"deviceId": 0, "screenId": 0})["presets"]
    assert presets[0]["name"] == "Walk-in"
    target = presets[1]["presetId"]
    expected = ok(s, "preset/readDetail", {"deviceId": 0, "screenId": 0, "presetId": target})[
        "layers"
    ]
    ok(s, "preset/play", {"deviceId": 0, "screenId": 0, "presetId": target})
    assert ok(s, "preset/readPlay", {"deviceId": 0, "screenId": 0})["presetId"] == target
    layers = ok(s, "layer/detailList", {"deviceId": 0, "screenId": 0})["screenLayers"]
    assert [(lay["window"], lay["source"]["inputId"]) for lay in layers] == [
        (lay["window"], lay["source"]["inputId"]) for lay in expected
    ]
    assert len(layers) != 1 or len(expected) == 1
    assert call(s, "preset/play", {"deviceId": 0, "screenId": 0, "presetId": 99}).status == 1


def test_layers_create_move_source_delete(splicer):
    s = splicer
    before = ok(s, "layer/detailList", {"deviceId": 0, "screenId": 0})["screenLayers"]
    new = ok(
        s,
        "layer/create",
        {
            "deviceId": 0,
            "screenId": 0,
            "name": "PIP",
            "window": {"x": 10, "y": 20, "width": 640, "height": 360},
            "source": {"sourceType": 1, "inputId": 0},
        },
    )["layerId"]
    ok(
        s,
        "layer/writeWindow",
        {
            "deviceId": 0,
            "screenId": 0,
            "layerId": new,
            "x": 100,
            "y": 50,
            "width": 800,
            "height": 450,
        },
    )
    ok(
        s,
        "layer/writeSource",
        {
            "deviceId": 0,
            "screenId": 0,
            "layerId": new,
            "source": {"sourceType": 1, "inputId": 2, "cropId": 255},
        },
    )
    lay = ok(s, "layer/readDetail", {"deviceId": 0, "screenId": 0, "layerId": new})
    assert lay["window"] == {"x": 100, "y": 50, "width": 800, "height": 450}
    assert lay["source"]["inputId"] == 2 and lay["general"]["zorder"] == len(before)
    assert lay["general"]["name"] == "PIP"
    ok(
        s,
        "layer/writeSource",
        {"deviceId": 0, "screenId": 0, "layerId": new, "sourceType": 1, "inputId": 1},
    )  # flat form
    assert (
        ok(s, "layer/readDetail", {"deviceId": 0, "screenId": 0, "layerId": new})["source"][
            "inputId"
        ]
        == 1
    )
    ok(s, "layer/writeZIndex", {"deviceId": 0, "screenId": 0, "layerId": new, "zorder": 0})
    z = ok(s, "layer/readZIndex", {"deviceId": 0, "screenId": 0})["layers"]
    assert z[0]["layerId"] == new and [e["zorder"] for e in z] == list(range(len(z)))
    ok(s, "layer/freeze", {"deviceId": 0, "screenId": 0, "layerId": new, "enable": 1})
    ok(s, "layer/writeLock", {"deviceId": 0, "screenId": 0, "layerId": new, "lock": 1})
    general = ok(s, "layer/readDetail", {"deviceId": 0, "screenId": 0, "layerId": new})["general"]
    assert general["isFreeze"] is True and general["lock"] == 1
    ok(s, "layer/delete", {"deviceId": 0, "screenId": 0, "layerId": new})
    after = ok(s, "layer/detailList", {"deviceId": 0, "screenId": 0})["screenLayers"]
    assert [lay["layerId"] for lay in after] == [lay["layerId"] for lay in before]
    assert call(s, "layer/readDetail", {"deviceId": 0, "screenId": 0, "layerId": new}).status == 1
    assert call(s, "layer/writeSource", {"deviceId": 0, "screenId": 0, "layerId": 0}).status == 1
    ok(s, "layer/clear", {"deviceId": 0, "screenId": 0})
    assert ok(s, "layer/detailList", {"deviceId": 0, "screenId": 0})["screenLayers"] == []


def test_input_rename_and_is_used_follow_the_layers(enc):
    s = enc
    inputs = ok(s, "input/readList", {"deviceId": 0})["inputs"]
    free = next(i for i in inputs if not i["isUsed"] and i["iSignal"])
    ok(s, "input/rename", {"deviceId": 0, "inputId": free["inputId"], "name": "Lectern"})
    ok(
        s,
        "layer/writeSource",
        {"deviceId": 0, "screenId": 0, "layerId": 0, "sourceType": 1, "inputId": free["inputId"]},
    )
    rec = next(
        i
        for i in ok(s, "input/readList", {"deviceId": 0})["inputs"]
        if i["inputId"] == free["inputId"]
    )
    assert rec["isUsed"] == 1 and rec["general"]["name"] == "Lectern"
    lay = ok(s, "layer/readDetail", {"deviceId": 0, "screenId": 0, "layerId": 0})
    assert lay["source"]["name"] == "Lectern"


def test_inputs_crops_groups_sources_edid(enc):
    s = enc
    crop = ok(
        s,
        "input/writeCrop",
        {"deviceId": 0, "inputId": 0, "name": "Top", "x": 0, "y": 0, "width": 100, "height": 100},
    )["cropId"]
    ok(
        s, "input/updateCrop", {"deviceId": 0, "inputId": 0, "cropId": crop, "heigth": 200}
    )  # the vendor's spelling
    detail = ok(s, "input/readDetail", {"deviceId": 0, "inputId": 0})
    assert {"cropId": crop, "name": "Top", "x": 0, "y": 0, "width": 100, "height": 200} in detail[
        "crops"
    ]
    assert (
        call(
            s,
            "input/writeCrop",
            {
                "deviceId": 0,
                "inputId": 0,
                "name": "Too big",
                "x": 0,
                "y": 0,
                "width": 8000,
                "height": 100,
            },
        ).status
        == 1
    )
    ok(s, "input/deleteCrop", {"deviceId": 0, "inputId": 0, "cropId": crop})
    gid = ok(
        s,
        "input/groupCreate",
        {"deviceId": 0, "inputGroupName": "Laptops", "inputs": [{"inputId": 1}]},
    )["inputGroupId"]
    assert s.state._input_groups[gid]["inputs"] == [{"inputId": 1, "cropId": 255}]
    assert (
        call(
            s,
            "input/groupCreate",
            {"deviceId": 0, "inputGroupName": "x", "inputs": [{"inputId": 999}]},
        ).status
        == 1
    )
    ok(s, "input/groupOrder", {"deviceId": 0, "inputGroupIdList": [gid, 0]})
    src = ok(s, "input/createSource", {"deviceId": 0, "name": "Tour", "inputs": [{"inputId": 0}]})[
        "sourceId"
    ]
    ok(s, "input/enableSource", {"deviceId": 0, "sourceId": src, "enable": 1})
    assert any(
        x["sourceId"] == src and x["enable"] == 1
        for x in ok(s, "input/readSourceList", {"deviceId": 0})["sources"]
    )
    assert (
        call(
            s,
            "input/importEDID",
            {
                "deviceId": 0,
                "inputId": 0,
                "fileName": "x.bin",
                "file": base64.b64encode(b"not an edid").decode(),
            },
        ).status
        == 1
    )
    ok(
        s,
        "input/writeResolution",
        {"deviceId": 0, "inputId": 0, "width": 1280, "height": 720, "refreshRate": 50},
    )
    rec = ok(s, "input/readDetail", {"deviceId": 0, "inputId": 0})
    assert rec["resolution"] == {"width": 1280, "height": 720, "refreshRate": 50, "refresh": 50}


def test_screens_create_and_delete(enc):
    s = enc
    free = [
        o["outputId"]
        for o in ok(s, "output/readList", {"deviceId": 0})["outputs"]
        if o["screenId"] == -1
    ]
    sid = ok(
        s,
        "screen/createScreen",
        {"deviceId": 0, "name": "Floor", "screenInterfaces": [{"interfaceId": free[0]}]},
    )["screenId"]
    assert any(
        x["screenId"] == sid and x["name"] == "Floor"
        for x in ok(s, "screen/readList", {"deviceId": 0})["screens"]
    )
    assert (
        call(
            s,
            "screen/createScreen",
            {"deviceId": 0, "name": "Again", "screenInterfaces": [{"interfaceId": free[0]}]},
        ).status
        == 1
    )
    ok(s, "screen/deleteScreen", {"deviceId": 0, "screenIdList": [sid]})
    assert call(s, "screen/readDetail", {"deviceId": 0, "screenId": sid}).status == 404
    assert call(s, "screen/deleteScreen", {"deviceId": 0, "screenIdList": [sid]}).status == 404


def test_presets_create_overwrite_delete_and_groups(enc):
    s = enc
    pid = ok(s, "preset/createPreset", {"deviceId": 0, "screenId": 0, "name": "Mine"})["presetId"]
    assert (
        call(s, "preset/createPreset", {"deviceId": 0, "screenId": 0, "name": "Mine"}).status == 1
    )
    assert (
        ok(
            s, "preset/createPreset", {"deviceId": 0, "screenId": 0, "name": "Mine", "overWrite": 1}
        )["presetId"]
        == pid
    )
    ok(s, "layer/clear", {"deviceId": 0, "screenId": 0})
    ok(s, "preset/play", {"deviceId": 0, "screenId": 0, "presetId": pid})
    assert ok(s, "layer/detailList", {"deviceId": 0, "screenId": 0})["screenLayers"]
    tpl = ok(
        s,
        "preset/createPreset",
        {"deviceId": 0, "screenId": 0, "name": "Quad", "layoutTemplateId": "2"},
    )["presetId"]
    assert (
        len(ok(s, "preset/readDetail", {"deviceId": 0, "screenId": 0, "presetId": tpl})["layers"])
        == 4
    )
    gid = ok(
        s,
        "preset/groupCreate",
        {"deviceId": 0, "presetGroupName": "Loop", "presets": [{"screenId": 0, "presetId": pid}]},
    )["presetGroupId"]
    ok(s, "preset/presetPoll", {"deviceId": 0, "presetGroupId": gid, "enable": 1})
    assert ok(s, "preset/readPresetPoll", {"deviceId": 0}) == {
        "deviceId": 0,
        "presetGroupId": gid,
        "enable": 1,
    }
    nodes = ok(s, "preset/groupNodeList", {"deviceId": 0, "presetGroupId": gid})["presets"]
    assert nodes == [{"screenId": 0, "presetId": pid, "name": "Mine"}]
    ok(s, "preset/deletePreset", {"deviceId": 0, "screenId": 0, "presetId": pid})
    assert ok(s, "preset/readPlay", {"deviceId": 0, "screenId": 0})["presetId"] == -1
    assert ok(s, "preset/groupNodeList", {"deviceId": 0, "presetGroupId": gid})["presets"] == []
    ok(s, "preset/deleteAll", {"deviceId": 0, "screenId": 0})
    assert ok(s, "preset/readList", {"deviceId": 0, "screenId": 0})["presets"] == []


def test_backgrounds(enc):
    s = enc
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    bid = ok(s, "bkg/create", {"deviceId": 0, "name": "Dot", "fileName": "dot.png", "file": png})[
        "bkgId"
    ]
    assert {"bkgId": bid, "general": {"name": "Dot"}} in ok(s, "bkg/readAllList", {"deviceId": 0})
    assert ok(s, "bkg/readDetail", {"deviceId": 0, "bkgId": bid})["width"] == 1
    assert (
        call(s, "bkg/create", {"deviceId": 0, "name": "x", "fileName": "x", "file": "***"}).status
        == 1
    )
    ok(s, "screen/writeBKG", {"deviceId": 0, "screenId": 0, "enable": 0, "bkgId": bid})
    ok(s, "bkg/delete", {"deviceId": 0, "bkgIdList": [bid]})
    assert ok(s, "screen/readDetail", {"deviceId": 0, "screenId": 0})["Bkg"]["enable"] == 1
    assert call(s, "bkg/readDetail", {"deviceId": 0, "bkgId": bid}).status == 1


def test_reset_undoes_every_write(enc):
    before = ok(enc, "screen/readDetail", {"deviceId": 0, "screenId": 0})
    ok(enc, "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 1})
    enc.reset()
    assert ok(enc, "screen/readDetail", {"deviceId": 0, "screenId": 0}) == before


@pytest.mark.slow
def test_big_replies_for_benchmarks():
    with serve(encrypt=False) as s:
        ids = s.state.add_inputs(10_000)
        assert len(ids) == 10_000
        inputs = ok(s, "input/readList", {"deviceId": 0})["inputs"]
        assert len(inputs) == len(s.state.input_ids) >= 10_008
        assert inputs[-1]["inputId"] == ids[-1] and inputs[-1]["iSignal"] == 1


def test_added_inputs_answer_their_detail_reads():
    with serve(encrypt=False) as s:
        (added,) = s.state.add_inputs(1)
        detail = ok(s, "input/readDetail", {"deviceId": 0, "inputId": added})
        assert detail["inputId"] == added and detail["crops"] == []


# ============================================================== load


@pytest.mark.slow
def test_200_parallel_requests_all_answered_correctly():
    with serve(reply_sign=True) as s:

        def one(i: int):
            sid = i % 2  # screens 0 and 1 take brightness
            if i % 3 == 0:
                r = call(
                    s,
                    "screen/writeBrightness",
                    {"deviceId": 0, "screenId": sid, "brightness": i % 101},
                )
                return r.status == 0 and r.sign_verdict == "verified"
            if i % 3 == 1:
                r = call(s, "layer/detailList", {"deviceId": 0, "screenId": sid})
                return r.status == 0 and r.body["screenId"] == sid and r.sign_verdict == "verified"
            r = call(s, "input/readList", {"deviceId": 0})
            return r.status == 0 and len(r.body["inputs"]) == len(s.state.input_ids)

        barrier = threading.Barrier(200, timeout=TIMEOUT)

        def together(i: int):
            barrier.wait()
            return one(i)

        with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
            results = list(pool.map(together, range(200)))
        assert results == [True] * 200
        assert ok(s, "screen/readList", {"deviceId": 0})


# ============================================================== the client, end to end


@pytest.mark.parametrize("quirks", [False, True], ids=["signed", "real-firmware"])
def test_the_client_reads_tables_writes_and_sees_changes(splicer, quirks):
    from openapi_magic import Client

    splicer.reply_sign = not quirks
    splicer.status_key = "status " if quirks else "status"
    with Client.from_splicer(splicer) as client:
        screens = client.call("screen/readList", {"deviceId": 0})
        assert screens.ok and list(screens.df["name"])[:1] == ["Main LED"]
        assert screens.sign_verdict == ("absent" if quirks else "verified")
        inputs = client.call("input/readList", {"deviceId": 0}).df
        assert len(inputs) == len(splicer.state.input_ids) and "general.name" in inputs
        layers = client.call("layer/detailList", {"deviceId": 0, "screenId": 0}).df
        assert "window.width" in layers and len(layers) >= 1
        device = client.call("device/readDetail", {"deviceId": 0}).df
        assert device.loc[0, "name"] == "H5"
        assert client.call(
            "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 42}
        ).ok
        assert (
            client.call("screen/readDetail", {"deviceId": 0, "screenId": 0}).body["brightness"]
            == 42
        )
        assert client.call("preset/play", {"deviceId": 0, "screenId": 0, "presetId": 1}).ok
        assert client.call("preset/readPlay", {"deviceId": 0, "screenId": 0}).body["presetId"] == 1
        bad = client.call(
            "screen/writeBrightness",
            {"deviceId": 0, "screenId": _no_brightness_screen(splicer), "brightness": 5},
        )
        assert bad.status == 410 and not bad.ok


# ============================================================== the command line


def _start_cli(*args: str) -> tuple[subprocess.Popen, dict]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "openapi_magic.server", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    info: dict[str, str] = {}
    for line in proc.stdout:
        if ":" in line and line.startswith("  "):
            key, _, value = line.strip().partition(":")
            info[key] = value.strip()
        if line.startswith("Press Ctrl+C"):
            break
    return proc, info


def test_cli_prints_root_and_credentials_and_serves():
    proc, info = _start_cli(
        "--pid", "cli", "--secret-key", "cli-secret-key", "--no-encrypt", "--seed", "3"
    )
    try:
        assert info["pId"] == "cli" and info["secretKey"] == "cli-secret-key"
        assert info["encryption"] == "off"
        root = info["root"]
        assert root.startswith("http://127.0.0.1:") and root.endswith("/open/api")
        ts = now_ms()
        env = protocol.seal_request(
            {"deviceId": 0}, pid="cli", secret_key=None, timestamp=ts, encrypt=False
        )
        resp = requests.post(root + "/screen/readList", json=env, timeout=TIMEOUT)
        assert resp.json()["status"] == 0 and resp.json()["body"]["screens"]
        assert resp.json()["body"] == DeviceState(3).call("screen/readList", {"deviceId": 0})
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert "Stopped." in out


def test_cli_real_firmware_and_accounts():
    proc, info = _start_cli("--real-firmware", "--account", "old:old-secret-key:disabled")
    try:
        assert info["secretKey"] == DEMO_SECRET_KEY and info["encryption"] == "on"
        assert "empty reply sign" in info["firmware quirks"]
        root = info["root"]
        env = protocol.seal_request(
            {"deviceId": 0},
            pid="demo",
            secret_key=DEMO_SECRET_KEY,
            timestamp=now_ms(),
            encrypt=True,
        )
        data = requests.post(root + "/screen/readList", json=env, timeout=TIMEOUT).json()
        assert data["status "] == 0 and data["sign"] == ""
        env = protocol.seal_request(
            {"deviceId": 0},
            pid="old",
            secret_key="old-secret-key",
            timestamp=now_ms(),
            encrypt=True,
        )
        assert (
            requests.post(root + "/screen/readList", json=env, timeout=TIMEOUT).json()["status "]
            == 15
        )
    finally:
        proc.terminate()
        proc.communicate(timeout=TIMEOUT)


@pytest.mark.slow
def test_cli_help_and_bad_arguments():
    out = subprocess.run(
        [sys.executable, "-m", "openapi_magic.server", "--help"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert out.returncode == 0
    for flag in (
        "--host",
        "--port",
        "--pid",
        "--secret-key",
        "--encrypt",
        "--no-encrypt",
        "--latency-ms",
        "--seed",
        "--time-window-s",
        "--initialising-s",
        "--no-reply-sign",
        "--status-space",
    ):
        assert flag in out.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "openapi_magic.server", "--port", "0", "--secret-key", "short"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert bad.returncode == 2 and "8" in bad.stderr


# ============================================================== public names


@pytest.mark.parametrize(
    "module",
    [
        "openapi_magic.server",
        "openapi_magic.server._splicer",
        "openapi_magic.server._state",
        "openapi_magic.server._httpd",
        "openapi_magic.server.__main__",
        "openapi_magic.server._firmware",
        "openapi_magic.server._model",
        "openapi_magic.server._modules",
        *(
            f"openapi_magic.server._modules.{m}"
            for m in (
                "main",
                "device",
                "screen",
                "input",
                "output",
                "layer",
                "preset",
                "ipc",
                "bkg",
            )
        ),
    ],
)
def test_all_is_honest_and_documented(module):
    import importlib
    import inspect

    mod = importlib.import_module(module)
    assert mod.__doc__ and mod.__all__
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"{module}.{name} has no docstring"


def test_the_server_imports_only_the_protocol_catalog_errors_and_stdlib():
    import ast
    from pathlib import Path

    import openapi_magic.server as server_pkg

    top = Path(server_pkg.__file__).parent
    for path in top.rglob("*.py"):
        depth = len(path.relative_to(top).parts)  # 1 in server/, 2 in server/modules/
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > depth:
                # the core: capture_format is the saved capture the replay reads
                assert node.module in (
                    "core.protocol",
                    "core.catalog",
                    "errors",
                    "core.capture_format",
                ), (
                    path.name,
                    node.module,
                )
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module.split(".")[0] in sys.stdlib_module_names, (
                    path.name,
                    node.module,
                )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in sys.stdlib_module_names, (
                        path.name,
                        alias.name,
                    )


# ============================================================== robustness


def _random_value(f, rng):
    """A value that passes ``f.check``, biased towards small ids that may exist."""
    if f.enum:
        return rng.choice(f.enum)
    if f.type in ("integer", "number"):
        lo = int(f.minimum) if f.minimum is not None else -5
        hi = int(f.maximum) if f.maximum is not None else 40
        value = rng.choice([lo, hi, rng.randint(lo, min(hi, lo + 20)), rng.randint(lo, hi)])
        if f.type == "number" and value < hi and rng.random() < 0.5:
            value += 0.5
        return value
    if f.type == "string":
        text = rng.choice(["", "x", "Ünïcode ✓", "AP///////wA=", "iVBORw0KGgo=", "a" * 40])
        return text[: f.max_length] if f.max_length is not None else text
    if f.type == "boolean":
        return rng.random() < 0.5
    if f.type == "array":
        return [_random_value(f.items, rng) for _ in range(rng.randint(0, 3))] if f.items else []
    if f.type == "object":
        return _random_body(f.fields, rng)
    return rng.choice([0, "x", None, [], {}])


def _random_body(fields, rng):
    return {f.name: _random_value(f, rng) for f in fields if f.required or rng.random() < 0.5}


@pytest.mark.parametrize("module", list(CATALOG.modules()))
def test_random_valid_bodies_never_crash_the_device_model(module):
    import random

    from openapi_magic.server import VendorError

    rng = random.Random(module)
    state = DeviceState(seed=1)
    for spec in CATALOG.interfaces(module):
        for _ in range(25):
            body = _random_body(spec.fields, rng)
            assert spec.validate(body) == [], (spec.path, body)
            try:
                reply = state.call(spec.path, body)
            except VendorError as exc:
                assert exc.status in (400, 404, 410, 412), (spec.path, body, exc)
            else:
                json.dumps(reply, allow_nan=False)  # always sendable
        if module == "screen":
            state = DeviceState(seed=1)  # screen/clear may have removed everything


def test_latency_option_delays_but_answers():
    with serve(latency_ms=5, encrypt=False) as s:
        assert ok(s, "screen/readList", {"deviceId": 0})["screens"]


def test_each_handler_lives_in_its_vendor_modules_file():
    import inspect

    for path, fn in DeviceState._HANDLERS.items():
        module = path.split("/", 1)[0]
        assert inspect.getmodule(fn).__name__ == f"openapi_magic.server._modules.{module}", path
