"""The colours every output uses (tables, headers, envelopes, wall pictures).

JupyterLab's theme variables first (light, dark, high contrast); where a front-end has
none (VS Code, Colab, nbconvert's classic page, a documentation site) the host page's
own text colour, ``currentColor``: never a fixed colour that reads on one background
only. A tone is mostly the text colour with a share of a hue, so it reads wherever the
host's text does; backgrounds tint (a share of the text colour over transparent)
rather than paint. Inline styles only: an untrusted notebook strips ``<style>``.
"""

from __future__ import annotations

_TEXT = "var(--jp-content-font-color1, currentColor)"
#: The host's text colour, dimmed (never below 4.5:1 where the text itself reads at 7:1).
DIM_COLOUR = "var(--jp-content-font-color2, color-mix(in srgb, currentColor 78%, transparent))"
_DIM = f"color:{DIM_COLOUR}"
#: A background that tints whatever page it is on (a share of the text colour).
TINT = "var(--jp-layout-color2, color-mix(in srgb, currentColor 7%, transparent))"
#: The share of a tone's hue: the rest is the host's text colour.
_HUE_SHARE = 38


def tone_colour(var: str, fallback: str, share: int = _HUE_SHARE) -> str:
    """A CSS colour: ``share`` % of the theme variable ``var`` (``fallback`` outside
    JupyterLab), the rest the host's text colour, so it reads on light and dark pages."""
    return f"color-mix(in srgb, var({var}, {fallback}) {share}%, {_TEXT})"


def tone(var: str, fallback: str, share: int = _HUE_SHARE) -> str:
    """A ``color:`` declaration for :func:`tone_colour` (``fallback`` first: a browser
    without color-mix keeps it)."""
    return f"color:{fallback};color:{tone_colour(var, fallback, share)}"


STYLE = {
    "ok": tone("--jp-success-color1", "#1a7f37"),
    "fail": tone("--jp-error-color1", "#cf222e"),
    "mismatch": ("color:#fff;background:#a40e26;padding:0 .4em;border-radius:3px;font-weight:bold"),
    "absent": _DIM,
    "verified": tone("--jp-success-color1", "#1a7f37"),
    "warn": tone("--jp-warn-color1", "#9a6700"),
}
