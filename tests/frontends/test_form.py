"""The request form, driven from Python: set values, click, inspect what it shows.

Against the simulated splicer in both modes, a scripted stand-in for the faults
(slow, dead), and an InteractiveShell for the magic side (%openapi_form, and the
copied %%openapi cell run for real). No wall-clock assertions: the form's
``wait()`` tells when a call has finished.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading

import ipywidgets
import ipywidgets.embed
import pytest
import traitlets
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output
from standin import Reply, StandIn, free_port

from openapi_magic.client._client import Client
from openapi_magic.client._connection import Connection
from openapi_magic.core import protocol
from openapi_magic.errors import ConfigError, ConnectError, RequestTimeout
from openapi_magic.frontends import _form as widgets_module
from openapi_magic.frontends._form import RequestForm, cell_text, curl_text, form
from openapi_magic.server import serve

#: A secret whose pieces (first 8 bytes, Base64, hex) appear nowhere else.
KEY = "Form-Qz7-Secret-Key-9481"
WAIT = 15  # seconds a call may take before a test gives up (the calls take milliseconds)


def key_variants(key: str = KEY) -> list[str]:
    raw = key.encode("utf-8")
    return [
        key,
        key[:8],
        base64.b64encode(raw).decode(),
        base64.b64encode(raw[:8]).decode(),
        raw.hex(),
        raw[:8].hex(),
    ]


@pytest.fixture(params=[True, False], ids=["encrypted", "plain"])
def splicer(request):
    with serve(secret_key=KEY, encrypt=request.param) as s:
        yield s


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    for var in ("OPENAPI_ROOT", "OPENAPI_PID", "OPENAPI_SECRET_KEY", "OPENAPI_ENCRYPT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "none.ini"))


def screen_names(splicer) -> list[str]:
    return [s["name"] for s in splicer.state.call("screen/readList", {"deviceId": 0})["screens"]]


def output_html(f: RequestForm) -> str:
    return "".join(o["data"].get("text/html", "") for o in f._out.outputs)


def click_send(f: RequestForm) -> None:
    f._send_button.click()
    assert f.wait(WAIT), "the call did not finish"


class Gate:
    """A stand-in handler that holds every reply until released (a 'dead' splicer)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, req):
        self.release.wait(WAIT)
        return Reply.json({"status": 0, "msg": "late", "sign": "", "body": ""})


# --------------------------------------------------------------------------- sending


def test_send_shows_what_the_magic_shows(splicer):
    f = form(splicer, interface="screen/readList")
    assert f.interface == "screen/readList" and f.body == {"deviceId": 0} and not f.problems
    click_send(f)
    r = f.result
    assert f.error is None and r.ok and r.encrypted is splicer.encrypt
    names = screen_names(splicer)
    assert list(r.df["name"]) == names
    html = output_html(f)
    assert html == r._repr_mimebundle_()["text/html"]  # the Result's own view, as the magic
    assert all(n in html for n in names) and "Raw envelope" in html and "✔ ok" in html
    assert "sign absent" in html  # the simulated splicer's default, as real firmware
    assert f._send_button.description == "Send" and not f._send_button.disabled and not f.busy
    assert f._clock.value.startswith("ok after ")


def test_write_changes_the_device_and_a_vendor_failure_is_a_result(splicer):
    f = form(splicer, interface="screen/writeBrightness")
    assert f._send_button.button_style == "warning"  # writes look different
    f._rows["brightness"].widget.value = 42
    click_send(f)
    assert f.result.ok
    detail = splicer.state.call("screen/readDetail", {"deviceId": 0, "screenId": 0})
    assert detail["brightness"] == 42
    f.interface = "screen/readDetail"
    f._rows["screenId"].widget.value = 99
    click_send(f)
    assert f.error is None and not f.result.ok and f.result.status == 404
    html = output_html(f)
    assert "✘ failed" in html and "Hint:" in html


