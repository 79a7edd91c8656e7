"""The command line, ``openapi-magic`` / ``python -m openapi_magic``, against the simulated splicer.

Most tests call :func:`main` in-process (fast); a few run ``python -m openapi_magic`` in
a subprocess (stdin, the module entry point, ``serve``). Each exit code is reached, JSON
lines parse, and what the splicer received is counted (``splicer.requests``).
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _hardening import SECRET, assert_no_secret
from _paths import ROOT

from openapi_magic.core.catalog import is_read
from openapi_magic.core.settings import TABLE
from openapi_magic.frontends._cli import main
from openapi_magic.server import serve

WRITE, BODY = "screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 42}
READ, READ_BODY = "screen/readDetail", {"deviceId": 0, "screenId": 0}
CLI_PAGE = ROOT / "docs" / "howto" / "cli.md"


class _Terminal(io.StringIO):
    """Standard input that is a terminal, holding the answers typed."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, splicer: Any) -> Any:
    """The environment naming ``splicer`` (OPENAPI_*), no profiles file of the user's."""
    for name in list(os.environ):
        if name.startswith("OPENAPI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "profiles.ini"))
    monkeypatch.setenv("OPENAPI_ROOT", splicer.root)
    monkeypatch.setenv("OPENAPI_PID", splicer.pid)
    monkeypatch.setenv("OPENAPI_SECRET_KEY", splicer.secret_key)
    monkeypatch.setenv("OPENAPI_ENCRYPT", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal
    return splicer


def cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def sent(splicer: Any) -> int:
    return sum(splicer.requests.values())


# --------------------------------------------------------------------------- exit codes


def test_a_read_prints_the_terminal_view_and_exits_0(env, capsys):
    code, out, err = cli(capsys, "call", READ, json.dumps(READ_BODY))
    assert code == 0, err
    assert out.startswith(f"✔ {READ}  status 0")
    assert max(len(line) for line in out.splitlines()) <= 80
    assert err == ""


def test_json_is_one_object_per_call_with_the_decrypted_body(env, capsys):
    code, out, _ = cli(capsys, "call", "screen/readList", '{"deviceId": 0}', "--json")
    assert code == 0
    [line] = lines(out)
    assert line["interface"] == "screen/readList" and line["ok"] is True
    assert line["status"] == 0 and line["sign"] in ("absent", "verified")
    assert line["splicer"]["root"] == env.root
    assert [s["screenId"] for s in line["body"]["screens"]] == [0, 1, 2]
    assert "request" not in line and "response" not in line  # the envelope only with --raw
    code, out, _ = cli(capsys, "call", "screen/readList", '{"deviceId": 0}', "--json", "--raw")
    [line] = lines(out)
    assert set(line["request"]) == {"body", "sign", "pId", "timeStamp"}


def test_a_vendor_failure_exits_1_and_keep_going_exits_0(env, capsys):
    body = json.dumps({"deviceId": 0, "screenId": 99})
    code, out, err = cli(capsys, "call", READ, body)
    assert code == 1
    assert "status" in out and err.startswith("error: ") and "Traceback" not in err
    code, _, _ = cli(capsys, "call", READ, body, "-k")
    assert code == 0


def test_a_typod_interface_warns_and_is_sent_unless_strict_catalog(env, capsys):
    before = sent(env)
    code, out, _ = cli(capsys, "call", "screen/readListt", '{"deviceId": 0}')
    assert sent(env) == before + 1  # sent: firmware may know more than the catalog
    # The splicer refused it: the likely cause (a typo) leads, saying what the catalog's
    # warning said (it was a "Catalog (sent anyway)" line after the status hint).
    assert out.splitlines()[-1].startswith("Hint: Did you mean screen/readList?")
    assert code == 1  # and the splicer's answer decides
    code, _, err = cli(capsys, "call", "screen/readListt", '{"deviceId": 0}', "--strict-catalog")
    assert code == 2 and "--force" in err
    assert sent(env) == before + 1


@pytest.mark.parametrize(
    "argv",
    [
        ["call", READ, "{not json"],
        ["call", READ, "-p", "nowhere"],
        ["call", READ, "--each", "x"],
        ["call", READ, "--workers", "0", "--on", "a"],
        ["call", READ, "--bogus"],
        ["nothing"],
    ],
)
def test_usage_exits_2_with_one_line(env, capsys, argv):
    before = sent(env)
    code, out, err = cli(capsys, *argv)
    assert code == 2, (out, err)
    assert err.startswith("error: ") and "Traceback" not in err and out == ""
    assert sent(env) == before


def test_a_catalog_refusal_exits_2_and_force_sends_it(env, capsys):
    before = sent(env)
    body = '{"deviceId": 0, "screenId": 0, "nope": 1}'
    code, _, err = cli(capsys, "call", READ, body, "--strict-catalog")
    assert code == 2 and "nope" in err and "--force" in err and sent(env) == before
    code, out, _ = cli(capsys, "call", READ, body, "--strict-catalog", "--force")
    assert sent(env) == before + 1 and "Catalog (sent anyway)" in out


def test_read_only_refuses_a_write_with_exit_3_and_nothing_reaches_the_splicer(env, capsys):
    before = sent(env)
    code, out, err = cli(capsys, "call", WRITE, json.dumps(BODY), "--read-only", "--json")
    assert code == 3 and sent(env) == before
    [line] = lines(out)
    assert line["refused"] == "read-only" and line["sent"] is False and line["ok"] is False
    assert "read-only" in err
    # The flag refused it: the hint says how to lift the flag, not how to reconnect.
    assert "hint: Drop --read-only to allow writes." in err and "Client(" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["call", "--read-only", WRITE, json.dumps(BODY)],
        ["call", WRITE, "--read-only", json.dumps(BODY)],
        ["call", WRITE, json.dumps(BODY), "--read-only"],
    ],
    ids=["before", "between", "after"],
)
def test_options_go_anywhere_between_the_words(env, capsys, argv):
    # `call IFACE --read-only BODY` is how people type it: argparse alone would read the
    # body as an extra word and refuse the line as a usage error (2) instead of guarding.
    before = sent(env)
    code, _, err = cli(capsys, *argv)
    assert code == 3 and sent(env) == before, err
    assert "read-only" in err


