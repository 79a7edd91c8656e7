"""Running a tutorial the way a reader does: top to bottom on the simulated splicer.

``execute(path, workdir, monkeypatch)`` runs the notebook at ``path`` in a fresh kernel
(this interpreter's environment) with no connection settings or profiles from the
environment, in ``workdir``, and returns the executed notebook (``CellExecutionError``
on the first cell that raises).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

#: What a reader's own environment could add to a tutorial's connection.
CONNECTION_VARIABLES = (
    "OPENAPI_ROOT",
    "OPENAPI_PID",
    "OPENAPI_SECRET_KEY",
    "OPENAPI_ENCRYPT",
    "OPENAPI_PROFILE",
)


def execute(
    path: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    profiles: Path | None = None,
) -> nbformat.NotebookNode:
    """The tutorial at ``path``, executed in ``workdir`` (see the module's docstring), with
    ``profiles`` (default: a missing file in ``workdir``) as its profiles file."""
    for var in CONNECTION_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(profiles or workdir / "no-profiles.ini"))
    # the kernel is this interpreter (the venv the tests run in)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    return nb
