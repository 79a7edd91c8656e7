"""Property and fuzz tests (hypothesis): round trips, hostile reply envelopes, any cell text.

* Round trip: any JSON value (unicode, deep nesting, large numbers, empty strings)
  sealed then opened with any secretKey of 8+ bytes gives the value back, in both
  modes and both roles (client seals a request that the splicer opens; the
  splicer seals a reply that the client opens), across the JSON wire.
* Reply parsing: valid replies mutated every way a broken or hostile splicer can
  (missing keys, wrong types, odd statuses, every body type, bad Base64, cut
  ciphertext, wrong padding, ciphertext of non-JSON or non-UTF-8 plaintext, bytes
  that are not UTF-8 or not JSON) go through the real client path and give a
  Result that renders, or one of our documented errors that keeps the raw reply.
* Cell parsing: any ``%%openapi`` / ``%openapi`` / ``%openapi_form`` text gives a
  result, a short usage error or a short call error, never an internal exception.

The documented exceptions to a plain round trip are asserted, not skipped: a plain
string body that holds a JSON object or array is parsed (its raw string is kept),
and one that looks like Base64 ciphertext is refused as an encryption mismatch.
"""

from __future__ import annotations

import base64
import json
import os

import pytest
from _hardening import PID, SECRET, global_shell, memory_client, splicer_answer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from openapi_magic.client._result import Result
from openapi_magic.core import _des, protocol
from openapi_magic.core.catalog import load_catalog
from openapi_magic.errors import DecodeError, DecryptionError, OpenAPIError, ProtocolError
from openapi_magic.frontends._magics import OpenAPICellError, OpenAPIMagics

SETTINGS = settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------- strategies

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**40), 10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(
        [
            "",
            " ",
            "0",
            "null",
            "[]",
            "{}",
            '{"a": 1}',
            "AAAAAAAAAAA=",
            "QUFBQUFBQUFBQUFBQUFBQQ==",
            "主屏幕 🎬",
            "\u0000\u001f",
            "\\",
        ]
    )
)
shallow = st.recursive(
    scalars,
    lambda kids: (
        st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=12), kids, max_size=5)
    ),
    max_leaves=25,
)


def _nest(value, depth: int, as_dict: bool):
    for i in range(depth):
        value = {f"k{i}": value} if as_dict and i % 2 else [value]
    return value


deep = st.builds(_nest, shallow, st.integers(1, 400), st.booleans())
json_values = st.one_of(shallow, shallow, deep)
#: A secretKey of 8+ bytes: any text of 8+ characters is (UTF-8 never shrinks).
secrets = st.text(min_size=8, max_size=48)
pids = st.text(min_size=1, max_size=16)
timestamps = st.integers(0, 10**15)

REFUSED = object()  # the documented outcome "refused as an encryption mismatch"


def _same(a, b) -> bool:
    """Equal, and with the same JSON types (1 is not 1.0, True is not 1)."""
    return a == b and protocol.dumps(a) == protocol.dumps(b)


def _wire(envelope):
    """An envelope after a trip over the wire as JSON text."""
    return json.loads(json.dumps(envelope, ensure_ascii=False))


def request_expected(value, encrypt: bool):
    value = {} if value is None else value  # documented: no body is sent as {}
    if not encrypt and isinstance(value, str) and value and protocol.looks_encrypted(value):
        return REFUSED
    return value


def reply_expected(value, encrypt: bool):
    if value is None or value == "":
        return None  # "" means no data
    if encrypt or not isinstance(value, str):
        return value
    parsed = protocol._try_json(value)
    if isinstance(parsed, (dict, list)):
        return parsed  # documented: a plain string body holding JSON is parsed
    if protocol.looks_encrypted(value):
        return REFUSED
    return value


# --------------------------------------------------------------------------- round trips


@pytest.mark.slow
@SETTINGS
@given(value=json_values, secret=secrets, pid=pids, ts=timestamps, encrypt=st.booleans())
def test_request_round_trip_client_seals_splicer_opens(value, secret, pid, ts, encrypt):
    envelope = _wire(
        protocol.seal_request(value, pid=pid, secret_key=secret, timestamp=ts, encrypt=encrypt)
    )
    expected = request_expected(value, encrypt)
    if expected is REFUSED:
        with pytest.raises(DecryptionError):
            protocol.open_request(envelope, secret_key=secret, encrypt=encrypt)
        return
    opened = protocol.open_request(envelope, secret_key=secret, encrypt=encrypt)
    assert _same(opened.body, expected)
    assert opened.sign_ok and opened.pid == pid and opened.timestamp == str(ts)


