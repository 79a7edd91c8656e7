"""The tests are laid out so they can be run partly: by layer folder, and by marker.

Every test module sits in a folder named after the layer it tests (a sub-package of
``openapi_magic``) or in one of the cross-cutting folders; basenames are unique and the
folders are not packages (pytest's default import mode puts each folder on ``sys.path``);
every marker ``pyproject.toml`` registers is used by some test, and every marker a test
uses is registered (``--strict-markers`` refuses the others at collection).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from _paths import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

import openapi_magic

TESTS = ROOT / "tests"
#: Folders for what crosses the layers: attack suites, the documentation, the package's shape.
CROSS_CUTTING = {"hardening", "docs", "package"}
#: pytest's own marks, which need no registration.
BUILTIN_MARKS = {"parametrize", "skip", "skipif", "xfail", "usefixtures", "filterwarnings"}


def layers() -> set[str]:
    """The layer sub-packages of ``openapi_magic`` (the folders with an ``__init__.py``)."""
    package = Path(openapi_magic.__file__).parent
    return {p.parent.name for p in package.glob("*/__init__.py")}


def modules_of_tests() -> list[Path]:
    """Every test module under ``tests/``, this one included."""
    return sorted(TESTS.rglob("test_*.py"))


def pytest_options() -> dict[str, object]:
    """``[tool.pytest.ini_options]`` of ``pyproject.toml``."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["pytest"]["ini_options"]


def registered_markers() -> set[str]:
    """The marker names ``pyproject.toml`` registers."""
    return {line.split(":")[0].strip() for line in pytest_options()["markers"]}


def test_every_test_module_sits_in_a_layer_folder() -> None:
    allowed = layers() | CROSS_CUTTING
    misplaced = [
        str(p.relative_to(TESTS))
        for p in modules_of_tests()
        if p != Path(__file__).resolve()
        and (len(p.relative_to(TESTS).parts) != 2 or p.parent.name not in allowed)
    ]
    assert misplaced == [], f"move these into one of {sorted(allowed)}"


def test_every_layer_has_its_folder_of_tests() -> None:
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert layers() | CROSS_CUTTING <= folders


def test_basenames_are_unique_and_no_folder_is_a_package() -> None:
    twice = [name for name, n in Counter(p.name for p in modules_of_tests()).items() if n > 1]
    assert twice == []
    assert list(TESTS.rglob("__init__.py")) == []


def test_markers_are_strict_and_every_registered_one_is_used() -> None:
    assert "--strict-markers" in str(pytest_options()["addopts"]).split()
    registered = registered_markers()
    assert {"slow", "kernel", "browser", "dask"} <= registered
    used: set[str] = set()
    for path in modules_of_tests():
        used |= set(re.findall(r"\bmark\.(\w+)", path.read_text(encoding="utf-8")))
    assert registered - used == set(), "registered but never used"
    assert used - BUILTIN_MARKS - registered == set(), "used but not registered"
