"""Hostile or odd replies: markup in names and messages, and replies of 50 MB.

Everything that comes from a splicer is shown as text. The tests parse the HTML
that is produced (the Result's header, table and raw envelope; the magic's
output and its --keep-going notice; the form; a fleet's tables; a dry run) and
check that no markup of the reply became an element or an attribute, and that
the reply's text is there to read, as text.

A 50 MB reply is refused by the size cap while it streams in, before the whole
of it is held (tracemalloc's peak stays near the cap, far under the reply); one
announced as 50 MB is refused before a byte of it is read; and one under a raised
cap arrives whole, while the notebook view of it stays small.
"""

from __future__ import annotations

import email.utils
import html.parser
import json
import subprocess
import sys
import time
import tracemalloc

import ipywidgets
import pytest
from _hardening import SECRET, watchdog
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output
from standin import Reply, StandIn

from openapi_magic import Client, fleet
from openapi_magic.client import _result as result_module
from openapi_magic.client._result import Result
from openapi_magic.core import protocol
from openapi_magic.errors import HTTPStatusError, OpenAPIError, ReplyTooLarge
from openapi_magic.frontends._form import form

#: Markup a hostile or broken splicer (or anything between) could put in a reply. The
#: tags are ones openapi_magic never writes, so any such element is an injection.
PAYLOADS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    "</pre></details><iframe src=javascript:alert(3)>",
    "&lt;marquee&gt; &amp;",
    "<marquee>rolling</marquee>",
]
FOREIGN_TAGS = {"script", "img", "svg", "iframe", "marquee", "object", "embed"}
WAIT = 20