def test_the_kernel_is_not_held_and_a_dead_splicer_ends_in_a_timeout():
    gate = Gate()
    with StandIn(gate, secret_key=KEY, encrypt=True) as dead:
        client = Client(dead.root, "demo", KEY, encrypt=True)
        f = form(client, interface="screen/readList")
        f._timeout.value = 0.3
        assert f.send() is True
        # send() returned while the call is in flight: the button says so
        assert f.busy and f._send_button.disabled and f._send_button.description == "Sending…"
        assert f.send() is False  # one call at a time
        assert f.wait(WAIT)
        gate.release.set()
    assert isinstance(f.error, RequestTimeout) and f.result is None
    html = output_html(f)
    assert "RequestTimeout" in html and "0.3 s" in html and "Traceback" not in html
    assert not f.busy and not f._send_button.disabled and f._send_button.description == "Send"
    assert f._clock.value.startswith("RequestTimeout after ")


def test_the_elapsed_time_ticks_while_waiting():
    gate = Gate()
    with StandIn(gate, secret_key=KEY, encrypt=True) as slow:
        f = form(Client(slow.root, "demo", KEY, encrypt=True), interface="screen/readList")
        seen = threading.Event()
        f._clock.observe(lambda ch: ch["new"].endswith("s…") and seen.set(), "value")
        f.send()
        assert seen.wait(WAIT)  # the label moved while the reply was held back
        gate.release.set()
        assert f.wait(WAIT)


def test_connection_refused_is_a_short_message():
    client = Client(
        f"http://127.0.0.1:{free_port()}/open/api", "demo", KEY, encrypt=True, timeout=5
    )
    f = form(client, interface="screen/readList")
    click_send(f)
    assert isinstance(f.error, ConnectError)
    html = output_html(f)
    assert "ConnectError" in html and "connection refused" in html
    assert "Traceback" not in html and "form.error" in html


def test_not_connected_says_how_to_connect(no_env):
    f = RequestForm(connection=Connection(), interface="screen/readList")
    assert "Not connected yet" in f._target.value
    assert f.send() is False
    assert isinstance(f.error, ConfigError) and "%openapi_connect" in output_html(f)


# --------------------------------------------------------------------------- fields


def test_every_catalog_interface_gets_a_valid_starting_form(splicer):
    f = form(splicer)
    modules = [v for _, v in f._module.options]
    assert modules[:3] == ["main", "device", "screen"]
    for spec in f._catalog:
        f.interface = spec.path
        assert f._module.value == spec.module
        assert f.problems == [], (spec.path, f.problems)
        assert f.body == spec.example_body(), spec.path
        assert set(f._rows) == {x.name for x in spec.fields}


def test_widgets_follow_the_field_types(splicer):
    f = form(splicer, interface="screen/writeBrightness")
    assert "screen/writeBrightness" in f._iface.label and "brightness" in f._summary.value
    row = f._rows["brightness"]
    assert isinstance(row.widget, ipywidgets.IntText)
    assert row.widget.description == "brightness *" and row.include is None
    assert row.widget.tooltip == "Brightness in percent" and "0–100" in row.help.value
    f.interface = "screen/ftb"
    kind = f._rows["type"].widget
    assert isinstance(kind, ipywidgets.Dropdown)
    assert kind.options == (("0 — Fade to black", 0), ("1 — Back on", 1)) and kind.value == 0
    assert isinstance(f._rows["time"].widget, ipywidgets.IntText)  # whole seconds, 0-60
    assert f._rows["time"].widget.description == "time"  # optional: no star
    f.interface = "screen/writeGamma"
    assert isinstance(f._rows["gamma"].widget, ipywidgets.FloatText)
    f.interface = "screen/writeOSD"
    words = f._rows["words"].widget
    assert isinstance(words, ipywidgets.Textarea)
    assert json.loads(words.value)["chars"] == "Doors open at 19:30"  # the vendor page's name
    f.interface = "screen/deleteScreen"
    assert isinstance(f._rows["screenIdList"].widget, ipywidgets.Textarea)
    f.interface = "main/initStatus"
    assert f.body == {} and "No request fields" in f._fields.children[0].value


def test_switching_interfaces_closes_the_old_fields(splicer):
    f = form(splicer, interface="screen/writeBrightness")
    old = [w for row in f._rows.values() for w in (row.widget, row.help, row.box)]
    assert all(w.comm is not None for w in old)
    f.interface = "screen/readList"
    assert all(w.comm is None for w in old)  # the front-end (and saved state) forget them
    f.close()
    assert f.comm is None and f._send_button.comm is None


