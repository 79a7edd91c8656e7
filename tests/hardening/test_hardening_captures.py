"""Attacks on capture files: malformed files, read by every path that reads one.

A capture is shared (a crew mails it, a replay serves it): a file with a field of the
wrong type, or nested a thousand levels deep, is refused with one CaptureError naming
what is wrong, by ``Capture.load``, a replay and ``%openapi_diff`` alike; never a raw
TypeError, ValueError or RecursionError.
"""

from __future__ import annotations

import json

import pytest
from IPython.utils.capture import capture_output

from openapi_magic.core.capture_format import FORMAT, FORMAT_VERSION, MAX_DEPTH
from openapi_magic.errors import CaptureError
from openapi_magic.ops._captures import Capture
from openapi_magic.server import serve


def _capture(**top) -> dict:
    call = {
        "interface": "screen/readList",
        "body": {"deviceId": 0},
        "status": 0,
        "msg": "Success",
        "reply": {"deviceId": 0, "screens": [{"screenId": 0, "name": "Main"}]},
        "http_status": 200,
        "elapsed": 0.01,
        "error": "",
    }
    call.update(top.pop("call", {}))
    return {"format": FORMAT, "version": FORMAT_VERSION, "calls": [call], **top}


def _deep(levels: int) -> str:
    text = json.dumps(_capture(call={"reply": "HOLE"}))
    return text.replace('"HOLE"', "[" * levels + "]" * levels)


#: (what is wrong, the file's text, the field the error must name)
MALFORMED = [
    ("seconds a string", json.dumps(_capture(seconds="abc")), "seconds"),
    ("seconds a list", json.dumps(_capture(seconds=[1])), "seconds"),
    ("seconds an object", json.dumps(_capture(seconds={"a": 1})), "seconds"),
    ("skipped a list", json.dumps(_capture(skipped=[1, 2])), "skipped"),
    ("skipped a string", json.dumps(_capture(skipped="xy")), "skipped"),
    ("skipped a number", json.dumps(_capture(skipped=3)), "skipped"),
    ("elapsed a string", json.dumps(_capture(call={"elapsed": "abc"})), "elapsed"),
    ("elapsed an object", json.dumps(_capture(call={"elapsed": {"s": 1}})), "elapsed"),
    ("nested past the parser's stack", _deep(1_000), "nests deeper"),
    ("nested past the walkers' stack", _deep(900), "nests deeper"),
    ("nested past the limit", _deep(MAX_DEPTH + 5), "nests deeper"),
]
IDS = [m[0] for m in MALFORMED]


@pytest.mark.parametrize("what, text, field", MALFORMED, ids=IDS)
def test_capture_load_names_the_field(tmp_path, what, text, field):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaptureError) as err:
        Capture.load(path)
    assert field in str(err.value), (what, str(err.value))
    exc = err.value  # no raw error shown beneath it
    assert exc.__cause__ is None and (exc.__suppress_context__ or exc.__context__ is None)


@pytest.mark.parametrize("what, text, field", MALFORMED, ids=IDS)
def test_replay_names_the_field(tmp_path, what, text, field):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaptureError) as err:
        serve(replay=str(path)).stop()
    assert field in str(err.value), (what, str(err.value))


@pytest.mark.parametrize("what, text, field", MALFORMED[::3], ids=IDS[::3])
def test_openapi_diff_names_the_field(ip, splicer, tmp_path, what, text, field):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    ip.user_ns["splicer"] = splicer
    assert ip.run_cell("%openapi_connect splicer").success
    with capture_output() as cap:
        res = ip.run_cell(f"%openapi_diff {path}")
    out = cap.stdout + cap.stderr
    assert not res.success and field in out, out
    assert "Traceback" not in out and "RecursionError" not in out


def test_a_capture_nested_to_the_limit_still_loads(tmp_path):
    path = tmp_path / "ok.json"
    # The reply sits 3 levels down (capture → calls → call → reply).
    path.write_text(_deep(MAX_DEPTH - 4), encoding="utf-8")
    assert len(Capture.load(path)) == 1