@SETTINGS
@given(
    value=json_values,
    secret=secrets,
    pid=pids,
    ts=timestamps,
    encrypt=st.booleans(),
    msg=st.text(max_size=30),
    status=st.integers(-(2**31), 2**31),
)
def test_reply_round_trip_splicer_seals_client_opens(value, secret, pid, ts, encrypt, msg, status):
    envelope = _wire(
        protocol.seal_reply(
            status, msg, value, pid=pid, timestamp=ts, secret_key=secret, encrypt=encrypt
        )
    )
    expected = reply_expected(value, encrypt)
    if expected is REFUSED:
        with pytest.raises(DecryptionError):
            protocol.open_reply(envelope, pid=pid, timestamp=ts, secret_key=secret, encrypt=encrypt)
        return
    opened = protocol.open_reply(
        envelope, pid=pid, timestamp=ts, secret_key=secret, encrypt=encrypt
    )
    assert _same(opened.body, expected) if expected is not None else opened.body is None
    assert (opened.status, opened.msg, opened.sign_verdict) == (status, msg, "verified")
    assert opened.raw_body == envelope["body"]  # the body as it arrived is kept


@SETTINGS
@given(value=shallow, secret=secrets, encrypt=st.booleans())
def test_round_trip_through_the_client(value, secret, encrypt):
    """The whole client path: the call's body reaches the splicer intact, and the reply's
    body comes back intact (in-memory transport, real client code)."""
    client = memory_client(
        splicer_answer(secret, encrypt, body=value), encrypt=encrypt, secret=secret
    )
    body = {"deviceId": 0, "value": value}
    expected = reply_expected(value, encrypt)
    try:
        result = client.call("screen/readList", body)
    except DecryptionError:
        assert expected is REFUSED
        return
    sent = client.adapter.seen[-1]
    assert _same(protocol.open_request(sent, secret_key=secret, encrypt=encrypt).body, body)
    assert result.sign_verdict == "verified" and expected is not REFUSED
    assert _same(result.body, expected) if expected is not None else result.body is None


# --------------------------------------------------------------------------- hostile replies

KEY8 = SECRET.encode()[:8]
OTHER_KEY = "Another-Key-Entirely"


def _cipher(plaintext: bytes, *, pad: bool = True, key: bytes = KEY8) -> str:
    if pad:
        n = 8 - len(plaintext) % 8
        plaintext += bytes((n,)) * n
    return base64.b64encode(_des.ecb_encrypt(key, plaintext)).decode("ascii")


odd_statuses = st.one_of(
    st.sampled_from(
        [
            0,
            "0",
            " 0 ",
            "00",
            "-0",
            "--5",
            "+1",
            "1e3",
            "0x10",
            "٣",
            "",
            " ",
            "1" * 5000,
            "-" + "9" * 4400,
            0.0,
            1.5,
            -1e300,
            1e308,
            True,
            None,
            [],
            {},
            [0],
            float("nan"),
            float("inf"),
            2**70,
        ]
    ),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    shallow,
)


