"""The magic, in a real InteractiveShell running real cells against splicer-shaped servers."""

import base64
import json
import re

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output
from standin import Reply, StandIn, free_port

from openapi_magic import Client, load_catalog
from openapi_magic.core import protocol
from openapi_magic.frontends._magics import LAST_ERROR, OpenAPIMagics, substitute

KEY = "Magic-Test-Secret-Key-42"


def magics(ip) -> OpenAPIMagics:
    return ip.magics_manager.registry["OpenAPIMagics"]


@pytest.fixture(params=[True, False], ids=["encrypted", "plain"])
def splicer(request):
    with StandIn(encrypt=request.param, secret_key=KEY) as s:
        s.secret_key = KEY
        yield s


class Captured:
    """What a cell printed: ``stdout`` holds stdout and stderr (IPython prints
    UsageErrors to stderr in a terminal shell, to the error output in a kernel)."""

    def __init__(self, cap):
        self.stdout = cap.stdout + cap.stderr
        self.stderr = cap.stderr
        self.outputs = cap.outputs


def run(ip, code):
    """Run a cell; return (ExecutionResult, captured output)."""
    with capture_output() as cap:
        res = ip.run_cell(code, store_history=True)
    return res, Captured(cap)


def html_of(ip, obj) -> str:
    data, _ = ip.display_formatter.format(obj)
    return data.get("text/html", "")


def connect(ip, splicer, check=True):
    """Connect to ``splicer``; ``check=False`` for a splicer that refuses every call (the
    connect check would fail the cell: these tests are about what cells show)."""
    ip.user_ns["splicer"] = splicer
    res, cap = run(ip, "%openapi_connect splicer" + ("" if check else " --no-check"))
    assert res.success, cap.stdout
    # The connect read main/initStatus (model and firmware): tests count what cells send.
    asked = ["/open/api/main/initStatus"] if check else []
    assert [r.path for r in splicer.requests] == asked
    splicer.requests.clear()
    splicer.opened.clear()
    return cap


def test_cell_sends_signed_call_and_returns_result(ip, splicer):
    cap = connect(ip, splicer)
    assert splicer.root in cap.stdout and "'demo'" in cap.stdout
    res, cap = run(ip, '%%openapi screen/readList -o screens\n{"deviceId": 0}')
    assert res.success
    r = res.result
    assert r.ok and r.encrypted is splicer.encrypt and ip.user_ns["screens"] is r
    assert ip.user_ns["_"] is r  # returned, so _ works
    assert list(r.df["name"]) == ["Main LED", "Side <b>Left</b>"]
    assert splicer.opened[-1].sign_ok and splicer.opened[-1].body == {"deviceId": 0}
    html = html_of(ip, r)
    assert "Main LED" in html and "Side &lt;b&gt;Left&lt;/b&gt;" in html
    assert "Raw envelope" in html and "sign verified" in html


def test_leading_slash_and_line_form(ip, splicer):
    connect(ip, splicer)
    res, _ = run(ip, 'r = %openapi /screen/readList {"deviceId": 0}')
    assert res.success and ip.user_ns["r"].ok
    assert splicer.requests[-1].path == "/open/api/screen/readList"
    # IPython's own {} / $ expansion must not touch the inline JSON
    ip.user_ns["deviceId"] = "EXPANDED"
    res, _ = run(ip, 'r = %openapi screen/readList {"deviceId": 0}')
    assert res.success and splicer.opened[-1].body == {"deviceId": 0}


def test_variables_go_in_as_json(ip, splicer):
    connect(ip, splicer)
    ip.user_ns.update(sid=3, name='Main "LED" \\ $', ids=[1, 2], opts={"a": None})
    res, _ = run(
        ip,
        "%%openapi screen/rename\n"
        '{"deviceId": 0, "screenId": $sid, "name": $name, "x": $ids, "y": $opts,'
        ' "z": "cost $$5", "label": "screen $sid"}',
    )
    assert res.success, res.error_in_exec
    assert splicer.opened[-1].body == {
        "deviceId": 0,
        "screenId": 3,
        "name": 'Main "LED" \\ $',
        "x": [1, 2],
        "y": {"a": None},
        "z": "cost $5",
        "label": "screen 3",
    }


