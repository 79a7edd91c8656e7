"""The wall as a picture: replies that describe geometry, drawn to scale in SVG.

No plotting library: the SVG text shows in JupyterLab, Notebook 7, VS Code and in
a notebook rendered on a code-hosting site. Three shapes are drawn:

- a screen's layers (``layer/detailList``: ``screenLayers[]`` with ``window``
  ``{x, y, width, height}``, ``general{name, zorder}``, ``source{...}``), each
  labelled with its name and source, bottom layer first;
- a preset's layout (``preset/readDetail``: ``layers[]`` of the same shape), a
  thumbnail per preset (:func:`preset` with no ``preset_id`` draws them all);
- a screen's output cells (``screen/readDetail.outputMode`` as real firmware
  shapes it: ``{screenInterfaces: [{x, y, width, height, outputId,
  isCardOnline}], mosaic: {row, column}, offset: {x, y}}``; the older
  ``interfaces[]`` list of the simulated splicer is read too).

Layer windows and output cells share one absolute canvas (FIELD-EVIDENCE.md: an H9
puts its screens at offset 1000,1000): the canvas is the output cells' bounding
box when the screen is known, else the layers' own extent. Pictures stay small
(at most :data:`MAX_WIDTH` px wide, :data:`MAX_LAYERS` layers drawn, labels
dropped when crowded) and follow the notebook's theme through its CSS variables,
with fallbacks, in ``style`` attributes (no ``<style>`` element: an untrusted
notebook keeps them). Every name from the splicer goes through the tables' safe-text
rule (:func:`~openapi_magic.render.safe_text`), then is escaped.

``svg(interface, body)`` gives the SVG text of a reply or ``None``;
``screen(client, screen_id)`` and ``preset(client, screen_id, preset_id)`` read
what they need and return a :class:`Picture`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._colours import _TEXT, TINT, tone_colour
from ._text import safe_text

__all__ = ["MAX_LAYERS", "MAX_WIDTH", "Picture", "picture", "preset", "screen", "svg"]

#: Widest picture, in CSS pixels (the viewBox scales the canvas into it).
MAX_WIDTH = 480
#: Tallest picture, in CSS pixels (a tall screen is narrowed instead).
MAX_HEIGHT = 320
#: Thumbnail width for a row of presets.
THUMB_WIDTH = 200
#: Layers drawn at most (the top-most ones); the rest are counted in a note.
MAX_LAYERS = 64
#: Above this many layers drawn, no labels (they would only overlap).
LABEL_LAYERS = 16
#: Characters of a label kept.
LABEL_CHARS = 28
_FONT_PX = 11

# Theme: JupyterLab's variables, and outside JupyterLab the page's own text colour
# (currentColor): text is drawn in it, the canvas is a tint of it and the layers a
# translucent mid blue, so labels read on light and dark pages alike. The attribute is
# the fallback when styles are stripped (neutral: a grey tint, the text colour).
_C = {
    "canvas": (TINT, "#80808020"),
    "edge": ("var(--jp-border-color1, color-mix(in srgb, currentColor 45%, transparent))", "gray"),
    "cell": ("var(--jp-border-color2, color-mix(in srgb, currentColor 35%, transparent))", "gray"),
    "offline": ("var(--jp-error-color1, #d32f2f)", "#d32f2f"),
    # a quarter red: it sits on the canvas tint, darker than the page in a dark theme
    "offline_text": (tone_colour("--jp-error-color1", "#d32f2f", 25), "currentColor"),
    "layer": ("var(--jp-brand-color0, #1976d2)", "#1976d2"),
    "layer_edge": ("var(--jp-brand-color1, #1976d2)", "#1976d2"),
    "text": (_TEXT, "currentColor"),
}
#: How much of a layer's blue covers what is under it: little enough that the text
#: colour on it keeps >= 4.5:1 in light and dark themes with three layers stacked
#: (measured in a browser; a mid blue, darkest in JupyterLab's dark theme).
_LAYER_OPACITY = 0.2


@dataclass(frozen=True)
class Picture:
    """A drawing: ``.svg`` is the SVG text; shows itself in notebooks (HTML and SVG)."""

    svg: str
    title: str = ""

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return f'<div class="openapi-magic-picture">{self.svg}</div>'

    def __repr__(self) -> str:
        return f"<Picture {self.title!r}, {len(self.svg):,} characters of SVG>"

    def __str__(self) -> str:
        return self.svg


# ---------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class _Layer:
    box: _Box
    name: str
    source: str
    z: float


@dataclass(frozen=True)
class _Cell:
    box: _Box
    label: str
    online: bool | None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _box(node: Any) -> _Box | None:
    if not isinstance(node, dict):
        return None
    x, y, w, h = (_num(node.get(k)) for k in ("x", "y", "width", "height"))
    if x is None or y is None or w is None or h is None or w <= 0 or h <= 0:
        return None
    return _Box(x, y, w, h)


def _source_text(source: Any) -> str:
    if not isinstance(source, dict):
        return ""
    name = source.get("name")
    kind = source.get("sourceType")
    input_id = source.get("inputId")
    if isinstance(name, str) and name.strip():
        return name.strip()
    if kind == 0:
        return "no source"
    if kind == 1 and input_id is not None:
        return f"input {input_id}"
    if kind is not None:
        return f"source type {kind}"
    return ""


def _layers(records: Any) -> list[_Layer]:
    out: list[_Layer] = []
    if not isinstance(records, list):
        return out
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            continue
        box = _box(rec.get("window"))
        if box is None:
            continue
        general = rec.get("general")
        if not isinstance(general, dict):
            general = {}
        name = general.get("name", rec.get("name", ""))
        z = _num(general.get("zorder"))
        out.append(
            _Layer(
                box,
                "" if name is None else str(name),
                _source_text(rec.get("source")),
                z if z is not None else float(i),
            )
        )
    return sorted(out, key=lambda lay: lay.z)  # bottom first, so the top is drawn last


def _cells(detail: Any) -> list[_Cell]:
    if not isinstance(detail, dict):
        return []
    mode = detail.get("outputMode")
    items, key = [], "outputId"
    if isinstance(mode, dict) and isinstance(mode.get("screenInterfaces"), list):
        items = mode["screenInterfaces"]
    elif isinstance(detail.get("interfaces"), list):  # the simulated splicer's older shape
        items, key = detail["interfaces"], "interfaceId"
    out = []
    for item in items:
        box = _box(item)
        if box is None:
            continue
        online = item.get("isCardOnline")
        ident = item.get(key, item.get("outputId"))
        out.append(
            _Cell(
                box,
                "" if ident is None else f"out {ident}",
                None if online is None else bool(online),
            )
        )
    return out


def _canvas(detail: Any, cells: list[_Cell]) -> _Box | None:
    """The screen's canvas: the output cells' bounding box, else offset + size."""
    if cells:
        return _bounds(c.box for c in cells)
    if not isinstance(detail, dict):
        return None
    mode = detail.get("outputMode")
    mode = mode if isinstance(mode, dict) else {}
    offset = mode.get("offset")
    offset = offset if isinstance(offset, dict) else {}
    size = mode.get("size")
    size = size if isinstance(size, dict) else detail
    x, y = _num(offset.get("x")) or 0.0, _num(offset.get("y")) or 0.0
    w, h = _num(size.get("width")), _num(size.get("height"))
    if w and h and w > 0 and h > 0:
        return _Box(x, y, w, h)
    return None


def _bounds(boxes: Iterable[_Box]) -> _Box | None:
    boxes = list(boxes)
    if not boxes:
        return None
    x, y = min(b.x for b in boxes), min(b.y for b in boxes)
    return _Box(x, y, max(b.right for b in boxes) - x, max(b.bottom for b in boxes) - y)


# ---------------------------------------------------------------------- drawing


def _esc(text: Any) -> str:
    # The tables' safe-text rule first (lone surrogates, control characters), then
    # XML escaping: a kernel cannot send a lone surrogate, and XML refuses controls.
    return html.escape(safe_text(text), quote=True)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if limit <= 1:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _paint(kind: str, what: str = "fill") -> tuple[str, str]:
    """A colour as attribute (the fallback) and style (the theme's variable)."""
    var, fallback = _C[kind]
    return f'{what}="{fallback}"', f"{what}:{var}"


def _shape(tag: str, attrs: str, fill: str | None, stroke: str | None, extra: str = "") -> str:
    parts, style = [attrs], []
    for kind, what in ((fill, "fill"), (stroke, "stroke")):
        if kind is None:
            parts.append(f'{what}="none"')
        else:
            attr, css = _paint(kind, what)
            parts.append(attr)
            style.append(css)
    if extra:
        style.append(extra)
    return f'<{tag} {" ".join(parts)} style="{";".join(style)}"/>'


def _text(
    x: float, y: float, size: float, text: str, kind: str = "text", anchor: str = "start"
) -> str:
    attr, css = _paint(kind)
    return (
        f'<text x="{x:.6g}" y="{y:.6g}" font-size="{size:.6g}" font-family="sans-serif" '
        f'text-anchor="{anchor}" {attr} style="{css}">{_esc(text)}</text>'
    )


def _size(canvas: _Box, max_width: float) -> tuple[float, float]:
    scale = min(max_width / canvas.w, MAX_HEIGHT / canvas.h)
    return max(1.0, canvas.w * scale), max(1.0, canvas.h * scale)


def _draw(
    canvas: _Box,
    layers: list[_Layer],
    cells: list[_Cell],
    *,
    title: str,
    note: str = "",
    max_width: float = MAX_WIDTH,
) -> str:
    width, height = _size(canvas, max_width)
    unit = canvas.w / width  # canvas units per CSS pixel
    font = _FONT_PX * unit
    pad = font * 1.6  # room for the title above the canvas
    hidden = max(0, len(layers) - MAX_LAYERS)
    drawn = layers[hidden:]  # the top-most ones
    labels = len(drawn) <= LABEL_LAYERS
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" '
        f'height="{height + pad / unit:.0f}" viewBox="{canvas.x:.6g} {canvas.y - pad:.6g} '
        f'{canvas.w:.6g} {canvas.h + pad:.6g}" style="max-width:100%;height:auto">',
        f"<title>{_esc(title)}</title>",
        _text(canvas.x, canvas.y - pad * 0.3, font, _short(title + note, int(width / 6.2))),
        _shape(
            "rect",
            f'x="{canvas.x:.6g}" y="{canvas.y:.6g}" width="{canvas.w:.6g}" height="{canvas.h:.6g}"',
            "canvas",
            "edge",
            "stroke-width:1px",
        ),
    ]
    # vector-effect keeps strokes one pixel wide whatever the canvas scale.
    thin = 'vector-effect="non-scaling-stroke" stroke-width="1"'
    for layer in drawn:
        b = layer.box
        out.append(
            _shape(
                "rect",
                f'x="{b.x:.6g}" y="{b.y:.6g}" width="{b.w:.6g}" '
                f'height="{b.h:.6g}" {thin} fill-opacity="{_LAYER_OPACITY}"',
                "layer",
                "layer_edge",
            )
        )
        w_px, h_px = b.w / unit, b.h / unit
        if labels and w_px > 30 and h_px > 14:
            chars = min(LABEL_CHARS, int(w_px / 6.5))
            out.append(
                _text(
                    b.x + font * 0.4,
                    b.y + font * 1.2,
                    font,
                    _short(layer.name or "(no name)", chars),
                )
            )
            if layer.source and h_px > 30:
                out.append(
                    _text(
                        b.x + font * 0.4,
                        b.y + font * 2.4,
                        font * 0.9,
                        _short(layer.source, chars),
                    )
                )
    # Output cells over the layers (outlines only): which outputs a layer spans.
    for cell in cells:
        b = cell.box
        out.append(
            _shape(
                "rect",
                f'x="{b.x:.6g}" y="{b.y:.6g}" width="{b.w:.6g}" '
                f'height="{b.h:.6g}" {thin} stroke-dasharray="4 3"',
                None,
                "offline" if cell.online is False else "cell",
            )
        )
        if cell.label and b.w / unit > 80 and b.h / unit > 40:
            tail = " (card offline)" if cell.online is False else ""
            out.append(
                _text(
                    b.right - font * 0.4,
                    b.bottom - font * 0.4,
                    font * 0.9,
                    _short(cell.label + tail, int(b.w / unit / 6)),
                    "offline_text" if cell.online is False else "text",
                    "end",
                )
            )
    if hidden:
        out.append(
            _text(
                canvas.right - font * 0.4,
                canvas.bottom - font * 0.4,
                font,
                f"+{hidden} more layers not drawn",
                "text",
                "end",
            )
        )
    out.append("</svg>")
    return "".join(out)


