"""The client against a splicer-shaped stand-in on loopback: both modes, every error path."""

import base64
import logging
import pickle
import re
import time

import pandas as pd
import pytest
from _hardening import SECRET, assert_no_secret, frames_text
from standin import Reply, Request, StandIn, free_port

from openapi_magic import Client, load_catalog
from openapi_magic.core import protocol
from openapi_magic.errors import (
    ConfigError,
    ConnectError,
    DecodeError,
    DecryptionError,
    HTTPStatusError,
    OpenAPIError,
    ReplyTooLarge,
    RequestTimeout,
    RequestValidationError,
    SignatureError,
    StatusError,
    TransportError,
)
from openapi_magic.ops._captures import capture
from openapi_magic.server import serve

KEY = "H-series-demo-secret"


@pytest.fixture(autouse=True, params=["light", "requests"])
def transport(request, monkeypatch):
    """Every test on both transports of an http root (https always goes by requests)."""
    monkeypatch.setenv("OPENAPI_MAGIC_TRANSPORT", request.param)
    return request.param


@pytest.fixture(params=[True, False], ids=["encrypted", "plain"])
def mode(request):
    return request.param


@pytest.fixture
def server(mode):
    with StandIn(encrypt=mode, secret_key=KEY) as s:
        yield s


def client_for(s, **kw):
    kw.setdefault("encrypt", s.encrypt)
    kw.setdefault("timeout", 5)
    return Client(s.root, s.pid, KEY, **kw)


def test_call_returns_result_with_documented_fields(server):
    c = client_for(server)
    r = c.call("screen/readList", {"deviceId": 0})
    assert r.ok and r.status == 0 and r.msg == "Success"
    assert r.body["screens"][0]["name"] == "Main LED"
    assert r.url == server.root + "/screen/readList"
    assert r.http_status == 200 and r.elapsed > 0 and r.encrypted is server.encrypt
    assert r.sign_verdict == "verified"
    sent = server.requests[-1].envelope()
    assert r.request_envelope == sent  # exactly as sent
    assert server.opened[-1].sign_ok and server.opened[-1].body == {"deviceId": 0}
    assert r.response_envelope == protocol.json.loads(r.raw_text)
    assert isinstance(r.df, pd.DataFrame)
    assert list(r.df["name"]) == ["Main LED", "Side <b>Left</b>"]
    assert r.to_dataframe() is r.df  # cached


def test_leading_slash_and_root_slash_are_joined_once(server):
    c = Client(server.root + "/", server.pid, KEY, encrypt=server.encrypt)
    r = c.call("/screen/readList", {"deviceId": 0})
    assert server.requests[-1].path == "/open/api/screen/readList" and r.ok


def test_vendor_failure_is_a_result_and_raise_for_status_raises(mode):
    def h(req):
        env = req.envelope()
        return Reply.json(
            protocol.seal_reply(
                410,
                "brightness not supported",
                None,
                pid=env["pId"],
                timestamp=env["timeStamp"],
                secret_key=KEY,
                encrypt=mode,
            )
        )

    with StandIn(h) as s:
        r = client_for(s, encrypt=mode).call(
            "screen/writeBrightness", {"deviceId": 0, "screenId": 2, "brightness": 50}
        )
    assert not r.ok and r.status == 410 and r.body is None
    assert "sending card" in r.hint
    with pytest.raises(StatusError) as info:
        r.raise_for_status()
    err = info.value
    assert err.status == 410 and err.result is r and err.raw_text == r.raw_text
    assert "410" in str(err) and "screen/writeBrightness" in str(err)


def test_quirky_firmware_status_key_and_empty_sign():
    def h(req):
        return Reply.json(
            {
                "status ": "0",
                "msg": "Success",
                "sign": "",
                "body": {"initStatus": 1, "mainModelId": 29962},
            }
        )

    with StandIn(h, encrypt=False) as s:
        r = client_for(s, encrypt=False).call("main/initStatus")
    assert r.ok and r.sign_verdict == "absent" and r.df.loc[0, "mainModelId"] == 29962


