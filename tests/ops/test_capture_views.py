"""Capture and diff views through the one renderer: nothing cut silently, splicer text
inert, 80 columns, and a text/plain and text/markdown form beside the HTML."""

from __future__ import annotations

import html
import re

import pytest

from openapi_magic.app._cell import _reason
from openapi_magic.client._guards import PendingWrite
from openapi_magic.core.capture_format import FORMAT, FORMAT_VERSION
from openapi_magic.ops._capture_diff import CaptureDiff, Change
from openapi_magic.ops._captures import Capture
from openapi_magic.render._tables import shorten

#: What a hostile or broken splicer may put in a name: markup, a clear-screen sequence,
#: a C1 CSI, a bidi override and a lone surrogate (valid JSON escapes).
HOSTILE = '<script>alert(1)</script>\x1b[2J\x9b31m\u202eevil\ud800"&'
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def call(interface: str, body: dict, reply, status: int = 0, msg: str = "Success") -> dict:
    return {"interface": interface, "body": body, "status": status, "msg": msg, "reply": reply}


def cap_of(calls: list[dict], **extra) -> Capture:
    data = {"format": FORMAT, "version": FORMAT_VERSION, "calls": calls, **extra}
    return Capture.from_dict(data)


def screens(n: int, name: str = "Screen", brightness: int = 80) -> list[dict]:
    return [
        call(
            "screen/readDetail",
            {"deviceId": 0, "screenId": i},
            {"screenId": i, "name": f"{name} {i}", "brightness": brightness},
        )
        for i in range(n)
    ]


def bundle(obj) -> dict:
    out = obj._repr_mimebundle_()
    assert set(out) == {"text/plain", "text/html", "text/markdown"}
    return out


def readable(out: dict) -> dict:
    """The bundle with its HTML unescaped (to look for a sentence in it)."""
    return {k: html.unescape(v) if k == "text/html" else v for k, v in out.items()}


def assert_inert(out: dict) -> None:
    for kind, text in out.items():
        if kind != "text/plain":  # HTML and Markdown (which renders inline HTML) escape it
            assert "<script>" not in text, kind
        assert CONTROL.search(text) is None, kind
    plain = out["text/plain"]
    assert "\u202e" not in plain  # a terminal line carries no bidi override
    assert "&lt;script&gt;" in out["text/html"]
    assert "\\x1b" in out["text/html"] and "\\ud800" in out["text/html"]


def assert_fits(text: str, width: int = 80) -> None:
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, long


# --------------------------------------------------------------------------- cutting


def test_a_capture_with_more_interfaces_than_shown_says_how_many_in_every_form():
    calls = [call(f"test/read{i:03d}", {"deviceId": 0}, {"value": i}) for i in range(73)]
    cap = cap_of(calls)
    out = bundle(cap)
    for kind, text in readable(out).items():
        assert "73 interfaces" in text and "23 more" in text, kind
        assert "cap.summary()" in text, kind
    assert "test/read049" in out["text/plain"] and "test/read050" not in out["text/plain"]
    assert len(cap.summary()) == 73  # the data stays whole


def test_an_interface_with_more_calls_and_records_than_shown_says_how_many():
    cap = cap_of(screens(27))
    detail = cap["screen/readDetail"]
    out = bundle(detail)
    for kind, text in readable(out).items():
        assert "of 27 calls" in text and "7 more" in text, kind
        assert "of 27 records" in text, kind
        assert "cap['screen/readDetail'].df" in text, kind
        assert "cap['screen/readDetail'].table()" in text, kind
    assert len(detail.df) == 27


def test_a_record_with_more_fields_than_shown_says_so():
    wide = {f"field{i:03d}": i for i in range(120)}
    cap = cap_of([call("device/readDetail", {"deviceId": 0}, wide)])
    text = cap["device/readDetail"].to_text(80)
    assert "of 120 columns" in text  # 50 in the view, then those past 80 columns named
    assert "more columns not shown at this width" in text
    assert "cap['device/readDetail'].df" in text
    html = cap["device/readDetail"]._repr_html_()
    assert "showing 50 of 120 columns; 70 more are not shown" in html


def test_skipped_interfaces_past_the_shown_ones_are_counted():
    skipped = {f"test/readDetail{i}": "no testId to follow" for i in range(14)}
    cap = cap_of(screens(1), skipped=skipped)
    for kind, text in readable(bundle(cap)).items():
        assert "of 14 interfaces not called" in text and "4 more" in text, kind
        assert "cap.skipped" in text, kind


def diff_of(n: int) -> CaptureDiff:
    return cap_of(screens(n, brightness=35)).diff(cap_of(screens(n, brightness=80)))


def test_a_diff_with_many_changes_says_how_many_were_left_out():
    diff = diff_of(64)
    assert len(diff.changes) == 64 and len(diff.df) == 64
    out = bundle(diff)
    for kind, text in readable(out).items():
        assert "showing 50 of 64 changes; 14 more are not shown" in text.replace("\n", " "), kind
        assert "diff.changes" in text, kind
    assert "screen 49 brightness 80 → 35" in out["text/plain"]
    assert "screen 50 brightness" not in out["text/plain"]
    assert "screen 63 brightness 80 → 35" in diff.summary()  # the whole text


def test_a_small_diff_cuts_nothing_and_says_no_cut():
    diff = diff_of(3)
    for kind, text in readable(bundle(diff)).items():
        assert "more are not shown" not in text, kind
    assert "3 changes" in diff._repr_html_()


