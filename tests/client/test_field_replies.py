"""Real firmware replies (``_field_replies``) replayed through the client, the magic and the
fleet: each decodes, shows its status, msg and hint, and an absent sign is not alarming.
The 500 hint differs once the same client has had a success; the firmware version is kept."""

from __future__ import annotations

import pytest
from _field_replies import (
    H5_ILLEGAL_PID,
    H5_SERVER_ERR,
    H5_SUCCESS,
    H5_SUCCESS_BODY,
    INIT_STATUS,
    REAL_FAILURES,
    replay,
)
from IPython.utils.capture import capture_output
from standin import free_port

from openapi_magic import Client, fleet, load_catalog, session_for

CATALOG = load_catalog()


def client_of(s, **kw) -> Client:
    return Client(s.root, "demo", s.secret_key, encrypt=False, **kw)


def test_h5_success_decodes_and_the_absent_sign_is_calm():
    with replay({}) as s:
        r = client_of(s).call("screen/readList", {"deviceId": 0})
    assert r.raw_text == H5_SUCCESS and r.ok and r.status == 0 and r.msg == ""
    assert r.body == H5_SUCCESS_BODY and r.sign_verdict == "absent"
    html = r._repr_html_()
    assert "SIGN MISMATCH" not in html and "this is normal" in html
    assert "SIGN MISMATCH" not in r.to_text() and "sign absent" in r.to_text()


@pytest.mark.parametrize("name", sorted(REAL_FAILURES))
def test_real_failures_decode_with_status_msg_and_the_token_hint(name):
    text, status, token = REAL_FAILURES[name]
    with replay({}, default=text) as s:
        r = client_of(s).call("screen/readList", {"deviceId": 0})
    entry = CATALOG.status_for_token(token)
    assert r.raw_text == text and not r.ok and (r.status, r.msg) == (status, token)
    assert r.body in (None, {}) and r.sign_verdict == "absent"
    assert entry is not None and entry.code == status and r.meaning == entry.meaning
    assert r.hint and entry.hint[:40] in r.hint and token in r.hint
    assert token in r.to_text() and "SIGN MISMATCH" not in r._repr_html_()


@pytest.mark.parametrize("name", sorted(REAL_FAILURES))
def test_real_failures_decode_for_an_encrypting_client_too(name):
    """No failure to an encrypted request has been captured; an encrypted splicer may well
    answer ``"body": {}`` as the plain H5 does, and an empty object is no ciphertext."""
    text, status, token = REAL_FAILURES[name]
    with replay({}, default=text) as s:
        r = Client(s.root, "demo", "k8bytes!", encrypt=True).call(
            "screen/readList", {"deviceId": 0}
        )
    assert (r.status, r.msg, r.body) == (status, token, None) and not r.ok
    assert r.response_envelope["body"] == {}  # what arrived stays reachable


def test_an_unknown_status_with_a_known_token_gets_that_tokens_hint():
    text = '{"body":{},"msg":"Server_Err","sign":"","status":7777}'
    with replay({}, default=text) as s:
        r = client_of(s).call("screen/readList", {"deviceId": 0})
    assert r.status == 7777 and r.meaning == CATALOG.status(500).meaning
    assert "7777 is not in the catalog" in r.hint and "status 500" in r.hint


def test_500_after_a_success_blames_the_interface_not_the_key():
    with replay({"device/readDetail": H5_SERVER_ERR}) as s:
        c = client_of(s)
        first = c.call("device/readDetail", {"deviceId": 0})
        assert c.call("screen/readList", {"deviceId": 0}).ok
        again = c.call("device/readDetail", {"deviceId": 0})
        other = client_of(s).call("device/readDetail", {"deviceId": 0})  # a new client
    assert first.status == again.status == 500 and first.hint != again.hint
    assert "secretKey" in first.hint and "screen/readList" in first.hint
    assert "device/readDetail itself failed" in again.hint and "credentials work" in again.hint
    for case in ("device/*", "H5", "V1.9.7.1", "screen/writeBrightness"):
        assert case in again.hint
    assert other.hint == first.hint  # the success was another client's