class _Scan(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(markup: str, shown: list[str] = PAYLOADS) -> str:
    """No payload became markup; each of ``shown`` reads as text (as is, or JSON-quoted
    in a raw envelope). Returns the text content."""
    scan = _Scan()
    scan.feed(markup)
    scan.close()
    assert not FOREIGN_TAGS & set(scan.tags), FOREIGN_TAGS & set(scan.tags)
    for name, value in scan.attrs:
        assert not name.lower().startswith("on"), (name, value)
        assert "javascript:" not in (value or "").lower(), (name, value)
    text = "".join(scan.text)
    for payload in shown:
        quoted = json.dumps(payload, ensure_ascii=False)[1:-1]
        assert payload in text or quoted in text, payload
    return text


def hostile_body() -> dict:
    """Markup in values, in keys (column names), in nested keys and in the records key."""
    rows = [
        {"screenId": i, "name": p, p: "value under a hostile key", "general": {p: i}}
        for i, p in enumerate(PAYLOADS)
    ]
    return {"deviceId": 0, "screens": rows}


ALL_PAYLOADS = " | ".join(PAYLOADS)


def hostile_splicer(body=None, status=0, msg=ALL_PAYLOADS, encrypt=True, **kw):
    """A stand-in splicer answering ``body`` with a hostile msg, signed properly."""
    body = hostile_body() if body is None else body

    def answer(req):
        env = req.envelope()
        return Reply.json(
            protocol.seal_reply(
                status,
                msg,
                body,
                pid=env["pId"],
                timestamp=env["timeStamp"],
                secret_key=SECRET,
                encrypt=encrypt,
            )
        )

    return StandIn(answer, secret_key=SECRET, encrypt=encrypt, **kw)


def client_of(s: StandIn, **kw) -> Client:
    kw.setdefault("timeout", 10)
    return Client(s.root, "demo", SECRET, encrypt=s.encrypt, **kw)


# --------------------------------------------------------------------------- the Result


@pytest.mark.parametrize("encrypt", [True, False], ids=["encrypted", "plain"])
@pytest.mark.parametrize("shape", ["records", "one-record", "scalars", "string"])
def test_result_header_table_and_envelope_show_markup_as_text(encrypt, shape):
    body = {
        "records": hostile_body(),
        "one-record": {p: p for p in PAYLOADS},
        "scalars": list(PAYLOADS),
        "string": PAYLOADS[0],
    }[shape]
    with hostile_splicer(body, encrypt=encrypt) as s:
        r = client_of(s).call("screen/readList", {"deviceId": 0})
    assert r.ok and r.msg == " | ".join(PAYLOADS)
    whole = r._repr_html_()
    header, envelope = result_module.header_html(r), result_module.envelope_html(r)
    assert header in whole and envelope in whole
    assert_inert(header, [r.msg])  # the msg, in the header line
    assert_inert(envelope)  # the request as sent and the reply as received
    table = assert_inert(whole.replace(header, "").replace(envelope, ""), PAYLOADS[:1])
    if shape == "records":  # hostile keys became column headers, as text
        assert all(p in table for p in PAYLOADS) and "value under a hostile key" in table
    assert_inert(r._repr_mimebundle_()["text/html"])


def test_vendor_failure_hint_and_dry_run_are_text():
    with hostile_splicer(None, status=404) as s:
        r = client_of(s).call("screen/readDetail", {"deviceId": 0, "screenId": 9})
        assert not r.ok and r.hint
        assert_inert(r._repr_html_())
        prepared = client_of(s).prepare("screen/rename", {"screenId": 0, "name": PAYLOADS[0]})
    assert_inert(prepared._repr_mimebundle_()["text/html"], PAYLOADS[:1])


# --------------------------------------------------------------------------- front-ends


def _cell_html(ip, code: str) -> tuple[object, str]:
    with capture_output() as cap:
        res = ip.run_cell(code)
    shown = "".join(o.data.get("text/html", "") for o in cap.outputs)
    if res.result is not None:
        shown += ip.display_formatter.format(res.result)[0].get("text/html", "")
    return res, shown


@pytest.mark.slow
def test_magic_output_and_keep_going_notice_show_markup_as_text(ip):
    with (
        watchdog(WAIT + 10),
        hostile_splicer() as ok,
        hostile_splicer(status=410) as bad,
        StandIn(
            lambda req: Reply(
                PAYLOADS[0].encode(),
                status=502,
                reason="Bad Gateway",
                headers={"Content-Type": "text/html"},
            )
        ) as proxy,
    ):
        ip.user_ns.update(ok=client_of(ok), bad=client_of(bad), proxy=client_of(proxy))
        for target, flags, succeeds, shown in [
            ("ok", "", True, PAYLOADS),
            ("bad", "", False, PAYLOADS),  # a vendor failure: shown, then the cell fails
            ("bad", "-k", True, PAYLOADS),
            ("proxy", "-k", True, PAYLOADS[:1]),  # the proxy's page, in the notice
        ]:
            with capture_output():
                ip.run_cell(f"%openapi_connect {target}")
            res, html = _cell_html(ip, f'%%openapi screen/readList {flags}\n{{"deviceId": 0}}')
            assert res.success is succeeds, (target, flags)
            assert_inert(html, shown)
            if target == "proxy":
                assert "OpenAPI error" in html


def test_form_shows_markup_as_text():
    with (
        watchdog(WAIT + 10),
        hostile_splicer() as ok,
        hostile_splicer(status=410) as bad,
        StandIn(lambda req: Reply(PAYLOADS[1].encode(), status=502)) as proxy,
    ):
        for target, shown in ((ok, PAYLOADS), (bad, PAYLOADS), (proxy, PAYLOADS[1:2])):
            f = form(client_of(target), interface="screen/readList")
            assert f.send() and f.wait(WAIT)
            out = "".join(o["data"].get("text/html", "") for o in f._out.outputs)
            assert_inert(out, shown)
            f.close()


def test_fleet_tables_show_markup_as_text():
    with (
        watchdog(WAIT + 10),
        hostile_splicer() as ok,
        hostile_splicer(status=410) as bad,
        StandIn(lambda req: Reply(PAYLOADS[1].encode(), status=502)) as proxy,
    ):
        rig = {
            PAYLOADS[0]: client_of(ok),
            PAYLOADS[2]: client_of(bad),
            PAYLOADS[5]: client_of(proxy),
        }
        res = fleet.run(rig, "screen/readList", {"deviceId": 0}, retries=0, progress=False)
    assert (res.n_ok, res.n_failed) == (1, 2)
    assert isinstance(res.calls[2].error, HTTPStatusError)
    text = assert_inert(res.to_html(), [PAYLOADS[0], PAYLOADS[2], PAYLOADS[5]])
    assert "value under a hostile key" in text


# --------------------------------------------------------------------------- 50 MB

BIG = 50 * 1024 * 1024
CAP = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def fifty_mb() -> bytes:
    """A 50 MB plain reply: one background image's worth of Base64, say."""
    head = b'{"status": 0, "msg": "Success", "sign": "", "body": {"bkgId": 1, "file": "'
    tail = b'"}}'
    return head + b"QUJD" * ((BIG - len(head) - len(tail)) // 4) + tail


def _peak_during(call) -> tuple[object, int]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        try:
            outcome = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is examined by the test
            outcome = exc
        return outcome, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("announced", [False, True], ids=["streamed", "content-length"])
def test_a_50_mb_reply_is_refused_by_the_cap_before_it_is_all_held(fifty_mb, announced):
    with (
        watchdog(60),
        StandIn(lambda req: Reply(fifty_mb, content_length=announced), encrypt=False) as s,
    ):
        c = Client(s.root, "demo", None, encrypt=False, timeout=30, max_reply_bytes=CAP)
        err, peak = _peak_during(lambda: c.call("bkg/readDetail", {"bkgId": 1}))
    assert isinstance(err, ReplyTooLarge), err
    assert "max_reply_bytes" in str(err) and s.root in str(err)
    assert f"{CAP:,}" in str(err)
    if announced:
        assert f"{len(fifty_mb):,}" in str(err)  # refused on the announced size
        assert peak < 1024 * 1024
    else:
        assert err.raw_text.startswith('{"status": 0')  # what arrived first is kept
        assert peak < 3 * CAP, f"peak {peak:,} bytes for a {CAP:,}-byte cap"


@pytest.mark.slow
def test_a_50_mb_reply_under_a_raised_cap_arrives_whole_and_shows_small(fifty_mb):
    with watchdog(60), StandIn(lambda req: Reply(fifty_mb), encrypt=False) as s:
        c = Client(s.root, "demo", None, encrypt=False, timeout=30, max_reply_bytes=2 * BIG)
        r, peak = _peak_during(lambda: c.call("bkg/readDetail", {"bkgId": 1}))
    assert isinstance(r, Result) and r.ok, r
    assert len(r.body["file"]) == fifty_mb.count(b"QUJD") * 4  # nothing lost
    assert len(r.raw_text) == len(fifty_mb)
    assert peak < 6 * BIG, f"peak {peak:,} bytes for a {BIG:,}-byte reply"
    bundle = r._repr_mimebundle_()
    # the notebook view: header, a cut view of the value, a cut raw envelope; all in r.body
    assert len(bundle["text/html"]) < 200_000 and len(bundle["text/plain"]) < 200_000
    assert_inert(bundle["text/html"], [])


# --------------------------------------------------------------------------- round two (issue 16)

from _hardening import memory_client  # noqa: E402

from openapi_magic.client._result import OUTPUT_CHARS, safe_text  # noqa: E402

CONTROL = "\x1b]0;owned\x07 \x1b]52;c;cm0gLXJmIH4=\x07 \x1b[2J \x9b31m \r"


def _memory(body, msg="Success", status=0, headers=None):
    """A client answered from memory in plain mode; lone surrogates travel as JSON escapes
    (``\\ud800``), as a Java firmware sends them."""

    def answer(env):
        out = protocol.seal_reply(
            status,
            msg,
            body,
            pid=env["pId"],
            timestamp=env["timeStamp"],
            secret_key=None,
            encrypt=False,
        )
        data = json.dumps(out).encode("ascii")
        return data if headers is None else (data, 200, headers)

    return memory_client(answer, encrypt=False)


def _raw_controls(text: str) -> list[str]:
    return [ch for ch in text if ch in "\x1b\x07\x9b\r" or 0xD800 <= ord(ch) <= 0xDFFF]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(  # one record, very many columns
            [{f"c{i}": i for i in range(300_000)}], marks=pytest.mark.slow
        ),
        {f"f{i}": i for i in range(200_000)},  # a flat object of many fields
        {
            "deviceId": 0,
            "screens": [{"screenId": 0, "info": {f"k{i}": "v" * 50 for i in range(50_000)}}],
        },
    ],
    ids=["columns", "fields", "nested-fields"],
)
def test_views_are_bounded_in_columns_and_fields_with_a_footer(body):
    with watchdog(60):
        r = _memory(body).call("screen/readList", {"deviceId": 0})
        start = time.perf_counter()
        bundle = r._repr_mimebundle_()
        took = time.perf_counter() - start
    assert took < 10, took
    assert len(bundle["text/html"]) < 300_000 and len(bundle["text/plain"]) < 100_000
    assert "are not shown" in bundle["text/plain"] and "are not shown" in bundle["text/html"]
    assert r.body == body  # the Result keeps everything


