"""Tutorial 03 ends with what was sent: run in a real kernel, its history cells show the
writes of the tutorial, newest first, the failed one marked, and the refused one absent."""

import os
import sys

import nbformat
import pytest
from _paths import ROOT
from nbclient import NotebookClient

TUTORIAL = next((ROOT / "notebooks").glob("03-*.ipynb"))


def outputs_of(nb: nbformat.NotebookNode, source: str) -> str:
    """The text and HTML a code cell with exactly ``source`` showed."""
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == source]
    return "\n".join(
        o.get("data", {}).get(kind, "")
        for o in cell.outputs
        for kind in ("text/plain", "text/html")
    )


@pytest.mark.kernel
@pytest.mark.slow
def test_tutorial_03_shows_tonights_history_in_a_kernel(tmp_path, monkeypatch):
    for var in ("OPENAPI_ROOT", "OPENAPI_PID", "OPENAPI_SECRET_KEY", "OPENAPI_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "no-profiles.ini"))
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    nb = nbformat.read(TUTORIAL, as_version=4)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    last = outputs_of(nb, "%openapi_history --last 6")
    assert "6 calls sent, newest first" in last and "preset/play" in last
    writes = outputs_of(nb, "%openapi_history --writes")
    assert "writes sent, newest first" in writes
    for sent in ("screen/writeBrightness", "screen/ftb", "screen/writeFreeze", "layer/writeWindow"):
        assert sent in writes
    assert "screen/readList" not in writes and "WRITE" in writes
    assert "410" in writes and "did not succeed" in writes  # the screen that takes none
    # the read-only refusal sent nothing: the tutorial's ftb calls are its two sent ones
    assert writes.count("screen/ftb") == 2 * 2  # each in the text and the HTML