def test_optional_fields_are_sent_only_when_included(splicer):
    f = form(splicer, interface="layer/writeSource")
    assert "slotId" not in f.body and f._rows["slotId"].include.value is False
    f._rows["slotId"].widget.value = 3  # editing an optional field includes it
    assert f._rows["slotId"].include.value is True and f.body["slotId"] == 3
    f._rows["slotId"].include.value = False
    f._rows["cropId"].include.value = False
    assert "slotId" not in f.body and "cropId" not in f.body
    assert f.body == {"deviceId": 0, "screenId": 0, "layerId": 0, "sourceType": 1, "inputId": 1}


def test_certain_problems_refuse_doubts_warn_and_strict_refuses_them():
    catalog = widgets_module.load_catalog()
    top = catalog.get("screen/writeBrightness").field("brightness").maximum
    with StandIn(secret_key=KEY, encrypt=True) as counter:
        f = form(
            Client(counter.root, "demo", KEY, encrypt=True), interface="screen/writeBrightness"
        )
        assert not f.strict_catalog
        # a range is something the catalog may have wrong: a warning, and Send stays on
        f._rows["brightness"].widget.value = top + 50
        doubt = f"brightness must be at most {top:g}, not {top + 50:g}"
        assert f.problems == [] and f.warnings == [doubt]
        assert "sent anyway" in f._rows["brightness"].message.value
        assert not f._send_button.disabled and not f._copy_cell.disabled
        # strict catalog: the same doubt refuses, as before
        f.strict_catalog = True
        assert f.problems == [doubt] and f.warnings == []
        assert f._send_button.disabled and f._copy_cell.disabled
        f._send_button.click()  # a click from Python ignores `disabled`: the form refuses
        assert f.send() is False and not f.busy
        assert "Not sent" in f._problem_box.value
        with pytest.raises(ValueError, match="not valid"):
            f.cell_text()
        f._rows["brightness"].widget.value = top
        assert not f.problems and not f._send_button.disabled
        assert f._rows["brightness"].message.value == ""
        f.strict_catalog = False

        f.interface = "screen/deleteScreen"
        f._rows["screenIdList"].widget.value = "[1, 2"
        msg = f._rows["screenIdList"].message.value
        assert "not valid JSON" in msg and "line 1" in msg
        assert f.send() is False
        f._rows["screenIdList"].widget.value = '{"one": 1}'  # an object for an array: certain
        assert "screenIdList must be an array" in f._rows["screenIdList"].message.value
        assert f.send() is False

        f.interface = "screen/writeBrightness"
        f._raw_toggle.value = True
        f._raw.value = '{"deviceId": 0,'
        assert any("not valid JSON" in p for p in f.problems) and f.send() is False
        f._raw.value = '{"deviceId": 0}'
        assert "screenId is required" in f._problem_box.value and not f.problems
        assert counter.requests == []  # nothing left the form while it was refusing
        click_send(f)  # sent with the catalog's doubts, which the Result keeps
        assert len(counter.requests) == 1
        assert any("screenId is required" in w for w in f.result.warnings)
        assert "screenId is required" in output_html(f)
        f._raw.value = '{"deviceId": 0, "screenId": 0, "brightness": 10}'
        click_send(f)
        assert len(counter.requests) == 2 and f.result.warnings == []