@pytest.mark.parametrize("depth", [974, 980, 984, 3000])
def test_deeply_nested_reply_bodies_render(depth):
    text = '{"deviceId": 0, "x": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    raw = json.dumps({"status": 0, "msg": "", "sign": "", "body": text}).encode()
    client = memory_client(lambda env: raw, encrypt=False)
    try:
        r = client.call("screen/readList", {"deviceId": 0})
    except OpenAPIError as exc:  # too deep for the parser: a clear error, not a traceback
        assert "nested too deeply" in str(exc)
        return
    bundle = r._repr_mimebundle_()
    assert "deviceId" in bundle["text/plain"] and "deviceId" in bundle["text/html"]
    repr(r), str(r)


def test_control_sequences_and_lone_surrogates_are_visible_inert_and_encodable():
    body = {"deviceId": 0, "screens": [{"screenId": 0, "name": CONTROL + "\ud800"}]}
    client = _memory(body, msg="bad " + CONTROL + "\udfff", status=2)
    r = client.call("screen/readList", {"deviceId": 0})
    texts = [r.to_text(), str(r), repr(r), *r._repr_mimebundle_().values()]
    res = fleet.run({"a": client}, "screen/readList", {"deviceId": 0}, progress=False)
    texts += [res.to_text(), res.to_html()]
    for text in texts:
        assert not _raw_controls(text), text
        text.encode("utf-8")  # what a kernel must do with every output
    assert "\\x1b]0;owned" in r.to_text()  # shown, as text
    assert safe_text("tab\tand\nnewline") == "tab\tand\nnewline"
    assert r.body["screens"][0]["name"].endswith("\ud800")  # the Result keeps it as sent


