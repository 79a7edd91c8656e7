"""Watching a splicer: polls, one display updated in place, offline and back, bounded
history, one request at a time per splicer, clean stop. Against the simulated splicer."""

import re
import threading
import time

import pytest

from openapi_magic import Client, load_catalog
from openapi_magic.errors import ConfigError
from openapi_magic.ops._watch import Watch, inert, render_html, render_text, watch
from openapi_magic.server import serve

EVERY = 0.05


class Handle:
    """Stands in for an IPython display handle: records every update."""

    def __init__(self):
        self.bundles = []

    def update(self, bundle, **kw):
        assert kw.get("raw") is True
        self.bundles.append(bundle)


def until(predicate, limit=10.0):
    """Wait for a condition (the limit only stops a broken test from hanging)."""
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.01)


def test_polls_and_updates_one_display(splicer):
    handle = Handle()
    client = Client.from_splicer(splicer)
    with watch(client, "screen/readList", {"deviceId": 0}, every=EVERY, handle=handle) as w:
        until(lambda: w.polls >= 3)
        assert w.result is not None and w.result.ok
    assert not w.running
    assert len(handle.bundles) >= 3  # every update went to the one handle
    last = handle.bundles[-1]
    assert "screen/readList" in last["text/html"] and "stopped" in last["text/plain"]
    name = splicer.state.call("screen/readList", {})["screens"][0]["name"]
    assert name in last["text/html"]


def test_changed_cells_are_highlighted(splicer):
    handle = Handle()
    client = Client.from_splicer(splicer)
    # The screens' list (a screen's detail has ~60 fields, sorted as real firmware sends
    # them: its name is not in the first rows shown).
    body = {"deviceId": 0}
    w = watch(client, "screen/readList", body, every=EVERY, handle=handle)
    try:
        until(lambda: w.polls >= 2)
        assert "changed since the last poll" not in render_html(w)
        before = w.polls
        client.call("screen/rename", {"deviceId": 0, "screenId": 0, "name": "Main & <b>"})
        until(lambda: w.polls >= before + 2 and "Main" in render_text(w))
        until(lambda: any("changed since the last poll" in b["text/html"] for b in handle.bundles))
        changed = next(b for b in handle.bundles if "changed since the last poll" in b["text/html"])
        assert "Main &amp; &lt;b&gt;*" not in changed["text/html"]
        assert "Main &amp; &lt;b&gt;" in changed["text/html"]
        assert "<b>Main" not in changed["text/html"]
        assert any("Main & <b>*" in b["text/plain"] for b in handle.bundles)
    finally:
        w.stop()


def test_history_grows_bounded_and_is_time_indexed(splicer):
    client = Client.from_splicer(splicer)
    w = Watch(client, "device/readDetail", {"deviceId": 0}, every=EVERY, maxlen=4, handle=Handle())
    try:
        until(lambda: w.polls >= 7)
    finally:
        w.stop()
    history = w.history
    assert len(history) == 4
    assert history.index.name == "time" and history.index.is_monotonic_increasing
    assert str(history.index.dtype).startswith("datetime64")
    assert {"splicer", "online", "status", "elapsed_ms"} <= set(history.columns)
    assert "temp" in history.columns and history["temp"].notna().all()
    assert "fanList.0.speed" in history.columns or any(
        c.startswith("fanList.0.") for c in history.columns
    )


def test_a_reply_field_named_status_does_not_overwrite_the_vendor_status(splicer):
    body = splicer.state.call("device/readDetail", {"deviceId": 0})
    assert body["status"] != 0  # device/readDetail's own `status` (1 = ready)
    client = Client.from_splicer(splicer)
    w = Watch(client, "device/readDetail", {"deviceId": 0}, every=EVERY, handle=Handle())
    try:
        until(lambda: w.polls >= 2)
    finally:
        w.stop()
    history = w.history
    assert set(history["status"]) == {0}
    assert set(history["body.status"]) == {body["status"]}


def test_offline_after_missed_polls_and_back_on_the_same_port():
    first = serve()
    port = first.port
    client = Client.from_splicer(first, timeout=2)
    w = watch(
        client, "screen/readList", {"deviceId": 0}, every=EVERY, offline_after=3, handle=Handle()
    )
    try:
        until(lambda: w.result is not None)
        assert w.offline == []
        first.stop()
        until(lambda: w.offline)
        label = w.offline[0]
        assert "OFFLINE" in render_text(w) and "OFFLINE" in render_html(w)
        assert w.history["online"].eq(False).sum() >= 3
        second = serve(port=port)
        try:
            until(lambda: not w.offline)
            assert "OFFLINE" not in render_text(w)
            assert label in w.latest
        finally:
            w.stop()
            second.stop()
    finally:
        w.stop()
        first.stop()


