"""Read-only and confirm-before-write, across the client, the magic, the form and fleets.

One table: every way a connection can be read-only, through every front-end. The
simulated splicer's request count (``splicer.requests``) proves no write was sent,
and a read through the same connection proves it still works.
"""

import json

import pytest
from IPython.utils.capture import capture_output

from openapi_magic import Client, WriteRefused, fleet
from openapi_magic.client._connection import Connection
from openapi_magic.client._guards import PendingWrite, prompt, write_kind
from openapi_magic.frontends._form import RequestForm
from openapi_magic.frontends._magics import LAST_ERROR

WRITE = "screen/writeBrightness"
BODY = {"deviceId": 0, "screenId": 0, "brightness": 42}
READ = "screen/readDetail"
READ_BODY = {"deviceId": 0, "screenId": 0}
WAIT = 15


def profile_file(tmp_path, splicer, extra="read_only = true"):
    path = tmp_path / "profiles.ini"
    path.write_text(
        f"[show]\nroot = {splicer.root}\npid = {splicer.pid}\n"
        f"secret_key = {splicer.secret_key}\nencrypt = {str(splicer.encrypt).lower()}"
        f"\n{extra}\n"
    )
    return str(path)


def cell(ip, code):
    with capture_output() as cap:
        res = ip.run_cell(code)
    return res, cap.stdout + cap.stderr


# Each case: (name, how it is made read-only and where the write is tried). It returns
# (the refusal, a read's outcome through the same connection).


def client_flag(splicer, ip, tmp_path):
    c = Client.from_splicer(splicer, read_only=True)
    with pytest.raises(WriteRefused) as err:
        c.call(WRITE, BODY)
    return err.value, c.call(READ, READ_BODY).ok


def client_per_call(splicer, ip, tmp_path):
    c = Client.from_splicer(splicer)
    with pytest.raises(WriteRefused) as err:
        c.call(WRITE, BODY, read_only=True)
    return err.value, c.call(READ, READ_BODY).ok


def client_profile(splicer, ip, tmp_path):
    from openapi_magic.client._profiles import get_profile

    c = get_profile("show", profile_file(tmp_path, splicer)).client()
    with pytest.raises(WriteRefused) as err:
        c.call(WRITE, BODY)
    return err.value, c.call(READ, READ_BODY).ok


def magic_connect_flag(splicer, ip, tmp_path):
    ip.user_ns["splicer"] = splicer
    cell(ip, "%openapi_connect splicer --read-only --no-firmware")
    res, _ = cell(ip, f"%%openapi {WRITE}\n{json.dumps(BODY)}")
    assert not res.success
    error = ip.user_ns[LAST_ERROR]
    res, _ = cell(ip, f"%openapi {READ} {json.dumps(READ_BODY)}")
    return error, res.success and res.result.ok


def magic_config(splicer, ip, tmp_path):
    ip.user_ns["splicer"] = splicer
    cell(ip, "%openapi_connect splicer --no-firmware")
    cell(ip, "%config OpenAPIMagics.read_only = True")
    res, out = cell(ip, f"%%openapi {WRITE}\n{json.dumps(BODY)}")
    assert not res.success and "read_only = False" in out
    error = ip.user_ns[LAST_ERROR]
    res, _ = cell(ip, f"%openapi {READ} {json.dumps(READ_BODY)}")
    return error, res.success and res.result.ok


def magic_profile(splicer, ip, tmp_path):
    ip.run_line_magic(
        "config", f"OpenAPIMagics.profiles_file = {profile_file(tmp_path, splicer)!r}"
    )
    cell(ip, "%openapi_connect -p show --no-firmware")
    res, out = cell(ip, f"%%openapi {WRITE}\n{json.dumps(BODY)}")
    assert not res.success and "read_only = true" in out
    error = ip.user_ns[LAST_ERROR]
    res, _ = cell(ip, f"%openapi {READ} {json.dumps(READ_BODY)}")
    return error, res.success and res.result.ok


def magic_fleet(splicer, ip, tmp_path):
    ip.user_ns["wall"] = [
        Client.from_splicer(splicer, name="left"),
        Client.from_splicer(splicer, name="right", read_only=True),
    ]
    res, out = cell(ip, f"%%openapi {WRITE} --on wall\n{json.dumps(BODY)}")
    assert not res.success and "right" in out and "Nothing of this run was sent" in out
    error = ip.user_ns[LAST_ERROR]
    res, _ = cell(ip, f"%openapi {READ} --on wall {json.dumps(READ_BODY)}")
    return error, res.success and res.result.ok