@pytest.mark.slow
def test_control_sequences_in_short_errors_and_notices_are_inert(ip):
    client = _memory({"a": 1}, msg="no " + CONTROL + "\ud800", status=2)
    ip.user_ns["hostile"] = client
    with capture_output() as cap:
        assert ip.run_cell("%openapi_connect hostile --no-check").success
        ip.run_cell('%%openapi screen/readList\n{"deviceId": 0}')
        ip.run_cell('%%openapi screen/readList -k\n{"deviceId": 0}')
    shown = (
        cap.stdout
        + cap.stderr
        + "".join(json.dumps(o.data, ensure_ascii=False) for o in cap.outputs)
    )
    ours = shown.replace("\x1b[31m", "").replace("\x1b[2m", "").replace("\x1b[0m", "")
    assert not _raw_controls(ours.replace("\\u001b", "")), ours[-2000:]
    shown.encode("utf-8")
    from openapi_magic.frontends._magics import Notice, OpenAPICellError

    for obj in (
        Notice("x" + CONTROL + "\ud800", "h\x1b[2J"),
        OpenAPICellError("x" + CONTROL + "\ud800", hint="\x9b"),
    ):
        text = (
            "\n".join(obj._render_traceback_())
            if hasattr(obj, "_render_traceback_")
            else repr(obj) + obj._repr_html_()
        )
        text = text.replace("\x1b[31m", "").replace("\x1b[2m", "").replace("\x1b[0m", "")
        assert not _raw_controls(text) and text.encode("utf-8")