def test_clock_skew_hint_uses_date_header():
    def h(req):
        return Reply.json({"status": 11, "msg": "incorrect device time", "body": ""})

    with StandIn(h, clock=lambda: time.time() - 3600) as s:
        r = client_for(s).call("main/initStatus")
    skew = int(re.search(r"about (\d+) s ahead of the splicer", r.hint).group(1))
    assert r.status == 11 and abs(skew - 3600) <= 2  # the Date header has 1 s resolution


def test_strict_sign_raises_but_keeps_the_data(server):
    server.handler = lambda req: Reply.json(
        dict(protocol.json.loads(server.splicer(req).body), sign=protocol.sign_plain("1", "x"))
    )
    r = client_for(server).call("screen/readList", {"deviceId": 0})
    assert r.sign_verdict == "mismatch" and r.body["screens"]
    with pytest.raises(SignatureError) as info:
        client_for(server, strict_sign=True).call("screen/readList", {"deviceId": 0})
    assert info.value.result.body["screens"]


def test_doubts_are_sent_with_warnings_certain_problems_refused_strict_refuses_all(server):
    over = load_catalog().get("screen/writeBrightness").field("brightness").maximum + 50
    c = client_for(server)
    r = c.call("screen/writeBrightness", {"deviceId": 0, "brightness": over}, check=True)
    assert len(server.requests) == 1  # a range and a required field: doubts, sent anyway
    assert any("screenId is required" in w for w in r.warnings)
    assert any(f"not {over:g}" in w for w in r.warnings)
    assert "screenId is required" in r.to_text() and "screenId is required" in r._repr_html_()
    with pytest.raises(RequestValidationError) as info:  # an object for an integer: certain
        c.call("screen/writeBrightness", {"deviceId": 0, "screenId": {"id": 0}}, check=True)
    assert "screenId must be an integer" in str(info.value) and len(server.requests) == 1
    strict = client_for(server, strict_catalog=True)
    with pytest.raises(RequestValidationError) as info:
        strict.call("screen/writeBrightness", {"deviceId": 0, "brightness": over})
    assert "screenId is required" in str(info.value) and "strict_catalog" in str(info.value)
    assert len(server.requests) == 1
    r = strict.call("screen/writeBrightness", {"deviceId": 0}, strict_catalog=False)
    assert r.warnings and len(server.requests) == 2
    assert c.call("screen/writeBrightness", {"deviceId": 0}, check=False).warnings == []


def test_unknown_interface_is_sent_with_a_did_you_mean(server):
    r = client_for(server).call("screen/readlist", {"deviceId": 0})
    assert len(server.requests) == 1 and "did you mean screen/readList" in r.warnings[0]
    assert "screen/readList" in r.summary() + r.to_text()
    dry = client_for(server).prepare("screen/readlist", {"deviceId": 0})
    assert dry.warnings == tuple(r.warnings) and "screen/readList" in str(dry)


def test_short_secret_refused_before_sending(server):
    with pytest.raises(ConfigError, match="at least 8"):
        Client(server.root, "demo", "short", encrypt=True)
    c = Client(server.root, "demo", "short", encrypt=False)  # plain mode never uses it
    with pytest.raises(ConfigError, match="at least 8"):
        c.call("screen/readList", {"deviceId": 0}, encrypt=True)
    assert server.requests == []


def test_from_env(server, monkeypatch):
    env = {
        "OPENAPI_ROOT": server.root,
        "OPENAPI_PID": server.pid,
        "OPENAPI_SECRET_KEY": KEY,
        "OPENAPI_ENCRYPT": "true" if server.encrypt else "0",
    }
    c = Client.from_env(env)
    assert c.encrypt is server.encrypt and c.call("screen/readList", {"deviceId": 0}).ok
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert Client.from_env().call("screen/readList", {"deviceId": 0}).ok
    with pytest.raises(ConfigError, match="OPENAPI_ROOT"):
        Client.from_env({})
    with pytest.raises(ConfigError, match="OPENAPI_ENCRYPT"):
        Client.from_env(dict(env, OPENAPI_ENCRYPT="maybe"))


