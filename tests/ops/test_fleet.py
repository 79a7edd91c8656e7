"""Fleet runs against several simulated splicers at once (real ones on port 0), and
the stand-in where a fault the simulator does not make is needed (HTTP 503, a
stall, concurrency counting). No wall-clock assertions: outcomes, counts and
what the splicers saw."""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import json
import multiprocessing
import os
import pickle
import random
import re
import signal
import threading
import time
import warnings

import pandas as pd
import pytest
from standin import Reply, StandIn, free_port

from openapi_magic import Client, fleet
from openapi_magic.client._profiles import Profile, load_profiles
from openapi_magic.client._result import Result
from openapi_magic.errors import (
    ConfigError,
    ConnectError,
    DecodeError,
    HTTPStatusError,
    ReplyTooLarge,
    RequestTimeout,
    TransportError,
)
from openapi_magic.ops.fleet import Call, ClockSkewWarning, FleetError, FleetResult
from openapi_magic.server import DEMO_SECRET_KEY, serve

SECRET = DEMO_SECRET_KEY
OTHER_SECRET = "another-long-secret-key"


class Highest(random.Random):
    """Jitter that always picks the top of the range (reproducible, and >= 1 ms apart)."""

    def uniform(self, a, b):
        return b


@pytest.fixture
def splicers():
    """A factory of running simulated splicers, all stopped at the end."""
    started = []

    def make(**kw):
        s = serve(**kw)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def standins():
    started = []

    def make(*a, **kw):
        kw.setdefault("secret_key", SECRET)
        s = StandIn(*a, **kw)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


def dead_client(name="dead"):
    return Client(f"http://127.0.0.1:{free_port()}/open/api", "demo", SECRET, timeout=2, name=name)


def all_text(result: FleetResult) -> str:
    """Everything a notebook or a log could show of a fleet result."""
    bundle = result._repr_mimebundle_()
    warn_text = result.clock_skew_message or ""
    return "\n".join(
        [
            repr(result),
            str(result),
            bundle["text/plain"],
            bundle["text/html"],
            result.outcomes.to_string(),
            result.df.to_string(),
            warn_text,
            *(repr(c) for c in result.calls),
            *(c.message for c in result.calls),
        ]
    )


# ---------------------------------------------------------------------- the fleet


def test_fleet_of_splicers_combined_table_and_outcomes(splicers):
    enc = splicers(latency_ms=30)
    plain = splicers(encrypt=False, pid="plain")
    wrong_key = splicers()
    wrong_pid = splicers()
    targets = [
        Client.from_splicer(enc, name="hall-a"),
        Client.from_splicer(plain, name="hall-b"),
        Client(wrong_key.root, wrong_key.pid, OTHER_SECRET, encrypt=True, name="hall-c"),
        Client(wrong_pid.root, "nobody", SECRET, encrypt=True, name="hall-d"),
        dead_client("hall-e"),
    ]
    res = fleet.run(targets, "screen/readList", {"deviceId": 0}, backoff=0.001, progress=False)

    out = res.outcomes
    assert list(out.columns) == [
        "splicer",
        "ok",
        "status",
        "msg",
        "error",
        "message",
        "attempts",
        "elapsed_ms",
    ]
    assert list(out["splicer"]) == ["hall-a", "hall-b", "hall-c", "hall-d", "hall-e"]
    assert list(out["ok"]) == [True, True, False, False, False]
    assert list(out["status"].astype(object).where(out["status"].notna(), None)) == [
        0,
        0,
        500,
        15,
        None,
    ]
    assert list(out["error"]) == ["", "", "StatusError", "StatusError", "ConnectError"]
    assert out.loc[3, "msg"] == "Open_Id_Illegal_Err" and "15" in out.loc[3, "message"]
    assert list(out["attempts"]) == [1, 1, 1, 1, 3]  # only the connection failure is retried
    assert (res.n_ok, res.n_failed, res.n_interrupted, res.ok) == (2, 3, 0, False)

    # The combined table: both good splicers' screens, splicer first.
    expect = enc.state  # the simulated device model: the same seed on every splicer
    df = res.df
    assert list(df.columns[:1]) == ["splicer"]
    assert set(df["splicer"]) == {"hall-a", "hall-b"}
    one = targets[0].call("screen/readList", {"deviceId": 0}).df
    assert len(df) == 2 * len(one) and expect is not None
    assert list(
        df[df.splicer == "hall-a"].drop(columns="splicer").reset_index(drop=True).columns
    ) == list(one.columns)
    # Failures keep what arrived.
    c = res.calls[3]
    assert isinstance(c.result, Result) and c.result.status == 15 and c.error is None
    assert isinstance(res.calls[4].error, ConnectError) and len(res.calls[4].delays) == 2
    assert SECRET not in all_text(res) and OTHER_SECRET not in all_text(res)


