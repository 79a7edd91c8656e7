"""``%openapi_history``, ``openapi_magic.history()``, ``%openapi_profiles`` and the Tab
completion of profile and interface names, in a real shell running real cells."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from _hardening import fresh_magic
from IPython.core.completer import provisionalcompleter
from IPython.utils.capture import capture_output

import openapi_magic
from openapi_magic.client._client import Client

WAIT = 15


def run(ip: Any, code: str) -> Any:
    with capture_output() as cap:
        res = ip.run_cell(code)
    assert res.success, (code, cap.stdout, cap.stderr, res.error_in_exec)
    return res.result


def shown(value: Any) -> str:
    """What the cell shows: its text, HTML and Markdown."""
    bundle = value._repr_mimebundle_()
    return "\n".join(bundle[k] for k in ("text/plain", "text/html", "text/markdown"))


def connect(ip: Any, splicer: Any) -> None:
    ip.user_ns["splicer"] = splicer
    run(ip, "%openapi_connect splicer --no-firmware")


@pytest.mark.slow
def test_the_history_lists_magic_form_and_fleet_calls_newest_first(ip, splicer):
    connect(ip, splicer)
    run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    run(ip, '%%openapi screen/writeBrightness\n{"deviceId": 0, "screenId": 0, "brightness": 41}')
    run(ip, '%%openapi screen/readList --dry-run\n{"deviceId": 0}')  # not sent: not kept
    form = run(ip, "%openapi_form device/readDetail")
    form.body = {"deviceId": 0}
    form._send_button.click()
    assert form.wait(WAIT)
    ip.user_ns["targets"] = [Client.from_splicer(splicer, name="left")]
    run(ip, '%%openapi screen/readList --on targets\n{"deviceId": 0}')

    frame = openapi_magic.history()
    assert list(frame["interface"]) == [
        "screen/readList",
        "device/readDetail",
        "screen/writeBrightness",
        "screen/readList",
    ]
    assert list(frame["origin"]) == ["magic", "form", "magic", "magic"]
    assert frame["splicer"].iloc[0] == "left"  # the fleet's own splicer
    assert list(frame["write"]) == [False, False, True, False]

    view = run(ip, "%openapi_history")
    text = view.to_text(200)
    assert "4 calls sent, newest first (1 write)" in text
    assert text.index("device/readDetail") < text.index("screen/writeBrightness")
    assert "WRITE" in text and "WRITE" in view._repr_html_()
    writes = run(ip, "%openapi_history --writes").to_text(200)
    assert "1 write sent" in writes and "screen/readList" not in writes
    newest = run(ip, "%openapi_history --last 1").to_text(200)
    assert "1 call sent" in newest and "left" in newest and "device/readDetail" not in newest


def test_a_write_refused_by_read_only_is_not_in_the_history(ip, splicer):
    connect(ip, splicer)
    ip.user_ns["splicer"] = splicer
    run(ip, "%openapi_connect splicer --no-firmware --read-only")
    with capture_output():
        res = ip.run_cell(
            '%%openapi screen/writeBrightness\n{"deviceId": 0, "screenId": 0, "brightness": 3}'
        )
    assert not res.success
    assert openapi_magic.history().empty
    assert "No calls sent in this session yet." in run(ip, "%openapi_history").to_text()


def test_a_python_call_on_the_magics_client_is_in_the_history(ip, splicer):
    connect(ip, splicer)
    run(
        ip,
        'import openapi_magic\nopenapi_magic.current_client().call("screen/readList", {"deviceId": 0})',
    )
    assert list(openapi_magic.history()["origin"]) == ["client"]


def test_the_history_file_outlives_the_session(ip, splicer, tmp_path, monkeypatch):
    path = tmp_path / "tonight.jsonl"
    connect(ip, splicer)
    run(ip, f"%config OpenAPIMagics.history_file = {str(path)!r}")
    run(ip, '%%openapi screen/writeBrightness\n{"deviceId": 0, "screenId": 0, "brightness": 42}')
    ip.user_ns["gone"] = Client("http://127.0.0.1:9/open/api", "demo", "Some-Key-12345678")
    with capture_output():  # a write that never reached the wall: kept, and marked so
        assert not ip.run_cell(
            '%%openapi screen/writeBrightness --on gone\n{"deviceId": 0, "screenId": 0, '
            '"brightness": 43}'
        ).success

    fresh_magic(ip, monkeypatch, tmp_path)  # the kernel restarted: a new session
    assert openapi_magic.history().empty
    run(ip, f"%config OpenAPIMagics.history_file = {str(path)!r}")
    before = run(ip, "%openapi_history --file").to_text(200)
    # the fleet tried the unreachable splicer three times (a refused connection is retried)
    assert "4 calls sent, newest first (4 writes); 3 did not succeed." in before
    assert "NOT REACHED" in before
    frame = openapi_magic.history(file=path)
    assert list(frame["reached"]) == [False, False, False, True]
    assert frame["body"].iloc[3] == {"deviceId": 0, "screenId": 0, "brightness": 42}
    # the new session appends to the same file
    connect(ip, splicer)
    run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    assert len(Path(path).read_text("utf-8").splitlines()) == 5


def test_the_history_file_needs_a_name(ip):
    with capture_output():
        res = ip.run_cell("%openapi_history --file")
    assert not res.success and "No history file" in str(res.error_in_exec)


# --------------------------------------------------------------------------- profiles


def write_profiles(tmp_path: Path, monkeypatch: Any) -> Path:
    path = tmp_path / "profiles.ini"
    path.write_text(
        "[hall-a]\nroot = http://crew:pw@10.0.0.5:8000/open/api\npid = YmRj\n"
        "encrypt = true\nsecret_key_env = HALL_A_SECRET\n\n"
        "[hall-b]\nroot = http://10.0.0.6:8000/open/api\npid = demo\n"
        "secret_key = In-The-File-Key-1234\nread_only = true\n\n"
        "[foyer]\nroot = http://10.0.0.7:8000/open/api\npid = demo\nconfirm_writes = yes\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(path))
    return path


def test_openapi_profiles_lists_each_profile_and_where_its_key_comes_from(
    ip, tmp_path, monkeypatch
):
    write_profiles(tmp_path, monkeypatch)
    view = run(ip, "%openapi_profiles")
    rows = {row["name"]: row for row in view.rows}
    assert list(rows) == ["hall-a", "hall-b", "foyer"]
    assert rows["hall-a"]["key from"] == "$HALL_A_SECRET (not set here)"
    assert rows["hall-a"]["root"] == "http://10.0.0.5:8000/open/api"  # no login shown
    assert rows["hall-a"]["encrypt"] == "yes"
    assert rows["hall-b"]["key from"] == "the profiles file"
    assert rows["hall-b"]["read-only"] == "yes"
    assert rows["foyer"]["confirm"] == "yes" and rows["foyer"]["key from"] == "none"
    everything = shown(view)
    assert "In-The-File-Key-1234" not in everything and "pw@" not in everything
    assert "3 profiles in" in everything and "HALL_A_SECRET" in everything


# --------------------------------------------------------------------------- completion


def completions(ip: Any, line: str) -> list[str]:
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(line, len(line))]


def test_profile_names_complete_after_dash_p(ip, tmp_path, monkeypatch):
    write_profiles(tmp_path, monkeypatch)
    assert completions(ip, "%openapi_connect -p ") == ["foyer", "hall-a", "hall-b"]
    assert completions(ip, "%openapi_connect -p hall") == ["hall-a", "hall-b"]
    assert completions(ip, "%openapi_connect --profile f") == ["foyer"]
    assert completions(ip, "%openapi_watch device/readDetail -p ha") == ["hall-a", "hall-b"]
    assert completions(ip, "%%openapi screen/readList -p fo") == ["foyer"]
    # the plain matcher's suggestions after -p were Python keywords
    assert "and" not in completions(ip, "%openapi_connect -p ")


def test_interface_names_complete_where_an_interface_is_taken(ip):
    assert "device/readDetail" in completions(ip, "%openapi_watch dev")
    assert "device/readDetail" in completions(ip, "%openapi_watch -p x --every 5 dev")
    assert "screen/readList" in completions(ip, "%%openapi screen/read")
    assert "screen/readList" in completions(ip, "%openapi_form scr")
    assert "screen/readList" in completions(ip, "%openapi_help screen/readL")
    # past the interface (the body, or a URL to connect to), no interface is offered
    assert "device/readDetail" not in completions(ip, "%openapi_watch device/readList dev")
    assert "device/readDetail" not in completions(ip, "%openapi_connect dev")


@pytest.mark.parametrize("line", ["%openapi_history --writes", "%openapi_history --last 2"])
def test_the_history_options_parse(ip, line):
    assert "No " in run(ip, line).to_text()


def test_history_entries_are_json_lines_a_tool_can_read(ip, splicer, tmp_path):
    path = tmp_path / "t.jsonl"
    connect(ip, splicer)
    run(ip, f"%config OpenAPIMagics.history_file = {str(path)!r}")
    run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    (entry,) = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert set(entry) == {
        "time",
        "origin",
        "splicer",
        "root",
        "interface",
        "write",
        "body",
        "status",
        "ok",
        "reached",
        "error",
        "elapsed_ms",
    }


def test_the_command_line_appends_to_the_same_file(ip, splicer, tmp_path, monkeypatch):
    from openapi_magic.frontends._cli import main

    path = tmp_path / "tonight.jsonl"
    connect(ip, splicer)
    run(ip, f"%config OpenAPIMagics.history_file = {str(path)!r}")
    run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    monkeypatch.setenv("OPENAPI_ROOT", splicer.root)
    monkeypatch.setenv("OPENAPI_PID", splicer.pid)
    monkeypatch.setenv("OPENAPI_SECRET_KEY", splicer.secret_key)
    monkeypatch.setenv("OPENAPI_ENCRYPT", "1")
    body = '{"deviceId": 0, "screenId": 0, "brightness": 44}'
    with capture_output():
        assert main(["call", "screen/writeBrightness", body, "--history-file", str(path)]) == 0
    text = run(ip, "%openapi_history --file").to_text(200)
    assert "2 calls sent, newest first (1 write)" in text
    assert [json.loads(line)["origin"] for line in path.read_text("utf-8").splitlines()] == [
        "magic",
        "cli",
    ]


@pytest.mark.slow
def test_a_watchs_polls_are_in_the_history_as_the_watchs(ip, splicer):
    connect(ip, splicer)
    watch = run(ip, '%openapi_watch device/readDetail -b --every 60 {"deviceId": 0}')
    try:
        for _ in range(WAIT * 20):
            if watch.polls:
                break
            time.sleep(0.05)
    finally:
        watch.stop()
    frame = openapi_magic.history()
    assert list(frame["origin"]) == ["watch"] and list(frame["interface"]) == ["device/readDetail"]


@pytest.mark.slow
def test_a_captures_reads_are_in_the_history_as_the_captures(ip, splicer):
    connect(ip, splicer)
    run(ip, "%openapi_capture -q")
    frame = openapi_magic.history()
    assert len(frame) > 10 and set(frame["origin"]) == {"capture"}
    assert not frame["write"].any()  # a capture only reads
    assert "0 writes" in run(ip, "%openapi_history").to_text()
