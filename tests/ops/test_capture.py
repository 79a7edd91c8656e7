"""Capture and diff against the simulated splicer: read-only, nothing secret, ids followed."""

from __future__ import annotations

import base64
import json
import re

import pytest
from standin import Reply, StandIn

import openapi_magic
from openapi_magic import Client
from openapi_magic.core import protocol
from openapi_magic.core.catalog import Catalog, load_catalog
from openapi_magic.errors import ConfigError, RequestTimeout
from openapi_magic.ops._captures import (
    FORMAT,
    Capture,
    CaptureError,
    WriteRefused,
    _guard,
    capture,
    is_read_interface,
)
from openapi_magic.server import serve

FAILURE = {"body": {}, "msg": "Server_Err", "sign": "", "status": 500}


class Recorder:
    """Wraps a splicer's ``answer``: every request it received (body opened) and reply."""

    def __init__(self, splicer, fail=()):
        self.splicer = splicer
        self.original = splicer.answer
        self.fail = tuple(fail)
        self.received: list[tuple[str, dict]] = []
        self.bodies: list = []
        self.replies: list[dict] = []

    def __call__(self, interface, envelope):
        self.received.append((interface, envelope))
        opened = protocol.open_request(
            envelope, secret_key=self.splicer.secret_key, encrypt=self.splicer.encrypt
        )
        self.bodies.append(opened.body)
        if interface.startswith(self.fail):
            reply = dict(FAILURE)
        else:
            reply = self.original(interface, envelope)
        self.replies.append(reply)
        return reply


@pytest.fixture
def recorder(splicer, monkeypatch):
    rec = Recorder(splicer)
    monkeypatch.setattr(splicer, "answer", rec)
    return rec


def reads(catalog=None):
    return [i for i in (catalog or load_catalog()) if is_read_interface(i)]


def ids_of(cap, interface, key):
    return sorted(r[key] for r in cap[interface][0].rows())


# --------------------------------------------------------------------------- capturing


def test_capture_reads_every_read_interface_following_ids(splicer, recorder):
    cap = capture(splicer, quiet=True)
    assert cap.calls[0].interface == "main/initStatus"
    init = cap.calls[0].reply
    assert (cap.model_id, cap.firmware) == (init["mainModelId"], init["softwareVersion"])
    assert not cap.partial and cap.seconds > 0 and cap.taken_at
    called = set(cap.interfaces())
    for iface in reads():
        assert iface.path in called or iface.path in cap.skipped, iface.path
    # follow-ups from the list replies, one call per id
    screens = ids_of(cap, "screen/readList", "screenId")
    assert sorted(c.body["screenId"] for c in cap["screen/readDetail"]) == screens
    assert sorted(c.body["inputId"] for c in cap["input/readDetail"]) == ids_of(
        cap, "input/readList", "inputId"
    )
    assert sorted(c.body["outputId"] for c in cap["output/readDetail"]) == ids_of(
        cap, "output/readList", "outputId"
    )
    presets = sorted(
        (c.body["screenId"], r["presetId"]) for c in cap["preset/readList"] for r in c.rows()
    )
    assert (
        presets
        and sorted((c.body["screenId"], c.body["presetId"]) for c in cap["preset/readDetail"])
        == presets
    )
    layers = sorted(
        (c.body["screenId"], r["layerId"]) for c in cap["layer/detailList"] for r in c.rows()
    )
    assert (
        sorted((c.body["screenId"], c.body["layerId"]) for c in cap["layer/readDetail"]) == layers
    )
    assert sorted(c.body["bkgId"] for c in cap["bkg/readDetail"]) == sorted(
        r["bkgId"] for r in cap["bkg/readAllList"][0].rows()
    )
    # one request per call, each body with deviceId, each reply decrypted
    assert len(recorder.received) == len(cap.calls)
    assert all(isinstance(b, dict) and b.get("deviceId") == 0 for b in recorder.bodies)
    assert [c.body for c in cap.calls] == recorder.bodies
    assert all(c.ok and c.error == "" for c in cap.calls)