def test_every_input_of_one_splicer_with_vary_from_a_dataframe(splicers):
    s = splicers()
    client = Client.from_splicer(s, name="h5")
    inputs = client.call("input/readList", {"deviceId": 0}).df
    ids = inputs["inputId"]  # numpy int64: must still go out as JSON numbers
    res = fleet.run(
        client,
        "input/readDetail",
        {"deviceId": 0},
        vary={"inputId": ids},
        records="crops",
        progress=False,
    )
    assert res.ok and len(res) == len(ids) and res.fields == ["inputId"]
    assert list(res.outcomes.columns[:2]) == ["splicer", "inputId"]
    assert list(res.outcomes["inputId"]) == [int(i) for i in ids]
    df = res.df
    assert list(df.columns[:2]) == ["splicer", "inputId"] and "cropId" in df.columns
    expect = sum(
        len(client.call("input/readDetail", {"deviceId": 0, "inputId": int(i)}).body["crops"])
        for i in ids
    )
    assert len(df) == expect
    # What the device holds for input 0 is what the table says for input 0.
    crops0 = client.call("input/readDetail", {"deviceId": 0, "inputId": int(ids.iloc[0])}).body[
        "crops"
    ]
    assert list(df[df.inputId == ids.iloc[0]]["name"]) == [c["name"] for c in crops0]


def test_request_field_renamed_where_the_reply_has_the_same_column(splicers):
    s = splicers(encrypt=False)
    res = fleet.run(
        Client.from_splicer(s),
        "screen/readList",
        vary={"deviceId": [0], "screenId": [0, 1]},
        progress=False,
    )
    # screens carry their own screenId: the request's becomes request.screenId
    assert res.fields == ["deviceId", "screenId"]
    assert list(res.df.columns[:3]) == ["splicer", "deviceId", "request.screenId"]
    assert list(res.outcomes.columns[:3]) == ["splicer", "deviceId", "screenId"]
    assert res.calls[0].splicer == s.root  # an unnamed client is labelled by its root


def test_splicer_stopped_mid_run_keeps_the_others(splicers):
    good = splicers(latency_ms=5)
    doomed = splicers(latency_ms=5)
    clients = {"good": Client.from_splicer(good), "doomed": Client.from_splicer(doomed)}
    seen = []

    def on_call(call: Call):
        seen.append(call.splicer)
        if call.splicer == "doomed" and call.ok and doomed.running:
            doomed.stop()  # its other calls find the port closed

    res = fleet.run(
        clients,
        "screen/readDetail",
        {"deviceId": 0},
        vary={"screenId": [0, 0, 0, 0]},
        per_splicer=1,
        backoff=0.001,
        on_call=on_call,
        progress=False,
    )
    by = res.outcomes.groupby("splicer")["ok"].apply(list).to_dict()
    assert by["good"] == [True] * 4
    assert by["doomed"] == [True, False, False, False]
    lost = [c for c in res.calls if c.splicer == "doomed" and not c.ok]
    assert all(isinstance(c.error, TransportError) for c in lost)
    assert all(c.attempts == 3 for c in lost if isinstance(c.error, ConnectError))
    assert set(res.df["splicer"]) == {"good", "doomed"}  # the doomed one's first reply stays
    assert sorted(seen) == sorted(res.outcomes["splicer"])  # on_call saw every call once


