"""The tutorial notebooks: executed top to bottom against the simulated splicer, no errors,
no secret in any output or metadata; committed clean."""

import base64
import json
import subprocess
from pathlib import Path

import nbformat
import pytest
from _paths import ROOT
from _tutorials import execute

from openapi_magic.server import DEMO_SECRET_KEY

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NEEDLES = [
    DEMO_SECRET_KEY,
    DEMO_SECRET_KEY[:8],
    base64.b64encode(DEMO_SECRET_KEY.encode()).decode().rstrip("="),
]


def _litter(folder: Path) -> set[str]:
    """``git status --porcelain`` of ``folder``, untracked files one by one: running a
    tutorial there must not change it (files it keeps go to a temporary folder, or one
    the repository ignores). Outside a git checkout: the files that are not notebooks."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        files = [p for p in folder.iterdir() if p.is_file() and p.suffix != ".ipynb"]
        return {f"?? {p.relative_to(ROOT)}" for p in files}
    return set(out.splitlines())


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
    # Run where JupyterLab runs it (the notebook's own folder): a tutorial must leave
    # nothing behind in the checkout (files it writes go to a temporary folder).
    before = _litter(path.parent)
    try:
        # raises CellExecutionError on the first error cell
        nb = execute(path, path.parent, monkeypatch, profiles=tmp_path / "no-profiles.ini")
    finally:
        left = _litter(path.parent) - before
        for line in left:  # what it wrote is cleaned up, then reported
            if line.startswith("?? "):
                (ROOT / line[3:]).unlink(missing_ok=True)
    assert not left, f"{path.name} changed `git status notebooks/`: {sorted(left)}"
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
