"""Issue 18, phase 2: the optimisations keep behaviour (never timing)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from openapi_magic import result


# ---------------------------------------------------------------- first cell: no pandas


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_load_ext_does_not_import_pandas():
    out = _run("""
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "openapi_magic")
        import openapi_magic.fleet, openapi_magic.captures, openapi_magic.watch
        import openapi_magic.capture_diff, openapi_magic.client
        print("pandas" in sys.modules)
    """)
    assert out == "False"


def test_a_dataframe_still_imports_pandas_when_built():
    out = _run("""
        import sys
        from openapi_magic.result import records_frame
        before = "pandas" in sys.modules
        frame = records_frame([{"a": 1}])
        print(before, "pandas" in sys.modules, type(frame).__module__.split(".")[0])
    """)
    assert out == "False True pandas"


# ---------------------------------------------------------------- records_frame by columns

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                     st.floats(allow_nan=False), st.text(max_size=3),
                     st.lists(st.integers(), max_size=2))


def _reference(rows):
    """What records_frame built before it went column by column."""
    if any(isinstance(v, dict) for r in rows for v in r.values()):
        return pd.json_normalize(rows, sep=".")
    return pd.DataFrame.from_records(rows)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("abcd"), min_size=1, max_size=3, unique=True),
       st.integers(1, 6), st.booleans(), st.data())
def test_records_frame_matches_pandas_own_constructors(keys, n, nested, data):
    rows = []
    for _ in range(n):
        order = data.draw(st.permutations(keys))
        row = {k: data.draw(_scalars) for k in order}
        if nested:
            row["g"] = {"x": data.draw(_scalars), "y": {"z": data.draw(_scalars)}}
        rows.append(row)
    assert_frame_equal(result.records_frame(rows), _reference(rows), check_exact=True)


@pytest.mark.parametrize("rows", [
    [{"a": 1, "b": {"c": 2}}, {"a": 2, "b": 3}],          # an object in one row only
    [{"a": 1}, {"b": 2}],                                   # different keys
    [{"a": {}}, {"a": {}}],                                 # empty objects
    [{"a": 1, "b": None}, {"a": None, "b": "x"}],
])
def test_records_frame_irregular_rows_as_before(rows):
    assert_frame_equal(result.records_frame(rows), _reference(rows), check_exact=True)
