"""What a fleet run sends where: targets (clients, profiles, profile names, simulated
splicers) resolved to clients, the bodies expanded from ``body``/``bodies``/``vary``, and
the one write guard for the whole run. Imports nothing else of the fleet."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...client import _guards as _confirm
from ...client._client import Client
from ...client._connection import is_splicer_like
from ...client._profiles import Profile, load_profiles, profiles_path
from ...core.catalog import is_read
from ...errors import ConfigError, OpenAPIError, WriteRefused

__all__: list[str] = []

# ---------------------------------------------------------------------- targets


@dataclass
class _Target:
    label: str
    root: str | None
    client: Client | None
    error: OpenAPIError | None
    owned: bool
    host: str


_public_root = _confirm.public_root


def _host(root: str) -> str:
    parts = urlsplit(root)
    return parts.netloc.rsplit("@", 1)[-1].lower() or root


def _as_items(targets: Any) -> list[tuple[str | None, Any]]:
    if isinstance(targets, Mapping):
        return [(str(k), v) for k, v in targets.items()]
    if isinstance(targets, (str, Client, Profile)) or is_splicer_like(targets):
        return [(None, targets)]
    try:
        return [(None, t) for t in targets]
    except TypeError:
        raise TypeError(
            f"targets must be a Client, a Profile, a profile name or a list of "
            f"them, not {type(targets).__name__}."
        ) from None


def _resolve(targets: Any, profiles: Any) -> list[_Target]:
    loaded: dict[str, Profile] | None = None
    load_error: ConfigError | None = None
    out: list[_Target] = []
    for label, item in _as_items(targets):
        client, error, owned, name = None, None, False, None
        if isinstance(item, Client):
            client, name = item, item.name or _public_root(item.root)
        elif isinstance(item, Profile):
            name = item.name
            try:
                client, owned = item.client(), True
            except ConfigError as exc:
                error = exc
        elif isinstance(item, str):
            name = item
            if loaded is None and load_error is None:
                try:
                    loaded = _load(profiles)
                except ConfigError as exc:
                    load_error = exc
            if load_error is not None or loaded is None:
                error = load_error
            elif item not in loaded:
                where = (
                    "the profiles given"
                    if isinstance(profiles, Mapping)
                    else str(profiles if profiles is not None else profiles_path())
                )
                error = ConfigError(
                    f"No profile {item!r} in {where} "
                    f"(known: {', '.join(sorted(loaded)) or 'none'})."
                )
            else:
                try:
                    client, owned = loaded[item].client(), True
                except ConfigError as exc:
                    error = exc
        elif is_splicer_like(item):
            try:
                client, owned = Client.from_splicer(item), True
                name = _public_root(client.root)
            except ConfigError as exc:
                error, name = exc, _public_root(str(item.root))
        else:
            raise TypeError(
                f"A fleet target must be a Client, a Profile, a profile name or a "
                f"simulated splicer, not {type(item).__name__}."
            )
        root = _public_root(client.root) if client is not None else None
        host = _host(client.root) if client is not None else f"(unresolved) {name}"
        out.append(_Target(label or name, root, client, error, owned, host))
    seen: Counter[str] = Counter(t.label for t in out)
    count: Counter[str] = Counter()
    for t in out:  # two targets with one label (one root, two pIds) stay apart
        if seen[t.label] > 1:
            count[t.label] += 1
            if count[t.label] > 1:
                t.label = f"{t.label} #{count[t.label]}"
    return out


def _load(profiles: Any) -> dict[str, Profile]:
    if isinstance(profiles, Mapping):
        return dict(profiles)
    return load_profiles(profiles)


# ---------------------------------------------------------------------- bodies


def _plain(value: Any) -> Any:
    """numpy/pandas scalars → Python ones (JSON cannot take an int64)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


