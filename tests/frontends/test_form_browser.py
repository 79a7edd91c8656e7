"""The request form in a real browser: JupyterLab on loopback, Debian's Chromium, Playwright.

A notebook starts the simulated splicer and shows the form; the browser runs
all cells, picks ``screen/readList``, clicks Send and waits for the table of the
splicer's screens; "Copy as cell" must put the equivalent ``%%openapi`` cell
right below the form (through ipylab; without it the text is shown to copy),
and running that cell must show the same table. Then the notebook is saved with
its widget state and the file is scanned for the secretKey.

The screenshot is kept in ``test-artifacts/form.png``. ``test_tutorial_outputs_are_readable``
runs every tutorial in the light and the dark theme and checks each output from the
DOM (nothing clipped without a scrollbar, key/value tables read down, text >= 4.5:1
against its effective background); its screenshots go to ``test-artifacts/browser/``. Never downloads a
browser: it uses ``/usr/bin/chromium`` (``apt-get install chromium``) or skips.
"""

from __future__ import annotations

import base64
import importlib.util
import json

import pytest
from _browser_lab import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JupyterLabServer,
    menu,
    notebook,
    run_all_and_wait,
    skip_without_browser,
)
from _paths import ROOT

skip_without_browser()

# The imports below wait for the skip above (a machine without the packages).
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from openapi_magic.core.catalog import load_catalog  # noqa: E402
from openapi_magic.frontends._form import cell_text  # noqa: E402
from openapi_magic.server import DEMO_SEED, SimulatedSplicer  # noqa: E402

# JupyterLab runs the notebooks in kernels of its own.
pytestmark = [pytest.mark.browser, pytest.mark.kernel, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts"
SECRET_VAR = "OPENAPI_FORM_BROWSER_SECRET"
#: Handed to the kernel through the environment: the notebook's text never holds it.
SECRET = "Browser-Wq3-Secret-Key-5170"
WAIT_MS = 60_000  # the slowest step (JupyterLab's first page load) takes ~15 s on 2 cores

CELLS = [
    (
        "import os\n"
        "from openapi_magic.server import serve\n"
        f"splicer = serve(secret_key=os.environ[{SECRET_VAR!r}])  # seed 0, encryption on\n"
        "%load_ext openapi_magic\n"
        "%openapi_connect splicer"
    ),
    (
        "from openapi_magic.frontends._form import register\n"
        "register(get_ipython())  # %openapi_form (until %load_ext does it)\n"
        "%openapi_form"
    ),
    "print('the cell after the form')",
]


def screen_names() -> list[str]:
    """The simulated splicer's screen names, from its device state (same seed as the kernel's)."""
    state = SimulatedSplicer(seed=DEMO_SEED).state
    return [s["name"] for s in state.call("screen/readList", {"deviceId": 0})["screens"]]


def secret_variants() -> list[str]:
    raw = SECRET.encode("utf-8")
    return [
        SECRET,
        SECRET[:8],
        base64.b64encode(raw).decode(),
        base64.b64encode(raw[:8]).decode(),
        raw.hex(),
        raw[:8].hex(),
    ]


def cell_sources(page: Page) -> list[str]:
    editors = page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    return [editors.nth(i).inner_text() for i in range(editors.count())]


@pytest.fixture
def lab(tmp_path, monkeypatch):
    root = tmp_path / "notebooks"
    root.mkdir()
    (root / "form.ipynb").write_text(json.dumps(notebook(CELLS)), encoding="utf-8")
    monkeypatch.setenv(SECRET_VAR, SECRET)  # inherited by the server, then the kernel
    with JupyterLabServer(root) as server:
        yield server


def test_form_in_jupyterlab(lab):
    names = screen_names()
    readlist = load_catalog().get("screen/readList")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "form.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(WAIT_MS)
            page.goto(lab.url("lab/tree/form.ipynb"))
            page.wait_for_selector("#jp-main-statusbar >> text=Idle")
            menu(page, "Run", "runmenu:run-all")
            form = page.locator(".openapi-magic-form")
            form.wait_for()

            page.locator(".openapi-magic-form-module select").select_option(label="Screens")
            page.locator(".openapi-magic-form-interface select").select_option(
                label=f"screen/readList — {readlist.summary}"
            )
            page.wait_for_selector(
                ".openapi-magic-form .widget-html-content code:text-is('screen/readList')"
            )
            page.locator(".openapi-magic-form-send").click()
            table = page.locator(".openapi-magic-form-result table.openapi-magic-table")
            table.wait_for()
            text = table.inner_text()
            for name in names:
                assert name in text, (name, text)
            result = page.locator(".openapi-magic-form-result").inner_text()
            assert "screen/readList" in result and "Raw envelope" in result
            assert page.locator(".openapi-magic-form-elapsed").inner_text().startswith("ok after")
            form.scroll_into_view_if_needed()
            page.screenshot(path=str(shot))

            # Copy as cell: the %%openapi cell goes right below the form's cell.
            before = cell_sources(page)
            assert len(before) == len(CELLS)
            page.locator(".openapi-magic-form-copy-cell").click()
            expected = cell_text("screen/readList", {"deviceId": 0})
            copied = page.locator(".openapi-magic-form-copy-text textarea")
            copied.wait_for()
            assert copied.input_value() == expected
            if importlib.util.find_spec("ipylab") is None:
                assert "Copy this into a new cell" in form.inner_text()
                assert cell_sources(page) == before
            else:
                page.wait_for_function(
                    "n => document.querySelectorAll('.jp-Notebook .jp-Cell').length > n",
                    arg=len(before),
                )
                page.wait_for_function(
                    "t => [...document.querySelectorAll('.jp-Notebook .jp-Cell "
                    ".jp-InputArea-editor')].some(e => e.innerText.startsWith(t))",
                    arg="%%openapi screen/readList",
                )
                after = cell_sources(page)
                assert after[:2] == before[:2] and after[3:] == before[2:]
                assert after[2] == expected
                # the inserted cell is the active one: run it, it shows the same table
                menu(page, "Run", "notebook:run-cell")
                inserted = page.locator(".jp-Notebook .jp-Cell").nth(2)
                inserted.locator("table.openapi-magic-table").wait_for()
                ran = inserted.locator("table.openapi-magic-table").inner_text()
                assert all(name in ran for name in names)
                inserted.scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "form-copied-cell.png"))

            # Save with the widget state, then scan the file for the secret.
            menu(page, "File", "docmanager:save")
            saved_path = lab.root / "form.ipynb"
            page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')")
            saved = saved_path.read_text(encoding="utf-8")
        finally:
            browser.close()
    nb = json.loads(saved)
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    classes = [c for m in state.values() for c in m.get("state", {}).get("_dom_classes", [])]
    assert "openapi-magic-form" in classes  # the form's state was saved ...
    assert all(name in saved for name in names)  # ... with its result
    for piece in secret_variants():
        assert piece not in saved, piece
    assert shot.stat().st_size > 10_000