def test_vendor_failure_is_an_answer_not_a_miss(splicer):
    client = Client.from_splicer(splicer)
    w = watch(
        client,
        "screen/readDetail",
        {"deviceId": 0, "screenId": 99},
        every=EVERY,
        offline_after=1,
        handle=Handle(),
    )
    try:
        until(lambda: w.polls >= 3)
        assert w.offline == []
        assert not w.result.ok
        assert f"status {w.result.status}" in render_text(w)
    finally:
        w.stop()


class CountingSplicer:
    """Wraps the splicer's answer() to count requests in flight at once."""

    def __init__(self, splicer):
        self.now = self.most = 0
        self.lock = threading.Lock()
        inner = splicer.answer

        def answer(interface, envelope):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                time.sleep(0.2)  # slower than every: the next polls fall due meanwhile
                return inner(interface, envelope)
            finally:
                with self.lock:
                    self.now -= 1

        splicer.answer = answer


@pytest.mark.slow
def test_never_two_requests_at_once_to_one_splicer():
    with serve(latency_ms=100) as splicer:
        counter = CountingSplicer(splicer)
        client = Client.from_splicer(splicer)
        a = watch(client, "screen/readList", {"deviceId": 0}, every=EVERY, handle=Handle())
        b = Watch([client], "device/readDetail", {"deviceId": 0}, every=EVERY, handle=Handle())
        try:
            until(lambda: a.polls + b.polls >= 4 and a.skipped and b.skipped)
        finally:
            a.stop()
            b.stop()
        assert counter.most == 1
        assert "skipped" in render_html(a) and "skipped" in render_text(a)


def test_fleet_watch_one_row_per_splicer():
    with serve() as one, serve() as two:
        w = Watch(
            {"hall-a": one, "hall-b": two},
            "device/readDetail",
            {"deviceId": 0},
            every=EVERY,
            handle=Handle(),
        )
        try:
            until(lambda: all(r is not None for r in w.latest.values()))
            one.stop()
            until(lambda: w.offline == ["hall-a"])
            text = render_text(w)
            assert "hall-a: OFFLINE" in text and "hall-b: online" in text
        finally:
            w.stop()
        assert set(w.history["splicer"]) == {"hall-a", "hall-b"}


def test_stops_cleanly_and_leaves_no_thread(splicer):
    client = Client.from_splicer(splicer)
    w = watch(client, "screen/readList", {"deviceId": 0}, every=EVERY, handle=Handle())
    until(lambda: w.polls >= 1)
    names = {t.name for t in w._threads}
    w.stop()
    assert not w.running
    assert not names & {t.name for t in threading.enumerate()}
    polls = w.polls
    time.sleep(EVERY * 3)
    assert w.polls == polls
    w.stop()  # twice is fine


def test_bad_settings_name_the_cause(splicer):
    client = Client.from_splicer(splicer)
    with pytest.raises(ConfigError, match="every"):
        watch(client, "screen/readList", every=0, handle=Handle())
    with pytest.raises(ConfigError, match="offline_after"):
        watch(client, "screen/readList", offline_after=0, handle=Handle())
    with pytest.raises(ConfigError, match="maxlen"):
        watch(client, "screen/readList", maxlen=0, handle=Handle())


