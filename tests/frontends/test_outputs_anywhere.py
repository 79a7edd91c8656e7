"""Every output kind reads in any front-end: outside JupyterLab and with styles stripped.

Outside JupyterLab no ``--jp-*`` variable exists, so each colour falls back; the
fallback must come from the host page's own text colour (``currentColor``), never a
fixed colour that reads on one background only (a badge with its own background and
text colour is self-contained). And a viewer that strips HTML (GitHub's, an export
to Markdown) shows the bundle's ``text/markdown``, or its ``text/plain``: readable,
no markup leaking. The measured contrast in real pages is ``test_hosts_browser.py``.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from IPython.core.formatters import DisplayFormatter

from openapi_magic import Client, capture, draw, fleet
from openapi_magic.client._guards import pending
from openapi_magic.frontends._magics import Notice
from openapi_magic.ops._watch import watch
from openapi_magic.server import serve

pytestmark = pytest.mark.slow  # a splicer, a fleet with a dead member, two captures


def until(condition: Any, limit: float = 20.0) -> None:
    """Wait for ``condition()`` (the limit only stops a broken test from hanging)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.02)


class Handle:
    """Stands in for a display handle (the watch updates it)."""

    def update(self, bundle: dict, **kw: Any) -> None:
        pass


def outputs() -> dict[str, Any]:
    """One of every output kind a notebook shows, by name."""
    with serve() as splicer:
        client = Client.from_splicer(splicer, name="hall")
        dead = Client("http://127.0.0.1:9/open/api", "demo", "12345678", timeout=1, name="gone")
        first = capture(client, quiet=True)
        # a watch that saw a change (the highlight), a splicer that never answers and one
        # that went away (its last table kept, shown as stale)
        body = {"deviceId": 0}
        leaving = serve()
        gone = Client.from_splicer(leaving, name="left")
        watched = [client, dead, gone]
        with watch(watched, "screen/readList", body, every=0.05, handle=Handle()) as w:
            until(lambda: w.polls >= 2 and w.latest["left"] is not None)
            leaving.stop()
            client.call("screen/rename", {"deviceId": 0, "screenId": 0, "name": "Main & Co"})
            until(lambda: "changed since the last poll" in w._repr_mimebundle_()["text/html"])
            until(lambda: "left" in w.offline)
        return {
            "result with a picture": client.call(
                "layer/detailList", {"deviceId": 0, "screenId": 0}
            ),
            "failed result": client.call(
                "screen/readList", {"deviceId": 0, "nonsense": 1}, check=False
            ),
            "dry run": client.prepare("screen/readList", {"deviceId": 0}),
            "fleet": fleet.run(
                [client, dead], "main/initStatus", backoff=0, retries=0, progress=False
            ),
            "watch": w,
            "capture": first,
            "capture diff": first.diff(capture(client, quiet=True)),
            "error notice": Notice("The cell body is not valid JSON: <oops>", "Check the quotes."),
            "pending write": pending("screen/writeBrightness", {"brightness": 50}, ["hall"]),
            "picture": draw.screen(client, 0),
        }


@pytest.fixture(scope="module")
def shown() -> dict[str, dict]:
    """Each output's mimebundle, as IPython's display formatter makes it for a notebook
    (a watch displays itself: its live view's bundle)."""
    formatter = DisplayFormatter()
    return {
        name: formatter.format(value)[0] or value._repr_mimebundle_()
        for name, value in outputs().items()
    }


def _outside_jupyterlab(value: str) -> str:
    """``value`` as a page without JupyterLab's variables computes it: each
    ``var(--name, fallback)`` replaced by its fallback (nested ones too)."""
    while (start := value.find("var(")) >= 0:
        depth, i = 0, start + 4
        comma = None
        for i in range(start + 4, len(value)):
            if value[i] == "(":
                depth += 1
            elif value[i] == ")":
                if depth == 0:
                    break
                depth -= 1
            elif value[i] == "," and depth == 0 and comma is None:
                comma = i
        fallback = value[comma + 1 : i].strip() if comma is not None else "initial"
        value = value[:start] + fallback + value[i + 1 :]
    return value