def test_targets_profiles_names_and_splicers(splicers, tmp_path, monkeypatch):
    a, b = splicers(), splicers(encrypt=False, pid="bee")
    ini = tmp_path / "profiles.ini"
    ini.write_text(
        f"[hall-a]\nroot = {a.root}\npid = demo\nencrypt = true\n"
        f"secret_key_env = FLEET_TEST_SECRET\n\n"
        f"[hall-b]\nroot = {b.root}\npid = bee\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FLEET_TEST_SECRET", SECRET)
    res = fleet.run(["hall-a", "hall-b", "hall-z"], "main/initStatus", profiles=ini, progress=False)
    assert list(res.outcomes["splicer"]) == ["hall-a", "hall-b", "hall-z"]
    assert list(res.outcomes["ok"]) == [True, True, False]
    z = res.calls[2]
    assert isinstance(z.error, ConfigError) and z.attempts == 0 and "hall-z" in z.message
    assert "hall-a" in z.message  # the known profiles are listed

    profiles = load_profiles(ini)
    res2 = fleet.run(
        {"A": profiles["hall-a"], "S": b, "B": profiles["hall-b"]},
        "main/initStatus",
        progress=False,
    )
    assert res2.ok and list(res2.outcomes["splicer"]) == ["A", "S", "B"]
    assert list(res2.df["splicer"]) == ["A", "S", "B"]  # one row each: a flat object

    # A profile that cannot build a client is one failed row, not a failed run.
    short = Profile("short", a.root, "demo", encrypt=True, secret=None)
    res3 = fleet.run([short, profiles["hall-b"]], "main/initStatus", progress=False)
    assert list(res3.outcomes["ok"]) == [False, True]
    assert res3.calls[0].error_type == "ConfigError"


def test_same_splicer_twice_gets_distinct_labels(splicers):
    s = splicers()
    c = Client.from_splicer(s)
    res = fleet.run([c, c], "main/initStatus", progress=False)
    assert list(res.outcomes["splicer"]) == [s.root, f"{s.root} #2"] and res.ok


# ---------------------------------------------------------------------- limits


def counting_handler(server_ref, stats, lock, key, pause=0.05):
    def handle(req):
        with lock:
            stats[key] = stats.get(key, 0) + 1
            stats["all"] = stats.get("all", 0) + 1
            stats[f"max {key}"] = max(stats.get(f"max {key}", 0), stats[key])
            stats["max all"] = max(stats.get("max all", 0), stats["all"])
        try:
            time.sleep(pause)
            return server_ref[0].splicer(req)
        finally:
            with lock:
                stats[key] -= 1
                stats["all"] -= 1

    return handle


@pytest.mark.slow
def test_per_splicer_and_overall_limits_hold(standins):
    stats, lock, servers = {}, threading.Lock(), []
    for n in range(4):
        ref = []
        s = standins(counting_handler(ref, stats, lock, n), encrypt=False)
        ref.append(s)
        servers.append(s)
    clients = [Client.from_splicer(s) for s in servers]
    res = fleet.run(
        clients,
        "screen/readList",
        {"deviceId": 0},
        vary={"screenId": list(range(6))},
        max_workers=3,
        per_splicer=2,
        progress=False,
    )
    assert res.ok and len(res) == 24
    assert all(stats[f"max {n}"] <= 2 for n in range(4))
    assert 1 <= stats["max all"] <= 3
    assert sum(len(s.requests) for s in servers) == 24


# ---------------------------------------------------------------------- retries


