"""The "Copy as curl" text (openapi_magic.core._curl) and the protocol core agree: the bash,
run with a fixed clock and curl replaced by a stub that prints what it would send, sends exactly
the envelope :func:`protocol.seal_request` seals (body, sign, keys in order), and the
secretKey is never in the text. (tests/frontends/test_form.py sends it to the simulated splicer.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from openapi_magic.core import protocol
from openapi_magic.core._curl import SECRET_ENV, curl_text

KEY = "Curl-Kx9-Secret-Key-2207"  # longer than 8 bytes: only the first 8 key DES
SECONDS = 1631949094
# Stand-ins defined before the snippet: a fixed clock, and a curl that prints its --data.
STUBS = (
    f"date() {{ echo {SECONDS}; }}\n"
    'curl() { while [ $# -gt 0 ]; do [ "$1" = --data ] && printf %s "$2"; shift; done; }\n'
)

needs_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("bash", "openssl")), reason="needs bash and openssl"
)


def _run(text: str, key: str | None = KEY) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"]}
    if key is not None:
        env[SECRET_ENV] = key
    return subprocess.run(
        ["bash", "-c", STUBS + text],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )


BODIES = [
    {},
    {"deviceId": 0, "screenId": 1, "name": 'It\'s $HOME "quoted" ü 😀'},
    [1, 2.5, None, True],
    {"a": {"b": ["\\", "'", "$(echo no)"]}},
]


@needs_tools
@pytest.mark.parametrize("encrypt", [True, False], ids=["encrypted", "plain"])
@pytest.mark.parametrize("body", BODIES)
def test_the_bash_sends_what_the_protocol_seals(body, encrypt):
    pid = "p'1 ü"
    text = curl_text("http://127.0.0.1:1/open/api", pid, "screen/rename", body, encrypt=encrypt)
    done = _run(text)
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout)
    expected = protocol.seal_request(
        body, pid=pid, secret_key=KEY, timestamp=f"{SECONDS}000", encrypt=encrypt
    )
    assert list(sent.items()) == list(expected.items())  # values and the key order
    if encrypt:
        assert protocol.decrypt_body(sent["body"], KEY) == body


@needs_tools
def test_only_the_first_des_key_bytes_matter_but_the_sign_takes_the_whole_key():
    text = curl_text("http://h/open/api", "1", "x/y", {"a": 1}, encrypt=True)
    same_start = KEY[: protocol.DES_KEY_BYTES] + "something else"
    one, two = (json.loads(_run(text, key).stdout) for key in (KEY, same_start))
    assert one["body"] == two["body"] and one["sign"] != two["sign"]


@needs_tools
def test_without_the_key_it_stops_before_sending():
    text = curl_text("http://h/open/api", "1", "x/y", {}, encrypt=True)
    done = _run(text, key=None)
    assert done.returncode != 0 and SECRET_ENV in done.stderr and done.stdout == ""


def test_the_text_follows_the_protocol_s_rules_and_holds_no_secret():
    text = curl_text("http://h/open/api", "1", "x/y", {"k": KEY[:3]}, encrypt=True)
    assert f"head -c {protocol.DES_KEY_BYTES}" in text
    assert f"openssl enc -{protocol.BODY_CIPHER} " in text
    assert '"$BODY$TS$PID$OPENAPI_SECRET_KEY"' in text  # protocol.SIGN_PARTS_ENCRYPTED
    assert KEY not in text and KEY[: protocol.DES_KEY_BYTES] not in text
    plain = curl_text("http://h/open/api", "1", "x/y", {}, encrypt=False)
    assert '"$TS$PID"' in plain and SECRET_ENV not in plain
