"""The Binder (repo2docker) files install this package with what the notebooks import."""

import ast
import re
import sys

import nbformat
import pytest
from _paths import ROOT
from IPython.core.inputtransformer2 import TransformerManager

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

BINDER = ROOT / "binder"


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(req: str) -> str:
    return re.split(r"[\s\[<>=!~;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_postbuild_installs_this_package_with_the_lab_extra():
    script = (BINDER / "postBuild").read_text()
    assert script.startswith("#!") and (BINDER / "postBuild").stat().st_mode & 0o111
    assert re.search(r'pip install [^\n]*"\.\[lab\]"', script)
    assert "set -e" in script


def _pins() -> dict[str, str]:
    pins = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version.strip(), f"binder/requirements.txt: {line!r} is not a pin"
            pins[_name(name)] = version.strip()
    return pins


def test_requirements_pin_every_runtime_and_lab_dependency_within_its_range():
    """Binder builds what was tested: each dependency pyproject declares (runtime and the
    lab extra) is pinned to one version, inside the range pyproject allows."""
    from packaging.requirements import Requirement

    project = pyproject()["project"]
    pins = _pins()
    for line in [*project["dependencies"], *project["optional-dependencies"]["lab"]]:
        req = Requirement(line)
        name = _name(req.name)
        assert name in pins, f"binder/requirements.txt does not pin {name} (python binder/pin.py)"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"binder pins {name}=={pins[name]}, outside pyproject's {req.specifier}"
        )


def test_requirements_say_how_they_are_made():
    header = (BINDER / "requirements.txt").read_text().split("\n\n", 1)[0]
    assert "python binder/pin.py > binder/requirements.txt" in header


def test_runtime_python_satisfies_requires_python():
    version = re.search(r"python-(\d+)\.(\d+)", (BINDER / "runtime.txt").read_text())
    minimum = re.search(r">=\s*(\d+)\.(\d+)", pyproject()["project"]["requires-python"])
    assert tuple(map(int, version.groups())) >= tuple(map(int, minimum.groups()))


@pytest.mark.parametrize("extra", ["lab", "docs"])
def test_the_extra_has_what_the_notebooks_import(extra):
    """Binder (the lab extra) and the documentation build (the docs extra, which executes
    the tutorials) both run every notebook."""
    project = pyproject()["project"]
    available = {_name(d) for d in project["dependencies"]}
    available |= {_name(d) for d in project["optional-dependencies"][extra]}
    available |= {"openapi-magic", "ipython"}
    stdlib = set(sys.stdlib_module_names)
    aliases = {"IPython": "ipython", "mpl_toolkits": "matplotlib", "openapi_magic": "openapi-magic"}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            source = TransformerManager().transform_cell(cell.source)  # magics → Python
            for node in ast.walk(ast.parse(source)):
                mods = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module]
                    if isinstance(node, ast.ImportFrom) and node.module
                    else []
                )
                for mod in mods:
                    top = mod.split(".")[0]
                    if top in stdlib:
                        continue
                    assert _name(aliases.get(top, top)) in available, (
                        f"{path.name} imports {top}, which the {extra} extra lacks"
                    )


def test_readme_describes_binder_without_a_guessed_badge():
    """The repository's public name is not known here: a badge would be a guess (a dead link).
    The README says how to use Binder with the `binder/` folder instead."""
    readme = (ROOT / "README.md").read_text()
    assert "`binder/`" in readme and "mybinder.org" in readme
    assert not re.search(r"mybinder\.org/v2/", readme), "a Binder launch link names a guessed repo"
