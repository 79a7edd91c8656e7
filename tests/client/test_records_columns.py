"""A large encrypted reply read straight to columns gives what decoding it to dicts gives.

``_fast.defer`` reads the records' columns from the decrypted bytes (no dict per record)
and leaves the body to be decoded when asked. Against the path it replaces, on the same
bytes: the same DataFrame (values, dtypes, column order, the UTC time columns), the same
body, the same errors; and where it cannot be sure, it declines and the old path runs.
"""

import base64
import json
import pickle

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openapi_magic import Client
from openapi_magic.client._result import Result, _columns_frame, _times_as_utc, records_frame
from openapi_magic.core import _des, _fast, protocol

KEY = "0123456789abcdef"

pytestmark = pytest.mark.skipif(
    _fast.backends()["json"] != "msgspec", reason="msgspec (the [fast] extra) not installed"
)


@pytest.fixture
def any_size(monkeypatch):
    """Small bodies take the columns path too (it starts at 1 MiB)."""
    monkeypatch.setattr(_fast, "_GC_PAUSE_CHARS", 0)


def input_record(i):
    return {
        "inputId": i,
        "online": 1,
        "resolution": {"width": 1920, "height": 1080, "refreshRate": 59.94},
        "timing": {"width": 1920, "hTotal": 2080, "pixelClock": 148.5},
        "general": {"name": f"input {i}"},
        "createTime": 1700000000 + i,
        "slotId": 255,
    }


ROWS = {
    "device list": [input_record(i) for i in range(50)],
    "deeper": [{"a": {"b": {"c": i, "d": [i]}, "e": None}, "f": "x"} for i in range(5)],
    "empty nested object": [{"a": 1, "b": {}} for _ in range(3)],
    "only empty objects": [{"b": {}} for _ in range(3)],
    "key order differs": [{"a": 1, "n": {"x": 1, "y": 2}}, {"n": {"y": 3, "x": 4}, "a": 5}],
    "object in some rows only": [{"a": {"x": 1}}, {"a": 2}],
    "scalar then object": [{"a": 2}, {"a": {"x": 1}}],
    "object then null": [{"a": {"x": 1}}, {"a": None}],
    "keys differ": [{"a": {"x": 1}}, {"a": {"y": 1}}],
    "missing key": [{"a": {"x": 1}, "b": 1}, {"a": {"x": 2}}],
    "extra key": [{"a": 1}, {"a": 2, "b": 3}],
    "dotted name collides": [{"a.b": 1, "a": {"b": 2}}],
    "empty key": [{"": {"x": 1, "": {"y": 2}}, "z": 0}],
    "names no Python name holds": [{"status ": 1, "a-b": {"1x": 2}, "class": 3}],
    "mixed numbers and None": [{"n": {"v": 1}, "w": None}, {"n": {"v": 2.5}, "w": 3}],
    "booleans and big ints": [{"n": {"v": True, "big": 2**70}}, {"n": {"v": False, "big": 1}}],
    "unicode": [{"n": {"名前": "入力 1"}, "é": "ü\u2028"}],
    "lists stay cells": [{"n": {"l": [1, {"a": 2}]}, "m": []}],
    "a time field kept as sent": [{"createTime": "yesterday"}, {"createTime": 5}],
    "records that are not objects": [1, 2, 3],
    "some records not objects": [{"a": 1}, 2],
    "no records": [],
}


def frames_equal(got, want):
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.dtypes) == list(want.dtypes)


@pytest.mark.usefixtures("any_size")
@pytest.mark.parametrize("case", list(ROWS))
def test_columns_are_the_frame_of_the_decoded_records(case):
    data = json.dumps({"deviceId": 0, "inputs": ROWS[case]}, ensure_ascii=False).encode()
    deferred = _fast.defer(data, "inputs")
    want = records_frame(json.loads(data)["inputs"])
    if deferred is None:  # declined: the old path runs, nothing to compare
        assert case in {
            "object in some rows only",
            "scalar then object",
            "object then null",
            "keys differ",
            "missing key",
            "extra key",
            "dotted name collides",
            "only empty objects",
            "records that are not objects",
            "some records not objects",
            "no records",
        }
        return
    assert deferred.rows == len(ROWS[case])
    frames_equal(_frame(deferred), want)
    assert deferred.value() == json.loads(data)