def _expand(body: Any, bodies: Any, vary: Any, labels: Any) -> list[tuple[dict[str, Any], Any]]:
    """``[(fields, body), ...]``: the bodies to send and the request fields
    that vary between them (the source columns of the combined table)."""
    if bodies is not None and body is not None:
        raise ConfigError("Give either body or bodies, not both.")
    if bodies is not None and vary is not None:
        raise ConfigError("Give either bodies or vary, not both (vary sets fields of body).")
    if labels is not None and bodies is None:
        raise ConfigError("labels name the items of bodies: give bodies too.")
    if vary is not None:
        if not isinstance(vary, Mapping):
            raise ConfigError(
                "vary must map field names to lists of values, e.g. {'inputId': [1, 2, 3]}."
            )
        if body is not None and not isinstance(body, Mapping):
            raise ConfigError("vary sets fields of the body, so the body must be an object.")
        names = [str(k) for k in vary]
        columns = []
        for name, values in vary.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise ConfigError(
                    f"vary[{name!r}] must be a list of values, not {type(values).__name__}."
                )
            columns.append([_plain(v) for v in values])
        out = []
        for combo in itertools.product(*columns):  # several fields: every combination
            fields = dict(zip(names, combo))
            out.append((fields, {**dict(body or {}), **fields}))
        return out
    if bodies is not None:
        if isinstance(bodies, (str, bytes, Mapping)) or not isinstance(bodies, Iterable):
            raise ConfigError("bodies must be a list of bodies.")
        bodies = list(bodies)
        varied: list[dict[str, Any]]
        if labels is not None:
            labels = list(labels)
            if len(labels) != len(bodies):
                raise ConfigError(
                    f"labels has {len(labels)} items but bodies has "
                    f"{len(bodies)}: give one label per body."
                )
            varied = [
                (
                    {str(k): _plain(v) for k, v in lab.items()}
                    if isinstance(lab, Mapping)
                    else {"item": _plain(lab)}
                )
                for lab in labels
            ]
        else:
            varied = _varied_fields(bodies)
        return list(zip(varied, bodies))
    return [({}, body)]


def _varied_fields(bodies: list[Any]) -> list[dict[str, Any]]:
    if len(bodies) < 2:
        return [{} for _ in bodies]
    if not all(isinstance(b, Mapping) for b in bodies):
        return [{"body": json.dumps(b, ensure_ascii=False, default=str)} for b in bodies]
    keys: list[Any] = []
    for b in bodies:
        keys.extend(k for k in b if k not in keys)
    missing = object()

    def same(k: Any) -> bool:
        first = bodies[0].get(k, missing)
        return all(b.get(k, missing) == first for b in bodies[1:])

    varied = [k for k in keys if not same(k)]
    return [{str(k): b.get(k) for k in varied} for b in bodies]


def _guard_run(
    targets: list[_Target],
    interface: str,
    items: list[tuple[dict[str, Any], Any]],
    *,
    read_only: bool,
    confirm_writes: bool,
    confirm: _confirm.Confirm | None,
    confirmed: bool,
) -> bool:
    """Refuse or confirm a fleet write once, before any call; True when confirmed."""
    if is_read(interface):
        return False
    clients = [(t, t.client) for t in targets if t.client is not None]
    locked = [(t, c) for t, c in clients if read_only or c.read_only]
    if locked:
        names = ", ".join(t.label for t, _ in locked)
        hint = next((c.read_only_hint for _, c in locked if c.read_only_hint), None)
        try:
            _confirm.refuse_if_read_only(interface, read_only=True, where=names, how=hint)
        except WriteRefused as exc:
            exc.message = (
                f"Nothing of this run was sent ({len(clients)} splicer"
                f"{'' if len(clients) == 1 else 's'}): " + exc.message
            )
            exc.args = (exc.message,)
            raise
    asking = [c for _, c in clients if confirm_writes or c.confirm_writes]
    if confirmed or not asking:
        return confirmed
    bodies = [b for _, b in items]
    body = bodies[0] if len(bodies) == 1 else bodies
    ask = confirm or next((c.confirm for c in asking if c.confirm), None)
    where = [t.label if t.label == t.root else f"{t.label} ({t.root})" for t, _ in clients]
    _confirm.confirm(_confirm.pending(interface, body, where), ask)
    return True