def _entry(iface, kind):
    return {
        "kind": kind,
        "fields": [{"name": f.name, "type": f.type, "required": f.required} for f in iface.fields],
        "records": iface.records,
        "example": iface.example,
    }


def test_capture_never_sends_a_write_even_when_the_catalog_says_read(splicer, recorder):
    # The name check that used to sit in capture is the catalog's now: a catalog that
    # calls any write a read does not load, so no guard (capture's or the client's) sees it.
    catalog = load_catalog()
    writes = [i for i in catalog if not i.is_read]
    assert writes
    for write in writes:
        data = {"interfaces": {i.path: _entry(i, "write") for i in catalog}}
        data["interfaces"][write.path] = _entry(write, "read")  # one write disguised
        with pytest.raises(ConfigError, match=re.escape(repr(write.path))):
            Catalog(json.loads(json.dumps(data)))
    cap = capture(splicer, quiet=True, catalog=catalog)
    received = [path for path, _ in recorder.received]
    assert received and len(received) == len(cap.calls)
    assert not set(received) & {w.path for w in writes}
    assert all(catalog.get(p).is_read for p in received)


@pytest.mark.parametrize(
    "path",
    [
        "screen/writeBrightness",
        "preset/play",
        "layer/create",
        "screen/ftb",
        "preset/deleteAll",
        "input/groupCreate",
    ],
)
def test_the_guard_refuses_writes_whatever_their_kind(path):
    iface = load_catalog().get(path)
    with pytest.raises(WriteRefused, match=path):
        _guard(iface)
    import dataclasses

    # An interface cannot be made a read under a write's name, not even by hand.
    with pytest.raises(ConfigError, match="does not read like a read"):
        dataclasses.replace(iface, kind="read")


def test_failures_are_recorded_and_the_capture_goes_on(splicer, monkeypatch):
    rec = Recorder(splicer, fail=("device/",))
    monkeypatch.setattr(splicer, "answer", rec)
    cap = capture(splicer, quiet=True)
    device = [c for c in cap.calls if c.interface.startswith("device/")]
    assert device and all((c.status, c.msg) == (500, "Server_Err") for c in device)
    assert all(c.reply in (None, {}) for c in device)
    assert cap["screen/readDetail"][0].ok  # the rest went on
    row = cap.summary().set_index("interface").loc["device/readDetail"]
    assert (row["status"], row["msg"]) == ("500", "Server_Err")
    assert "500" in repr(cap) and "Server_Err" in cap._repr_html_()
    assert not cap.partial


def test_a_transport_error_is_recorded_not_raised(splicer, monkeypatch):
    client = Client.from_splicer(splicer)
    real = client.call

    def flaky(interface, body=None, **kw):
        if interface == "output/readList":
            raise RequestTimeout("No reply from the splicer within 1 s.", url="x")
        return real(interface, body, **kw)

    monkeypatch.setattr(client, "call", flaky)
    cap = capture(client, quiet=True)
    call = cap["output/readList"][0]
    assert call.status is None and call.error.startswith("RequestTimeout: No reply")
    assert "output/readDetail" in cap.skipped  # nothing to follow from a failed list
    assert cap["input/readDetail"][0].ok and not cap.partial


def test_an_unreachable_splicer_gives_a_partial_capture(splicer):
    root = splicer.root
    client = Client(root, splicer.pid, splicer.secret_key, encrypt=True, timeout=2)
    splicer.stop()
    cap = capture(client, quiet=True)
    assert cap.partial and "could not be reached" in cap.partial_reason
    assert len(cap.calls) == 1 and cap.calls[0].error.startswith("ConnectError")
    assert "screen/readList" in cap.skipped


def test_max_seconds_bounds_the_capture():
    with serve(latency_ms=40) as slow:
        cap = capture(slow, quiet=True, max_seconds=0.3)
    assert cap.partial and "max_seconds" in cap.partial_reason
    assert 0 < len(cap.calls) < 20 and cap.seconds < 0.3 + 2
    assert any(v.startswith("not reached") for v in cap.skipped.values())


@pytest.mark.parametrize("bad", [0, -1, "soon", None])
def test_max_seconds_must_be_positive(splicer, bad):
    with pytest.raises(CaptureError, match="max_seconds"):
        capture(splicer, max_seconds=bad)


