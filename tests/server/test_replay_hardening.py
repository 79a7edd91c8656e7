"""Replay under hostile or large captures: start-up linear in the capture's size (issue
26, item 11), and a lone surrogate in a capture answered, never a 500 (item 13)."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from openapi_magic import Client
from openapi_magic.server import serve
from openapi_magic.server._firmware import FIRMWARE_PROFILES
from openapi_magic.server._replay import Replay, demo_capture_path


def scaled(data: dict, factor: int) -> dict:
    """The demo capture with ``factor`` times its screens: each screen's reads copied under
    new screen ids (what a venue with many screens captures)."""
    out = copy.deepcopy(data)
    listing = next(c for c in out["calls"] if c["interface"] == "screen/readList")
    screens = listing["reply"]["screens"]
    per_screen = [
        c for c in data["calls"] if isinstance(c.get("body"), dict) and "screenId" in c["body"]
    ]
    originals = list(screens)
    for k in range(1, factor):
        screens.extend({**rec, "screenId": rec["screenId"] + 1000 * k} for rec in originals)
        for call in per_screen:
            new = copy.deepcopy(call)
            new["body"]["screenId"] += 1000 * k
            if isinstance(new.get("reply"), dict) and "screenId" in new["reply"]:
                new["reply"]["screenId"] = new["body"]["screenId"]
            out["calls"].append(new)
    return out


class _CountingList(list):
    """A list that counts the items handed out by iteration (the calls a replay looks at)."""

    seen = 0

    def __iter__(self) -> Any:
        for item in super().__iter__():
            self.seen += 1
            yield item


def _calls_looked_at(data: dict) -> tuple[int, int]:
    replay = Replay(data)
    counted = _CountingList(replay.data["calls"])
    replay.data["calls"] = counted
    state = replay.build_state(
        1, clock=lambda: 0.0, osd_limit=64, firmware=FIRMWARE_PROFILES["default"]
    )
    assert len(state._screens) == len(
        next(c for c in data["calls"] if c["interface"] == "screen/readList")["reply"]["screens"]
    )
    return counted.seen, len(counted)


def test_replay_start_up_looks_at_each_call_a_bounded_number_of_times():
    data = json.loads(demo_capture_path().read_text(encoding="utf-8"))
    small_seen, small_n = _calls_looked_at(scaled(data, 1))
    big_seen, big_n = _calls_looked_at(scaled(data, 32))
    assert big_n > 5 * small_n
    # linear: the calls looked at grow as the capture does (a scan per lookup grows as
    # its square: 32x the screens looked at ~100x the calls)
    assert big_seen / big_n <= 1.5 * small_seen / small_n
    assert big_seen <= 3 * big_n


def test_a_lone_surrogate_in_a_capture_is_answered_not_a_500(tmp_path: Path, caplog):
    data = json.loads(demo_capture_path().read_text(encoding="utf-8"))
    listing = next(c for c in data["calls"] if c["interface"] == "screen/readList")
    listing["reply"]["screens"][0]["name"] = "Main \ud800 LED"
    detail = next(c for c in data["calls"] if c["interface"] == "device/readDetail")
    detail["msg"] = "ok \udfff"
    path = tmp_path / "surrogate.capture.json"
    # written as a Java firmware's reply reads: the JSON escape, a real file
    path.write_text(json.dumps(data, ensure_ascii=True), encoding="ascii")
    assert "\\ud800" in path.read_text(encoding="ascii")
    caplog.set_level(logging.DEBUG, logger="openapi_magic.server")
    with serve(replay=path) as replay:
        client = Client.from_splicer(replay)
        listed = client.call("screen/readList", listing["body"])
        read = client.call("device/readDetail", detail["body"])
        again = client.call("screen/readList", listing["body"])  # and after, all is well
    assert listed.status == 0, listed.msg
    assert listed.body["screens"][0]["name"] == "Main \\ud800 LED"  # visible, as shown
    assert read.status == 0 and read.msg == "ok \\udfff"
    assert again.status == 0
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]


@pytest.mark.parametrize("where", ["key", "nested"])
def test_a_lone_surrogate_in_a_key_or_deep_is_answered(where: str):
    data = json.loads(demo_capture_path().read_text(encoding="utf-8"))
    init = next(c for c in data["calls"] if c["interface"] == "main/initStatus")
    if where == "key":
        init["reply"]["\ud83d"] = 1
    else:
        init["reply"]["extra"] = [{"a": ["x\udc00"]}]
    with serve(replay=data) as replay:
        got = Client.from_splicer(replay).call("main/initStatus", init["body"])
    assert got.status == 0, got.msg
    assert ("\\ud83d" in got.body) if where == "key" else got.body["extra"] == [{"a": ["x\\udc00"]}]