def test_policy_what_is_retried():
    kind = fleet.retry_kind
    assert kind(ConnectError("x")) == "safe"
    assert kind(RequestTimeout("x")) == "unsafe"
    assert kind(TransportError("reset after sending")) == "unsafe"
    assert kind(HTTPStatusError("x", http_status=503)) == "unsafe"
    assert kind(HTTPStatusError("x", http_status=404)) is None
    assert kind(ReplyTooLarge("x")) is None
    assert kind(DecodeError("x")) is None

    def result(status):
        return Result("a/b", "u", status, "", None, {}, {}, "", 200, 0.0, False, "absent")

    assert kind(None, result(912)) == "safe"
    assert kind(None, result(11)) is None and kind(None, result(0)) is None
    assert kind(None, result(912), retry_statuses=()) is None


def test_backoff_is_exponential_with_full_jitter():
    rng = random.Random(7)
    for retry in range(1, 8):
        ceiling = min(fleet.MAX_BACKOFF, 0.2 * 2 ** (retry - 1))
        values = [fleet.backoff_delay(retry, 0.2, rng) for _ in range(200)]
        assert all(0 <= v <= ceiling for v in values)
        assert max(values) > ceiling / 2  # the whole range is used, not a fixed step
    assert fleet.backoff_delay(3, 0.0, rng) == 0.0
    assert fleet.backoff_delay(3, 0.5, Highest()) == 2.0


class FlakyClient(Client):
    """Refuses to connect the first ``fails`` times (the request never leaves)."""

    def __init__(self, *a, fails=1, **kw):
        super().__init__(*a, **kw)
        self.fails = fails
        self.tries = 0

    def call(self, interface, body=None, **kw):
        self.tries += 1
        if self.tries <= self.fails:
            raise ConnectError(f"Could not connect to {self.root}: connection refused.")
        return super().call(interface, body, **kw)


def test_connection_refused_is_retried_until_it_works(splicers):
    s = splicers()
    c = FlakyClient(s.root, s.pid, SECRET, encrypt=True, fails=2, name="flaky")
    res = fleet.run(c, "main/initStatus", backoff=0.01, rng=Highest(), progress=False)
    call = res.calls[0]
    assert call.ok and call.attempts == 3 and call.delays == [0.01, 0.02]
    res = fleet.run(
        FlakyClient(s.root, s.pid, SECRET, encrypt=True, fails=5),
        "main/initStatus",
        retries=1,
        backoff=0,
        progress=False,
    )
    assert res.calls[0].attempts == 2 and res.calls[0].error_type == "ConnectError"


def test_5xx_retried_only_when_unsafe_allowed_each_attempt_freshly_signed(standins):
    answers = iter([Reply(b"busy", status=503, reason="Service Unavailable")] * 2)

    def handler(req):
        return next(answers, None) or server.splicer(req)

    server = standins(handler, encrypt=True)
    ticks = itertools.count()
    client = Client.from_splicer(server, clock=lambda: time.time() + next(ticks))

    res = fleet.run(client, "screen/readList", {"deviceId": 0}, backoff=0, progress=False)
    assert res.calls[0].error_type == "HTTPStatusError" and res.calls[0].attempts == 1

    res = fleet.run(
        client, "screen/readList", {"deviceId": 0}, backoff=0, retry_unsafe=True, progress=False
    )
    assert res.ok and res.calls[0].attempts == 2
    stamps = [r.envelope()["timeStamp"] for r in server.requests]
    signs = [r.envelope()["sign"] for r in server.requests]
    assert len(stamps) == 3 and len(set(stamps)) == 3 and len(set(signs)) == 3
    assert all(o is not None and o.sign_ok for o in server.opened)


def test_timeouts_retried_only_when_unsafe_allowed(standins):
    slow = standins(lambda req: Reply(b"", delay=1.0), encrypt=False)
    client = Client.from_splicer(slow, timeout=0.1)
    res = fleet.run(client, "screen/readList", backoff=0, progress=False)
    assert res.calls[0].error_type == "RequestTimeout" and res.calls[0].attempts == 1
    assert "write may have happened" in res.calls[0].message
    res = fleet.run(
        client, "screen/readList", backoff=0, retries=1, retry_unsafe=True, progress=False
    )
    assert res.calls[0].attempts == 2 and not res.ok


