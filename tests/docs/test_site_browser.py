"""The documentation site as a reader sees it: built with the tutorials executed, opened in
Debian's Chromium in the theme's light and dark modes, every executed output measured.

The same page checks as the JupyterLab browser tests (``_browser_lab.PAGE_CHECKS``): no
text below 4.5:1 against its effective background, nothing clipped without a scrollbar.
The site is built once for the module (``sphinx-build -W``: a warning fails), or taken from
``$OPENAPI_MAGIC_DOCS_HTML`` when CI has just built it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _browser_lab import CHROMIUM, CHROMIUM_ARGS, PAGE_CHECKS
from _paths import ROOT

if not os.path.exists(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
for _needed in ("playwright", "sphinx", "myst_nb", "furo", "ipykernel"):
    if importlib.util.find_spec(_needed) is None:
        pytest.skip(
            f"the {_needed} Python package is not installed (pip install -e '.[docs]')",
            allow_module_level=True,
        )

from playwright.sync_api import sync_playwright  # noqa: E402

# Building the site runs every tutorial in a kernel.
pytestmark = [pytest.mark.browser, pytest.mark.kernel, pytest.mark.slow]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
THEMES = ("light", "dark")


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "_build" not in p.parts
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get("OPENAPI_MAGIC_DOCS_HTML")
    if built and (Path(built) / "index.html").is_file():
        return Path(built)
    out = tmp_path_factory.mktemp("site")
    before = {"docs": _fingerprint(ROOT / "docs"), "notebooks": _fingerprint(ROOT / "notebooks")}
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "docs", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    # executed in a temporary folder: nothing written back into the checkout
    after = {"docs": _fingerprint(ROOT / "docs"), "notebooks": _fingerprint(ROOT / "notebooks")}
    assert after == before
    return out


def test_every_tutorial_is_on_the_site_with_its_outputs(site: Path):
    for notebook in NOTEBOOKS:
        page = site / "tutorials" / f"{notebook.stem}.html"
        assert page.is_file(), f"{notebook.name} is not on the site"
        html = page.read_text(encoding="utf-8")
        assert html.count('class="cell_output') >= 3, f"{notebook.name}: outputs missing"
        assert "openapi-magic" in html, f"{notebook.name}: none of our outputs on the page"
    assert "openapi_magic.Client" in (site / "api.html").read_text(encoding="utf-8")
    for page in ("getting-started", "howto/magic", "howto/cli", "changelog", "contributing"):
        assert (site / f"{page}.html").is_file(), page


def _measure(site: Path, theme: str) -> dict[str, list[dict]]:
    """Each tutorial page's problems (PAGE_CHECKS over every executed output) in ``theme``."""
    found: dict[str, list[dict]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            # what the theme's light/dark toggle stores
            context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
            page = context.new_page()
            for notebook in NOTEBOOKS:
                page.goto((site / "tutorials" / f"{notebook.stem}.html").as_uri())
                assert page.evaluate("document.body.dataset.theme") == theme
                # the raw envelopes and other folded parts are measured opened, as read
                page.evaluate(
                    "document.querySelectorAll('div.cell_output details')"
                    ".forEach(d => { d.open = true; })"
                )
                problems: list[dict] = []
                for output in page.query_selector_all("div.cell_output"):
                    problems += output.evaluate(PAGE_CHECKS)["problems"]
                found[notebook.stem] = problems
        finally:
            browser.close()
    return found


@pytest.fixture(scope="module")
def measured(site: Path) -> dict[str, dict[str, list[dict]]]:
    return {theme: _measure(site, theme) for theme in THEMES}


def _of_kind(found: dict[str, list[dict]], kind: str) -> dict[str, list[dict]]:
    return {
        page: [p for p in probs if p["kind"] == kind]
        for page, probs in found.items()
        if any(p["kind"] == kind for p in probs)
    }


@pytest.mark.parametrize("theme", THEMES)
def test_no_executed_output_is_clipped(measured, theme):
    assert not _of_kind(measured[theme], "clipped")


@pytest.mark.parametrize("theme", THEMES)
def test_every_executed_output_reads_at_4_5_to_1(measured, theme):
    low = _of_kind(measured[theme], "contrast")
    worst = min((p["ratio"] for probs in low.values() for p in probs), default=None)
    assert not low, (sum(map(len, low.values())), worst, {k: v[:3] for k, v in low.items()})
