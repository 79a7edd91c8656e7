"""Named connection profiles (``hall-a``, ``hall-b``…) in a user config file.

The file is INI, by default ``~/.config/openapi_magic/profiles.ini`` (or
``$XDG_CONFIG_HOME/openapi_magic/profiles.ini``; ``OPENAPI_MAGIC_PROFILES``
names another file)::

    [hall-a]
    root = http://10.0.0.5:8000/open/api
    pid = YmRj
    encrypt = true
    # the secret from an environment variable (keeps it out of the file) ...
    secret_key_env = HALL_A_SECRET
    # ... or in the file itself (then keep the file private: chmod 600)
    # secret_key = ...
    timeout = 5
    # refuse every write before sending (the show splicer) ...
    read_only = true
    # ... or ask before each write
    # confirm_writes = true

The notebook names the profile; the secret stays in the file or environment.
Comments are whole lines starting with ``#`` or ``;``, or inline after whitespace
(``timeout = 5  ; seconds``); a value that must hold `` ;`` or `` #`` cannot be written
inline (keep a secret like that in the environment).
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core._lazy import pandas as pd
from ..core.settings import TABLE, parse_text
from ..errors import ConfigError
from ..render._tables import TableShown, View, frame_view, plural
from ._client import DEFAULT_TIMEOUT, Client, Environment, Secret, parse_bool, wrap_secret
from ._guards import public_root

__all__ = [
    "ENV_PROFILES",
    "Profile",
    "ProfilesView",
    "get_profile",
    "load_profiles",
    "profile_names",
    "profiles_path",
]

ENV_PROFILES = "OPENAPI_MAGIC_PROFILES"
#: The settings a profile may give (a key each, the Profile field and Client keyword of
#: the same name): the rows of the settings table marked ``profile``.
_SETTING_KEYS = tuple(row for row in TABLE if row.profile)
_KNOWN = {"root", "pid", "secret_key", "secret_key_env", "verify"} | {
    row.name for row in _SETTING_KEYS
}


@dataclass(frozen=True)
class Profile:
    """One named splicer connection; ``client()`` builds a :class:`Client` for it."""

    name: str
    root: str
    pid: str
    secret: Secret | None = field(default=None, repr=False)
    encrypt: bool = False
    timeout: float = DEFAULT_TIMEOUT
    verify: bool = True
    #: Refuse every write before it is sent (``read_only = true``).
    read_only: bool = False
    #: Ask before sending a write (``confirm_writes = true``).
    confirm_writes: bool = False

    def client(self, **overrides: Any) -> Client:
        """A :class:`Client` for this profile (keyword arguments override its settings)."""
        kw: dict[str, Any] = dict(
            root=self.root,
            pid=self.pid,
            secret_key=self.secret,
            verify=self.verify,
            name=self.name,
            **{row.name: getattr(self, row.name) for row in _SETTING_KEYS},
        )
        kw.update(overrides)
        client = Client(**kw)
        if client.read_only and self.read_only:
            client.read_only_hint = (
                f"Profile {self.name!r} has read_only = true in its "
                "profiles file: set it to false there (or connect another "
                "way) to allow writes."
            )
        return client


def profiles_path(env: Mapping[str, str] | Environment | None = None) -> Path:
    """Where profiles are read from (see the module docstring)."""
    # An Environment, never the mapping: a traceback that prints variables would show
    # every value of it, a secretKey named by secret_key_env included.
    env = Environment(env)
    named = env.get(ENV_PROFILES)
    if named:
        return Path(named).expanduser()
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "openapi_magic" / "profiles.ini"


def _read(p: Path) -> configparser.ConfigParser:
    """The profiles file parsed; one ConfigError naming the file (and line) when it
    cannot be, with none of its text in a frame or message (a line may hold a key)."""
    # Inline comments too: the profiles page's example has them, and users copy it.
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    problem = None
    try:
        parser.read_string(_text(p), source=str(p))
    except configparser.Error as exc:
        # configparser messages quote the offending line, which may hold a secret.
        line = getattr(exc, "lineno", None)
        problem = f"The profiles file {p} is not valid INI{f' (line {line})' if line else ''}."
    if problem is not None:  # raised outside the handler: no chained error holds a line
        del parser  # what it read so far holds the file's lines
        raise ConfigError(problem)
    return parser


def _text(p: Path) -> str:
    """The file as UTF-8 text; a ConfigError naming the line of a byte that is not."""
    problem = None
    try:
        return p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:  # exc.object is the file's bytes, key lines included
        line = exc.object.count(b"\n", 0, exc.start) + 1
        problem = f"The profiles file {p} is not UTF-8 text (line {line}): save it as UTF-8."
    except OSError as exc:
        problem = f"The profiles file {p} cannot be read ({exc.strerror or type(exc).__name__})."
    raise ConfigError(problem)


def load_profiles(
    path: str | os.PathLike | None = None,
    env: Mapping[str, str] | Environment | None = None,
) -> dict[str, Profile]:
    """All profiles in the file (``{}`` when there is no file); any bad one is an error."""
    env = Environment(env)  # see profiles_path
    p = Path(path) if path is not None else profiles_path(env)
    if not p.exists():
        return {}
    parser = _read(p)
    return {name: _profile(name, parser[name], p, env) for name in parser.sections()}


def get_profile(
    name: str,
    path: str | os.PathLike | None = None,
    env: Mapping[str, str] | Environment | None = None,
) -> Profile:
    """The profile called ``name``; a ConfigError lists the known ones.

    Only this profile is checked, so one broken entry does not stop the others.
    """
    env = Environment(env)  # see profiles_path
    p = Path(path) if path is not None else profiles_path(env)
    parser = _read(p) if p.exists() else None
    if parser is None or not parser.has_section(name):
        known = ", ".join(sorted(parser.sections())) if parser is not None else ""
        raise ConfigError(f"No profile {name!r} in {p} (known: {known or 'none'}).")
    return _profile(name, parser[name], p, env)


def _profile(
    name: str, section: configparser.SectionProxy, path: Path, env: Environment
) -> Profile:
    unknown = set(section) - _KNOWN
    if unknown:
        raise ConfigError(
            f"Profile {name!r} in {path} has unknown keys: "
            f"{', '.join(sorted(unknown))} (known: {', '.join(sorted(_KNOWN))})."
        )
    for key in ("root", "pid"):
        if not section.get(key):
            raise ConfigError(f"Profile {name!r} in {path} has no {key}.")
    secret = None
    if section.get("secret_key_env"):
        var = section["secret_key_env"]
        secret = env.secret(var)
        if secret is None:
            raise ConfigError(
                f"Profile {name!r} takes its secretKey from ${var}, which is not "
                "set in this environment."
            )
    elif section.get("secret_key"):
        secret, refused = wrap_secret(section.get("secret_key"))
        if refused is not None:
            raise ConfigError(f"Profile {name!r} in {path}: {refused.message}")
    where = f"profile {name!r}"
    given = {
        row.name: parse_text(row, section[row.name], where)
        for row in _SETTING_KEYS
        if row.name in section
    }
    return Profile(
        name=name,
        root=section["root"],
        pid=section["pid"],
        secret=secret,
        verify=parse_bool(section.get("verify", "true"), f"profile {name!r} verify"),
        **given,
    )


def profile_names(
    path: str | os.PathLike | None = None,
    env: Mapping[str, str] | Environment | None = None,
) -> list[str]:
    """The profile names in the file, sorted (``[]`` when there is none or it cannot be
    read): what ``-p <Tab>`` offers. Nothing else of the file is read or kept."""
    env = Environment(env)  # see profiles_path
    p = Path(path) if path is not None else profiles_path(env)
    try:
        return sorted(_read(p).sections()) if p.exists() else []
    except ConfigError:
        return []


def _key_source(section: configparser.SectionProxy, env: Environment) -> str:
    """Where a profile's secretKey comes from, in words: never the key itself."""
    var = section.get("secret_key_env")
    if var:
        return f"${var}" + ("" if env.get(var) is not None else " (not set here)")
    if section.get("secret_key"):
        return "the profiles file"
    return "none"


