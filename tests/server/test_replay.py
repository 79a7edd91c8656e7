"""Replay a capture as a simulated splicer: the same replies, failures and ids; writes on top."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from openapi_magic import Client
from openapi_magic.errors import ConfigError
from openapi_magic.ops._captures import Capture, capture, capture_demo
from openapi_magic.server import DEMO_SECRET_KEY, FIRMWARE_PROFILES, serve
from openapi_magic.server._replay import Replay, demo_capture_path, firmware_for, patch

OTHER_SEED = 7  # a device unlike the replay's own seed: what it answers comes from the capture


def take(splicer) -> Capture:
    return capture(splicer, quiet=True)


@pytest.fixture(scope="module")
def venue(tmp_path_factory) -> tuple[Capture, Path]:
    """A capture of a simulated splicer that is not the demo device, saved and loaded."""
    with serve(seed=OTHER_SEED) as original:
        made = take(original)
    path = made.save(tmp_path_factory.mktemp("venue") / "venue.capture.json")
    return Capture.load(path), path


def test_the_venue_is_not_the_replays_own_device(venue):
    cap, _ = venue
    with serve() as plain:
        assert take(plain).diff(cap, volatile=()), "pick a seed whose device differs"


@pytest.mark.parametrize("volatile", [None, ()])
def test_a_replay_captured_again_diffs_empty(venue, volatile):
    cap, path = venue
    with serve(replay=path) as replay:
        again = take(replay)
    diff = again.diff(cap, volatile=volatile)
    assert not diff, diff.summary()
    # byte for byte: every reply body, status and msg as captured
    assert [(c.interface, c.body, c.status, c.msg, c.reply) for c in again] == [
        (c.interface, c.body, c.status, c.msg, c.reply) for c in cap
    ]


def test_replay_takes_a_capture_object_too(venue):
    cap, _ = venue
    with serve(replay=cap) as replay:
        assert not take(replay).diff(cap, volatile=())


def test_a_write_on_the_replay_shows_in_reads_and_in_the_diff(venue):
    cap, path = venue
    screen = cap["screen/readList"][0].reply["screens"][0]["screenId"]
    old = cap.find("screen/readDetail", {"deviceId": 0, "screenId": screen}).reply["brightness"]
    new = 35 if old != 35 else 36
    with serve(replay=path) as replay:
        client = Client.from_splicer(replay)
        assert client.call(
            "screen/writeBrightness", {"deviceId": 0, "screenId": screen, "brightness": new}
        ).ok
        detail = client.call("screen/readDetail", {"deviceId": 0, "screenId": screen}).body
        after = take(replay)
    assert detail["brightness"] == new
    captured = cap.find("screen/readDetail", {"deviceId": 0, "screenId": screen}).reply
    assert {k for k in detail if detail[k] != captured.get(k)} == {"brightness"}
    # the same write on the device that was captured changes the same rows
    with serve(seed=OTHER_SEED) as original:
        Client.from_splicer(original).call(
            "screen/writeBrightness", {"deviceId": 0, "screenId": screen, "brightness": new}
        )
        expected = take(original).diff(cap, volatile=()).df
    for volatile in (None, ()):
        frame = after.diff(cap, volatile=volatile).df
        # one change: read by screen/readDetail (and nonTimeDetail, which the simulated
        # splicer answers with the live detail)
        assert set(zip(frame["record"], frame["field"], frame["old"], frame["new"])) == {
            (f"screen {screen}", "brightness", old, new)
        }
        assert "screen/readDetail" in set(frame["interface"])
        assert frame.to_dict("records") == expected.to_dict("records")


def test_writes_follow_the_captured_ids_and_names(venue):
    cap, path = venue
    screens = cap["screen/readList"][0].reply["screens"]
    last = screens[-1]
    with serve(replay=path) as replay:
        client = Client.from_splicer(replay)
        assert client.call(
            "screen/rename", {"deviceId": 0, "screenId": last["screenId"], "name": "Encore wall"}
        ).ok
        listed = client.call("screen/readList", {"deviceId": 0}).body["screens"]
        created = client.call(
            "preset/createPreset",
            {"deviceId": 0, "screenId": screens[0]["screenId"], "name": "Encore", "overWrite": 0},
        )
        assert created.ok
        diff = take(replay).diff(cap)
    assert [s["screenId"] for s in listed] == [s["screenId"] for s in screens]
    assert [s["name"] for s in listed] == [s["name"] for s in screens[:-1]] + ["Encore wall"]
    changes = set(zip(diff.df["interface"], diff.df["field"], diff.df["change"]))
    assert ("screen/readList", "name", "changed") in changes
    assert ("preset/readList", "", "added") in changes
    added = diff.df[diff.df["change"] == "added"]["record"]
    assert set(added) == {f"screen {screens[0]['screenId']} · preset {created.body['presetId']}"}


def _new_layer_detail(replay, cap):
    """Create a layer on the replay and read its detail (a read the capture never made)."""
    client = Client.from_splicer(replay)
    screen = cap["screen/readList"][0].reply["screens"][0]["screenId"]
    made = client.call(
        "layer/create",
        {
            "deviceId": 0,
            "screenId": screen,
            "name": "Lower third",
            "window": {"x": 0, "y": 0, "width": 640, "height": 360},
        },
    )
    assert made.ok, made.msg
    body = {"deviceId": 0, "screenId": screen, "layerId": made.body["layerId"]}
    assert cap.find("layer/readDetail", body) is None
    return client.call("layer/readDetail", body)


def test_a_read_the_capture_never_made_answers_as_an_unknown_read(venue):
    cap, path = venue
    inputs = [r["inputId"] for r in cap["input/readList"][0].reply["inputs"]]
    with serve(replay=path) as replay:
        unknown = Client.from_splicer(replay).call(
            "input/readDetail", {"deviceId": 0, "inputId": max(inputs) + 50}
        )
    assert (unknown.status, unknown.msg) == (1, "Params_Error")
    assert any("never made this" in w and "fill=True" in w for w in unknown.warnings)


def test_a_record_made_on_the_replay_is_read_from_the_model_and_marked(venue):
    cap, path = venue
    with serve(replay=path) as replay:
        detail = _new_layer_detail(replay, cap)
        assert detail.ok and detail.body["general"]["name"] == "Lower third"
        assert any("made on the replay" in w for w in detail.warnings)
        replay.reset()  # the layer is gone, and the replay forgets it made it
        again = Client.from_splicer(replay).call("layer/readDetail", detail.request_body)
    assert (again.status, again.msg) == (1, "Params_Error")


def test_fill_answers_from_the_model_and_marks_the_reply(venue, caplog):
    cap, path = venue
    with (
        serve(replay=path, fill=True) as replay,
        caplog.at_level("WARNING", "openapi_magic.server"),
    ):
        detail = _new_layer_detail(replay, cap)
        captured = Client.from_splicer(replay).call("screen/readList", {"deviceId": 0})
    assert detail.ok and detail.body["general"]["name"] == "Lower third"
    assert any("filled from the simulated splicer" in w for w in detail.warnings)
    assert captured.ok and not captured.warnings  # a captured read is not marked
    logged = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("layer/readDetail" in m and "fill=True" in m for m in logged), logged


def test_reset_undoes_the_writes_on_the_replay(venue):
    cap, path = venue
    with serve(replay=path) as replay:
        client = Client.from_splicer(replay)
        screen = cap["screen/readList"][0].reply["screens"][0]["screenId"]
        client.call("screen/rename", {"deviceId": 0, "screenId": screen, "name": "Changed"})
        assert take(replay).diff(cap)
        replay.reset()
        assert not take(replay).diff(cap, volatile=())


@pytest.mark.parametrize("encrypt", [True, False])
def test_plain_and_encrypted_accounts(encrypt, tmp_path):
    with serve(seed=OTHER_SEED, encrypt=encrypt, pid="venue", secret_key="Ven8Key2") as original:
        cap = take(original)
    path = cap.save(tmp_path / "c.json")
    assert cap.encrypted is encrypt
    # the replay's own account: the demo one, or as given
    for options in ({}, {"encrypt": encrypt, "pid": "venue", "secret_key": "Ven8Key2"}):
        with serve(replay=path, **options) as replay:
            assert replay.encrypt is options.get("encrypt", True)
            assert not take(replay).diff(cap, volatile=())


@pytest.mark.parametrize("firmware", ["h5-capture", "h9-1.9.7.1"])
def test_a_capture_with_failures_replays_them_as_observed(firmware, tmp_path):
    profile = FIRMWARE_PROFILES[firmware]
    with serve(firmware=firmware, seed=OTHER_SEED) as original:
        cap = take(original)
    assert cap.failed, "this firmware's capture should hold failures"
    path = cap.save(tmp_path / "c.json")
    with serve(replay=path) as replay:
        # What the capture observed, not a match of its softwareVersion against a profile.
        assert replay.firmware.name == "replay"
        assert replay.status_key == profile.status_key
        assert replay.firmware.success_msg == profile.success_msg
        assert set(replay.firmware.failing) == {c.interface for c in cap.failed}
        again = take(replay)
        client = Client.from_splicer(replay)
        failed = cap.failed[0]
        reply = client.call(failed.interface, failed.body)
    assert (reply.status, reply.msg) == (failed.status, failed.msg) == (500, "Server_Err")
    assert not again.diff(cap, volatile=())
    assert [(c.interface, c.status, c.msg) for c in again.failed] == [
        (c.interface, c.status, c.msg) for c in cap.failed
    ]


def test_a_failure_captured_on_healthy_looking_firmware_is_replayed(venue, tmp_path):
    cap, _ = venue
    data = cap.to_dict()
    hit = next(c for c in data["calls"] if c["interface"] == "output/readList")
    hit.update(status=404, msg="Not_Found", reply=None)
    with serve(replay=data) as replay:
        assert replay.firmware.name == "replay"
        reply = Client.from_splicer(replay).call("output/readList", {"deviceId": 0})
    assert (reply.status, reply.msg) == (404, "Not_Found")


def test_an_explicit_firmware_wins(tmp_path):
    with serve(firmware="h5-capture") as original:
        cap = take(original)
    with serve(replay=cap, firmware="default") as replay:
        assert replay.firmware.name == "default" and replay.status_key == "status"
    assert firmware_for(cap.to_dict()).status_key == "status "
    # The observation does not depend on the version the capture names.
    assert firmware_for({**cap.to_dict(), "firmware": "9.9.9"}).status_key == "status "
    assert all(
        firmware_for(
            {**cap.to_dict(), "firmware": p.software_version, "model_id": p.main_model_id}
        ).messages
        == "token"
        for p in FIRMWARE_PROFILES.values()
    )


@pytest.mark.parametrize(
    ("source", "cause"),
    [
        ("missing.json", "No capture file"),
        ({"format": "something else"}, "not an openapi_magic capture"),
        ({"format": "openapi_magic.capture", "version": 99, "calls": []}, "format version 99"),
        ({"format": "openapi_magic.capture", "version": 1, "calls": [1]}, "list of captured calls"),
        (42, "not int"),
    ],
)
def test_a_bad_replay_source_is_one_clear_error(source, cause, tmp_path):
    if source == "missing.json":
        source = tmp_path / source
    with pytest.raises(ConfigError, match=cause):
        Replay(source)


def test_patch_keeps_captured_parts_and_applies_model_changes():
    captured = {
        "a": 1,
        "only_real": "x",
        "rows": [{"rowId": 0, "v": 1, "z": "r"}, {"rowId": 1, "v": 2, "z": "s"}],
    }
    before = {"a": 1, "gone": 5, "rows": [{"rowId": 0, "v": 1}, {"rowId": 1, "v": 2}]}
    assert patch(captured, before, before) is captured
    now = {"a": 2, "new": 3, "rows": [{"rowId": 1, "v": 9}, {"rowId": 2, "v": 7}]}
    assert patch(captured, before, now) == {
        "a": 2,
        "only_real": "x",
        "new": 3,
        "rows": [{"rowId": 1, "v": 9, "z": "s"}, {"rowId": 2, "v": 7}],
    }


# --------------------------------------------------------------------------- shipped capture


def test_the_shipped_demo_capture_is_current(tmp_path):
    shipped = demo_capture_path()
    assert shipped.is_file(), "package data: pyproject's package-data must list server/data"
    fresh = capture_demo(tmp_path / "fresh.json")
    assert not fresh.diff(Capture.load(shipped), volatile=()), (
        "the shipped capture is stale: regenerate it with "
        'python -c "from openapi_magic.ops._captures import capture_demo; '
        f"capture_demo('{shipped}')\""
    )
    assert (tmp_path / "fresh.json").read_text(encoding="utf-8") == shipped.read_text(
        encoding="utf-8"
    )


def test_the_shipped_capture_holds_no_secret_and_replays(tmp_path):
    text = demo_capture_path().read_text(encoding="utf-8")
    assert DEMO_SECRET_KEY not in text
    data = json.loads(text)
    assert not re.search(r'"sign"\s*:\s*"[^"]', text)
    assert all(
        set(c)
        <= {"interface", "body", "status", "msg", "reply", "http_status", "elapsed", "error"}
        | {"envelope"}
        for c in data["calls"]
    )
    with serve(replay="demo") as replay:
        assert not take(replay).diff(Capture.load(demo_capture_path()), volatile=())


# --------------------------------------------------------------------------- command line


def test_help_lists_replay():
    out = subprocess.run(
        [sys.executable, "-m", "openapi_magic.server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "--replay FILE" in out
    assert "--fill" in out  # reads the capture never made, from the simulated device


def test_replay_on_the_command_line(venue):
    cap, path = venue
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "openapi_magic.server", "--replay", str(path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        text = "".join(lines)
        assert "replaying:" in text and str(path) in text, text
        root = re.search(r"root:\s+(\S+)", text).group(1)
        client = Client(root, "demo", DEMO_SECRET_KEY, encrypt=True)
        screens = client.call("screen/readList", {"deviceId": 0}).body
        assert screens == cap.find("screen/readList", {"deviceId": 0}).reply
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_bad_replay_file_on_the_command_line_says_why(tmp_path):
    bad = tmp_path / "not-a-capture.json"
    bad.write_text("{}", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "openapi_magic.server", "--replay", str(bad), "--port", "0"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "not an openapi_magic capture" in run.stderr


@pytest.mark.parametrize(
    "odd",
    [
        {"screen/readList": {"screens": ["not a record", {"screenId": "0"}]}},
        {"screen/readList": {"screens": [{"screenId": 0}]}, "screen/readDetail": "text"},
        {"input/readList": {"inputs": [{"inputId": 0, "general": "x", "resolution": None}]}},
        {"layer/detailList": {"screenLayers": [{"layerId": 0, "general": 5, "window": "w"}]}},
        {"device/readDetail": [1, 2, 3], "bkg/readAllList": {"bkgs": 7}, "output/readList": None},
    ],
)
def test_records_of_an_unknown_shape_still_replay_as_captured(venue, odd):
    """Another firmware's records may not fit the model: the captured replies still answer."""
    cap, _ = venue
    data = cap.to_dict()
    for call in data["calls"]:
        if call["interface"] in odd and call["status"] == 0:
            call["reply"] = odd[call["interface"]]
    odd_capture = Capture.from_dict(data)
    with serve(replay=data) as replay:
        again = take(replay)
        assert (
            Client.from_splicer(replay)
            .call("screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 40})
            .status
            is not None
        )
    # the re-capture follows ids from the odd replies, so it may make other calls; every
    # call the odd capture holds answers as captured
    matched = [(c, odd_capture.find(c.interface, c.body)) for c in again]
    matched = [(c, o) for c, o in matched if o is not None]
    assert {c.interface for c, _ in matched} >= set(odd)
    assert [(c.status, c.msg, c.reply) for c, _ in matched] == [
        (o.status, o.msg, o.reply) for _, o in matched
    ]


def test_an_anonymized_capture_replays_with_its_placeholders(venue):
    cap, _ = venue
    shared = cap.anonymized()
    with serve(replay=shared) as replay:
        ip = Client.from_splicer(replay).call("device/readIp", {"deviceId": 0}).body
        assert not take(replay).diff(shared, volatile=())
    assert ip == shared.find("device/readIp", {"deviceId": 0}).reply
    assert ip != cap.find("device/readIp", {"deviceId": 0}).reply


def test_replay_and_capture_match_a_request_by_the_same_key(venue):
    """One body key (capture_format): key order aside, no body is the empty object."""
    from openapi_magic.core import capture_format

    cap, _ = venue
    replay = Replay(cap)
    for call in cap:
        if call.status is None:
            continue
        shuffled = dict(reversed(list(call.body.items())))
        assert replay.captured(call.interface, shuffled) is not None
        assert replay.captured("/" + call.interface, shuffled)["reply"] == call.reply
        assert cap.find(call.interface, shuffled) is call
    assert capture_format.body_key(None) == capture_format.body_key({})
    assert capture_format.call_key("/a/b ", {"y": 1, "x": 2}) == ("a/b", '{"x":2,"y":1}')
    empty = capture_format.Call("x/readNothing", {}, 0)
    made = Capture(calls=[empty])
    assert made.find("x/readNothing", None) is empty
    assert Replay({**made.to_dict()}).captured("x/readNothing", None) is not None