def test_substitute_numpy_and_unknown_names():
    np = pytest.importorskip("numpy")
    assert substitute("[$a, $b]", {"a": np.int64(7), "b": np.array([1, 2])}) == "[7, [1, 2]]"
    with pytest.raises(UsageError, match=r"\$nope is not defined"):
        substitute('{"a": $nope}', {})
    with pytest.raises(UsageError, match="no JSON form"):
        substitute('{"a": $o}', {"o": object()})
    assert substitute('{"a": "$ 5", "b": "\\"$x\\""}', {"x": 1}) == '{"a": "$ 5", "b": "\\"1\\""}'


@pytest.mark.slow
def test_dry_run_sends_nothing_and_masks_the_secret(ip, splicer):
    connect(ip, splicer)
    res, cap = run(ip, '%%openapi screen/readList --dry-run -o dr\n{"deviceId": 0}')
    assert res.success and splicer.requests == []
    prepared = ip.user_ns["dr"]
    text = str(prepared)
    html = html_of(ip, prepared)
    assert "DRY RUN" in text and prepared.envelope["sign"] in text and "DRY RUN" in html
    if splicer.encrypt:
        assert "<secretKey>" in text and "&lt;secretKey&gt;" in html
    else:
        assert "not the body" in text
    assert KEY not in text + html + cap.stdout


@pytest.mark.slow
def test_encryption_override_per_cell(ip):
    with StandIn(encrypt=False, secret_key=KEY) as s:
        s.secret_key = KEY
        ip.user_ns["sp"] = s
        run(ip, "%openapi_connect sp --encrypt")
        assert magics(ip).client.encrypt
        res, _ = run(ip, '%%openapi screen/readList --plain\n{"deviceId": 0}')
        assert res.success and res.result.encrypted is False


@pytest.mark.slow
def test_table_option_and_display_limit(ip):
    body = {"a": [{"x": i} for i in range(64)], "b": [{"y": 1}]}
    with StandIn(encrypt=True, secret_key=KEY, reply_body=body) as s:
        s.secret_key = KEY
        connect(ip, s)
        run(ip, "%config OpenAPIMagics.display_limit = 5")
        res, _ = run(ip, '%%openapi screen/readList -t a\n{"deviceId": 0}')
        r = res.result
        assert len(r.df) == 64 and "showing 5 of 64 rows" in html_of(ip, r)
        res, _ = run(ip, '%%openapi screen/readList -t b --limit 1\n{"deviceId": 0}')
        assert list(res.result.df.columns) == ["y"]
        res, cap = run(ip, '%%openapi screen/readList -t nope -o kept\n{"deviceId": 0}')
        assert not res.success and "no 'nope' to tabulate" in cap.stdout
        assert ip.user_ns["kept"].body == body  # nothing lost


@pytest.mark.slow
def test_bad_json_points_at_line_and_column(ip, splicer):
    connect(ip, splicer)
    res, cap = run(ip, '%%openapi screen/readList\n{"deviceId": 0,\n  "x": }')
    assert isinstance(res.error_in_exec, UsageError)
    assert "cell line 3, column 8" in cap.stdout and "Traceback" not in cap.stdout
    assert splicer.requests == []


def test_unknown_interface_is_sent_with_a_note_and_did_you_mean(ip, splicer):
    connect(ip, splicer)
    res, cap = run(ip, '%%openapi screen/readlist\n{"deviceId": 0}')
    assert res.success and len(splicer.requests) == 1  # firmware may know more than we do
    note = res.result.warnings
    assert len(note) == 1 and "screen/readList" in note[0] and "'screen/readlist'" in note[0]
    assert "screen/readList" in html_of(ip, res.result)  # beside the splicer's answer
    run(ip, "%config OpenAPIMagics.strict_catalog = True")
    res, cap = run(ip, '%%openapi screen/brightnes\n{"deviceId": 0}')
    assert isinstance(res.error_in_exec, UsageError) and "strict_catalog" in cap.stdout
    assert "--force" in cap.stdout and len(splicer.requests) == 1
    res, cap = run(ip, '%%openapi screen/brightnes -f\n{"deviceId": 0}')
    assert res.success and len(splicer.requests) == 2