@st.composite
def hostile_replies(draw) -> tuple[bytes, bool]:
    """Reply bytes and the client's mode: a sealed reply, then mutated."""
    encrypt = draw(st.booleans())
    sealed_encrypt = draw(st.sampled_from([encrypt, encrypt, not encrypt]))
    env = protocol.seal_reply(
        0,
        "Success",
        draw(shallow),
        pid=PID,
        timestamp="1",
        secret_key=SECRET,
        encrypt=sealed_encrypt,
        sign=draw(st.booleans()),
    )
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(
            st.sampled_from(
                [
                    "drop",
                    "status",
                    "status-space",
                    "body-json",
                    "body-b64",
                    "body-cipher",
                    "body-nopad",
                    "body-other-key",
                    "sign",
                    "msg",
                    "reply-pid-ts",
                    "extra",
                ]
            )
        )
        body = env.get("body")
        if kind == "drop" and env:
            env.pop(draw(st.sampled_from(sorted(env))))
        elif kind == "status":
            env["status"] = draw(odd_statuses)
        elif kind == "status-space":
            env["status "] = env.pop("status", draw(odd_statuses))
        elif kind == "body-json":
            env["body"] = draw(json_values)
        elif kind == "body-b64" and isinstance(body, str) and body:
            how = draw(
                st.sampled_from(
                    ["strip-pad", "cut", "bad-char", "urlsafe", "space", "extra-pad", "unicode"]
                )
            )
            at = draw(st.integers(0, len(body)))
            env["body"] = {
                "strip-pad": body.rstrip("="),
                "cut": body[:at],
                "bad-char": body[:at] + draw(st.sampled_from("-_.!*é\x00 ")) + body[at:],
                "urlsafe": body.replace("+", "-").replace("/", "_"),
                "space": body[:at] + " " + body[at:],
                "extra-pad": body + "==",
                "unicode": body[:at] + "ß" + body[at:],
            }[how]
        elif kind == "body-cipher":  # valid ciphertext of any plaintext: non-JSON, non-UTF-8
            env["body"] = _cipher(
                draw(st.binary(max_size=64) | st.text(max_size=40).map(str.encode))
            )
        elif kind == "body-nopad":  # whole blocks, last byte anything: wrong padding bytes
            env["body"] = _cipher(
                draw(st.binary(min_size=8, max_size=8)) * draw(st.integers(1, 3)), pad=False
            )
        elif kind == "body-other-key":
            env["body"] = _cipher(b'{"a": 1}', key=OTHER_KEY.encode()[:8])
        elif kind == "sign":
            env["sign"] = draw(shallow)
        elif kind == "msg":
            env["msg"] = draw(json_values)
        elif kind == "reply-pid-ts":
            env[draw(st.sampled_from(["pId", "timeStamp"]))] = draw(shallow | odd_statuses)
        elif kind == "extra":
            env[draw(st.text(max_size=8))] = draw(shallow)
    top = draw(st.sampled_from(["envelope"] * 6 + ["any-json", "bytes-mutated", "bytes"]))
    if top == "any-json":
        return json.dumps(draw(json_values)).encode(), encrypt
    data = json.dumps(env, ensure_ascii=draw(st.booleans())).encode("utf-8")
    if top == "bytes-mutated":
        at = draw(st.integers(0, len(data)))
        data = draw(
            st.sampled_from(
                [
                    data[:at],
                    data[:at] + b"\xff\xfe" + data[at:],
                    b"\xef\xbb\xbf" + data,
                    data + b"\x00",
                    data * 2,
                ]
            )
        )
    elif top == "bytes":
        data = draw(st.binary(max_size=200))
    return data, encrypt


def _renders(result: Result) -> None:
    """Everything a notebook or a script asks of a Result must work."""
    bundle = result._repr_mimebundle_()
    assert bundle["text/plain"] and bundle["text/html"].startswith("<div")
    repr(result), str(result), result.summary()
    result.df  # noqa: B018 - computing the frame must not raise


@pytest.mark.slow
@settings(
    deadline=None,
    max_examples=400,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(reply=hostile_replies(), strict=st.booleans())
def test_hostile_replies_give_a_result_or_a_documented_error_with_the_raw_reply(reply, strict):
    data, encrypt = reply
    event(f"encrypt={encrypt}")
    client = memory_client(lambda env: data, encrypt=encrypt, strict_sign=strict)
    text = data.decode("utf-8", errors="replace")
    try:
        result = client.call("screen/readList", {"deviceId": 0})
    except OpenAPIError as exc:
        event(type(exc).__name__)
        assert isinstance(exc, ProtocolError), f"{type(exc).__name__}: {exc}"
        assert exc.raw_text == text and exc.http_status == 200  # nothing lost
        assert exc.url == "http://splicer.test/open/api/screen/readList"
        assert exc.request_envelope == client.adapter.seen[-1]
        assert str(exc) and repr(exc) and exc.message
        if isinstance(exc, DecodeError) and exc.response_envelope is None:
            return  # not JSON: the raw text is all there is, and it is kept
        if exc.result is not None:
            _renders(exc.result)
        return
    event("Result")
    assert result.raw_text == text and result.response_envelope == json.loads(text)
    _renders(result)


# --------------------------------------------------------------------------- cell text

CATALOG = load_catalog()
SPECS = list(CATALOG)
no_controls = st.characters(blacklist_categories=("Cs", "Cc"))
word = st.text(no_controls, min_size=1, max_size=12).filter(lambda w: not w.isspace())
GOOD_OPTIONS = st.sampled_from(
    [
        "-n",
        "--dry-run",
        "--encrypt",
        "--plain",
        "-f",
        "-k",
        "-o r",
        "-t screens",
        "--limit 2",
        "--limit -1",
        "--timeout 5",
        "--each inputId=ids",
        "--on rig",
        "--workers 2",
    ]
)
BAD_OPTIONS = st.one_of(
    st.sampled_from(
        [
            "-o 1x",
            "-o",
            "-t nope.deep",
            "--limit x",
            "--timeout 0",
            "--timeout -1",
            "--timeout nan",
            "--timeout inf",
            "--timeout 1e400",
            "--timeout 1e-9",
            "--each x",
            "--each =ids",
            "--each a=nope",
            "--each a=s",
            "--each a=n",
            "--each a=empty",
            "--on nope",
            "--on s",
            "--on n",
            "--workers 0",
            "-p nope",
            "'unclosed",
            '"',
            "--",
            "-",
            "--bogus",
        ]
    ),
    word,
)
ODD_INTERFACES = st.one_of(
    st.sampled_from(
        ["screen/readlist", "screen/", "/", "x/y/z", "screen//readList", "SCREEN/READLIST"]
    ),
    word,
)
ODD_BODIES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            '{"a": $nope}',
            '{"a": "$s"}',
            '{"a": $obj}',
            '{"a": $big}',
            '{"a": $$}',
            "$",
            "$$",
            '{"a": $s.upper}',
            '{"a": $ids.__class__}',
            '{"deviceId": 0,,}',
            "[" * 3000 + "]" * 3000,
            "\ufeff{}",
            '{"a": "\\ud800"}',
            '{"a": 1e999}',
            "NaN",
            "[]",
            "null",
            '"text"',
        ]
    ),
)


