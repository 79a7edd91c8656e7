"""Errors lead with the likely cause (issue 25): a typo'd interface, status 11, status 94.

Each is met the way a crew meets it: a cell in the shell (its text/plain at 80
columns, what a terminal shows) or a Result's hint from a real simulated splicer.
"""

from __future__ import annotations

import time

from IPython.utils.capture import capture_output
from standin import Reply, StandIn

from openapi_magic import Client
from openapi_magic.server import serve

TYPO = '%%openapi screen/readLsit -o r\n{"deviceId": 0}'


def shown_text(ip, code: str) -> tuple[bool, str]:
    with capture_output() as cap:
        res = ip.run_cell(code)
    return res.success, "".join(o.data.get("text/plain", "") for o in cap.outputs)


def test_a_typod_interface_leads_with_did_you_mean_in_three_terminal_lines(
    ip, splicer, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "80")
    ip.user_ns["splicer"] = splicer
    assert ip.run_cell("%openapi_connect splicer").success
    ok, text = shown_text(ip, TYPO)
    assert not ok
    lines = text.strip("\n").splitlines()
    assert len(lines) <= 3 and all(len(line) <= 80 for line in lines), text
    hints = [line for line in lines if line.startswith("Hint:")]
    assert hints == ["Hint: Did you mean screen/readList? The catalog has no 'screen/readLsit'."]
    assert "Params_Error: the splicer refused the body" not in text  # not the generic first
    result = ip.user_ns["r"]
    assert result.warnings == []  # said by the hint, not twice
    html = result._repr_html_()
    assert "Did you mean screen/readList?" in html and "Catalog (sent anyway)" not in html


def test_a_typo_on_the_teaching_profile_94_also_leads_with_did_you_mean():
    with serve(firmware="teaching") as s:
        r = Client.from_splicer(s, timeout=5).call("screen/readLsit", {"deviceId": 0})
    assert r.status == 94 and r.hint.startswith("Did you mean screen/readList?")


def test_status_94_says_what_is_known_of_it():
    with serve(firmware="teaching") as s:
        # a path close to none in the catalog: the status's own hint is shown
        r = Client.from_splicer(s, timeout=5).call("zzz/qqq", {"deviceId": 0})
    assert r.status == 94
    assert "in the vendor's error-code list" in r.hint and "teaching profile" in r.hint
    assert "no real firmware" not in r.hint


def test_status_11_with_agreeing_clocks_names_the_likelier_causes():
    # The splicer's Date agrees with this computer's clock, yet it answers 11.
    def h(req):
        return Reply.json({"status": 11, "msg": "incorrect device time", "body": ""})

    with StandIn(h, encrypt=False) as s:
        r = Client(s.root, s.pid, encrypt=False, timeout=5).call("screen/readList")
    assert r.status == 11
    assert r.hint.startswith("No clock skew measured: the splicer's Date header agrees")
    assert "seconds instead of milliseconds" in r.hint and "splicer's own clock" in r.hint
    assert "about 0 s" not in r.hint and "set this computer's clock" not in r.hint


def test_status_11_to_a_timestamp_in_seconds_says_so(splicer):
    client = Client.from_splicer(splicer, timeout=5)
    prepared = client.prepare("screen/readList", {"deviceId": 0}, timestamp=int(time.time()))
    r = client.send(prepared)
    assert r.status == 11 and r.hint.startswith("The timeStamp sent (")
    assert "looks like seconds" in r.hint and "milliseconds" in r.hint


def test_status_11_with_an_unreadable_date_says_no_skew_was_measured():
    def h(req):
        return Reply.json(
            {"status": 11, "msg": "incorrect device time", "body": ""},
            headers={"Date": "not a date"},
        )

    with StandIn(h, encrypt=False) as s:
        r = Client(s.root, s.pid, encrypt=False, timeout=5).call("screen/readList")
    assert r.status == 11 and r.hint.startswith("No clock skew measured")
    assert "set this computer's clock" not in r.hint
