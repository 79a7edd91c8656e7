"""Show night in a real JupyterLab: a live watch, and the wall drawn to scale in both themes.

The simulated splicer runs in the test process on a fixed port; the notebook's kernel
connects to it from the environment (``%openapi_connect --env``: the secretKey is never in
the notebook). In Debian's Chromium (Playwright, never a downloaded browser):

- ``%openapi_watch`` keeps **one** output up to date in place (its poll count grows, the
  cell gains no outputs), shows OFFLINE when the splicer is stopped, clears itself when
  a splicer is started again on the same port, and stops cleanly with its Stop button
  (no poll reaches the splicer after that);
- with ``confirm_writes`` a write cell shows what it would send and to which splicer, and
  sends nothing until its Send button is clicked (the splicer's request count);
- ``layer/detailList`` and ``preset/readDetail`` cells show an SVG picture beside their
  table, drawn to scale, in JupyterLab's light and dark theme (colours from the theme's
  variables: they differ between the two, and the text never has the background's colour).

Screenshots go to ``test-artifacts/showtime/`` (git-ignored).
"""

from __future__ import annotations

import json
import time

import pytest
from _browser_lab import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JupyterLabServer,
    notebook,
    skip_without_browser,
)
from _paths import ROOT

skip_without_browser()

# The imports below wait for the skip above (a machine without the packages).
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from openapi_magic import Client  # noqa: E402
from openapi_magic.server import SimulatedSplicer  # noqa: E402

