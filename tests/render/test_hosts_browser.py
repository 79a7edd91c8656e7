"""The executed tutorials read well in every front-end our users open notebooks in.

Tutorials 01, 04, 06 and 07 are executed on the simulated splicer (nbclient), then
shown the ways a crew sees them: nbconvert's HTML (lab template light and dark,
classic) and pages that host the outputs as VS Code (light and dark) and Colab
(dark) do — their own background and text colour, no ``--jp-*`` variable. In
Debian's Chromium every output text (SVG labels included) must reach 4.5:1 against
its effective background (:mod:`_contrast`). JupyterLab itself is checked by
``test_tutorial_outputs_are_readable``. Screenshots go to ``test-artifacts/hosts/``.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
from pathlib import Path

import pytest
from _browser_lab import CHROMIUM, CHROMIUM_ARGS, theme_css
from _contrast import measure_contrast, measure_texts
from _paths import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not os.path.exists(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
for _needed in ("playwright", "nbclient", "nbconvert", "ipykernel"):
    if importlib.util.find_spec(_needed) is None:
        pytest.skip(f"the {_needed} Python package is not installed", allow_module_level=True)

import nbformat  # noqa: E402
from _tutorials import execute  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from openapi_magic.render import _draw as draw  # noqa: E402

TUTORIALS = ["01-quickstart", "04-looking-at-it", "06-troubleshooting", "07-fleets"]
ARTIFACTS = ROOT / "test-artifacts" / "hosts"

#: Pages that host outputs as these front-ends do: (background, text colour). No
#: ``--jp-*`` variable is defined in them.
HOSTS = {
    "vscode-light": ("#ffffff", "#3b3b3b"),
    "vscode-dark": ("#1e1e1e", "#cccccc"),
    "colab-dark": ("#383838", "#d5d5d5"),
}
#: nbconvert's exports, and the selector of their output areas.
EXPORTS = {
    "nbconvert-lab-light": ({"template_name": "lab", "theme": "light"}, ".jp-OutputArea-output"),
    "nbconvert-lab-dark": ({"template_name": "lab", "theme": "dark"}, ".jp-OutputArea-output"),
    "nbconvert-classic": ({"template_name": "classic"}, ".output_subarea"),
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    """The four tutorials, executed top to bottom on the simulated splicer."""
    workdir = tmp_path_factory.mktemp("hosts")
    with pytest.MonkeyPatch.context() as mp:
        return {
            name: execute(ROOT / "notebooks" / f"{name}.ipynb", workdir, mp) for name in TUTORIALS
        }


def hosted_output(output: nbformat.NotebookNode) -> str:
    """One output as a front-end without JupyterLab's CSS shows it: its HTML (or SVG)
    inline, else its plain text."""
    if output.output_type == "stream":
        return f"<pre>{html.escape(output.text)}</pre>"
    if output.output_type == "error":
        return f"<pre>{html.escape(_ANSI.sub('', chr(10).join(output.traceback)))}</pre>"
    data = output.get("data", {})
    for mime in ("text/html", "image/svg+xml"):
        if mime in data:
            return "".join(data[mime]) if isinstance(data[mime], list) else data[mime]
    if "image/png" in data:
        return f'<img alt="figure" src="data:image/png;base64,{data["image/png"]}">'
    return f"<pre>{html.escape(str(data.get('text/plain', '')))}</pre>"


def hosted_page(nb: nbformat.NotebookNode, background: str, text: str) -> str:
    """A page holding ``nb``'s outputs, with only the host's own colours."""
    outputs = "".join(
        f'<div class="host-output">{hosted_output(o)}</div>'
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        f"body{{background:{background};color:{text};font:13px system-ui,sans-serif;"
        "margin:1em}.host-output{margin:.6em 0}</style></head>"
        f"<body>{outputs}</body></html>"
    )


def pages(notebooks: dict[str, nbformat.NotebookNode], where: Path) -> list[tuple[str, Path, str]]:
    """(host, page file, selector of its outputs) for every host and export."""
    made = []
    for host, (background, text) in HOSTS.items():
        for name, nb in notebooks.items():
            path = where / f"{host}-{name}.html"
            path.write_text(hosted_page(nb, background, text), encoding="utf-8")
            made.append((host, path, ".host-output"))
    for host, (options, selector) in EXPORTS.items():
        exporter = HTMLExporter(**options)
        for name, nb in notebooks.items():
            body, _ = exporter.from_notebook_node(nb)
            path = where / f"{host}-{name}.html"
            path.write_text(body, encoding="utf-8")
            made.append((host, path, selector))
    return made


@pytest.mark.kernel
def test_every_output_text_reads_at_4_5_to_1_in_every_host(executed, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    summary: dict[str, dict] = {}
    low: dict[str, list] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            # nothing leaves the machine (the exports name CDN scripts)
            page.route(
                re.compile(r"^https?://"),
                lambda route: route.abort(),
            )
            for host, path, selector in pages(executed, tmp_path):
                page.goto(path.as_uri(), wait_until="load")
                # the raw envelopes too: a crew opens them
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                texts = measure_texts(page, selector)
                below = measure_contrast(page, selector)
                entry = summary.setdefault(host, {"texts": 0, "below": 0, "worst": 99.0})
                entry["texts"] += len(texts)
                entry["below"] += len(below)
                entry["worst"] = min([entry["worst"], *(t.ratio for t in texts)])
                lowest = entry.setdefault("lowest", [])
                lowest += [f"{t.ratio} {t.text!r} ({path.stem})" for t in texts if t.ratio < 5]
                low.setdefault(host, []).extend(
                    f"{path.stem}: {f.ratio} {f.element} {f.text!r} {f.color} on {f.background}"
                    for f in below
                )
                if host in ("vscode-dark", "colab-dark"):
                    page.screenshot(path=str(ARTIFACTS / f"{path.stem}.png"), full_page=True)
        finally:
            browser.close()
    for entry in summary.values():
        entry["lowest"] = sorted(set(entry["lowest"]), key=lambda line: float(line.split()[0]))[:8]
    (ARTIFACTS / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    for host, entry in summary.items():
        assert entry["texts"] > 100, (host, entry)  # the measurement saw the outputs
    problems = {host: lines[:12] for host, lines in low.items() if lines}
    assert not problems, json.dumps(summary) + "\n" + json.dumps(problems, indent=1)


def _layer(i: int, x: int, y: int, w: int, h: int) -> dict:
    window = {"x": x, "y": y, "width": w, "height": h}
    source = {"sourceType": 1, "inputId": i, "name": f"input {i}-4"}
    return {
        "layerId": i,
        "general": {"layerId": i, "name": f"Layer {i + 1}", "zorder": i},
        "window": window,
        "source": source,
    }


#: Three layers stacked over one corner, on a 2x2 screen whose fourth card is offline.
_DETAIL = {
    "screenId": 0,
    "outputMode": {
        "screenInterfaces": [
            {
                "x": 1920 * (i % 2),
                "y": 1080 * (i // 2),
                "width": 1920,
                "height": 1080,
                "outputId": i,
                "isCardOnline": int(i != 3),
            }
            for i in range(4)
        ]
    },
}
_STACK = {"screenLayers": [_layer(i, 200 * i, 150 * i, 2400, 1500) for i in range(3)]}


def test_wall_picture_labels_read_on_stacked_layers_in_every_host():
    """Titles, layer labels three layers deep and an offline card's label: >= 4.5:1 in
    JupyterLab's light and dark themes and in the hosts without its variables."""
    picture = draw.svg("layer/detailList", _STACK, screen_detail=_DETAIL)
    assert picture and "(card offline)" in picture and "Layer 3" in picture
    heads = {name: f"body{{background:{bg};color:{fg}}}" for name, (bg, fg) in HOSTS.items()}
    for theme in ("light", "dark"):
        heads[f"jupyterlab-{theme}"] = theme_css(theme) + (
            "body{background:var(--jp-layout-color0);color:var(--jp-content-font-color1)}"
        )
    low, texts = {}, {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 600})
            for host, css in heads.items():
                page.set_content(f"<html><head><style>{css}</style></head><body>{picture}</body>")
                found = measure_texts(page)
                texts[host] = len(found)
                low[host] = [
                    f"{f.ratio} {f.text!r} {f.color} on {f.background}"
                    for f in found
                    if f.ratio < 4.5
                ]
                if host in ("vscode-dark", "colab-dark"):
                    page.screenshot(path=str(ARTIFACTS / f"picture-{host}.png"))
        finally:
            browser.close()
    assert all(n >= 8 for n in texts.values()), texts  # title, 3x2 labels, 4 cells
    assert not any(low.values()), low
