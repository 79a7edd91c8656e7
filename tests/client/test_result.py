"""Result: records detection, DataFrames, and what a notebook shows (escaped)."""

import pandas as pd
import pytest

from openapi_magic.client._result import Result, find_records, records_frame


def make(body, status=0, msg="Success", sign="verified", encrypted=True, **kw):
    return Result(
        interface="screen/readList",
        url="http://x/open/api/screen/readList",
        status=status,
        msg=msg,
        body=body,
        request_envelope={"body": "abc=", "sign": "s", "pId": "demo", "timeStamp": "1"},
        response_envelope={"status": status, "msg": msg, "sign": "", "body": body},
        raw_text="{}",
        http_status=200,
        elapsed=0.0123,
        encrypted=encrypted,
        sign_verdict=sign,
        request_body={"deviceId": 0},
        **kw,
    )


def test_records_detection():
    assert find_records({"deviceId": 0, "screens": [{"a": 1}]}) == ([{"a": 1}], "screens")
    assert find_records([{"a": 1}]) == ([{"a": 1}], None)
    assert find_records({"name": "H5", "temp": 40}) == ({"name": "H5", "temp": 40}, None)
    assert find_records({"deviceId": 0, "screens": []}) == ([], "screens")
    assert find_records(None) == (None, None)
    body = {"a": [{"x": 1}], "b": [{"y": 2}, {"y": 3}]}
    assert find_records(body) == (body, None)  # ambiguous: the caller picks
    assert find_records(body, "b") == ([{"y": 2}, {"y": 3}], "b")
    assert find_records({"d": {"slots": [{"s": 1}]}}, "d.slots") == ([{"s": 1}], "d.slots")
    with pytest.raises(KeyError, match="top-level keys: a, b"):
        find_records(body, "c")


def test_nested_fields_flatten_with_dots():
    df = records_frame(
        [{"layerId": 1, "general": {"name": "L1", "zorder": 2}, "window": {"x": 0, "y": 0}}]
    )
    assert list(df.columns) == ["layerId", "general.name", "general.zorder", "window.x", "window.y"]


def test_dataframe_shapes():
    assert make({"screens": [{"screenId": i} for i in range(3)]}).df.shape == (3, 1)
    assert make({"name": "H5", "temp": 40}).df.shape == (1, 2)
    assert make(None).df.empty
    assert list(make([1, 2, 3]).df["value"]) == [1, 2, 3]
    r = make({"a": [{"x": 1}], "b": [{"y": 2}, {"y": 3}]}, records="b")
    assert list(r.df["y"]) == [2, 3] and list(r.to_dataframe("a")["x"]) == [1]


def test_display_limit_footer_and_full_data_kept():
    r = make({"inputs": [{"inputId": i} for i in range(64)]}, display_limit=10)
    html = r._repr_html_()
    assert "showing 10 of 64 rows" in html and len(r.df) == 64
    assert html.count("<tr") == 11  # header + 10 rows
    assert "(showing 10 of 64 rows" in r.to_text()


def test_everything_from_the_splicer_is_escaped():
    evil = "<img src=x onerror=alert(1)>"
    r = make({"screens": [{"name": evil}]}, status=0, msg=evil)
    html = r._repr_html_()
    assert evil not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    kv = make({"name": evil, "nested": {"x": evil}})._repr_html_()
    assert evil not in kv


def test_header_line_states_outcome_and_loud_mismatch():
    ok = make({"a": 1}, sign="absent")
    assert "sign absent" in ok._repr_html_() and "normal" in ok._repr_html_()
    bad = make({"a": 1}, sign="mismatch")
    assert "SIGN MISMATCH" in bad._repr_html_() and "SIGN MISMATCH" in bad.summary()
    fail = make(None, status=18, msg="incorrect signature", hint="check the secretKey")
    text = fail.to_text()
    assert text.startswith("✘ screen/readList  status 18") and "Hint: check the secretKey" in text
    assert "no data" in text and "no data" in fail._repr_html_()


def test_plain_mode_says_the_sign_does_not_cover_the_body():
    assert "not the body" in make({"a": 1}, encrypted=False)._repr_html_()
    assert "not the body" not in make({"a": 1}, encrypted=True)._repr_html_()


def test_big_raw_envelope_is_cut_in_display_only():
    r = make({"inputs": [{"inputId": i, "name": "x" * 50} for i in range(2000)]})
    html = r._repr_html_()
    assert "more characters" in html and len(html) < 100_000 and len(r.df) == 2000


def test_mimebundle_and_repr():
    r = make({"screens": [{"screenId": 0}]})
    bundle = r._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "text/markdown"}
    assert repr(r) == "<Result screen/readList ok status=0 rows=1 12.3 ms sign=verified>"
    assert isinstance(r.df, pd.DataFrame)


def test_catalog_hint_keeps_a_detail_as_one_record_but_user_choice_wins():
    body = {"screenId": 0, "brightness": 80, "interfaces": [{"id": 1}, {"id": 2}]}
    detail = make(body, records_hint="")
    assert detail.df.shape[0] == 1 and detail.df.loc[0, "brightness"] == 80
    assert "2 records" in detail.to_text()  # the list is offered, not lost
    assert list(make(body, records_hint="", records="interfaces").df["id"]) == [1, 2]
    assert list(make(body).df["id"]) == [1, 2]  # no catalog hint: detection
    listed = make(
        {"deviceId": 0, "screens": [{"a": 1}], "extra": [{"b": 2}]}, records_hint="screens"
    )
    assert list(listed.df.columns) == ["a"]
    assert make({"other": [{"x": 1}]}, records_hint="screens").df.shape == (1, 1)  # hint unfit


def test_create_time_means_one_thing_in_the_table_and_the_df():
    """``createTime`` arrives as epoch seconds in text; the table shows a UTC date, and
    ``result.df`` holds the same instant as a tz-aware UTC datetime (not floats)."""
    body = {
        "screens": [
            {"screenId": 0, "name": "Main", "createTime": "1757509392.7567859"},
            {"screenId": 1, "name": "Side", "createTime": 1757509400000},  # milliseconds
            {"screenId": 2, "name": "New"},  # none yet
        ]
    }
    r = make(body)
    col = r.df["createTime"]
    assert isinstance(col.dtype, pd.DatetimeTZDtype) and str(col.dt.tz) == "UTC"
    assert col[0] == pd.Timestamp("2025-09-10 13:03:12.756786", tz="UTC")
    assert col[1] == pd.Timestamp("2025-09-10 13:03:20", tz="UTC") and pd.isna(col[2])
    shown = str(r)
    assert "2025-09-10 13:03:12 UTC" in shown and "2025-09-10 13:03:20 UTC" in shown
    assert col[0].strftime("%Y-%m-%d %H:%M:%S UTC") in r._repr_html_()
    # a DataFrame of it shown by the one renderer reads the same date
    from openapi_magic.render._tables import frame_view

    view = frame_view(r.df)
    at = view.columns.index("createTime")
    assert [row[at] for row in view.cells] == [
        "2025-09-10 13:03:12 UTC",
        "2025-09-10 13:03:20 UTC",
        None,
    ]  # NaT: no value, not "NaT"
    # arithmetic works on it as on any time column: the screens' age order
    assert (col[1] - col[0]).total_seconds() == pytest.approx(7.243, abs=1e-3)


def test_a_time_column_that_is_not_all_times_is_kept_as_sent():
    df = records_frame([{"createTime": "1757509392.75"}, {"createTime": "yesterday"}])
    assert list(df["createTime"]) == ["1757509392.75", "yesterday"]