# JupyterLab runs the notebook in a kernel of its own.
pytestmark = [pytest.mark.browser, pytest.mark.kernel, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts" / "showtime"
WAIT_MS = 60_000
SCREEN = {"deviceId": 0, "screenId": 0}
PRESET = 1

CELLS = [
    "%load_ext openapi_magic\n%openapi_connect --env --no-firmware",
    (
        "w = %openapi_watch screen/readDetail --every 0.5 --misses 2 --timeout 1 "
        + json.dumps(SCREEN)
    ),
    "%%openapi layer/detailList\n" + json.dumps(SCREEN),
    "%%openapi preset/readDetail\n" + json.dumps({**SCREEN, "presetId": PRESET}),
    "%config OpenAPIMagics.confirm_writes = True",
    "%%openapi screen/writeFreeze\n" + json.dumps({**SCREEN, "enable": 1}),
]


def menu(page: Page, name: str, command: str) -> None:
    page.get_by_role("menuitem", name=name, exact=True).click()
    page.locator(f"li[data-command='{command}']").click()


def polls(page: Page) -> int:
    text = page.locator(".openapi-magic-watch").inner_text()
    words = text.split(" polls")[0].split()
    return int(words[-1])


def wait_text(page: Page, selector: str, text: str, present: bool = True) -> None:
    page.wait_for_function(
        "([s, t, p]) => { const e = document.querySelector(s);"
        " return !!e && e.innerText.includes(t) === p; }",
        arg=[selector, text, present],
    )


@pytest.fixture
def lab(tmp_path, monkeypatch, splicer):
    root = tmp_path / "notebooks"
    root.mkdir()
    (root / "showtime.ipynb").write_text(json.dumps(notebook(CELLS)), encoding="utf-8")
    for name, value in (
        ("OPENAPI_ROOT", splicer.root),
        ("OPENAPI_PID", splicer.pid),
        ("OPENAPI_SECRET_KEY", splicer.secret_key),
        ("OPENAPI_ENCRYPT", "1" if splicer.encrypt else "0"),
    ):
        monkeypatch.setenv(name, value)  # inherited by the server, then the kernel
    with JupyterLabServer(root) as server:
        yield server


def picture_checks(page: Page, cell: int, names: list[str]) -> dict:
    """The picture of a cell's output: before its table (beside it, or above it when the
    table takes the full width), to scale, readable; its colours."""
    out = page.locator(".jp-Notebook .jp-Cell").nth(cell).locator(".openapi-magic-result")
    svg = out.locator("svg").first
    svg.wait_for()
    box = svg.bounding_box()
    table = out.locator("table").first.bounding_box()
    assert box and 100 < box["width"] <= 480 and box["height"] > 20, box
    beside = table["x"] >= box["x"] + box["width"] - 1
    above = table["y"] >= box["y"] + box["height"] - 1
    assert beside or above, (box, table)  # the picture first, the table after it
    text = svg.inner_html()
    for name in names:
        assert name in text, (name, text[:500])
    return svg.evaluate(
        """svg => {
          const rects = [...svg.querySelectorAll('rect')].map(r => r.getBBox())
                            .filter(b => b.width > 0 && b.height > 0);
          const t = svg.querySelector('text');
          return {rects: rects.map(b => [b.x, b.y, b.width, b.height]),
                  fill: getComputedStyle(svg.querySelector('rect')).fill,
                  text: t && getComputedStyle(t).fill,
                  back: getComputedStyle(document.body).backgroundColor};
        }"""
    )


def test_watch_and_pictures_in_jupyterlab(lab, splicer):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = splicer.port
    client = Client.from_splicer(splicer)
    detail = client.call("screen/readDetail", SCREEN).body
    layers = client.call("layer/detailList", SCREEN).body["screenLayers"]
    preset = client.call("preset/readDetail", {**SCREEN, "presetId": PRESET}).body["layers"]
    restarted = None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.set_default_timeout(WAIT_MS)
            page.goto(lab.url("lab/tree/showtime.ipynb"))
            page.wait_for_selector("#jp-main-statusbar >> text=Idle")
            menu(page, "Run", "runmenu:run-all")

            # --- the watch: one output, updated in place
            watch_cell = page.locator(".jp-Notebook .jp-Cell").nth(1)
            watch_cell.locator(".openapi-magic-watch").wait_for()
            wait_text(page, ".openapi-magic-watch", "online")
            first = polls(page)
            page.wait_for_function(
                "n => { const e = document.querySelector("
                "'.openapi-magic-watch'); const m = e && e.innerText"
                ".match(/(\\d+) polls/); return m && +m[1] >= n + 3; }",
                arg=first,
            )
            assert watch_cell.locator(".openapi-magic-watch").count() == 1
            outputs = watch_cell.locator(".jp-OutputArea-child").count()
            # a write from elsewhere: the next poll highlights the changed cell
            assert client.call("screen/writeFreeze", {**SCREEN, "enable": 1}).ok  # Freeze.enable
            page.wait_for_function(
                "() => [...document.querySelectorAll('.openapi-magic-watch "
                "span[title^=\"changed\"]')].some(e => e.innerText.trim() === '1')"
            )
            page.screenshot(path=str(ARTIFACTS / "watch-changed.png"))
            watch_cell.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "watch-online.png"))

            # --- offline when the splicer stops, back when it starts on the same port
            splicer.stop()
            wait_text(page, ".openapi-magic-watch", "OFFLINE")
            assert watch_cell.locator(".openapi-magic-watch").count() == 1
            page.screenshot(path=str(ARTIFACTS / "watch-offline.png"))
            restarted = SimulatedSplicer(port=port).start()
            wait_text(page, ".openapi-magic-watch", "OFFLINE", present=False)
            wait_text(page, ".openapi-magic-watch", "online")
            assert restarted.requests["screen/readDetail"] >= 1
            assert watch_cell.locator(".openapi-magic-watch").count() == 1
            assert watch_cell.locator(".jp-OutputArea-child").count() == outputs
            page.screenshot(path=str(ARTIFACTS / "watch-back.png"))

            # --- stops cleanly: the Stop button, then no more polls
            watch_cell.get_by_role("button", name="Stop watching").click()
            wait_text(page, ".openapi-magic-watch", "stopped")
            time.sleep(0.5)  # a poll in flight when Stop was clicked may still land
            seen, shown = sum(restarted.requests.values()), polls(page)
            time.sleep(2)
            assert sum(restarted.requests.values()) == seen and polls(page) == shown
            page.screenshot(path=str(ARTIFACTS / "watch-stopped.png"))

            # --- the pictures, light then dark
            colours = {}
            for theme in ("light", "dark"):
                if theme == "dark":
                    page.keyboard.press("Control+Shift+C")  # the command palette
                    page.keyboard.type("Use Theme: JupyterLab Dark")
                    page.locator(
                        ".lm-CommandPalette-item", has_text="JupyterLab Dark"
                    ).first.click()
                    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
                    time.sleep(0.5)  # the theme's stylesheet applies after the flag
                seen = {}
                for cell, names in (
                    (2, [layer["general"]["name"] for layer in layers]),
                    (3, [layer["general"]["name"] for layer in preset]),
                ):
                    found = picture_checks(page, cell, names)
                    assert found["text"] != found["back"], found
                    seen[cell] = found
                for cell, what in ((2, "layers"), (3, "preset")):
                    shown = page.locator(".jp-Notebook .jp-Cell").nth(cell)
                    shown.scroll_into_view_if_needed()
                    shown.locator(".openapi-magic-result").first.screenshot(
                        path=str(ARTIFACTS / f"{what}-{theme}.png")
                    )
                colours[theme] = seen

            # --- confirm before a write: nothing sent until Send is clicked
            ask = page.locator(".jp-Notebook .jp-Cell").nth(5)
            panel = ask.locator(".openapi-magic-confirm")
            panel.first.wait_for()
            question = panel.first.inner_text()
            assert "screen/writeFreeze" in question and splicer.root in question
            assert splicer.secret_key not in question
            time.sleep(1)
            before = restarted.requests["screen/writeFreeze"]
            ask.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "confirm-asked.png"))
            ask.locator(".openapi-magic-confirm-send").click()
            ask.locator(".openapi-magic-confirm :text-is('Sent.')").wait_for()
            ask.locator(".openapi-magic-result").first.wait_for()  # the answer, in the panel
            confirmed = (before, restarted.requests["screen/writeFreeze"])
            page.screenshot(path=str(ARTIFACTS / "confirm-sent.png"))
        finally:
            browser.close()
            if restarted is not None:
                restarted.stop()
    assert confirmed == (0, 1)
    assert colours["light"][2]["fill"] != colours["dark"][2]["fill"]
    # to scale: the largest rectangle is the canvas; each layer's window keeps its
    # width-to-canvas ratio in the picture
    for cell, records in ((2, layers), (3, preset)):
        rects = colours["light"][cell]["rects"]
        canvas = max(rects, key=lambda r: r[2] * r[3])
        ratio = canvas[2] / canvas[3]
        width = detail.get("width")
        height = detail.get("height")
        if width and height:
            assert abs(ratio - width / height) < 0.05 * ratio, (ratio, width, height)
        scale = canvas[2] / width if width else None
        for layer in records:
            window = layer["window"]
            want = (window["width"] * scale, window["height"] * scale) if scale else None
            if want and want[0] < canvas[2]:
                assert any(abs(r[2] - want[0]) < 2 and abs(r[3] - want[1]) < 2 for r in rects), (
                    want,
                    rects,
                )
