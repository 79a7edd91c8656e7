"""WCAG contrast of every text on a page, measured from the DOM in a real browser.

``measure_contrast(page)`` returns the texts that read below 4.5:1 against their
effective background; ``measure_texts(page)`` returns every text measured (to count
them). Both take a Playwright page and an optional CSS selector for the parts to
measure (``"body"`` by default; several matches are all measured, once each).

A text is an element's own text nodes (HTML, coloured by ``color``) or an SVG
``<text>`` (coloured by ``fill``). Its effective background is every background
under it composed: for HTML its ancestors' ``background-color`` up to the first
opaque one; for SVG text also the filled shapes drawn before it that cover its
centre (a label on a translucent layer over the canvas), then the page under the
picture. Colours are read back through a canvas, so any CSS colour (``color-mix``,
``color(srgb ...)``, ``rgba``) compares the same. What is hidden, disabled or an
editor's input area is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: WCAG AA for body text.
MINIMUM = 4.5

#: A JavaScript function declaration, ``textContrasts(root)``: one record per text
#: under ``root`` (``root`` included) — element, text, ratio, color, background.
CONTRAST_JS = r"""
function textContrasts(root) {
  const canvas = document.createElement('canvas'); canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = '#000'; ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1); const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]))
    .concat([1]);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      if (e instanceof SVGElement) continue;
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
    ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const paint = (el, prop, opacity) => {
    const s = getComputedStyle(el), c = rgba(s[prop]);
    if (!s[prop] || s[prop] === 'none' || s[prop].startsWith('url(')) return null;
    c[3] *= parseFloat(s[opacity] || '1') * parseFloat(s.opacity || '1');
    return c;
  };
  // SVG: the shapes painted before ``text`` (document order) that cover its centre
  const svgBackground = (text) => {
    let outer = text.closest('svg');
    for (let up = outer; up; up = up.parentElement && up.parentElement.closest('svg')) outer = up;
    let bg = background(outer.parentElement || outer);
    const r = text.getBoundingClientRect(), cx = r.x + r.width / 2, cy = r.y + r.height / 2;
    for (const shape of outer.querySelectorAll('rect, circle, ellipse, path, polygon')) {
      if (shape.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_PRECEDING) break;
      const b = shape.getBoundingClientRect();
      if (cx < b.left || cx > b.right || cy < b.top || cy > b.bottom) continue;
      const fill = paint(shape, 'fill', 'fillOpacity');
      if (fill && fill[3] > 0) bg = over(fill, bg);
    }
    return bg;
  };
  const found = [], seen = new Set();
  for (const el of [root, ...root.querySelectorAll('*')]) {
    if (seen.has(el)) continue; seen.add(el);
    if (el.closest('select, .jp-InputArea, [disabled], .lm-mod-hidden, title, style, script'))
      continue;
    const inSvg = el instanceof SVGElement;
    if (inSvg && !['text', 'tspan'].includes(el.tagName.toLowerCase())) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    if (!own.length) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const fg = inSvg ? paint(el, 'fill', 'fillOpacity') : rgba(style.color);
    if (!fg) continue;
    const bg = inSvg ? svgBackground(el) : background(el);
    found.push({element: name(el), text: own[0].textContent.trim().slice(0, 60),
                ratio: Math.round(ratio(over(fg, bg), bg) * 100) / 100,
                color: inSvg ? style.fill : style.color,
                background: 'rgb(' + bg.slice(0, 3).map(Math.round).join(',') + ')'});
  }
  return found;
}
"""

_MEASURE = (
    "(selector) => {" + CONTRAST_JS + "  const seen = new Set(), out = [];"
    "  for (const root of document.querySelectorAll(selector)) {"
    "    if ([...seen].some(r => r.contains(root))) continue;"
    "    seen.add(root); out.push(...textContrasts(root));"
    "  }"
    "  return out;"
    "}"
)


@dataclass(frozen=True)
class Finding:
    """One text measured: its element (tag.classes), its first characters, the contrast
    ratio and the two colours compared."""

    element: str
    text: str
    ratio: float
    color: str
    background: str


def measure_texts(page: Any, within: str = "body") -> list[Finding]:
    """Every text under the elements matching ``within`` on ``page``, with its ratio."""
    return [Finding(**record) for record in page.evaluate(_MEASURE, within)]


def measure_contrast(page: Any, within: str = "body") -> list[Finding]:
    """The texts under ``within`` on ``page`` below :data:`MINIMUM` (4.5:1)."""
    return [f for f in measure_texts(page, within) if f.ratio < MINIMUM]