def test_capture_takes_a_profile_name(splicer, tmp_path, monkeypatch):
    ini = tmp_path / "profiles.ini"
    monkeypatch.setenv("VENUE_KEY", splicer.secret_key)
    ini.write_text(
        f"[venue]\nroot = {splicer.root}\npid = {splicer.pid}\nencrypt = true\n"
        "secret_key_env = VENUE_KEY\n",
        encoding="utf-8",
    )
    cap = openapi_magic.capture("venue", profiles_file=str(ini), quiet=True)
    assert cap.firmware and cap.root == splicer.root
    with pytest.raises(openapi_magic.ConfigError, match="No profile 'nope'"):
        capture("nope", profiles_file=str(ini))


# --------------------------------------------------------------------------- showing


def test_summary_and_drill_down(splicer):
    Client.from_splicer(splicer).call(
        "screen/rename", {"deviceId": 0, "screenId": 1, "name": "<b>Side</b> & co"}
    )
    cap = capture(splicer, quiet=True)
    summary = cap.summary()
    assert list(summary.columns) == ["interface", "calls", "status", "msg", "records"]
    assert summary.set_index("interface").loc["screen/readList", "records"] == len(
        cap["screen/readList"][0].rows()
    )
    detail = cap["screen/readDetail"]
    assert len(detail) == len(ids_of(cap, "screen/readList", "screenId"))
    frame = detail.df
    assert list(frame["screenId"]) == [c.body["screenId"] for c in detail]
    assert "brightness" in frame.columns
    assert "<b>Side</b>" not in cap._repr_html_() + detail._repr_html_()
    assert "&lt;b&gt;Side&lt;/b&gt; &amp; co" in detail._repr_html_()
    assert "<b>Side</b> & co" in detail.df.to_string()
    with pytest.raises(KeyError, match="did you mean screen/readDetail"):
        cap["screen/readDetial"]
    assert cap.find("screen/readDetail", {"screenId": 1, "deviceId": 0}) is detail[1]
    assert cap.find("screen/readDetail", {"deviceId": 0, "screenId": 99}) is None


# --------------------------------------------------------------------------- files


def test_save_load_round_trip_and_self_diff_is_empty(splicer, tmp_path):
    cap = capture(splicer, quiet=True)
    path = cap.save(tmp_path / "venue.json")
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["format"] == FORMAT and data["version"] == 2
    assert list(data) == sorted(data)
    # Replies keep the splicer's key order (version 2), and the envelope's shape is kept.
    screens = next(c for c in data["calls"] if c["interface"] == "screen/readList")
    assert list(screens["reply"]["screens"][0])[:2] == ["screenId", "name"]
    assert screens["envelope"] == {"keys": ["body", "msg", "sign", "status"], "signed": False}
    loaded = Capture.load(path)
    assert loaded.to_dict() == cap.to_dict()
    diff = loaded.diff(cap)
    assert not diff and len(diff) == 0 and diff.df.empty
    assert "No differences" in str(diff) and "No differences" in diff._repr_html_()


def test_load_refuses_what_is_not_a_capture(tmp_path):
    cases = {
        "missing.json": None,
        "text.json": "not json {",
        "other.json": '{"a": 1}',
        "future.json": json.dumps({"format": FORMAT, "version": 99, "calls": []}),
        "badcalls.json": json.dumps({"format": FORMAT, "version": 1, "calls": [{}]}),
    }
    expected = {
        "missing.json": "No capture file",
        "text.json": "not JSON",
        "other.json": "not an openapi_magic capture",
        "future.json": "format version 99",
        "badcalls.json": "call 0",
    }
    for name, content in cases.items():
        if content is not None:
            (tmp_path / name).write_text(content, encoding="utf-8")
        with pytest.raises(CaptureError, match=expected[name]):
            Capture.load(tmp_path / name)


# --------------------------------------------------------------------------- secrets


def forbidden_secrets(key: str) -> list[str]:
    raw = key.encode("utf-8")
    out = []
    for part in (raw, raw[:8]):
        out += [
            part.decode("utf-8", "replace"),
            base64.b64encode(part).decode(),
            part.hex(),
            part.hex().upper(),
        ]
    return out


