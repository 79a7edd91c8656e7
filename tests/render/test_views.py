"""What a person sees (issue 17): each measured fault of the view, as a test.

The Result's HTML, text and Markdown forms, the fleet's, and the magic's messages
(vendor failure, Ctrl-C, the form in a terminal, connecting without a secret). The
page itself (clipping, contrast, both themes) is checked in a real browser by
``frontends/test_form_browser.py``; these tests read the markup and the text.
"""

import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pandas as pd
import pytest
from _paths import ROOT
from IPython.utils.capture import capture_output
from standin import Reply, StandIn

from openapi_magic import Client
from openapi_magic.client import _result as result_module
from openapi_magic.client._result import Result, _view, render_html
from openapi_magic.core import protocol
from openapi_magic.frontends import _magics as magics_module
from openapi_magic.frontends._magics import LAST_ERROR
from openapi_magic.server import serve

KEY = "View-Test-Secret-Key-17"


def make(body, status=0, msg="Success", encrypted=True, interface="input/readList", **kw):
    return Result(
        interface=interface,
        url="http://x/open/api/" + interface,
        status=status,
        msg=msg,
        body=body,
        request_envelope={"body": "Q" * 400, "sign": "s", "pId": "demo", "timeStamp": "1"},
        response_envelope={"status": status, "msg": msg, "sign": "", "body": "Z" * 4000},
        raw_text="{}",
        http_status=200,
        elapsed=0.0123,
        encrypted=encrypted,
        sign_verdict="absent",
        request_body={"deviceId": 0},
        **kw,
    )


def wide_inputs(n=3):
    return {
        "deviceId": 0,
        "inputs": [
            {
                "inputId": i,
                "interfaceType": 2,
                "iSignal": 1,
                **{f"field{k}": k * 1000 for k in range(16)},
                "general": {"name": f"HDMI {i}", "isUsed": 0},
            }
            for i in range(n)
        ],
    }


class Cells(HTMLParser):
    """The table cells of some markup with their inline styles."""

    def __init__(self, markup):
        super().__init__()
        self.cells, self.tags = [], []
        self._cell = None
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("td", "th"):
            self._cell = [tag, dict(attrs).get("style", ""), ""]
            self.cells.append(self._cell)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data


# ---------------------------------------------------------------------- JupyterLab view


def test_key_value_values_are_left_aligned_and_keys_bold_without_a_style_element():
    body = {"name": "Main screen", "width": 3840, **{f"k{i}": i for i in range(40)}}
    markup = render_html(make(body, interface="screen/readDetail"))
    assert "<style" not in markup  # an untrusted notebook strips it: inline styles only
    cells = Cells(markup).cells
    values = [c for c in cells if c[0] == "td"]
    keys = [c for c in cells if c[0] == "th"]
    assert ("td", values[0][1], "Main screen") == tuple(values[0])
    assert all("text-align:left" in c[1] for c in values)
    assert all("font-weight:bold" in c[1] for c in keys) and keys[0][2] == "name"
    assert all("white-space:nowrap" not in c[1] for c in values)  # long values wrap


def test_wide_list_puts_names_and_ids_first_and_scrolls_visibly():
    markup = render_html(make(wide_inputs()))
    heads = [c[2] for c in Cells(markup).cells if c[0] == "th"]
    assert heads[:2] == ["general.name", "inputId"]
    assert len(heads) == 21 and "field15" in heads  # the rest reachable
    table_at = markup.index('<table class="openapi-magic-table"')
    box = markup[:table_at].rsplit("<div", 1)[1]
    assert "overflow-x:auto" in box  # the table's own box scrolls sideways
    # the table takes the width: the envelope is below it, not a column beside it
    assert markup.index("Raw envelope") > markup.index("</table>")


def test_envelope_is_collapsed_with_ciphertext_shortened_and_its_url_wrapping():
    r = make(wide_inputs())
    markup = render_html(r)
    assert "<details open" not in markup and "<details" in markup
    assert "Z" * 65 not in markup and "4,000 characters of ciphertext" in markup
    assert "Q" * 65 not in markup and "400 characters of ciphertext" in markup
    assert r.response_envelope["body"] == "Z" * 4000  # the Result keeps it all
    url = markup.index("Request as sent: POST")
    assert "overflow-wrap:anywhere" in markup[markup.rindex("<div", 0, url) : url]


def test_colours_come_from_the_theme_with_fallbacks():
    r = make({"inputs": []}, status=15, msg="illegal pId", hint="Check the pId.")
    markup = render_html(r)
    for style in re.findall(r'style="([^"]*)"', markup):
        for prop, value in re.findall(
            r"(?:^|;)\s*((?:background-)?color|background)\s*:"
            r"\s*([^;]+)",
            style,
        ):
            # a literal colour only as the fallback before a theme-variable mix
            assert (
                "var(--jp-" in value
                or f"{prop}:color-mix" in style.replace(" ", "")
                or (value in ("#fff",) and "background:#a40e26" in style)
            ), (prop, value, style)
    pre = re.findall(r'<pre style="([^"]*)"', markup)
    assert pre and all(
        "background:var(--jp-layout-color2" in p and "color:var(--jp-" in p for p in pre
    )


