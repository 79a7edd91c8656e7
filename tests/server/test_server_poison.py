"""No write can poison the simulated splicer (issue 16): a value JSON can carry but a reply
cannot (a lone surrogate such as ``"\\ud800"``, a valid JSON escape; NaN; Infinity) is
refused with the vendor's shape (status 1 ``Params_Error``), wherever it is, and every
read still answers afterwards.

The sweep covers every write interface x every string field of the catalog (nested ones
too), and every non-string field given a lone surrogate (a wrong type whose error message
used to quote it, closing the connection with no reply).
"""

from __future__ import annotations

import json

import pytest
import requests
from _server_fixtures import TIMEOUT, now_ms, ok

from openapi_magic.core import protocol
from openapi_magic.core.catalog import load_catalog
from openapi_magic.server import serve

CATALOG = load_catalog()
SENTINEL = "@@POISON@@"
READS = [(spec.path, spec.example_body()) for spec in CATALOG if spec.kind == "read"]


def _paths(fields, body, prefix=()):
    """(path into the body, field) for every field the example body holds, nested too."""
    for f in fields:
        if not isinstance(body, dict) or f.name not in body:
            continue
        here = (*prefix, f.name)
        yield here, f
        value = body[f.name]
        if f.type == "object" and f.fields:
            yield from _paths(f.fields, value, here)
        if f.type == "array" and f.items is not None and isinstance(value, list) and value:
            if f.items.type == "object":
                yield from _paths(f.items.fields, value[0], (*here, 0))
            else:
                yield (*here, 0), f.items


def _put(body, path, value):
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _cases():
    strings, others = [], []
    for spec in CATALOG:
        if spec.kind != "write":
            continue
        example = spec.example_body()
        for path, f in _paths(spec.fields, example):
            (strings if f.type == "string" else others).append((spec.path, path))
        # a string field the example leaves out is poisoned too (optional names, texts)
        for f in spec.fields:
            if f.type == "string" and f.name not in example:
                strings.append((spec.path, (f.name,)))
    return strings, others


STRING_CASES, OTHER_CASES = _cases()


def _post_raw(splicer, interface, text):
    """POST a plain-mode envelope whose body is ``text`` (JSON with escapes kept as is)."""
    ts = now_ms()
    envelope = (
        '{"body":'
        + text
        + ',"sign":'
        + json.dumps(protocol.sign_plain(ts, splicer.pid))
        + ',"pId":'
        + json.dumps(splicer.pid)
        + ',"timeStamp":"'
        + ts
        + '"}'
    )
    resp = requests.post(
        splicer.url(interface),
        data=envelope.encode("utf-8"),
        timeout=TIMEOUT,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    return resp.json()


def _poisoned(interface, path, escape):
    body = CATALOG.get(interface).example_body()
    _put(body, path, SENTINEL)
    return json.dumps(body).replace(json.dumps(SENTINEL), escape)


@pytest.fixture(scope="module", params=["default", "teaching"])
def plain(request):
    """A plain-mode splicer; "teaching" quotes values in prose msgs, so it is swept too."""
    with serve(encrypt=False, firmware=request.param) as s:
        yield s


def _assert_reads_still_answer(splicer):
    for path, body in READS:
        reply = _post_raw(splicer, path, json.dumps(body))
        assert reply["status"] in (0, 1, 404), (path, reply)  # answered, not 500, not dropped
        json.dumps(reply, ensure_ascii=False).encode("utf-8")


def test_the_sweep_is_wide():
    assert len(STRING_CASES) >= 30 and len(OTHER_CASES) >= 150
    assert len({i for i, _ in STRING_CASES}) >= 20


@pytest.mark.parametrize(
    ("interface", "path"),
    STRING_CASES,
    ids=[f"{i}:{'.'.join(map(str, p))}" for i, p in STRING_CASES],
)
def test_a_lone_surrogate_in_a_string_field_is_refused_and_poisons_nothing(plain, interface, path):
    bad = plain.firmware.invalid_status
    reply = _post_raw(plain, interface, _poisoned(interface, path, '"\\ud800"'))
    assert (reply["status"] == bad and "surrogate" in reply["msg"]) or reply == {
        "body": {},
        "msg": "Params_Error",
        "sign": "",
        "status": 1,
    }, reply
    reply = _post_raw(plain, interface, _poisoned(interface, path, '"x\\udfffy"'))
    assert reply["status"] == bad


@pytest.mark.parametrize(
    ("interface", "path"), OTHER_CASES, ids=[f"{i}:{'.'.join(map(str, p))}" for i, p in OTHER_CASES]
)
def test_a_lone_surrogate_in_a_wrongly_typed_field_is_answered_not_dropped(plain, interface, path):
    reply = _post_raw(plain, interface, _poisoned(interface, path, '"\\ud800"'))
    assert reply["status"] == plain.firmware.invalid_status, reply


@pytest.mark.parametrize("escape", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("interface", "path"),
    [
        ("screen/writeGamma", ("gamma",)),
        ("screen/ftb", ("time",)),
        ("output/writeResolution", ("refreshRate",)),
        ("layer/writeWindow", ("x",)),
    ],
)
def test_nan_and_infinity_are_refused(plain, interface, path, escape):
    reply = _post_raw(plain, interface, _poisoned(interface, path, escape))
    assert reply["status"] == plain.firmware.invalid_status, reply


def test_a_surrogate_key_is_refused_too(plain):
    body = (
        '{"deviceId": 0, "outputId": 16, "timing": {"width": 1920, "height": 1080, '
        '"refreshRate": 60, "\\ud800": 1}}'
    )
    assert _post_raw(plain, "output/writeTiming", body)["status"] == plain.firmware.invalid_status


def test_after_the_whole_sweep_every_read_still_answers():
    with serve(encrypt=False) as s:
        for interface, path in STRING_CASES + OTHER_CASES:
            _post_raw(s, interface, _poisoned(interface, path, '"\\ud800"'))
        for interface, path in STRING_CASES[:10]:
            _post_raw(s, interface, _poisoned(interface, path, "NaN"))
        _assert_reads_still_answer(s)
        assert ok(s, "screen/readList", {"deviceId": 0})["screens"]