def test_a_connection_refused_exits_3(env, capsys, monkeypatch):
    with serve() as gone:
        root = gone.root
    monkeypatch.setenv("OPENAPI_ROOT", root)
    code, out, err = cli(capsys, "call", READ, json.dumps(READ_BODY), "--timeout", "2")
    assert code == 3 and out == "" and err.startswith("error: ")


def test_confirm_writes_without_a_terminal_refuses_with_exit_3(env, capsys):
    before = sent(env)
    code, _, err = cli(capsys, "call", WRITE, json.dumps(BODY), "--confirm-writes")
    assert code == 3 and sent(env) == before
    assert "no terminal" in err


def test_confirm_writes_asks_on_the_terminal(env, capsys, monkeypatch):
    before = sent(env)
    monkeypatch.setattr(sys, "stdin", _Terminal("n\n"))
    code, out, err = cli(capsys, "call", WRITE, json.dumps(BODY), "--confirm-writes")
    assert code == 3 and sent(env) == before and "declined" in err
    assert "Send it? [y/N]" in err and out == ""  # the question on stderr: stdout stays the reply's
    monkeypatch.setattr(sys, "stdin", _Terminal("y\n"))
    code, out, _ = cli(capsys, "call", WRITE, json.dumps(BODY), "--confirm-writes")
    assert code == 0 and sent(env) == before + 1 and out.startswith(f"✔ {WRITE}")


# --------------------------------------------------------------------------- many calls


def test_each_sends_one_call_per_value(env, capsys):
    code, out, _ = cli(
        capsys, "call", READ, '{"deviceId": 0, "screenId": $s}', "--each", "s=[0, 1]", "--json"
    )
    assert code == 0
    got = lines(out)
    assert [(line["fields"], line["body"]["screenId"]) for line in got] == [
        ({"s": 0}, 0),
        ({"s": 1}, 1),
    ]
    code, out, _ = cli(capsys, "call", READ, '{"deviceId": 0, "screenId": $s}', "--each", "s=0,1")
    assert code == 0 and out.startswith(f"✔ {READ}  2 ok  0 failed")


def test_on_calls_every_profile_one_json_line_each(env, capsys, tmp_path, monkeypatch):
    with serve() as other:
        ini = tmp_path / "profiles.ini"
        ini.write_text(
            "".join(
                f"[{name}]\nroot = {s.root}\npid = {s.pid}\nencrypt = true\n"
                f"secret_key_env = HALL_SECRET\n\n"
                for name, s in (("hall-a", env), ("hall-b", other))
            )
        )
        monkeypatch.setenv("HALL_SECRET", env.secret_key)
        names = tmp_path / "wall.txt"
        names.write_text("hall-a\nhall-b\n")
        code, out, _ = cli(
            capsys, "call", READ, json.dumps(READ_BODY), "--on", f"@{names}", "--json"
        )
        assert code == 0
        got = lines(out)
        assert sorted(line["splicer"]["name"] for line in got) == ["hall-a", "hall-b"]
        assert {line["splicer"]["root"] for line in got} == {env.root, other.root}
        assert all(line["ok"] for line in got) and other.requests[READ] == 1
        before = sent(env) + sent(other)
        code, _, _ = cli(
            capsys, "call", WRITE, json.dumps(BODY), "--on", "hall-a,hall-b", "--read-only"
        )
        assert code == 3 and sent(env) + sent(other) == before