def test_initialising_splicer_is_retried(splicers):
    s = splicers(initialising_s=0.3)
    c = Client.from_splicer(s)
    res = fleet.run(
        c, "screen/readList", {"deviceId": 0}, retries=6, backoff=0.1, rng=Highest(), progress=False
    )
    assert res.ok and res.calls[0].attempts >= 2
    s2 = splicers(initialising_s=30)
    res = fleet.run(
        Client.from_splicer(s2),
        "screen/readList",
        {"deviceId": 0},
        retry_statuses=(),
        progress=False,
    )
    assert res.calls[0].status == 912 and res.calls[0].attempts == 1


def test_clock_skew_is_reported_once_for_the_fleet(splicers):
    behind = [splicers(clock=lambda: time.time() - 3600) for _ in range(3)]
    good = splicers()
    clients = [Client.from_splicer(s, name=f"rig-{n}") for n, s in enumerate(behind)]
    clients.append(Client.from_splicer(good, name="ok"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fleet.run(clients, "screen/readList", {"deviceId": 0}, progress=False)
    skew = [w for w in caught if issubclass(w.category, ClockSkewWarning)]
    assert len(skew) == 1
    text = str(skew[0].message)
    assert "3 splicers (rig-0, rig-1, rig-2)" in text and "status 11" in text
    # Date headers count whole seconds, and the second may turn between sending and answering
    # (for one of the three: "about 3599 to 3600 s").
    assert re.search(r"about (3599|3600|3601)( to (3600|3601|3602))? s ahead of theirs", text)
    assert skew[0].filename == __file__  # points at the caller's line
    assert res.clock_skew == ["rig-0", "rig-1", "rig-2"]
    assert [c.attempts for c in res.calls] == [1, 1, 1, 1]  # retrying cannot help
    assert text in res.to_text() and SECRET not in text


# ---------------------------------------------------------------------- interrupts


def test_interrupt_keeps_what_arrived_and_does_not_wait(splicers):
    fast = splicers(encrypt=False)
    slow = splicers(latency_ms=3000)
    clients = {"fast": Client.from_splicer(fast), "slow": Client.from_splicer(slow)}
    finished = []

    def on_call(call):
        finished.append(call)
        if sum(c.splicer == "fast" for c in finished) == 3:
            raise KeyboardInterrupt  # where a Ctrl-C lands: in the caller's thread

    res = fleet.run(
        clients,
        "screen/readList",
        {"deviceId": 0},
        vary={"screenId": list(range(5))},
        per_splicer=2,
        on_call=on_call,
        progress=False,
    )
    assert res.interrupted and not res.ok
    states = res.outcomes.groupby("splicer")["error"].apply(list).to_dict()
    fast_ok = [c for c in res.calls if c.splicer == "fast" and c.ok]
    assert len(fast_ok) >= 3 and all(c in fast_ok for c in finished)  # nothing lost
    assert set(states["fast"]) <= {"", "Interrupted"}
    assert states["slow"] == ["Interrupted"] * 5  # 3 s each: nobody waited for them
    slow_calls = [c for c in res.calls if c.splicer == "slow"]
    assert sum(c.in_flight for c in slow_calls) == 2  # per_splicer of them had been sent
    assert all("may have reached" in c.message for c in slow_calls if c.in_flight)
    assert all("before it was sent" in c.message for c in slow_calls if not c.in_flight)
    assert set(res.df["splicer"]) == {"fast"} and res.n_ok >= 3
    assert "interrupted" in res.summary() and "interrupted" in res.to_html()
    with pytest.raises(FleetError, match="interrupted"):
        res.raise_on_failure()


@pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
    reason="SIGINT is handled by someone else here",
)
def test_a_real_sigint_while_waiting(splicers):
    fast = splicers(encrypt=False)
    slow = splicers(latency_ms=3000)
    fired = threading.Event()

    def on_call(call):
        if call.splicer == "fast" and not fired.is_set():
            fired.set()
            threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()

    res = fleet.run(
        {"fast": Client.from_splicer(fast), "slow": Client.from_splicer(slow)},
        "main/initStatus",
        on_call=on_call,
        progress=False,
    )
    assert res.interrupted
    assert res.calls[0].ok and res.calls[1].state == "interrupted"


# ---------------------------------------------------------------------- executors


def _fleet_of_three(splicers):
    a, b = splicers(), splicers(encrypt=False, pid="plain")
    return [
        Client.from_splicer(a, name="a"),
        Client.from_splicer(b, name="b"),
        Client(a.root, "nobody", SECRET, encrypt=True, name="c"),
        dead_client("d"),
    ]


def _comparable(res):
    out = res.outcomes.drop(columns=["elapsed_ms"])
    return out, res.df


def _read_three(clients, **kw):
    """screen/readList on the fleet of three (one failing to connect, retried)."""
    return fleet.run(
        clients, "screen/readList", vary={"deviceId": [0]}, backoff=0.001, progress=False, **kw
    )


def test_process_pool_executor(splicers):
    clients = _fleet_of_three(splicers)
    reference = _read_three(clients)
    ctx = multiprocessing.get_context("spawn")  # fork with server threads running is unsafe
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        res = _read_three(clients, executor=pool)
        pd.testing.assert_frame_equal(_comparable(res)[0], _comparable(reference)[0])
        pd.testing.assert_frame_equal(res.df, reference.df)
        assert res.calls[3].attempts == 3  # retried in the pool, attempt by attempt
        assert not pool._shutdown_thread  # a caller's executor is left running


class Inline(cf.Executor):
    """Runs each attempt inside ``submit``: its future is finished before the fleet
    starts waiting for it."""

    def __init__(self):
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.submitted += 1
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the fleet as a pool would
            fut.set_exception(exc)
        return fut


def test_attempts_finished_before_submit_returns_are_collected_like_a_pool(splicers):
    clients = _fleet_of_three(splicers)
    reference = _read_three(clients)
    seen = []
    inline = Inline()
    res = _read_three(clients, executor=inline, on_call=lambda call: seen.append(call.index))
    pd.testing.assert_frame_equal(_comparable(res)[0], _comparable(reference)[0])
    pd.testing.assert_frame_equal(res.df, reference.df)
    assert sorted(seen) == [0, 1, 2, 3]  # each call finished once
    assert [c.attempts for c in res.calls] == [c.attempts for c in reference.calls]
    assert inline.submitted == sum(c.attempts for c in res.calls)  # retries included


@pytest.mark.dask
@pytest.mark.slow
def test_dask_local_cluster_executor(splicers):
    distributed = pytest.importorskip("dask.distributed")
    clients = _fleet_of_three(splicers)
    reference = fleet.run(
        clients, "screen/readList", {"deviceId": 0}, backoff=0.001, progress=False
    )
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        res = fleet.run(
            clients,
            "screen/readList",
            {"deviceId": 0},
            backoff=0.001,
            executor=dask_client.get_executor(),
            progress=False,
        )
    pd.testing.assert_frame_equal(_comparable(res)[0], _comparable(reference)[0])
    pd.testing.assert_frame_equal(res.df, reference.df)
    # Each retry is a new task (dask would otherwise hand back the cached failure).
    assert res.calls[3].attempts == 3 and res.calls[3].error_type == "ConnectError"


# ---------------------------------------------------------------------- rendering


def test_html_escapes_and_shows_both_tables(standins):
    s = standins(
        encrypt=True, reply_body={"screens": [{"screenId": 0, "name": "<script>alert(1)</script>"}]}
    )
    res = fleet.run(
        [Client.from_splicer(s, name="<b>hall</b>"), dead_client()],
        "screen/readList",
        backoff=0,
        progress=False,
    )
    page = res._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>hall</b>" not in page and "&lt;b&gt;hall&lt;/b&gt;" in page
    assert "Replies" in page and "Outcomes" in page and "ConnectError" in page
    bundle = res._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "text/markdown"}
    assert bundle["text/plain"].startswith("✘ screen/readList  1 ok  1 failed")
    markdown = bundle["text/markdown"]  # escaped too: a viewer renders its HTML
    assert "<b>hall</b>" not in markdown and "<script>" not in markdown
    # failures first in the outcome view
    outcomes = page.split("<b>Outcomes</b>")[1]
    assert outcomes.index("ConnectError") < outcomes.index("&lt;b&gt;hall")
    assert SECRET not in all_text(res)


