"""TLS: verification is on by default for https roots, and turning it off warns once.

A stand-in splicer speaks HTTPS on loopback with a self-signed certificate made
for the test (``openssl req``, in a temporary folder). With verification on (the
default), a call is refused with one clear TLS error naming the URL, in the
client, the magic and a fleet run. With ``verify=False`` the client warns once,
when it is made, naming the root, and its calls then work without a warning per
request; the process's warning filters are left alone, so other code's
unverified requests still warn. ``verify`` may also name the certificate to
trust. Decision: the warning is per client (each Client made with
``verify=False`` for an https root says so once, naming its root).
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import warnings

import pytest
import requests
import urllib3
from _hardening import SECRET, assert_no_secret, fresh_magic, global_shell, watchdog
from IPython.utils.capture import capture_output
from standin import StandIn

from openapi_magic import Client, fleet
from openapi_magic.errors import ConnectError
from openapi_magic.frontends._magics import LAST_ERROR, OpenAPICellError

WAIT = 20


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert path, key path)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=openapi-magic test splicer",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture
def https_splicer(certificate):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with watchdog(WAIT + 10), StandIn(secret_key=SECRET, encrypt=True, ssl_context=context) as s:
        assert s.root.startswith("https://127.0.0.1:")
        yield s


def _client(s, **kw) -> Client:
    return Client(s.root, "demo", SECRET, encrypt=True, timeout=5, **kw)


def _tls_error_named(err, s) -> None:
    url = f"{s.root}/screen/readList"
    assert isinstance(err, ConnectError), repr(err)
    assert "TLS failed" in err.message and "certificate verify failed" in err.message
    assert url in err.message and err.url == url
    assert_no_secret([str(err), repr(err)])


def test_verification_is_on_by_default_and_a_self_signed_certificate_is_refused(https_splicer):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        client = _client(https_splicer)
        assert client.verify is True
        with pytest.raises(ConnectError) as info:
            client.call("screen/readList", {"deviceId": 0})
        res = fleet.run(
            {"hall-a": client}, "screen/readList", {"deviceId": 0}, retries=0, progress=False
        )
    _tls_error_named(info.value, https_splicer)
    _tls_error_named(res.calls[0].error, https_splicer)
    assert https_splicer.requests == []  # nothing was sent over the refused connection
    assert [str(w.message) for w in seen] == []


def test_the_magic_says_so_in_one_short_error(https_splicer, monkeypatch, tmp_path):
    ip = fresh_magic(global_shell(), monkeypatch, tmp_path)
    ip.user_ns["hall"] = _client(https_splicer)
    with capture_output() as cap:  # connecting says it first (issue 25), the target kept
        assert not ip.run_cell("%openapi_connect hall").success
    said = cap.stdout + cap.stderr
    assert said.startswith(f"UsageError: Unreachable: {https_splicer.root}")
    assert "certificate verify failed" in said and "Traceback" not in said
    with capture_output() as cap:
        res = ip.run_cell('%%openapi screen/readList\n{"deviceId": 0}')
    shown = cap.stdout + cap.stderr
    assert isinstance(res.error_in_exec, OpenAPICellError) and "Traceback" not in shown
    assert shown.count("OpenAPI error:") == 1 and "certificate verify failed" in shown
    assert f"{https_splicer.root}/screen/readList" in shown
    _tls_error_named(ip.user_ns[LAST_ERROR], https_splicer)


def test_verification_off_warns_once_per_client_and_calls_work(https_splicer):
    filters = list(warnings.filters)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        client = _client(https_splicer, verify=False)
        assert warnings.filters[1:] == filters  # (catch_warnings added "always" in front)
        results = [client.call("screen/readList", {"deviceId": 0}) for _ in range(3)]
        res = fleet.run([client, client], "screen/readList", {"deviceId": 0}, progress=False)
    assert all(r.ok and r.sign_verdict == "verified" for r in results) and res.ok
    assert [type(w.message) for w in seen] == [UserWarning], [str(w.message) for w in seen]
    text = str(seen[0].message)
    assert "TLS verification is off" in text and https_splicer.root in text
    assert_no_secret(text)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _client(https_splicer, verify=False)  # another client: its own one warning
    assert len(seen) == 1


def test_other_codes_unverified_requests_still_warn(https_splicer):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        client = _client(https_splicer, verify=False)
        client.call("screen/readList", {"deviceId": 0})
        prepared = client.prepare("screen/readList", {"deviceId": 0})
        assert requests.post(prepared.url, data=prepared.data, verify=False, timeout=5).ok
    kinds = [type(w.message) for w in seen]
    assert kinds == [UserWarning, urllib3.exceptions.InsecureRequestWarning], kinds


def test_verify_may_name_the_certificate_to_trust(https_splicer, certificate):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        r = _client(https_splicer, verify=str(certificate[0])).call(
            "screen/readList", {"deviceId": 0}
        )
    assert r.ok and r.url.startswith("https://") and seen == []


def test_verify_off_on_an_http_root_says_nothing():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        Client("http://127.0.0.1:1/open/api", "demo", SECRET, verify=False)
    assert seen == []
