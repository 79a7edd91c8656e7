"""ipylab is the ``lab`` extra's, not a requirement: "Copy as cell" with it and without it.

In a real kernel (the form's copy path asks the kernel's front-end for JupyterLab's
commands): with ipylab the form asks JupyterLab to insert the cell; without it the form
shows the cell's text to copy and says that installing ipylab lets it insert.
"""

from __future__ import annotations

import os
import re
import sys

import nbformat
import pytest
from _paths import ROOT
from nbclient import NotebookClient

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

COPY = """\
{block}
from openapi_magic import form
from openapi_magic.server import serve

splicer = serve()
f = form(splicer, interface="screen/readList")
f._copy_cell.click()
print("has ipylab:", "ipylab" in sys.modules and sys.modules["ipylab"] is not None)
print("note:", f._copy_note.value)
print("text:", f._copy_text.value.splitlines()[0])
splicer.stop()
"""


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=!~;]", r.strip(), maxsplit=1)[0].lower() for r in requirements}


def test_ipylab_is_in_the_lab_extra_not_a_requirement():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "ipylab" not in _names(project["dependencies"])
    assert "ipylab" in _names(project["optional-dependencies"]["lab"])


def _copy_in_a_kernel(tmp_path, monkeypatch, *, block_ipylab: bool) -> str:
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    block = "import sys\n" + (
        "sys.modules['ipylab'] = None  # as if not installed\n" if block_ipylab else ""
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(COPY.format(block=block))])
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    return "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")


@pytest.mark.kernel
@pytest.mark.slow
def test_copy_as_cell_without_ipylab_shows_the_text_to_copy(tmp_path, monkeypatch):
    out = _copy_in_a_kernel(tmp_path, monkeypatch, block_ipylab=True)
    assert "has ipylab: False" in out
    assert "Copy this into a new cell" in out and "installing ipylab lets the form do it" in out
    assert "text: %%openapi screen/readList" in out


@pytest.mark.kernel
@pytest.mark.slow
def test_copy_as_cell_with_ipylab_asks_jupyterlab_to_insert(tmp_path, monkeypatch):
    pytest.importorskip("ipylab", reason="the lab extra (pip install -e '.[lab]')")
    out = _copy_in_a_kernel(tmp_path, monkeypatch, block_ipylab=False)
    assert "has ipylab: True" in out
    assert "Asking JupyterLab to insert this as a new cell below" in out
    assert "text: %%openapi screen/readList" in out
