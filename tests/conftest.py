"""The fixtures most test modules share; pytest finds them here (no import needed).

- ``shell``: IPython's one global test shell (every module gets the same shell).
- ``ip``: that shell with a fresh ``%%openapi`` magic and ``%openapi_form``, nothing
  connected, no ``OPENAPI_*`` variables and no profiles file, so tests never share state.
- ``splicer``: a running simulated splicer with the demo account (encryption on),
  stopped after the test.

A module that needs another kind of splicer (both encryption modes, a stand-in, another
secret) defines its own ``splicer`` fixture, which takes precedence over this one.
Plain helper functions stay in ``_hardening.py`` and ``_server_fixtures.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _browser_lab import HOW_TO_GET_BROWSER_TESTS, browser_skips
from _hardening import fresh_magic, global_shell

from openapi_magic.server import SimulatedSplicer, serve


@pytest.fixture(scope="session")
def shell() -> Any:
    """IPython's global test shell, shared by every module (see ``global_shell``)."""
    return global_shell()


@pytest.fixture
def ip(shell: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    """The shell with a fresh magic and form: no connection, default traits, no profiles."""
    return fresh_magic(shell, monkeypatch, tmp_path)


@pytest.fixture
def splicer() -> Iterator[SimulatedSplicer]:
    """A running simulated splicer (demo account, encryption on), stopped afterwards."""
    with serve() as s:
        yield s


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """A section at the run's end when the real-browser tests were skipped: why, and how to get them
    (a fresh machine has no Chromium; the skip must not pass unnoticed)."""
    reasons = browser_skips(terminalreporter.stats.get("skipped", []))
    if reasons:
        terminalreporter.write_sep("-", "real-browser tests skipped", yellow=True)
        for reason in reasons:
            terminalreporter.write_line(f"skipped: {reason}")
        terminalreporter.write_line(HOW_TO_GET_BROWSER_TESTS)
