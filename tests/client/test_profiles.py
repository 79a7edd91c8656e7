"""Named profiles from an INI file; secrets from the file or an environment variable."""

import os

import pytest
from _hardening import SECRET, assert_no_secret, frames_text

from openapi_magic import Client
from openapi_magic.client._connection import Connection
from openapi_magic.client._profiles import get_profile, load_profiles, profiles_path
from openapi_magic.errors import ConfigError
from openapi_magic.ops._captures import capture

INI = """
[hall-a]
root = http://10.0.0.5:8000/open/api
pid = YmRj
encrypt = yes
secret_key_env = HALL_A_SECRET
timeout = 4

[hall-b]
root = http://10.0.0.6:8000/open/api
pid = 1
secret_key = file-secret-123
"""


@pytest.fixture
def ini(tmp_path):
    p = tmp_path / "profiles.ini"
    p.write_text(INI)
    return p


def test_profiles_load_and_build_clients(ini):
    env = {"HALL_A_SECRET": "env-secret-456"}
    profiles = load_profiles(ini, env)
    assert sorted(profiles) == ["hall-a", "hall-b"]
    a = profiles["hall-a"]
    assert (a.root, a.pid, a.encrypt, a.timeout) == (
        "http://10.0.0.5:8000/open/api",
        "YmRj",
        True,
        4,
    )
    assert a.secret.reveal() == "env-secret-456" and "env-secret" not in repr(a)
    c = a.client()
    assert c.name == "hall-a" and c.encrypt and "env-secret" not in repr(c)
    assert profiles["hall-b"].client().pid == "1"


def test_profile_errors_name_the_cause(ini, tmp_path):
    with pytest.raises(ConfigError, match=r"HALL_A_SECRET, which is not set"):
        load_profiles(ini, {})
    with pytest.raises(ConfigError, match=r"No profile 'hall-c'.*known: hall-a, hall-b"):
        get_profile("hall-c", ini, {"HALL_A_SECRET": "x" * 8})
    bad = tmp_path / "bad.ini"
    bad.write_text("[x]\nroot = http://a\npid = 1\nsecrte_key = leaked-secret\n")
    with pytest.raises(ConfigError, match="unknown keys: secrte_key") as info:
        load_profiles(bad, {})
    assert "leaked-secret" not in str(info.value)
    broken = tmp_path / "broken.ini"
    broken.write_text("secret_key = before-any-section\n")
    with pytest.raises(ConfigError, match="not valid INI") as info:
        load_profiles(broken, {})
    assert "before-any-section" not in str(info.value)


def test_profiles_path_follows_env(tmp_path):
    assert profiles_path({"OPENAPI_MAGIC_PROFILES": str(tmp_path / "p.ini")}) == tmp_path / "p.ini"
    assert profiles_path({"XDG_CONFIG_HOME": str(tmp_path)}) == (
        tmp_path / "openapi_magic" / "profiles.ini"
    )
    assert load_profiles(tmp_path / "missing.ini", {}) == {}


def test_one_broken_profile_does_not_stop_the_others(ini):
    # hall-a needs $HALL_A_SECRET, which is unset: hall-b still works on its own
    assert get_profile("hall-b", ini, {}).pid == "1"
    with pytest.raises(ConfigError, match="HALL_A_SECRET"):
        get_profile("hall-a", ini, {})


def test_the_profiles_pages_example_as_written(tmp_path):
    """The profiles page's profiles.ini, copied as is (inline `; comments` included), loads."""
    import re

    from _paths import HOWTO

    readme = (HOWTO / "profiles.md").read_text(encoding="utf-8")
    block = re.search(r"```ini\n(.*?)```", readme, re.S).group(1)
    assert "; " in block  # the example does carry inline comments
    p = tmp_path / "profiles.ini"
    p.write_text(block.replace("…", "an-8-byte"), encoding="utf-8")
    profiles = load_profiles(p, env={"HALL_A_SECRET": "k8bytes!"})
    assert profiles["hall-a"].secret.reveal() == "k8bytes!"
    assert profiles["hall-a"].timeout == 5
    assert profiles["hall-b"].secret.reveal() == "an-8-byte"


def test_inline_comment_needs_whitespace(tmp_path):
    p = tmp_path / "profiles.ini"
    p.write_text("[a]\nroot = http://h:8000/open/api#frag\npid = x;y  ; the pid\n")
    prof = load_profiles(p)["a"]
    assert prof.root == "http://h:8000/open/api#frag"
    assert prof.pid == "x;y"