def test_dry_run_sends_nothing(env, capsys):
    before = sent(env)
    code, out, _ = cli(capsys, "call", WRITE, json.dumps(BODY), "--dry-run")
    assert code == 0 and out.startswith("DRY RUN (nothing sent)") and sent(env) == before
    code, out, _ = cli(capsys, "call", WRITE, json.dumps(BODY), "-n", "--json")
    [line] = lines(out)
    assert line["dry_run"] is True and line["sent"] is False and line["body"] == BODY
    assert sent(env) == before


# --------------------------------------------------------------------------- other commands


def test_settings_lists_every_row_of_the_table(env, capsys):
    code, out, _ = cli(capsys, "settings")
    assert code == 0
    assert [line.split(" = ")[0] for line in out.splitlines()] == [row.name for row in TABLE]
    code, out, _ = cli(capsys, "settings", "--json", "--timeout", "3")
    got = {line["name"]: line for line in lines(out)}
    assert list(got) == [row.name for row in TABLE]
    assert got["timeout"]["value"] == 3.0 and got["encrypt"]["value"] is True
    assert got["timeout"]["source"] != "default"


def test_watch_prints_the_view_until_count_polls(env, capsys):
    code, out, err = cli(capsys, "watch", READ, json.dumps(READ_BODY), "--every", "0.1",
                         "--count", "2", "--fields", "brightness")  # fmt: skip
    assert code == 0, err
    assert f"Watching {READ}" in out and "brightness" in out
    assert env.requests[READ] >= 2


def test_watching_a_write_on_a_read_only_connection_is_refused_with_exit_3(env, capsys):
    before = sent(env)
    code, _, err = cli(capsys, "watch", WRITE, json.dumps(BODY), "--read-only", "--count", "1")
    assert code == 3 and "read-only" in err and sent(env) == before


def test_a_profile_and_a_root_together_are_a_usage_error(env, capsys):
    code, _, err = cli(capsys, "call", READ, "-p", "hall-a", "--root", env.root, "--pid", "x")
    assert code == 2 and "not both" in err


def test_capture_then_diff(env, capsys, tmp_path):
    path = tmp_path / "venue.json"
    code, out, _ = cli(capsys, "capture", str(path), "--max-seconds", "30")
    assert code == 0 and path.exists() and "Capture of" in out
    assert env.requests and all(is_read(i) for i in env.requests)  # reads only
    code, out, _ = cli(capsys, "diff", str(path), str(path))
    assert code == 0 and out.startswith("No differences")
    code, out, _ = cli(capsys, "diff", str(path), str(path), "--json")
    assert code == 0 and out == ""  # one line per change, and none


def test_root_and_pid_ask_the_key_with_a_hidden_prompt(env, capsys, monkeypatch):
    for name in ("OPENAPI_ROOT", "OPENAPI_PID", "OPENAPI_SECRET_KEY"):
        monkeypatch.delenv(name)
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or env.secret_key)
    code, _, err = cli(capsys, "call", READ, json.dumps(READ_BODY), "--root", env.root,
                       "--pid", env.pid, "--encrypt")  # fmt: skip
    assert code == 0, err
    assert len(asked) == 1 and env.secret_key not in asked[0] and env.pid in asked[0]


# --------------------------------------------------------------------------- the secret


@pytest.mark.parametrize("flag", ["--secret-key", "--key", "--secret-key=", "--secretKey"])
def test_a_secret_flag_is_refused_as_unknown_and_never_echoed(env, capsys, flag):
    before = sent(env)
    argv = [flag + SECRET] if flag.endswith("=") else [flag, SECRET]
    code, out, err = cli(capsys, "call", READ, *argv)
    assert code == 2 and "unknown option" in err
    assert_no_secret([out, err])
    assert sent(env) == before


