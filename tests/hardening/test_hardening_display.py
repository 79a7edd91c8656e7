"""Attacks on what a notebook shows: text from a splicer that a real kernel cannot send.

A lone surrogate (``"\\ud800"``) is valid in JSON (``"\\ud800"`` as an escape) and
in a Python ``str``, but not in UTF-8: a kernel's message packer refuses it and the
whole output is lost. Every text from a splicer that reaches an output, the SVG
pictures included, goes through the tables' safe-text rule.
"""

from __future__ import annotations

import json
import os
import sys

import nbformat
import pytest
from _hardening import watchdog
from nbclient import NotebookClient
from standin import Reply, StandIn

from openapi_magic.core import protocol

_LAYERS = {
    "deviceId": 0,
    "screenId": 0,
    "screenLayers": [
        {
            "layerId": 0,
            "general": {"layerId": 0, "name": "Layer\ud800", "zorder": 0},
            "window": {"x": 0, "y": 0, "width": 1920, "height": 1080},
            "source": {"sourceType": 1, "inputId": 2, "name": "HDMI\udfff"},
        }
    ],
}
_DETAIL = {
    "deviceId": 0,
    "screenId": 0,
    "name": "Main",
    "outputMode": {
        "screenInterfaces": [
            {"x": 0, "y": 0, "width": 1920, "height": 1080, "outputId": "out\udc00"}
        ]
    },
}


def _surrogates(req):
    env = req.envelope()
    body = _DETAIL if req.path.endswith("screen/readDetail") else _LAYERS
    out = protocol.seal_reply(
        0,
        "Success",
        body,
        pid=env["pId"],
        timestamp=env["timeStamp"],
        secret_key="H-series-demo-secret",
        encrypt=False,
        sign=False,
    )
    # json.dumps escapes the surrogates as \ud800: valid JSON a splicer may send.
    return Reply(body=json.dumps(out).encode("ascii"))


_CELLS = [
    "import os\n"
    "from openapi_magic import Client, draw\n"
    "c = Client(os.environ['SURROGATE_ROOT'], 'demo', 'H-series-demo-secret', encrypt=False)\n"
    "%load_ext openapi_magic\n"
    "%openapi_connect c",
    '%%openapi layer/detailList -o r\n{"deviceId": 0, "screenId": 0}',
    "r",
    "draw.picture('layer/detailList', r.body)",
    "draw.screen(c, 0)",
]


@pytest.mark.kernel
@pytest.mark.slow
def test_a_lone_surrogate_in_names_is_shown_in_a_real_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "none.ini"))
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    with StandIn(_surrogates, encrypt=False) as stand:
        monkeypatch.setenv("SURROGATE_ROOT", stand.root)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in _CELLS])
        with watchdog(180):
            NotebookClient(
                nb,
                timeout=60,
                kernel_name="python3",
                allow_errors=True,
                resources={"metadata": {"path": str(tmp_path)}},
            ).execute()
    for cell in nb.cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, (cell.source, [(e.ename, e.evalue) for e in errors])
    for i in (1, 2, 3, 4):
        shown = [
            o for o in nb.cells[i].outputs if o.output_type in ("display_data", "execute_result")
        ]
        assert shown, (nb.cells[i].source, nb.cells[i].outputs)
    svgs = "".join(
        o.data.get("image/svg+xml", "") + o.data.get("text/html", "")
        for cell in nb.cells[1:]
        for o in cell.outputs
        if "data" in o
    )
    assert "Layer\\ud800" in svgs and "HDMI\\udfff" in svgs and "out\\udc00" in svgs
    path = tmp_path / "surrogates.ipynb"
    nbformat.write(nb, path)  # the saved notebook is UTF-8 (it raised before)