@pytest.mark.slow
def test_doubts_are_sent_with_warnings_and_strict_refuses_them(ip, splicer):
    spec = load_catalog().get("screen/writeBrightness")
    over = spec.field("brightness").maximum + 20
    connect(ip, splicer)
    res, cap = run(ip, f'%%openapi screen/writeBrightness\n{{"deviceId": 0, "brightness": {over}}}')
    assert res.success and len(splicer.requests) == 1
    warned = " ".join(res.result.warnings)
    assert "screenId is required" in warned and f"not {over:g}" in warned
    assert "screenId is required" in html_of(ip, res.result)
    assert "screenId is required" in res.result.to_text()
    run(ip, "%config OpenAPIMagics.strict_catalog = True")
    res, cap = run(ip, f'%%openapi screen/writeBrightness\n{{"deviceId": 0, "brightness": {over}}}')
    assert isinstance(res.error_in_exec, UsageError)
    assert "screenId is required" in cap.stdout and len(splicer.requests) == 1
    res, _ = run(ip, '%%openapi screen/writeBrightness --force\n{"deviceId": 0}')
    assert len(splicer.requests) == 2


def test_a_type_that_cannot_be_right_is_refused_before_sending(ip, splicer):
    connect(ip, splicer)
    res, cap = run(
        ip,
        "%%openapi screen/writeBrightness\n"
        '{"deviceId": 0, "screenId": 0, "brightness": {"level": 5}}',
    )
    assert isinstance(res.error_in_exec, UsageError)
    assert "brightness must be an integer" in cap.stdout and "--force" in cap.stdout
    assert splicer.requests == []


def _status_splicer(status, msg, encrypt=True):
    def h(req):
        env = req.envelope()
        return Reply.json(
            protocol.seal_reply(
                status,
                msg,
                None,
                pid=env["pId"],
                timestamp=env["timeStamp"],
                secret_key=KEY,
                encrypt=encrypt,
            )
        )

    s = StandIn(h, encrypt=encrypt, secret_key=KEY)
    s.secret_key = KEY
    return s


def test_vendor_error_is_short_red_with_hint_and_fails_the_cell(ip):
    with _status_splicer(15, "illegal pId") as s:
        connect(ip, s, check=False)
        res, cap = run(ip, '%%openapi screen/readList -o r\n{"deviceId": 0}')
    assert not res.success
    out = cap.stdout
    assert "OpenAPI error: screen/readList failed with status 15" in out
    assert "Traceback" not in out and "shown above" in out
    shown = "".join(o.data.get("text/plain", "") for o in cap.outputs)  # the reply, shown
    hint = "Hint: " + load_catalog().status(15).hint[:40]
    assert hint in shown and hint not in out  # once (issue 17: not repeated by the error)
    assert ip.user_ns["r"].status == 15  # the Result is kept
    assert ip.user_ns[LAST_ERROR].result is ip.user_ns["r"]
    assert any("illegal pId" in html_of(ip, o) for o in [ip.user_ns["r"]])


def test_transport_error_is_short_and_keeps_what_arrived(ip):
    with StandIn(
        lambda req: Reply(b"<html>Bad gateway</html>", status=502, reason="Bad Gateway")
    ) as s:
        s.secret_key = KEY
        connect(ip, s, check=False)
        res, cap = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    assert not res.success and "HTTP 502" in cap.stdout and "Traceback" not in cap.stdout
    err = ip.user_ns[LAST_ERROR]
    assert err.http_status == 502 and err.raw_text == "<html>Bad gateway</html>"


def test_unreachable_splicer_and_full_tracebacks_on_request(ip):
    class Gone:
        root, pid, secret_key, encrypt = f"http://127.0.0.1:{free_port()}/open/api", "d", KEY, 1

    ip.user_ns["gone"] = Gone()
    run(ip, "%openapi_connect gone --timeout 2")
    res, cap = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    assert "connection refused" in cap.stdout and "Traceback" not in cap.stdout
    run(ip, "%config OpenAPIMagics.short_errors = False")
    res, cap = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    assert not res.success and "ConnectError" in cap.stdout + cap.stderr


def test_not_connected_says_how(ip):
    res, cap = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    assert isinstance(res.error_in_exec, UsageError) and "%openapi_connect" in cap.stdout