def test_views_are_inert_and_escaped_and_hold_no_secret(splicer):
    client = Client.from_splicer(splicer)
    hostile = "\x1b[2J<script>alert(1)</script>\u202e"
    client.call("screen/rename", {"deviceId": 0, "screenId": 0, "name": hostile})
    w = watch(client, "screen/readList", {"deviceId": 0}, every=EVERY, handle=Handle())
    try:
        until(lambda: w.result is not None)
    finally:
        w.stop()
    text, page = render_text(w), render_html(w)
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[2J" in text
    assert "<script>" not in page and "&lt;script&gt;" in page
    for shown in (text, page, repr(w), w.history.to_string()):
        assert splicer.secret_key not in shown
    assert inert("a\x07b\x9bc") == "a\\x07b\\x9bc"


# ---------------------------------------------------------------------- the magic


@pytest.mark.slow
def test_magic_watches_the_current_connection(ip, splicer):
    from IPython.core.error import UsageError

    ip.user_ns["splicer"] = splicer
    ip.run_line_magic("openapi_connect", "splicer")
    w = ip.run_line_magic("openapi_watch", 'screen/readList --every 0.05 -b -o w {"deviceId": 0}')
    try:
        assert ip.user_ns["w"] is w and w.every == 0.05
        until(lambda: w.result is not None)
        assert w.result.ok and w.body == {"deviceId": 0}
    finally:
        w.stop()
    # An interface the catalog does not know is watched anyway (firmware may know it)...
    w = ip.run_line_magic("openapi_watch", "screen/nothing -b")
    w.stop()
    assert w.interface == "screen/nothing"
    # ...unless the user asked for a strict catalog.
    ip.run_line_magic("config", "OpenAPIMagics.strict_catalog = True")
    try:
        with pytest.raises(Exception, match="screen/nothing"):
            ip.run_line_magic("openapi_watch", "screen/nothing -b")
    finally:
        ip.run_line_magic("config", "OpenAPIMagics.strict_catalog = False")
    with pytest.raises(UsageError, match="every"):
        ip.run_line_magic("openapi_watch", 'screen/readList --every 0 -b {"deviceId": 0}')


@pytest.mark.parametrize(
    ("setting", "says"), [("read_only", "read-only"), ("confirm_writes", "every poll")]
)
def test_a_notebook_guard_refuses_watching_a_write_before_any_poll(ip, splicer, setting, says):
    # %config read_only (or confirm_writes) on a plain connection: a watch of a write
    # would send it at every poll, so it is refused up front and nothing is sent.
    ip.user_ns["splicer"] = splicer
    ip.run_line_magic("openapi_connect", "splicer --no-firmware")
    ip.run_line_magic("config", f"OpenAPIMagics.{setting} = True")
    before = sum(splicer.requests.values())
    try:
        with pytest.raises(Exception, match=says):
            ip.run_line_magic(
                "openapi_watch",
                'screen/writeBrightness --every 0.05 -b {"deviceId": 0, "screenId": 0, '
                '"brightness": 40}',
            )
        time.sleep(0.2)  # a poll, had one started, would have reached the splicer by now
        assert sum(splicer.requests.values()) == before
        # A read is still watched.
        w = ip.run_line_magic("openapi_watch", 'screen/readList --every 0.05 -b {"deviceId": 0}')
        w.stop()
    finally:
        ip.run_line_magic("config", f"OpenAPIMagics.{setting} = False")


def test_terminal_follow_prints_updates_until_stopped(splicer):
    import io

    client = Client.from_splicer(splicer)
    w = watch(client, "screen/readList", {"deviceId": 0}, every=EVERY, handle=Handle())
    out = io.StringIO()
    threading.Timer(0.4, w.stop).start()
    w.follow(out)  # returns once the watch stops (Ctrl-C does the same in a terminal)
    assert not w.running
    printed = out.getvalue()
    assert printed.count("Watching screen/readList") >= 2 and "stopped" in printed


# ---------------------------------------------------------------------- what is shown

DETAIL = {"deviceId": 0, "screenId": 0}
#: A highlighted (changed) cell of the HTML view: its field and its value.
CHANGED = re.compile(
    r">([^<]+)</th><td[^>]*><span style=\"[^\"]*\" title=\"changed since the last poll\">"
    r"([^<]*)</span>"
)
HIGHLIGHT = re.compile(
    r">brightness</th><td[^>]*><span style=\"[^\"]*\" title=\"changed since the last poll\">"
    r"(\d+)</span>"
)


def fields_of(text):
    """The field names of a one-splicer text key/value view: the first word of each line
    after the state line ("online · ... polls"), notes in parentheses left out."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if " polls" in line) + 1
    return [line.split()[0] for line in lines[start:] if line and not line.startswith("(")]


def test_a_change_past_the_first_rows_is_kept_in_view_and_highlighted(splicer, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    handle = Handle()
    client = Client.from_splicer(splicer)
    osd = load_catalog().get("screen/writeOSD").example_body()
    osd["words"]["chars"] = "Doors open at 19:45"
    assert (
        splicer.state.call("screen/readDetail", DETAIL)["Osd"]["words"]["chars"]
        != (osd["words"]["chars"])
    )
    w = watch(client, "screen/readDetail", DETAIL, every=EVERY, handle=handle)
    try:
        until(lambda: w.polls >= 2)
        quiet = render_text(w)
        # A screen's detail has ~70 fields: its own (brightness among them) come first,
        # the nested parts' after; the view says how many it left out and how to see them.
        shown = fields_of(quiet)
        assert "brightness" in shown and "Osd.words.chars" not in shown
        assert shown.index("brightness") < min(i for i, f in enumerate(shown) if "." in f)
        total = len(w.result.df.columns)
        left = re.search(
            r"showing (\d+) of (\d+) fields; (\d+) more are not shown: `w\.fields", quiet
        )
        assert left and int(left[2]) == total and int(left[1]) + int(left[3]) == total
        assert not CHANGED.search(render_html(w))
        client.call("screen/writeOSD", osd)
        until(lambda: any("19:45" in b["text/plain"] for b in handle.bundles))
        page = next(b for b in handle.bundles if "19:45" in b["text/plain"])
        changed = {m[1]: m[2] for m in CHANGED.finditer(page["text/html"])}
        assert changed.get("Osd.words.chars") == "Doors open at 19:45", changed
        text = page["text/plain"]
        assert re.search(r"^Osd\.words\.chars +Doors open at 19:45\*$", text, re.M), text
        assert "kept in view" in text and "kept in view" in page["text/html"]
        assert all(len(line) <= 80 for line in text.splitlines()), text
    finally:
        w.stop()


def test_fields_choose_what_is_shown_and_say_what_is_left_out(splicer, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    client = Client.from_splicer(splicer)
    w = Watch(
        client, "screen/readDetail", DETAIL, fields="brightness,name", every=EVERY, handle=Handle()
    )
    try:
        until(lambda: w.result is not None)
        text = render_text(w)
        assert sorted(fields_of(text)) == ["brightness", "name"]
        total = len(w.result.df.columns)
        assert f"showing 2 of {total} fields; {total - 2} more are not shown" in text
        assert ">brightness</th>" in render_html(w)
        assert all(len(line) <= 80 for line in text.splitlines()), text
        # On a running watch: other fields, then every field again (cut, and saying so).
        assert w.fields("Osd") is w and w.shown_fields == ["Osd"]
        shown = fields_of(render_text(w))
        assert shown and all(f.startswith("Osd.") for f in shown)
        w.fields()
        assert w.shown_fields is None and len(fields_of(render_text(w))) == 20
    finally:
        w.stop()
    with pytest.raises(ConfigError, match="fields"):
        Watch(client, "screen/readDetail", DETAIL, fields=[1], start=False, handle=Handle())


def test_a_table_keeps_changed_rows_in_view_past_its_first_rows():
    from openapi_magic.ops._watch import VIEW_ROWS, _changes, _shown_view, _Splicer
    from openapi_magic.render._tables import rows_view

    rows = [{"name": f"screen {i}", "brightness": 50} for i in range(VIEW_ROWS + 10)]
    spl = _Splicer("a", None, "h", False)
    old = rows_view(rows, limit=None)
    rows[-1] = {"name": rows[-1]["name"], "brightness": 90}
    spl.view = rows_view(rows, limit=None)
    spl.changed = _changes(old, spl.view)
    view = _shown_view(spl, None)
    assert view.cells[-1] == [f"screen {VIEW_ROWS + 9}", "90"]
    assert view.marks == {(VIEW_ROWS, 1)}
    assert (
        str(view.cuts[0])
        == f"showing {VIEW_ROWS + 1} of {VIEW_ROWS + 10} rows; 9 more are not shown: `w.result.df`, or `w.fields(...)`"
    )


@pytest.mark.slow
def test_magic_watch_takes_fields(ip, splicer):
    ip.user_ns["splicer"] = splicer
    ip.run_line_magic("openapi_connect", "splicer")
    w = ip.run_line_magic(
        "openapi_watch",
        'screen/readDetail --every 0.05 -b --fields brightness,name {"deviceId": 0, "screenId": 0}',
    )
    try:
        assert w.shown_fields == ["brightness", "name"]
        until(lambda: w.result is not None)
        assert "brightness" in fields_of(render_text(w))
    finally:
        w.stop()
