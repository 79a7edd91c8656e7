"""The one renderer: one safe-text rule, one cutting rule (nothing cut silently), and the
same table drawn as HTML, terminal text and Markdown from one view."""

import re
import subprocess
import sys

import pytest

from openapi_magic.client._result import Result
from openapi_magic.render import _tables as render
from openapi_magic.render._tables import (
    Cut,
    View,
    cut_text,
    grid_html,
    grid_text,
    inert,
    markdown_grid,
    rows_view,
    safe_text,
)


def result_of(body, limit=10):
    return Result(
        interface="screen/readList",
        url="http://x/open/api",
        status=0,
        msg="",
        body=body,
        request_envelope={},
        response_envelope={},
        raw_text="",
        http_status=200,
        elapsed=0.01,
        encrypted=False,
        sign_verdict="absent",
        display_limit=limit,
    )


def every_view(view):
    """The view drawn the three ways: HTML (table and footer), 80-column text, Markdown."""
    return (
        grid_html(view) + render.cuts_html(view),
        "\n".join(grid_text(view, 80, "result.df")),
        "\n".join(markdown_grid(view)),
    )


def test_the_cutting_sentence_counts_and_says_where():
    assert cut_text(10, 10, "rows", "`r.df`") == ""
    assert cut_text(10, 64, "rows", "`r.df`") == (
        "showing 10 of 64 rows; 54 more are not shown: `r.df`"
    )
    assert cut_text(1, 2, "fields", "`w.fields(...)`").endswith(
        "1 more is not shown: `w.fields(...)`"
    )
    assert "at least 99,990 more" in cut_text(10, 100_000, "fields", "x", at_least=True)
    assert str(Cut("rows", 2, 3, "x")) == cut_text(2, 3, "rows", "x")


@pytest.mark.parametrize("n", [11, 64])
def test_a_row_cut_is_said_in_every_view(n):
    view = rows_view([{"name": f"s{i}", "id": i} for i in range(n)], limit=10)
    for shown in every_view(view):
        verb = "is" if n == 11 else "are"
        assert f"showing 10 of {n} rows; {n - 10} more {verb} not shown" in shown


def test_a_field_cut_counts_the_fields_left_out():
    record = {f"f{i}": i for i in range(render.DISPLAY_FIELDS + 28)}
    view = rows_view(record)
    assert [c.what for c in view.cuts] == ["fields"]
    for shown in every_view(view):
        assert f"showing {render.DISPLAY_FIELDS} of {render.DISPLAY_FIELDS + 28} fields" in shown
        assert "28 more are not shown" in shown


def test_a_column_cut_counts_the_columns_of_a_wide_row():
    wide = {f"c{i}": i for i in range(render.DISPLAY_COLUMNS + 7)}
    view = rows_view([wide, wide])
    (cut,) = view.cuts
    assert (cut.what, cut.shown, cut.total) == ("columns", render.DISPLAY_COLUMNS, len(wide))
    text = result_of([wide, wide]).to_text()
    assert "7 more are not shown: `result.df`" in text


def test_nothing_cut_says_nothing_but_the_row_count():
    view = rows_view([{"name": "a"}, {"name": "b"}])
    html, text, md = every_view(view)
    assert view.cuts == [] and "not shown" not in html + text + md
    assert "2 rows" in render.cuts_html(view)


def test_marked_cells_are_highlighted_in_html_and_starred_in_text_and_markdown():
    view = rows_view([{"name": "a", "brightness": 80}, {"name": "b<", "brightness": 90}])
    view.marks = {(1, 1)}
    html, text, md = every_view(view)
    assert re.search(r'<span style="[^"]*" title="changed since the last poll">90</span>', html)
    assert html.count("changed since the last poll") == 1 and "b&lt;" in html
    assert re.search(r"^b< +90\*$", text, re.M) and "| b&lt; | 90* |" in md


def test_inert_is_safe_text_plus_the_line_breakers_and_bidi_controls():
    hostile = "a\x1b[2Jb\x9bc\u202ed\te\nf\ud800"
    assert safe_text(hostile) == "a\\x1b[2Jb\\x9bc\u202ed\te\nf\\ud800"
    assert inert(hostile) == "a\\x1b[2Jb\\x9bc\\u202ed\\x09e\\x0af\\ud800"
    assert inert(safe_text(hostile)) == inert(hostile)  # one rule, a stricter variant


def test_the_result_module_still_exports_the_view_names():
    from openapi_magic.client import _result as result

    for name in ("safe_text", "grid_html", "frame_view", "header_html", "_STYLE", "_DIM"):
        assert getattr(result, name) is not None
    assert result.safe_text is render.safe_text and result._View is View


def test_the_renderer_imports_neither_ipython_nor_pandas():
    code = (
        "import sys, openapi_magic.render._tables as r; "
        "r.grid_text(r.rows_view([{'a': 1}]), 80, 'x'); "
        "print(sorted(m for m in ('IPython', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_cell_shows_nested_records_by_count_and_stays_bounded():
    """The one rule for an object in a table cell: short JSON, nested lists of records as
    ``[N records]``, deep parts as ``{…}``, never past the cell's characters, and only
    what it shows written out (a million fields, a list nested 100,000 deep)."""
    value = {"deviceId": 0, "layers": [{"general": {"name": "L"}}] * 3, "name": "Encore"}
    assert render.json_cell(value) == '{"deviceId": 0, "layers": [3 records], "name": "Encore"}'
    assert render.json_cell({"a": {"b": {"c": {"d": 1}}}}) == '{"a": {"b": {"c": {…}}}}'
    assert render.json_cell([1, "two", None]) == '[1, "two", null]'
    wide = render.json_cell({f"k{i}": i for i in range(1_000_000)})
    assert len(wide) == render._VALUE_CHARS and wide.endswith("…")
    deep: list = []
    inner = deep
    for _ in range(100_000):
        inner.append([])
        inner = inner[0]
    assert render.json_cell(deep) == "[[[[…]]]]"