def test_codes_read_with_their_labels_times_as_dates_and_integers_stay_integers():
    body = {
        "screens": [
            {"screenId": 0, "name": "A", "createTime": "1757509392.7567859", "interfaceType": 2},
            {"screenId": 1, "name": "B"},
        ]
    }
    view = _view(make(body, interface="screen/readList"))
    col = dict(zip(view.columns, zip(*view.cells)))
    assert col["createTime"][0] == "2025-09-10 13:03:12 UTC"
    assert col["interfaceType"][0] == "2 (DVI)" and col["interfaceType"][1] is None
    assert col["screenId"] == ("0", "1")
    # a DataFrame whose missing values made an integer column float (a fleet's .df)
    frame = pd.DataFrame({"splicer": ["a", "b"], "screenId": [3, math.nan]})
    assert frame["screenId"].dtype == float
    fv = result_module.frame_view(frame)
    assert [row[fv.columns.index("screenId")] for row in fv.cells] == ["3", None]


def test_a_small_view_does_not_build_a_dataframe(monkeypatch):
    def no(*a, **k):
        raise AssertionError("pandas used for the view")

    monkeypatch.setattr(pd, "DataFrame", no)
    r = make(wide_inputs())
    bundle = r._repr_mimebundle_()
    assert "HDMI 2" in bundle["text/html"] and "HDMI 2" in bundle["text/plain"]


# ---------------------------------------------------------------------- terminal, exports


