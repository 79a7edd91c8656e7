"""The tutorial notebooks: executed top to bottom against the simulated splicer, no errors,
no secret in any output or metadata; committed clean."""

import base64
import json
import os
import sys

import nbformat
import pytest
from _paths import ROOT
from nbclient import NotebookClient

from openapi_magic.server import DEMO_SECRET_KEY

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NEEDLES = [
    DEMO_SECRET_KEY,
    DEMO_SECRET_KEY[:8],
    base64.b64encode(DEMO_SECRET_KEY.encode()).decode().rstrip("="),
]


def test_there_are_tutorials():
    names = [p.name for p in NOTEBOOKS]
    assert len(names) >= 5, names
    assert names[0].startswith("01-quickstart")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{path.name}: commit notebooks with outputs cleared"
            )
    text = path.read_text(encoding="utf-8")
    for needle in NEEDLES:
        assert needle not in text
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "real splicer" in first.source


@pytest.mark.kernel
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_runs_top_to_bottom_on_the_simulated_splicer(path, tmp_path, monkeypatch):
    for var in (
        "OPENAPI_ROOT",
        "OPENAPI_PID",
        "OPENAPI_SECRET_KEY",
        "OPENAPI_ENCRYPT",
        "OPENAPI_PROFILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "no-profiles.ini"))
    # the kernel is this interpreter (the venv the tests run in)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first error cell not tagged to
    code = [c for c in nb.cells if c.cell_type == "code"]
    failing = [c for c in code if "raises-exception" in c.metadata.get("tags", [])]
    errors = [o for c in code if c not in failing for o in c.outputs if o.output_type == "error"]
    assert not errors
    for cell in failing:  # a cell shown failing fails readably: a short error, no traceback
        said = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stderr")
        assert said.startswith("UsageError: "), (path.name, cell.source, cell.outputs)
        assert "Traceback" not in json.dumps(cell.outputs)
    produced = json.dumps(nb, ensure_ascii=False)
    for needle in NEEDLES:
        assert needle not in produced, f"{path.name}: secret material in the executed notebook"
    (tmp_path / path.name).write_text(nbformat.writes(nb), encoding="utf-8")
