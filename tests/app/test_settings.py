"""One declaration per setting (openapi_magic.core.settings.TABLE), and every front-end made from it.

The walk: for every row of the table and every level that offers it (a cell option,
an ``%openapi_watch`` option, the form's box, a command-line flag, ``%config``, an
``%openapi_connect`` option, a profile key, the connection), the value is set there
through the real front-end (an InteractiveShell running real cells, headless form
clicks, the session's call specification as the command line builds it, the simulated
splicer on port 0) and its effect is observed where it lands: the socket timeout the
HTTP session is given, the rows a Result shows, a write refused before the wall, a
confirm asked, encryption on the wire... A setting that changes a call (``per_call``)
is walked three ways from each level that makes calls: one splicer, a fleet cell
``--on VAR`` and ``--each NAME=VAR``. A row with no effect check fails the walk,
naming it, so a new setting is tested the day it is added.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import pathlib
import time
from collections.abc import Callable
from typing import Any

import pytest
from _hardening import fresh_magic
from IPython.utils.capture import capture_output

from openapi_magic.app._session import SETTINGS, SOURCES, CallSpec, session_for
from openapi_magic.client import _guards
from openapi_magic.client._client import Client
from openapi_magic.client._profiles import Profile, load_profiles
from openapi_magic.client._result import DEFAULT_DISPLAY_LIMIT, Result
from openapi_magic.core import protocol
from openapi_magic.core.settings import (
    FLAG_LEVELS,
    TABLE,
    Setting,
    add_cli_arguments,
    arguments,
    cli_level,
    setting,
)
from openapi_magic.frontends._form import RequestForm
from openapi_magic.frontends._magics import OpenAPICellError, OpenAPIMagics
from openapi_magic.ops.fleet import FleetResult

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
    result: Result | FleetResult | None
    error: BaseException | None
    value: Any = None  # what the magic returned (a confirm panel...)
    asked: bool = False  # a confirm step is waiting

    @property
    def html(self) -> str:
        """What the front-end drew (a form's output, a Result's view)."""
        if isinstance(self.value, RequestForm):
            return "".join(o["data"].get("text/html", "") for o in self.value._out.outputs)
        return self.value._repr_html_() if isinstance(self.value, Result) else ""

    @property
    def results(self) -> list[Result]:
        """Every reply that arrived: the one call's, or each call's of a fleet."""
        if isinstance(self.result, FleetResult):
            return [c.result for c in self.result.calls if c.result is not None]
        return [self.result] if self.result is not None else []


#: How a level that makes calls runs one: one splicer, a fleet cell ``--on VAR`` (the
#: connection's client as the fleet), ``--each NAME=VAR`` (the body as the one item),
#: or the form's Send (for a level below the front-ends).
WAYS = ("one", "on", "each", "form")

#: The ways each level is walked for a setting that changes a call (``per_call``); one
#: splicer otherwise. The form has no fleet and a watch polls; the levels below the
#: front-ends (``%config``, the connection's) reach the magic and the form alike.
LEVEL_WAYS = {
    "cell": WAYS[:3],
    "cli": WAYS[:3],
    "%config": WAYS,
    "connect": WAYS,
    "profile": WAYS,
    "connection": WAYS,
}


def cli_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_cli_arguments(parser)
    return parser


class Front:
    """One front-end level offering a setting, one way: ``set`` puts a value there,
    ``call`` makes one call through the front-end that level belongs to (the magic, the
    form, the watch, or the session as the command line calls it)."""

    def __init__(
        self,
        level: str,
        ip: Any,
        splicer: Any,
        tmp_path: pathlib.Path,
        monkeypatch: Any,
        way: str = "one",
    ):
        self.level, self.way, self.ip, self.splicer = level, way, ip, splicer
        self.tmp_path, self.monkeypatch = tmp_path, monkeypatch
        self.flags = ""  # a cell's, a watch's or %openapi_connect's options
        self.box: tuple[str, Any] | None = None
        self.cli: dict[str, Any] = {}
        self.connect()

    def connect(self, firmware: bool = False, **client: Any) -> None:
        """Connect the magic to the splicer (with this level's %openapi_connect options)."""
        if self.level == "connect":  # the options make the client, as from a profile
            self.ip.user_ns["splicer"] = self.splicer
            options = self.flags
        else:
            self.ip.user_ns["splicer"] = Client.from_splicer(self.splicer, **client)
            options = ""
        run(self.ip, f"%openapi_connect splicer {'' if firmware else '--no-firmware'} {options}")

    @property
    def client(self) -> Client:
        client = session_for(self.ip).connection.client
        assert client is not None
        return client

    def set(self, row: Setting, value: Any) -> None:
        if self.level in FLAG_LEVELS:
            options = row.flags(self.level)
            flag = next((f for f in options if f.const == value), options[0])
            words = [flag.flags[0]] + ([] if flag.const is not None else [str(value)])
            self.flags = " ".join(words)
            if self.level == "cli":
                self.cli = cli_level(cli_parser().parse_args(words))
            elif self.level == "connect":
                self.connect()
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
        if self.level == "form" or self.way == "form":
            return self._form_call(interface, body)
        if self.level == "watch":
            return self._watch_call(interface, body)
        if self.level == "cli":
            return self._cli_call(interface, body)
        options, text = self.flags if self.level == "cell" else "", json.dumps(body)
        if self.way == "on":
            self.ip.user_ns["targets"] = [self.client]
            options += " --on targets"
        elif self.way == "each":
            self.ip.user_ns["bodies"] = [body]
            options, text = options + " --each b=bodies", "$b"
        with capture_output():
            res = self.ip.run_cell(f"%%openapi {interface} {options}\n{text}")
        value = res.result
        result = value if isinstance(value, (Result, FleetResult)) else None
        assert result is None or isinstance(result, FleetResult) == (self.way != "one")
        return Outcome(
            res.success, result, res.error_in_exec, value, asked=hasattr(value, "pending")
        )

    def _cli_call(self, interface: str, body: Any) -> Outcome:
        # The command line's seam: its flags' level on a call specification (origin "cli"),
        # run by the session, a y/N prompt for a write.
        ways = {"one": {}, "on": {"targets": [self.client]}, "each": {"bodies": [body]}}
        spec = CallSpec(interface, body, settings=self.cli, origin="cli", **ways[self.way])
        out = session_for(self.ip).run(spec, confirm=_guards.prompt)
        assert all(out.settings.source(k) == "cli" for k, v in self.cli.items() if v is not None)
        error = out.refused.error if out.refused is not None else out.error
        return Outcome(out.ok, out.result, error, out, asked=out.pending is not None)

    def _watch_call(self, interface: str, body: Any) -> Outcome:
        line = f"%openapi_watch {interface} -b --every 60 {self.flags} {json.dumps(body)}"
        watch = run(self.ip, line).result
        try:
            for _ in range(WAIT * 20):
                if watch.polls:
                    break
                time.sleep(0.05)
        finally:
            watch.stop()
        return Outcome(watch.result is not None, watch.result, None, watch)

    def _form_call(self, interface: str, body: Any) -> Outcome:
        f: RequestForm = run(self.ip, f"%openapi_form {interface}").result
        f.body = body
        if self.box is not None:
            name, value = self.box
            f._boxes()[name].value = value
        f._send_button.click()
        assert f.wait(WAIT), "the call did not finish"
        ok = f.error is None and f.result is not None and f.pending is None
        return Outcome(ok, f.result, f.error, f, asked=f.pending is not None)


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
    assert out.results and all(r.display_limit == 1 for r in out.results)
    assert out.result is not None and out.result.display_limit == 1  # a fleet's table too
    if front.way in ("one", "form") and front.level != "cli":  # the cut, said where drawn
        total = len(out.result.body["screens"])
        assert total > 1, "the simulated splicer needs two screens to show a cut"
        assert f"showing 1 of {total} rows" in out.html


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
    assert all(r.encrypted is False for r in out.results)


def _strict_sign(front: Front, row: Setting) -> None:
    opened = protocol.open_reply

    def forged(*args: Any, **kwargs: Any) -> Any:  # as if signed with another key
        return dataclasses.replace(opened(*args, **kwargs), sign_verdict="mismatch")

    front.monkeypatch.setattr(protocol, "open_reply", forged)
    assert front.call(*READ).ok  # shown, not failed, by default
    front.set(row, True)
    out = front.call(*READ)
    assert not out.ok and "sign" in repr(out.error).lower()
    error = out.error.error if isinstance(out.error, OpenAPICellError) else out.error
    kept = out.result or getattr(error, "result", None) or getattr(error, "fleet", None)
    assert kept is not None, "the reply stays in the error's result"


def _fail_on_status(front: Front, row: Setting) -> None:
    assert not front.call(*FAILING).ok
    front.set(row, False)
    out = front.call(*FAILING)
    assert out.ok and any(r.status != 0 for r in out.results)


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
    if front.level == "cli":  # the command line reads the profiles file itself
        from openapi_magic.frontends._cli import main

        call = ["call", READ[0], json.dumps(READ[1]), "-p", "there", "--json"]
        with capture_output() as io:
            assert main(call) == 2  # the user's profiles file has no "there"
            assert main([*call, "--profiles", str(path)]) == 0
        assert json.loads(io.stdout.splitlines()[-1])["splicer"]["name"] == "there"
        return
    with capture_output():
        assert not front.ip.run_cell("%openapi_connect -p there --no-firmware").success
    front.set(row, str(path))
    run(front.ip, "%openapi_connect -p there --no-firmware")
    assert front.client.name == "there"


def _history_file(front: Front, row: Setting) -> None:
    path = front.tmp_path / "tonight.jsonl"
    if front.level == "cli":  # the command line appends to the file it is given
        from openapi_magic.frontends._cli import main

        prof = write_profile(front.tmp_path / "p.ini", front.splicer, "hall")
        call = ["call", READ[0], json.dumps(READ[1]), "-p", "hall", "--profiles", str(prof)]
        with capture_output():
            assert main([*call, "--json"]) == 0
            assert not path.exists()
            assert main([*call, "--json", "--history-file", str(path)]) == 0
        origin = "cli"
    else:
        front.set(row, str(path))
        assert front.call(*READ).ok
        origin = "magic"
    (line,) = path.read_text("utf-8").splitlines()
    assert json.loads(line)["interface"] == READ[0] and json.loads(line)["origin"] == origin


def _default_profile(front: Front, row: Setting) -> None:
    path = write_profile(front.tmp_path / "profiles.ini", front.splicer, "hall")
    fresh_magic(front.ip, front.monkeypatch, front.tmp_path)  # nothing connected
    front.monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(path))
    front.set(row, "hall")
    assert session_for(front.ip).client_for().name == "hall"