def test_firmware_read_cached_and_kept_on_every_result():
    with replay({"main/initStatus": INIT_STATUS, "x/y": H5_ILLEGAL_PID}) as s:
        c = client_of(s)
        assert c.call("screen/readList", {"deviceId": 0}).firmware is None
        assert c.read_firmware() == {"model": 9, "version": "V1.9.7.1"}
        r = c.call("x/y", {"deviceId": 0})
    assert r.firmware == "V1.9.7.1" and "V1.9.7.1" in r.summary()
    assert "firmware V1.9.7.1" in r._repr_html_()


# ---------------------------------------------------------------------- the magic


def cell(ip, code):
    with capture_output() as cap:
        res = ip.run_cell(code)
    html = "".join(o.data.get("text/html", "") for o in cap.outputs)
    if res.result is not None:
        html += ip.display_formatter.format(res.result)[0].get("text/html", "")
    return res, cap.stdout + cap.stderr, html


def test_magic_connect_shows_model_and_firmware_and_replays_real_replies(ip):
    with replay({"main/initStatus": INIT_STATUS, "device/readDetail": H5_SERVER_ERR}) as s:
        ip.user_ns["h5"] = client_of(s)
        res, out, _ = cell(ip, "%openapi_connect h5")
        # Model 9 is in no table and device/readDetail answers 500 (as on a real H5):
        # the id alone names it.
        assert res.success and "a splicer (model id 9), firmware V1.9.7.1" in out
        res, out, html = cell(ip, '%%openapi screen/readList\n{"deviceId": 0}')
        assert res.success and res.result.firmware == "V1.9.7.1"
        assert "sign absent" in html and "SIGN MISMATCH" not in html
        res, out, html = cell(ip, '%%openapi device/readDetail -k\n{"deviceId": 0}')
    assert res.success and res.result.status == 500 and "itself failed" in html


def test_magic_connect_to_an_unreachable_splicer_fails_within_the_timeout_target_kept(ip):
    # It said "Connected ... Firmware not read ...; still connected." (issue 25).
    import time

    ip.user_ns["gone"] = Client(f"http://127.0.0.1:{free_port()}/open/api", "d", timeout=2)
    start = time.monotonic()
    res, out, _ = cell(ip, "%openapi_connect gone")
    assert not res.success and "Unreachable: http://127.0.0.1:" in out
    assert "Connected to" not in out
    assert time.monotonic() - start < 5
    assert session_for(ip).connection.client is ip.user_ns["gone"]


def test_openapi_help_says_unconfirmed_with_evidence(ip):
    spec = next(i for i in CATALOG if not i.confirmed)
    res, out, _ = cell(ip, f"%openapi_help {spec.path}")
    assert res.success and spec.summary in out and "Unconfirmed" in out
    res, out, _ = cell(ip, "%openapi_help screen/readlist")
    assert not res.success and "screen/readList" in out


# ---------------------------------------------------------------------- fleets


def test_fleet_replays_real_replies_with_per_client_hints():
    with replay({"device/readDetail": H5_SERVER_ERR}) as a, replay({}, default=H5_ILLEGAL_PID) as b:
        ca, cb = client_of(a), client_of(b)
        assert ca.call("screen/readList", {"deviceId": 0}).ok  # a has had a success
        run = fleet.run(
            {"a": ca, "b": cb}, "device/readDetail", {"deviceId": 0}, retries=0, progress=False
        )
    by = {c.splicer: c for c in run.calls}
    assert by["a"].status == 500 and "itself failed" in by["a"].result.hint
    assert by["b"].status == 15 and by["b"].result.msg == "Open_Id_Illegal_Err"
    assert "Open_Id_Illegal_Err" in run.to_html() and "SIGN MISMATCH" not in run.to_html()


def test_fleet_strict_catalog_pass_through():
    with replay({}) as s:
        loose = fleet.run([client_of(s)], "screen/readlist", {"deviceId": 0}, progress=False)
        strict = fleet.run(
            [client_of(s)],
            "screen/readlist",
            {"deviceId": 0},
            progress=False,
            strict_catalog=True,
            retries=0,
        )
        sent = len(s.requests)
    assert loose.ok and any("screen/readList" in w for w in loose.warnings)
    assert "screen/readList" in loose.to_html() and "screen/readList" in loose.to_text()
    assert not strict.ok and strict.calls[0].error_type == "RequestValidationError"
    assert sent == 1  # the strict run sent nothing
