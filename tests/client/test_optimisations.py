"""Issue 18, phase 2: the optimisations keep behaviour (never timing)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import json
import random
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pandas as pd
import pyDes
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from openapi_magic import Client
from openapi_magic.client import _result as result
from openapi_magic.client import _transport
from openapi_magic.core import _des, _fast, protocol
from openapi_magic.errors import TransportError

# ---------------------------------------------------------------- first cell: no pandas


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.slow
def test_load_ext_does_not_import_pandas():
    out = _run("""
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "openapi_magic")
        import openapi_magic.ops.fleet, openapi_magic.ops._captures, openapi_magic.ops._watch
        import openapi_magic.ops._capture_diff, openapi_magic.client
        print("pandas" in sys.modules)
    """)
    assert out == "False"


@pytest.mark.slow
def test_a_dataframe_still_imports_pandas_when_built():
    out = _run("""
        import sys
        from openapi_magic.client._result import records_frame
        before = "pandas" in sys.modules
        frame = records_frame([{"a": 1}])
        print(before, "pandas" in sys.modules, type(frame).__module__.split(".")[0])
    """)
    assert out == "False True pandas"


def test_the_splicers_first_answer_imports_only_what_it_needs():
    # What `python -m openapi_magic.server` must not pay before its first answer (each was
    # once imported at start-up: see benchmarks/FINDINGS.md).
    out = _run("""
        import http.client, json, sys, time
        from openapi_magic.core.protocol import seal_request
        from openapi_magic.server import DEMO_PID, DEMO_SECRET_KEY, serve
        with serve(reply_sign=True) as s:
            env = seal_request({"deviceId": 0}, pid=DEMO_PID, secret_key=DEMO_SECRET_KEY,
                               timestamp=int(time.time() * 1000), encrypt=True)
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
            conn.request("POST", "/open/api/screen/readList", json.dumps(env),
                         {"Content-Type": "application/json"})
            status = json.loads(conn.getresponse().read())["status"]
            conn.close()
        names = ("openapi_magic.server._replay", "pybase64", "msgspec", "pandas", "requests",
                 "importlib.resources", "openapi_magic.core.capture_format", "typing")
        from openapi_magic.core.catalog import load_catalog
        built = len(load_catalog()._interfaces)  # the catalog builds what is looked up
        print(status, [n for n in names if n in sys.modules], built <= 2)
    """)
    assert out == "0 [] True"


# ---------------------------------------------------------------- records_frame by columns

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=3),
    st.lists(st.integers(), max_size=2),
)


def _reference(rows):
    """What records_frame built before it went column by column."""
    if any(isinstance(v, dict) for r in rows for v in r.values()):
        return pd.json_normalize(rows, sep=".")
    return pd.DataFrame.from_records(rows)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from("abcd"), min_size=1, max_size=3, unique=True),
    st.integers(1, 6),
    st.booleans(),
    st.data(),
)
def test_records_frame_matches_pandas_own_constructors(keys, n, nested, data):
    rows = []
    for _ in range(n):
        order = data.draw(st.permutations(keys))
        row = {k: data.draw(_scalars) for k in order}
        if nested:
            row["g"] = {"x": data.draw(_scalars), "y": {"z": data.draw(_scalars)}}
        rows.append(row)
    assert_frame_equal(result.records_frame(rows), _reference(rows), check_exact=True)


@pytest.mark.parametrize(
    "rows",
    [
        [{"a": 1, "b": {"c": 2}}, {"a": 2, "b": 3}],  # an object in one row only
        [{"a": 1}, {"b": 2}],  # different keys
        [{"a": {}}, {"a": {}}],  # empty objects
        [{"a": 1, "b": None}, {"a": None, "b": "x"}],
    ],
)
def test_records_frame_irregular_rows_as_before(rows):
    assert_frame_equal(result.records_frame(rows), _reference(rows), check_exact=True)


# ---------------------------------------------------------------- DES across threads


_needs_openssl = pytest.mark.skipif(
    not _des.backend().startswith("OpenSSL"), reason="no libcrypto with DES-ECB here"
)


@_needs_openssl
@pytest.mark.parametrize("threads", [2, 3, 5])
@pytest.mark.parametrize("size", [3 * (1 << 20) + 8 * 7, _des._SPLIT_BYTES, 4 << 20])
def test_a_multi_megabyte_body_split_across_threads_gives_single_thread_bytes(
    monkeypatch, threads, size
):
    rng = random.Random(size)
    key, data = rng.randbytes(8), rng.randbytes(size)
    monkeypatch.setattr(_des, "_THREADS", 1)
    one = bytes(_des.ecb_encrypt(key, data))
    seen: list[str] = []
    real = _des._OpenSSL._part

    def spy(self, *args):
        seen.append(threading.current_thread().name)
        return real(self, *args)

    monkeypatch.setattr(_des._OpenSSL, "_part", spy)
    monkeypatch.setattr(_des, "_THREADS", threads)
    many = bytes(_des.ecb_encrypt(key, data))
    assert len(seen) == len(set(seen)) == threads  # it did split, one part a thread
    assert many == one == bytes(_des.ecb_encrypt(key, data, "pycryptodome"))
    assert bytes(_des.ecb_decrypt(key, many)) == data
    head = data[:4096]
    assert many[:4096] == pyDes.des(key, pyDes.ECB).encrypt(head)


def test_default_threads_are_at_most_two(monkeypatch):
    monkeypatch.setattr(_des, "_THREADS", 0)
    monkeypatch.setattr(_des.os, "cpu_count", lambda: 16)
    assert _des._threads() == 2
    monkeypatch.setattr(_des.os, "cpu_count", lambda: None)
    assert _des._threads() == 1


@_needs_openssl
def test_an_error_in_a_worker_thread_is_raised_in_the_caller(monkeypatch):
    real = _des._OpenSSL._part
    main = threading.get_ident()

    def fail_off_main(self, *args):
        if threading.get_ident() != main:
            raise ValueError("OpenSSL DES-ECB failed")
        return real(self, *args)

    monkeypatch.setattr(_des._OpenSSL, "_part", fail_off_main)
    monkeypatch.setattr(_des, "_THREADS", 2)
    with pytest.raises(ValueError, match="DES-ECB failed"):
        _des.ecb_encrypt(b"12345678", bytes(1 << 20))


# ---------------------------------------------------------------- fast codecs, both ways


@pytest.fixture(params=["fast", "stdlib"])
def codecs(request, monkeypatch):
    """Each test runs with msgspec/pybase64 (when installed) and with the fallback."""
    if request.param == "stdlib":
        monkeypatch.setattr(_fast, "_DECODER", None)
        monkeypatch.setattr(_fast, "_pybase64", None)
    elif _fast.backends() != {"json": "msgspec", "base64": "pybase64"}:
        pytest.skip("msgspec / pybase64 not installed")
    else:  # the cases are short: send them through msgspec all the same
        monkeypatch.setattr(_fast, "_FAST_MIN_CHARS", 0)
    return request.param


def test_backends_name_what_is_used(codecs):
    expect = (
        {"json": "msgspec", "base64": "pybase64"}
        if codecs == "fast"
        else {"json": "json", "base64": "base64"}
    )
    assert _fast.backends() == expect


def _outcome(fn, *args):
    try:
        value = fn(*args)
    except BaseException as exc:  # noqa: BLE001
        return "error", type(exc), str(exc)
    return "value", type(value), repr(value)


_JSON_CASES = [
    '{"a": 1, "b": [1, 2.5, -0, -0.0, 1e-400, 1E+2], "a": 3}',  # duplicate key: the last
    "[18446744073709551616, -9223372036854775809, 1" + "0" * 300 + "]",
    "7" * 4300,
    "7" * 4301,  # Python's digit limit
    "[NaN, Infinity, -Infinity]",
    "[1e400]",
    "[" + "1" * 400 + ".5]",
    '"\\ud800"',
    '{"\\udc00x": 1}',
    '"\\u0000 \\/ é \\u2028 😀"',
    '"a\x01b"',
    "\ufeff[1]",
    "[1,]",
    '{"a":1}x',
    "[01]",
    "",
    "   ",
    " [1] ",
    "[" * 5000 + "]" * 5000,
    "[" * 50 + "]" * 50,
]


@pytest.mark.parametrize("text", _JSON_CASES, ids=range(len(_JSON_CASES)))
def test_loads_gives_json_loads_values_and_errors(codecs, text):
    assert _outcome(_fast.loads, text) == _outcome(json.loads, text)


@pytest.mark.parametrize("text", _JSON_CASES, ids=range(len(_JSON_CASES)))
def test_decrypt_body_gives_the_same_values_and_errors_both_ways(codecs, monkeypatch, text):
    key = "0123456789abcdef"
    plain = text.encode("utf-8", "surrogatepass")
    n = 8 - len(plain) % 8
    body = base64.b64encode(bytes(_des.ecb_encrypt(key.encode()[:8], plain + bytes((n,)) * n)))
    got = _outcome(protocol.decrypt_body, body.decode(), key)
    monkeypatch.setattr(_fast, "_DECODER", None)
    monkeypatch.setattr(_fast, "_pybase64", None)
    assert got == _outcome(protocol.decrypt_body, body.decode(), key)


@contextlib.contextmanager
def _short_through_fast():
    """Short texts sent through pybase64 too (they go to base64 below 64 KiB)."""
    saved = _fast._FAST_MIN_CHARS
    _fast._FAST_MIN_CHARS = 0
    try:
        yield
    finally:
        _fast._FAST_MIN_CHARS = saved


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \n-_é",
        max_size=40,
    )
)
def test_b64decode_gives_base64s_values_and_errors(text):
    want = _outcome(lambda t: base64.b64decode(t, validate=True), text)
    assert _outcome(_fast.b64decode, text) == want
    with _short_through_fast():
        assert _outcome(_fast.b64decode, text) == want
    assert want[0] == "value" or want[1] in (binascii.Error, ValueError)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_b64encode_gives_base64s_bytes(data):
    assert _fast.b64encode(data) == base64.b64encode(data)
    assert _fast.b64encode(memoryview(data)) == base64.b64encode(data)
    with _short_through_fast():
        assert _fast.b64encode(data) == base64.b64encode(data)
        assert _fast.b64encode(memoryview(data)) == base64.b64encode(data)


def test_encrypted_round_trip_both_ways(codecs):
    body = {"screens": [{"id": i, "name": f"LED {i}", "on": i % 2 == 0} for i in range(3000)]}
    sealed = protocol.encrypt_body(body, "0123456789abcdef")
    assert protocol.decrypt_body(sealed, "0123456789abcdef") == body
    assert base64.b64decode(sealed, validate=True)  # stdlib reads what was written


# ---------------------------------------------------------------- fleets: more in flight


def test_fleet_defaults_keep_more_than_eight_calls_in_flight(monkeypatch):
    """50 splicers at 50 ms could never beat 8× a loop with 8 in flight; the default
    lets 16 calls (on 16 different splicers) wait at once."""
    from openapi_magic import Client, fleet

    gate = threading.Barrier(16, timeout=20)
    lock = threading.Lock()
    state = {"now": 0, "most": 0}

    def call(self, interface, body=None, **options):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        try:
            gate.wait()  # breaks (an error) unless 16 calls are in flight together
        finally:
            with lock:
                state["now"] -= 1
        return f"{self.root} ok"

    monkeypatch.setattr(Client, "call", call)
    monkeypatch.setattr(
        fleet,
        "_attempt",
        lambda client, interface, body, options, nonce: (
            fleet._Attempt(None, None) if client.call(interface, body) else None
        ),
    )
    clients = [Client(f"http://10.0.0.{i}:8000/open/api", "demo") for i in range(32)]
    fleet.run(clients, "screen/readList", {"deviceId": 0}, progress=False)
    assert fleet.DEFAULT_MAX_WORKERS >= 16
    assert state["most"] >= 16 and not gate.broken


# ---------------------------------------------------------------- transports


KEY = "H-series-demo-secret"


class KeepAlive:
    """A raw HTTP/1.1 server that keeps connections open: ``mode`` is ``"keep"``,
    ``"close-idle"`` (closes each connection once its reply is sent, without saying
    so), ``"chunked"`` or ``"gzip"``. Answers every POST with a plain reply."""

    def __init__(self, mode: str = "keep") -> None:
        self.mode, self.connections, self.requests = mode, 0, []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.root = f"http://127.0.0.1:{self._server.getsockname()[1]}/open/api"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        data = b""
        with sock:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, v in (line.split(":", 1) for line in lines[1:])
                }
                length = int(headers.get("content-length", 0))
                while len(data) < length:
                    data += sock.recv(65536)
                envelope, data = json.loads(data[:length]), data[length:]
                self.requests.append((lines[0], headers))
                out = protocol.seal_reply(
                    0,
                    "Success",
                    {"n": len(self.requests)},
                    pid=envelope["pId"],
                    timestamp=envelope["timeStamp"],
                    secret_key=KEY,
                    encrypt=False,
                )
                body = json.dumps(out).encode()
                extra = ""
                if self.mode == "gzip":
                    body, extra = gzip.compress(body), "Content-Encoding: gzip\r\n"
                if self.mode == "chunked":
                    half = len(body) // 2
                    payload = (
                        b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:]))
                        + b"0\r\n\r\n"
                    )
                    sock.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n" + payload
                    )
                else:
                    sock.sendall(
                        (
                            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}"
                            f"Content-Length: {len(body)}\r\n\r\n"
                        ).encode()
                        + body
                    )
                if self.mode == "close-idle":
                    return

    def stop(self) -> None:
        self._server.close()


@pytest.fixture
def keepalive(request):
    server = KeepAlive(getattr(request, "param", "keep"))
    yield server
    server.stop()


def test_a_plain_http_root_gets_the_light_transport_and_reuses_one_connection(keepalive):
    with Client(keepalive.root, "demo", KEY) as client:
        assert isinstance(client._session, _transport.LightSession)
        bodies = [client.call("screen/readList", {"deviceId": 0}).body for _ in range(5)]
    assert bodies == [{"n": i} for i in range(1, 6)]
    assert keepalive.connections == 1
    line, headers = keepalive.requests[0]
    assert line == "POST /open/api/screen/readList HTTP/1.1"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["user-agent"].startswith("openapi_magic/")
    assert headers["accept"] == "application/json"


@pytest.mark.parametrize("keepalive", ["close-idle"], indirect=True)
def test_a_connection_the_splicer_closed_while_idle_is_not_reused(keepalive):
    with Client(keepalive.root, "demo", KEY) as client:
        for _ in range(3):
            time.sleep(0.05)  # the splicer's close reaches us
            assert client.call("screen/readList", {"deviceId": 0}).ok
    assert keepalive.connections == 3 and len(keepalive.requests) == 3  # nothing resent


@pytest.mark.parametrize("keepalive", ["chunked", "gzip"], indirect=True)
def test_chunked_and_gzip_replies_read_as_requests_reads_them(keepalive, monkeypatch):
    with Client(keepalive.root, "demo", KEY) as client:
        light = [client.call("screen/readList", {"deviceId": 0}).body for _ in range(2)]
    monkeypatch.setenv(_transport.ENV_TRANSPORT, "requests")
    with Client(keepalive.root, "demo", KEY) as client:
        assert isinstance(client._session, requests.Session)
        assert client.call("screen/readList", {"deviceId": 0}).body == {"n": 3}
    assert light == [{"n": 1}, {"n": 2}]


def test_requests_stays_for_https_a_proxy_a_login_and_a_session_of_ones_own(monkeypatch, tmp_path):
    for var in (
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    assert isinstance(
        _transport.session_for("http://10.0.0.5:8000/open/api"), _transport.LightSession
    )
    assert isinstance(_transport.session_for("https://10.0.0.5/open/api"), requests.Session)
    own = requests.Session()
    assert Client("http://10.0.0.5:8000/open/api", "demo", session=own)._session is own
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    s = _transport.session_for("http://10.0.0.5:8000/open/api")
    assert isinstance(s, requests.Session) and not s.trust_env
    assert s.proxies["http"] == "http://proxy.example:3128"
    monkeypatch.setenv("NO_PROXY", "10.0.0.5")  # NO_PROXY as requests reads it
    assert isinstance(
        _transport.session_for("http://10.0.0.5:8000/open/api"), _transport.LightSession
    )
    assert isinstance(_transport.session_for("http://10.0.0.6:8000/open/api"), requests.Session)
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")  # not for http roots
    assert isinstance(
        _transport.session_for("http://10.0.0.5:8000/open/api"), _transport.LightSession
    )
    monkeypatch.delenv("HTTPS_PROXY")
    assert isinstance(
        _transport.session_for("http://admin:pw@10.0.0.5/open/api"), requests.Session
    )  # requests sends the URL's login
    (tmp_path / "netrc").write_text("machine 10.0.0.5 login admin password pw\n")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    s = _transport.session_for("http://10.0.0.5:8000/open/api")
    assert isinstance(s, requests.Session) and s.auth == ("admin", "pw")


def test_an_http_proxy_in_the_environment_is_still_honoured(monkeypatch):
    """The proxy is read once, at connect; the call goes through it (absolute URL)."""
    proxy = KeepAlive()  # plays the proxy: it answers whatever it is sent
    try:
        monkeypatch.setenv("HTTP_PROXY", proxy.root.rsplit("/open/api", 1)[0])
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with Client("http://splicer.invalid:8000/open/api", "demo", KEY) as client:
            monkeypatch.delenv("HTTP_PROXY")  # read once: later changes do not matter
            assert client.call("screen/readList", {"deviceId": 0}).ok
        line, headers = proxy.requests[0]
        assert line == "POST http://splicer.invalid:8000/open/api/screen/readList HTTP/1.1"
        assert headers["host"] == "splicer.invalid:8000"
    finally:
        proxy.stop()


def test_the_ca_bundle_named_in_the_environment_is_still_used(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/some-bundle.pem")
    client = Client("https://10.0.0.5/open/api", "demo")
    assert _transport.env_verify(client._session, client.verify) == (
        "/etc/ssl/certs/some-bundle.pem"
    )
    assert _transport.env_verify(client._session, False) is False
    assert _transport.env_verify(requests.Session(), True) is True  # a session of one's own


def test_a_reply_cut_before_its_content_length_is_a_transport_error():
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        sock, _ = server.accept()
        with sock:
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(body) < length:  # all of it: closing on unread bytes would reset
                body += sock.recv(65536)
            sock.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"status": 0')
            sock.shutdown(socket.SHUT_WR)

    threading.Thread(target=serve, daemon=True).start()
    root = f"http://127.0.0.1:{server.getsockname()[1]}/open/api"
    try:
        with (
            Client(root, "demo", KEY, timeout=5) as client,
            pytest.raises(TransportError, match="cut short") as info,
        ):
            client.call("screen/readList", {"deviceId": 0})
        assert info.value.raw_text == '{"status": 0'
    finally:
        server.close()


# ---------------------------------------------------------------- fast JSON out


def _json_bytes(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


_PAD = "x" * 70_000  # over the size from which msgspec writes


_DUMPS_CASES = [
    {"data": _PAD + '\u2028 \x7f \x00 " \\ / é 😀 \t\n'},
    [{"a": 1, "b": [1.5, 0.0001, 123.0, -0.0, 9999999999999998.0, True, None]}, _PAD],
    {"big": [2**63, -(2**63), 2**64 - 1], "s": _PAD},
    {"e": [1e16, 1e-5, 1e300], "s": _PAD},  # exponents: json writes them
    {"nan": float("nan"), "s": _PAD},  # json refuses
    {"huge": 2**64, "s": _PAD},  # beyond msgspec's agreement
    {1: "int key", "s": _PAD},  # json turns it into "1"
    {"t": (1, 2, ("x",)), "s": _PAD},
    {"sub": type("S", (str,), {})("x"), "s": _PAD},  # a str subclass: json's way
    {"lone": "\ud800" + _PAD},  # json writes it; UTF-8 refuses
    {"small": 1},  # small: json's way
]


@pytest.mark.parametrize("value", _DUMPS_CASES, ids=range(len(_DUMPS_CASES)))
def test_dumps_utf8_is_json_dumps_bytes_or_declines(value):
    fast = _fast.dumps_utf8(value)
    try:
        expect = _json_bytes(value)
    except (ValueError, UnicodeEncodeError):
        assert fast is None
        return
    assert fast is None or fast == expect


@pytest.mark.parametrize("value", _DUMPS_CASES, ids=range(len(_DUMPS_CASES)))
def test_encrypt_body_same_both_ways(value, monkeypatch):
    key = "0123456789abcdef"
    got = _outcome(protocol.encrypt_body, value, key)
    monkeypatch.setattr(_fast, "_ENCODER", None)
    assert got == _outcome(protocol.encrypt_body, value, key)


def test_dumps_utf8_takes_large_plain_values():
    if _fast._encoder() is None:
        pytest.skip("msgspec not installed")
    assert _fast.dumps_utf8(_DUMPS_CASES[0]) == _json_bytes(_DUMPS_CASES[0])
    assert _fast.dumps_utf8(_DUMPS_CASES[3]) is None
