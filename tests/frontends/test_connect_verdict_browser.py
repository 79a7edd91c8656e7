"""Connect's verdict where a crew reads it: JupyterLab in Debian's Chromium, light and dark.

A notebook connects to a simulated splicer with a wrong pId (the cell fails, tagged
``raises-exception`` so Run All goes on) and shows the form: the form's target line must
say the splicer refused, with the vendor's token, readable (>= 4.5:1, nothing clipped)
in both themes. Never downloads a browser: it uses ``/usr/bin/chromium`` or skips.
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from _browser_lab import CHROMIUM, CHROMIUM_ARGS, JupyterLabServer, notebook

if not os.path.exists(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
for _needed in ("playwright", "jupyterlab", "ipykernel"):
    if importlib.util.find_spec(_needed) is None:
        pytest.skip(f"the {_needed} Python package is not installed", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.kernel, pytest.mark.slow]

WAIT_MS = 120_000  # JupyterLab's first page load takes ~15 s on 2 busy cores

CELLS = [
    (
        "from openapi_magic import Client\n"
        "from openapi_magic.server import serve\n"
        "%load_ext openapi_magic\n"
        "sim = serve()\n"
        'wrong = Client(sim.root, "not-" + sim.pid, sim.secret_key, encrypt=True)'
    ),
    "%openapi_connect wrong",
    "from openapi_magic.frontends._form import RequestForm\nRequestForm()",
]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_forms_target_line_says_refused_readably(tmp_path, monkeypatch, theme):
    from _browser_lab import PAGE_CHECKS, theme_settings

    for var in ("OPENAPI_ROOT", "OPENAPI_PID", "OPENAPI_SECRET_KEY", "OPENAPI_ENCRYPT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "no-profiles.ini"))
    root = tmp_path / "notebooks"
    root.mkdir()
    nb = notebook(CELLS)
    nb["cells"][1]["metadata"]["tags"] = ["raises-exception"]
    (root / "verdict.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    with JupyterLabServer(root, settings=theme_settings(theme)) as lab, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.goto(lab.url("lab/tree/verdict.ipynb"))
            page.wait_for_selector("#jp-main-statusbar >> text=Idle")
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.locator("li[data-command='runmenu:run-all']").click()
            verdict = page.locator(".openapi-magic-form .openapi-magic-form-verdict-refused")
            verdict.wait_for()  # Run All went past the failing connect cell
            said = verdict.inner_text()
            assert said.startswith("Refused:") and "status 15 Open_Id_Illegal_Err" in said
            assert "Settings > OpenAPI Management" in said
            failed = page.locator(".jp-Cell").nth(1).locator(".jp-OutputArea-output")
            assert "UsageError: Refused:" in failed.inner_text()
            assert "Traceback" not in failed.inner_text()
            problems = []
            outputs = page.locator(".jp-OutputArea-output")
            for i in range(outputs.count()):
                problems += outputs.nth(i).evaluate(PAGE_CHECKS)["problems"]
            assert not problems, problems
        finally:
            browser.close()
