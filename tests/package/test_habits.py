"""The contributor habits: pre-commit runs CI's checks at CI's versions; the guide says how."""

from __future__ import annotations

import re
import sys

import pytest
from _paths import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

CI_CHECKS = (
    "ruff check openapi_magic tests benchmarks",
    "ruff format --check openapi_magic tests benchmarks",
    "mypy",
)


def _pins() -> dict[str, str]:
    test = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    return dict(re.findall(r"^(ruff|mypy)==(\S+)$", "\n".join(test["test"]), re.M))


def test_pre_commit_runs_cis_checks_at_cis_versions():
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    entries = [hook["entry"] for hook in hooks]
    ci = (ROOT / ".ci" / "run").read_text()
    for check in CI_CHECKS:
        assert check in entries, f"pre-commit does not run {check!r}"
        assert re.search(rf"^{re.escape(check)}$", ci, re.M), f".ci/run does not run {check!r}"
    pins = _pins()
    assert set(pins) == {"ruff", "mypy"}
    for hook in hooks:
        for dep in hook.get("additional_dependencies", []):
            name, _, version = dep.partition("==")
            assert pins.get(name) == version, f"pre-commit's {dep} is not the test extra's"
        if hook["entry"] == "mypy":
            assert f"mypy=={pins['mypy']}" in hook["name"]  # the system mypy is the pinned one


def test_the_contributing_guide_covers_the_habits():
    guide = (ROOT / "CONTRIBUTING.md").read_text()
    for needed in (
        'pip install -e ".[test]" && pytest',
        'pytest -m "not slow and not kernel and not browser"',
        "core/settings.py",
        "core/catalog.json",
        "frontends/",
        "capture_demo(",
        "evidence",
        "pre-commit install",
        *CI_CHECKS[:2],
    ):
        assert needed in guide, f"CONTRIBUTING.md does not say {needed!r}"