def test_a_status_11_reply_with_an_overflowing_date_keeps_its_result():
    for date in (
        "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
        "Mon, 01 Jan 2024 00:00:00 +9999999999999999999999",
    ):
        client = _memory(
            {"a": 1},
            msg="timestamp",
            status=11,
            headers={"Content-Type": "application/json", "Date": date},
        )
        r = client.call("screen/readList", {"deviceId": 0})
        assert r.status == 11 and not r.ok and r.hint
        res = fleet.run({"a": client}, "screen/readList", {"deviceId": 0}, progress=False)
        assert res.calls[0].result is not None and res.calls[0].result.status == 11
        res.to_text(), res.to_html()
    good = email.utils.formatdate(time.time() - 3600, usegmt=True)
    client = _memory(
        {"a": 1},
        msg="timestamp",
        status=11,
        headers={"Content-Type": "application/json", "Date": good},
    )
    assert "ahead of" in client.call("screen/readList", {"deviceId": 0}).hint


class _Raises:
    def __init__(self, where):
        self.where = where

    def __getattr__(self, name):
        if self.where == "attr":
            raise RuntimeError("attribute access failed")
        raise AttributeError(name)

    def tolist(self):
        raise RuntimeError("tolist failed")

    def __iter__(self):
        raise RuntimeError("iteration failed")


@pytest.mark.slow
def test_var_objects_that_raise_give_a_short_cell_error(ip):
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    ip.user_ns.update(
        bad_attr=_Raises("attr"), bad_list=_Raises("tolist"), bad_iter=_Raises("iter"), deep=deep
    )
    for code, name in [
        ('%%openapi screen/readList --dry-run\n{"deviceId": $bad_attr.x}', "bad_attr.x"),
        ('%%openapi screen/readList --dry-run\n{"deviceId": $bad_list}', "bad_list"),
        ('%%openapi screen/readList --each deviceId=bad_iter\n{"deviceId": $deviceId}', "bad_iter"),
        ('%%openapi screen/readList --dry-run\n{"deviceId": $deep}', "deep"),
    ]:
        with capture_output() as cap:
            res = ip.run_cell(code)
        assert isinstance(res.error_in_exec, UsageError), (code, res.error_in_exec)
        assert name in str(res.error_in_exec)
        assert "Traceback" not in cap.stdout + cap.stderr


def test_a_half_built_client_and_form_never_raise_on_show_or_close():
    half = Client.__new__(Client)
    assert repr(half).startswith("Client(")
    from openapi_magic.frontends._form import RequestForm

    f = RequestForm.__new__(RequestForm)
    ipywidgets.VBox.__init__(f)
    f.close()  # what ipywidgets does at exit: no ignored exception
    code = (
        "import openapi_magic\n"
        "try:\n    openapi_magic.form(object())\nexcept Exception:\n    pass\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "Exception ignored" not in out.stderr and "Traceback" not in out.stderr, out.stderr


def test_views_past_the_output_cap_give_way_to_a_note():
    rows = [{"name": "x" * 1500, **{f"c{i}": "y" * 1500 for i in range(40)}} for _ in range(60)]
    client = _memory({"deviceId": 0, "screens": rows})
    client.display_limit = None
    r = client.call("screen/readList", {"deviceId": 0})
    bundle = r._repr_mimebundle_()
    assert len(bundle["text/html"]) < OUTPUT_CHARS + 200_000
    # the text form cuts cells and columns to the terminal's width: bounded well below
    assert len(bundle["text/plain"]) < OUTPUT_CHARS // 10