# ---------------------------------------------------------------------- the tutorials, read

NOTEBOOKS = ROOT / "notebooks"
#: The tutorials read in the browser: all of them (each ~10-30 s to run on 2 cores, per theme).
TUTORIALS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_tutorial_outputs_are_readable(tmp_path, monkeypatch, theme):
    """Every output of the tutorials, in the light and the dark theme: nothing clipped
    without a scrollbar, all text (SVG labels too) at >= 4.5:1 against its effective background."""
    from _browser_lab import PAGE_CHECKS, theme_settings

    root = tmp_path / "notebooks"
    root.mkdir()
    for name in TUTORIALS:
        (root / f"{name}.ipynb").write_bytes((NOTEBOOKS / f"{name}.ipynb").read_bytes())
    for var in ("OPENAPI_ROOT", "OPENAPI_PID", "OPENAPI_SECRET_KEY", "OPENAPI_ENCRYPT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "no-profiles.ini"))
    shots = ARTIFACTS / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list] = {}
    with JupyterLabServer(root, settings=theme_settings(theme)) as lab, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(WAIT_MS)
            for name in TUTORIALS:
                page.goto(lab.url(f"lab/tree/{name}.ipynb?reset"))  # this notebook alone
                run_all_and_wait(page)
                dark = page.evaluate("() => document.body.dataset.jpThemeLight")
                assert dark == ("true" if theme == "light" else "false"), dark
                outputs = page.locator(
                    ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output"
                )
                assert outputs.count() > 3, name
                texts = 0
                for i in range(outputs.count()):
                    out = outputs.nth(i)
                    found = out.evaluate(PAGE_CHECKS)
                    texts += found["texts"]
                    for p in found["problems"]:
                        problems.setdefault(f"{name} output {i}", []).append(p)
                assert texts > 50, (name, texts)  # the checks saw the replies' text
                results = page.locator(
                    ".jp-NotebookPanel:not(.lm-mod-hidden) .openapi-magic-result"
                )
                for i in range(min(results.count(), 4)):
                    results.nth(i).scroll_into_view_if_needed()
                    page.screenshot(path=str(shots / f"{theme}-{name}-{i}.png"))
                forms = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .openapi-magic-form")
                if forms.count():
                    forms.first.scroll_into_view_if_needed()
                    page.screenshot(path=str(shots / f"{theme}-{name}-form.png"))
                if not results.count():
                    page.screenshot(path=str(shots / f"{theme}-{name}.png"))
        finally:
            browser.close()
    assert not problems, json.dumps(problems, indent=1)[:6000]
