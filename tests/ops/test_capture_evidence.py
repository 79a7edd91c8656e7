"""A user's capture becomes evidence: anonymized, reviewed, and it changes the matrix and
the catalog's provenance as it should.

The simulated splicer stands in for a user's H9 on V1.9.7.1 (its firmware profile);
the capture is taken as a user takes it (encrypted, read-only), turned into a
registry file with ``Capture.to_evidence``, and loaded into a registry of its own
(the bundled one and the catalog are never changed).
"""

from __future__ import annotations

import json

import pytest
from _hardening import SECRET, assert_no_secret

from openapi_magic import Client, capture, evidence
from openapi_magic.core.catalog import load_catalog
from openapi_magic.ops._captures import Capture
from openapi_magic.server import serve

H9 = "H9 V1.9.7.1"


@pytest.fixture(scope="module")
def h9_capture() -> Capture:
    with serve(firmware="h9-1.9.7.1") as s:
        return capture(s, quiet=True)


def test_a_capture_becomes_a_registry_file_with_a_checklist(h9_capture, tmp_path):
    draft = h9_capture.to_evidence(tmp_path, model="H9", source="a touring H9, FOH rack")
    assert draft.path == tmp_path / f"h9-1.9.7.1-{h9_capture.taken_at[:10]}.json"
    data = json.loads(draft.path.read_text(encoding="utf-8"))
    assert data["evidence"]["kind"] == "device" and data["evidence"]["obtained"] == "captured"
    assert (data["evidence"]["model"], data["evidence"]["firmware"]) == ("H9", "1.9.7.1")
    assert data["anonymized"] is True and data["root"] == ""
    # It is still a capture: it replays and diffs as one.
    assert Capture.load(draft.path).find("screen/readList", {"deviceId": 0}).ok
    text = repr(draft)
    for said in ("Kept:", "Replaced:", "serial numbers", "Left out:", "Look over", "Send:"):
        assert said in text, said
    assert "Kept:" in draft._repr_markdown_() and "<li>" in draft._repr_html_()


def test_the_file_holds_no_serial_and_no_address_of_the_splicer(h9_capture, tmp_path):
    raw_serials = {
        c.reply["sn"] for c in h9_capture if isinstance(c.reply, dict) and c.reply.get("sn")
    }
    text = json.dumps(h9_capture.to_evidence(model="H9").data)
    assert raw_serials and not any(sn in text for sn in raw_serials)
    assert "SN-ANON-0001" in text and "127.0.0.1" not in text


def test_the_matrix_and_the_catalog_change_as_they_should(h9_capture, tmp_path):
    before = evidence.matrix()
    assert before.cell("output/readList", H9) == evidence.NOT_SEEN
    assert load_catalog().get("output/readList").source == "reconstruction"

    h9_capture.to_evidence(tmp_path, model="H9")
    mine = evidence.load_registry(tmp_path)
    after = evidence.matrix(mine)
    # The new replies join the H9 V1.9.7.1 column the H9 notes began.
    assert after.firmwares == before.firmwares
    assert after.cell("output/readList", H9) == evidence.OK
    assert after.cell("device/readDetail", H9) == "500 Server_Err"
    assert after.cell("screen/readList", "H5 (version not given)") == evidence.OK
    assert "output/readList" not in before.interfaces

    catalog = mine.catalog()
    assert catalog.get("output/readList").source == "capture"
    assert catalog.get("device/readDetail").source == "client"  # it failed: nothing confirmed
    # Nothing global moved: the bundled catalog and matrix are as they were.
    assert load_catalog().get("output/readList").source == "reconstruction"
    assert evidence.matrix().cell("output/readList", H9) == evidence.NOT_SEEN


def test_a_second_model_gets_its_own_column(h9_capture, tmp_path):
    h9_capture.to_evidence(tmp_path, model="H9", firmware="1.9.8.1")
    m = evidence.matrix(evidence.load_registry(tmp_path))
    assert "H9 V1.9.8.1" in m.firmwares and m.cell("screen/readList", "H9 V1.9.8.1") == "ok"
    assert m.cell("screen/writeBrightness", "H9 V1.9.8.1") == evidence.NOT_SEEN  # never written


def test_evidence_from_a_client_capture_never_holds_the_key(tmp_path):
    with serve(secret_key=SECRET) as s, Client(s.root, s.pid, SECRET) as client:
        made = capture(client, quiet=True)
    draft = made.to_evidence(tmp_path, model="H5")
    assert_no_secret([draft.path.read_text(encoding="utf-8"), repr(draft), draft._repr_html_()])


def test_calls_without_a_reply_are_left_out_and_the_checklist_says_so():
    made = Capture.from_dict(
        {
            "format": "openapi_magic.capture",
            "version": 1,
            "firmware": "1.9.8.1",
            "taken_at": "2026-11-30T21:00:00+00:00",
            "calls": [
                {"interface": "screen/readList", "body": {"deviceId": 0}, "status": 0},
                {
                    "interface": "screen/readDetail",
                    "body": {"deviceId": 0, "screenId": 0},
                    "status": None,
                    "error": "RequestTimeout: no reply in 5 s",
                },
            ],
        }
    )
    draft = made.to_evidence(model="H9")
    assert [c["interface"] for c in draft.data["calls"]] == ["screen/readList"]
    assert draft.file.id == "h9-1.9.8.1-2026-11-30" and draft.path is None
    assert "1 call that got no reply" in repr(draft)
    assert "nothing looked like a serial number" in repr(draft)
