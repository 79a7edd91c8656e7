"""The distribution: one version, the data and types inside the wheel, the metadata a user
and an index read."""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile

import pytest
from _paths import ROOT

import openapi_magic

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_version_is_written_once():
    """pyproject declares no version of its own: the metadata reads ``__version__``."""
    data = pyproject()
    assert "version" not in data["project"] and "version" in data["project"]["dynamic"]
    attr = data["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "openapi_magic.__version__"
    assert openapi_magic.__version__.count(".") == 2


def test_the_changelog_names_this_version():
    assert f"## {openapi_magic.__version__}" in (ROOT / "CHANGELOG.md").read_text()


@pytest.mark.slow
def test_the_wheel_ships_data_types_and_honest_metadata(tmp_path):
    """Built as CI builds it: the catalog, the simulated splicer's data and the demo
    capture are inside; py.typed is; the version is ``__version__``; ipylab is optional."""
    pytest.importorskip("build", reason="the test extra's build (pip install -e '.[test]')")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_string(zf.read(meta_name).decode("utf-8"))
    for shipped in (
        "openapi_magic/py.typed",
        "openapi_magic/core/catalog.json",
        "openapi_magic/server/data/demo-h5.capture.json",
    ):
        assert shipped in names, f"{shipped} is not in the wheel"
    assert not any(n.startswith(("tests/", "docs/", "notebooks/")) for n in names)
    assert meta["Version"] == openapi_magic.__version__
    # The licence the metadata names ships with its text (PEP 639).
    assert meta["License-Expression"] == "MIT" and meta.get_all("License-File") == ["LICENSE"]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)
    classifiers = meta.get_all("Classifier")
    for wanted in ("Framework :: Jupyter", "Framework :: IPython", "Typing :: Typed"):
        assert wanted in classifiers
    ipylab = [r for r in meta.get_all("Requires-Dist") if r.startswith("ipylab")]
    assert all("extra ==" in r for r in ipylab), ipylab  # never required
    assert any('extra == "lab"' in r for r in ipylab), ipylab