def test_text_fits_80_columns_with_a_note_naming_what_is_left_out(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = make(wide_inputs(12)).to_text()
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    head = lines[1]
    assert head.split()[:2] == ["general.name", "inputId"]
    assert "more columns not shown at this width" in text and "field15" in text
    assert sum("HDMI" in line for line in lines) == 10  # one line per row, not wrapped


@pytest.mark.slow
def test_list_replies_in_an_80_column_terminal_do_not_wrap():
    code = (
        "from openapi_magic.server import serve\n"
        "from openapi_magic import Client\n"
        "s = serve(secret_key='View-Test-Key-80')\n"
        "try:\n"
        "    r = Client.from_splicer(s).call('input/readList', {'deviceId': 0})\n"
        "    print(r)\n"
        "finally:\n"
        "    s.stop()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) > 3 and all(len(line) <= 80 for line in lines), out.stdout
    # One name column leads (issue 25: general.name and name led as two identical columns).
    assert lines[1].split()[0] == "name" and "general.name" not in lines[1].split()[:3]


def test_markdown_form_is_a_table():
    md = make(wide_inputs())._repr_mimebundle_()["text/markdown"]
    lines = md.splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert table[0].startswith("| general.name | inputId |")
    assert len(table) == 2 + 3 and "| HDMI 0 |" in table[2]
    assert "<" not in md.replace("&lt;", "")


def test_fleet_views_use_the_result_renderer():
    from openapi_magic.ops.fleet import run

    splicers = {name: serve(secret_key=KEY, seed=i) for i, name in enumerate(["a", "b"])}
    try:
        clients = {n: Client.from_splicer(s) for n, s in splicers.items()}
        res = run(clients, "input/readList", {"deviceId": 0}, progress=False)
    finally:
        for s in splicers.values():
            s.stop()
    markup = res.to_html()
    assert "<style" not in markup
    replies = markup.split("<b>Replies</b>")[1]  # under the outcomes
    heads = [c[2] for c in Cells(replies).cells if c[0] == "th"]
    assert heads[0] == "splicer" and heads[1].rsplit(".", 1)[-1] == "name"
    assert all("text-align:" in c[1] for c in Cells(markup).cells)


# ---------------------------------------------------------------------- the magic


def run(ip, code):
    with capture_output() as cap:
        res = ip.run_cell(code, store_history=True)
    return res, cap


@pytest.mark.slow
def test_a_vendor_failure_shows_its_message_and_hint_once(ip):
    def failing(req):
        env = req.envelope()
        return Reply.json(
            protocol.seal_reply(
                15,
                "illegal pId",
                None,
                pid=env["pId"],
                timestamp=env["timeStamp"],
                secret_key=KEY,
                encrypt=True,
            )
        )

    with StandIn(failing, encrypt=True, secret_key=KEY) as s:
        ip.user_ns["splicer"] = s
        s.secret_key = KEY
        run(ip, "%openapi_connect splicer --no-firmware")
        res, cap = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    assert not res.success
    shown = "".join(o.data.get("text/plain", "") for o in cap.outputs)
    everything = shown + cap.stdout + cap.stderr
    hint = ip.user_ns[LAST_ERROR].result.hint
    assert hint and everything.count(hint[:40]) == 1, everything
    assert everything.count("illegal pId") == 1, everything
    assert "shown above" in cap.stdout + cap.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "phase, says",
    [
        ("sent", "the request was sent"),
        ("handshake", "nothing was sent"),
        ("sending", "may have been sent"),
    ],
)
def test_ctrl_c_during_a_call_is_one_line_saying_whether_it_was_sent(ip, monkeypatch, phase, says):
    from openapi_magic.client import _transport

    s = serve(secret_key=KEY)
    try:
        ip.user_ns["splicer"] = s
        run(ip, "%openapi_connect splicer --no-firmware")
        client = ip.magics_manager.registry["OpenAPIMagics"].client

        def interrupted(*a, **k):
            _transport._note(phase)
            raise KeyboardInterrupt

        monkeypatch.setattr(client._session, "post", interrupted)
        res, cap = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    finally:
        s.stop()
    assert isinstance(res.error_in_exec, getattr(magics_module, "CallInterrupted", ()))
    out = (cap.stdout + cap.stderr).strip()
    assert "Traceback" not in out and len(out.splitlines()) == 1, out
    assert "Interrupted screen/readList" in out and says in out


@pytest.mark.slow
def test_connecting_to_a_url_without_encrypt_says_what_was_not_asked(ip):
    res, cap = run(ip, "%openapi_connect http://127.0.0.1:9 --pid demo --no-firmware")
    assert res.success
    out = cap.stdout
    assert "hidden prompt" not in out.split("\n")[0]
    assert "No secretKey was asked" in out and "--encrypt" in out
    assert "Never type the key into a cell" in out


@pytest.mark.slow
def test_the_form_in_a_terminal_says_it_needs_a_notebook():
    code = (
        "from openapi_magic.frontends._form import register\n"
        "register(get_ipython())\n"
        "get_ipython().run_line_magic('openapi_form', '')\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    text = out.stdout + out.stderr
    assert "needs a notebook front-end" in text and "%openapi_help" in text, text
    assert "RequestForm(" not in text and "VBox(" not in text


# ---------------------------------------------------------------------- the form


def test_the_form_drops_the_previous_reply_when_the_interface_changes_and_wraps():
    from openapi_magic.frontends._form import RequestForm

    s = serve(secret_key=KEY)
    try:
        f = RequestForm(client=s, interface="screen/readList")
        f._send_button.click()
        assert f.wait(30) and f.result.ok and f._out.outputs
        f.interface = "screen/readDetail"
        assert f._out.outputs == ()  # no reply of another interface under this one
        rows = list(f._rows.values())
        assert rows and all(r.box.layout.flex_flow == "row wrap" for r in rows)
        optional = [r for r in rows if r.include is not None]
        # the include box sits right by its label (the label takes its own width)
        assert all(r.widget.style.description_width == "initial" for r in optional)
        assert f._clock.layout.width == "auto"
    finally:
        s.stop()


@pytest.mark.slow
def test_a_plain_call_refused_as_encryption_would_be_says_how_to_give_the_key(ip):
    s = serve(secret_key=KEY, encrypt=True)  # encryption on at the splicer
    try:
        c = Client.from_splicer(s)
        res, cap = run(ip, f"%openapi_connect {c.root} --pid {c.pid} --no-firmware")
        assert res.success
        res, cap = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    finally:
        s.stop()
    assert not res.success
    out = cap.stdout + cap.stderr
    assert "--encrypt asks for the secretKey with a hidden prompt" in out, out
    assert "Never type the key into a cell" in out and KEY not in out


@pytest.mark.slow
def test_the_magic_pages_markdown_export_command_gives_markdown_tables(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbconvert")
    readme = (ROOT / "docs" / "howto" / "magic.md").read_text(encoding="utf-8")
    flag = re.search(r'--NbConvertBase\.display_data_priority="[^"]+"', readme).group(0)
    bundle = make(wide_inputs())._repr_mimebundle_()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "%%openapi input/readList",
                outputs=[nbformat.v4.new_output("display_data", data=bundle)],
            )
        ]
    )
    path = tmp_path / "export.ipynb"
    nbformat.write(nb, path)
    option, value = flag.split("=", 1)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbconvert",
            "--to",
            "markdown",
            f"{option}={value.strip(chr(34))}",
            "--stdout",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "| general.name | inputId |" in out.stdout and "<table" not in out.stdout


def test_one_object_shows_its_name_ids_and_status_first():
    """A screen's detail has ~60 fields in alphabetical order (as real firmware sends them):
    its own name and ids lead the key/value table, nested parts' names do not jump ahead."""
    with serve() as splicer:
        r = Client.from_splicer(splicer).call("screen/readDetail", {"deviceId": 0, "screenId": 0})
    keys = [line.split()[0] for line in r.to_text().splitlines()[1:4] if line.strip()]
    assert keys[0] == "name", keys
    assert {"deviceId", "screenId"} <= set(keys), keys
    assert all("." not in k for k in keys), keys
