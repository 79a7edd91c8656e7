"""Every request body that ``shared/FIELD-EVIDENCE.md`` lists, each with its source: the
catalog accepts it and the simulated splicer answers it with status 0 (and changes state).

These are the bodies public clients send to real H-series splicers; refusing one would
refuse what a real splicer accepts.
"""

from __future__ import annotations

import pytest
from _server_fixtures import call, ok

from openapi_magic.core.catalog import load_catalog
from openapi_magic.server import serve

CATALOG = load_catalog()
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
    "awAAAABJRU5ErkJggg=="
)
BC = "Broadcast-Controller (vendor page)"
MEROS = "meros-co/integrations table (vendor pages)"
H9 = "H9 notes (V1.9.7.1)"
HA = "HA-novastar-h"

#: (source, interface, body): deviceId in every body (HA's author: real firmware needs it).
FIELD_BODIES = [
    (BC, "screen/ftb", {"deviceId": 0, "screenId": 0, "type": 0, "time": 30}),
    (BC, "screen/ftb", {"deviceId": 0, "screenId": 0, "type": 1, "time": 60}),
    (
        BC,
        "screen/writeOSD",
        {
            "deviceId": 0,
            "screenId": 0,
            "isJudge": 1,
            "type": 0,
            "x": 0,
            "y": 960,
            "width": 3840,
            "height": 120,
            "words": {
                "chars": "Doors open at 19:30",
                "font": "Arial",
                "fontPercent": 200,
                "speed": 3,
                "direction": 0,
                "aligned": 1,
                "space": 0,
                "backgroundEnable": 1,
                "backgroundType": 0,
                "fontColor": {"A": 100, "R": 255, "G": 255, "B": 255},
                "backgroundColor": {"A": 50, "R": 0, "G": 0, "B": 0},
            },
        },
    ),
    (
        BC,
        "screen/writeImageOSD",
        {
            "deviceId": 0,
            "screenId": 1,
            "type": 1,
            "isJudge": 1,
            "x": 10,
            "y": 10,
            "width": 64,
            "height": 64,
            "image": {
                "file": PNG,
                "fileName": "dot.png",
                "fileLength": 70,
                "opacity": 80,
                "hashSum": 0,
            },
        },
    ),
    (
        MEROS,
        "layer/writeZIndex",
        {"deviceId": 0, "screenId": 0, "layerId": 0, "layersZOrderAct": 0},
    ),
    (MEROS, "output/writeFixedPosition", {"deviceId": 0, "enable": 1}),
    (MEROS, "output/writeTiming", {"deviceId": 0, "outputIdList": [16, 17], "refreshRate": 50}),
    (
        MEROS,
        "output/writePayload",
        {"deviceId": 0, "outputIds": [0, 1], "width": 1280, "height": 540, "refreshRate": 60},
    ),
    (MEROS, "input/groupNodeDelete", {"deviceId": 0, "inputId": 0}),
    (
        MEROS,
        "preset/groupCreate",
        {"deviceId": 0, "screenId": 0, "name": "Walk-in loop", "time": 20},
    ),
    (MEROS, "preset/groupUpdate", {"deviceId": 0, "screenId": 0, "name": "Lobby loop", "time": 45}),
    (
        MEROS,
        "preset/createPreset",
        {"deviceId": 0, "screenId": 0, "name": "Vendor", "layoutTemplateId": ""},
    ),
    (MEROS, "output/writeGamma", {"deviceId": 0, "outputId": 0, "gamma": 255}),
    (MEROS, "screen/rename", {"deviceId": 0, "screenId": 0, "name": "L" * 64}),
    (
        MEROS,
        "screen/writeOutputMode",
        {
            "deviceId": 0,
            "screenId": 2,
            "mosaic": {"row": 1, "column": 1},
            "size": {"width": 1920, "height": 1080},
            "screenInterfaces": [{"outputId": 16, "x": 0, "y": 0, "width": 1920, "height": 1080}],
        },
    ),
    (
        HA,
        "layer/screenLayerLayout",
        {"deviceId": 0, "screenId": 0, "layers": [{"layerId": 0, "audioStatus": {"isOpen": 1}}]},
    ),
    # HA switches a screen's audio input by sending back the audio object it read, one key
    # changed (with its aliases); it reads the choices and the state from audio/*.
    (
        HA,
        "screen/writeDetail",
        {
            "screenId": 0,
            "deviceId": 0,
            "audio": {
                "inputChannelMode": 2,
                "outputChannelMode": 0,
                "volume": 80,
                "mute": 0,
                "inputId": 2,
                "audioInputId": 2,
            },
        },
    ),
    (HA, "screen/writeDetail", {"screenId": 0, "deviceId": 0, "audio": {"inputChannelMode": 3}}),
    (HA, "audio/readDetail", {"screenId": 0, "deviceId": 0}),
    (HA, "audio/readList", {"screenId": 0, "deviceId": 0}),
    (
        H9,
        "layer/create",
        {
            "deviceId": 0,
            "screenId": 0,
            "window": {"x": 0, "y": 0, "width": 960, "height": 540},
            "source": {
                "sourceType": 3,
                "slotId": 7,
                "interfaceType": 13,
                "inputId": 255,
                "streamId": 0,
            },
        },
    ),
    (
        H9,
        "layer/create",
        {
            "deviceId": 0,
            "screenId": 0,
            "window": {"x": 960, "y": 0, "width": 960, "height": 540},
            "source": {
                "sourceType": 255,
                "slotId": 7,
                "interfaceType": 13,
                "inputId": 255,
                "streamId": 1,
            },
        },
    ),
    (
        H9,
        "layer/create",
        {
            "deviceId": 0,
            "screenId": 1,
            "window": {"x": 0, "y": 0, "width": 960, "height": 540},
            "source": {
                "sourceType": 5,
                "slotId": 7,
                "interfaceType": 13,
                "inputId": 255,
                "streamId": 0,
            },
        },
    ),
    (
        H9,
        "layer/writeSource",
        {
            "deviceId": 0,
            "screenId": 0,
            "layerId": 0,
            "source": {
                "sourceType": 3,
                "slotId": 7,
                "interfaceType": 13,
                "inputId": 255,
                "streamId": 2,
            },
        },
    ),
    (H9, "ipc/IPCSlotList", {"deviceId": 0}),
    (H9, "ipc/IPCSourceList", {"deviceId": 0, "slotId": 0}),
    (
        H9,
        "ipc/IPCSourceCreate",
        {
            "deviceId": 0,
            "sourceName": "Bar cam",
            "slotId": 7,
            "rtspUrl": "rtsp://10.0.0.30:554/h264",
        },
    ),
    (H9, "ipc/IPCChannelList", {"deviceId": 0, "sourceId": 0}),
    (
        H9,
        "ipc/IPCChannelEdit",
        {"deviceId": 0, "sourceId": 0, "channelId": 0, "rtspUrl": "rtsp://10.0.0.31:554/main"},
    ),
    (
        H9,
        "ipc/IPCMontageTemplateCreate",
        {"deviceId": 0, "row": 1, "column": 2, "sourceList": [{"sourceId": 0}, {"sourceId": 1}]},
    ),
    (H9, "ipc/IPCMontageTemplateApply", {"deviceId": 0, "templateId": 0}),
    (H9, "ipc/IPCSourceDelete", {"deviceId": 0, "sourceList": [{"sourceId": 1}]}),
]
IDS = [f"{path}-{i}" for i, (_, path, _) in enumerate(FIELD_BODIES)]


