"""Each firmware profile answers its registry entries' requests in the entries' shape.

A profile names the evidence registry entries its quirks come from
(``FirmwareProfile.entries``); each entry's request is replayed against a simulated
splicer running that profile (plain mode, as the real captures were), and the reply
must have the entry's status, status key spelling, msg token (where the source
quotes it) and body shape.
"""

from __future__ import annotations

import json

import pytest
import requests
from _server_fixtures import TIMEOUT, envelope_for

from openapi_magic.core._registry import UNKNOWN_INTERFACE, Entry, bundled_registry
from openapi_magic.core.catalog import load_catalog
from openapi_magic.server import FIRMWARE_PROFILES, serve

REGISTRY = bundled_registry()
CATALOG = load_catalog()
#: A path no firmware knows, for the entries about "any unknown interface".
NO_SUCH = "screen/readNothingAtAll"
CASES = [(name, e) for name, p in FIRMWARE_PROFILES.items() for e in p.entries]


def _shape(value):
    """A JSON value's shape: an object's keys with their values' shapes, a list's first item's."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _contains_shape(big, small) -> bool:
    if isinstance(small, dict):
        return isinstance(big, dict) and all(
            k in big and _contains_shape(big[k], v) for k, v in small.items()
        )
    if isinstance(small, list):
        return isinstance(big, list) and (
            not small or (bool(big) and _contains_shape(big[0], small[0]))
        )
    return small == big or {small, big} <= {"int", "float"}


def test_every_profile_but_teaching_names_its_evidence_and_every_name_exists():
    for name, profile in FIRMWARE_PROFILES.items():
        assert bool(profile.entries) == (name != "teaching"), name
        for entry_id in profile.entries:
            REGISTRY.entry(entry_id)  # KeyError names a missing one


@pytest.mark.parametrize(("profile", "entry"), CASES, ids=[f"{n}-{e}" for n, e in CASES])
def test_the_profile_answers_its_evidence_in_the_same_shape(profile, entry):
    e: Entry = REGISTRY.entry(entry)
    interface = NO_SUCH if e.interface == UNKNOWN_INTERFACE else e.interface
    with serve(encrypt=False, firmware=profile) as s:
        pid = None if e.valid_credentials else "nobody"
        body = e.call.body
        if body is None:  # the source gives no body: the catalog's example stands in
            body = CATALOG.get(interface).example_body()
        env = envelope_for(s, body, pid=pid)
        raw = requests.post(s.url(interface), json=env, timeout=TIMEOUT).content
    reply = json.loads(raw)
    key = e.key_spelling() or "status"
    assert key in reply, (key, list(reply))
    assert reply[key] == e.call.status, (reply[key], e.call.msg, reply.get("msg"))
    if e.call.msg or e.obtained in ("captured", "quoted"):
        assert reply["msg"] == e.call.msg
    if e.raw:  # the top-level keys in the captured order, byte for byte where the body is {}
        assert list(reply) == list(json.loads(e.raw))
        if json.loads(e.raw)["body"] == {}:
            assert raw == e.raw.encode()
    if e.call.reply is None:  # the source does not give the reply's body
        return
    if e.call.status != 0 or e.call.reply == {}:
        # A failure's body, or a write that answers nothing (no new id): {} as the source says.
        assert reply["body"] == {} or not any(
            k.endswith("Id") and k != "deviceId" for k in reply["body"]
        ), reply["body"]
    else:
        assert _contains_shape(_shape(reply["body"]), _shape(e.call.reply)), reply["body"]


@pytest.mark.parametrize("name", [n for n in FIRMWARE_PROFILES if n != "teaching"])
def test_every_quirk_of_a_profile_has_its_entry(name):
    # A profile's own quirks (what it sets unlike the default profile; the default's all)
    # each have an entry among those it names.
    profile, default = FIRMWARE_PROFILES[name], FIRMWARE_PROFILES["default"]
    own = name == "default"
    entries = [REGISTRY.entry(i) for i in profile.entries]
    fails = {e.interface for e in entries if e.call.status == 500}
    for quirk in profile.failing:  # "device/*": some entry of that module fails
        module = quirk[:-1] if quirk.endswith("/*") else None
        assert (module and any(i.startswith(module) for i in fails)) or quirk in fails, quirk
    answered_nothing = {e.interface for e in entries if e.call.status == 0 and not e.call.reply}
    for quirk in profile.ignored_writes | profile.create_without_id:
        assert quirk in answered_nothing, quirk
    if own or profile.unknown_interface_status != default.unknown_interface_status:
        unknown = {e.call.status for e in entries if e.interface == UNKNOWN_INTERFACE}
        assert profile.unknown_interface_status in unknown, unknown
    if own or profile.status_key != default.status_key:
        spelled = {e.key_spelling() for e in entries} - {""}
        assert spelled == {profile.status_key}, spelled
    if not own and profile.success_msg != default.success_msg:
        ok = [e for e in entries if e.call.status == 0 and e.obtained in ("captured", "quoted")]
        assert ok and all(e.call.msg == profile.success_msg for e in ok)