def test_env_connection_and_profiles_per_cell(ip, monkeypatch, tmp_path):
    with (
        StandIn(encrypt=True, secret_key=KEY) as a,
        StandIn(encrypt=False, secret_key="b" * 8, pid="hallb") as b,
    ):
        monkeypatch.setenv("OPENAPI_ROOT", a.root)
        monkeypatch.setenv("OPENAPI_PID", "demo")
        monkeypatch.setenv("OPENAPI_SECRET_KEY", KEY)
        monkeypatch.setenv("OPENAPI_ENCRYPT", "1")
        ini = tmp_path / "profiles.ini"
        ini.write_text(f"[hall-b]\nroot = {b.root}\npid = hallb\nencrypt = no\n")
        monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(ini))
        res, _ = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')  # env, nothing connected
        assert res.success and res.result.encrypted and len(a.requests) == 1
        res, _ = run(ip, '%%openapi screen/readList -p hall-b\n{"deviceId": 0}')
        assert res.success and not res.result.encrypted and len(b.requests) == 1
        res, cap = run(ip, '%%openapi screen/readList -p hall-z\n{"deviceId": 0}')
        assert "No profile 'hall-z'" in cap.stdout and "known: hall-b" in cap.stdout


@pytest.mark.slow
def test_url_connection_asks_secret_with_hidden_prompt(ip, monkeypatch, splicer):
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or KEY)
    mode = "--encrypt" if splicer.encrypt else "--plain"
    res, cap = run(ip, f"%openapi_connect {splicer.root} --pid demo {mode}")
    assert res.success and KEY not in cap.stdout
    assert bool(asked) is splicer.encrypt
    res, _ = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    assert res.success and res.result.ok


@pytest.mark.slow
def test_help_documents_options_and_settings(ip):
    doc = magics(ip).openapi.__doc__
    for word in ("--dry-run", "-o NAME", "display_limit", "strict_sign", "short_errors", "timeout"):
        assert word in doc


@pytest.mark.slow
def test_completion_of_interface_paths(ip):
    with provisionalcompleter():
        got = [c.text for c in ip.Completer.completions("%%openapi screen/read", 21)]
        line = [c.text for c in ip.Completer.completions("r = %openapi /input/readL", 25)]
    assert "screen/readList" in got and "screen/readDetail" in got
    assert line == ["/input/readList"]


@pytest.mark.slow
def test_strict_sign_mismatch_fails_but_keeps_data(ip, splicer):
    def bad(req):
        out = json.loads(splicer.splicer(req).body)
        out["sign"] = protocol.sign_plain("1", "someone-else")
        return Reply.json(out)

    splicer.handler = bad
    connect(ip, splicer)
    res, _ = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    assert res.success and "SIGN MISMATCH" in html_of(ip, res.result)
    run(ip, "%config OpenAPIMagics.strict_sign = True")
    res, cap = run(ip, '%%openapi screen/readList\n{"deviceId": 0}')
    assert not res.success and "does not match" in cap.stdout
    assert ip.user_ns[LAST_ERROR].result.body["screens"]


@pytest.mark.slow
def test_no_secret_anywhere_in_a_whole_session(ip, monkeypatch, tmp_path):
    """Every output, repr, error and history entry of a session, scanned for the secret."""
    secret = "Whole-Session-Secret-Key-99"
    needles = [secret, secret[:8], base64.b64encode(secret.encode()).decode()]
    monkeypatch.setattr("getpass.getpass", lambda prompt: secret)
    texts = []
    with StandIn(encrypt=True, secret_key=secret) as s, _status_splicer(18, "bad sign") as bad:
        s.secret_key = secret
        ip.user_ns["sp"] = s
        cells = [
            "%openapi_connect sp",
            "%openapi_connect",
            '%%openapi screen/readList -o a\n{"deviceId": 0}',
            '%%openapi screen/readList --dry-run -o d\n{"deviceId": 0}',
            '%%openapi screen/readList --plain\n{"deviceId": 0}',
            '%%openapi screen/writeBrightness\n{"deviceId": 0}',
            '%%openapi screen/readList\n{"deviceId": 0,,}',
            f"%openapi_connect {bad.root} --pid demo --encrypt",
            '%%openapi screen/readList -o b\n{"deviceId": 0}',
            "%config OpenAPIMagics.short_errors = False",
            '%%openapi screen/readList\n{"deviceId": 0}',
            "%openapi",
        ]
        for code in cells:
            res, cap = run(ip, code)
            texts += [cap.stdout, cap.stderr]
            texts += [json.dumps(o.data, default=str) for o in cap.outputs]
            if res.result is not None:
                texts += [repr(res.result), json.dumps(ip.display_formatter.format(res.result)[0])]
            if res.error_in_exec is not None:
                texts += [str(res.error_in_exec), repr(res.error_in_exec)]
    for name in ("a", "d", "b", LAST_ERROR):
        obj = ip.user_ns.get(name)
        texts += [repr(obj), str(obj), json.dumps(ip.display_formatter.format(obj)[0])]
    texts += [repr(magics(ip).client), magics(ip).describe()]
    texts += list(ip.history_manager.input_hist_raw)
    blob = "\n".join(texts)
    assert "screen/readList" in blob and len(blob) > 5000
    for needle in needles:
        assert needle not in blob, f"secret material found: {needle[:3]}…"
    assert re.search(r"status 18", blob)