def test_encryption_mismatch_both_ways():
    with StandIn(encrypt=False) as s:  # splicer plain, client encrypts: reply body is an object
        with pytest.raises(DecryptionError) as info:
            Client(s.root, s.pid, KEY, encrypt=True).call("screen/readList", {"deviceId": 0})
        assert "encryption" in str(info.value) and info.value.raw_text
    enc_reply = protocol.seal_reply(
        0, "", {"a": 1}, pid="demo", timestamp="1", secret_key=KEY, encrypt=True
    )
    with StandIn(lambda req: Reply.json(enc_reply)) as s:
        with pytest.raises(DecryptionError) as info:
            Client(s.root, s.pid, KEY, encrypt=False).call("screen/readList", {"deviceId": 0})
        assert "encrypt=True" in str(info.value)
        assert info.value.response_envelope == enc_reply


def test_wrong_key_reply_is_a_decryption_error_with_envelope():
    with StandIn(secret_key="another-secret-key") as s:
        s.handler = lambda req: Reply.json(
            protocol.seal_reply(
                0,
                "",
                {"a": 1},
                pid="demo",
                timestamp="1",
                secret_key="another-secret-key",
                encrypt=True,
            )
        )
        with pytest.raises(DecryptionError) as info:
            Client(s.root, "demo", KEY, encrypt=True).call("main/initStatus")
    err = info.value
    assert err.likely == "wrong secretKey" and err.http_status == 200
    assert err.response_envelope["body"] and err.url.endswith("/main/initStatus")


@pytest.mark.parametrize(
    "reply,error,words",
    [
        (
            Reply(
                b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                status=502,
                reason="Bad Gateway",
                headers={"Content-Type": "text/html"},
            ),
            HTTPStatusError,
            "HTTP 502",
        ),
        (Reply(b"", status=504, reason="Gateway Timeout"), HTTPStatusError, "504"),
        (Reply(b""), DecodeError, "empty body"),
        (
            Reply(b"hello, not json", headers={"Content-Type": "text/plain"}),
            DecodeError,
            "not JSON",
        ),
        (Reply(b"[1, 2]"), DecodeError, "array"),
        (
            Reply(b"", status=302, reason="Found", headers={"Location": "http://evil.example/x"}),
            HTTPStatusError,
            "redirect to http://evil.example/x",
        ),
        (
            Reply.json(
                {"status": 94, "msg": "invalid command", "body": ""}, status=404, reason="Not Found"
            ),
            HTTPStatusError,
            "status 94",
        ),
    ],
)
def test_odd_replies_give_one_clear_error_with_what_arrived(reply, error, words):
    with StandIn(lambda req: reply) as s, pytest.raises(error) as info:
        client_for(s).call("screen/readList", {"deviceId": 0})
    err = info.value
    assert words in str(err) and s.root in str(err)
    assert err.http_status == reply.status and err.raw_text == reply.body.decode()
    assert err.request_envelope["pId"] == "demo"


def test_connection_refused_is_connect_error_not_sent():
    c = Client(f"http://127.0.0.1:{free_port()}/open/api", "demo", KEY, encrypt=True, timeout=3)
    with pytest.raises(ConnectError) as info:
        c.call("screen/readList", {"deviceId": 0})
    assert info.value.sent is False and "connection refused" in str(info.value)


def test_reset_mid_reply_and_truncation_are_transport_errors():
    body = b'{"status": 0, "msg": "Success", "sign": "", "body": {"screens": []}}'
    with StandIn(lambda req: Reply(body, reset_after=10)) as s:
        with pytest.raises(TransportError) as info:
            client_for(s).call("screen/readList", {"deviceId": 0})
        assert info.value.sent and "broke" in str(info.value)
    with StandIn(lambda req: Reply(body, truncate_to=20)) as s:
        with pytest.raises(TransportError) as info:
            client_for(s).call("screen/readList", {"deviceId": 0})
        assert info.value.raw_text == body[:20].decode()


