"""Connect tells the truth (issue 25): its first line is what the splicer answered.

Answering (model and firmware), refused (the vendor's status, token and hint) or
unreachable (the URL and the cause) reach the magic, ``Connection.connect`` in Python,
the form's target line and the command line alike; refused and unreachable fail,
unless the user connected without checking, and the target is kept for a retry.
"""

from __future__ import annotations

import json
import time

import pytest
from _hardening import SECRET, assert_no_secret, frames_text
from IPython.utils.capture import capture_output
from standin import free_port

from openapi_magic import Client, ConnectCheckError, session_for
from openapi_magic.client import Connection, ConnectVerdict
from openapi_magic.frontends._cli import main
from openapi_magic.frontends._form import RequestForm
from openapi_magic.server import serve


def run(ip, code: str):
    """Run a cell: (success, what it printed on stdout and stderr)."""
    with capture_output() as cap:
        res = ip.run_cell(code)
    return res.success, cap.stdout + cap.stderr


def gone_root() -> str:
    return f"http://127.0.0.1:{free_port()}/open/api"


def client_of(splicer, **changes) -> Client:
    kw = {"root": splicer.root, "pid": splicer.pid, "secret_key": splicer.secret_key}
    kw.update(encrypt=splicer.encrypt, timeout=5)
    kw.update(changes)
    return Client(**kw)


# ---------------------------------------------------------------- the magic


def test_connect_says_first_that_the_splicer_answers_with_its_model_name(ip, splicer):
    ip.user_ns["splicer"] = splicer
    ok, out = run(ip, "%openapi_connect splicer")
    assert ok
    first = out.splitlines()[0]
    assert first.startswith("The splicer answers: H5 (model id 29962), firmware 1.9.7.0")
    assert "mainModelId" not in out


def test_a_model_id_not_in_the_table_is_named_from_device_read_detail():
    import dataclasses

    from openapi_magic.server._firmware import firmware_profile

    h15 = dataclasses.replace(firmware_profile("default"), model="H15", main_model_id=40000)
    with serve(firmware=h15) as s:
        conn = Connection()
        conn.connect(Client.from_splicer(s, timeout=5))
    assert conn.verdict.model == "H15" and conn.verdict.model_id == 40000
    assert conn.verdict.headline.startswith("The splicer answers: H15 (model id 40000)")
    with serve(firmware="h9-1.9.7.1") as s:  # device/readDetail answers 500 there
        conn.connect(Client.from_splicer(s, timeout=5))
    assert conn.verdict.headline.startswith("The splicer answers: a splicer (model id 29965)")


def test_a_splicer_still_starting_answers_and_says_so(ip):
    with serve(initialising_s=60) as booting:
        ip.user_ns["booting"] = booting
        ok, out = run(ip, "%openapi_connect booting")
    assert ok and out.startswith("The splicer answers: H5")
    assert "still starting (initStatus 0)" in out.splitlines()[0]


def test_a_wrong_pid_fails_the_cell_with_the_vendors_answer_and_keeps_the_target(ip, splicer):
    ok, out = run(ip, f"%openapi_connect {splicer.root} --pid not-demo")
    assert not ok
    assert out.startswith("UsageError: Refused:")
    assert "status 15 Open_Id_Illegal_Err" in out and "pId in Settings > OpenAPI" in out
    assert "Connected" not in out and "Traceback" not in out
    assert "No secretKey was asked" not in out  # a pId refusal says nothing of encryption
    kept = session_for(ip).connection.client
    assert kept is not None and kept.pid == "not-demo"
    # The next cell tries the same target again (and is refused again, readably).
    ok, out = run(ip, '%%openapi main/initStatus\n{"deviceId": 0}')
    assert not ok and "15" in out


@pytest.mark.parametrize("change", ["key", "plain"])
def test_a_wrong_key_or_encryption_on_one_side_is_refused_naming_both(ip, splicer, change):
    wrong = {"key": {"secret_key": "Wr0ngKey"}, "plain": {"encrypt": False}}[change]
    ip.user_ns["c"] = client_of(splicer, **wrong)
    ok, out = run(ip, "%openapi_connect c")
    assert not ok and "Refused:" in out and "status 500 Server_Err" in out
    assert "secretKey" in out and "encryption on at one side" in out
    assert "if screen/readList succeeds" not in out  # the catalog's other 500 cause


def test_an_unreachable_splicer_fails_the_cell_with_the_url_and_cause(ip):
    root = gone_root()
    start = time.monotonic()
    ok, out = run(ip, f"%openapi_connect {root} --pid demo --timeout 2")
    assert time.monotonic() - start < 5
    assert not ok and out.startswith(f"UsageError: Unreachable: {root}")
    assert "connection refused" in out and "Connected" not in out
    assert session_for(ip).connection.client.root == root
    ok, out = run(ip, "%openapi_connect")
    assert ok and f"When connecting: Unreachable: {root}" in out


def test_no_check_connects_without_sending_anything(ip, splicer):
    asked = dict(splicer.requests)
    ok, out = run(ip, f"%openapi_connect {gone_root()} --pid demo --no-check")
    assert ok and out.startswith("Not checked: nothing was sent")
    ip.user_ns["splicer"] = splicer
    ok, out = run(ip, "%openapi_connect splicer --no-check")
    assert ok and dict(splicer.requests) == asked


def test_the_check_setting_can_be_turned_off_with_config(ip):
    ok, _ = run(ip, "%config OpenAPIMagics.check_connection = False")
    assert ok
    ok, out = run(ip, f"%openapi_connect {gone_root()} --pid demo")
    assert ok and "Not checked" in out