def _grid(pictures: list[tuple[str, float, float]], columns: int = 3) -> str:
    """Several SVGs side by side, as one SVG (nested ``<svg>`` elements)."""
    gap = 8.0
    widths = [w for _, w, _ in pictures]
    col_w = max(widths, default=1.0)
    rows = [pictures[i : i + columns] for i in range(0, len(pictures), columns)]
    heights = [max(h for _, _, h in row) for row in rows]
    total_w = min(len(pictures), columns) * (col_w + gap) - gap
    total_h = sum(heights) + gap * (len(rows) - 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" '
        f'height="{total_h:.0f}" viewBox="0 0 {total_w:.0f} {total_h:.0f}" '
        'style="max-width:100%;height:auto">'
    ]
    y = 0.0
    for row, row_h in zip(rows, heights):
        for i, (text, _w, _h) in enumerate(row):
            out.append(text.replace("<svg ", f'<svg x="{i * (col_w + gap):.0f}" y="{y:.0f}" ', 1))
        y += row_h + gap
    out.append("</svg>")
    return "".join(out)


def _size_of(text: str) -> tuple[float, float]:
    head = text[:300]
    w = float(head.split('width="', 1)[1].split('"', 1)[0])
    h = float(head.split('height="', 1)[1].split('"', 1)[0])
    return w, h


