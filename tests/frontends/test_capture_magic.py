"""%openapi_capture and %openapi_diff in a real InteractiveShell, against the simulated splicer."""

import json

import pytest
from IPython.utils.capture import capture_output

from openapi_magic import Client
from openapi_magic.ops._captures import Capture


def run(ip, code):
    with capture_output() as cap:
        res = ip.run_cell(code, store_history=True)
    return res, cap.stdout + cap.stderr


def connected(ip, splicer):
    ip.user_ns["splicer"] = splicer
    res, out = run(ip, "%openapi_connect splicer")
    assert res.success, out
    return ip


def test_capture_magic_stores_and_saves(ip, splicer, tmp_path, monkeypatch):
    connected(ip, splicer)
    monkeypatch.chdir(tmp_path)
    res, out = run(ip, "%openapi_capture -q -o cap venue.json")
    assert res.success, out
    cap = ip.user_ns["cap"]
    assert isinstance(cap, Capture) and cap.firmware and not cap.partial
    assert res.result is cap and "venue.json" in out
    assert Capture.load(tmp_path / "venue.json").to_dict() == cap.to_dict()
    html = ip.display_formatter.format(cap)[0]["text/html"]
    assert "screen/readDetail" in html and cap.firmware in html


def test_capture_magic_saves_to_the_path_a_variable_holds(ip, splicer, tmp_path, monkeypatch):
    """``%openapi_capture -o cap PATH`` with PATH a notebook variable (a tutorial keeps its
    files in a temporary folder), as ``%openapi_diff`` takes one."""
    connected(ip, splicer)
    monkeypatch.chdir(tmp_path)
    ip.user_ns["soundcheck_file"] = tmp_path / "kept" / "soundcheck.json"
    (tmp_path / "kept").mkdir()
    res, out = run(ip, "%openapi_capture -q -o cap soundcheck_file")
    assert res.success, out
    saved = Capture.load(tmp_path / "kept" / "soundcheck.json")
    assert saved.to_dict() == ip.user_ns["cap"].to_dict()
    assert not (tmp_path / "soundcheck_file").exists()
    res, out = run(ip, "%openapi_diff soundcheck_file")
    assert res.success and res.result.changes == [], out


def test_capture_magic_anonymizes(ip, splicer):
    connected(ip, splicer)
    res, out = run(ip, "%openapi_capture -q --anonymize -o cap")
    assert res.success, out
    cap = ip.user_ns["cap"]
    sn = Client.from_splicer(splicer).call("main/initStatus", {"deviceId": 0}).body["sn"]
    assert cap.is_anonymized and sn not in json.dumps(cap.to_dict())


def test_diff_magic_between_captures_files_and_the_live_splicer(ip, splicer, tmp_path):
    connected(ip, splicer)
    path = tmp_path / "soundcheck.json"
    assert run(ip, f"%openapi_capture -q -o before {path}")[0].success
    res, out = run(ip, f"%openapi_diff before {path}")
    assert res.success, out
    assert not res.result and "No differences" in str(res.result)
    Client.from_splicer(splicer).call(
        "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 12}
    )
    assert run(ip, "%openapi_capture -q -o after")[0].success
    res, out = run(ip, "%openapi_diff -o d before after")
    assert res.success, out
    diff = ip.user_ns["d"]
    assert diff is res.result and set(diff.df["field"]) == {"brightness"}
    assert set(diff.df["new"]) == {12}
    live = run(ip, f"%openapi_diff {path}")[0].result  # no NEW: the splicer now
    assert list(live.df["field"]) == list(diff.df["field"])
    html = ip.display_formatter.format(diff)[0]["text/html"]
    assert "brightness" in html and "screen 0" in html


@pytest.mark.parametrize(
    "line, message",
    [
        ("%openapi_diff nowhere.json", "No capture file"),
        ("%openapi_diff number", "not a Capture"),
        ("%openapi_capture -o 2bad", "-o needs a variable name"),
        ("%openapi_capture --max-seconds 0", "max_seconds"),
        ("%openapi_capture --max-bytes 0", "max_bytes"),
        ("%openapi_capture --max-records 0", "max_records"),
    ],
)
def test_magic_errors_are_one_clear_line(ip, splicer, line, message):
    connected(ip, splicer)
    ip.user_ns["number"] = 42
    res, out = run(ip, line)
    assert not res.success and message in out
    assert "Traceback" not in out


def test_capture_magic_bounds_the_records_followed(ip, splicer):
    connected(ip, splicer)
    res, out = run(ip, "%openapi_capture -q --max-records 1 --max-bytes 100000000 -o cap")
    assert res.success, out
    cap = ip.user_ns["cap"]
    assert cap.partial and "max_records=1 of" in cap.partial_reason
    assert len(cap["screen/readDetail"]) == 1


def test_capture_magic_needs_a_connection(ip):
    res, out = run(ip, "%openapi_capture -q")
    assert not res.success and "Not connected" in out
