"""The ``%%openapi`` cell grammar (openapi_magic.app._cell), both ways: what ``cell_text``
writes, ``parse_cell`` reads back as the same call; hand-written cells are stable
through parse → write → parse; bad input gets one CellError naming the cause (the
magic shows it as a UsageError)."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError

from openapi_magic.app import _cell as cell
from openapi_magic.app._cell import CellError
from openapi_magic.core.catalog import normalize_path
from openapi_magic.errors import ConfigError
from openapi_magic.frontends._magics import OpenAPIMagics

SETTINGS = settings(deadline=None, max_examples=300)
DEFAULTS = {
    o.dest: o.settings.get("default", False if o.settings.get("action") == "store_true" else None)
    for o in cell.OPTIONS[1:]
}

# --------------------------------------------------------------------------- strategies

_name = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=12).filter(
    lambda s: not s[0].isdigit()
)
interfaces = st.builds(
    lambda slash, m, a, pad: f"{slash}{m}/{a}{pad}",
    st.sampled_from(["", "/"]),
    _name,
    _name,
    st.sampled_from(["", " ", "/"]),
)
# Any text a value could hold on one line: quotes, $, backslashes, spaces, unicode, a leading -.
line_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
    min_size=1,
    max_size=20,
)
tricky = st.lists(
    st.sampled_from(list("$\"'\\ {}[]:,ü€😀\t-") + ["$$", "$x", "\\u0041"]), max_size=10
).map("".join)
json_text = st.one_of(tricky, st.text(max_size=12))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    json_text,
)
bodies = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(json_text, inner, max_size=4)
    ),
    max_leaves=20,
)
finite = st.floats(allow_nan=False, allow_infinity=False)
options = st.fixed_dictionaries(
    {},
    optional={
        "profile": line_text,
        "encrypt": st.sampled_from([None, True, False]),
        "timeout": st.one_of(st.none(), finite),
        "limit": st.one_of(st.none(), st.integers(-5, 10**6)),
        "out": _name,
        "table": st.one_of(_name, st.builds(lambda a, b: f"{a}.{b}", _name, _name)),
        "each": st.builds(lambda a, b: f"{a}={b}", _name, _name),
        "on": _name,
        "workers": st.integers(-2, 64),
        "dry_run": st.booleans(),
        "force": st.booleans(),
        "keep_going": st.booleans(),
    },
)


def _options(call: cell.CellCall) -> dict:
    return {k: v for k, v in vars(call.options).items() if k != "interface"}


# --------------------------------------------------------------------------- round trips


@pytest.mark.slow
@SETTINGS
@given(interface=interfaces, body=bodies, opts=options)
def test_what_is_written_reads_back_as_the_same_call(interface, body, opts):
    text = cell.cell_text(interface, body, **opts)
    call = cell.parse_cell(text)
    assert call.interface == normalize_path(interface)
    assert call.first_line == 2
    assert call.body({}) == ({} if body is None else body)
    assert _options(call) == {**DEFAULTS, **opts}


@pytest.mark.slow
@SETTINGS
@given(body=bodies)
def test_a_dollar_in_the_body_is_never_read_as_a_variable(body):
    # An empty namespace: any $name left unescaped would raise "not defined".
    text = cell.cell_text("screen/rename", body)
    assert cell.parse_cell(text).body({}) == ({} if body is None else body)


@pytest.mark.slow
@SETTINGS
@given(interface=interfaces, opts=options)
def test_the_magic_reads_the_written_line_as_ipython_hands_it(interface, opts):
    line = cell.magic_line(interface, **opts)
    assert line.startswith("%%openapi ")
    call = cell.parse(line.removeprefix("%%openapi"), "{}")
    assert _options(call) == {**DEFAULTS, **opts}


HAND_WRITTEN = [
    '%%openapi screen/readList\n{"deviceId": 0}',
    '%%openapi /screen/readList/ -p hall-a --plain -t screens\n{"deviceId": 0}',
    (
        "%%openapi screen/rename -p 'hall a' --encrypt --timeout 2.5 -o r\n"
        '{"screenId": 0, "name": "Cost $$5"}'
    ),
    '%%openapi screen/rename -p "it\'s" --limit 3 -f -k\n{\n  "name": "\\"$$HOME\\""\n}',
    '%%openapi input/readDetail --each inputId=ids --workers 2\n{"inputId": 1}',
    "%%openapi main/initStatus --on walls -n\n",
    "%%openapi main/initStatus --timeout=-1 --limit=-2\n[]",
    '%openapi screen/readDetail -p \'a{b\' {"deviceId": 0, "screenId": [1, 2]}',
    "%openapi main/initStatus",
]


@pytest.mark.parametrize("text", HAND_WRITTEN)
def test_hand_written_cells_are_stable_through_write(text):
    first = cell.parse_cell(text)
    opts = {k: v for k, v in _options(first).items() if v != DEFAULTS[k]}
    written = cell.cell_text(first.interface, first.body({}), **opts)
    again = cell.parse_cell(written)
    assert again.interface == first.interface
    assert again.body({}) == first.body({})
    assert _options(again) == _options(first)
    assert cell.cell_text(again.interface, again.body({}), **opts) == written  # a fixed point


def test_the_form_s_cell_text_is_the_grammar_s():
    from openapi_magic.frontends import _form as widgets

    assert widgets.cell_text is cell.cell_text


def test_quoted_options_lose_their_quotes():
    # IPython's own splitting keeps quotes ("'hall a'"): the grammar reads shell rules,
    # the rules cell_text quotes by.
    call = cell.parse("screen/readList -p 'hall a' -t \"screens\"")
    assert call.options.profile == "hall a" and call.options.table == "screens"


# --------------------------------------------------------------------------- the table


def test_the_magic_has_the_grammar_s_option_table():
    magic = OpenAPIMagics.openapi.parser
    dests = {a.dest for a in magic._actions}
    assert dests == {o.dest for o in cell.OPTIONS}
    assert vars(magic.parse_args([])) == {"interface": None, **DEFAULTS}
    for option in cell.OPTIONS[1:]:
        for flag in option.flags:
            assert flag in OpenAPIMagics.openapi.__doc__  # %openapi? lists it


def test_parse_gives_the_attribute_names_the_magic_uses():
    call = cell.parse(
        "x/y -o r -p p -n --plain -t k --timeout 1 --limit 2 -f --each a=b --on w --workers 3 -k"
    )
    o = call.options
    assert (
        o.interface,
        o.out,
        o.profile,
        o.dry_run,
        o.encrypt,
        o.table,
        o.timeout,
        o.limit,
        o.force,
        o.each,
        o.on,
        o.workers,
        o.keep_going,
    ) == ("x/y", "r", "p", True, False, "k", 1.0, 2, True, "a=b", "w", 3, True)


# --------------------------------------------------------------------------- errors


def test_an_unclosed_quote_names_the_options():
    with pytest.raises(
        CellError,
        match=r"Cannot read the options \"x/y -p 'hall\": "
        r"No closing quotation",
    ):
        cell.parse("x/y -p 'hall", "{}")


def test_an_unknown_option_is_a_usage_error():
    with pytest.raises(CellError, match="unrecognized arguments: --nope"):
        cell.parse("x/y --nope", "{}")
    with pytest.raises(CellError, match="invalid float value"):
        cell.parse("x/y --timeout soon", "{}")


def test_a_body_without_an_interface():
    with pytest.raises(CellError, match="Name the interface first"):
        cell.parse("", '{"a": 1}')
    assert cell.parse("", "  \n").interface is None  # nothing at all: the magic says usage


def test_json_errors_give_the_cell_line_and_column():
    call = cell.parse("x/y", '{\n  "a": 1,\n  "b": }')
    with pytest.raises(CellError) as info:
        call.body({})
    assert "at cell line 4, column 8" in str(info.value)
    assert (info.value.line, info.value.column) == (4, 8)
    assert isinstance(info.value, ConfigError)
    assert str(info.value).splitlines()[-1] == "           ^"
    line = cell.parse('x/y {"a": nope}')
    with pytest.raises(CellError, match="at cell line 1, column 7"):
        line.body({})


def test_substitution_errors_name_the_variable():
    call = cell.parse("x/y", '{"a": $nope}')
    with pytest.raises(CellError, match=r"\$nope is not defined in the notebook"):
        call.body({})
    assert call.body({}, nope=[1, "$x"]) == {"a": [1, "$x"]}
    with pytest.raises(CellError, match=r"\$o is object .* which has no JSON form"):
        cell.parse("x/y", '{"a": $o}').body({"o": object()})
    with pytest.raises(CellError, match=r"\$d\.e: d has no 'e'"):
        cell.parse("x/y", '{"a": $d.e}').body({"d": 5})


def test_writing_refuses_what_cannot_be_read_back():
    with pytest.raises(TypeError, match="no option colour"):
        cell.cell_text("x/y", {}, colour="red")
    with pytest.raises(ValueError, match="on one line"):
        cell.cell_text("x/y", {}, profile="two\nlines")
    for bad in ("", "/", "-x/y", "a b/c"):
        with pytest.raises(ValueError, match="not an interface"):
            cell.magic_line(bad)


def test_parse_cell_wants_the_magic():
    with pytest.raises(CellError, match="starts with %%openapi"):
        cell.parse_cell("%%openapis x/y\n{}")
    with pytest.raises(CellError, match="starts with %%openapi"):
        cell.parse_cell('print("hi")')


def test_the_written_body_is_indented_json():
    text = cell.cell_text("x/y", {"a": [1, "é"]})
    assert text == "%%openapi x/y\n" + json.dumps({"a": [1, "é"]}, indent=2, ensure_ascii=False)


def test_the_grammar_and_curl_import_no_front_end():
    import subprocess
    import sys

    code = (
        "import sys, openapi_magic.core._curl\n"
        "assert not any(m.startswith('IPython') for m in sys.modules), 'curl: IPython'\n"
        "import openapi_magic.app._cell, openapi_magic.core.settings\n"
        "bad = {'openapi_magic.frontends._magics', 'openapi_magic.frontends._form', 'ipywidgets'} & set("
        "sys.modules)\n"
        "assert not bad, bad\n"
        "assert not any(m.startswith('IPython') for m in sys.modules), 'cell: IPython'\n"
        "openapi_magic.app._cell.parse('x/y --timeout 2', '{}')\n"
        "assert not any(m.startswith('IPython') for m in sys.modules), 'parse: IPython'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_the_magic_shows_a_cell_error_as_a_usage_error(ip):
    for bad in ("%openapi x/y --nope", '%openapi x/y {"a": $nope}', "%openapi_watch x/y {]"):
        with pytest.raises(UsageError):
            ip.run_line_magic(bad.split()[0][1:], bad.partition(" ")[2])


def test_each_cell_s_options_are_its_own_though_the_reader_is_shared():
    """Cells share one option reader (issue 24: building it cost more than the call);
    what one cell read never leaks into the next, nor does an error."""
    first = cell.parse("screen/readList --dry-run -t 3 --profile night", "{}")
    with pytest.raises(CellError):
        cell.parse("screen/readList --no-such-option", "{}")
    second = cell.parse("screen/readList", "{}")
    fresh = cell.parser().parse_args(["screen/readList"])
    assert vars(second.options) == vars(fresh)
    assert first.options.dry_run and not second.options.dry_run
    assert first.options is not second.options
    assert cell._reader() is cell._reader()  # built once, not per cell
