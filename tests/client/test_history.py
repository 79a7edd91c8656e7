"""What was sent tonight (openapi_magic.client._history): each call a Client or a fleet
sent is kept, with what came of it, and only those; the JSON-lines file outlives the
session and takes appends from many threads at once."""

from __future__ import annotations

import json
import threading

import pytest

from openapi_magic.client._client import Client
from openapi_magic.client._history import History, Sent
from openapi_magic.errors import ConnectError, WriteRefused
from openapi_magic.ops import fleet

READ = ("screen/readList", {"deviceId": 0})
WRITE = ("screen/writeBrightness", {"deviceId": 0, "screenId": 0, "brightness": 40})
#: A root nothing listens on: the connection is refused at once.
NOWHERE = "http://127.0.0.1:9/open/api"


def logged(splicer, history: History, **kw) -> Client:
    client = Client.from_splicer(splicer, **kw)
    client.history = history
    return client


def test_a_client_records_each_call_it_sends_newest_first(splicer):
    history = History()
    client = logged(splicer, history, name="hall-a")
    client.call(*READ)
    client.call(*WRITE)
    client.call("screen/readDetail", {"deviceId": 0, "screenId": 999})  # a vendor failure
    first, second, third = history.entries()
    assert [e.interface for e in (first, second, third)] == [
        "screen/readDetail",
        "screen/writeBrightness",
        "screen/readList",
    ]
    assert (second.write, third.write) == (True, False)
    assert second.ok and second.status == 0 and second.body == WRITE[1]
    assert (first.ok, first.status, first.reached) == (False, 404, True)
    assert {e.origin for e in history.entries()} == {"client"}
    assert {e.splicer for e in history.entries()} == {"hall-a"}
    assert {e.root for e in history.entries()} == {splicer.root}
    assert [e.interface for e in history.entries(writes=True)] == ["screen/writeBrightness"]
    assert len(history.entries(last=2)) == 2


def test_a_call_that_never_reached_the_splicer_is_kept_and_marked(splicer):
    history = History()
    client = Client(NOWHERE, "demo", "Some-Key-12345678")
    client.history = history
    with pytest.raises(ConnectError):
        client.call(*WRITE)
    (entry,) = history.entries()
    assert entry.write and not entry.ok and entry.reached is False and entry.status is None
    assert "connection refused" in entry.error
    assert "NOT REACHED" in repr(history.view())


def test_a_refused_write_or_a_dry_run_is_not_sent_so_not_kept(splicer):
    history = History()
    client = logged(splicer, history, read_only=True)
    with pytest.raises(WriteRefused):
        client.call(*WRITE)
    client.prepare(*READ)  # sealed, never sent
    assert len(history) == 0
    assert "No calls sent" in repr(history.view())


def test_the_body_kept_is_a_copy_of_what_was_sent(splicer):
    history = History()
    body = {"deviceId": 0, "screenId": 0, "brightness": 40}
    logged(splicer, history).call("screen/writeBrightness", body)
    body["brightness"] = 99  # the caller's dict changes afterwards; the log does not
    assert history.entries()[0].body["brightness"] == 40


def test_the_dataframe_has_one_meaning_per_column(splicer):
    history = History()
    logged(splicer, history).call(*READ)
    frame = history.df()
    assert list(frame.columns[:5]) == ["time", "origin", "splicer", "root", "interface"]
    assert str(frame["time"].dt.tz) == "UTC"
    assert frame["status"].dtype == "Int64" and frame["status"].iloc[0] == 0


def test_memory_is_bounded_and_the_oldest_go_first(splicer):
    history = History(maxlen=3)
    client = logged(splicer, history)
    for screen in range(5):
        client.call("screen/readDetail", {"deviceId": 0, "screenId": screen})
    assert len(history) == 3
    assert [e.body["screenId"] for e in history.entries()] == [4, 3, 2]


def test_the_file_takes_each_entry_and_reads_back(splicer, tmp_path):
    path = tmp_path / "show.jsonl"
    history = History(path=path)
    client = logged(splicer, history)
    client.call(*READ)
    client.call(*WRITE)
    lines = path.read_text("utf-8").splitlines()
    assert [json.loads(line)["interface"] for line in lines] == [READ[0], WRITE[0]]
    assert json.loads(lines[0])["time"].endswith("Z")
    again = History.load(path)
    assert again.entries() == history.entries()
    assert again.path is None  # reading a log does not append to it


def test_appends_from_many_threads_are_whole_lines(tmp_path):
    path = tmp_path / "show.jsonl"
    history = History(path=path)
    sample = Sent(0.0, "fleet", "a", "http://x", "screen/readList", False, {}, 0, True, True)

    def add() -> None:
        for _ in range(50):
            history.record(sample)

    threads = [threading.Thread(target=add) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == 400 and all(json.loads(line)["origin"] == "fleet" for line in lines)
    assert len(history) == 400


def test_a_history_file_that_cannot_be_written_warns_once_and_keeps_the_calls(splicer, tmp_path):
    history = History(path=tmp_path / "no-such-folder" / "show.jsonl")
    client = logged(splicer, history)
    with pytest.warns(UserWarning, match="Could not append to the history file"):
        client.call(*READ)
    client.call(*READ)  # said once
    assert len(history) == 2


def test_a_fleet_records_every_attempt_as_it_collects_it(splicer):
    history = History()
    good = Client.from_splicer(splicer, name="good")
    gone = Client(NOWHERE, "demo", "Some-Key-12345678", name="gone")
    out = fleet.run([good, gone], *READ, retries=1, backoff=0, progress=False, history=history)
    assert out.n_ok == 1
    by_name = {}
    for entry in history.entries():
        by_name.setdefault(entry.splicer, []).append(entry)
    assert [e.ok for e in by_name["good"]] == [True]
    # the refused connection is retried once: two attempts, neither reached the splicer
    assert [e.reached for e in by_name["gone"]] == [False, False]
    assert {e.origin for e in history.entries()} == {"fleet"}


def test_a_fleet_of_clients_with_a_history_records_each_call_once(splicer):
    history = History()
    client = logged(splicer, history)
    fleet.run([client], bodies=[{"deviceId": 0}] * 3, interface=READ[0], progress=False)
    assert len(history) == 3
    assert {e.origin for e in history.entries()} == {"fleet"}


def test_a_client_travels_to_a_worker_without_its_history(splicer):
    import pickle

    history = History()
    client = logged(splicer, history)
    copy = pickle.loads(pickle.dumps(client))
    assert copy.history is None and client.history is history
    copy.call(*READ)  # a worker's call: the fleet that sent it records it, not the copy
    assert len(history) == 0


def test_a_long_history_shows_its_newest_rows_and_says_how_many_more():
    history = History()
    for n in range(60):
        history.record(
            Sent(
                float(n),
                "magic",
                "a",
                "http://x",
                "screen/readList",
                False,
                {"n": n},
                0,
                True,
                True,
            )
        )
    view = history.view()
    for shown in (view.to_text(200), view._repr_html_(), view._repr_markdown_()):
        assert "showing 50 of 60 calls; 10 more are not shown" in shown
    assert '{"n": 59}' in view.to_text(200) and '{"n": 9}' not in view.to_text(200)
    assert len(history.df()) == 60
