"""Named profiles from an INI file; secrets from the file or an environment variable."""

import pytest

from openapi_magic.client._profiles import get_profile, load_profiles, profiles_path
from openapi_magic.errors import ConfigError

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


def test_readme_profiles_example_as_written(tmp_path):
    """The README's profiles.ini, copied as is (inline `; comments` included), loads."""
    import re

    from _paths import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
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