def test_display_limit_footer(splicers):
    s = splicers(encrypt=False)
    res = fleet.run(
        Client.from_splicer(s), "main/initStatus", bodies=[{}] * 4, display_limit=2, progress=False
    )
    assert "showing 2 of 4 calls" in res._repr_html_()
    assert "(showing 2 of 4 calls; 2 more are not shown: `.outcomes`)" in res.to_text()


def test_progress_bar_counts_and_no_secret(splicers, capsys):
    pytest.importorskip("tqdm")
    s = splicers()
    res = fleet.run(
        [Client.from_splicer(s), dead_client()], "main/initStatus", progress=True, backoff=0
    )
    err = capsys.readouterr().err
    assert "main/initStatus" in err and "ok=1" in err and "failed=1" in err
    assert SECRET not in err and res.n_ok == 1
    fleet.run(Client.from_splicer(s), "main/initStatus", progress=False)
    assert capsys.readouterr().err == ""


def test_raise_on_failure_and_pickling(splicers):
    s = splicers()
    good = fleet.run(Client.from_splicer(s), "main/initStatus", progress=False)
    assert good.raise_on_failure() is good
    bad = fleet.run(
        [Client.from_splicer(s), dead_client("gone")], "main/initStatus", backoff=0, progress=False
    )
    with pytest.raises(FleetError) as info:
        bad.raise_on_failure()
    assert "1 of 2 calls" in str(info.value) and "gone: ConnectError" in str(info.value)
    again = pickle.loads(pickle.dumps(info.value))
    assert again.fleet.n_ok == 1 and list(again.fleet.outcomes["ok"]) == [True, False]
    assert SECRET not in str(again)


