"""Interfaces public clients call that the simulated splicer used to refuse: meros's integer
``layersZOrderAct`` and Home Assistant's audio controls (``screen/writeDetail``,
``audio/readDetail``, ``audio/readList``). Each answers 0 and changes what later reads show,
and the catalog names the client it comes from."""

from __future__ import annotations

from _server_fixtures import call, ok

from openapi_magic.core.catalog import load_catalog
from openapi_magic.server import serve

CATALOG = load_catalog()


def _stack(s, screen_id=0):
    layers = ok(s, "layer/detailList", {"deviceId": 0, "screenId": screen_id})["screenLayers"]
    return [lay["layerId"] for lay in sorted(layers, key=lambda lay: lay["general"]["zorder"])]


def test_layer_writeZIndex_takes_meros_integer_action_code():
    with serve() as s:
        for n in range(2):
            ok(
                s,
                "layer/create",
                {**CATALOG.get("layer/create").example_body(), "name": f"PIP {n}"},
            )
        before = _stack(s)
        assert len(before) == 3
        bottom = before[0]
        # meros's body: layerId and an integer action code (0: to the top, our numbering).
        reply = call(
            s,
            "layer/writeZIndex",
            {"deviceId": 0, "screenId": 0, "layerId": bottom, "layersZOrderAct": 0},
        )
        assert (reply.status, reply.msg) == (0, "Success")
        assert _stack(s)[-1] == bottom
        ok(
            s,
            "layer/writeZIndex",
            {"deviceId": 0, "screenId": 0, "layerId": bottom, "layersZOrderAct": 3},
        )
        assert _stack(s)[0] == bottom
        # A code past ours is the firmware's to define: accepted, the order kept.
        ok(
            s,
            "layer/writeZIndex",
            {"deviceId": 0, "screenId": 0, "layerId": bottom, "layersZOrderAct": 200},
        )
        assert _stack(s) == before
        # Our labelled guess, the list form, still works.
        ok(
            s,
            "layer/writeZIndex",
            {"deviceId": 0, "screenId": 0, "layersZOrderAct": [{"layerId": bottom, "zorder": 1}]},
        )
        assert _stack(s)[1] == bottom
        # Without layerId the integer form cannot say which layer: Params_Error, as any bad field.
        reply = call(s, "layer/writeZIndex", {"deviceId": 0, "screenId": 0, "layersZOrderAct": 0})
        assert (reply.status, reply.msg) == (1, "Params_Error")


def test_home_assistant_audio_controls_work():
    with serve() as s:
        choices = ok(s, "audio/readList", {"screenId": 0, "deviceId": 0})
        inputs = [i["audioInputId"] for i in choices["inputs"]]
        outputs = [o["audioOutputId"] for o in choices["outputs"]]
        assert len(inputs) >= 2 and outputs
        audio = ok(s, "screen/readDetail", {"screenId": 0, "deviceId": 0})["audio"]
        target = inputs[1]
        # HA's body: the audio object it read, inputChannelMode changed, its aliases alongside.
        body = {
            "screenId": 0,
            "deviceId": 0,
            "audio": {
                **audio,
                "inputChannelMode": target,
                "inputId": target,
                "audioInputId": target,
            },
        }
        reply = call(s, "screen/writeDetail", body)
        assert (reply.status, reply.msg) == (0, "Success")
        detail = ok(s, "audio/readDetail", {"screenId": 0, "deviceId": 0})
        assert detail["audioInputId"] == target
        assert (
            ok(s, "screen/readDetail", {"screenId": 0, "deviceId": 0})["audio"]["inputChannelMode"]
            == target
        )
        ok(
            s,
            "screen/writeDetail",
            {"screenId": 0, "deviceId": 0, "audio": {"volume": 35, "mute": 1}},
        )
        detail = ok(s, "audio/readDetail", {"screenId": 0, "deviceId": 0})
        assert (detail["volume"], detail["mute"], detail["audioInputId"]) == (35, 1, target)
        # Another screen is untouched.
        assert (
            ok(s, "audio/readDetail", {"screenId": 1, "deviceId": 0})["volume"] == audio["volume"]
        )
        # A volume out of range is refused as real firmware refuses a bad field.
        reply = call(
            s, "screen/writeDetail", {"screenId": 0, "deviceId": 0, "audio": {"volume": 101}}
        )
        assert (reply.status, reply.msg) == (1, "Params_Error")


def test_the_catalog_labels_the_new_interfaces_with_their_source():
    for path in ("screen/writeDetail", "audio/readDetail", "audio/readList"):
        spec = CATALOG.get(path)
        assert spec.source == "client", path
        assert "HA-novastar-h" in spec.evidence and "unverified on hardware" in spec.evidence
    assert CATALOG.is_read("audio/readDetail") and CATALOG.is_read("audio/readList")
    assert not CATALOG.is_read("screen/writeDetail")
    z = CATALOG.get("layer/writeZIndex")
    assert "meros" in z.evidence and "integer action code" in z.evidence
    assert "our guess" in z.field("layersZOrderAct").description