@pytest.mark.parametrize(("source", "interface", "body"), FIELD_BODIES, ids=IDS)
def test_the_catalog_accepts_every_body_real_clients_send(source, interface, body):
    assert interface in CATALOG, (source, interface)
    assert CATALOG.validate(interface, body) == [], (source, interface)
    spec = CATALOG.get(interface)  # the evidence is recorded, on the interface or the field
    sources = {spec.source} | {spec.field_source(name) for name in body if name != "deviceId"}
    assert sources - {"reconstruction"}, sources


@pytest.mark.parametrize("encrypt", [True, False], ids=["encrypted", "plain"])
def test_the_simulated_splicer_accepts_every_body_real_clients_send(encrypt):
    with serve(encrypt=encrypt) as s:
        for source, interface, body in FIELD_BODIES:
            reply = call(s, interface, body)
            assert reply.status == 0, (source, interface, reply.status, reply.msg)


def test_the_bodies_change_what_later_reads_show():
    with serve() as s:

        def run(interface, body):
            assert call(s, interface, body).status == 0, interface

        for _, interface, body in FIELD_BODIES[:4]:
            run(interface, body)
        detail = ok(s, "screen/readDetail", {"deviceId": 0, "screenId": 0})
        assert detail["Ftb"] == {"enable": 1, "time": 60}
        assert detail["Osd"]["enable"] == 1 and detail["Osd"]["words"]["chars"].startswith("Doors")
        assert (
            ok(s, "screen/readDetail", {"deviceId": 0, "screenId": 1})["OsdImage"]["opacity"] == 80
        )
        run("output/writeTiming", {"deviceId": 0, "outputIdList": [16], "refreshRate": 50})
        assert (
            ok(s, "output/readDetail", {"deviceId": 0, "outputId": 16})["timing"]["refreshRate"]
            == 50
        )
        run("screen/rename", {"deviceId": 0, "screenId": 0, "name": "L" * 64})
        assert ok(s, "screen/readList", {"deviceId": 0})["screens"][0]["name"] == "L" * 64
        created = ok(
            s,
            "ipc/IPCSourceCreate",
            {"deviceId": 0, "sourceName": "Bar cam", "slotId": 7, "rtspUrl": "rtsp://10.0.0.30/x"},
        )
        names = [
            r["sourceName"]
            for r in ok(s, "ipc/IPCSourceList", {"deviceId": 0, "slotId": 0})["sourceList"]
        ]
        assert "Bar cam" in names and created["sourceId"] == len(names) - 1
        page = ok(s, "ipc/IPCSourceList", {"deviceId": 0, "slotId": 0, "pageNo": 2, "pageSize": 2})
        assert page["total"] == 3 and [r["sourceName"] for r in page["sourceList"]] == ["Bar cam"]
        stream = ok(s, "ipc/IPCChannelList", {"deviceId": 0, "sourceId": 2})["channelList"][0]
        layer = ok(
            s,
            "layer/create",
            {
                "deviceId": 0,
                "screenId": 0,
                "window": {"x": 0, "y": 0, "width": 640, "height": 360},
                "source": {
                    "sourceType": 3,
                    "slotId": 7,
                    "interfaceType": 13,
                    "inputId": 255,
                    "streamId": stream["streamId"],
                },
            },
        )
        layers = ok(s, "layer/detailList", {"deviceId": 0, "screenId": 0})["screenLayers"]
        src = next(lay for lay in layers if lay["layerId"] == layer["layerId"])["source"]
        assert (src["sourceType"], src["interfaceType"], src["streamId"]) == (
            3,
            13,
            stream["streamId"],
        )
        assert src["name"] == "Bar cam main"


def test_deviceId_is_required_in_every_body_but_the_homepage():
    with serve() as s:
        for spec in CATALOG:
            if spec.path == "main/initStatus":
                continue
            body = {k: v for k, v in spec.example_body().items() if k != "deviceId"}
            reply = call(s, spec.path, body)
            assert (reply.status, reply.msg) == (1, "Params_Error"), spec.path
        assert ok(s, "main/initStatus", {})["initStatus"] == 1