def test_a_long_value_in_a_diff_says_where_the_whole_is():
    old = cap_of([call("device/readDetail", {"deviceId": 0}, {"note": "a"})])
    new = cap_of([call("device/readDetail", {"deviceId": 0}, {"note": "b" * 5000})])
    diff = new.diff(old)
    for kind, text in readable(bundle(diff)).items():
        assert "b" * 5000 not in text, kind
        assert "…" in text and "values whole" in text, kind
    assert diff.changes[0].new == "b" * 5000


def test_an_added_record_with_nested_records_reads_as_one_short_line():
    """A preset added since soundcheck: its layers (a list of nested records) read as
    ``[2 records]`` in the diff's cell, not a wall of JSON that wraps; the whole stays in
    the change."""
    layer = {"layerId": 0, "general": {"name": "Layer 1", "zorder": 0}, "window": {"x": 0}}
    preset = {"presetId": 2, "name": "Encore", "layers": [layer, {**layer, "layerId": 1}]}
    body = {"deviceId": 0, "screenId": 0, "presetId": 2}
    old = cap_of([call("preset/readDetail", {**body, "presetId": 1}, {"presetId": 1})])
    new = cap_of([*old.to_dict()["calls"], call("preset/readDetail", body, preset)])
    diff = new.diff(old)
    added = [c for c in diff.changes if c.change == "added"]
    assert added and added[0].new["layers"] == preset["layers"]  # the data, whole
    cell = '{"presetId": 2, "name": "Encore", "layers": [2 records]}'
    for kind, text in readable(bundle(diff)).items():
        if kind != "text/plain":
            assert cell in text, (kind, text[-800:])
        assert "general" not in text, kind


# --------------------------------------------------------------------------- safe text


def test_splicer_text_is_inert_in_capture_views():
    calls = screens(2, name=HOSTILE)
    calls.append(call("device/readDetail", {"deviceId": 0}, None, status=500, msg=HOSTILE))
    cap = cap_of(calls, firmware=HOSTILE, partial=True, partial_reason=HOSTILE)
    views = [bundle(cap), bundle(cap["screen/readDetail"]), bundle(cap["device/readDetail"])]
    for out in views:
        assert_inert(out)
    assert CONTROL.search(repr(cap["device/readDetail"][0])) is None
    assert "\u202e" not in repr(cap["device/readDetail"][0])
    assert CONTROL.search(cap.headline()) is None


def test_splicer_text_is_inert_in_diff_views():
    old = cap_of(screens(2))
    new = cap_of(screens(2, name=HOSTILE) + [call(HOSTILE, {"deviceId": 0}, {HOSTILE: 1})])
    diff = new.diff(old)
    assert_inert(bundle(diff))
    assert CONTROL.search(diff.summary()) is None
    for change in diff.changes:
        assert CONTROL.search(change.sentence()) is None


def test_a_change_keeps_its_values_as_sent():
    change = Change("screen/readDetail", "screen 0", "name", "a", HOSTILE, "changed")
    assert change.new == HOSTILE and CONTROL.search(change.sentence()) is None
    assert "\\x9b" in change.sentence() and "\\ud800" in change.sentence()


# --------------------------------------------------------------------------- width


@pytest.mark.parametrize("width", [80, 60])
def test_capture_and_diff_text_fit_the_width(width, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(width))
    wide = {f"someRatherLongFieldName{i}": "x" * 30 for i in range(12)}
    cap = cap_of(
        screens(25, name="A screen with a long name " * 3)
        + [call("device/readDetail", {"deviceId": 0}, wide)],
        root="http://splicer.example:8000/open/api",
        firmware="1.9.7.0.S1.T1",
        partial=True,
        partial_reason="stopped after max_seconds=1 s (26 calls made)",
        skipped={"preset/readDetail": "no presetId to follow: " + "long reason " * 10},
    )
    diff = cap_of(screens(60, brightness=1)).diff(cap_of(screens(60)))
    for text in (
        repr(cap),
        repr(cap["screen/readDetail"]),
        repr(cap["device/readDetail"]),
        repr(diff),
        cap.to_text(width),
    ):
        assert_fits(text, width)
        assert text.strip()


# --------------------------------------------------------------------------- elsewhere


def test_a_shortened_text_says_how_much_was_left_out_and_where():
    assert shorten("abc", 3) == "abc"
    assert shorten("abcdef", 3) == "abc… (3 more characters)"
    assert shorten("abcd", 3, "`x.body`") == "abc… (1 more character; all in `x.body`)"


def test_a_large_write_to_confirm_says_how_much_of_its_body_is_not_shown():
    pending = PendingWrite("screen/rename", {"name": "x" * 50_000}, ("hall-a",))
    for text in (pending.text(), pending._repr_html_()):
        assert "x" * 50_000 not in text
        assert re.search(r"… \([\d,]+ more characters\)", text), text[-200:]
    small = PendingWrite("screen/rename", {"name": "x"}, ("hall-a",))
    assert "more characters" not in small.text()


def test_a_long_reason_in_an_error_says_it_was_shortened():
    class Loud(Exception):
        def __str__(self) -> str:
            return "why " * 100

    reason = _reason(Loud())
    assert reason.startswith("why why") and "(200 more characters)" in reason
