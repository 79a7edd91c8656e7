"""A replay answers as its capture observed, and never passes simulated values off as captured.

A hand-built capture of an H9 on V1.9.7.1 (the H9 notes of FIELD-EVIDENCE.md) whose
``model_id`` says H5: the replay answers like that H9 (its failures, its ``"status "``
key, its unknown-read answer), not like any named profile its softwareVersion matches.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys

import pytest
import requests
from _server_fixtures import TIMEOUT, envelope_for

from openapi_magic import Client
from openapi_magic.core.capture_format import FORMAT, Capture
from openapi_magic.ops._captures import capture
from openapi_magic.server import DEMO_SECRET_KEY, serve
from openapi_magic.server._replay import Replay

#: The real H5's reply to screen/readList, byte for byte (FIELD-EVIDENCE.md): the envelope
#: sorted, the record inside not (screenId before name), no createTime.
REAL_H5_LIST = b'{"body":{"deviceId":0,"screens":[{"screenId":0,"name":"Screen 1"}]},"msg":"","sign":"","status ":0}'
H9_KEYS = ["body", "msg", "sign", "status "]


def _call(interface, body, status, msg, reply=None, keys=H9_KEYS):
    return {
        "interface": interface,
        "body": body,
        "status": status,
        "msg": msg,
        "reply": reply,
        "http_status": 200,
        "elapsed": 0.01,
        "error": "",
        "envelope": {"keys": keys, "signed": False},
    }


def h9_capture(**changes) -> dict:
    """A capture as the H9 notes describe that H9, made by hand (format version 2)."""
    data = {
        "format": FORMAT,
        "version": 2,
        "model_id": 29962,  # an H5's id: the replay must not go by it
        "firmware": "V1.9.7.1",
        "taken_at": "2026-11-30T18:00:00+00:00",
        "seconds": 1.0,
        "partial": False,
        "partial_reason": "",
        "skipped": {},
        "anonymized": False,
        "root": "http://192.0.2.10:8000/open/api",
        "encrypted": False,
        "calls": [
            _call(
                "main/initStatus",
                {"deviceId": 0},
                0,
                "",
                {"initStatus": 1, "softwareVersion": "V1.9.7.1", "mainModelId": 29962},
            ),
            _call(
                "screen/readList",
                {"deviceId": 0},
                0,
                "",
                {"deviceId": 0, "screens": [{"screenId": 0, "name": "Screen 1"}]},
            ),
            _call("device/readDetail", {"deviceId": 0}, 500, "Server_Err"),
            _call(
                "screen/writeBrightness",
                {"deviceId": 0, "screenId": 0, "brightness": 50},
                500,
                "Server_Err",
            ),
            # A probe of a path the firmware does not know: how it answers an unknown read.
            _call("screen/readNothing", {"deviceId": 0}, 500, "Server_Err"),
        ],
    }
    data.update(changes)
    return data


def _raw(splicer, interface, body) -> bytes:
    env = envelope_for(splicer, body)
    return requests.post(splicer.url(interface), json=env, timeout=TIMEOUT).content


def test_an_h9_capture_replays_as_that_h9_not_as_a_named_profile():
    with serve(replay=h9_capture(), encrypt=False) as replay:
        assert replay.firmware.name == "replay" and replay.status_key == "status "
        client = Client.from_splicer(replay)
        # The H9 answered writeBrightness 500: any brightness, not only the captured body.
        for level in (50, 80):
            result = client.call(
                "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": level}
            )
            assert (result.status, result.msg) == (500, "Server_Err")
        assert json.loads(
            _raw(replay, "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 80})
        ) == {
            "body": {},
            "msg": "Server_Err",
            "sign": "",
            "status ": 500,
        }
        # A captured read: the captured bytes, key spelling, msg "" and key order included.
        assert _raw(replay, "screen/readList", {"deviceId": 0}) == REAL_H5_LIST
        # Writes the capture shows nothing against still reach the model.
        assert client.call("screen/rename", {"deviceId": 0, "screenId": 0, "name": "Stage"}).ok
        listed = client.call("screen/readList", {"deviceId": 0})
        assert listed.body["screens"] == [{"screenId": 0, "name": "Stage"}]


def test_a_read_the_capture_never_made_answers_as_the_firmware_answers_an_unknown_read():
    replay_of = Replay(h9_capture())
    assert "screen/readDetail" in replay_of.unanswerable()
    assert "main/initStatus" not in replay_of.unanswerable()
    summary = replay_of.summary()
    assert "cannot answer" in summary and "screen/readDetail" in summary and "fill=True" in summary
    with serve(replay=h9_capture(), encrypt=False) as replay:
        result = Client.from_splicer(replay).call(
            "screen/readDetail", {"deviceId": 0, "screenId": 0}
        )
        raw = json.loads(_raw(replay, "screen/readDetail", {"deviceId": 0, "screenId": 0}))
    # Not the demo device's screen: the H9's answer to a path it does not know.
    assert (result.status, result.msg) == (500, "Server_Err") and not result.body
    assert raw == {"body": {}, "msg": "Server_Err", "sign": "", "status ": 500}
    assert any("never made this screen/readDetail read" in w for w in result.warnings)


def test_without_an_observed_unknown_read_the_default_profile_answers():
    data = h9_capture()
    data["calls"] = [c for c in data["calls"] if c["interface"] != "screen/readNothing"]
    with serve(replay=data) as replay:
        result = Client.from_splicer(replay).call("audio/readList", {"deviceId": 0, "screenId": 0})
    assert (result.status, result.msg) == (1, "Params_Error")
    assert result.warnings and "fill=True" in result.warnings[0]


def test_fill_fills_from_the_simulated_device_and_marks_it(caplog):
    with (
        serve(replay=h9_capture(), fill=True) as replay,
        caplog.at_level(logging.WARNING, "openapi_magic.server"),
    ):
        assert "filled from the simulated device" in replay.replay.summary()
        client = Client.from_splicer(replay)
        filled = client.call("screen/readDetail", {"deviceId": 0, "screenId": 0})
        captured = client.call("screen/readList", {"deviceId": 0})
    assert filled.ok and filled.body["screenId"] == 0
    assert any("filled from the simulated splicer" in w for w in filled.warnings)
    assert captured.ok and captured.warnings == []
    assert any(
        "screen/readDetail" in r.getMessage() and "fill=True" in r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING
    )


def test_fill_without_a_replay_is_refused():
    from openapi_magic.errors import ConfigError

    with pytest.raises(ConfigError, match="replay="):
        serve(fill=True)


def test_a_firmware_that_sends_no_sign_key_is_replayed_without_one():
    no_sign = ["body", "msg", "status"]
    data = h9_capture()
    for call in data["calls"]:
        call["envelope"] = {"keys": no_sign, "signed": False}
    with serve(replay=data, encrypt=False) as replay:
        reply = json.loads(_raw(replay, "screen/readList", {"deviceId": 0}))
        failed = json.loads(_raw(replay, "device/readDetail", {"deviceId": 0}))
    assert list(reply) == no_sign and list(failed) == no_sign
    # A firmware named explicitly wins: its own envelope, sign key and all.
    with serve(replay=data, encrypt=False, firmware="default") as replay:
        reply = json.loads(_raw(replay, "screen/readList", {"deviceId": 0}))
    assert list(reply) == ["body", "msg", "sign", "status"]


def test_an_old_capture_file_still_replays(tmp_path):
    """Format version 1: no envelope shapes, replies saved with sorted keys."""
    with serve(seed=7) as original:
        made = capture(original, quiet=True)
    data = made.to_dict()
    data["version"] = 1
    for call in data["calls"]:
        del call["envelope"]
    path = tmp_path / "old.capture.json"
    path.write_text(json.dumps(data, sort_keys=True, indent=1), encoding="utf-8")
    old = Capture.from_dict(json.loads(path.read_text(encoding="utf-8")))
    assert old.calls[0].envelope is None
    with serve(replay=path) as replay:
        assert replay.status_key == "status"  # nothing observed: the default profile's
        again = capture(replay, quiet=True)
    assert not again.diff(old, volatile=())


def test_fill_on_the_command_line_is_logged_and_warned(tmp_path):
    path = tmp_path / "h9.capture.json"
    path.write_text(json.dumps(h9_capture()), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "openapi_magic.server", "--replay", str(path), "--fill"]
        + ["--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        banner = "".join(lines)
        assert "filled from the simulated device" in banner, banner
        root = re.search(r"root:\s+(\S+)", banner).group(1)
        with Client(root, "demo", DEMO_SECRET_KEY, encrypt=True) as client:
            filled = client.call("screen/readDetail", {"deviceId": 0, "screenId": 0})
        assert filled.ok and any("filled" in w for w in filled.warnings)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "screen/readDetail" in err and "fill=True" in err, err