def test_a_refused_verdict_never_shows_the_secret(ip):
    with serve() as s:  # the splicer's own key is another: SECRET is the wrong one
        ip.user_ns["c"] = Client(s.root, s.pid, SECRET, encrypt=True, timeout=5)
        ok, out = run(ip, "%openapi_connect c")
    verdict = session_for(ip).connection.verdict
    assert not ok and verdict is not None and verdict.kind == "refused"
    assert_no_secret([out, repr(verdict), str(verdict), repr(verdict.result)])


# ---------------------------------------------------------------- Python


def test_connection_connect_raises_with_the_verdict_reachable_and_keeps_the_target(splicer):
    conn = Connection()
    wrong = client_of(splicer, pid="not-demo")
    with pytest.raises(ConnectCheckError) as caught:
        conn.connect(wrong)
    verdict = caught.value.verdict
    assert isinstance(verdict, ConnectVerdict) and verdict.kind == "refused"
    assert verdict.status == 15 and verdict.result is not None and verdict.result.status == 15
    assert conn.client is wrong and conn.verdict is verdict
    assert "Open_Id_Illegal_Err" in str(caught.value)

    assert conn.connect(client_of(splicer)).pid == splicer.pid
    assert conn.verdict is not None and conn.verdict.ok and conn.verdict.model == "H5"

    gone = Client(gone_root(), "demo", timeout=2)
    assert conn.connect(gone, check=False) is gone and conn.verdict.kind == "unchecked"
    with pytest.raises(ConnectCheckError) as caught:
        conn.connect(gone)
    assert caught.value.verdict.kind == "unreachable" and caught.value.verdict.error is not None


def test_a_verdict_error_frame_scan_holds_no_secret():
    with serve() as s, pytest.raises(ConnectCheckError) as caught:
        Connection().connect(Client(s.root, s.pid, SECRET, encrypt=True, timeout=5))
    assert_no_secret(frames_text(caught.value))


# ---------------------------------------------------------------- the form


def test_the_forms_target_line_shows_the_notebooks_refused_verdict(ip, splicer):
    ok, _ = run(ip, f"%openapi_connect {splicer.root} --pid not-demo")
    assert not ok
    form = RequestForm()
    try:
        line = form._target.value
        assert "Refused:" in line and "Open_Id_Illegal_Err" in line
        assert "openapi-magic-form-verdict-refused" in line
    finally:
        form.close()


def test_the_forms_check_shows_an_unreachable_splicer_and_an_answering_one(splicer):
    gone = RequestForm(Client(gone_root(), "demo", timeout=2))
    here = RequestForm(client_of(splicer))
    try:
        gone.check()
        here.check()
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and not (
            "Unreachable" in gone._target.value and "answers" in here._target.value
        ):
            time.sleep(0.05)
        assert "Unreachable:" in gone._target.value and "connection refused" in gone._target.value
        assert "The splicer answers: H5 (model id 29962)" in here._target.value
    finally:
        gone.close()
        here.close()


# ---------------------------------------------------------------- the command line


def test_the_command_line_connect_exits_with_the_verdict(splicer, monkeypatch, capsys):
    monkeypatch.delenv("OPENAPI_PROFILE", raising=False)
    monkeypatch.setenv("OPENAPI_ROOT", splicer.root)
    monkeypatch.setenv("OPENAPI_ENCRYPT", "1")
    monkeypatch.setenv("OPENAPI_SECRET_KEY", splicer.secret_key)
    monkeypatch.setenv("OPENAPI_PID", splicer.pid)
    assert main(["connect"]) == 0
    assert capsys.readouterr().out.startswith("The splicer answers: H5 (model id 29962)")

    monkeypatch.setenv("OPENAPI_PID", "not-demo")
    assert main(["connect"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Refused:") and "Open_Id_Illegal_Err" in err
    assert main(["connect", "--json"]) == 1
    line = json.loads(capsys.readouterr().out)
    assert line["verdict"] == "refused" and line["status"] == 15

    monkeypatch.setenv("OPENAPI_ROOT", gone_root())
    assert main(["connect", "--timeout", "2"]) == 3
    assert "error: Unreachable:" in capsys.readouterr().err


def test_a_plain_client_says_what_the_splicer_answered(splicer):
    # Python without the notebook's connection: Client.check() is the same verdict.
    said = client_of(splicer).check()
    assert said.ok and said.model == "H5" and said.firmware
    refused = client_of(splicer, pid="not-" + splicer.pid).check()
    assert refused.kind == "refused" and refused.status == 15
    gone = Client(gone_root(), "demo", SECRET, timeout=2).check()
    assert gone.kind == "unreachable" and "Unreachable" in gone.headline
    with pytest.raises(ConnectCheckError) as caught:
        refused.raise_for_kind()
    assert caught.value.verdict is refused


def test_a_form_made_before_connecting_elsewhere_shows_the_new_target_and_verdict(ip, splicer):
    ip.user_ns["splicer"] = splicer
    ok, _ = run(ip, "%openapi_connect splicer")
    assert ok
    form = RequestForm()
    try:
        assert splicer.root in form._target.value
        gone = gone_root()
        ok, _ = run(ip, f"%openapi_connect {gone} --pid demo")
        assert not ok  # unreachable: the cell fails, the target is kept
        line = form._target.value
        assert gone in line and splicer.root not in line
        assert "openapi-magic-form-verdict-unreachable" in line
        ok, _ = run(ip, "%openapi_connect splicer --read-only")
        assert ok and splicer.root in form._target.value
        assert form.read_only  # the guard it follows from the notebook came along
    finally:
        form.close()
