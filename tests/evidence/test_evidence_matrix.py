"""``openapi_magic.evidence.matrix()``: interface × firmware from the registry, as a DataFrame,
HTML, Markdown and text, with what a splicer sent made safe."""

from __future__ import annotations

import json

from openapi_magic import evidence
from openapi_magic.core._registry import evidence_from_dict

H5 = "H5 (version not given)"
H9 = "H9 V1.9.7.1"


def _mine(calls, model="H7", firmware="2.0.0"):
    data = {
        "format": "openapi_magic.capture",
        "version": 1,
        "evidence": {"id": "mine", "kind": "device", "model": model, "firmware": firmware},
        "calls": [
            {"interface": i, "body": {"deviceId": 0}, "status": s, "msg": m} for i, s, m in calls
        ],
    }
    return evidence.load_registry(bundled=False).with_files([evidence_from_dict(data, "mine")])


def test_the_bundled_matrix_says_what_each_firmware_answered():
    m = evidence.matrix()
    assert m.cell("screen/readList", H5) == evidence.OK
    assert m.cell("device/readDetail", H5) == "500 Server_Err"
    assert m.cell("device/readDetail", H9) == "500 Server_Err"
    assert m.cell("layer/writeSource", H9) == evidence.OK  # it answers 0 (and changes nothing)
    assert m.cell("screen/readList", H9) == evidence.NOT_SEEN
    unknown = m.cell("(an interface it does not know)", "H9 (version not given)")
    assert unknown == "500 Server_Err or 1 Params_Error"
    # A reply to a wrong pId says nothing of the interface; a client's mock is no firmware.
    assert "15 Open_Id_Illegal_Err" not in m.df.to_string()
    assert "Open_Project_Illegal_Err" not in m.df.to_string()


def test_the_matrix_is_a_dataframe_html_and_markdown():
    m = evidence.matrix()
    assert m.df.index.name == "interface" and list(m.df.columns) == m.firmwares
    assert m.df.loc["device/readIp", H9] == "500 Server_Err"
    bundle = m._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "text/markdown"}
    assert "<table" in bundle["text/html"] and "| device/readIp |" in bundle["text/markdown"]
    assert m.entries[("device/readIp", H9)] == ["h9-v1.9.7.1-notes#device-ip-500"]


def test_every_interface_lists_the_whole_catalog():
    from openapi_magic.core.catalog import load_catalog

    m = evidence.matrix(every_interface=True)
    assert set(load_catalog().paths()) <= set(m.interfaces)
    assert m.cell("bkg/readAllList", H9) == evidence.NOT_SEEN


def test_what_a_splicer_sent_is_made_safe_in_every_view():
    msg = "<script>x</script>\x1b]0;owned\x07\u202e|evil"
    m = evidence.matrix(_mine([("screen/readList", 1, msg)], firmware="<b>9</b>"))
    html, markdown, text = m._repr_html_(), m.to_markdown(), repr(m)
    assert "<script>" not in html and "<b>9</b>" not in html
    for shown in (html, markdown, text):  # no terminal or notebook acts on an escape
        assert "\x1b" not in shown and "\\x1b]0;owned" in shown
    assert "\u202e" not in text  # nor reorders a line a crew reads in a terminal
    assert "\\|evil" in markdown  # a pipe cannot open a Markdown column


def test_a_model_and_version_is_one_column_whoever_sent_it():
    reg = _mine([("screen/readList", 0, "")], model="H9", firmware="1.9.7.1")
    m = evidence.matrix(evidence.load_registry().with_files(reg.files))
    assert m.firmwares.count(H9) == 1 and m.cell("screen/readList", H9) == evidence.OK


def test_the_compatibility_document_lists_every_source():
    text = evidence.compatibility_markdown()
    for f in evidence.load_registry().files:
        assert f"(`{f.id}`)" in text
    assert json.dumps(text)  # plain text, one document