@pytest.mark.slow
def test_timeouts_fire_for_silence_and_for_a_slow_drip():
    with StandIn(lambda req: Reply(b"{}", delay=3)) as s, pytest.raises(RequestTimeout):
        client_for(s, timeout=0.5).call("main/initStatus")
    body = b'{"status": 0, "msg": "", "body": ""}' * 4
    with StandIn(lambda req: Reply(body, drip_seconds=0.1)) as s:
        t0 = time.monotonic()
        with pytest.raises(RequestTimeout) as info:
            client_for(s, timeout=0.5).call("main/initStatus")
        # bounded by about twice the timeout, never the drip's 14 s (not a speed claim)
        assert time.monotonic() - t0 < 10
    assert "did not finish" in str(info.value) or "stalled" in str(info.value)


def test_reply_size_cap():
    big = Reply.json({"status": 0, "msg": "", "body": {"x": "a" * 5000}})
    with StandIn(lambda req: big) as s, pytest.raises(ReplyTooLarge, match="max_reply_bytes"):
        client_for(s, max_reply_bytes=1000).call("main/initStatus")
    nolen = Reply(big.body, content_length=False)
    with StandIn(lambda req: nolen) as s:
        with pytest.raises(ReplyTooLarge) as info:
            client_for(s, max_reply_bytes=1000).call("main/initStatus")
        assert info.value.raw_text


def test_every_error_is_an_openapi_error_and_pickles():
    with StandIn(lambda req: Reply(b"nope")) as s, pytest.raises(OpenAPIError) as info:
        client_for(s).call("main/initStatus")
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is type(info.value) and again.raw_text == "nope" and str(again)


def test_client_pickles_and_keeps_working(server):
    c = pickle.loads(pickle.dumps(client_for(server)))
    assert c.call("screen/readList", {"deviceId": 0}).ok


def test_no_secret_in_any_string_the_client_produces(caplog, mode):
    """A session of calls, good and bad; every repr, message and log line is scanned."""
    secret = "Sup3r-Secret-Key-For-Scan"
    b64 = protocol.base64.b64encode(secret.encode()).decode()
    produced: list[str] = []
    caplog.set_level(logging.DEBUG)

    def bad_sign(req):
        env = req.envelope()
        out = protocol.seal_reply(
            18,
            "incorrect signature",
            None,
            pid=env["pId"],
            timestamp=env["timeStamp"],
            secret_key=secret,
            encrypt=mode,
        )
        return Reply.json(out)

    with (
        StandIn(secret_key=secret, encrypt=mode) as good,
        StandIn(bad_sign) as bad,
        StandIn(lambda req: Reply(b"<html>oops</html>", status=500)) as broken,
    ):
        for s in (good, bad, broken):
            c = Client(s.root, "demo", secret, encrypt=mode, timeout=3)
            produced += [repr(c), str(c), repr(c.__dict__)]
            prepared = c.prepare("screen/readList", {"deviceId": 0})
            produced += [repr(prepared), prepared.sign_input, prepared.data.decode()]
            try:
                r = c.call("screen/readList", {"deviceId": 0})
                produced += [repr(r), str(r), r._repr_html_(), r.to_text(), repr(r.__dict__)]
                r.raise_for_status()
            except OpenAPIError as exc:
                produced += [str(exc), repr(exc), repr(exc.__dict__)]
    for bad_key in ("short", secret):
        try:
            Client("http://127.0.0.1:1/open/api", "demo", bad_key[:5], encrypt=True)
        except OpenAPIError as exc:
            produced += [str(exc), repr(exc)]
    produced += [r.getMessage() for r in caplog.records]
    blob = "\n".join(produced)
    assert len(produced) > 20
    for needle in (secret, secret[:8], b64):
        assert needle not in blob


def test_timestamps_strictly_increase_even_within_one_millisecond(server):
    c = client_for(server, clock=lambda: 1_700_000_000.0)  # a frozen clock
    stamps = [int(c.prepare("main/initStatus").timestamp) for _ in range(5)]
    assert stamps == list(range(1_700_000_000_000, 1_700_000_000_005))
    assert c.prepare("main/initStatus", timestamp=42).timestamp == "42"  # explicit wins


# --------------------------------------------------------------------------- issue 26


