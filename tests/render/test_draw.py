"""The wall as a picture: to scale, escaped, bounded, themed, hooked into the Result view."""

import re
import xml.etree.ElementTree as ET

import pytest

from openapi_magic import Client
from openapi_magic.render import _draw as draw
from openapi_magic.server import serve

SVG = "{http://www.w3.org/2000/svg}"


def layer(i, x, y, w, h, name=None, source=None, z=None):
    return {
        "layerId": i,
        "general": {
            "layerId": i,
            "name": name or f"Layer {i + 1}",
            "zorder": i if z is None else z,
        },
        "window": {"x": x, "y": y, "width": w, "height": h},
        "source": source or {"sourceType": 1, "inputId": 2, "name": "HDMI 1"},
    }


# A screen shaped as real firmware shapes it (FIELD-EVIDENCE.md): 2×2 FHD cells at 1000,1000.
DETAIL = {
    "screenId": 0,
    "name": "LED_All",
    "width": 3840,
    "height": 2160,
    "outputMode": {
        "screenInterfaces": [
            {
                "x": 1000 + 1920 * (i % 2),
                "y": 1000 + 1080 * (i // 2),
                "width": 1920,
                "height": 1080,
                "outputId": i,
                "isCardOnline": int(i != 3),
            }
            for i in range(4)
        ],
        "mosaic": {"row": 2, "column": 2},
        "offset": {"x": 1000, "y": 1000},
    },
}


def rects(svg_text):
    root = ET.fromstring(svg_text)  # well-formed XML, or this raises
    return root, [r.attrib for r in root.iter(f"{SVG}rect")]


def layer_rects(svg_text):
    return [r for r in rects(svg_text)[1] if "fill-opacity" in r]


def test_layers_are_drawn_to_scale_on_the_screen_canvas():
    body = {
        "screenId": 0,
        "screenLayers": [layer(0, 1000, 1000, 1920, 2160), layer(1, 2920, 2080, 960, 540)],
    }
    text = draw.svg("layer/detailList", body, screen_detail=DETAIL)
    root, _ = rects(text)
    x, _y, w, _h = map(float, root.attrib["viewBox"].split())
    assert x == 1000 and w == 3840  # the canvas is the output cells' bounding box
    assert float(root.attrib["width"]) <= draw.MAX_WIDTH
    half, small = layer_rects(text)
    assert float(half["width"]) / w == pytest.approx(0.5)  # half the canvas, half the drawing
    assert float(small["x"]) - x == pytest.approx(1920)
    assert float(small["width"]) == pytest.approx(float(half["width"]) / 2)


def test_output_cells_from_outputmode_with_an_offline_card():
    text = draw.svg("screen/readDetail", DETAIL)
    _, all_rects = rects(text)
    cells = [r for r in all_rects if r.get("stroke-dasharray")]
    assert len(cells) == 4
    assert sum("error-color" in r["style"] for r in cells) == 1  # isCardOnline 0
    assert "out 3 (card offline)" in text and "2×2 outputs" in text
    assert "3840×2160 at (1000, 1000)" in text


def test_todays_simulated_shape_is_read_too():
    with serve() as splicer:
        client = Client.from_splicer(splicer)
        detail = client.call("screen/readDetail", {"deviceId": 0, "screenId": 0}).body
    assert draw.svg("screen/readDetail", detail) is not None


def test_hostile_names_are_escaped():
    evil = "<script>alert(\"x\")</script> & 'quoted'"
    body = {
        "screenId": 0,
        "screenLayers": [
            layer(0, 0, 0, 1920, 1080, name=evil, source={"sourceType": 1, "name": evil})
        ],
    }
    text = draw.svg("layer/detailList", body)
    assert "<script" not in text and "&lt;script&gt;" in text
    root = ET.fromstring(text)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert any(label and label.startswith("<script>") for label in labels)  # escaped, not lost


def test_a_thousand_layers_stay_bounded():
    body = {
        "screenId": 0,
        "screenLayers": [
            layer(i, (i % 40) * 48, (i // 40) * 40, 48, 40, name="x" * 200) for i in range(1000)
        ],
    }
    text = draw.svg("layer/detailList", body)
    assert len(text) < 40_000
    assert len(layer_rects(text)) == draw.MAX_LAYERS
    assert f"+{1000 - draw.MAX_LAYERS} more layers not drawn" in text
    assert "x" * 40 not in text  # labels dropped or shortened


def test_colours_follow_the_theme_with_fallbacks_and_need_no_style_element():
    text = draw.svg("layer/detailList", {"screenLayers": [layer(0, 0, 0, 100, 50)]})
    assert "<style" not in text
    for style in re.findall(r'style="([^"]*)"', text):
        for colour in re.findall(r"(?:fill|stroke):([^;]+)", style):
            # a theme variable, with a fallback for pages without it
            assert "var(--jp-" in colour and re.search(r"var\(--jp-[\w-]+, ", colour), colour


def test_no_picture_for_other_bodies():
    assert draw.svg("screen/readList", {"screens": []}) is None
    assert draw.svg("layer/detailList", {"screenLayers": "nonsense"}) is None
    assert draw.svg("layer/detailList", {"screenLayers": [{"window": {"x": "a"}}]}) is None
    assert draw.picture("preset/readDetail", None) is None


def test_the_result_view_shows_the_picture_for_layer_detail_list():
    with serve() as splicer:
        client = Client.from_splicer(splicer)
        result = client.call("layer/detailList", {"deviceId": 0, "screenId": 0})
        page = result._repr_mimebundle_()["text/html"]
        assert "<svg" in page and page.index("<svg") < page.index("<table")
        listing = client.call("screen/readList", {"deviceId": 0})
        assert "<svg" not in listing._repr_mimebundle_()["text/html"]


class Recorder:
    """A client that records the calls the drawing functions make."""

    def __init__(self, client):
        self.client, self.calls = client, []

    def call(self, interface, body=None, **kw):
        self.calls.append(interface)
        return self.client.call(interface, body, **kw)


def test_screen_and_preset_read_what_they_need():
    with serve() as splicer:
        rec = Recorder(Client.from_splicer(splicer))
        pic = draw.screen(rec, 0)
        assert rec.calls == ["screen/readDetail", "layer/detailList"]
        assert pic.svg.startswith("<svg") and pic._repr_svg_() == pic.svg
        assert pic.svg in pic._repr_html_()
        rec.calls.clear()
        one = draw.preset(rec, 0, 0)
        assert rec.calls == ["screen/readDetail", "preset/readDetail"]
        ET.fromstring(one.svg)
        rec.calls.clear()
        every = draw.preset(rec, 0)
        n = len(rec.client.call("preset/readList", {"deviceId": 0, "screenId": 0}).body["presets"])
        assert rec.calls == ["screen/readDetail", "preset/readList"] + ["preset/readDetail"] * n
        assert ET.fromstring(every.svg).tag == f"{SVG}svg"
        assert every.svg.count("<svg") == n + 1  # a thumbnail per preset, in one picture


def test_a_failed_read_raises_its_error():
    from openapi_magic.errors import StatusError

    with serve() as splicer, pytest.raises(StatusError):
        draw.screen(Client.from_splicer(splicer), 99)


def test_a_lone_surrogate_or_control_in_a_name_is_shown_as_the_tables_show_it():
    # A kernel cannot encode a lone surrogate, and XML refuses control characters:
    # the SVG follows the tables' safe-text rule (``\ud800``, ``\x1b`` as visible escapes).
    body = {
        "screenId": 0,
        "screenLayers": [
            layer(0, 0, 0, 1920, 1080, name="L\ud800", source={"name": "S\udfff\x1b[2J"})
        ],
    }
    text = draw.svg("layer/detailList", body)
    assert text is not None
    text.encode("utf-8")  # raised UnicodeEncodeError before
    assert "L\\ud800" in text and "S\\udfff\\x1b[2J" in text
    ET.fromstring(text)
    detail = {
        "screenId": 0,
        "name": "Main\ud83d",
        "outputMode": {
            "screenInterfaces": [
                {"x": 0, "y": 0, "width": 1920, "height": 1080, "outputId": "out\udc00"}
            ]
        },
    }
    cells = draw.svg("screen/readDetail", detail)
    assert cells is not None
    cells.encode("utf-8")
    assert "Main\\ud83d" in cells and "out\\udc00" in cells
    ET.fromstring(cells)