# --------------------------------------------------------------------------- issue 26


def _frames_hold_no_key(exc: BaseException, key: str) -> None:
    assert_no_secret(frames_text(exc), key)


#: (the file, the profile asked for, the error): a typo, a duplicate option, no section
#: header, a byte that is not UTF-8 (next to a line holding the key).
BAD_FILES = [
    (INI.encode(), "hall-c", "No profile 'hall-c'"),
    ((INI + "pid = 2\n").encode(), "hall-b", "not valid INI"),
    (("secret_key_env = HALL_A_SECRET\n" + INI).encode(), "hall-b", "not valid INI"),
    (INI.encode().replace(b"pid = 1", b"pid = \xff1"), "hall-b", "not UTF-8"),
]


@pytest.mark.parametrize("raw,name,match", BAD_FILES, ids=["typo", "dup", "no-header", "utf8"])
@pytest.mark.parametrize("how", ["get_profile", "load_profiles", "connect", "capture"])
def test_no_frame_of_a_profile_lookup_holds_the_environment_or_the_file(
    raw, name, match, how, tmp_path, monkeypatch
):
    """Issue 26 #1 and #3: the key in os.environ (the default ``env``) and the file's
    text (a ``secret_key`` line) are in no frame of the error."""
    monkeypatch.setenv("HALL_A_SECRET", SECRET)
    ini = tmp_path / "profiles.ini"
    ini.write_bytes(raw.replace(b"file-secret-123", SECRET.encode()))
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(ini))
    if how == "load_profiles" and name == "hall-c":
        assert sorted(load_profiles()) == ["hall-a", "hall-b"]  # a typo is no error here
        return
    act = {
        "get_profile": lambda: get_profile(name),
        "load_profiles": load_profiles,
        "connect": lambda: Connection().connect(name),
        "capture": lambda: capture(name, quiet=True),
    }[how]
    with pytest.raises(ConfigError, match=match) as info:
        act()
    _frames_hold_no_key(info.value, SECRET)
    assert str(ini) in str(info.value)


def test_a_non_utf8_profiles_file_is_one_config_error_naming_the_line(tmp_path):
    """Issue 26 #3: not a raw UnicodeDecodeError (its codec frame shows the bytes)."""
    ini = tmp_path / "profiles.ini"
    ini.write_bytes(
        b"[hall-b]\nroot = http://a\npid = 1\nsecret_key = " + SECRET.encode() + b"\xe9\n"
    )
    with pytest.raises(ConfigError, match=r"profiles\.ini is not UTF-8 text \(line 4\)") as info:
        load_profiles(ini, {})
    assert info.value.__cause__ is None and info.value.__context__ is None
    _frames_hold_no_key(info.value, SECRET)


def test_a_profile_key_from_the_environment_that_is_not_text_names_the_variable(tmp_path):
    ini = tmp_path / "profiles.ini"
    ini.write_text(INI)
    bad = SECRET + "\udc80"
    with pytest.raises(ConfigError, match=r"\$HALL_A_SECRET: .*not valid Unicode") as info:
        get_profile("hall-a", ini, {"HALL_A_SECRET": bad})
    _frames_hold_no_key(info.value, SECRET)


def test_connection_and_from_env_hold_no_environment_in_a_frame(monkeypatch):
    """Issue 26 #1: %openapi_connect --env and a cell with no connection read the
    environment; an unreadable OPENAPI_ENCRYPT fails with no frame holding it."""
    monkeypatch.setenv("OPENAPI_ROOT", "http://127.0.0.1:9/open/api")
    monkeypatch.setenv("OPENAPI_PID", "demo")
    monkeypatch.setenv("OPENAPI_SECRET_KEY", SECRET)
    monkeypatch.setenv("OPENAPI_ENCRYPT", "maybe")
    for act in (
        lambda: Connection().client_for(),
        lambda: Connection().connect_env(),
        lambda: Connection(env=dict(os.environ)).client_for(),
        lambda: Client.from_env(),
        lambda: Client.from_env(dict(os.environ)),
    ):
        with pytest.raises(ConfigError, match="OPENAPI_ENCRYPT") as info:
            act()
        _frames_hold_no_key(info.value, SECRET)
    assert repr(Connection(env=dict(os.environ))._env) == "<environment>"