@pytest.mark.slow
def test_keep_going_shows_failures_without_failing_the_cell(ip):
    with _status_splicer(410, "brightness not supported") as s:
        connect(ip, s, check=False)
        res, cap = run(
            ip,
            "%%openapi screen/writeBrightness -k -o r\n"
            '{"deviceId": 0, "screenId": 2, "brightness": 50}',
        )
        assert res.success and ip.user_ns["r"].status == 410 and res.result is ip.user_ns["r"]
        assert "sending card" in html_of(ip, res.result)  # the failed Result, with its hint
        res, cap = run(
            ip, '%%openapi screen/writeBrightness --keep-going\n{"deviceId": 0, "screenId": [2]}'
        )
        assert res.success and res.result is None
        html = "".join(o.data.get("text/html", "") for o in cap.outputs)
        assert "screenId must be an integer" in html and "OpenAPI error" in html
        assert isinstance(ip.user_ns[LAST_ERROR], UsageError)
    with StandIn(lambda req: Reply(b"<b>x</b>", status=502)) as s:
        s.secret_key = KEY
        connect(ip, s, check=False)
        res, cap = run(ip, '%%openapi screen/readList -k\n{"deviceId": 0}')
        html = "".join(o.data.get("text/html", "") for o in cap.outputs)
        assert res.success and "HTTP 502" in html and "<b>x</b>" not in html


@pytest.mark.slow
def test_current_client_is_the_magics_connection(ip, splicer):
    from openapi_magic import current_client

    connect(ip, splicer)
    assert current_client() is magics(ip).client
    assert current_client().call("screen/readList", {"deviceId": 0}).ok


@pytest.mark.parametrize("options", ["--timeout 2", "--plain", "--encrypt"])
def test_connecting_a_client_with_options_it_cannot_take_says_so(ip, splicer, options):
    # A Client is made with its timeout and encryption: connecting one with --timeout or
    # --plain used to keep its own silently (a crew believed the 2 s were in force).
    ip.user_ns["c"] = Client.from_splicer(splicer)
    with pytest.raises(UsageError, match=r"A Client keeps the settings it was made with"):
        ip.run_line_magic("openapi_connect", f"c --no-firmware {options}")
    ip.run_line_magic("openapi_connect", "c --no-firmware --read-only")  # a guard adds up
    assert magics(ip).client is ip.user_ns["c"]


@pytest.mark.slow
def test_keep_going_vendor_failure_is_still_the_last_error(ip):
    with _status_splicer(912, "initialising") as s:
        connect(ip, s, check=False)
        res, _ = run(ip, '%%openapi screen/readList -k\n{"deviceId": 0}')
    err = ip.user_ns[LAST_ERROR]
    assert res.success and err.status == 912 and err.result is res.result