# ---------------------------------------------------------------------- bodies


def test_bodies_with_inferred_and_given_labels(splicers):
    s = splicers()
    c = Client.from_splicer(s)
    bodies = [{"deviceId": 0, "screenId": 0}, {"deviceId": 0, "screenId": 1}]
    res = fleet.run(c, "screen/readDetail", bodies=bodies, progress=False)
    assert res.fields == ["screenId"] and list(res.outcomes["screenId"]) == [0, 1]
    res = fleet.run(c, "screen/readDetail", bodies=bodies, labels=["main", "side"], progress=False)
    assert res.fields == ["item"] and list(res.outcomes["item"]) == ["main", "side"]
    res = fleet.run(
        c,
        "screen/readDetail",
        bodies=bodies,
        labels=[{"wall": "main"}, {"wall": "side"}],
        progress=False,
    )
    assert list(res.outcomes.columns[:2]) == ["splicer", "wall"]
    res = fleet.run(
        c,
        "screen/readDetail",
        {"deviceId": 0},
        vary={"screenId": [0, 1], "x": ["a", "b"]},
        progress=False,
    )
    assert [c.body for c in res.calls] == [
        {"deviceId": 0, "screenId": 0, "x": "a"},
        {"deviceId": 0, "screenId": 0, "x": "b"},
        {"deviceId": 0, "screenId": 1, "x": "a"},
        {"deviceId": 0, "screenId": 1, "x": "b"},
    ]


def test_nothing_to_do_is_an_empty_result(splicers):
    s = splicers()
    res = fleet.run(Client.from_splicer(s), "main/initStatus", vary={"x": []}, progress=False)
    assert len(res) == 0 and res.ok and res.df.empty and res.outcomes.empty
    assert "0 ok" in res.to_text() and res._repr_html_()
    assert len(fleet.run([], "main/initStatus", progress=False)) == 0


