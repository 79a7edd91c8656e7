"""The evidence registry: the field evidence as data, and the catalog's provenance computed from it.

Every reply and source of the field evidence is a registry entry (checked here by
the facts a user meets: the H5's bytes, the H9's failures, the msg tokens); the
catalog's "capture"/"vendor"/"client" claims are computed from the registry, its
field claims and status tokens each have an entry, and no entry's request is one
the catalog refuses.
"""

from __future__ import annotations

import json

import pytest

from openapi_magic.core import catalog as catalog_module
from openapi_magic.core._provenance import BUNDLED_ROOT, KINDS, OBTAINED
from openapi_magic.core._registry import (
    UNKNOWN_INTERFACE,
    bundled_registry,
    evidence_from_dict,
    load_registry,
)
from openapi_magic.core.catalog import load_catalog
from openapi_magic.errors import CaptureError

REGISTRY = bundled_registry()
CATALOG = load_catalog()


def _evidence(calls, **meta):
    return {
        "format": "openapi_magic.capture",
        "version": 1,
        "evidence": {"id": "mine", "kind": "device", "model": "H7", "firmware": "2.0.0", **meta},
        "calls": calls,
    }


def _call(interface, status=0, **extra):
    return {"interface": interface, "body": {"deviceId": 0}, "status": status, "msg": "", **extra}


# ------------------------------------------------------------------ the bundled registry


def test_every_file_names_its_source_and_how_it_was_obtained():
    assert len(REGISTRY.files) >= 6
    for f in REGISTRY.files:
        assert f.source.get("name"), f.id
        assert f.source.get("repository") or f.source.get("document"), f.id
        assert f.kind in KINDS and f.obtained in OBTAINED, f.id
        assert f.path.endswith(f"{f.id}.json"), (f.id, f.path)
    for e in REGISTRY:
        assert e.obtained in OBTAINED and e.says, e.id


def test_every_registry_file_is_also_a_capture():
    from openapi_magic.ops._captures import Capture

    for path in sorted(BUNDLED_ROOT.glob("*.json")):
        Capture.load(path)  # a registry file replays and diffs as any capture


def test_the_real_h5_replies_are_kept_byte_for_byte():
    ok = REGISTRY.entry("h5-broadcast-controller#readList-ok")
    assert ok.raw == (
        '{"body":{"deviceId":0,"screens":[{"screenId":0,"name":"Screen 1"}]},'
        '"msg":"","sign":"","status ":0}'
    )
    assert ok.obtained == "captured" and ok.model == "H5" and ok.key_spelling() == "status "
    # The raw bytes and the call agree: the reply, its key order, its msg and status.
    raw = json.loads(ok.raw)
    assert raw["body"] == ok.call.reply and list(raw["body"]["screens"][0]) == ["screenId", "name"]
    fail = REGISTRY.entry("h5-broadcast-controller#illegal-pid")
    assert fail.raw == '{"body":{},"msg":"Open_Id_Illegal_Err","sign":"","status ":15}'
    assert (fail.call.status, fail.call.msg, fail.valid_credentials) == (
        15,
        "Open_Id_Illegal_Err",
        False,
    )


def test_every_raw_reply_agrees_with_its_call():
    for e in REGISTRY:
        if e.raw:
            raw = json.loads(e.raw)
            status = next(v for k, v in raw.items() if k.strip() == "status")
            assert (status, raw["msg"], raw["body"]) == (e.call.status, e.call.msg, e.call.reply)


def test_the_h9_on_v1971_fails_as_the_notes_say():
    h9 = [e for e in REGISTRY if e.model == "H9" and e.firmware == "1.9.7.1" and e.from_device]
    failing = {e.interface for e in h9 if e.call.status == 500}
    assert failing == {
        "device/readDetail",
        "device/readIp",
        "screen/writeBrightness",
        "layer/writeStreamRule",
    }
    ok = {e.interface for e in h9 if e.call.status == 0}
    assert {"layer/writeSource", "ipc/IPCSourceCreate", "layer/create"} <= ok


def test_unknown_interfaces_answer_500_or_1_on_an_h9():
    unknown = [(e.call.status, e.call.msg) for e in REGISTRY.for_interface(UNKNOWN_INTERFACE)]
    assert (500, "Server_Err") in unknown and (1, "Params_Error") in unknown


def test_every_catalog_status_token_has_its_entry():
    msgs = {e.call.msg for e in REGISTRY}
    for status in CATALOG.statuses():
        if status.token:
            assert status.token in msgs, status


def test_every_source_of_the_field_evidence_is_a_file():
    repos = {f.source.get("repository") for f in REGISTRY.files}
    assert {
        "tedr91/HA-novastar-h",
        "daveleo/excontrol",
        "meros-co/integrations",
        "amlakhani/Broadcast-Controller-Claude",
    } <= repos
    documents = " ".join(f.source.get("document", "") for f in REGISTRY.files)
    assert "H9 notes" in documents and "Novastar-Monitor" in documents


# ------------------------------------------------------------------ provenance, computed


def test_catalog_json_types_no_interface_provenance():
    data = catalog_module.catalog_data()
    typed = [p for p, spec in data["interfaces"].items() if "source" in spec]
    assert typed == [], f"provenance is computed from the registry: add an entry instead {typed}"


def test_every_catalog_claim_names_its_registry_entries():
    for spec in CATALOG:
        if spec.source == "reconstruction":
            assert spec.entries == (), spec.path
            assert REGISTRY.for_interface(spec.path) == [], spec.path
            continue
        assert spec.entries, spec.path
        for entry_id in spec.entries:
            e = REGISTRY.entry(entry_id)
            assert e.interface == spec.path and e.grade == spec.source, (spec.path, entry_id)


