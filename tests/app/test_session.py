"""The notebook session under both front-ends: one setting, one outcome, magic and form alike.

That each setting reaches its effect from every front-end (magic, fleet cells, form,
watch, command line) is the settings walk's (tests/test_settings.py). Here: the
resolve rule itself (precedence, the guards only adding up, ``%config`` before the
extension loads), the session's shape, and how the form follows the notebook's
settings, driven through the real front-ends: an InteractiveShell running real cells,
headless clicks on the form, and the simulated splicer on port 0.
"""

from __future__ import annotations

import ast
import pathlib

import pytest
from _hardening import fresh_magic
from IPython.utils.capture import capture_output

import openapi_magic
from openapi_magic.app._session import (
    SETTINGS,
    CallSpec,
    NotebookSession,
    session_for,
    start_session,
)
from openapi_magic.client._client import MAX_TIMEOUT, Client
from openapi_magic.client._connection import Connection
from openapi_magic.frontends._form import RequestForm
from openapi_magic.server import serve

KEY = "Session-Qz7-Secret-Key-5512"
WAIT = 15  # seconds a form call may take before the test gives up (calls take milliseconds)
PACKAGE = pathlib.Path(openapi_magic.__file__).parent


@pytest.fixture
def splicer():
    """This module's own account (a secret of its own, so the scans know what to look for)."""
    with serve(secret_key=KEY, encrypt=True) as s:
        yield s


def run(ip, code):
    with capture_output() as cap:
        res = ip.run_cell(code)
    assert res.success, (code, cap.stdout, cap.stderr, res.error_in_exec)
    return res.result


def connected(ip, splicer):
    ip.user_ns["splicer"] = splicer
    run(ip, "%openapi_connect splicer --no-firmware")
    return session_for(ip).connection.client


def click_send(f: RequestForm) -> None:
    f._send_button.click()
    assert f.wait(WAIT), "the call did not finish"
    assert f.error is None, f.error


def socket_timeouts(monkeypatch, client: Client) -> list:
    """What ``timeout=`` the client's HTTP session is given on each post (the socket's)."""
    seen: list = []
    post = client._session.post

    def spy(*args, **kwargs):
        seen.append(kwargs["timeout"])
        return post(*args, **kwargs)

    monkeypatch.setattr(client._session, "post", spy)
    return seen


# --------------------------------------------------------------------------- the form


def test_a_config_timeout_fills_the_form_box_unclamped_and_stays_out_of_its_cell(ip, splicer):
    """The form's side of %config timeout (that it reaches the socket from every front-end
    is the settings walk's: tests/test_settings.py)."""
    connected(ip, splicer)
    run(ip, "%config OpenAPIMagics.timeout = 700")
    f = run(ip, "%openapi_form screen/readList")
    assert f._timeout.value == 700  # not clamped to 600
    assert f.settings().source("timeout") == "%config"
    # The copied cell needs no --timeout: it is the notebook's own.
    assert "--timeout" not in f.cell_text()


@pytest.mark.slow
def test_the_form_box_accepts_the_clients_maximum(ip, splicer, monkeypatch):
    client = connected(ip, splicer)
    seen = socket_timeouts(monkeypatch, client)
    f = run(ip, "%openapi_form screen/readList")
    f._timeout.value = MAX_TIMEOUT
    assert f._timeout.value == MAX_TIMEOUT
    assert f.settings().source("timeout") == "form"
    click_send(f)
    cell = f.cell_text()
    assert f"--timeout {MAX_TIMEOUT:g}" in cell.splitlines()[0]
    run(ip, cell)  # the copied cell: the same timeout, as a cell option
    assert seen == [(MAX_TIMEOUT, MAX_TIMEOUT)] * 2


