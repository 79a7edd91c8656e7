"""A fresh machine without Chromium: the real-browser tests skip, and the run says so at
its end with how to get them (the README says the same)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from _paths import ROOT

pytestmark = pytest.mark.slow


def test_a_run_without_chromium_says_how_to_get_the_browser_tests():
    env = {**os.environ, "OPENAPI_MAGIC_TEST_CHROMIUM": os.path.join(ROOT, "no-such-chromium")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/ops/test_fleet_browser.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = run.stdout
    assert run.returncode in (0, 5) and "1 skipped" in out, out  # 5: nothing else collected
    section = out.split("real-browser tests skipped", 1)[1]
    assert "no Chromium at" in section and "no-such-chromium" in section, section
    assert "sudo apt-get install chromium" in section, section


def test_readme_says_how_to_get_the_browser_tests():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "apt-get install chromium" in readme