def test_the_secret_never_reaches_stdout_or_stderr(capsys, monkeypatch, tmp_path):
    with serve(secret_key=SECRET, reply_sign=True) as splicer:
        env = {"OPENAPI_ROOT": splicer.root, "OPENAPI_PID": splicer.pid, "OPENAPI_ENCRYPT": "1"}
        monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "none.ini"))
        for name, value in {**env, "OPENAPI_SECRET_KEY": SECRET}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        texts = []
        for argv in (
            ["call", READ, json.dumps(READ_BODY)],
            ["call", READ, json.dumps(READ_BODY), "--json", "--raw"],
            ["call", WRITE, json.dumps(BODY), "--dry-run"],
            ["call", WRITE, json.dumps(BODY), "--dry-run", "--json", "--raw"],
            ["call", READ, '{"deviceId": 0, "screenId": 99}'],
            ["call", WRITE, json.dumps(BODY), "--confirm-writes"],
            ["call", READ, "{bad"],
            ["settings"],
            ["settings", "--json"],
        ):
            main(argv)
            out = capsys.readouterr()
            texts += [out.out, out.err]
        assert any("DRY RUN" in t for t in texts)
        assert_no_secret(texts)


# --------------------------------------------------------------------------- the process


def run(*argv: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "openapi_magic", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_python_m_reads_the_body_from_stdin(splicer, tmp_path):
    env = {
        "OPENAPI_ROOT": splicer.root,
        "OPENAPI_PID": splicer.pid,
        "OPENAPI_SECRET_KEY": splicer.secret_key,
        "OPENAPI_ENCRYPT": "1",
        "OPENAPI_MAGIC_PROFILES": str(tmp_path / "none.ini"),
    }
    done = run("call", READ, "-", "--json", stdin=json.dumps(READ_BODY), env=env)
    assert done.returncode == 0, done.stderr
    [line] = lines(done.stdout)
    assert line["body"]["screenId"] == 0 and splicer.requests[READ] == 1
    assert_no_secret([done.stdout, done.stderr], splicer.secret_key)


def test_a_closed_pipe_ends_quietly_with_141(splicer, tmp_path):
    # `openapi-magic call ... | head -1`: the reader goes away; no traceback, no message.
    env = {
        **os.environ,
        "OPENAPI_ROOT": splicer.root,
        "OPENAPI_PID": splicer.pid,
        "OPENAPI_SECRET_KEY": splicer.secret_key,
        "OPENAPI_ENCRYPT": "1",
        "OPENAPI_MAGIC_PROFILES": str(tmp_path / "none.ini"),
    }
    command = [sys.executable, "-m", "openapi_magic", "call", "--dry-run", READ]
    proc = subprocess.Popen(
        [*command, json.dumps(READ_BODY)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before the command has started writing
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "Broken pipe" not in err, err


def test_help_documents_the_exit_codes():
    done = run("--help")
    assert done.returncode == 0
    for code in ("0  ok", "1  the splicer answered a failure", "2  usage", "3  not sent"):
        assert code in done.stdout


def test_serve_starts_the_simulated_splicer_and_it_answers():
    proc = subprocess.Popen(
        [sys.executable, "-m", "openapi_magic", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        printed = ""
        while "secretKey:" not in printed:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            printed += line
        root = re.search(r"root:\s+(\S+)", printed).group(1)
        key = re.search(r"secretKey:\s+(\S+)", printed).group(1)
        env = {
            "OPENAPI_ROOT": root,
            "OPENAPI_PID": "demo",
            "OPENAPI_SECRET_KEY": key,
            "OPENAPI_ENCRYPT": "1",
        }
        done = run("call", "screen/readList", '{"deviceId": 0}', "--json", env=env)
        assert done.returncode == 0, done.stderr
        assert lines(done.stdout)[0]["ok"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --------------------------------------------------------------------------- the docs page


def test_the_command_line_pages_examples_run_as_written(env, capsys):
    section = CLI_PAGE.read_text(encoding="utf-8")
    commands = re.findall(r"^    \$ (openapi-magic .+)$", section, re.M)
    assert commands, "the Command line page shows commands"
    for command in commands:
        argv, _, pipe = command.partition(" | ")
        code = main(shlex.split(argv)[1:])
        out = capsys.readouterr()
        assert code == 0, (command, out.err)
        if pipe:  # the jq example: JSON lines, and jq reads them as written when it is here
            assert lines(out.out)
            jq = shlex.split(pipe)
            if shutil.which(jq[0]):
                done = subprocess.run(jq, input=out.out, capture_output=True, text=True)
                assert done.returncode == 0 and "Main LED" in done.stdout, done.stderr
    assert all(code in section for code in ("`0`", "`1`", "`2`", "`3`"))