def form_checkbox(splicer, ip, tmp_path):
    f = RequestForm(Client.from_splicer(splicer), interface=WRITE)
    f.read_only = True
    f.body = BODY
    assert f.send() is False
    error = f.error
    f.interface, f.body = READ, READ_BODY
    assert f.send() and f.wait(WAIT)
    return error, f.result.ok


def form_read_only_client(splicer, ip, tmp_path):
    f = RequestForm(Client.from_splicer(splicer, read_only=True), interface=WRITE)
    f.body = BODY
    assert f.send() is False
    error = f.error
    f.interface, f.body = READ, READ_BODY
    assert f.send() and f.wait(WAIT)
    return error, f.result.ok


def fleet_run_flag(splicer, ip, tmp_path):
    targets = [Client.from_splicer(splicer), splicer]
    with pytest.raises(WriteRefused) as err:
        fleet.run(targets, WRITE, BODY, read_only=True)
    return err.value, fleet.run(targets, READ, READ_BODY, read_only=True).ok


def fleet_profile(splicer, ip, tmp_path):
    path = profile_file(tmp_path, splicer)
    with pytest.raises(WriteRefused) as err:
        fleet.run(["show", splicer], WRITE, BODY, profiles=path)
    return err.value, fleet.run(["show"], READ, READ_BODY, profiles=path).ok