def test_raw_json_round_trip(splicer):
    f = form(splicer, interface="screen/ftb")
    f._rows["time"].include.value = False
    f._raw_toggle.value = True
    assert json.loads(f._raw.value) == {"deviceId": 0, "screenId": 0, "type": 0}
    assert f._raw.layout.display is None and f._fields.layout.display == "none"
    f._raw.value = '{"deviceId": 0, "screenId": 1, "type": 1, "time": 25, "note": "kept"}'
    f._raw_toggle.value = False
    assert f._raw_toggle.value is False and f._fields.layout.display is None
    assert f._rows["type"].widget.value == 1
    assert f._rows["time"].widget.value == 25
    assert f.body == {"deviceId": 0, "screenId": 1, "type": 1, "time": 25, "note": "kept"}
    assert "note" in f._problem_box.value  # unknown keys are said, and kept

    for text, why in [
        ('{"screenId": ', "not valid JSON"),
        ("[1]", "not a JSON object"),
        ('{"screenId": "one", "type": 0}', 'screenId: "one" is not an integer'),
        ('{"screenId": 0, "type": 7}', "7 is not one of the choices"),
    ]:
        f._raw_toggle.value = True
        f._raw.value = text
        f._raw_toggle.value = False
        assert f._raw_toggle.value is True, text  # stays in JSON mode, says why
        assert why.replace('"', "&quot;") in f._problem_box.value, (text, f._problem_box.value)
    f._raw.value = '{"deviceId": 0, "screenId": 0, "type": 0}'
    f._raw_toggle.value = False
    assert f._raw_toggle.value is False and f.body == {"deviceId": 0, "screenId": 0, "type": 0}

    f.body = {"screenId": 2, "type": 1}  # from Python (deviceId is required: always sent)
    assert f._rows["screenId"].widget.value == 2
    assert f.body == {"deviceId": 0, "screenId": 2, "type": 1}


def test_a_broken_json_field_keeps_the_form_out_of_json_mode(splicer):
    f = form(splicer, interface="screen/writeOSD")
    f._rows["words"].widget.value = "{oops"
    f._raw_toggle.value = True
    assert f._raw_toggle.value is False and "Fix the fields first" in f._problem_box.value


# --------------------------------------------------------------------------- copying


def test_cell_text_is_the_magic_line_and_the_body():
    text = cell_text(
        "/screen/rename",
        {"screenId": 0, "name": "Cost $5"},
        profile="hall a",
        encrypt=False,
        timeout=2.5,
    )
    assert text.splitlines()[0] == "%%openapi screen/rename -p 'hall a' --plain --timeout 2.5"
    assert json.loads(text.split("\n", 1)[1].replace("$$", "$")) == {
        "screenId": 0,
        "name": "Cost $5",
    }
    assert '"Cost $$5"' in text
    assert cell_text("main/initStatus", None) == "%%openapi main/initStatus\n{}"
    assert "--encrypt" in cell_text("main/initStatus", {}, encrypt=True)


def test_copy_as_cell_without_a_front_end_shows_the_text(splicer):
    f = form(splicer, interface="screen/readList")
    assert f._copy_box.layout.display == "none"
    f._copy_cell.click()
    assert f._copy_box.layout.display is None
    assert f._copy_text.value == '%%openapi screen/readList\n{\n  "deviceId": 0\n}'
    assert "Copy this into a new cell" in f._copy_note.value
    assert "current connection" in f._copy_note.value  # the form had an explicit client
    f._encrypt.value = "off"
    assert f._copy_box.layout.display == "none"  # a stale text is hidden
    assert f.cell_text().splitlines()[0] == "%%openapi screen/readList --plain"
    f._timeout.value = 3
    assert f.cell_text().splitlines()[0] == "%%openapi screen/readList --plain --timeout 3"


INSERT = ("notebook:insert-cell-below", "notebook:replace-selection")


class FakeLab(traitlets.HasTraits):
    """ipylab's CommandRegistry as seen from the kernel; ``_command_list`` is what the
    JupyterLab front-end answers (nothing until it does)."""

    _command_list = traitlets.List()

    def __init__(self, commands=()):
        super().__init__(_command_list=list(commands))
        self.executed = []

    def list_commands(self):
        return self._command_list

    def execute(self, command_id, args=None):
        self.executed.append((command_id, args or {}))

    def close(self):
        pass


