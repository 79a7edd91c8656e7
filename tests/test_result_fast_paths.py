"""The Result's fast paths give what the plain ways give.

``records_frame`` reads same-shaped nested records column by column instead of
through ``pd.json_normalize``: the DataFrame must be identical.
"""

import collections

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openapi_magic.result import records_frame


def plain_frame(rows):
    """records_frame before its fast path, for lists of records."""
    if any(isinstance(v, dict) for r in rows for v in r.values()):
        return pd.json_normalize(rows, sep=".")
    return pd.DataFrame.from_records(rows)


def input_record(i):
    return {"inputId": i, "online": 1, "isUsed": 0, "iSignal": 1, "interfaceType": 7,
            "resolution": {"width": 1920, "height": 1080, "refreshRate": 59.94},
            "timing": {"width": 1920, "hTotal": 2080, "pixelClock": 148.5},
            "general": {"name": f"input {i}"}, "slotId": 255}


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
    "defaultdicts": [collections.defaultdict(int, a={"x": 1}, b=1),
                     collections.defaultdict(int, a={"x": 2}, c=2)],
}


@pytest.mark.parametrize("case", list(CASES))
def test_records_frame_matches_json_normalize(case):
    rows = CASES[case]
    before = repr(rows)
    pd.testing.assert_frame_equal(records_frame(rows), plain_frame(rows))
    assert repr(rows) == before  # the records are read, never changed


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=False), st.text(max_size=5))


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
            out[key] = draw({"int": st.integers(-5, 5), "float": st.floats(allow_nan=False),
                             "str": st.text(max_size=4), "none": st.none(),
                             "any": scalars}[kind])
    return out


@st.composite
def same_shape_rows(draw):
    shape = draw(shaped(2))
    return [fill(shape, draw) for _ in range(draw(st.integers(1, 6)))]


@settings(max_examples=200, deadline=None)
@given(same_shape_rows())
def test_records_frame_matches_json_normalize_on_random_shapes(rows):
    pd.testing.assert_frame_equal(records_frame(rows), plain_frame(rows))