def test_a_saved_capture_holds_no_secret_sign_or_ciphertext(splicer, recorder, tmp_path):
    cap = capture(splicer, quiet=True)
    text = cap.save(tmp_path / "cap.json").read_text(encoding="utf-8")
    shown = repr(cap) + cap._repr_html_() + repr(cap["screen/readDetail"])
    envelopes = [env for _, env in recorder.received] + recorder.replies
    sealed = {
        env[k]
        for env in envelopes
        for k in ("sign", "body")
        if isinstance(env.get(k), str) and len(env[k]) >= 8
    }
    assert len(sealed) > len(cap.calls)  # encryption was on: ciphertext both ways, signs
    for needle in forbidden_secrets(splicer.secret_key) + sorted(sealed):
        assert needle not in text, needle[:12]
        assert needle not in shown, needle[:12]


def reported(replies_bodies):
    """Every serial, MAC and IP address the splicer reported (by key and by pattern)."""
    found = set()

    def walk(obj, key=""):
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, k)
        elif isinstance(obj, list):
            for v in obj:
                walk(v, key)
        elif isinstance(obj, str):
            if key.lower() in ("sn", "mac", "ip", "gateway"):
                found.add(obj)
            found.update(re.findall(r"(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}", obj))
            found.update(
                ip
                for ip in re.findall(r"(?<![\w.])\d+\.\d+\.\d+\.\d+(?![\w.])", obj)
                if not ip.startswith("255.")
            )  # a version 1.9.7.0.S1 is no address

    walk(replies_bodies)
    return found


def test_anonymized_capture_holds_no_serial_mac_or_ip(splicer, tmp_path):
    plain = capture(splicer, quiet=True)
    secrets = reported([c.reply for c in plain.calls])
    assert any(len(s) == 17 and s.count(":") == 5 for s in secrets)  # a MAC
    assert any(s.count(".") == 3 for s in secrets)  # an IP
    assert sum(1 for s in secrets if s.startswith("H")) >= 3  # serials
    for cap in (capture(splicer, quiet=True, anonymize=True), plain.anonymized()):
        text = cap.save(tmp_path / "anon.json").read_text(encoding="utf-8")
        assert cap.is_anonymized and json.loads(text)["anonymized"] is True
        for value in secrets:
            assert value not in text, value
        # stable: the device's serial is the same placeholder in both places it appears
        assert cap["main/initStatus"][0].reply["sn"] == cap["device/readDetail"][0].reply["sn"]
        assert cap["device/readIp"][0].reply["mac"] == cap["device/readDetail"][0].reply["MAC"]
        # ids, names and the netmask survive
        assert ids_of(cap, "screen/readList", "screenId") == ids_of(
            plain, "screen/readList", "screenId"
        )
        assert cap["device/readIp"][0].reply["mask"] == plain["device/readIp"][0].reply["mask"]
        assert cap.firmware == plain.firmware
    again = plain.anonymized()
    assert again.anonymized().to_dict() == again.to_dict()  # anonymizing twice changes nothing
    assert not plain.anonymized().diff(capture(splicer, quiet=True, anonymize=True))


# --------------------------------------------------------------------------- diff


def test_diff_after_a_brightness_write_shows_exactly_that(splicer):
    before = capture(splicer, quiet=True)
    old = before.find("screen/readDetail", {"deviceId": 0, "screenId": 1}).reply["brightness"]
    new_value = 35 if old != 35 else 36
    client = Client.from_splicer(splicer)
    assert client.call(
        "screen/writeBrightness", {"deviceId": 0, "screenId": 1, "brightness": new_value}
    ).ok
    diff = capture(splicer, quiet=True).diff(before)
    frame = diff.df
    assert list(frame.columns) == ["interface", "record", "field", "old", "new", "change"]
    assert len(frame) >= 1
    assert set(frame["record"]) == {"screen 1"} and set(frame["field"]) == {"brightness"}
    assert set(zip(frame["old"], frame["new"], frame["change"])) == {(old, new_value, "changed")}
    assert "screen/readDetail" in set(frame["interface"])
    assert f"screen/readDetail: screen 1 brightness {old} → {new_value}" in diff.summary()