CASES = [
    client_flag,
    client_per_call,
    client_profile,
    magic_connect_flag,
    magic_config,
    magic_profile,
    magic_fleet,
    form_checkbox,
    form_read_only_client,
    fleet_run_flag,
    fleet_profile,
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_a_read_only_connection_sends_no_write(case, splicer, ip, tmp_path):
    error, read_ok = case(splicer, ip, tmp_path)
    assert isinstance(error, WriteRefused) and error.reason == "read-only"
    assert WRITE in str(error) and "read-only" in str(error) and error.hint
    assert splicer.requests[WRITE] == 0, splicer.requests
    assert read_ok and splicer.requests[READ] >= 1
    assert splicer.secret_key not in str(error) + (error.hint or "")


def test_an_interface_the_catalog_does_not_know_is_refused_as_a_possible_write(splicer):
    assert write_kind("screen/futureThing") == "unknown"
    assert write_kind(READ) == "read" and write_kind(WRITE) == "write"
    c = Client.from_splicer(splicer, read_only=True)
    with pytest.raises(WriteRefused, match="does not know it"):
        c.call("screen/futureThing", {})
    assert sum(splicer.requests.values()) == 0
    # without read-only it is sent (the splicer decides: firmware may know more)
    Client.from_splicer(splicer).call("screen/futureThing", {}, check=False)
    assert splicer.requests["screen/futureThing"] == 1


def test_a_dry_run_of_a_write_is_fine_read_only(splicer):
    prepared = Client.from_splicer(splicer, read_only=True).prepare(WRITE, BODY)
    assert prepared.interface == WRITE and sum(splicer.requests.values()) == 0


# --------------------------------------------------------------------------- confirm


def test_confirm_writes_asks_with_what_and_where_and_sends_only_on_yes(splicer):
    asked = []
    answer = {"value": False}

    def ask(p):
        asked.append(p)
        return answer["value"]

    c = Client.from_splicer(splicer, confirm_writes=True, confirm=ask, name="hall-a")
    assert c.call(READ, READ_BODY).ok and not asked  # reads are never asked about
    with pytest.raises(WriteRefused, match="declined") as err:
        c.call(WRITE, BODY)
    assert err.value.reason == "declined" and splicer.requests[WRITE] == 0
    shown = asked[-1]
    assert isinstance(shown, PendingWrite) and shown.interface == WRITE
    assert "hall-a" in shown.text() and splicer.root in shown.text() and "42" in shown.text()
    assert splicer.secret_key not in shown.text() + shown._repr_html_()
    answer["value"] = True
    assert c.call(WRITE, BODY).ok and splicer.requests[WRITE] == 1


def test_with_nobody_to_ask_a_confirm_required_write_is_refused(splicer, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a TTY, and no kernel
    c = Client.from_splicer(splicer, confirm_writes=True)
    with pytest.raises(WriteRefused, match="no terminal or notebook") as err:
        c.call(WRITE, BODY)
    assert err.value.reason == "no-prompt" and splicer.requests[WRITE] == 0


def test_the_terminal_prompt_takes_only_yes(capsys):
    p = PendingWrite(WRITE, BODY, ("http://10.0.0.5:8000/open/api",))
    assert prompt(p, ask=lambda q: "y") and prompt(p, ask=lambda q: " YES ")
    assert not prompt(p, ask=lambda q: "") and not prompt(p, ask=lambda q: "sure")
    assert "10.0.0.5" in capsys.readouterr().out

    def ended(q):
        raise EOFError

    with pytest.raises(WriteRefused, match="input ended"):
        prompt(p, ask=ended)


def test_a_fleet_confirms_once_naming_every_splicer(splicer):
    asked = []
    wall = {
        "left": Client.from_splicer(splicer, confirm_writes=True),
        "right": Client.from_splicer(splicer),
    }
    run = fleet.run(wall, WRITE, BODY, confirm=lambda p: asked.append(p) or True)
    assert run.ok and len(asked) == 1 and splicer.requests[WRITE] == 2
    assert "left" in asked[0].text() and "right" in asked[0].text()
    with pytest.raises(WriteRefused, match="declined"):
        fleet.run(wall, WRITE, BODY, confirm=lambda p: False)
    assert splicer.requests[WRITE] == 2


@pytest.mark.slow
def test_the_magic_asks_with_a_button_and_sends_on_click(splicer, ip, monkeypatch):
    monkeypatch.setattr("openapi_magic.ops._watch._in_kernel", lambda: True)
    ip.user_ns["splicer"] = splicer
    cell(ip, "%openapi_connect splicer --confirm-writes --no-firmware")
    res, _ = cell(ip, f"%%openapi {WRITE} -o r\n{json.dumps(BODY)}")
    panel = res.result
    assert res.success and panel.state == "waiting" and splicer.requests[WRITE] == 0
    assert WRITE in panel._question.value and splicer.secret_key not in panel._question.value
    panel._send_button.click()
    assert panel.state == "sent" and panel.value.ok and splicer.requests[WRITE] == 1
    assert ip.user_ns["r"] is panel.value
    res, _ = cell(ip, f"%%openapi {WRITE}\n{json.dumps(BODY)}")
    res.result._cancel_button.click()
    assert res.result.state == "declined" and splicer.requests[WRITE] == 1
    # a read is not asked about
    res, _ = cell(ip, f"%openapi {READ} {json.dumps(READ_BODY)}")
    assert res.result.ok


@pytest.mark.slow
def test_the_magic_asks_once_for_a_fleet(splicer, ip, monkeypatch):
    monkeypatch.setattr("openapi_magic.ops._watch._in_kernel", lambda: True)
    ip.user_ns["wall"] = {"left": splicer, "right": splicer}
    cell(ip, "%config OpenAPIMagics.confirm_writes = True")
    res, _ = cell(ip, f"%%openapi {WRITE} --on wall\n{json.dumps(BODY)}")
    panel = res.result
    assert "left" in panel._question.value and "right" in panel._question.value
    assert splicer.requests[WRITE] == 0
    panel._send_button.click()
    assert panel.value.ok and splicer.requests[WRITE] == 2


def test_the_form_asks_before_a_write(splicer):
    f = RequestForm(Client.from_splicer(splicer, confirm_writes=True), interface=WRITE)
    f.body = BODY
    assert f.send() is False and f.pending.state == "waiting"
    assert splicer.requests[WRITE] == 0
    f.pending._send_button.click()
    assert f.wait(WAIT) and f.result.ok and splicer.requests[WRITE] == 1


@pytest.mark.slow
def test_the_magic_prompts_in_a_terminal(splicer, ip, monkeypatch):
    class Tty:
        def isatty(self):
            return True

    answers = iter(["n", "yes"])
    monkeypatch.setattr("sys.stdin", Tty())
    monkeypatch.setattr("builtins.input", lambda question: next(answers))
    ip.user_ns["splicer"] = splicer
    cell(ip, "%openapi_connect splicer --confirm-writes --no-firmware")
    res, out = cell(ip, f"%%openapi {WRITE}\n{json.dumps(BODY)}")
    assert not res.success and "declined" in out and splicer.requests[WRITE] == 0
    assert f"Send {WRITE}" in out and splicer.root in out
    res, out = cell(ip, f"%%openapi {WRITE}\n{json.dumps(BODY)}")
    assert res.success and res.result.ok and splicer.requests[WRITE] == 1


def test_a_notebook_that_takes_no_input_refuses_saying_why():
    from IPython.core.error import StdinNotImplementedError

    def no_input(question):
        raise StdinNotImplementedError(
            "raw_input was called, but this frontend does not support input requests."
        )

    p = PendingWrite(WRITE, BODY, ("hall-a",))
    with pytest.raises(WriteRefused, match="does not take input") as err:
        prompt(p, ask=no_input)
    assert err.value.reason == "no-prompt" and "confirm" in err.value.hint


def test_profile_keys_read_only_and_confirm_writes(tmp_path, splicer):
    from openapi_magic import ConfigError
    from openapi_magic.client._profiles import get_profile

    path = profile_file(tmp_path, splicer, "confirm_writes = yes")
    profile = get_profile("show", path)
    assert profile.confirm_writes and not profile.read_only
    assert profile.client().confirm_writes
    with pytest.raises(ConfigError, match="read_only"):
        get_profile("show", profile_file(tmp_path, splicer, "read_only = maybe"))


def test_the_connection_says_it_is_read_only(splicer):
    conn = Connection()
    conn.connect(splicer, read_only=True)
    assert "read-only" in conn.describe() and splicer.secret_key not in conn.describe()
    with pytest.raises(WriteRefused, match="read-only") as err:
        conn.client.call(WRITE, BODY)
    assert "--read-only" in err.value.hint and splicer.requests[WRITE] == 0


def test_a_watch_of_a_write_is_refused_up_front_on_a_guarded_splicer(splicer):
    from openapi_magic import ConfigError
    from openapi_magic.ops._watch import Watch

    with pytest.raises(WriteRefused, match="read-only"):
        Watch(Client.from_splicer(splicer, read_only=True), WRITE, BODY, show=False)
    with pytest.raises(ConfigError, match="every poll"):
        Watch(Client.from_splicer(splicer, confirm_writes=True), WRITE, BODY, show=False)
    assert splicer.requests[WRITE] == 0
    import time

    w = Watch(Client.from_splicer(splicer, read_only=True), READ, READ_BODY, show=False, every=0.2)
    try:
        deadline = time.monotonic() + 5
        while splicer.requests[READ] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        w.stop()
    assert splicer.requests[READ] >= 1 and not w.offline  # reads are watched as ever


# ---------------------------------------------------------------------- one classifier

#: Names the catalog does not know: one that reads like a read, one like a write, one odd.
UNKNOWN = ["screen/readFuture", "screen/writeFuture", "nothing/atAll"]


def _every_interface():
    from openapi_magic.core.catalog import load_catalog

    return [i.path for i in load_catalog()] + UNKNOWN


@pytest.mark.parametrize("path", _every_interface())
def test_every_guard_and_capture_agree_with_the_one_classifier(path):
    """The catalog's is_read is the only verdict: confirm, the client's read-only guard,
    confirm-before-write, the watch's and the fleet's guards and capture all follow it."""
    from types import SimpleNamespace

    from openapi_magic.core.catalog import Interface, is_read, load_catalog
    from openapi_magic.ops._captures import _guard
    from openapi_magic.ops._watch import _refuse_polled_writes
    from openapi_magic.ops.fleet._targets import _guard_run

    catalog = load_catalog()
    read = is_read(path)
    assert read == (path in catalog and catalog.get(path).kind == "read")
    assert read == (catalog.is_read(path) is True)
    assert (write_kind(path) == "read") == read

    def refused(guard) -> bool:
        try:
            guard()
        except WriteRefused:
            return True
        return False

    client = Client("http://192.0.2.1:8000/open/api", "demo", "0123456789abcdef", read_only=True)
    asking = Client("http://192.0.2.1:8000/open/api", "demo", "0123456789abcdef")
    asking.confirm_writes = True
    target = SimpleNamespace(client=client, label="wall", root=client.root)
    assert refused(lambda: client.guard(path, {})) == (not read)
    assert asking.needs_confirm(path) == (not read)
    assert refused(lambda: _refuse_polled_writes(path, [target])) == (not read)
    assert refused(
        lambda: _guard_run(
            [target],
            path,
            [({}, {})],
            read_only=True,
            confirm_writes=False,
            confirm=None,
            confirmed=False,
        )
    ) == (not read)
    if path in catalog:
        iface = catalog.get(path)
    else:  # as a hand-made catalog entry would have it
        kind = "read" if "/read" in path else "write"
        iface = Interface(path=path, summary="", kind=kind)
    assert refused(lambda: _guard(iface)) == (not read)
