"""The picture in a real browser, in JupyterLab's light and dark theme (its own theme CSS).

A Result with a picture is rendered into a page that loads JupyterLab's theme
stylesheet, then shown in Debian's Chromium (never a downloaded browser): the
picture is on screen beside the table, its colours come from the theme's
variables (so they differ between the themes), and nothing from the splicer runs.
Screenshots go to the test's tmp_path.
"""

import os

import pytest
from _browser_lab import theme_css

from openapi_magic import Client
from openapi_magic.server import serve

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright = pytest.importorskip("playwright.sync_api")


@pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)
def test_picture_in_light_and_dark_theme(tmp_path):
    with serve() as splicer:
        client = Client.from_splicer(splicer)
        result = client.call("layer/detailList", {"deviceId": 0, "screenId": 0})
        body = result._repr_mimebundle_()["text/html"]
    fills = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for theme in ("light", "dark"):
                page = browser.new_page(viewport={"width": 1200, "height": 800})
                page.set_content(
                    f"<html><head><style>{theme_css(theme)} body{{background:"
                    "var(--jp-layout-color0);color:var(--jp-content-font-color1)}"
                    f"</style></head><body>{body}</body></html>"
                )
                svg = page.locator(".openapi-magic-result svg").first
                box = svg.bounding_box()
                assert box and 100 < box["width"] <= 480 and box["height"] > 20
                table = page.locator(".openapi-magic-result table").first.bounding_box()
                assert table["x"] > box["x"]  # beside the table (the picture first)
                fills[theme] = page.evaluate(
                    "getComputedStyle(document.querySelector('svg rect')).fill"
                )
                text = page.evaluate("getComputedStyle(document.querySelector('svg text')).fill")
                back = page.evaluate("getComputedStyle(document.body).backgroundColor")
                assert text != back
                page.screenshot(path=str(tmp_path / f"picture-{theme}.png"))
                page.close()
        finally:
            browser.close()
    assert fills["light"] != fills["dark"]  # the theme's variable, not a fixed colour
