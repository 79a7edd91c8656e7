"""Tutorial 09 shows the compatibility matrix and a capture becoming evidence, and leaves
no file where it runs (it once left ``venue.capture.json`` in ``notebooks/``)."""

from __future__ import annotations

import os
import sys

import nbformat
import pytest
from _paths import ROOT
from nbclient import NotebookClient

TUTORIAL = ROOT / "notebooks" / "09-bring-your-own-splicer.ipynb"


def _text(cell) -> str:
    parts = []
    for o in cell.outputs:
        parts.append(o.get("text", ""))
        data = o.get("data", {})
        parts.append(data.get("text/plain", "") + data.get("text/html", ""))
    return "".join(parts)


@pytest.mark.kernel
@pytest.mark.slow
def test_tutorial_09_shows_the_matrix_and_the_evidence_and_leaves_no_file(tmp_path, monkeypatch):
    for var in ("OPENAPI_ROOT", "OPENAPI_PID", "OPENAPI_SECRET_KEY", "OPENAPI_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "no-profiles.ini"))
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    run_in = tmp_path / "notebooks"
    run_in.mkdir()
    nb = nbformat.read(TUTORIAL, as_version=4)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(run_in)}}
    ).execute()
    assert list(run_in.iterdir()) == []  # the capture and the evidence went to a temporary folder
    shown = {c.source.splitlines()[0]: _text(c) for c in nb.cells if c.cell_type == "code"}
    matrix = shown["known = evidence.matrix()"]
    assert "H9 V1.9.7.1" in matrix and "500 Server_Err" in matrix and "not seen" in matrix
    checklist = shown[
        'MODEL = "H5"                            # your splicer\'s model, as its label says'
    ]
    for said in ("Kept:", "Replaced:", "Look over", "Send:"):
        assert said in checklist, said
    assert (
        "('capture', 'reconstruction')"
        in shown[
            'mine.catalog().get("output/readList").source, catalog.get("output/readList").source'
        ]
    )
    work = [c for c in nb.cells if c.cell_type == "code" and "shutil.rmtree(WORK)" in c.source]
    assert work and not _text(work[0])
