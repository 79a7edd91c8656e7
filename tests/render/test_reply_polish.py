"""Polish a crew notices in a reply (issue 25): tables lead with one name column, an
empty failure says "no data", and the "(tabulate: …)" hint is whole at 80 columns."""

from __future__ import annotations

import re

from IPython.utils.capture import capture_output

from openapi_magic import Client
from openapi_magic.server import serve


def shown(ip, code: str) -> tuple[str, str]:
    """A cell's text/plain and text/html outputs."""
    with capture_output():
        res = ip.run_cell(code)
    data, _ = ip.display_formatter.format(res.result)
    return data.get("text/plain", ""), data.get("text/html", "")


def test_inputs_do_not_lead_with_general_name_and_name_both(ip, splicer, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    ip.user_ns["splicer"] = splicer
    assert ip.run_cell("%openapi_connect splicer").success
    text, html = shown(ip, '%%openapi input/readList\n{"deviceId": 0}')
    header = next(line for line in text.splitlines() if line.startswith("name")).split()
    assert header[0] == "name" and "general.name" not in header[:3], header
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    assert heads[0] == "name" and "general.name" not in heads[:3], heads[:5]


def test_a_500_with_an_empty_body_says_no_data_like_an_18(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with serve(firmware="h5-capture", encrypt=False) as s:  # device/* answers 500, body {}
        r = Client.from_splicer(s, timeout=5).call("device/readDetail", {"deviceId": 0})
    assert r.status == 500 and r.body == {}
    html = r._repr_html_()
    assert "no data</i> (the splicer sent an empty body)" in html and "Reply body" not in html
    text = r.to_text()
    assert "(no data)" in text and "Reply body" not in text


def test_the_tabulate_hint_is_whole_at_80_columns(ip, splicer, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    ip.user_ns["splicer"] = splicer
    assert ip.run_cell("%openapi_connect splicer").success
    text, _ = shown(ip, '%%openapi device/readDetail\n{"deviceId": 0}')
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    for key, count in (("fanList", 4), ("powerList", 2), ("slotList", 8)):
        said = [key, f"{count} records (-t {key})"]
        assert any(line.split(None, 1) == said for line in lines), text
    assert "(-t KEY on the cell, or result.to_dataframe('KEY'), tabulates a record list)" in lines
    html = shown(ip, '%%openapi device/readDetail\n{"deviceId": 0}')[1]
    assert "result.to_dataframe(&#x27;fanList&#x27;) or %%openapi … -t fanList)" in html