def test_diff_after_a_new_preset_shows_it_added(splicer):
    before = capture(splicer, quiet=True)
    reply = Client.from_splicer(splicer).call(
        "preset/createPreset",
        {"deviceId": 0, "screenId": 0, "name": "Encore", "overWrite": 0, "layoutTemplateId": ""},
    )
    assert reply.ok
    pid = reply.body["presetId"]
    diff = capture(splicer, quiet=True).diff(before)
    frame = diff.df
    assert set(frame["change"]) == {"added"} and set(frame["field"]) == {""}
    assert set(frame["record"]) == {f"screen 0 · preset {pid}"}
    assert {"preset/readList", "preset/readDetail"} <= set(frame["interface"])
    added = frame[frame["interface"] == "preset/readList"]["new"].iloc[0]
    assert added["name"] == "Encore"
    assert f"preset/readList: screen 0 · preset {pid} added" in diff.summary()


def test_diff_against_the_live_splicer(splicer):
    soundcheck = capture(splicer, quiet=True)
    assert not soundcheck.diff(splicer, quiet=True)
    Client.from_splicer(splicer).call(
        "screen/rename", {"deviceId": 0, "screenId": 2, "name": "Stage Right"}
    )
    diff = soundcheck.diff(splicer, quiet=True)
    rows = diff.df[diff.df["interface"] == "screen/readList"]
    assert list(zip(rows["record"], rows["field"], rows["new"])) == [
        ("screen 2", "name", "Stage Right")
    ]


def test_volatile_fields_are_ignored_unless_asked():
    from openapi_magic.ops._capture_diff import VOLATILE_FIELDS
    from openapi_magic.ops._captures import Call

    def cap(temp, speed, name):
        reply = {
            "deviceId": 0,
            "temp": temp,
            "name": name,
            "fanList": [{"fanId": 0, "speed": speed}, {"fanId": 1, "speed": 100}],
        }
        return Capture(calls=[Call("device/readDetail", {"deviceId": 0}, 0, "", reply)])

    a, b = cap(39.0, 2600, "H5"), cap(41.5, 2700, "H5")
    assert not b.diff(a) and "temp" in VOLATILE_FIELDS
    every = b.diff(a, volatile=())
    assert set(zip(every.df["field"], every.df["new"])) == {
        ("temp", 41.5),
        ("fanList[fan 0].speed", 2700),
    }
    assert cap(39.0, 2600, "H9").diff(a).df["field"].tolist() == ["name"]


def test_diff_names_failed_and_missing_calls():
    from openapi_magic.ops._captures import Call

    old = Capture(
        calls=[
            Call("device/readIp", {"deviceId": 0}, 0, "Success", {"ip": "x"}),
            Call("bkg/readDetail", {"deviceId": 0, "bkgId": 1}, 0, "", {}),
        ]
    )
    new = Capture(
        calls=[Call("device/readIp", {"deviceId": 0}, 500, "Server_Err", {})],
        partial=True,
        partial_reason="stopped",
    )
    diff = new.diff(old)
    rows = {(r.interface, r.field, r.change): (r.old, r.new) for r in diff}
    assert rows[("device/readIp", "status", "changed")] == ("0 Success", "500 Server_Err")
    assert ("bkg/readDetail", "", "removed") in rows
    assert "partial" in diff.summary()