def _check_connection(front: Front, row: Setting) -> None:
    asked = front.splicer.requests["main/initStatus"]
    front.connect(firmware=True)
    assert front.splicer.requests["main/initStatus"] == asked + 1
    front.set(row, False)
    front.connect(firmware=True)
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
    "history_file": _history_file,
    "default_profile": _default_profile,
    "check_connection": _check_connection,
}

#: Cases the walk leaves for later (none: add one with its reason).
LATER: set[tuple[str, str]] = set()

#: Ways a setting does not apply to, and why.
NOT_THERE = {
    # The form shows a failed reply beside its status; there is no Run All to stop.
    ("fail_on_status", "form"),
}


def walk() -> list[Any]:
    """Every (setting, level, way) the walk takes: each level a row offers, and each way
    (one splicer, ``--on``, ``--each``) for a setting that changes a call."""
    cases = []
    for row in TABLE:
        levels = [level for level in row.levels if (row.name, level) not in LATER]
        for level in levels or ["none"]:  # no level at all fails, naming the setting
            ways = LEVEL_WAYS.get(level, WAYS[:1]) if row.per_call else WAYS[:1]
            ways = tuple(w for w in ways if (row.name, w) not in NOT_THERE)
            cases += [
                pytest.param(row.name, level, way, id=f"{row.name}-{level}-{way}") for way in ways
            ]
    return cases