def _frame(deferred):
    """The frame the Result builds from a deferred body's columns."""
    return _times_as_utc(_columns_frame(deferred.columns))


_TEXTS = [
    b'{"inputs":[{"a":1,"a":2,"b":3},{"a":5,"b":6}]}',  # duplicate key: the last wins
    b'{"inputs":[{"b":1,"a":2,"b":3},{"b":5,"a":6}]}',
    b'{"inputs":[{"a":1}],"inputs":[{"a":2},{"a":3}]}',
    b'{"inputs":[{"a":{"x":1}},{"a":{"x":2,"x":3}}]}',
    b'{"inputs":[{"a":1e400}]}',
    b'{"inputs":[{"a":NaN}]}',
    b'{"inputs":[{"a":"\\ud800"}]}',
    b'{"inputs":[{"a":1' + b"0" * 5000 + b"}]}",
    b'{"inputs":[{"a":18446744073709551616,"b":-9223372036854775809}]}',
    b'{"inputs":[{"a":"\\u0000 \\/ \\u00e9"}]}',
    b'{"inputs":[{"a":1},]}',
    b'{"inputs":[{"a":1}]}x',
    b'{"inputs":[{"a":1}]',
    b'{"inputs":{"a":1}}',
    b'{"other":[{"a":1}]}',
    b'[{"a":1}]',
    b'{"inputs":[{"a":' + b"[" * 2000 + b"]" * 2000 + b"}]}",
    b'\xff{"inputs":[{"a":1}]}',
    # Outside the records too: what msgspec would refuse there declines the columns path.
    b'{"deviceId":1' + b"0" * 5000 + b',"inputs":[{"a":1}]}',
    b'{"inputs":[{"a":1}],"x":1e400}',
    b'{"inputs":[{"a":1}],"x":"\\ud800"}',
    b'{"inputs":[{"a":1}],"x":[1,]}',
    b'{"inputs":[{"a":1}],"x":[NaN]}',
    b'{"inputs":[{"a":1}],"x":' + b"[" * 2000 + b"]" * 2000 + b"}",
    b'{"inputs":[{"a":"\xc3"}]}',
]


def sealed(plain: bytes) -> str:
    n = 8 - len(plain) % 8
    return base64.b64encode(
        bytes(_des.ecb_encrypt(KEY.encode()[:8], plain + bytes((n,)) * n))
    ).decode()


def outcome(fn, *args):
    try:
        value = fn(*args)
    except BaseException as exc:  # noqa: BLE001
        return "error", type(exc), str(exc)
    if isinstance(value, _fast.Deferred):
        value = value.value()
    return "value", type(value), repr(value)


@pytest.mark.usefixtures("any_size")
@pytest.mark.parametrize("text", _TEXTS, ids=range(len(_TEXTS)))
def test_decrypting_for_columns_gives_the_same_body_and_errors(text):
    body = sealed(text)
    got = outcome(protocol._decrypt_body, body, KEY, "inputs")
    assert got == outcome(protocol.decrypt_body, body, KEY)
    deferred = protocol._decrypt_body(body, KEY, "inputs") if got[0] == "value" else None
    if isinstance(deferred, _fast.Deferred):  # taken: its frame is the dicts' frame
        frames_equal(_frame(deferred), records_frame(deferred.value()["inputs"]))


