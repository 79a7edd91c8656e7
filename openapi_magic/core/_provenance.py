"""Where a catalog description comes from, computed from the evidence registry's files.

The one rule (:func:`grade`) that turns what a source says of a call into the
catalog's provenance words, and the bundled registry's files as JSON (read once),
so the catalog can compute its provenance at load without reading captures
(:mod:`openapi_magic.core._registry` reads the same files into entries).

Pure: plain file reads of the package's data; imports nothing but the standard library.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = [
    "BUNDLED_ROOT",
    "KINDS",
    "OBTAINED",
    "RANK",
    "bundled_files",
    "bundled_provenance",
    "grade",
    "provenance",
    "raw_entries",
]

#: Where the registry shipped with the package lives (data files, no module).
BUNDLED_ROOT = Path(__file__).resolve().parent.parent / "evidence" / "registry"
#: What a source is: notes of a real splicer, a public client, the vendor's pages as quoted.
KINDS = ("device", "client", "vendor")
#: How a call is known, most to least direct: a real device's reply byte for byte, a
#: real device's reply quoted in code or tests, a real device's behaviour in prose, a
#: request a client or the vendor's pages send (no reply known), a reply a client's
#: tests made up (no device sent it).
OBTAINED = ("captured", "quoted", "described", "sent", "mock")
#: The computed provenances, most certain first (the catalog's SOURCES but "reconstruction").
RANK = ("capture", "vendor", "client")


def grade(kind: str, obtained: str, status: Any, valid_credentials: bool = True) -> str:
    """What one entry makes of its interface: ``"capture"`` when a real device answered
    it 0 and the reply is quoted (captured or quoted, with valid credentials); else
    ``"vendor"`` for the vendor's pages; else ``"client"`` (a public client's code, a
    device's behaviour in prose); ``""`` for a reply a client's tests made up (it says
    nothing of any firmware)."""
    if obtained == "mock":
        return ""
    if obtained in ("captured", "quoted") and status == 0 and valid_credentials:
        return "capture"
    return "vendor" if kind == "vendor" else "client"


def provenance(
    graded: Iterable[tuple[str, str, str]],
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``{interface: (source, entry ids)}`` from ``(interface, grade, entry id)`` triples:
    each interface takes its most certain grade, with the entries that give it."""
    best: dict[str, tuple[str, list[str]]] = {}
    for interface, g, entry_id in graded:
        if not g:
            continue
        have = best.get(interface)
        if have is None or RANK.index(g) < RANK.index(have[0]):
            best[interface] = (g, [entry_id])
        elif g == have[0]:
            have[1].append(entry_id)
    return {i: (g, tuple(ids)) for i, (g, ids) in best.items()}


def raw_entries(data: Mapping) -> Iterable[tuple[str, str, str]]:
    """``(interface, grade, entry id)`` for each call of one registry file's JSON (the file
    is checked in full by the registry's loader; here only what provenance needs)."""
    meta = data.get("evidence") or {}
    fid = str(meta.get("id", ""))
    for i, call in enumerate(data.get("calls") or ()):
        kind = call.get("kind") or meta.get("kind") or "device"
        obtained = call.get("obtained") or meta.get("obtained") or "captured"
        g = grade(
            kind, obtained, call.get("status"), call.get("valid_credentials", True) is not False
        )
        yield call["interface"], g, f"{fid}#{call.get('id') or i}"


@functools.lru_cache(maxsize=1)
def bundled_files() -> tuple[tuple[str, str], ...]:
    """The bundled registry's files as ``(path, text)``, by name (read once; text, so no
    caller can change what the next one reads)."""
    return tuple(
        (str(path), path.read_text(encoding="utf-8"))
        for path in sorted(BUNDLED_ROOT.glob("*.json"))
    )


def bundled_provenance() -> dict[str, tuple[str, tuple[str, ...]]]:
    """:func:`provenance` of the bundled registry: what the bundled catalog shows."""
    return provenance(g for _, text in bundled_files() for g in raw_entries(json.loads(text)))