def test_anonymize_replaces_addresses_in_any_text_and_the_host_name():
    from openapi_magic.ops._captures import Call, anonymize

    cap = Capture(
        root="http://hall-a.venue.example.org:8000/open/api",
        calls=[
            Call(
                "device/readIp",
                {"deviceId": 0},
                0,
                "",
                {
                    "ip": "10.1.2.3",
                    "mask": "255.255.255.0",
                    "MAC": "02-AB-CD-EF-01-23",
                    "note": "backup at 10.1.2.4, fe80::1:2:3 and 02:ab:cd:ef:01:23",
                    "deviceSn": "HS05XYZ",
                    "name": "H5 HS05XYZ",
                    "protoVersion": "1.0.3.4",
                },
            ),
            Call(
                "screen/readList",
                {"deviceId": 0},
                None,
                "",
                None,
                error="ConnectError: Could not connect to http://hall-a.venue.example.org:8000/"
                "open/api/screen/readList from 10.1.2.3",
            ),
        ],
    )
    out = Capture.from_dict(anonymize(cap.to_dict()))
    text = json.dumps(out.to_dict())
    for real in (
        "10.1.2.3",
        "10.1.2.4",
        "fe80::1:2:3",
        "02-AB-CD-EF-01-23",
        "02:ab:cd:ef:01:23",
        "HS05XYZ",
        "hall-a.venue",
    ):
        assert real not in text, real
    reply = out.calls[0].reply
    assert reply["mask"] == "255.255.255.0" and reply["protoVersion"] == "1.0.3.4"
    assert reply["MAC"] in reply["note"]  # the same MAC, written two ways, one placeholder
    assert reply["ip"] in out.calls[1].error and reply["deviceSn"] in reply["name"]
    assert out.root == "http://splicer.example:8000/open/api"


def test_one_write_refused_and_capture_error_from_the_error_tree(splicer):
    from openapi_magic import errors
    from openapi_magic.ops import _captures as captures

    assert captures.WriteRefused is errors.WriteRefused is openapi_magic.WriteRefused
    assert captures.CaptureError is errors.CaptureError
    assert issubclass(errors.CaptureError, errors.ConfigError)
    with pytest.raises(openapi_magic.WriteRefused, match="screen/writeBrightness") as caught:
        _guard(load_catalog().get("screen/writeBrightness"))
    assert caught.value.interface == "screen/writeBrightness" and not caught.value.sent


# --------------------------------------------------------------------------- memory bound


def _big_splicer(screens: int, reply_bytes: int):
    """A stand-in listing ``screens`` screens and answering every other read with about
    ``reply_bytes`` bytes (unencrypted: the bytes received are the body's)."""
    listing = {"deviceId": 0, "screens": [{"screenId": i} for i in range(screens)]}
    blob = {"deviceId": 0, "blob": "x" * reply_bytes}

    def answer(req):
        env = req.envelope()
        body = listing if req.path.endswith("screen/readList") else blob
        out = protocol.seal_reply(
            0,
            "Success",
            body,
            pid=env["pId"],
            timestamp=env["timeStamp"],
            secret_key="k",
            encrypt=False,
            sign=False,
        )
        return Reply.json(out)

    return answer


def test_capture_keeps_at_most_max_bytes_and_says_why():
    with StandIn(_big_splicer(5_000, 200_000), encrypt=False) as stand:
        client = Client(stand.root, "demo", "k", encrypt=False, timeout=10)
        cap = capture(client, quiet=True, max_bytes=2_000_000, max_seconds=60)
    kept = sum(len(json.dumps(c.reply)) for c in cap.calls)
    assert cap.partial and "max_bytes=2,000,000" in cap.partial_reason
    # stops at the first reply past the bound: at most one reply (and its envelope) over
    assert 2_000_000 <= kept < 2_000_000 + 250_000
    assert any(v.startswith("not reached: stopped after max_bytes") for v in cap.skipped.values())
    assert "max_bytes" in cap.headline() or "partial" in cap.headline()


def test_capture_follows_at_most_max_records_of_a_list():
    with StandIn(_big_splicer(5_000, 10), encrypt=False) as stand:
        client = Client(stand.root, "demo", "k", encrypt=False, timeout=10)
        cap = capture(client, quiet=True, max_records=7, max_seconds=60)
        requests = [r.path for r in stand.requests]
    assert len(cap["screen/readDetail"]) == 7
    assert sum(p.endswith("screen/readDetail") for p in requests) == 7
    assert cap.partial and "followed the first max_records=7 of 5,000" in cap.partial_reason


@pytest.mark.parametrize("option", [{"max_bytes": 0}, {"max_records": -1}, {"max_bytes": 1.5}])
def test_capture_bounds_must_be_positive_whole_numbers(splicer, option):
    with pytest.raises(CaptureError, match=next(iter(option))):
        capture(splicer, quiet=True, **option)