def _flag(section: configparser.SectionProxy, key: str, default: bool) -> str:
    """A yes/no key of a profile as a table shows it (``?``: not a yes or a no)."""
    try:
        return "yes" if parse_bool(section.get(key, str(default)), key) else "no"
    except ConfigError:
        return "?"


class ProfilesView(TableShown):
    """The profiles of one file as a table (``%openapi_profiles``): name, root, pId,
    encryption, read-only and confirm-writes, where the secretKey comes from, and what
    is wrong with a profile that cannot be used. Never a key."""

    _where = "the profiles file"
    _css = "openapi-magic-profiles"
    _rows_word = "profile"

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        env: Mapping[str, str] | Environment | None = None,
    ) -> None:
        env = Environment(env)  # see profiles_path
        self.path = Path(path) if path is not None else profiles_path(env)
        self.rows: list[dict[str, Any]] = []
        if not self.path.exists():
            return
        parser = _read(self.path)
        for name in parser.sections():
            section = parser[name]
            try:
                _profile(name, section, self.path, env)
                problem = ""
            except ConfigError as exc:
                problem = exc.message
            self.rows.append(
                {
                    "name": name,
                    "root": public_root(section.get("root", "")),
                    "pId": section.get("pid", ""),
                    "key from": _key_source(section, env),
                    "encrypt": _flag(section, "encrypt", False),
                    "read-only": _flag(section, "read_only", False),
                    "confirm": _flag(section, "confirm_writes", False),
                    "problem": problem,
                }
            )

    def _view(self) -> View | None:
        if not self.rows:
            return None
        frame = pd.DataFrame(self.rows, columns=_PROFILE_COLUMNS)
        if not any(row["problem"] for row in self.rows):
            frame = frame.drop(columns=["problem"])
        return frame_view(frame, None, where=self._where, what="profiles")

    def _head(self) -> str:
        if not self.rows:
            return (
                f"No profiles in {self.path}"
                + ("" if self.path.exists() else " (no such file)")
                + "; see the README's Profiles section."
            )
        return f"{plural(len(self.rows), 'profile')} in {self.path}:"


_PROFILE_COLUMNS = ("name", "root", "pId", "key from", "encrypt", "read-only", "confirm", "problem")