def test_copy_as_cell_inserts_through_jupyterlab_commands(splicer, monkeypatch):
    made = []
    monkeypatch.setattr(widgets_module, "_lab_commands", lambda: made.append(FakeLab()) or made[-1])
    f = form(splicer, interface="screen/readList")
    assert made == []  # nothing is asked of the front-end before the first click
    f._copy_cell.click()
    text = f.cell_text()
    lab = made[0]
    assert lab.executed == [] and "Asking JupyterLab" in f._copy_note.value
    assert f._copy_text.value == text  # the text is there to copy meanwhile
    lab._command_list = ["notebook:run-cell", *INSERT]  # JupyterLab answers
    assert lab.executed == [
        ("notebook:insert-cell-below", {}),
        ("notebook:replace-selection", {"text": text}),
    ]
    assert "Inserted as a new cell below" in f._copy_note.value
    lab.executed.clear()
    f._copy_cell.click()  # later clicks insert at once
    assert len(lab.executed) == 2 and "Inserted" in f._copy_note.value and len(made) == 1


def test_copy_as_cell_where_no_jupyterlab_answers(splicer, monkeypatch):
    made = []
    monkeypatch.setattr(widgets_module, "_lab_commands", lambda: made.append(FakeLab()) or made[-1])
    f = form(splicer, interface="screen/readList")
    f._copy_cell.click()
    made[0]._command_list = ["something:else"]  # a front-end without notebook commands
    assert made[0].executed == [] and "if none appears, copy it" in f._copy_note.value
    f._copy_cell.click()
    assert made[0].executed == [] and "Copy this into a new cell" in f._copy_note.value


def test_copy_as_curl_keeps_the_secret_out(splicer):
    f = form(splicer, interface="screen/readList")
    f._copy_curl.click()
    text = f._copy_text.value
    assert text == f.curl_text() and text.count("curl -sS -X POST") == 1
    assert "-H 'Content-Type: application/json; charset=utf-8'" in text
    assert splicer.root + "/screen/readList" in text
    for piece in key_variants():
        assert piece not in text
    assert ("$OPENAPI_SECRET_KEY" in text) is splicer.encrypt
    assert "OPENAPI_SECRET_KEY" in f._copy_note.value


@pytest.mark.skipif(
    not all(shutil.which(t) for t in ("bash", "curl", "openssl")),
    reason="needs bash, curl and openssl",
)
def test_the_copied_curl_command_works(splicer):
    body = {"deviceId": 0, "screenId": 1, "name": 'It\'s $HOME "quoted" ü'}
    text = curl_text(splicer.root, splicer.pid, "screen/rename", body, encrypt=splicer.encrypt)
    env = {"PATH": os.environ["PATH"], "OPENAPI_SECRET_KEY": KEY}
    done = subprocess.run(
        ["bash", "-c", text], check=False, capture_output=True, text=True, env=env, timeout=WAIT
    )
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert reply["status"] == 0, reply
    names = screen_names(splicer)
    assert names[1] == body["name"]
    if splicer.encrypt:
        assert protocol.decrypt_body(reply["body"], KEY) in ("", None)
        env.pop("OPENAPI_SECRET_KEY")
        missing = subprocess.run(
            ["bash", "-c", text], check=False, capture_output=True, text=True, env=env, timeout=WAIT
        )
        assert missing.returncode != 0 and "OPENAPI_SECRET_KEY" in missing.stderr


# --------------------------------------------------------------------------- the secret


@pytest.mark.slow
def test_the_secret_never_enters_widget_state(splicer):
    f = form(splicer, interface="screen/readList")
    click_send(f)
    f._copy_cell.click()
    f._copy_curl.click()
    f.interface = "screen/writeOSD"
    f._raw_toggle.value = True
    click_send(f)
    dead = form(
        Client(
            f"http://127.0.0.1:{free_port()}/open/api", splicer.pid, KEY, encrypt=splicer.encrypt
        ),
        interface="screen/readList",
    )
    click_send(dead)
    state = json.dumps(ipywidgets.Widget.get_manager_state(drop_defaults=False), ensure_ascii=False)
    assert "screen/readList" in state and "Raw envelope" in state  # the scan sees the form
    for piece in key_variants():
        assert piece not in state, piece
    embedded = json.dumps(ipywidgets.embed.embed_data(views=[f, dead]), ensure_ascii=False)
    for piece in key_variants():
        assert piece not in embedded, piece


# --------------------------------------------------------------------------- with the magic


def run(ip, code):
    with capture_output() as cap:
        res = ip.run_cell(code)
    assert res.success, (code, cap.stdout, cap.stderr, res.error_in_exec)
    return res


