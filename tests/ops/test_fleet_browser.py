"""Tutorial 07's fleet outcomes in a real JupyterLab, light and dark, at 1,400 px.

The table that says why a call failed must be the most readable one: the outcome table
and the replies are stacked (each the output's width, not two half-width boxes), the
``message`` column has room to be read (measured: its rendered width), its text is
whole, and no cell is clipped unless its box scrolls. In Debian's Chromium through
Playwright (never a downloaded browser). Screenshots go to ``test-artifacts/fleet/``.
"""

from __future__ import annotations

import json

import pytest
from _browser_lab import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_CHECKS,
    JupyterLabServer,
    run_all_and_wait,
    skip_without_browser,
    theme_settings,
)
from _paths import ROOT

skip_without_browser()

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.kernel, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts" / "fleet"
TUTORIAL = ROOT / "notebooks" / "07-fleets.ipynb"
WAIT_MS = 240_000

#: In the page: the first fleet output's outcome and reply boxes, and the message column.
MEASURE = r"""
(fleet) => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  const outcomes = fleet.querySelector('table.openapi-magic-outcomes');
  const replies = [...fleet.querySelectorAll('table')].find(t => t !== outcomes);
  const heads = [...outcomes.querySelectorAll('thead th')].map(th => th.innerText.trim());
  const m = heads.indexOf('message');
  const cells = [...outcomes.querySelectorAll('tbody tr')].map(tr => tr.children[m]);
  return {
    fleet: box(fleet), outcomes: box(outcomes.parentElement), replies: box(replies.parentElement),
    message: box(outcomes.querySelectorAll('thead th')[m]),
    texts: cells.map(td => td.innerText),
    lines: cells.map(td => { const s = getComputedStyle(td);
      const line = parseFloat(s.lineHeight) || 1.25 * parseFloat(s.fontSize);
      return Math.round((td.clientHeight - parseFloat(s.paddingTop)
                         - parseFloat(s.paddingBottom)) / line); }),
  };
}
"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_fleet_outcomes_readable_in_jupyterlab(tmp_path, monkeypatch, theme):
    root = tmp_path / "notebooks"
    root.mkdir()
    (root / TUTORIAL.name).write_bytes(TUTORIAL.read_bytes())
    for var in ("OPENAPI_ROOT", "OPENAPI_PID", "OPENAPI_SECRET_KEY", "OPENAPI_ENCRYPT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "no-profiles.ini"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with JupyterLabServer(root, settings=theme_settings(theme)) as lab, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(lab.url(f"lab/tree/{TUTORIAL.name}"))
            run_all_and_wait(page)
            fleet = page.locator(".jp-OutputArea-output .openapi-magic-fleet").first
            fleet.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"{theme}-outcomes.png"))
            got = fleet.evaluate(MEASURE)
            checks = fleet.locator("xpath=..").evaluate(PAGE_CHECKS)
        finally:
            browser.close()
    # stacked: the outcomes first, the replies under them, each the output's width
    assert got["replies"]["y"] >= got["outcomes"]["y"] + got["outcomes"]["height"] - 1, got
    assert got["outcomes"]["width"] >= 0.95 * got["fleet"]["width"], got
    # the message column has room: ~40 characters a line or more, no word a line
    assert got["message"]["width"] >= 320, got["message"]
    failed = [t for t in got["texts"] if t.strip()]
    assert len(failed) == 2, got["texts"]  # the wrong pId and the switched-off splicer
    assert any("Open_Id_Illegal_Err" in t and "Hint:" in t for t in failed), failed
    assert any("connection refused" in t for t in failed), failed
    assert all(not t.rstrip().endswith("…") for t in failed), failed  # whole, not cut
    assert max(got["lines"]) <= 8, got["lines"]
    assert not checks["problems"], json.dumps(checks["problems"], indent=1)[:3000]