def test_capture_confirmed_means_a_real_reply_is_quoted():
    confirmed = [s.path for s in CATALOG if s.source == "capture"]
    assert confirmed == ["screen/readList"]
    help_text = CATALOG.get("screen/readList").help()  # what %openapi_help shows
    assert "Confirmed by a capture" in help_text
    assert "Evidence registry: h5-broadcast-controller#readList-ok" in help_text
    assert CATALOG.get("device/readIp").source == "client"  # only 500s: not confirmed


def _has_field(body, dotted: str) -> bool:
    """The field at its dotted path, or its last name at any depth (the flat and the
    nested form of one field: ``sourceType`` and ``source.sourceType``)."""
    return _at(body, dotted) or _anywhere(body, dotted.rsplit(".", 1)[-1])


def _anywhere(body, name: str) -> bool:
    if isinstance(body, list):
        return any(_anywhere(item, name) for item in body)
    return isinstance(body, dict) and (
        name in body or any(_anywhere(v, name) for v in body.values())
    )


def _at(body, dotted: str) -> bool:
    head, _, rest = dotted.partition(".")
    if isinstance(body, list):
        return any(_at(item, dotted) for item in body)
    if not isinstance(body, dict) or head not in body:
        return False
    return not rest or _at(body[head], rest)


def _field_claims(fields, prefix=""):
    for f in fields:
        name = prefix + f.name
        if f.source and f.source != "reconstruction":
            yield name, f.source
        yield from _field_claims(f.fields, name + ".")
        if f.items is not None:
            yield from _field_claims(f.items.fields, name + ".")


def test_every_field_claim_has_an_entry_sending_that_field():
    # deviceId: Home Assistant's author (every body of theirs carries it).
    ha_sends_device_id = all(
        "deviceId" in e.call.body for e in REGISTRY if e.file == "ha-novastar-h"
    )
    assert ha_sends_device_id
    for spec in CATALOG:
        for name, source in _field_claims(spec.fields):
            if name == "deviceId":
                continue
            backing = [
                e
                for e in REGISTRY.for_interface(spec.path)
                if _has_field(e.call.body, name) and (source != "vendor" or e.kind == "vendor")
            ]
            assert backing, f"{spec.path} field {name} says {source!r} with no registry entry"


@pytest.mark.parametrize(
    "entry",
    [e for e in REGISTRY if e.interface != UNKNOWN_INTERFACE],
    ids=lambda e: e.id,
)
def test_no_registry_request_is_one_the_catalog_refuses(entry):
    if entry.call.body is None:
        pytest.skip("the source does not give the request's body")
    assert entry.interface in CATALOG, entry.id
    assert CATALOG.validate(entry.interface, entry.call.body) == [], entry.id


# ------------------------------------------------------------------ your own evidence


def test_an_added_file_changes_the_provenance_and_nothing_global(tmp_path):
    (tmp_path / "mine.json").write_text(
        json.dumps(_evidence([_call("output/readList"), _call("bkg/readAllList", 500)])),
        encoding="utf-8",
    )
    before = CATALOG.get("output/readList").source
    mine = load_registry(tmp_path)
    catalog = mine.catalog()
    assert before == "reconstruction"
    assert catalog.get("output/readList").source == "capture"
    assert catalog.get("output/readList").entries == ("mine#0",)
    assert catalog.get("bkg/readAllList").source == "client"  # a failure confirms nothing
    assert load_catalog().get("output/readList").source == "reconstruction"
    assert len(bundled_registry()) == len(REGISTRY)


def test_a_capture_without_evidence_is_refused_naming_the_way_in():
    data = _evidence([_call("screen/readList")])
    del data["evidence"]
    with pytest.raises(CaptureError, match="to_evidence"):
        evidence_from_dict(data, "mine.json")


@pytest.mark.parametrize(
    ("meta", "calls", "words"),
    [
        ({"kind": "rumour"}, [], "kind 'rumour'"),
        ({}, [_call("screen/readList", obtained="guessed")], "obtained 'guessed'"),
        ({}, [_call("screen/readList", id="a"), _call("screen/readList", id="a")], "twice"),
        ({"notes": "one"}, [], "notes"),
    ],
)
def test_a_malformed_evidence_file_names_what_is_wrong(meta, calls, words):
    with pytest.raises(CaptureError, match=words):
        evidence_from_dict(_evidence(calls, **meta), "mine.json")


def test_two_files_with_one_id_are_refused(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(_evidence([], id="excontrol")), encoding="utf-8")
    with pytest.raises(CaptureError, match="'excontrol'"):
        load_registry(tmp_path)


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(CaptureError, match="No evidence folder"):
        load_registry(tmp_path / "nowhere")


def test_a_mock_reply_gives_no_provenance():
    mock = evidence_from_dict(_evidence([_call("output/readList", obtained="mock")]), "m")
    assert REGISTRY.with_files([mock]).source_of("output/readList") == ("reconstruction", ())


def test_the_registry_ships_in_the_wheel():
    # setuptools ships only the data files pyproject's package-data lists (a wheel built
    # with this pyproject holds evidence/registry/*.json).
    from _paths import ROOT

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    line = next(ln for ln in pyproject.splitlines() if ln.startswith("openapi_magic = ["))
    assert '"evidence/registry/*.json"' in line
    assert sorted(BUNDLED_ROOT.glob("*.json")) and BUNDLED_ROOT.parts[-2:] == (
        "evidence",
        "registry",
    )