# ---------------------------------------------------------------------- replies


def _layers_title(body: dict, kind: str) -> str:
    if kind == "preset":
        name = body.get("name")
        ident = body.get("presetId")
        return f"preset {ident}" + (f" · {name}" if name not in (None, "") else "")
    sid = body.get("screenId")
    return f"screen {sid} layers" if sid is not None else "layers"


def _layers_svg(
    body: dict, records: Any, kind: str, detail: Any = None, max_width: float = MAX_WIDTH
) -> str | None:
    layers = _layers(records)
    cells = _cells(detail)
    canvas = _canvas(detail, cells)
    note = ""
    if canvas is None:
        canvas = _bounds(lay.box for lay in layers)
        note = " (extent of the layers)"
    if canvas is None:
        return None
    count = len(layers)
    note = f" · {count} layer{'s' if count != 1 else ''}{note}"
    return _draw(
        canvas, layers, cells, title=_layers_title(body, kind), note=note, max_width=max_width
    )


def svg(interface: str, body: Any, *, screen_detail: Any = None) -> str | None:
    """The SVG text of a reply body that describes geometry, else ``None``.

    ``layer/detailList`` and ``preset/readDetail`` draw their layers (on the
    screen's canvas when ``screen_detail``, a ``screen/readDetail`` body, is
    given; else on the layers' own extent); ``screen/readDetail`` draws the
    output cells. Never raises on an unexpected body (it is a view): ``None``.
    """
    if not isinstance(body, dict):
        return None
    path = str(interface).strip().strip("/")
    try:
        if path == "layer/detailList" and isinstance(body.get("screenLayers"), list):
            return _layers_svg(body, body["screenLayers"], "layers", screen_detail)
        if path == "preset/readDetail" and isinstance(body.get("layers"), list):
            return _layers_svg(body, body["layers"], "preset", screen_detail)
        if path == "screen/readDetail":
            cells = _cells(body)
            canvas = _canvas(body, cells)
            if canvas is None:
                return None
            name = body.get("name")
            title = f"screen {body.get('screenId', '')}" + (f" · {name}" if name else "")
            mosaic = (
                (body.get("outputMode") or {}).get("mosaic")
                if isinstance(body.get("outputMode"), dict)
                else body.get("mosaic")
            )
            note = f" · {canvas.w:g}×{canvas.h:g} at ({canvas.x:g}, {canvas.y:g})"
            if isinstance(mosaic, dict) and "row" in mosaic and "column" in mosaic:
                note += f" · {mosaic['row']}×{mosaic['column']} outputs"
            return _draw(canvas, [], cells, title=title, note=note)
    except (TypeError, ValueError, KeyError, AttributeError, ZeroDivisionError, OverflowError):
        return None
    return None


