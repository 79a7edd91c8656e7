"""Attacks on capture files: malformed files, read by every path that reads one.

A capture is shared (a crew mails it, a replay serves it): a file with a field of the
wrong type, or nested a thousand levels deep, is refused with one CaptureError naming
what is wrong, by ``Capture.load``, a replay and ``%openapi_diff`` alike; never a raw
TypeError, ValueError or RecursionError.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.utils.capture import capture_output

from openapi_magic.core.capture_format import FORMAT, FORMAT_VERSION, MAX_DEPTH
from openapi_magic.errors import CaptureError
from openapi_magic.ops._captures import Capture
from openapi_magic.server import serve


def _capture(**top) -> dict:
    call = {
        "interface": "screen/readList",
        "body": {"deviceId": 0},
        "status": 0,
        "msg": "Success",
        "reply": {"deviceId": 0, "screens": [{"screenId": 0, "name": "Main"}]},
        "http_status": 200,
        "elapsed": 0.01,
        "error": "",
    }
    call.update(top.pop("call", {}))
    return {"format": FORMAT, "version": FORMAT_VERSION, "calls": [call], **top}


def _deep(levels: int) -> str:
    text = json.dumps(_capture(call={"reply": "HOLE"}))
    return text.replace('"HOLE"', "[" * levels + "]" * levels)


#: (what is wrong, the file's text, the field the error must name)
MALFORMED = [
    ("seconds a string", json.dumps(_capture(seconds="abc")), "seconds"),
    ("seconds a list", json.dumps(_capture(seconds=[1])), "seconds"),
    ("seconds an object", json.dumps(_capture(seconds={"a": 1})), "seconds"),
    ("skipped a list", json.dumps(_capture(skipped=[1, 2])), "skipped"),
    ("skipped a string", json.dumps(_capture(skipped="xy")), "skipped"),
    ("skipped a number", json.dumps(_capture(skipped=3)), "skipped"),
    ("elapsed a string", json.dumps(_capture(call={"elapsed": "abc"})), "elapsed"),
    ("elapsed an object", json.dumps(_capture(call={"elapsed": {"s": 1}})), "elapsed"),
    ("envelope a string", json.dumps(_capture(call={"envelope": "status "})), "envelope"),
    ("envelope keys a string", json.dumps(_capture(call={"envelope": {"keys": "ab"}})), "envelope"),
    (
        "envelope keys numbers",
        json.dumps(_capture(call={"envelope": {"keys": [1, 2]}})),
        "envelope",
    ),
    ("nested past the parser's stack", _deep(1_000), "nests deeper"),
    ("nested past the walkers' stack", _deep(900), "nests deeper"),
    ("nested past the limit", _deep(MAX_DEPTH + 5), "nests deeper"),
]
IDS = [m[0] for m in MALFORMED]


@pytest.mark.parametrize("what, text, field", MALFORMED, ids=IDS)
def test_capture_load_names_the_field(tmp_path, what, text, field):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaptureError) as err:
        Capture.load(path)
    assert field in str(err.value), (what, str(err.value))
    exc = err.value  # no raw error shown beneath it
    assert exc.__cause__ is None and (exc.__suppress_context__ or exc.__context__ is None)


@pytest.mark.parametrize("what, text, field", MALFORMED, ids=IDS)
def test_replay_names_the_field(tmp_path, what, text, field):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaptureError) as err:
        serve(replay=str(path)).stop()
    assert field in str(err.value), (what, str(err.value))


@pytest.mark.parametrize("what, text, field", MALFORMED[::3], ids=IDS[::3])
def test_openapi_diff_names_the_field(ip, splicer, tmp_path, what, text, field):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    ip.user_ns["splicer"] = splicer
    assert ip.run_cell("%openapi_connect splicer").success
    with capture_output() as cap:
        res = ip.run_cell(f"%openapi_diff {path}")
    out = cap.stdout + cap.stderr
    assert not res.success and field in out, out
    assert "Traceback" not in out and "RecursionError" not in out


def test_a_capture_nested_to_the_limit_still_loads(tmp_path):
    path = tmp_path / "ok.json"
    # The reply sits 3 levels down (capture → calls → call → reply).
    path.write_text(_deep(MAX_DEPTH - 4), encoding="utf-8")
    assert len(Capture.load(path)) == 1


# --------------------------------------------------------------------------- anonymizing


def _forms_left(text: str, serials=(), macs=(), ips=(), hosts=()) -> list[str]:
    """Every form of each identifier still found in ``text`` (case-insensitive)."""
    low = text.lower()
    left = [s for s in serials if str(s).lower() in low]
    for mac in macs:
        h = mac.lower()
        pairs = [h[i : i + 2] for i in range(0, 12, 2)]
        quads = [h[i : i + 4] for i in range(0, 12, 4)]
        forms = [":".join(pairs), "-".join(pairs), ".".join(quads), h]
        left += [f for f in forms if f in low]
    for ip in ips:
        octets = [int(p) for p in ip.split(".")]
        forms = [
            ip,
            ".".join(f"{o:03d}" for o in octets),
            str(int.from_bytes(bytes(octets), "big")),
            json.dumps(octets),
        ]
        left += [f for f in forms if f in low]
    left += [h for h in hosts if h.lower() in low]
    return left


def _anonymized_text(reply: dict, root: str = "http://127.0.0.1:8000/open/api") -> str:
    from openapi_magic.ops._captures import Call

    cap = Capture(root=root, calls=[Call("device/readDetail", {"deviceId": 0}, 0, "", reply)])
    return json.dumps(cap.anonymized().to_dict(), ensure_ascii=False)


def test_anonymized_judges_values_wherever_they_appear():
    serial, int_serial = "HS05A1B2C3", 20240117
    macs = ["3C52821A2B3C", "02AB0000EF01", "3c52821a2b3d", "0011223344ff"]
    ips = ["10.23.45.67", "10.23.45.68", "10.23.45.69", "10.23.45.70", "172.16.9.1"]
    reply = {
        "sn": serial,
        "deviceSn": int_serial,
        "boardNo": int_serial,  # an integer serial repeated in another field
        "cards": {serial: {"state": 1}, "3c:52:82:1a:2b:3c": "port 1", "172.16.9.1": "foh"},
        "note": f"card {serial.lower()} offline",  # another letter case, inside text
        "hwVersion": serial,
        "snMaskInfo": {"versionMask": serial, "fpgaVersion": "1.0.3.4"},
        "mac_addr": "02ab0000ef01",
        "link": "3c52.821a.2b3d",
        "ethMAC": "0011223344FF",
        "ipAddr": int.from_bytes(bytes([10, 23, 45, 67]), "big"),
        "ip": [10, 23, 45, 68],
        "name": "foh_10.23.45.69",
        "gateway": "010.023.045.070",
        "host": "foh-splicer.venue.example.org",
        "mask": "255.255.255.0",
    }
    text = _anonymized_text(reply, root="http://hall-a.venue.example.org:8000/open/api")
    left = _forms_left(
        text,
        serials=[serial, int_serial],
        macs=macs,
        ips=ips,
        hosts=["hall-a.venue", "foh-splicer.venue"],
    )
    assert not left, (left, text)
    out = json.loads(text)["calls"][0]["reply"]
    # kept: a netmask and a version string; cross-references stay one placeholder
    assert out["mask"] == "255.255.255.0" and out["snMaskInfo"]["fpgaVersion"] == "1.0.3.4"
    assert out["sn"] in out["cards"] and out["sn"] == out["hwVersion"]
    assert out["deviceSn"] == out["boardNo"] and out["sn"] in out["note"]


def test_a_short_serial_replaces_whole_values_only():
    reply = {"sn": "1", "screenId": 1, "name": "Screen 1 of 10", "note": "sn 1, 11 and 21"}
    out = json.loads(_anonymized_text(reply))["calls"][0]["reply"]
    assert out["sn"].startswith("SN-ANON-")
    assert out["screenId"] == 1
    assert out["name"] == "Screen 1 of 10" and out["note"] == "sn 1, 11 and 21"


def test_a_short_host_name_under_host_rewrites_no_text_but_the_root_host_goes():
    reply = {"host": "a1", "name": "Screen a1 of 10", "err": "no route to foh:8000 (v1.0.3.4)"}
    out = json.loads(_anonymized_text(reply, root="http://foh:8000/open/api"))
    assert out["root"] == "http://splicer.example:8000/open/api"
    body = out["calls"][0]["reply"]
    assert body["host"].endswith(".example") and body["name"] == "Screen a1 of 10"
    assert body["err"] == "no route to splicer.example:8000 (v1.0.3.4)"


def test_a_serial_is_replaced_as_a_whole_token_only():
    reply = {"sn": "HS0512", "name": "HS0512 main", "other": "HS05123 and XHS0512"}
    out = json.loads(_anonymized_text(reply))["calls"][0]["reply"]
    assert out["name"] == out["sn"] + " main"
    assert out["other"] == "HS05123 and XHS0512"


# A property test: identifiers generated in the forms, placed anywhere.
_hex = "0123456789abcdef"
_serials = st.builds(
    lambda head, tail: head + tail,
    st.text("ABCDEFGHJKLMNPRSTUVWXYZ", min_size=2, max_size=4),
    st.text("0123456789ABCDEF", min_size=5, max_size=10),
)
_macs = st.text(_hex, min_size=12, max_size=12).filter(
    lambda h: int(h, 16) and not h.startswith("00005e00")
)
_ips = st.one_of(
    st.tuples(st.just(10), *[st.integers(0, 255)] * 3),
    st.tuples(st.just(172), st.integers(16, 31), st.integers(0, 255), st.integers(1, 254)),
    st.tuples(st.just(192), st.just(168), st.integers(0, 255), st.integers(1, 254)),
).map(lambda t: ".".join(map(str, t)))
_neutral = st.sampled_from(["note", "label", "extra", "info", "fpgaVersion", "ipMask", "desc"])


def _mac_form(h: str, form: int, upper: bool) -> str:
    h = h.upper() if upper else h
    pairs = [h[i : i + 2] for i in range(0, 12, 2)]
    return [":".join(pairs), "-".join(pairs), ".".join(h[i : i + 4] for i in range(0, 12, 4)), h][
        form
    ]


@given(
    serials=st.lists(_serials, min_size=1, max_size=3, unique_by=str.lower),
    macs=st.lists(
        st.tuples(_macs, st.integers(0, 3), st.booleans()),
        min_size=1,
        max_size=3,
        unique_by=lambda m: m[0],
    ),
    ips=st.lists(
        st.tuples(_ips, st.integers(0, 5)), min_size=1, max_size=3, unique_by=lambda i: i[0]
    ),
    keys=st.lists(_neutral, min_size=12, max_size=12),
    cases=st.lists(st.booleans(), min_size=12, max_size=12),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_anonymized_leaves_no_generated_identifier(serials, macs, ips, keys, cases):
    reply: dict = {"sn": serials[0], "deviceSn": serials[1:], "keyed": {}, "items": []}
    for i, serial in enumerate(serials):
        shown = serial.lower() if cases[i] else serial
        reply["items"].append({keys[i]: f"x {shown}, y"})
        reply["keyed"][shown] = i
    for i, (mac, form, upper) in enumerate(macs):
        value = _mac_form(mac, form, upper)
        bare = form == 3
        mixed = any(c in "abcdef" for c in mac) and any(c.isdigit() for c in mac)
        key = "mac_addr" if bare and not mixed else keys[3 + i]
        reply["items"].append({key: value if bare else f"at {value}."})
        if mixed or not bare:  # twelve digits alone are a MAC only under a MAC key
            reply["keyed"][value] = i
    for i, (ip, form) in enumerate(ips):
        octets = [int(p) for p in ip.split(".")]
        value: object = [
            ip,
            ".".join(f"{o:03d}" for o in octets),
            f"foh_{ip}",
            int.from_bytes(bytes(octets), "big"),
            octets,
            f"{ip}:8000",
        ][form]
        key = "ipAddr" if form in (3, 4) else keys[6 + i]
        reply["items"].append({key: value})
        if isinstance(value, str):
            reply["keyed"][value] = i
    text = _anonymized_text(reply)
    left = _forms_left(text, serials=serials, macs=[m for m, _, _ in macs], ips=[i for i, _ in ips])
    assert not left, (left, text)
    once = Capture.from_dict(json.loads(text))
    assert once.anonymized().to_dict() == once.to_dict()  # anonymizing twice changes nothing


def test_a_hostile_envelope_leaves_only_its_first_keys_in_a_capture():
    from openapi_magic.core.capture_format import envelope_shape

    hostile = {"status": 0, "msg": "", "sign": "x" * 40, "body": {}}
    hostile.update({f"k{i}" + "y" * 500: i for i in range(5_000)})
    shape = envelope_shape(hostile)
    assert shape is not None and shape["signed"] is True
    assert shape["keys"][:4] == ["status", "msg", "sign", "body"]
    assert len(shape["keys"]) <= 16 and all(len(k) <= 64 for k in shape["keys"])
    assert "x" * 40 not in json.dumps(shape)  # the sign itself is never kept