@pytest.mark.parametrize(
    "key",
    [SECRET.encode(), bytearray(SECRET.encode()), SECRET + "\udc80"],
    ids=["bytes", "bytearray", "lone-surrogate"],
)
@pytest.mark.parametrize("how", ["Client", "from_env"])
def test_a_refused_key_is_in_no_frame_of_the_error(key, how, monkeypatch):
    """Issue 26 #2: wrapped first, then judged, so the refusal shows no value."""
    with pytest.raises(ConfigError, match=r"must be text|not valid Unicode") as info:
        if how == "Client":
            Client("http://127.0.0.1:9/open/api", "demo", key, encrypt=True)
        else:
            env = {"OPENAPI_ROOT": "http://127.0.0.1:9/open/api", "OPENAPI_PID": "demo"}
            Client.from_env({**env, "OPENAPI_SECRET_KEY": key})
    assert_no_secret(frames_text(info.value))


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def test_a_login_in_the_root_goes_with_the_request_only(transport):
    """Issue 26 #14: sent as basic auth (after pickling too: fleet workers), never shown."""
    with StandIn(secret_key=KEY) as s:
        root = s.root.replace("://", "://admin:Pa55word@")
        c = Client(root, "demo", KEY, encrypt=True)
        r = c.call("screen/readList", {"deviceId": 0})
        again = pickle.loads(pickle.dumps(c)).call("screen/readList", {"deviceId": 0})
        assert [q.headers.get("authorization") for q in s.requests] == [
            _basic("admin", "Pa55word")
        ] * 2
    assert c.root == s.root and r.url == again.url == s.root + "/screen/readList"
    shown = [repr(c), c.where, r.url, repr(r), r.to_text(), r._repr_html_(), str(vars(c))]
    assert "Pa55word" not in "\n".join(shown) and "admin" not in "\n".join(shown)


def test_a_root_s_login_is_in_no_capture_file(tmp_path):
    """Issue 26 #14: a capture and its anonymized copy, as saved files, keep no password."""
    splicer = serve(secret_key=KEY)
    try:
        c = Client(splicer.root.replace("://", "://admin:Pa55word@"), "demo", KEY, encrypt=True)
        cap = capture(c, quiet=True, max_seconds=30)
        saved = [cap.save(tmp_path / "cap.json"), cap.anonymized().save(tmp_path / "anon.json")]
    finally:
        splicer.stop()
    assert cap.calls and cap.root == splicer.root
    texts = [p.read_text(encoding="utf-8") for p in saved]
    texts += [repr(cap), cap._repr_html_()]
    assert not [t for t in texts if "Pa55word" in t or "admin:" in t]


#: An OSC 52 clipboard write, an OSC 0 window title, a clear screen, a C1 CSI.
ESCAPES = "\x1b]52;c;cm0gLXJmIH4=\x07 \x1b]0;pwned\x07 \x1b[2J \x9b31m"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escaping(req: Request) -> Reply:
    env = req.envelope()
    out = protocol.seal_reply(
        5, ESCAPES, None, pid=env["pId"], timestamp=env["timeStamp"], secret_key=KEY, encrypt=False
    )
    return Reply.json(out)


def test_terminal_escapes_from_a_splicer_reach_no_error_message_or_capture_view():
    """Issue 26 #9: raise_for_status's message, an HTTP error's, repr(Capture) and
    repr(capture[iface]) all go through the inert-text rule."""
    with StandIn(_escaping, secret_key=KEY, encrypt=False) as s:
        c = Client(s.root, "demo", KEY)
        r = c.call("screen/readList", {"deviceId": 0}, check=False)
        with pytest.raises(StatusError) as status:
            r.raise_for_status()
        cap = capture(c, quiet=True, max_seconds=30)
    with (
        StandIn(lambda req: Reply(status=500, body=ESCAPES.encode())) as s,
        pytest.raises(HTTPStatusError) as http,
    ):
        Client(s.root, "demo", KEY).call("screen/readList", {"deviceId": 0})
    first = cap.interfaces()[0]
    texts = [str(status.value), str(http.value), repr(cap), repr(cap[first]), repr(cap[first][0])]
    for text in texts:
        assert _CONTROL.search(text) is None, repr(text)
    assert "\\x1b]52;c;" in str(status.value) and "\\x1b]0;pwned" in str(http.value)
