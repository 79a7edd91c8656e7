"""Write Binder's pinned requirements from the environment the tutorials just passed in.

    python binder/pin.py > binder/requirements.txt

Pins, at the versions installed here, every package that ``openapi_magic[lab]`` needs,
directly or not (its dependency closure, markers evaluated for this interpreter), so
Binder builds what was tested instead of whatever is newest.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

HEADER = """\
# Binder (repo2docker) installs these pins first, then binder/postBuild installs this
# package with its lab extra on top: the versions the tutorials passed with.
# Made from the tested environment (after pytest tests/docs/test_notebooks.py passed) by:
#   python binder/pin.py > binder/requirements.txt
# tests/docs/test_binder.py checks every runtime and lab dependency is pinned here, within
# pyproject.toml's ranges."""


def canonical(name: str) -> str:
    """The normalized project name (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(extra: str) -> list[str]:
    """pyproject.toml's runtime dependencies and one extra's (the checkout's, not an install's)."""
    project = tomllib.loads(
        (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    )["project"]
    return [*project["dependencies"], *project["optional-dependencies"][extra]]


def closure(requirements: list[str]) -> dict[str, str]:
    """Installed name -> version for the requirements and everything they require."""
    env = default_environment()
    pins: dict[str, str] = {}
    todo: list[tuple[str, set[str]]] = [
        (r.name, set(r.extras)) for r in map(Requirement, requirements)
    ]
    while todo:
        name, wanted = todo.pop()
        dist = md.distribution(name)
        pins[canonical(dist.metadata["Name"])] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not any(
                req.marker.evaluate({**env, "extra": extra}) for extra in (wanted or {""})
            ):
                continue
            if canonical(req.name) not in pins:
                todo.append((req.name, set(req.extras)))
    return pins


def main() -> None:
    """Print the pinned requirements file."""
    pins = closure(declared("lab"))
    print(HEADER)
    for name in sorted(pins):
        print(f"{name}=={pins[name]}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