@pytest.mark.usefixtures("any_size")
@pytest.mark.parametrize(
    "text",
    [
        b'{"inputs":[{"a":' + b"[" * 150 + b"]" * 150 + b"}]}",
        b'{"inputs":[{"a":1}],"x":' + b'{"k":' * 150 + b"1" + b"}" * 150 + b"}",
        b'{"inputs":[' + b'{"k":' * 150 + b"1" + b"}" * 150 + b"]}",
    ],
    ids=["list in a record", "outside the records", "nested records"],
)
def test_deep_nesting_declines_the_columns_path(text):
    # Near the parsers' nesting limits json's verdict depends on the caller's stack:
    # the columns path keeps far from them, and the old path decides.
    assert _fast.defer(text, "inputs") is None
    body = sealed(text)
    assert outcome(protocol._decrypt_body, body, KEY, "inputs") == outcome(
        protocol.decrypt_body, body, KEY
    )


# ------------------------------------------------------------------------- end to end


def call(splicer, records=None):
    client = Client.from_splicer(splicer)
    try:
        return client.call("input/readList", {"deviceId": 0}, records=records)
    finally:
        client.close()


@pytest.fixture
def many_inputs(splicer, monkeypatch):
    """An encrypted splicer whose input list is over a mebibyte."""
    if not splicer.encrypt:
        pytest.skip("the columns path is the encrypted reply's")
    splicer.state.add_inputs(3000)
    return splicer


def old_path(monkeypatch):
    monkeypatch.setattr(_fast, "defer", lambda data, key: None)


@pytest.mark.slow
def test_a_large_reply_gives_the_same_result_both_ways(many_inputs, monkeypatch):
    new = call(many_inputs)
    assert isinstance(new.__dict__["_body"], _fast.Deferred)
    assert f"rows={len(new.df)}" in repr(new)
    assert isinstance(new.__dict__["_body"], _fast.Deferred)  # repr and df decode no body
    with monkeypatch.context() as m:
        old_path(m)
        old = call(many_inputs)
    assert not isinstance(old.__dict__["_body"], _fast.Deferred)
    frames_equal(new.df, old.df)
    assert new.body == old.body
    assert new.to_text().splitlines()[1:] == old.to_text().splitlines()[1:]
    frames_equal(new.to_dataframe("inputs"), old.to_dataframe("inputs"))


@pytest.mark.slow
def test_the_body_is_decoded_when_asked_and_kept(many_inputs):
    result = call(many_inputs)
    body = result.body
    assert isinstance(body, dict) and result.body is body
    assert result.df["inputId"].tolist() == [r["inputId"] for r in body["inputs"]]


@pytest.mark.slow
def test_a_deferred_result_pickles_and_copies_as_its_body(many_inputs):
    result = call(many_inputs)
    again = pickle.loads(pickle.dumps(result))
    assert again.body == result.body
    frames_equal(again.df, result.df)


@pytest.mark.slow
def test_records_asked_by_name_take_the_columns_path_too(many_inputs):
    result = call(many_inputs, records="inputs")
    assert isinstance(result.__dict__["_body"], _fast.Deferred)
    assert len(result.df) == len(result.body["inputs"])


def test_a_result_made_by_hand_keeps_its_body():
    result = Result(
        interface="input/readList",
        url="http://x/open/api/input/readList",
        status=0,
        msg="",
        body={"inputs": [{"a": 1}]},
        request_envelope={},
        response_envelope={},
        raw_text="{}",
        http_status=200,
        elapsed=0.1,
        encrypted=False,
        sign_verdict="absent",
    )
    assert result.body == {"inputs": [{"a": 1}]}
    result.body = {"inputs": [{"a": 2}]}
    assert result.df["a"].tolist() == [2]


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": st.integers(-(2**70), 2**70),
                "n": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
                "s": st.text(max_size=4),
                "o": st.fixed_dictionaries({"x": st.integers(), "y": st.booleans()}),
            }
        ),
        min_size=1,
        max_size=8,
    )
)
def test_columns_match_on_random_records(rows):
    saved = _fast._GC_PAUSE_CHARS
    _fast._GC_PAUSE_CHARS = 0
    try:
        data = json.dumps({"inputs": rows}, ensure_ascii=False).encode()
        deferred = _fast.defer(data, "inputs")
    finally:
        _fast._GC_PAUSE_CHARS = saved
    assert deferred is not None
    frames_equal(_frame(deferred), records_frame(json.loads(data)["inputs"]))
