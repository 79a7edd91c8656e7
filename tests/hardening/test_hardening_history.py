"""The history of what was sent, and the profiles list, never hold the secretKey: not the
DataFrame, not its HTML or text, not the JSON-lines file, not ``%openapi_profiles``.
Encrypted calls, a reply that cannot be opened with the key given, a fleet and a write
that never reached the splicer are all kept, and scanned."""

from __future__ import annotations

from typing import Any

import pytest
from _hardening import SECRET, assert_no_secret
from IPython.utils.capture import capture_output

import openapi_magic
from openapi_magic.server import serve

OTHER_KEY = "Another-Key-Not-Ours-99"


def run(ip: Any, code: str) -> Any:
    with capture_output() as cap:
        res = ip.run_cell(code)
    return res, cap.stdout + cap.stderr


def every_form(value: Any) -> list[str]:
    bundle = value._repr_mimebundle_()
    return [repr(value), str(value), *(str(v) for v in bundle.values())]


@pytest.mark.slow
def test_no_history_view_or_file_holds_the_key(ip, tmp_path, monkeypatch):
    log = tmp_path / "tonight.jsonl"
    profiles = tmp_path / "profiles.ini"
    with (
        serve(secret_key=SECRET, reply_sign=True) as enc,
        serve(secret_key=OTHER_KEY) as elsewhere,
    ):
        profiles.write_text(
            f"[hall]\nroot = {enc.root}\npid = {enc.pid}\nencrypt = true\n"
            f"secret_key = {SECRET}\n\n"
            f"[wrong]\nroot = {elsewhere.root}\npid = {elsewhere.pid}\nencrypt = true\n"
            f"secret_key = {SECRET}\n\n"
            f"[dark]\nroot = http://127.0.0.1:9/open/api\npid = demo\nencrypt = true\n"
            f"secret_key = {SECRET}\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(profiles))
        outputs = []
        for code in (
            f"%config OpenAPIMagics.history_file = {str(log)!r}",
            "%openapi_connect -p hall --no-firmware",
            '%%openapi screen/readList\n{"deviceId": 0}',
            '%%openapi screen/writeBrightness\n{"deviceId": 0, "screenId": 0, "brightness": 9}',
            '%%openapi screen/readList -p wrong\n{"deviceId": 0}',  # the key does not open it
            '%%openapi screen/writeBrightness -p dark\n{"deviceId": 0, "screenId": 0, '
            '"brightness": 9}',  # never reached
            'targets = ["hall", "wrong"]',
            '%%openapi screen/readList --on targets\n{"deviceId": 0}',
        ):
            outputs.append(run(ip, code)[1])
        frame = openapi_magic.history()
        assert len(frame) >= 6 and frame["origin"].eq("magic").all()
        texts = [
            *outputs,
            frame.to_string(),
            frame.to_json(date_format="iso"),
            repr(frame.to_dict()),
        ]
        for line in ("%openapi_history", "%openapi_history --writes", "%openapi_history --file"):
            res, said = run(ip, line)
            assert res.success, said
            texts += [said, *every_form(res.result)]
        res, said = run(ip, "%openapi_profiles")
        assert res.success and len(res.result.rows) == 3
        texts += [said, *every_form(res.result)]
        assert log.read_text("utf-8").count("\n") == len(frame)
        texts.append(log.read_text("utf-8"))
        assert_no_secret(texts)