def test_form_magic_uses_the_notebook_connection(ip, splicer):
    ip.user_ns["splicer"] = splicer
    f = run(ip, "%openapi_form screen/readList").result
    assert isinstance(f, RequestForm) and "Not connected yet" in f._target.value
    run(ip, "%openapi_connect splicer")
    click_send(f)  # the connection made after the form opened is the one used
    assert f.result.ok and f.result.url.startswith(splicer.root)
    assert splicer.root in f._target.value and KEY not in f._target.value
    with serve(secret_key=KEY, encrypt=not splicer.encrypt) as other:
        ip.user_ns["other"] = other
        run(ip, "%openapi_connect other")
        click_send(f)
        assert f.result.url.startswith(other.root) and f.result.encrypted is other.encrypt


def test_copied_cell_reproduces_the_call(ip, splicer):
    ip.user_ns["splicer"] = splicer
    run(ip, "%openapi_connect splicer")
    f = form(interface="screen/rename")
    f._rows["screenId"].widget.value = 2
    f._rows["name"].widget.value = "Stage $left"
    click_send(f)
    assert f.result.ok and screen_names(splicer)[2] == "Stage $left"
    splicer.reset()
    f._copy_cell.click()
    assert "$$left" in f._copy_text.value
    res = run(ip, f._copy_text.value)
    assert res.result.ok and res.result.request_body == f.result.request_body
    assert screen_names(splicer)[2] == "Stage $left"


def test_form_magic_names_a_wrong_interface(ip):
    with capture_output():
        res = ip.run_cell("%openapi_form screen/readLst")
    assert not res.success and isinstance(res.error_in_exec, UsageError)
    assert "Did you mean screen/readList" in str(res.error_in_exec)


def test_form_magic_with_a_profile(ip, splicer, tmp_path, monkeypatch):
    profiles = tmp_path / "profiles.ini"
    profiles.write_text(
        f"[hall-a]\nroot = {splicer.root}\npid = {splicer.pid}\n"
        f"encrypt = {str(splicer.encrypt).lower()}\n"
        "secret_key_env = HALL_A_SECRET\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(profiles))
    monkeypatch.setenv("HALL_A_SECRET", KEY)
    ip.magics_manager.registry["OpenAPIMagics"].connection.profiles_file = None
    f = run(ip, "%openapi_form -p hall-a screen/readList").result
    assert "profile hall-a" in f._target.value
    click_send(f)
    assert f.result.ok
    assert f.cell_text().splitlines()[0] == "%%openapi screen/readList -p hall-a"
    res = run(ip, f.cell_text())
    assert res.result.ok and list(res.result.df["name"]) == screen_names(splicer)


def test_form_says_unconfirmed_for_reconstruction_only_interfaces_and_fields():
    from openapi_magic.core.catalog import Catalog

    small = Catalog(
        {
            "interfaces": {
                "screen/ours": {
                    "kind": "write",
                    "summary": "ours",
                    "fields": [{"name": "a", "type": "integer"}],
                },
                "screen/seen": {
                    "kind": "write",
                    "summary": "seen",
                    "source": "vendor",
                    "evidence": "a vendor page",
                    "fields": [
                        {"name": "b", "type": "integer"},
                        {"name": "c", "type": "integer", "source": "reconstruction"},
                        {"name": "d", "type": "integer", "disagreement": "0-60 or 10"},
                    ],
                },
            }
        }
    )
    with StandIn(secret_key=KEY, encrypt=True) as s:
        f = RequestForm(
            Client(s.root, "demo", KEY, encrypt=True), interface="screen/ours", catalog=small
        )
        assert "Unconfirmed" in f._summary.value  # the whole interface: one line says so
        assert "unconfirmed" not in f._rows["a"].help.value
        f.interface = "screen/seen"
        assert "Unconfirmed" not in f._summary.value
        assert "unconfirmed" not in f._rows["b"].help.value
        assert "unconfirmed" in f._rows["c"].help.value  # where a field differs, it says so
        assert "disputed" in f._rows["d"].help.value and "0-60 or 10" in f._rows["d"].help.value
        f.close()
