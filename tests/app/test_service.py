"""One service runs a call: ``NotebookSession.run(CallSpec) -> Outcome``.

The counting tests run real cells in an InteractiveShell (and a headless form click)
against the simulated splicer, with spies on the three steps that used to run twice
per cell: the settings resolve, the catalog check (``Catalog.problems``, under both
``precheck`` and ``Client.prepare``) and the write guard (``Client.guard``; a fleet's
``_guard_run``). The others call ``session.run`` directly, without IPython.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pytest
from IPython.utils.capture import capture_output

from openapi_magic import fleet
from openapi_magic.app._service import CallSpec, Outcome
from openapi_magic.app._session import NotebookSession, session_for
from openapi_magic.client._client import Client, Prepared
from openapi_magic.client._result import Result
from openapi_magic.core import protocol
from openapi_magic.core.catalog import Catalog
from openapi_magic.errors import SignatureError, StatusError, WriteRefused
from openapi_magic.frontends._form import RequestForm
from openapi_magic.ops.fleet import FleetError, FleetResult
from openapi_magic.server import serve

READ, READ_BODY = "screen/readList", {"deviceId": 0}
WRITE = "screen/writeBrightness"
WAIT = 15  # seconds a form call may take before the test gives up


def run(ip: Any, code: str) -> Any:
    with capture_output() as cap:
        res = ip.run_cell(code)
    assert res.success, (code, cap.stdout, cap.stderr, res.error_in_exec)
    return res.result


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """How often each step ran: ``resolve`` (the call's own, with a cell or form level),
    ``check`` (the catalog), ``guard`` (one call's) and ``fleet_guard`` (a run's)."""
    seen: Counter = Counter()

    def spy(owner: Any, name: str, step: str, counts: Any = None) -> None:
        real = getattr(owner, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if counts is None or counts(kwargs):
                seen[step] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapped)

    # The form also reads the notebook's settings (no level) to keep its boxes in step:
    # that is the view, not the call's resolve.
    spy(NotebookSession, "resolve", "resolve", lambda kw: "cell" in kw or "form" in kw)
    spy(NotebookSession, "resolve", "any_resolve")
    spy(Catalog, "problems", "check")
    spy(Client, "guard", "guard")
    spy(fleet, "_guard_run", "fleet_guard")
    return seen


def connect(ip: Any, splicer: Any) -> Client:
    ip.user_ns["splicer"] = splicer
    run(ip, "%openapi_connect splicer --no-firmware")
    client = session_for(ip).connection.client
    assert client is not None
    return client


def test_one_cell_resolves_checks_and_guards_once(ip, splicer, steps):
    connect(ip, splicer)
    steps.clear()
    result = run(ip, f"%%openapi {READ}\n" + '{"deviceId": 0}')
    assert isinstance(result, Result) and result.ok
    assert steps == Counter(resolve=1, any_resolve=1, check=1, guard=1)


def test_one_write_cell_with_a_doubt_is_checked_once_and_keeps_the_doubt(ip, splicer, steps):
    connect(ip, splicer)
    steps.clear()
    result = run(
        ip,
        f"%%openapi {WRITE}\n" + '{"deviceId": 0, "screenId": 0, "brightness": 40, "extra": 1}',
    )
    assert result.ok and any("extra" in w for w in result.warnings)
    assert (steps["resolve"], steps["check"], steps["guard"]) == (1, 1, 1)


@pytest.mark.slow
def test_a_dry_run_cell_checks_once_and_guards_nothing(ip, splicer, steps):
    connect(ip, splicer)
    before = splicer.requests[READ]
    steps.clear()
    prepared = run(ip, f"%%openapi {READ} --dry-run\n" + '{"deviceId": 0}')
    assert isinstance(prepared, Prepared) and splicer.requests[READ] == before
    assert steps == Counter(resolve=1, any_resolve=1, check=1)


@pytest.mark.slow
def test_an_each_cell_checks_each_body_once_and_guards_the_run_once(ip, splicer, steps):
    connect(ip, splicer)
    ip.user_ns["ids"] = [0, 1, 2]
    steps.clear()
    out = run(
        ip,
        "%%openapi input/readDetail --each inputId=ids\n" + '{"deviceId": 0, "inputId": $inputId}',
    )
    assert isinstance(out, FleetResult) and len(out.calls) == 3
    assert steps == Counter(resolve=1, any_resolve=1, check=3, fleet_guard=1)


@pytest.mark.slow
def test_an_on_cell_checks_its_body_once_for_every_splicer(ip, splicer, steps):
    with serve() as other:
        ip.user_ns["wall"] = {"a": splicer, "b": other}
        steps.clear()
        out = run(ip, f"%%openapi {READ} --on wall\n" + '{"deviceId": 0}')
    assert isinstance(out, FleetResult) and out.ok and len(out.calls) == 2
    assert steps == Counter(resolve=1, any_resolve=1, check=1, fleet_guard=1)


@pytest.mark.slow
def test_a_form_send_resolves_checks_and_guards_once(ip, splicer, steps):
    connect(ip, splicer)
    f = run(ip, f"%openapi_form {READ}")
    assert isinstance(f, RequestForm)
    steps.clear()
    assert f.send() and f.wait(WAIT)
    assert f.error is None and f.result is not None and f.result.ok
    assert (steps["resolve"], steps["check"], steps["guard"]) == (1, 1, 1)


# --------------------------------------------------------------------------- run itself


@pytest.fixture
def session(splicer) -> NotebookSession:
    session = NotebookSession()
    session.connection.set(Client.from_splicer(splicer, name="hall-a"), "a test")
    return session


def brightness_body(splicer: Any) -> dict:
    now = splicer.state.call("screen/readDetail", {"deviceId": 0, "screenId": 0})["brightness"]
    return {"deviceId": 0, "screenId": 0, "brightness": (now + 7) % 100}


def test_a_read_only_write_is_refused_with_its_reason_and_nothing_sent(session, splicer):
    before = splicer.requests[WRITE]
    outcome = session.run(CallSpec(WRITE, brightness_body(splicer), origin="cli"))
    assert outcome.sent is True and outcome.refused is None  # not read-only yet: sent
    assert outcome.ok and splicer.requests[WRITE] == before + 1
    session.set_config("read_only", True)
    outcome = session.run(CallSpec(WRITE, brightness_body(splicer), origin="cli"))
    assert outcome.sent is False and not outcome.ok and outcome.result is None
    assert outcome.refused is not None and outcome.refused.why == "read-only"
    assert isinstance(outcome.refused.error, WriteRefused)
    assert "read-only" in outcome.refused.error.message
    assert splicer.requests[WRITE] == before + 1
    assert "read-only" in outcome._repr_mimebundle_()["text/plain"]


def test_a_dry_run_gives_the_prepared_call_and_sends_nothing(session, splicer):
    before = splicer.requests[READ]
    outcome = session.run(CallSpec(READ, {"deviceId": 0, "nope": 1}, dry_run=True))
    assert isinstance(outcome.prepared, Prepared) and outcome.result is None
    assert outcome.sent is False and splicer.requests[READ] == before
    assert outcome.warnings and outcome.prepared.warnings == outcome.warnings
    assert outcome._repr_mimebundle_() == outcome.prepared._repr_mimebundle_()


def test_a_catalog_refusal_is_refused_before_anything_is_sent(session, splicer):
    before = splicer.requests[READ]
    strict = {"strict_catalog": True}
    outcome = session.run(CallSpec(READ, {"deviceId": 0, "nope": 1}, settings=strict))
    assert outcome.sent is False and outcome.refused is not None
    assert outcome.refused.why == "validation" and "nope" in outcome.refused.error.message
    assert splicer.requests[READ] == before
    forced = session.run(CallSpec(READ, {"deviceId": 0, "nope": 1}, settings=strict, force=True))
    assert forced.refused is None and forced.sent is True  # --force: the splicer decides
    assert forced.warnings and forced.result is not None  # ...with the doubt still noted
    assert forced.result.warnings == list(forced.warnings)


def test_strict_sign_mismatch_fails_the_verdict_and_keeps_the_reply(session, monkeypatch):
    opened = protocol.open_reply

    def forged(*args: Any, **kwargs: Any) -> Any:
        return dataclasses.replace(opened(*args, **kwargs), sign_verdict="mismatch")

    monkeypatch.setattr(protocol, "open_reply", forged)
    shown = session.run(CallSpec(READ, READ_BODY))
    assert shown.ok and shown.error is None  # strict_sign off: shown, not failed
    session.set_config("strict_sign", True)
    outcome = session.run(CallSpec(READ, READ_BODY))
    assert outcome.sent is True and outcome.failed and not outcome.ok
    assert isinstance(outcome.error, SignatureError)
    assert isinstance(outcome.result, Result) and outcome.result.body["screens"]
    assert outcome.error.result is outcome.result


def test_a_failed_status_fails_only_under_fail_on_status(session):
    body = {"deviceId": 0, "inputId": 9999}
    outcome = session.run(CallSpec("input/readDetail", body))
    assert outcome.sent is True and outcome.failed and isinstance(outcome.error, StatusError)
    kept = session.run(CallSpec("input/readDetail", body, settings={"fail_on_status": False}))
    assert not kept.failed and isinstance(kept.error, StatusError) and kept.result is not None


def test_a_write_waiting_for_a_confirm_is_pending_until_proceed(session, splicer):
    session.set_config("confirm_writes", True)
    body = brightness_body(splicer)
    before = splicer.requests[WRITE]
    outcome = session.run(CallSpec(WRITE, body))
    assert outcome.pending is not None and outcome.pending.write is not None
    assert outcome.sent is False and splicer.requests[WRITE] == before
    assert "hall-a" in outcome.pending.write.text()
    declined = session.proceed(outcome, confirm=lambda p: False)
    assert declined.refused is not None and declined.refused.why == "declined"
    assert splicer.requests[WRITE] == before
    done = session.proceed(outcome)
    assert done.ok and done.pending is None and splicer.requests[WRITE] == before + 1


def test_a_fleet_outcome_judges_the_whole_run(session, splicer):
    with serve() as other:
        targets = {"a": splicer, "b": other}
        outcome = session.run(CallSpec(READ, {"deviceId": 0, "nope": 1}, targets=targets))
        assert isinstance(outcome.result, FleetResult) and outcome.ok and outcome.sent is True
        # the body's doubt, checked once, is on every reply and listed once in the run's view
        assert outcome.warnings and all(
            c.result.warnings == list(outcome.warnings) for c in outcome.result.calls
        )
        assert outcome.result.warnings == list(outcome.warnings)
        failed = session.run(
            CallSpec(
                "input/readDetail",
                bodies=[{"deviceId": 0, "inputId": i} for i in (0, 9999)],
                labels=[{"inputId": 0}, {"inputId": 9999}],
                targets=targets,
            )
        )
        assert failed.failed and isinstance(failed.error, FleetError)
        assert failed.error.fleet is failed.result and failed.result.n_failed == 2
        session.set_config("read_only", True)
        refused = session.run(CallSpec(WRITE, brightness_body(splicer), targets=targets))
        assert refused.sent is False and refused.refused is not None
        assert "Nothing of this run was sent" in refused.refused.error.message


def test_a_spec_names_its_front_end():
    assert CallSpec(READ, origin="form").level == "form"
    assert CallSpec(READ, origin="cli").level == "cli"  # the command line's own level
    assert CallSpec(READ, origin="watch").level == "cell"  # a watch's options are its cell
    with pytest.raises(ValueError, match="origin"):
        CallSpec(READ, origin="nowhere")
    assert CallSpec.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert Outcome.__dataclass_params__.frozen  # type: ignore[attr-defined]