@pytest.mark.slow
def test_each_runs_the_cell_per_item_with_an_outcome_table(ip):
    from openapi_magic.server import serve

    with serve() as sp:
        ip.user_ns.update(sp=sp, ids=[0, 1, 9999])
        run(ip, "%openapi_connect sp")
        # One call failed: the cell fails, as a single failed call's does (fail_on_status),
        # after showing the outcome table; the FleetResult is kept.
        res, cap = run(
            ip,
            "%%openapi input/readDetail --each inputId=ids -o many\n"
            '{"deviceId": 0, "inputId": $inputId}',
        )
        assert not res.success and "1 of 3 calls to input/readDetail failed" in cap.stdout
        assert ip.user_ns[LAST_ERROR].fleet is ip.user_ns["many"]
        # -k (or fail_on_status = False) shows it without failing the cell.
        res, _ = run(
            ip,
            "%%openapi input/readDetail --each inputId=ids -o many -k\n"
            '{"deviceId": 0, "inputId": $inputId}',
        )
        assert res.success
        ip.run_line_magic("config", "OpenAPIMagics.fail_on_status = False")
        try:
            res, _ = run(
                ip,
                "%%openapi input/readDetail --each inputId=ids -o many\n"
                '{"deviceId": 0, "inputId": $inputId}',
            )
        finally:
            ip.run_line_magic("config", "OpenAPIMagics.fail_on_status = True")
        assert res.success
        fr = ip.user_ns["many"]
        assert (fr.n_ok, fr.n_failed) == (2, 1)
        out = fr.outcomes
        assert sorted(out["inputId"]) == [0, 1, 9999]
        assert not out.loc[out["inputId"] == 9999, "ok"].item()
        assert sorted(set(fr.df["request.inputId"])) == [0, 1]
        html = html_of(ip, fr)
        assert "9999" in html and "outcome" in html.lower()


@pytest.mark.slow
def test_on_runs_the_cell_on_every_splicer(ip):
    from openapi_magic.server import serve

    with serve() as a, serve(encrypt=False) as b, serve(pid="other") as c:
        wrong = Client(c.root, "nobody", c.secret_key, encrypt=True)
        ip.user_ns["rig"] = {"hall-a": a, "hall-b": b, "wrong": wrong}
        res, _ = run(ip, '%%openapi screen/readList --on rig --workers 2 -k\n{"deviceId": 0}')
        fr = res.result
        assert fr.n_ok == 2 and fr.n_failed == 1
        assert set(fr.df["splicer"]) == {"hall-a", "hall-b"}
        failed = fr.outcomes[~fr.outcomes["ok"]]
        assert list(failed["splicer"]) == ["wrong"] and list(failed["status"]) == [15]


@pytest.mark.slow
def test_on_with_strict_sign_fails_on_a_sign_mismatch(ip, splicer):
    """strict_sign holds for fleet cells as for one call: a reply whose sign does not match
    fails the cell, although its status is 0."""
    from openapi_magic.server import serve

    def bad(req):
        out = json.loads(splicer.splicer(req).body)
        out["sign"] = protocol.sign_plain("1", "someone-else")
        return Reply.json(out)

    splicer.handler = bad
    with serve() as good:
        ip.user_ns["rig"] = {"good": good, "forged": splicer}
        res, _ = run(ip, '%%openapi screen/readList --on rig\n{"deviceId": 0}')
        assert res.success  # a mismatch alone passes by default (it is shown)
        ip.run_line_magic("config", "OpenAPIMagics.strict_sign = True")
        try:
            res, cap = run(ip, '%%openapi screen/readList --on rig\n{"deviceId": 0}')
        finally:
            ip.run_line_magic("config", "OpenAPIMagics.strict_sign = False")
        assert not res.success and "1 of 2 replies" in cap.stdout and "strict_sign" in cap.stdout


@pytest.mark.slow
def test_each_usage_errors(ip, splicer):
    connect(ip, splicer)
    ip.user_ns["ids"] = [1, 2]
    res, cap = run(ip, '%%openapi input/readDetail --each ids\n{"inputId": $inputId}')
    assert isinstance(res.error_in_exec, UsageError) and "NAME=VAR" in cap.stdout
    res, cap = run(
        ip,
        "%%openapi screen/writeBrightness --each b=ids\n"
        '{"deviceId": 0, "screenId": 0, "brightness": $b, "x": $nope}',
    )
    assert isinstance(res.error_in_exec, UsageError) and "$nope" in cap.stdout
    ip.user_ns["levels"] = [50, [500]]
    res, cap = run(
        ip,
        "%%openapi screen/writeBrightness --each b=levels\n"
        '{"deviceId": 0, "screenId": 0, "brightness": $b}',
    )
    assert "for b = [500]" in cap.stdout and splicer.requests == []  # nothing sent at all
