"""Rendering: every view (Result, fleet, watch), one rule for cutting, one safe-text rule.

Pure: no I/O, no IPython; pandas only where a DataFrame is the input. Tables are
``_tables``; wall pictures (SVG, to scale) are ``_draw``, public as
``openapi_magic.draw``.
"""

from ._draw import MAX_LAYERS, MAX_WIDTH, Picture, picture, preset, screen, svg
from ._text import inert, safe_text

__all__ = [
    "MAX_LAYERS",
    "MAX_WIDTH",
    "Picture",
    "inert",
    "picture",
    "preset",
    "safe_text",
    "screen",
    "svg",
]