def picture(interface: str, body: Any, **kw: Any) -> Picture | None:
    """:func:`svg` as a :class:`Picture` (``None`` when the body has no geometry)."""
    text = svg(interface, body, **kw)
    return Picture(text, str(interface)) if text is not None else None


# ---------------------------------------------------------------------- reads


def _read(client: Any, interface: str, body: dict) -> Any:
    return client.call(interface, body).raise_for_status().body


def screen(client: Any, screen_id: int, *, device_id: int = 0) -> Picture:
    """The screen's layers over its output cells, to scale: reads ``screen/readDetail``
    and ``layer/detailList`` (a failure raises the call's error)."""
    where = {"deviceId": device_id, "screenId": screen_id}
    detail = _read(client, "screen/readDetail", where)
    layers = _read(client, "layer/detailList", where)
    body = layers if isinstance(layers, dict) else {}
    text = _layers_svg(
        {**body, "screenId": screen_id}, body.get("screenLayers", []), "layers", detail
    )
    if text is None:
        text = svg("screen/readDetail", detail) or _empty(f"screen {screen_id}: no geometry")
    return Picture(text, f"screen {screen_id}")


def preset(
    client: Any, screen_id: int, preset_id: int | None = None, *, device_id: int = 0
) -> Picture:
    """A preset's layout on the screen's canvas (``preset/readDetail`` and
    ``screen/readDetail``); with no ``preset_id``, a thumbnail per preset of the
    screen (``preset/readList`` first)."""
    where = {"deviceId": device_id, "screenId": screen_id}
    detail = _read(client, "screen/readDetail", where)
    if preset_id is not None:
        body = _read(client, "preset/readDetail", {**where, "presetId": preset_id})
        text = (
            svg("preset/readDetail", body, screen_detail=detail) if isinstance(body, dict) else None
        )
        return Picture(
            text or _empty(f"preset {preset_id}: no layers"),
            f"screen {screen_id} preset {preset_id}",
        )
    listing = _read(client, "preset/readList", where)
    ids = [p.get("presetId") for p in (listing or {}).get("presets", []) if isinstance(p, dict)]
    thumbs = []
    for pid in ids:
        body = _read(client, "preset/readDetail", {**where, "presetId": pid})
        text = (
            _layers_svg(body, body.get("layers", []), "preset", detail, max_width=THUMB_WIDTH)
            if isinstance(body, dict)
            else None
        )
        text = text or _empty(f"preset {pid}: no layers", THUMB_WIDTH)
        thumbs.append((text, *_size_of(text)))
    if not thumbs:
        return Picture(_empty(f"screen {screen_id}: no presets"), f"screen {screen_id} presets")
    return Picture(_grid(thumbs), f"screen {screen_id} presets")


def _empty(message: str, width: float = MAX_WIDTH) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="24" '
        f'viewBox="0 0 {width:.0f} 24">'
        + _text(4, 16, _FONT_PX, _short(message, int(width / 6.2)))
        + "</svg>"
    )