@pytest.mark.slow
@pytest.mark.parametrize(("name", "level", "way"), walk())
def test_every_setting_reaches_its_effect_from_every_front_end_that_offers_it(
    name, level, way, ip, splicer, tmp_path, monkeypatch
):
    row = setting(name)
    check = EFFECTS.get(name)
    assert check is not None, f"no effect check for setting {name}"
    assert level != "none", f"setting {name} has no front-end"
    check(Front(level, ip, splicer, tmp_path, monkeypatch, way), row)


def test_the_walk_takes_every_level_and_way_of_every_setting():
    cases = {tuple(case.values) for case in walk()}
    for row in TABLE:
        for level in row.levels:
            if (row.name, level) not in LATER:
                assert (row.name, level, "one") in cases
                if row.per_call:
                    ways = LEVEL_WAYS.get(level, ())
                    want = {(row.name, level, w) for w in ways if (row.name, w) not in NOT_THERE}
                    assert want <= cases, (row.name, level)
    # every level a front-end resolves at is walked by some setting
    walked = {level for _, level, _ in cases}
    assert set(SOURCES) - {"default"} <= walked, set(SOURCES) - walked


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
    with capture_output() as listed:
        ip.run_line_magic("config", "OpenAPIMagics")
    for row in TABLE:
        assert settings.source(row.name) in ("default", "%config")
        assert f"{row.name} = " in repr(settings)
        if row.config:  # %config OpenAPIMagics lists its trait
            assert f"OpenAPIMagics.{row.name}=" in listed.stdout, row.name


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
    params = inspect.signature(Client.__init__).parameters
    client = profile.client(secret_key="Walk-Key-12345678")
    for row in keys:
        want = True if row.type is bool else 7.0
        assert getattr(profile, row.name) == want, row.name
        # the profile's key is the Client keyword of the same name, and reaches it
        assert row.name in params, f"{row.name}: a profile key is a Client keyword"
        assert getattr(client, row.name) == want, row.name


@pytest.mark.parametrize("level", ["connect", "watch"])
def test_the_magics_setting_options_are_the_tables(level):
    magic = {"connect": "openapi_connect", "watch": "openapi_watch"}[level]
    parser = getattr(OpenAPIMagics, magic).parser
    made = dict(arguments(level))
    assert made, level
    for action in parser._actions:
        if tuple(action.option_strings) in made:
            keywords = made.pop(tuple(action.option_strings))
            assert action.help == keywords["help"] and action.dest == (
                keywords.get("dest") or action.option_strings[-1].lstrip("-").replace("-", "_")
            )
    assert not made, f"%{magic} lacks {list(made)}"
    doc = getattr(OpenAPIMagics, magic).__doc__ or ""  # what %openapi_connect? shows
    for row in TABLE:
        for flag in row.flags(level):
            assert flag.flags[0] in doc and flag.help.split()[0] in doc, (magic, row.name)


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
