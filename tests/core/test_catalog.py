"""The interface catalog: coverage of NOVASTAR-H.md, well-formed entries, the loader API."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from openapi_magic.core.catalog import (
    Catalog,
    Field,
    Interface,
    StatusCode,
    load_catalog,
    normalize_path,
)

CATALOG = load_catalog()

# The interfaces NOVASTAR-H.md lists, module by module (the oracle for coverage).
DOCUMENTED = {
    "main": ["initStatus"],
    "device": ["readDetail", "readCardVersion", "readIp"],
    "screen": [
        "readList",
        "readDetail",
        "writeBrightness",
        "saveBrightness",
        "writeGamma",
        "ftb",
        "writeFreeze",
        "writeBKG",
        "writeShowId",
        "rename",
        "deleteScreen",
        "clear",
        "createScreen",
        "writeOutputMode",
        "write3D",
        "writeOSD",
        "writeImageOSD",
        "nonTimeDetail",
        "writeDetail",  # Home Assistant (FIELD-EVIDENCE.md)
    ],
    "input": [
        "readList",
        "readDetail",
        "rename",
        "writeResolution",
        "writeTiming",
        "writeCrop",
        "updateCrop",
        "deleteCrop",
        "groupCreate",
        "groupUpdate",
        "groupOrder",
        "groupDelete",
        "groupNodeDelete",
        "importEDID",
        "readSourceList",
        "createSource",
        "updateSource",
        "enableSource",
        "deleteSource",
    ],
    "output": [
        "readList",
        "readDetail",
        "rename",
        "writeGamma",
        "writeImageQuality",
        "writeFixedPosition",
        "writeResolution",
        "writeTiming",
        "write4KTiming",
        "writePayload",
    ],
    "layer": [
        "detailList",
        "readDetail",
        "readZIndex",
        "create",
        "delete",
        "clear",
        "writeWindow",
        "writeGeneral",
        "writeZIndex",
        "writeLock",
        "freeze",
        "writeSource",
        "screenLayerLayout",
        "writeStreamRule",
    ],
    "preset": [
        "readList",
        "readPlay",
        "play",
        "readDetail",
        "createPreset",
        "overWrite",
        "writeGeneral",
        "deletePreset",
        "deleteAll",
        "groupList",
        "groupNodeList",
        "groupCreate",
        "groupUpdate",
        "groupDelete",
        "presetPoll",
        "readPresetPoll",
    ],
    "bkg": ["readAllList", "readDetail", "create", "delete"],
    # FIELD-EVIDENCE.md: the IPC module of the H9 notes (citing the vendor pages)
    "ipc": [
        "IPCSlotList",
        "IPCSourceList",
        "IPCSourceCreate",
        "IPCSourceDelete",
        "IPCChannelList",
        "IPCChannelEdit",
        "IPCMontageTemplateCreate",
        "IPCMontageTemplateApply",
    ],
    # FIELD-EVIDENCE.md: Home Assistant's audio controls (a public client, unverified on hardware)
    "audio": ["readList", "readDetail"],
}
TITLES = {
    "main": "Homepage",
    "device": "Device",
    "screen": "Screens",
    "input": "Inputs",
    "output": "Outputs",
    "layer": "Layers",
    "preset": "Presets",
    "bkg": "Backgrounds",
    "ipc": "IPC cameras",
    "audio": "Audio",
}
VENDOR_CODES = [0, 11, 13, 15, 18, 94, 404, 410, 412, 500, 912]


def _all_fields(fields):
    for f in fields:
        yield f
        yield from _all_fields(f.fields)
        if f.items is not None:
            yield from _all_fields([f.items])


def test_every_documented_interface_is_in_the_catalog():
    documented = {f"{m}/{a}" for m, actions in DOCUMENTED.items() for a in actions}
    assert documented <= set(CATALOG.paths())
    assert len(CATALOG) == len(documented)  # and nothing invented beyond them


def test_module_titles():
    assert CATALOG.modules() == TITLES


@pytest.mark.parametrize("path", CATALOG.paths())
def test_each_interface_is_well_formed(path):
    spec = CATALOG.get(path)
    assert spec.summary and len(spec.summary) <= 100
    assert spec.kind in ("read", "write")
    names = [f.name for f in spec.fields]
    assert len(names) == len(set(names)), "duplicate field"
    for f in _all_fields(spec.fields):
        if f.name != "[]":
            assert f.description and len(f.description) <= 100, (path, f.name)
        if f.enum:
            assert {str(v) for v in f.enum} == set(f.enum_labels), (
                path,
                f.name,
                "labels for every value",
            )
        if f.type == "array":
            assert f.items is not None, (path, f.name)
        if f.type == "object":
            assert f.fields, (path, f.name)
        if f.default is not None:
            assert not f.check(f.default, f.name), (path, f.name, "default is valid")
    assert isinstance(spec.example, dict), "every interface has an example body"
    assert spec.validate(spec.example) == [], spec.validate(spec.example)
    assert spec.validate(spec.example_body()) == []
    if "deviceId" in names:
        assert spec.field("deviceId").default == 0


def test_switches_are_integers_0_1_with_labels():
    switches = [
        (i.path, f)
        for i in CATALOG
        for f in _all_fields(i.fields)
        if f.name in ("enable", "lock", "overWrite", "screenIdEnable", "isBackground")
    ]
    assert len(switches) > 10
    for path, f in switches:
        assert (
            f.type == "integer" and list(f.enum) == [0, 1] and set(f.enum_labels) == {"0", "1"}
        ), path
    # the vendor's inverted background switch says so
    bkg = CATALOG.get("screen/writeBKG").field("enable")
    assert "0" in bkg.description and "show" in bkg.enum_labels["0"].lower()


def test_the_vendor_spellings_are_kept():
    update = CATALOG.get("input/updateCrop")
    assert "heigth" in [f.name for f in update.fields] and "height" not in [
        f.name for f in update.fields
    ]
    assert CATALOG.get("screen/writeShowId").required == ("deviceId", "screenIdEnable")
    assert CATALOG.get("layer/writeSource").field("cropId").default == 255


def test_the_seed_entries_keep_their_shape():
    assert CATALOG.get("screen/writeBrightness").required == ("deviceId", "screenId", "brightness")
    b = CATALOG.get("screen/writeBrightness").field("brightness")
    assert (b.type, b.minimum, b.maximum) == ("integer", 0, 100)
    assert CATALOG.get("screen/readList").records == "screens"
    assert CATALOG.get("input/readList").records == "inputs"
    assert CATALOG.get("main/initStatus").fields == ()
    assert CATALOG.get("device/readDetail").field("deviceId").required


def test_records_keys():
    assert CATALOG.get("layer/detailList").records == "screenLayers"
    assert CATALOG.get("preset/readList").records == "presets"
    assert CATALOG.get("output/readList").records == "outputs"
    reads_with_lists = [i.path for i in CATALOG if i.records]
    assert all(CATALOG.get(p).kind == "read" for p in reads_with_lists)


def test_status_codes_have_meaning_and_hint():
    for code in VENDOR_CODES + [400, 405, 413, 415]:
        entry = CATALOG.status(code)
        assert isinstance(entry, StatusCode) and entry.meaning, code
        if code:
            assert entry.hint, code
    assert CATALOG.status("15").code == 15
    assert CATALOG.status(12345) is None
    assert CATALOG.status("x") is None
    assert [s.code for s in CATALOG.statuses()] == sorted(s.code for s in CATALOG.statuses())


def test_code_tables():
    it = CATALOG.codes("interfaceType")
    assert {"HDMI 2.0", "DVI", "DP 1.2", "12G-SDI"} <= set(it.values())
    assert all(isinstance(k, int) for k in it)
    assert set(CATALOG.code_tables()) == {"interfaceType", "cardType", "sourceType"}
    source = CATALOG.codes("sourceType")
    assert source == {
        int(k): v
        for k, v in CATALOG.get("layer/create").field("source").fields[0].enum_labels.items()
    }
    with pytest.raises(KeyError, match="interfaceType"):
        CATALOG.codes("nope")
    CATALOG.codes("cardType")[99] = "changed"  # a copy: the catalog stays as loaded
    assert 99 not in CATALOG.codes("cardType")


def test_loader_api():
    assert load_catalog() is CATALOG  # read once
    assert "/screen/readList" in CATALOG and "screen/readList " in CATALOG and 3 not in CATALOG
    assert isinstance(CATALOG.get("/layer/writeWindow"), Interface)
    assert CATALOG.paths("bkg") == ["bkg/readAllList", "bkg/readDetail", "bkg/create", "bkg/delete"]
    assert [i.path for i in CATALOG.interfaces("main")] == ["main/initStatus"]
    with pytest.raises(KeyError, match="screen/readList"):
        CATALOG.get("screen/readLst")
    assert CATALOG.suggest("Screen/ReadList") == ["screen/readList"]
    assert "screen/writeBrightness" in CATALOG.complete("screen/wr")
    assert CATALOG.complete("/pre")[0].startswith("/preset/")
    assert CATALOG.validate("screen/writeBrightness", {"deviceId": 0, "screenId": 0}) == [
        "brightness is required"
    ]
    assert normalize_path(" /layer/create/ ") == "layer/create"
    f = CATALOG.get("layer/create").field("window")
    assert isinstance(f, Field) and [g.name for g in f.fields] == ["x", "y", "width", "height"]
    assert f.check({"x": 0, "y": 0, "width": 0, "height": 1}, "window") == [
        "window.width must be at least 1, not 0"
    ]


def test_the_data_file_is_plain_json_with_the_expected_blocks():
    text = (
        resources.files("openapi_magic.core").joinpath("catalog.json").read_text(encoding="utf-8")
    )
    data = json.loads(text)
    assert list(data) == ["modules", "interfaces", "codes", "statuses"]
    rebuilt = Catalog(data)
    assert rebuilt.paths() == CATALOG.paths()


def test_provenance_and_tokens_are_loaded():
    from openapi_magic.core.catalog import SOURCES, Catalog

    cat = load_catalog()
    for iface in cat:
        assert iface.source in SOURCES, iface.path
        assert iface.confirmed == (iface.source != "reconstruction")
        for f in iface.fields:
            assert iface.field_source(f.name) in SOURCES
    assert cat.status_for_token("Params_Error").code == 1
    assert cat.status_for_token(" Server_Err ").code == 500
    assert cat.status_for_token("prose message") is None
    assert cat.status_for_token(None) is None
    bad = {"interfaces": {"a/b": {"kind": "write", "source": "rumour"}}}
    with pytest.raises(ValueError, match="rumour"):
        Catalog(bad)
    inherit = Catalog(
        {
            "interfaces": {
                "a/b": {
                    "kind": "write",
                    "source": "vendor",
                    "fields": [
                        {"name": "x", "type": "integer"},
                        {"name": "y", "type": "integer", "source": "capture"},
                    ],
                }
            }
        }
    )
    assert inherit.get("a/b").field_source("x") == "vendor"
    assert inherit.get("a/b").field_source("y") == "capture"


# ---------------------------------------------------------------------- certain or unsure

_SMALL = Catalog(
    {
        "interfaces": {
            "screen/ours": {
                "kind": "write",
                "summary": "reconstructed",
                "fields": [
                    {"name": "screenId", "type": "integer", "required": True},
                    {"name": "level", "type": "integer", "minimum": 0, "maximum": 10},
                    {"name": "cfg", "type": "object", "fields": [{"name": "x", "type": "integer"}]},
                ],
            },
            "screen/seen": {
                "kind": "write",
                "summary": "from the vendor",
                "source": "vendor",
                "evidence": "a page",
                "fields": [
                    {"name": "level", "type": "integer"},
                    {"name": "name", "type": "string", "disagreement": "int or text"},
                ],
            },
        },
        "statuses": {
            "500": {
                "meaning": "Server error",
                "token": "Server_Err",
                "hint": "h",
                "hintAfterSuccess": "{interface} failed",
            }
        },
    }
)


def test_only_types_that_cannot_fit_are_certain():
    def certain(path, body):
        return {p.field: p.certain for p in _SMALL.problems(path, body)}

    # a range, a missing required field, an unknown field: unsure
    assert certain("screen/ours", {"level": 99, "extra": 1}) == {
        "screenId": False,
        "level": False,
        "extra": False,
    }
    # a container for a scalar (or a scalar for an object) cannot be right on any firmware
    assert certain("screen/ours", {"screenId": [0], "cfg": 3}) == {"screenId": True, "cfg": True}
    # a scalar of another type: certain only where the type is confirmed and undisputed
    assert certain("screen/ours", {"screenId": "0"}) == {"screenId": False}
    assert certain("screen/seen", {"level": "0"}) == {"level": True}
    assert certain("screen/seen", {"name": 5}) == {"name": False}
    assert certain("screen/ours", {"screenId": 0, "cfg": {"x": "1", "y": 2}}) == {
        "cfg.x": False,
        "cfg.y": False,
    }
    # deviceId is never an unknown field (real firmware wants it in every body)
    assert certain("screen/seen", {"deviceId": 0}) == {}
    # validate() keeps its old meaning for the simulated splicer: no unknown-field notes
    assert _SMALL.validate("screen/ours", {"screenId": 0, "extra": 1}) == []


def test_an_unknown_interface_is_one_unsure_problem_naming_the_closest():
    (problem,) = _SMALL.problems("screen/Ours", {})
    assert not problem.certain and "screen/ours" in problem.message


def test_status_hint_after_success_loaded():
    entry = _SMALL.status(500)
    assert entry.token == "Server_Err" and entry.hint_after_success == "{interface} failed"
    assert CATALOG.status(500).hint_after_success  # the bundled one has its own


def test_help_says_where_an_interface_comes_from():
    assert "Unconfirmed" in _SMALL.get("screen/ours").help()
    text = _SMALL.get("screen/seen").help()
    assert "vendor" in text and "a page" in text and "int or text" in text
    from openapi_magic.core.catalog import provenance_text

    for spec in CATALOG:
        # The interface's own line; a confirmed interface may still have unconfirmed fields.
        own = provenance_text(spec.source, spec.evidence, spec.disagreement)
        assert own in spec.help(), spec.path
        assert own.startswith("Unconfirmed") is (not spec.confirmed), spec.path


def test_the_bundled_catalogs_examples_raise_no_certain_problem():
    for spec in CATALOG:
        assert not [p for p in spec.problems(spec.example_body()) if p.certain], spec.path


# ---------------------------------------------------------------------- kind: read or write


def test_an_interface_without_kind_is_refused_naming_it():
    from openapi_magic.errors import ConfigError

    data = json.loads(
        resources.files("openapi_magic.core").joinpath("catalog.json").read_text(encoding="utf-8")
    )
    assert all(spec.get("kind") in ("read", "write") for spec in data["interfaces"].values())
    del data["interfaces"]["screen/writeBrightness"]["kind"]
    with pytest.raises(ConfigError, match="'screen/writeBrightness' has no \"kind\""):
        Catalog(data)
    data["interfaces"]["screen/writeBrightness"]["kind"] = "maybe"
    with pytest.raises(ConfigError, match="kind 'maybe' is not one of read, write"):
        Catalog(data)


def test_is_read_answers_for_known_and_unknown_interfaces():
    from openapi_magic.core.catalog import is_read

    assert CATALOG.is_read("/screen/readDetail ") is True
    assert CATALOG.is_read("screen/writeBrightness") is False
    assert CATALOG.is_read("screen/readFuture") is None  # the catalog does not know it
    assert is_read("screen/readDetail") and not is_read("screen/writeBrightness")
    assert not is_read("screen/readFuture")  # unknown: not a read, whatever its name
    assert CATALOG.records_hint("screen/readList") == "screens"
    assert CATALOG.records_hint("screen/readFuture") is None


def test_a_description_with_no_source_still_reads_as_a_sentence():
    from openapi_magic.core.catalog import provenance_text

    assert provenance_text("") == "Of unknown origin."
    assert provenance_text("", evidence="a note") == "(a note)."


def test_a_lazy_catalog_answers_exactly_as_an_eager_one():
    # The bundled catalog builds each interface when first looked up (the simulated
    # splicer's start-up, issue 24): every answer must be the eager catalog's.
    from openapi_magic.core._provenance import bundled_provenance
    from openapi_magic.core.catalog import catalog_data

    data, prov = catalog_data(), bundled_provenance()
    lazy, eager = Catalog(data, prov, lazy=True), Catalog(data, prov)
    assert len(lazy._interfaces) == 0 and len(lazy) == len(eager) > 90
    assert "screen/readList" in lazy and "screen/nothing" not in lazy
    assert lazy.get("/screen/readDetail ") == eager.get("screen/readDetail")
    assert lazy.is_read("screen/writeBrightness") is eager.is_read("screen/writeBrightness")
    assert lazy.records_hint("screen/readList") == eager.records_hint("screen/readList")
    assert lazy.problems("layer/writeWindow", {"x": "a"}) == eager.problems(
        "layer/writeWindow", {"x": "a"}
    )
    assert len(lazy._interfaces) == 4  # only those looked up so far
    with pytest.raises(KeyError) as lazy_err:
        lazy.get("screen/readLsit")
    with pytest.raises(KeyError) as eager_err:
        eager.get("screen/readLsit")
    assert str(lazy_err.value) == str(eager_err.value)
    assert lazy.problems("screen/readLsit", {}) == eager.problems("screen/readLsit", {})
    assert lazy.complete("/screen/r") == eager.complete("/screen/r")
    assert lazy.suggest("Screen/ReadList") == eager.suggest("Screen/ReadList")
    assert lazy.modules() == eager.modules()
    assert lazy.interfaces("layer") == eager.interfaces("layer")
    assert list(lazy) == list(eager) == lazy.interfaces()
    # One Interface per path, however it was reached.
    assert lazy.get("screen/readList") is next(i for i in lazy if i.path == "screen/readList")


def test_a_lazy_catalog_refuses_a_malformed_interface_at_load_as_an_eager_one():
    from openapi_magic.errors import ConfigError

    for bad, error in (
        ({"interfaces": {"screen/readX": {}}}, 'has no "kind"'),
        ({"interfaces": {"nomodule": {"kind": "read"}}}, "is not module/action"),
        ({"interfaces": {"a/b": {"kind": "read", "source": "rumour"}}}, "source 'rumour'"),
    ):
        for lazy in (True, False):
            with pytest.raises((ValueError, ConfigError), match=error):
                Catalog(bad, lazy=lazy)
