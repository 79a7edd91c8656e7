"""The documentation site's sources: the README stays the short front page whose links lead
into the site, the tutorials are referenced (not copied) and executed at build time, and
the build command the README gives is the one CI runs."""

from __future__ import annotations

import ast
import re

from _paths import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
BUILD = "sphinx-build -W -b html docs docs/_build/html"


def _conf() -> dict[str, object]:
    """docs/conf.py's plain settings, read without running it (it edits the environment)."""
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return found


def test_the_readme_is_the_short_front_page_with_working_links():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 120, "the long sections belong in docs/howto/"
    assert 'pip install -e ".[test]" && pytest' in text
    links = re.findall(r"\]\(([^)#\s]+)\)", text)
    local = [link for link in links if "://" not in link]
    assert any(link.startswith("docs/howto/") for link in local)
    for link in local:
        assert (ROOT / link).exists(), f"the README links to {link}, which is not there"


def test_the_readme_gives_the_build_command_ci_runs():
    text = README.read_text(encoding="utf-8")
    assert 'pip install -e ".[docs]"' in text and BUILD in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install --quiet -e ".[docs]"' in ci
    assert re.search(r"^sphinx-build -W .*-b html docs ", ci, re.M)


def test_the_tutorials_are_referenced_and_executed_at_build_time():
    link = DOCS / "tutorials"
    assert link.is_symlink() and link.resolve() == (ROOT / "notebooks").resolve()
    copies = [p for p in DOCS.rglob("*.ipynb") if "tutorials" not in p.relative_to(DOCS).parts]
    assert not copies, f"notebooks copied into docs/: {copies}"
    conf = _conf()
    assert conf["nb_execution_mode"] == "force"  # executed at every build, outputs shown
    assert conf["nb_execution_in_temp"] is True  # nothing written beside the notebooks
    assert conf["nb_execution_raise_on_error"] is True  # an unmeant error fails the build
    assert "tutorials/*" in (DOCS / "tutorials.md").read_text(encoding="utf-8")


def test_every_how_to_page_is_in_the_site():
    index = (DOCS / "howto" / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([a-z][a-z0-9-]*)$", index, re.M))
    pages = {p.stem for p in (DOCS / "howto").glob("*.md")} - {"index"}
    assert pages == listed