@pytest.mark.parametrize(
    "kw",
    [
        {"body": {}, "bodies": [{}]},
        {"bodies": [{}], "vary": {"a": [1]}},
        {"labels": ["x"]},
        {"bodies": [{}, {}], "labels": ["x"]},
        {"vary": {"a": 1}},
        {"vary": [1, 2]},
        {"body": [1], "vary": {"a": [1]}},
        {"max_workers": 0},
        {"per_splicer": 0},
        {"retries": -1},
        {"backoff": -1},
    ],
)
def test_bad_arguments_are_config_errors(kw):
    with pytest.raises(ConfigError):
        fleet.run(dead_client(), "main/initStatus", **kw)


def test_unknown_target_type_is_a_type_error():
    with pytest.raises(TypeError, match="fleet target"):
        fleet.run([42], "main/initStatus")


def test_public_names_exist_and_have_docstrings():
    import inspect

    for name in fleet.__all__:
        obj = getattr(fleet, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"fleet.{name} has no docstring"


def test_text_at_80_columns_says_why_each_call_failed(splicers, monkeypatch):
    """At 80 columns the outcome table keeps its short columns and each failed call's
    message follows it whole, wrapped (a column of it would be dropped for width)."""
    good = splicers(encrypt=False)
    wrong = Client(good.root, "old-pid", good.secret_key, encrypt=False, name="foyer (old pId)")
    res = fleet.run(
        {"stage": good, "foyer (old pId)": wrong, "tower": dead_client()},
        "main/initStatus",
        backoff=0,
        progress=False,
    )
    monkeypatch.setenv("COLUMNS", "80")
    lines = res.to_text().splitlines()
    assert max(map(len, lines)) <= 80, lines
    why = lines.index("Why they failed:")
    below = " ".join(line.strip() for line in lines[why + 1 : lines.index("Replies:")])
    for call in res.failures:
        assert " ".join(call.message.split()) in below, (call.message, below)
    assert below.startswith("- foyer (old pId): main/initStatus failed with status 15")
    assert "- tower: Could not connect" in below
    assert "<NA>" not in "\n".join(lines)  # the dead splicer's status is blank, not <NA>
    assert SECRET not in "\n".join(lines)


def test_html_stacks_outcomes_above_replies(splicers):
    """The outcome table comes first and the replies under it, each in its own full-width
    block (not two half-width flex boxes that wrapped messages a word a line)."""
    good = splicers(encrypt=False)
    res = fleet.run([good, dead_client()], "main/initStatus", backoff=0, progress=False)
    page = res._repr_html_()
    assert page.index("<b>Outcomes</b>") < page.index("<b>Replies</b>")
    assert "flex" not in page


def _refuses_with_11(req):
    body = {"body": {}, "msg": "Incorrect_Device_Time", "sign": "", "status": 11}
    return Reply(json.dumps(body).encode())


def test_a_fleet_refused_with_11_and_no_skew_measured_names_the_likelier_causes(standins):
    # Their Date headers agree with this computer's clock: "set this computer's clock"
    # would send the crew the wrong way (issue 25).
    agree = [standins(_refuses_with_11, encrypt=False) for _ in range(2)]
    clients = [
        Client(s.root, s.pid, SECRET, encrypt=False, name=f"rig-{n}") for n, s in enumerate(agree)
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fleet.run(clients, "screen/readList", {"deviceId": 0}, progress=False)
    [skew] = [w for w in caught if issubclass(w.category, ClockSkewWarning)]
    text = str(skew.message)
    assert "2 splicers (rig-0, rig-1)" in text and "status 11" in text
    assert "No clock skew measured (their Date headers agree" in text
    assert "seconds instead of milliseconds" in text
    assert "Set this computer's clock" not in text and "about 0 s" not in text
    assert text in res.to_text()