def test_the_form_does_not_find_the_magic_by_name():
    """No front-end module imports another or looks it up in IPython's registry; the
    session (below them) imports none of them."""
    folder = PACKAGE / "frontends"
    front_ends = {"_magics": folder / "_magics.py", "_form": folder / "_form.py"}
    for name, path in front_ends.items():
        other = ({"_magics", "_form"} - {name}).pop()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            (node.module or "").split(".")[-1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        imported |= {
            alias.name.split(".")[-1]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert other not in imported, f"{name} imports {other}"
    form_text = front_ends["_form"].read_text(encoding="utf-8")
    assert "OpenAPIMagics" not in form_text and "magics_manager" not in form_text
    session_tree = ast.parse((PACKAGE / "app" / "_session.py").read_text(encoding="utf-8"))
    below = {(n.module or "") for n in ast.walk(session_tree) if isinstance(n, ast.ImportFrom)}
    assert not [m for m in below if "frontends" in m or m.endswith(("_magics", "_form"))]


# --------------------------------------------------------------------------- precedence


def profile_file(tmp_path, splicer, extra: str) -> pathlib.Path:
    path = tmp_path / "profiles.ini"
    path.write_text(
        f"[hall]\nroot = {splicer.root}\npid = {splicer.pid}\nencrypt = true\n"
        f"secret_key_env = HALL_SECRET\n{extra}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_timeout_precedence_each_level_over_the_next(ip, splicer, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "OPENAPI_MAGIC_PROFILES", str(profile_file(tmp_path, splicer, "timeout = 30"))
    )
    monkeypatch.setenv("HALL_SECRET", KEY)
    session = session_for(ip)
    session.connection.profiles_file = None  # the environment's file, set just above
    # default: a plain client says nothing, so the client's own 10 s is the default's
    plain = Client(splicer.root, splicer.pid, KEY, encrypt=True)
    usual = session.resolve(plain)
    assert usual.source("timeout") == "default" and usual.timeout == plain.timeout

    run(ip, "%openapi_connect -p hall --no-firmware")
    client = session.connection.client
    seen = socket_timeouts(monkeypatch, client)
    assert session.resolve(client).explain("timeout") == "timeout = 30.0 (from profile)"
    f = run(ip, "%openapi_form screen/readList")
    assert f._timeout.value == 30 and f.settings().source("timeout") == "profile"
    run(ip, '%openapi screen/readList {"deviceId": 0}')
    click_send(f)

    run(ip, "%config OpenAPIMagics.timeout = 45")  # %config over the profile
    assert f.settings().source("timeout") == "%config" and f.settings().timeout == 45
    run(ip, '%openapi screen/readList {"deviceId": 0}')
    click_send(f)

    f._timeout.value = 50  # the form's field over %config
    assert f.settings().source("timeout") == "form"
    click_send(f)
    run(ip, '%openapi screen/readList --timeout 55 {"deviceId": 0}')  # the cell over all
    both = session.resolve(client, cell={"timeout": 55}, form={"timeout": 50})
    assert both.source("timeout") == "cell" and both.timeout == 55
    assert [t[0] for t in seen] == [30, 30, 45, 45, 50, 55]


@pytest.mark.slow
def test_read_only_and_strict_catalog_come_from_config_then_the_profile(
    ip, splicer, tmp_path, monkeypatch
):
    monkeypatch.setenv(
        "OPENAPI_MAGIC_PROFILES", str(profile_file(tmp_path, splicer, "read_only = true"))
    )
    monkeypatch.setenv("HALL_SECRET", KEY)
    session = session_for(ip)
    session.connection.profiles_file = None
    run(ip, "%openapi_connect -p hall --no-firmware")
    client = session.connection.client
    assert session.resolve(client).source("read_only") == "profile"
    assert session.resolve(client).source("strict_catalog") == "default"
    run(ip, "%config OpenAPIMagics.strict_catalog = True")
    run(ip, "%config OpenAPIMagics.read_only = False")
    settings = session.resolve(client)
    assert settings.source("strict_catalog") == "%config" and settings.strict_catalog
    # The guards only add up: %config saying False does not lift the profile's read-only.
    assert settings.source("read_only") == "profile" and settings.read_only
    f = run(ip, "%openapi_form screen/readList")
    assert f.strict_catalog is True  # the form starts from what the magic uses
    # A box still holding what the notebook said is not the form's own value: it follows.
    assert f.settings().source("strict_catalog") == "%config"
    f.strict_catalog = False  # ticked off by the user: now the form's
    assert f.settings().source("strict_catalog") == "form" and not f.settings().strict_catalog
    f.strict_catalog = True
    # The profile's own read-only still refuses writes in both front-ends (it is the
    # connection's guard, not a preference a weaker level can lift).
    with capture_output():
        res = ip.run_cell('%%openapi screen/rename\n{"deviceId": 0, "screenId": 0, "name": "x"}')
    assert not res.success
    f.interface = "screen/rename"
    f._rows["name"].widget.value = "x"
    assert f.send() is False and "read" in str(f.error).lower()


@pytest.mark.slow
def test_cell_option_wins_and_keep_going_is_the_cells_fail_on_status(ip):
    session = session_for(ip)
    run(ip, "%config OpenAPIMagics.fail_on_status = True")
    settings = session.resolve(
        cell={"fail_on_status": False, "display_limit": 3}, form={"display_limit": 7}
    )
    assert settings.source("fail_on_status") == "cell" and settings.fail_on_status is False
    assert settings.explain("display_limit") == "display_limit = 3 (from cell)"
    assert session.resolve(form={"display_limit": 7}).source("display_limit") == "form"
    assert session.resolve().source("fail_on_status") == "%config"
    assert set(settings) == set(SETTINGS)


def test_the_command_line_level_sits_between_the_form_and_config(splicer):
    session = NotebookSession()
    client = Client.from_splicer(splicer, timeout=30)
    session.set_config("display_limit", 4)
    session.set_config("timeout", 45)
    settings = session.resolve(client, cli={"display_limit": 2, "timeout": None})
    assert settings.explain("display_limit") == "display_limit = 2 (from cli)"
    assert settings.explain("timeout") == "timeout = 45 (from %config)"  # None: not given
    below = session.resolve(client, form={"display_limit": 3}, cli={"display_limit": 2})
    assert below.explain("display_limit") == "display_limit = 3 (from form)"
    # A command line's call specification resolves at its level.
    spec = CallSpec(
        "screen/readList",
        {"deviceId": 0},
        client=client,
        settings={"display_limit": 2},
        origin="cli",
    )
    assert session.check(spec).settings.source("display_limit") == "cli"
    # The guards only add up there too: the command line cannot lift a connection's.
    guarded = Client.from_splicer(splicer, read_only=True)
    assert session.resolve(guarded, cli={"read_only": False}).read_only


@pytest.mark.slow
def test_config_before_the_extension_loads_reaches_the_session(shell, monkeypatch, tmp_path):
    ip = fresh_magic(shell, monkeypatch, tmp_path)
    from openapi_magic.frontends._magics import OpenAPIMagics

    run(ip, "%config OpenAPIMagics.display_limit = 4")
    ip.register_magics(OpenAPIMagics)  # a new instance reads the config section
    settings = session_for(ip).resolve()
    assert settings.display_limit == 4 and settings.source("display_limit") == "%config"
    run(ip, "%config OpenAPIMagics.timeout = None")  # None: not set, the connection's own
    assert session_for(ip).resolve().source("timeout") == "default"


# --------------------------------------------------------------------------- the session


def test_one_session_per_shell_and_one_of_its_own_without_a_shell():
    class Shell:
        pass

    a, b = Shell(), Shell()
    assert session_for(a) is session_for(a) is not session_for(b)
    assert session_for(None) is not session_for(None)
    assert session_for(Shell(), create=False) is None
    fresh = start_session(a, Connection())
    assert session_for(a) is fresh


def test_a_plain_python_session_runs_a_call_with_its_settings(splicer):
    session = NotebookSession()
    client = Client(splicer.root, splicer.pid, KEY, encrypt=True)
    spec = CallSpec(
        "screen/readList", {"deviceId": 0}, client=client, settings={"display_limit": 2}
    )
    outcome = session.run(spec)
    result = outcome.result
    assert outcome.ok and outcome.sent is True and result is not None
    assert result.ok and result.display_limit == 2 == outcome.settings.display_limit
    assert outcome.settings.source("display_limit") == "cell"
    assert "text/html" in session.render(result) and "text/html" in session.render(outcome)
    with pytest.raises(AttributeError, match="not a session setting"):
        outcome.settings.no_such_setting  # noqa: B018
    with pytest.raises(KeyError):
        session.resolve(cell={"no_such_setting": 1})


# --------------------------------------------------------------------------- the form follows


def brightness(splicer) -> int:
    return splicer.state.call("screen/readDetail", {"deviceId": 0, "screenId": 0})["brightness"]


@pytest.mark.slow
def test_the_form_boxes_follow_config_until_the_user_changes_them(ip, splicer, monkeypatch):
    client = connected(ip, splicer)
    f = run(ip, "%openapi_form screen/readList")
    run(ip, "%config OpenAPIMagics.timeout = 700")
    run(ip, "%config OpenAPIMagics.strict_catalog = True")
    # Seen at once in the boxes, not only at the next send.
    assert f._timeout.value == 700 and f._strict.value is True
    run(ip, "%config OpenAPIMagics.timeout = 30")
    assert f._timeout.value == 30
    seen = socket_timeouts(monkeypatch, client)
    click_send(f)
    assert seen[-1] == (30.0, 30.0)
    f._timeout.value = 45  # the user's own value: %config no longer moves it
    run(ip, "%config OpenAPIMagics.timeout = 20")
    assert f._timeout.value == 45
    assert f.settings().explain("timeout") == "timeout = 45.0 (from form)"
    click_send(f)
    assert seen[-1] == (45.0, 45.0)


@pytest.mark.slow
def test_read_only_from_config_ticks_the_form_box_and_cannot_be_lifted_there(ip, splicer):
    connected(ip, splicer)
    f = run(ip, "%openapi_form " + "screen/writeBrightness")
    before = brightness(splicer)
    f.body = {"deviceId": 0, "screenId": 0, "brightness": (before + 7) % 100}
    run(ip, "%config OpenAPIMagics.read_only = True")
    assert f._read_only.value is True and f._read_only.disabled
    assert "%config" in f._read_only.tooltip
    f.read_only = False  # from Python, past the disabled box: the guard still holds
    assert f.settings().read_only and f.settings().source("read_only") == "%config"
    f._send_button.click()
    assert f.wait(WAIT)
    assert f.error is not None and "read" in str(f.error).lower()
    assert brightness(splicer) == before  # nothing reached the wall
    run(ip, "%config OpenAPIMagics.read_only = False")
    assert not f._read_only.disabled
    # The box was the notebook's: it follows back to unticked, and writes go out again.
    assert f._read_only.value is False and f.settings().read_only is False
    click_send(f)
    assert brightness(splicer) == (before + 7) % 100


def test_the_guards_only_add_up_across_levels(splicer):
    session = NotebookSession()
    client = Client.from_splicer(splicer, read_only=True)
    assert session.resolve(client, form={"read_only": False}).read_only
    assert session.resolve(client, cell={"read_only": False}).source("read_only") == "connection"
    plain = Client.from_splicer(splicer)
    session.set_config("confirm_writes", True)
    s = session.resolve(plain, form={"confirm_writes": False})
    assert s.confirm_writes and s.source("confirm_writes") == "%config"
    session.set_config("confirm_writes", False)
    s = session.resolve(plain, form={"confirm_writes": True})
    assert s.confirm_writes and s.source("confirm_writes") == "form"


def test_current_settings_says_where_each_value_came_from(ip, splicer):
    import openapi_magic

    connected(ip, splicer)
    run(ip, "%config OpenAPIMagics.timeout = 700")
    settings = openapi_magic.current_settings(shell=ip)
    assert settings.explain("timeout") == "timeout = 700.0 (from %config)"
    assert settings.source("display_limit") == "default"
    text = repr(settings)
    assert "timeout = 700.0 (from %config)" in text and "encrypt = True" in text
    assert splicer.secret_key not in text


@pytest.mark.slow
def test_the_magic_pages_settings_example_prints_what_it_says(ip, splicer, capsys):
    import openapi_magic

    readme = (PACKAGE.parent / "docs" / "howto" / "magic.md").read_text(encoding="utf-8")
    assert "print(openapi_magic.current_settings())" in readme
    connected(ip, splicer)
    run(ip, "%config OpenAPIMagics.timeout = 700")
    print(openapi_magic.current_settings(shell=ip))
    out = capsys.readouterr().out
    quoted = "timeout = 700.0 (from %config)"
    assert f"`{quoted}`" in readme and quoted in out
