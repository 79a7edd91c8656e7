"""Fleets and batches: one interface across many splicers, or many bodies, at once.

:func:`run` sends one interface to every target (clients, profiles, profile
names) and/or with every body (``vary={"inputId": [1, 2, 3]}`` or
``bodies=[...]``), concurrently, and returns a :class:`FleetResult`: the
replies combined into one DataFrame with ``splicer`` and the varied request
fields first, and an outcome table saying which call succeeded, which failed
and why. A failure never loses the other results, and an interrupt (Ctrl-C,
the notebook's stop button) returns what has arrived.

Concurrency is bounded twice, on the submitting side, so it holds with any
:class:`concurrent.futures.Executor` (threads by default; a process pool or a
dask.distributed ``client.get_executor()`` when one machine is not enough):
``max_workers`` calls in flight in all, and ``per_splicer`` per splicer (per
host:port of the root, so two pIds on one splicer share it).

Retries (each attempt is a new ``client.call``, so freshly signed with a new
timeStamp):

- a :class:`ConnectError` (the request was never sent) is always retried;
- a timeout, an HTTP 5xx, or a connection that broke after sending is retried
  only with ``retry_unsafe=True``, because the splicer may have acted on it
  (a write may have happened);
- a reply from the splicer is an answer, not retried, except the vendor
  statuses in ``retry_statuses`` (912, "device still initialising": the
  splicer refused before doing anything). Status 11 (clock skew) is never
  retried, since the same clock would fail again; it is reported once for the
  whole run (a :class:`ClockSkewWarning` naming the splicers), not per splicer.

Between attempts the wait is exponential backoff with full jitter:
``uniform(0, min(MAX_BACKOFF, backoff * 2**(retry - 1)))``. Retries are
scheduled by the coordinator, not slept in a worker, so a waiting retry holds
no worker and an interrupt is not delayed by it.

Outgrowing one machine: any ``concurrent.futures.Executor`` will do, e.g. a
dask.distributed cluster's::

    from dask.distributed import Client as DaskClient
    with DaskClient("tcp://scheduler:8786") as dask:
        res = fleet.run(["hall-a", "hall-b"], "device/readDetail", {"deviceId": 0},
                        executor=dask.get_executor())

The workers need openapi_magic installed and a route to the splicers; each
attempt travels to them as a pickled :class:`Client`, secretKey included (dask's
links are plain TCP unless TLS is configured).
"""

from __future__ import annotations

import concurrent.futures as cf
import random
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...client import _guards as _confirm
from ...client._result import DEFAULT_DISPLAY_LIMIT
from ...errors import ConfigError
from ._result import Call, ClockSkewWarning, FleetError, FleetResult
from ._schedule import (
    DEFAULT_MAX_WORKERS,
    DEFAULT_PER_SPLICER,
    DEFAULT_RETRY_STATUSES,
    MAX_BACKOFF,
    PROGRESS_DELAY,
    _attempt,
    _Driver,
    _Progress,
    backoff_delay,
    retry_kind,
)

# Private names other modules (watch: _resolve; captures: _Progress) and tests (_attempt,
# _Attempt) reach as ``fleet.<name>``, kept where they were before the split.
from ._schedule import _Attempt as _Attempt
from ._targets import _expand, _guard_run, _resolve

if TYPE_CHECKING:  # pragma: no cover
    from ...client._history import History

__all__ = [
    "DEFAULT_MAX_WORKERS",
    "DEFAULT_PER_SPLICER",
    "DEFAULT_RETRY_STATUSES",
    "MAX_BACKOFF",
    "PROGRESS_DELAY",
    "Call",
    "ClockSkewWarning",
    "FleetError",
    "FleetResult",
    "backoff_delay",
    "retry_kind",
    "run",
]

# ---------------------------------------------------------------------- the run