@st.composite
def cells(draw) -> str:
    """Mostly sensible cells (a catalog interface, its example body, real options), each
    bent a little: an odd option, a changed field, an odd interface or body."""
    spec = draw(st.sampled_from(SPECS))
    body = dict(spec.example_body())
    if draw(st.integers(0, 3)) == 0 and body:  # one field set to any JSON value
        body[draw(st.sampled_from(sorted(body)))] = draw(shallow)
    if draw(st.integers(0, 3)) == 0:
        body["inputId"] = "$inputId"
    text = json.dumps(body, indent=draw(st.sampled_from([None, 2]))).replace(
        '"$inputId"', "$inputId"
    )
    if draw(st.integers(0, 4)) == 0:
        text = draw(ODD_BODIES)
    words = [draw(st.sampled_from([spec.path, "/" + spec.path]))]
    if draw(st.integers(0, 6)) == 0:
        words = [draw(ODD_INTERFACES)] if draw(st.integers(0, 5)) else []
    words += draw(st.lists(GOOD_OPTIONS, max_size=3))
    if draw(st.integers(0, 3)) == 0:
        words.insert(draw(st.integers(0, len(words))), draw(BAD_OPTIONS))
    line = " ".join(words)
    form = draw(st.sampled_from(["cell", "cell", "cell", "line", "form"]))
    if form == "line":
        return f"%openapi {line} {' '.join(text.splitlines())}"
    if form == "form":
        return f"%openapi_form {line}"
    return f"%%openapi {line}\n{text}"


@pytest.fixture(scope="module")
def connected_shell():
    shell = global_shell()
    saved = {k: os.environ.pop(k) for k in ("OPENAPI_ROOT", "OPENAPI_PROFILE") if k in os.environ}
    shell.reset(new_session=False)
    shell.config.pop("OpenAPIMagics", None)
    shell.run_line_magic("load_ext", "openapi_magic")
    magics = OpenAPIMagics(shell=shell)
    magics.profiles_file = os.devnull  # no profile exists
    shell.register_magics(magics)
    from openapi_magic.frontends._form import register

    register(shell)
    client = memory_client(splicer_answer(SECRET, True), encrypt=True)
    magics.connection.set(client, "the in-memory splicer")
    yield shell
    os.environ.update(saved)


@pytest.mark.slow
@settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(cell=cells())
def test_any_cell_text_gives_a_result_or_a_short_error(connected_shell, cell):
    ip = connected_shell
    client = ip.magics_manager.registry["OpenAPIMagics"].connection.client
    ip.user_ns.update(
        ids=[0, 1], inputId=2, s="text", n=5, empty=[], obj=object(), big=10**5000, rig=[client]
    )
    with capture_output() as cap:
        res = ip.run_cell(cell, store_history=False)
    err = res.error_before_exec or res.error_in_exec
    event(type(err or res.result).__name__)
    if err is not None:
        assert isinstance(err, (UsageError, OpenAPICellError)), f"{type(err).__name__}: {err}"
        assert "Traceback" not in cap.stdout + cap.stderr
    kept = ip.user_ns.pop("_openapi_error", None)  # what --keep-going and failures keep
    assert kept is None or isinstance(kept, (UsageError, OpenAPIError, OpenAPICellError))
