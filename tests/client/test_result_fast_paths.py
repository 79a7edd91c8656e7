"""The Result's fast paths give what the plain ways give.

``records_frame`` reads same-shaped nested records column by column instead of
through ``pd.json_normalize``: the DataFrame must be identical. The view of a
large reply (over a million characters) writes only the shown start of its
indented text: that start must be identical, and the note names the size as
received; smaller replies are shown exactly as before.
"""

import collections
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openapi_magic.client import _result as result_module
from openapi_magic.client._result import Result, records_frame


def plain_frame(rows):
    """records_frame before its fast path, for lists of records."""
    if any(isinstance(v, dict) for r in rows for v in r.values()):
        return pd.json_normalize(rows, sep=".")
    return pd.DataFrame.from_records(rows)


def input_record(i):
    return {
        "inputId": i,
        "online": 1,
        "isUsed": 0,
        "iSignal": 1,
        "interfaceType": 7,
        "resolution": {"width": 1920, "height": 1080, "refreshRate": 59.94},
        "timing": {"width": 1920, "hTotal": 2080, "pixelClock": 148.5},
        "general": {"name": f"input {i}"},
        "slotId": 255,
    }


CASES = {
    "device list": [input_record(i) for i in range(50)],
    "deeper": [{"a": {"b": {"c": i, "d": [i]}, "e": None}, "f": "x"} for i in range(5)],
    "empty nested object": [{"a": 1, "b": {}} for _ in range(3)],
    "only empty objects": [{"b": {}} for _ in range(3)],
    "key order differs": [{"a": 1, "n": {"x": 1, "y": 2}}, {"n": {"y": 3, "x": 4}, "a": 5}],
    "object in some rows only": [{"a": {"x": 1}}, {"a": 2}],
    "keys differ": [{"a": {"x": 1}}, {"a": {"y": 1}}],
    "missing key": [{"a": {"x": 1}, "b": 1}, {"a": {"x": 2}}],
    "dotted name collides": [{"a.b": 1, "a": {"b": 2}}],
    "empty key": [{"": {"x": 1, "": {"y": 2}}, "z": 0}],
    "mixed numbers and None": [{"n": {"v": 1}, "w": None}, {"n": {"v": 2.5}, "w": 3}],
    "booleans and big ints": [{"n": {"v": True, "big": 2**70}}, {"n": {"v": False, "big": 1}}],
    "unicode": [{"n": {"名前": "入力 1"}, "é": "ü"}],
    "lists stay cells": [{"n": {"l": [1, {"a": 2}]}, "m": []}],
    "one row": [input_record(0)],
    "same length, other keys": [{"a": {"x": 1}, "b": 1}, {"a": {"x": 2}, "c": 1}],
    "dict subclasses": [collections.OrderedDict(a={"x": 1}), {"a": {"x": 2}}],
    "defaultdicts": [
        collections.defaultdict(int, a={"x": 1}, b=1),
        collections.defaultdict(int, a={"x": 2}, c=2),
    ],
}


@pytest.mark.parametrize("case", list(CASES))
def test_records_frame_matches_json_normalize(case):
    rows = CASES[case]
    before = repr(rows)
    pd.testing.assert_frame_equal(records_frame(rows), plain_frame(rows))
    assert repr(rows) == before  # the records are read, never changed


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.text(max_size=5),
)


def shaped(depth):
    leaf = st.sampled_from(["int", "float", "str", "none", "any"])
    if depth == 0:
        return st.dictionaries(st.text(max_size=3), leaf, max_size=4)
    return st.dictionaries(st.text(max_size=3), st.one_of(leaf, shaped(depth - 1)), max_size=4)


def fill(shape, draw):
    out = {}
    for key, kind in shape.items():
        if isinstance(kind, dict):
            out[key] = fill(kind, draw)
        else:
            out[key] = draw(
                {
                    "int": st.integers(-5, 5),
                    "float": st.floats(allow_nan=False),
                    "str": st.text(max_size=4),
                    "none": st.none(),
                    "any": scalars,
                }[kind]
            )
    return out


@st.composite
def same_shape_rows(draw):
    shape = draw(shaped(2))
    return [fill(shape, draw) for _ in range(draw(st.integers(1, 6)))]


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(same_shape_rows())
def test_records_frame_matches_json_normalize_on_random_shapes(rows):
    pd.testing.assert_frame_equal(records_frame(rows), plain_frame(rows))


# ---------------------------------------------------------------------- raw envelope view


def reply(envelope, raw_text=None):
    raw = json.dumps(envelope, ensure_ascii=False) if raw_text is None else raw_text
    return Result(
        interface="input/readList",
        url="http://x/open/api/input/readList",
        status=0,
        msg="",
        body=envelope.get("body"),
        request_envelope={"body": {}},
        response_envelope=envelope,
        raw_text=raw,
        http_status=200,
        elapsed=0.1,
        encrypted=False,
        sign_verdict="verified",
    )


def plain_view(result):
    """The reply's view before the fast path: all of it pretty-printed, then cut."""
    return result_module._cut(result_module._pretty(result.response_envelope))


@pytest.mark.parametrize(
    "envelope",
    [
        {"status": 0, "body": {"inputs": [input_record(i) for i in range(2000)]}},  # < 1 MB
        {
            "status": 0,
            "msg": "",
            "sign": "x",
            "body": {"inputs": [input_record(i) for i in range(8000)]},
        },
        {"status": 0, "body": [{"名前": "入力<&>", "v": 1.5e-7, "k": None}] * 40_000},
    ],
)
def test_reply_view_of_every_size_shows_the_same_start(envelope):
    # issue 18 section 3: no size threshold; the head of the same encoding for every size
    r = reply(envelope)
    fast, plain = result_module._reply_view(r), plain_view(r)
    head = plain.split("\n… (")[0]
    assert fast.startswith(head + "\n… (more characters cut here; the reply as received is ")
    assert f"{len(r.raw_text):,} characters" in fast


def test_reply_view_shortens_ciphertext_and_keeps_it_in_the_result():
    cipher = "QUJD" * 300_000
    r = reply({"status": 0, "msg": "", "sign": "x", "body": cipher})
    r.encrypted = True
    shown = result_module._reply_view(r)
    assert cipher[:64] in shown and cipher[:200] not in shown
    assert f"{len(cipher):,} characters of ciphertext; all in result.raw_text" in shown
    assert len(shown) < 1_000 and cipher in r.raw_text


def test_large_reply_whose_envelope_is_small():
    r = reply({"status": 0, "body": ""}, raw_text=" " * 2_000_000 + '{"status":0,"body":""}')
    assert result_module._reply_view(r) == plain_view(r)  # it all fits: no note


def test_reply_view_without_an_envelope_is_the_raw_text():
    r = reply({"status": 0}, raw_text="<html>" + "x" * 30_000)
    r.response_envelope = None
    assert result_module._reply_view(r) == result_module._cut(r.raw_text)
