"""One declaration per setting (openapi_magic.core.settings.TABLE), and every front-end made from it.

The walk: for every row of the table and every level that offers it (a cell option,
the form's box, ``%config``, a profile key, the connection), the value is set there
through the real front-end (an InteractiveShell running real cells, headless form
clicks, the simulated splicer on port 0) and its effect is observed where it lands:
the socket timeout the HTTP session is given, the rows a Result shows, a write refused
before the wall, a confirm asked, encryption on the wire... A row with no effect check
fails the walk, so a new setting is tested the day it is added.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import pathlib
from collections.abc import Callable
from typing import Any

import pytest
from _hardening import fresh_magic
from IPython.utils.capture import capture_output

from openapi_magic.app._session import SETTINGS, session_for
from openapi_magic.client._client import Client
from openapi_magic.client._profiles import Profile, load_profiles
from openapi_magic.client._result import DEFAULT_DISPLAY_LIMIT, Result
from openapi_magic.core import protocol
from openapi_magic.core.settings import TABLE, Setting, add_cli_arguments, cli_level, setting
from openapi_magic.frontends._form import RequestForm
from openapi_magic.frontends._magics import OpenAPICellError, OpenAPIMagics

WAIT = 15  # seconds a form call may take before the test gives up (calls take milliseconds)
READ = ("screen/readList", {"deviceId": 0})
FAILING = ("screen/readDetail", {"deviceId": 0, "screenId": 999})  # a vendor status, not 0
DOUBTFUL = ("screen/readList", {"deviceId": 0, "bogusField": 1})  # the catalog doubts it


def write_body(splicer: Any) -> tuple[str, dict]:
    now = brightness(splicer)
    return "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": (now + 7) % 100}


def brightness(splicer: Any) -> int:
    return splicer.state.call("screen/readDetail", {"deviceId": 0, "screenId": 0})["brightness"]


def write_profile(path: pathlib.Path, splicer: Any, name: str, **keys: str) -> pathlib.Path:
    """A profiles file with one profile for ``splicer`` (its key in the file), ``keys`` over
    its own."""
    keys = {"encrypt": str(splicer.encrypt).lower(), "secret_key": splicer.secret_key, **keys}
    lines = [f"[{name}]", f"root = {splicer.root}", f"pid = {splicer.pid}"]
    path.write_text("\n".join(lines + [f"{k} = {v}" for k, v in keys.items()]) + "\n", "utf-8")
    return path


def run(ip: Any, code: str) -> Any:
    with capture_output() as cap:
        res = ip.run_cell(code)
    assert res.success, (code, cap.stdout, cap.stderr, res.error_in_exec)
    return res


@dataclasses.dataclass
class Outcome:
    """What one call through a front-end came to."""

    ok: bool
    result: Result | None
    error: BaseException | None
    value: Any = None  # what the magic returned (a confirm panel...)
    asked: bool = False  # a confirm step is waiting


class Front:
    """One front-end level offering a setting: ``set`` puts a value there, ``call`` makes
    one call through the front-end that level belongs to (the magic or the form)."""

    def __init__(self, level: str, ip: Any, splicer: Any, tmp_path: pathlib.Path, monkeypatch):
        self.level, self.ip, self.splicer = level, ip, splicer
        self.tmp_path, self.monkeypatch = tmp_path, monkeypatch
        self.flags = ""
        self.box: tuple[str, Any] | None = None
        self.connect()

    def connect(self, **client: Any) -> None:
        self.ip.user_ns["splicer"] = Client.from_splicer(self.splicer, **client)
        run(self.ip, "%openapi_connect splicer --no-firmware")

    @property
    def client(self) -> Client:
        client = session_for(self.ip).connection.client
        assert client is not None
        return client

    def set(self, row: Setting, value: Any) -> None:
        if self.level == "cell":
            flag = next((f for f in row.cell if f.const == value), row.cell[0])
            self.flags = " ".join(flag.flags[:1]) + ("" if flag.const is not None else f" {value}")
        elif self.level == "%config":
            run(self.ip, f"%config OpenAPIMagics.{row.name} = {value!r}")
        elif self.level == "profile":
            word = str(value).lower() if isinstance(value, bool) else str(value)
            path = write_profile(
                self.tmp_path / "profiles.ini", self.splicer, "hall", **{row.name: word}
            )
            session_for(self.ip).connection.profiles_file = str(path)
            run(self.ip, "%openapi_connect -p hall --no-firmware")
        elif self.level == "connection":
            self.connect(**{row.name: value})
        elif self.level == "form":
            self.box = (row.name, value)
        else:  # pragma: no cover - a level the walk does not know yet
            raise AssertionError(f"no front-end for level {self.level}")

    def call(self, interface: str, body: Any) -> Outcome:
        if self.level == "form":
            return self._form_call(interface, body)
        cell = f"%%openapi {interface} {self.flags}\n{json.dumps(body)}"
        with capture_output():
            res = self.ip.run_cell(cell)
        value = res.result
        result = value if isinstance(value, Result) else None
        return Outcome(
            res.success, result, res.error_in_exec, value, asked=hasattr(value, "pending")
        )

    def _form_call(self, interface: str, body: Any) -> Outcome:
        f: RequestForm = run(self.ip, f"%openapi_form {interface}").result
        f.body = body
        if self.box is not None:
            name, value = self.box
            f._boxes()[name].value = value
        f._send_button.click()
        assert f.wait(WAIT), "the call did not finish"
        return Outcome(f.error is None, f.result, f.error, f, asked=f.pending is not None)


def socket_timeouts(monkeypatch: Any, client: Client) -> list:
    """What ``timeout=`` the client's HTTP session is given on each post (the socket's)."""
    seen: list = []
    post = client._session.post

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["timeout"])
        return post(*args, **kwargs)

    monkeypatch.setattr(client._session, "post", spy)
    return seen


# --------------------------------------------------------------------------- effects, a row each


def _timeout(front: Front, row: Setting) -> None:
    front.set(row, 700.0)
    seen = socket_timeouts(front.monkeypatch, front.client)
    assert front.call(*READ).ok
    assert seen == [(700.0, 700.0)]


def _display_limit(front: Front, row: Setting) -> None:
    front.set(row, 1)
    out = front.call(*READ)
    assert out.result is not None and out.result.display_limit == 1


def _encrypt(front: Front, row: Setting) -> None:
    # The splicer encrypts; a plain call goes out plain (on the wire: the envelope's body
    # is the JSON object, not a ciphertext string), whatever the connection says.
    sent: list = []
    front.set(row, False)
    post = front.client._session.post

    def spy(*args: Any, **kwargs: Any) -> Any:
        sent.append(kwargs.get("data") or kwargs.get("json"))
        return post(*args, **kwargs)

    front.monkeypatch.setattr(front.client._session, "post", spy)
    out = front.call(*READ)
    assert sent, "nothing was sent"
    envelope = json.loads(sent[-1]) if isinstance(sent[-1], (str, bytes)) else sent[-1]
    assert isinstance(envelope["body"], dict), envelope
    assert out.result is None or out.result.encrypted is False


def _strict_sign(front: Front, row: Setting) -> None:
    opened = protocol.open_reply

    def forged(*args: Any, **kwargs: Any) -> Any:  # as if signed with another key
        return dataclasses.replace(opened(*args, **kwargs), sign_verdict="mismatch")

    front.monkeypatch.setattr(protocol, "open_reply", forged)
    assert front.call(*READ).ok  # shown, not failed, by default
    front.set(row, True)
    out = front.call(*READ)
    assert not out.ok and "sign" in repr(out.error).lower()


def _fail_on_status(front: Front, row: Setting) -> None:
    assert not front.call(*FAILING).ok
    front.set(row, False)
    out = front.call(*FAILING)
    assert out.ok and out.result is not None and out.result.status != 0


def _read_only(front: Front, row: Setting) -> None:
    front.set(row, True)
    before = brightness(front.splicer)
    out = front.call(*write_body(front.splicer))
    assert not out.ok and "read" in str(out.error).lower()
    assert brightness(front.splicer) == before  # nothing reached the wall


def _confirm_writes(front: Front, row: Setting) -> None:
    from openapi_magic.client import _guards as confirm

    asked: list = []
    front.monkeypatch.setattr(confirm, "prompt", lambda p: asked.append(p.interface) or False)
    front.set(row, True)
    before = brightness(front.splicer)
    out = front.call(*write_body(front.splicer))
    assert (asked or out.asked) and not out.ok  # asked, and declined here
    assert brightness(front.splicer) == before  # nothing reached the wall


def _strict_catalog(front: Front, row: Setting) -> None:
    assert front.call(*DOUBTFUL).ok  # sent, with the catalog's note
    front.set(row, True)
    sent = front.splicer.requests["screen/readList"]
    out = front.call(*DOUBTFUL)
    assert not out.ok and "bogusField" in str(out.error)
    assert front.splicer.requests["screen/readList"] == sent


def _short_errors(front: Front, row: Setting) -> None:
    assert isinstance(front.call(*FAILING).error, OpenAPICellError)
    front.set(row, False)
    out = front.call(*FAILING)
    assert type(out.error).__name__ == "StatusError"


def _default_encrypt(front: Front, row: Setting) -> None:
    import getpass

    front.monkeypatch.setattr(getpass, "getpass", lambda prompt="": front.splicer.secret_key)
    url = f"%openapi_connect {front.splicer.root} --pid {front.splicer.pid} --no-firmware"
    run(front.ip, url)
    assert front.client.encrypt is False
    front.set(row, True)
    run(front.ip, url)
    assert front.client.encrypt is True and front.call(*READ).ok


def _profiles_file(front: Front, row: Setting) -> None:
    path = write_profile(front.tmp_path / "elsewhere.ini", front.splicer, "there")
    with capture_output():
        assert not front.ip.run_cell("%openapi_connect -p there --no-firmware").success
    front.set(row, str(path))
    run(front.ip, "%openapi_connect -p there --no-firmware")
    assert front.client.name == "there"


def _default_profile(front: Front, row: Setting) -> None:
    path = write_profile(front.tmp_path / "profiles.ini", front.splicer, "hall")
    fresh_magic(front.ip, front.monkeypatch, front.tmp_path)  # nothing connected
    front.monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(path))
    front.set(row, "hall")
    assert session_for(front.ip).client_for().name == "hall"


def _read_firmware(front: Front, row: Setting) -> None:
    asked = front.splicer.requests["main/initStatus"]
    run(front.ip, "%openapi_connect splicer")
    assert front.splicer.requests["main/initStatus"] == asked + 1
    front.set(row, False)
    run(front.ip, "%openapi_connect splicer")
    assert front.splicer.requests["main/initStatus"] == asked + 1


#: How each setting's effect is seen. A row of the table missing here fails the walk.
EFFECTS: dict[str, Callable[[Front, Setting], None]] = {
    "timeout": _timeout,
    "display_limit": _display_limit,
    "encrypt": _encrypt,
    "strict_sign": _strict_sign,
    "fail_on_status": _fail_on_status,
    "read_only": _read_only,
    "confirm_writes": _confirm_writes,
    "strict_catalog": _strict_catalog,
    "short_errors": _short_errors,
    "default_encrypt": _default_encrypt,
    "profiles_file": _profiles_file,
    "default_profile": _default_profile,
    "read_firmware": _read_firmware,
}

#: Levels whose front-end is still to come (the command line): their flags are checked
#: by ``test_the_command_line_flags_give_the_cli_level`` until it exists.
LATER = {"cli"}


@pytest.mark.slow
@pytest.mark.parametrize("name", [row.name for row in TABLE])
def test_every_setting_reaches_its_effect_from_every_front_end_that_offers_it(
    name, ip, splicer, tmp_path, monkeypatch
):
    row = setting(name)
    check = EFFECTS.get(name)
    assert check is not None, f"no effect check for setting {name}"
    levels = [level for level in row.levels if level not in LATER]
    assert levels, f"setting {name} has no front-end"
    for level in levels:
        with monkeypatch.context() as patch:
            fresh_magic(ip, patch, tmp_path)  # each level from a fresh magic and session
            check(Front(level, ip, splicer, tmp_path, patch), row)


# --------------------------------------------------------------------------- made from the table


def test_the_magics_traits_are_the_tables_rows():
    traits = OpenAPIMagics.class_traits(config=True)
    assert set(traits) == {row.name for row in TABLE if row.config}
    for row in TABLE:
        if row.config:
            trait = traits[row.name]
            assert (trait.default_value, trait.help) == (row.default, row.help)
            assert row.help in (OpenAPIMagics.openapi.__doc__ or "")  # %openapi? lists it


@pytest.mark.slow
def test_the_session_resolves_every_row_and_lists_it_with_its_level(ip):
    assert set(SETTINGS) == {row.name for row in TABLE}
    settings = session_for(ip).resolve()
    for row in TABLE:
        assert settings.source(row.name) in ("default", "%config")
        assert f"{row.name} = " in repr(settings)


def test_the_clients_defaults_are_the_tables():
    params = inspect.signature(Client.__init__).parameters
    assert setting("display_limit").default == DEFAULT_DISPLAY_LIMIT
    for row in TABLE:
        if row.client:
            assert row.name in params, f"{row.name}: the connection level is a Client keyword"
            if row.default is not None:  # None: the connection's own
                assert params[row.name].default == row.default, row.name


def test_the_profile_keys_are_the_tables(tmp_path):
    keys = [row for row in TABLE if row.profile]
    fields = {f.name: f.default for f in dataclasses.fields(Profile)}
    lines = ["[p]", "root = http://127.0.0.1:1", "pid = p"]
    for row in keys:
        assert row.name in fields, f"{row.name}: a profile key is a Profile field"
        lines.append(f"{row.name} = {'true' if row.type is bool else '7'}")
    path = tmp_path / "p.ini"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    profile = load_profiles(path, env={})["p"]
    for row in keys:
        assert getattr(profile, row.name) == (True if row.type is bool else 7.0), row.name


def test_the_command_line_flags_give_the_cli_level():
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_cli_arguments(parser)
    assert all(value is None for value in cli_level(parser.parse_args([])).values())
    for row in TABLE:
        for flag in row.cli:
            words = [flag.flags[0]] + ([] if flag.const is not None else ["7"])
            given = cli_level(parser.parse_args(words))
            want = flag.const if flag.const is not None else row.type("7")
            assert given[row.name] == want, (row.name, words)
