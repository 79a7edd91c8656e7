"""The simulated splicer against real firmware: reply shapes and firmware profiles.

The real replies below are quoted from ``shared/FIELD-EVIDENCE.md`` (a real H5,
captured byte for byte by amlakhani/Broadcast-Controller-Claude's tests, plain mode).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pytest
import requests
from _server_fixtures import TIMEOUT, call, envelope_for, ok

from openapi_magic.core.catalog import load_catalog
from openapi_magic.errors import ConfigError
from openapi_magic.server import FIRMWARE_PROFILES, STATUS_PARAMS_ERROR, serve

CATALOG = load_catalog()

#: Byte for byte from a real H5 (FIELD-EVIDENCE.md, "Replies from real firmware").
REAL_H5_FAILURE = b'{"body":{},"msg":"Open_Id_Illegal_Err","sign":"","status ":15}'
REAL_H5_SUCCESS_KEYS = ["body", "msg", "sign", "status "]


def _raw(splicer, interface, body, **kw) -> bytes:
    env = envelope_for(splicer, body, **kw)
    return requests.post(splicer.url(interface), json=env, timeout=TIMEOUT).content


def _envelope_sorted(raw: bytes) -> dict:
    """The reply, its envelope keys checked in alphabetical order (as the real H5's are)."""
    reply = json.loads(raw)
    assert list(reply) == sorted(reply), list(reply)
    return reply


# ============================================================== the captured shape


def test_the_h5_profile_answers_a_bad_pid_byte_for_byte_as_the_real_h5():
    with serve(encrypt=False, firmware="h5-capture") as s:
        assert _raw(s, "screen/readList", {"deviceId": 0}, pid="nobody") == REAL_H5_FAILURE


def test_the_h5_profile_answers_success_in_the_captured_shape():
    with serve(encrypt=False, firmware="h5-capture") as s:
        raw = _raw(s, "screen/readList", {"deviceId": 0})
        reply = _envelope_sorted(raw)
        assert list(reply) == REAL_H5_SUCCESS_KEYS
        assert (reply["msg"], reply["sign"], reply["status "]) == ("", "", 0)
        # Nested records keep the device's order, not sorted: the real H5 sends
        # {"screenId":0,"name":"Screen 1"} (FIELD-EVIDENCE.md).
        assert list(reply["body"]) == ["deviceId", "screens"]
        assert [list(r)[:2] for r in reply["body"]["screens"]] == [["screenId", "name"]] * len(
            reply["body"]["screens"]
        )


@pytest.mark.parametrize("encrypt", [False, True], ids=["plain", "encrypted"])
def test_default_replies_have_the_captured_shape(encrypt):
    with serve(encrypt=encrypt) as s:
        for interface, body in [
            ("screen/readList", {"deviceId": 0}),
            ("screen/readDetail", {"deviceId": 0, "screenId": 0}),
            ("device/readDetail", {"deviceId": 0}),
            ("layer/detailList", {"deviceId": 0, "screenId": 0}),
        ]:
            raw = _raw(s, interface, body)
            reply = _envelope_sorted(raw)
            assert list(reply) == ["body", "msg", "sign", "status"]
            assert (reply["msg"], reply["sign"], reply["status"]) == ("Success", "", 0)
            # The body's keys are the device's order (an id first), encrypted or not.
            opened = call(s, interface, body)
            assert next(iter(opened.body)) == "deviceId", list(opened.body)
        # failures: {"body": {}, "msg": "<token>", "sign": "", "status": N}
        failures = [
            (_raw(s, "screen/readList", {"deviceId": 0}, pid="nobody"), 15, "Open_Id_Illegal_Err"),
            (_raw(s, "screen/writeBrightness", {"deviceId": 0, "screenId": 0}), 1, "Params_Error"),
            (_raw(s, "screen/nothingHere", {"deviceId": 0}), 1, "Params_Error"),
            (_raw(s, "screen/readList", {"deviceId": 0}, encrypt=not encrypt), 500, "Server_Err"),
        ]
        for raw, status, token in failures:
            reply = _envelope_sorted(raw)
            assert list(reply) == ["body", "msg", "sign", "status"], reply
            assert (reply["status"], reply["msg"], reply["sign"]) == (status, token, ""), reply
            # {} as captured in plain mode; "" (no data) when the request was encrypted
            sent_encrypted = encrypt if status != 500 else not encrypt
            assert reply["body"] == ("" if sent_encrypted else {}), reply


def test_bad_parameters_are_status_1_params_error_with_the_catalog_token():
    assert CATALOG.status_for_token("Params_Error").code == STATUS_PARAMS_ERROR == 1
    with serve() as s:
        for interface, body in [
            ("screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 101}),
            ("input/rename", {"deviceId": 0, "inputId": 999, "name": "x"}),
            ("screen/readList", [1, 2]),
        ]:
            reply = call(s, interface, body)
            assert (reply.status, reply.msg) == (1, "Params_Error"), interface


def test_the_teaching_profile_keeps_prose_94_400_and_signed_replies():
    with serve(firmware="teaching") as s:
        good = call(s, "screen/readList", {"deviceId": 0})
        assert good.sign_verdict == "verified"
        bad = call(s, "screen/writeBrightness", {"deviceId": 0, "screenId": 0})
        assert bad.status == 400 and "brightness is required" in bad.msg
        assert call(s, "screen/nothing", {"deviceId": 0}).status == 94


def test_explicit_options_override_the_profile():
    with serve(firmware="h5-capture", status_key="status", reply_sign=True) as s:
        reply = call(s, "screen/readList", {"deviceId": 0})
        assert "status" in reply.envelope and reply.sign_verdict == "verified"


# ============================================================== profiles


def test_the_profiles_are_listed_with_their_evidence():
    assert {"default", "h5-capture", "h9-1.9.7.1", "teaching"} <= set(FIRMWARE_PROFILES)
    for name, profile in FIRMWARE_PROFILES.items():
        assert profile.name == name and profile.evidence and profile.summary
        assert profile.software_version and profile.model.startswith("H")
    out = subprocess.run(
        [sys.executable, "-m", "openapi_magic.server", "--help"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    ).stdout
    assert "--firmware" in out
    flat = " ".join(out.split())
    for profile in FIRMWARE_PROFILES.values():
        assert " ".join(profile.describe().split()) in flat
    # the evidence in words a user can follow: no file that is not in the package, public
    # projects by their GitHub name; the profiles' list fits a terminal of 80 columns
    epilog = out.split("firmware profiles (--firmware NAME):", 1)[1]
    assert ".md" not in out and "a public client" not in out, epilog
    assert "amlakhani/Broadcast-Controller-Claude on GitHub" in flat
    assert max(map(len, epilog.splitlines())) <= 80, epilog


def test_an_unknown_profile_is_refused_naming_the_known_ones():
    with pytest.raises(ConfigError, match="h5-capture"):
        serve(firmware="h7")


@pytest.mark.parametrize("name", list(FIRMWARE_PROFILES))
def test_each_profile_reports_its_model_and_software_version(name):
    profile = FIRMWARE_PROFILES[name]
    with serve(firmware=name) as s:
        init = ok(s, "main/initStatus")
        assert init["softwareVersion"] == profile.software_version
        assert init["mainModelId"] == profile.main_model_id and init["initStatus"] == 1
        assert init["sn"].startswith(f"HS{profile.model[1:]:0>2}")


@pytest.mark.parametrize("encrypt", [True, False], ids=["encrypted", "plain"])
def test_the_real_h5_answers_the_whole_device_module_500_with_good_credentials(encrypt):
    with serve(encrypt=encrypt, firmware="h5-capture") as s:
        assert ok(s, "screen/readList", {"deviceId": 0})["screens"]  # credentials are good
        for path in [p for p in CATALOG.paths() if p.startswith("device/")]:
            reply = call(s, path, {"deviceId": 0})
            assert (reply.status, reply.msg) == (500, "Server_Err"), path
            assert "status " in reply.envelope
        assert ok(s, "screen/readList", {"deviceId": 0})  # and still fine afterwards


def test_the_h9_1971_quirks():
    with serve(firmware="h9-1.9.7.1") as s:
        for path, body in [
            ("device/readDetail", {"deviceId": 0}),
            ("device/readIp", {"deviceId": 0}),
            ("screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 5}),
            (
                "layer/writeStreamRule",
                {"deviceId": 0, "screenId": 0, "layerId": 0, "channelId": 0, "streamIndex": 0},
            ),
            ("layer/readDetail", {"deviceId": 0, "screenId": 0, "layerId": 0}),
        ]:
            reply = call(s, path, body)
            assert (reply.status, reply.msg) == (500, "Server_Err"), path
        assert ok(s, "device/readCardVersion", {"deviceId": 0})["cards"]  # the rest works
        before = ok(s, "layer/detailList", {"deviceId": 0, "screenId": 0})
        layer = before["screenLayers"][0]
        reply = call(
            s,
            "layer/writeSource",
            {
                "deviceId": 0,
                "screenId": 0,
                "layerId": layer["layerId"],
                "source": {"sourceType": 1, "inputId": 1},
            },
        )
        assert reply.status == 0  # answered 0 ...
        assert ok(s, "layer/detailList", {"deviceId": 0, "screenId": 0}) == before  # ... no change
        # writes are not idempotent: a replayed layer/create makes another layer
        create = {
            "deviceId": 0,
            "screenId": 0,
            "window": {"x": 0, "y": 0, "width": 100, "height": 100},
        }
        first, second = ok(s, "layer/create", create), ok(s, "layer/create", create)
        assert first["layerId"] != second["layerId"]
        # ipc/IPCSourceCreate creates the source but answers no id
        created = call(s, "ipc/IPCSourceCreate", {"deviceId": 0, "sourceName": "Cam", "slotId": 7})
        assert created.status == 0 and created.body is None
        sources = ok(s, "ipc/IPCSourceList", {"deviceId": 0, "slotId": 0})["sourceList"]
        assert "Cam" in [src["sourceName"] for src in sources]


# ============================================================== reply fields as real firmware


def test_reply_fields_are_named_and_shaped_as_real_firmware():
    with serve() as s:
        device = ok(s, "device/readDetail", {"deviceId": 0})
        assert "MAC" in device and "mac" not in device  # HA reads MAC
        assert device["temp"] in (0, 1, 2)  # a status code, as HA reads it
        screens = ok(s, "screen/readList", {"deviceId": 0})["screens"]
        right = []
        for screen in screens:
            detail = ok(s, "screen/readDetail", {"deviceId": 0, "screenId": screen["screenId"]})
            mode = detail["outputMode"]  # an object on a real H9, with size as HA reads it
            assert set(mode) >= {"screenInterfaces", "mosaic", "offset", "size"}
            assert mode["size"] == {"width": detail["width"], "height": detail["height"]}
            off = mode["offset"]
            for cell in mode["screenInterfaces"]:
                assert set(cell) == {"x", "y", "width", "height", "outputId", "isCardOnline"}
                assert off["x"] <= cell["x"] < off["x"] + detail["width"]  # canvas coordinates
            layers = ok(s, "layer/detailList", {"deviceId": 0, "screenId": screen["screenId"]})
            for layer in layers["screenLayers"]:  # windows on the same canvas as the cells
                assert off["x"] <= layer["window"]["x"] < off["x"] + detail["width"]
            right.append((off["x"], off["x"] + detail["width"]))
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(right))  # side by side
        assert any(a > 0 for a, _ in right)
        inputs = ok(s, "input/readList", {"deviceId": 0})["inputs"]
        for rec in inputs:  # excontrol's notes: a top-level name and resolution.refresh
            assert rec["name"] == rec["general"]["name"]
            assert rec["resolution"]["refresh"] == rec["resolution"]["refreshRate"]
        labels = CATALOG.codes("interfaceType")  # the vendor document's numbering
        assert {labels[r["interfaceType"]] for r in inputs} <= set(labels.values())
        assert labels[13] == "RJ45" and labels[18] == "12G-SDI" and labels[9] == "3G-SDI"
        outputs = ok(s, "output/readList", {"deviceId": 0})["outputs"]
        assert {o["interfaceType"] for o in outputs if o["slotId"] == 5} == {13}
        ok(s, "input/rename", {"deviceId": 0, "inputId": 0, "name": "Lectern"})
        assert ok(s, "input/readList", {"deviceId": 0})["inputs"][0]["name"] == "Lectern"