def _declarations(style: str) -> dict[str, str]:
    """A style attribute's declarations, the last of each property winning (as CSS does)."""
    found: dict[str, str] = {}
    for part in re.split(r";(?![^(]*\))", style):
        if ":" in part:
            prop, value = part.split(":", 1)
            found[prop.strip().lower()] = value.strip()
    return found


def _fixed(value: str) -> bool:
    return "currentcolor" not in value.lower() and value.lower() not in ("inherit", "transparent")


@pytest.mark.parametrize(
    "kind",
    [
        "result with a picture",
        "failed result",
        "dry run",
        "fleet",
        "watch",
        "capture",
        "capture diff",
        "error notice",
        "pending write",
        "picture",
    ],
)
def test_colours_outside_jupyterlab_follow_the_host_text(shown, kind):
    page = shown[kind]["text/html"]
    fixed = []
    for tag, style in re.findall(r'<(\w+)[^>]*?\sstyle="([^"]*)"', page):
        decl = {k: _outside_jupyterlab(v) for k, v in _declarations(style).items()}
        colour = decl.get("fill" if tag == "text" else "color")
        background = decl.get("background", decl.get("background-color"))
        if colour and background and _fixed(colour) and _fixed(background):
            continue  # a badge: its own text on its own background
        if colour and tag != "rect" and _fixed(colour):  # a layer's fill is not text
            fixed.append((tag, "colour", colour))
        if background and _fixed(background) and "%" not in background:
            fixed.append((tag, "background", background))
        if tag not in ("rect", "svg") and float(decl.get("opacity", 1)) < 1:
            fixed.append((tag, "opacity", decl["opacity"]))  # fades the host's text too
    assert not fixed, fixed[:8]


def _reads_without_styles(text: str) -> list[str]:
    problems = []
    if re.search(r"<\s*/?\s*(div|span|table|td|tr|th|details|summary|pre|svg|text|b|i|p)\b", text):
        problems.append("HTML tags")
    if "style=" in text or "color:" in text:
        problems.append("CSS")
    if not text.strip():
        problems.append("empty")
    return problems


@pytest.mark.parametrize(
    "kind",
    ["result with a picture", "failed result", "fleet", "capture", "capture diff", "error notice"],
)
def test_what_shows_html_has_a_markdown_form_that_reads_without_styles(shown, kind):
    bundle = shown[kind]
    assert "text/markdown" in bundle, sorted(bundle)
    assert not _reads_without_styles(bundle["text/markdown"]), bundle["text/markdown"][:400]


@pytest.mark.parametrize("kind", ["dry run", "watch", "pending write", "picture"])
def test_the_others_have_a_plain_text_that_reads_without_styles(shown, kind):
    assert not _reads_without_styles(shown[kind]["text/plain"]), shown[kind]["text/plain"][:400]


def test_the_error_block_is_one_of_ours_and_says_what_and_how(shown):
    bundle = shown["error notice"]
    assert 'class="openapi-magic-error"' in bundle["text/html"]
    markdown = bundle["text/markdown"]
    assert "OpenAPI error" in markdown and "Check the quotes." in markdown
    assert "&lt;oops&gt;" in markdown  # escaped: a Markdown viewer renders raw HTML


def test_the_fleet_markdown_has_its_header_and_both_tables(shown):
    markdown = shown["fleet"]["text/markdown"]
    assert markdown.startswith("**✘ main/initStatus")
    assert "**Outcomes** (failures first)" in markdown and "**Replies**" in markdown
    outcomes = markdown.split("**Outcomes**")[1].split("**Replies**")[0]
    assert outcomes.index("gone") < outcomes.index("hall")  # failures first
    assert "| splicer |" in markdown