def run(
    targets: Any,
    interface: str,
    body: Any = None,
    *,
    bodies: Sequence[Any] | None = None,
    vary: Mapping[str, Iterable[Any]] | None = None,
    labels: Sequence[Any] | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
    per_splicer: int | None = DEFAULT_PER_SPLICER,
    retries: int = 2,
    retry_unsafe: bool = False,
    retry_statuses: Iterable[int] = DEFAULT_RETRY_STATUSES,
    backoff: float = 0.2,
    executor: cf.Executor | None = None,
    progress: bool | None = None,
    timeout: float | None = None,
    encrypt: bool | None = None,
    check: bool | None = None,
    strict_catalog: bool | None = None,
    records: str | None = None,
    profiles: Any = None,
    display_limit: int | None = DEFAULT_DISPLAY_LIMIT,
    on_call: Callable[[Call], None] | None = None,
    rng: random.Random | None = None,
    read_only: bool = False,
    confirm_writes: bool = False,
    confirm: _confirm.Confirm | None = None,
    confirmed: bool = False,
    history: History | None = None,
    origin: str = "fleet",
) -> FleetResult:
    """Call ``interface`` on every target with every body, concurrently.

    ``targets``: a :class:`Client`, a :class:`Profile`, a profile name, a
    simulated splicer, or a list of them (or a dict ``{label: target}`` to name
    them). Profile names are looked up in ``profiles`` (a path, a dict of
    profiles, or ``None`` for the default profiles file).

    Bodies: ``body`` alone (one call per target); ``vary={"inputId": [1, 2]}``
    sets those fields of ``body`` (several fields: every combination); or
    ``bodies=[...]``, with optional ``labels`` (one per body: a dict of
    columns, or a value for an ``item`` column) naming them in the tables
    (without labels, the fields that differ between the bodies are used).

    Concurrency: at most ``max_workers`` calls in flight, at most
    ``per_splicer`` to one splicer (``None``: no per-splicer limit). By default
    a thread pool of ``max_workers`` threads is used and shut down; pass any
    ``concurrent.futures.Executor`` as ``executor`` (a process pool, or a dask
    ``client.get_executor()``) to run the calls there instead (it is not shut
    down). Clients travel to process or dask workers pickled, secretKey
    included, so use such executors only over links you trust.

    Retries (``retries`` more attempts at most, each freshly signed, after a
    ``backoff``-based, jittered wait): connection failures always; timeouts,
    HTTP 5xx and connections broken after sending only with
    ``retry_unsafe=True``; vendor statuses only those in ``retry_statuses``
    (912, initialising). ``rng`` (a ``random.Random``) makes the jitter
    reproducible.

    ``timeout``, ``encrypt``, ``check``, ``strict_catalog`` (``None``: each
    client's own) and ``records`` go to each :meth:`Client.call`: what the
    catalog doubts is sent, and listed once in the run's view (``warnings``).
    ``progress``: ``None`` shows a bar (tqdm) only for runs
    that last more than :data:`PROGRESS_DELAY` s, ``True`` always, ``False``
    never. ``on_call(call)`` is called in this thread as each call finishes.

    A Ctrl-C (or kernel interrupt) while the calls run cancels those not yet
    started and returns at once, with ``interrupted=True`` and every reply that
    arrived (calls then in flight are marked interrupted, "may have reached the
    splicer", and end on their own within the client's timeout); status 11 (clock
    skew) gives one :class:`ClockSkewWarning` for the whole run.

    Writes (what the catalog does not list as a read) are guarded for the whole
    run before anything is sent: when any splicer is read-only (its client, or
    ``read_only``) nothing is sent to any (:class:`WriteRefused`, naming them);
    when any has ``confirm_writes`` (or ``confirm_writes``), the run is confirmed once, naming every
    splicer (``confirm``, else that client's ``confirm``, else a y/N prompt),
    unless ``confirmed`` (a front-end already asked).

    Every attempt sent is recorded, as it is collected here, in ``history`` (default:
    each splicer's client's own :attr:`~openapi_magic.client._client.Client.history`) as
    sent by ``origin``.
    """
    if not isinstance(max_workers, int) or max_workers < 1:
        raise ConfigError(f"max_workers must be a whole number of at least 1, not {max_workers!r}.")
    if per_splicer is not None and (not isinstance(per_splicer, int) or per_splicer < 1):
        raise ConfigError(
            f"per_splicer must be a whole number of at least 1 (or None), not {per_splicer!r}."
        )
    if not isinstance(retries, int) or retries < 0:
        raise ConfigError(f"retries must be a whole number of at least 0, not {retries!r}.")
    if backoff is None or backoff < 0:
        raise ConfigError(f"backoff must be a number of seconds of at least 0, not {backoff!r}.")
    if not isinstance(interface, str) or not interface.strip():
        raise ConfigError("No interface given: name one such as screen/readList.")
    items = _expand(body, bodies, vary, labels)
    resolved = _resolve(targets, profiles)
    field_names: list[str] = []
    for fields, _ in items:
        field_names.extend(k for k in fields if k not in field_names)
    calls = [
        Call(index=n, splicer=t.label, root=t.root, fields=dict(fields), body=b, _target=ti)
        for n, (ti, t, (fields, b)) in enumerate(
            (ti, t, item) for ti, t in enumerate(resolved) for item in items
        )
    ]
    # The one guard of the run (read-only refuses all, a confirm asks once): each call
    # is then sent as already guarded, not refused or asked about again per splicer.
    _guard_run(
        resolved,
        interface.strip(),
        items,
        read_only=read_only,
        confirm_writes=confirm_writes,
        confirm=confirm,
        confirmed=confirmed,
    )
    options = {
        "encrypt": encrypt,
        "timeout": timeout,
        "check": check,
        "records": records,
        "strict_catalog": strict_catalog,
        "guarded": True,
        "origin": None,  # recorded by the driver as each attempt comes back
    }
    driver = _Driver(
        calls,
        resolved,
        interface.strip(),
        options,
        max_workers=max_workers,
        per_splicer=per_splicer,
        retries=retries,
        retry_unsafe=retry_unsafe,
        retry_statuses=frozenset(retry_statuses),
        backoff=backoff,
        rng=rng,
        on_call=on_call,
        attempt=_attempt,
        history=history,
        origin=origin,
    )
    started = time.perf_counter()
    bar = _Progress(progress, len(calls), interface.strip())
    own = None
    if executor is None and any(t.client is not None for t in resolved) and calls:
        own = cf.ThreadPoolExecutor(
            max_workers=min(max_workers, len(calls)), thread_name_prefix="openapi-fleet"
        )
    interrupted: bool | None = None  # None: the run itself raised
    try:
        interrupted = driver.drive(executor or own, bar)
    finally:
        bar.close()
        if own is not None:
            # After an interrupt (or an error in on_call), threads still in a
            # request end on their own (bounded by the client's timeout);
            # nobody waits for them here.
            own.shutdown(wait=interrupted is False, cancel_futures=True)
        if interrupted is False:
            for t in resolved:
                if t.owned and t.client is not None:
                    t.client.close()
    fleet = FleetResult(
        interface.strip(),
        calls,
        fields=field_names,
        interrupted=interrupted,
        elapsed=time.perf_counter() - started,
        records=records,
        display_limit=display_limit,
        targets=len(resolved),
        bodies=len(items),
    )
    skew = fleet.clock_skew_message
    if skew is not None:
        warnings.warn(skew, ClockSkewWarning, stacklevel=2)
    return fleet
