"""``openapi-magic evidence``: the compatibility matrix in a terminal, and the document the
README links, which this command makes and a test keeps current."""

from __future__ import annotations

import json

from _paths import ROOT

from openapi_magic import evidence
from openapi_magic.frontends._cli import EXIT_OK, EXIT_USAGE, main
from openapi_magic.server import serve

DOCUMENT = ROOT / "docs" / "compatibility.md"


def test_the_matrix_prints_in_a_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["evidence"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["interface", "H9", "V1.9.7.1"]
    row = next(line for line in out.splitlines() if line.startswith("device/readIp"))
    assert row.split()[1:3] == ["500", "Server_Err"]


def test_json_is_one_object_per_cell(capsys):
    assert main(["evidence", "--json"]) == EXIT_OK
    cells = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    m = evidence.matrix()
    assert len(cells) == len(m.interfaces) * len(m.firmwares)
    assert {
        "interface": "screen/readList",
        "firmware": "H5 (version not given)",
        "answer": "ok",
    } in cells


def test_all_lists_every_catalog_interface(capsys):
    from openapi_magic.core.catalog import load_catalog

    assert main(["evidence", "--all", "--json"]) == EXIT_OK
    rows = {json.loads(line)["interface"] for line in capsys.readouterr().out.splitlines()}
    assert set(load_catalog().paths()) <= rows


def test_html_is_the_matrix_table(capsys):
    assert main(["evidence", "--html"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.lstrip().startswith("<div") and "<th" in out and "500 Server_Err" in out


def test_the_readme_s_compatibility_document_is_current(capsys):
    assert main(["evidence", "--markdown"]) == EXIT_OK
    made = capsys.readouterr().out
    assert DOCUMENT.read_text(encoding="utf-8") == made, (
        "docs/compatibility.md is stale: openapi-magic evidence --markdown > docs/compatibility.md"
    )
    assert "(docs/compatibility.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_users_evidence_adds_its_column(tmp_path, capsys):
    from openapi_magic import capture

    with serve(firmware="h5-capture") as s:
        capture(s, quiet=True).to_evidence(tmp_path, model="H5", firmware="1.9.7.0")
    assert main(["evidence", str(tmp_path), "--markdown"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "H5 V1.9.7.0" in out and out != DOCUMENT.read_text(encoding="utf-8")


def test_a_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["evidence", str(tmp_path / "nowhere")]) == EXIT_USAGE
    assert "No evidence folder" in capsys.readouterr().err
