"""The evidence registry's file format and loader: what real H-series firmware did, as data.

A registry file is a capture file (:mod:`openapi_magic.core.capture_format`) with
a little more, so every registry file also reads as a capture (and replays as one):

* a top-level ``"evidence"`` object: ``id`` (the file's name), ``source``
  (``name``, ``repository`` and ``path`` (and ``commit``), or ``document``), ``kind`` (what the
  source is: ``"device"`` notes of a real splicer, a public ``"client"``, the
  ``"vendor"``'s pages as quoted), the device ``model`` and ``firmware`` (``""``:
  not given), the ``date`` (``""``: not given), how its calls were ``obtained``
  (the default for each call), a ``summary`` and ``notes`` (what the source says
  that is no call);
* per call, besides the capture fields: ``id`` (unique in the file), ``obtained``
  (:data:`OBTAINED`), ``kind`` (where one call's source differs from the file's),
  ``raw`` (the reply's text as the source gives it, byte for byte), ``status_key``
  (the reply's spelling of ``status`` where the source says it), ``says`` (the
  source's words) and ``valid_credentials`` (``false`` for a reply to a wrong pId
  or key: it says nothing about the interface). A call's ``interface`` ``"*"``
  stands for any interface the firmware does not know.

An entry is named ``"<file id>#<call id>"``. The catalog's provenance is computed
from the bundled registry (:func:`bundled_registry`): see :meth:`Registry.source_of`.

Pure: reading JSON files only; no clock, no network, no pandas.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CaptureError
from ._provenance import BUNDLED_ROOT, KINDS, OBTAINED, bundled_files, grade, provenance
from .capture_format import Call, Capture, read_file
from .catalog import Catalog, catalog_data

__all__ = [
    "BUNDLED_ROOT",
    "KINDS",
    "OBTAINED",
    "UNKNOWN_INTERFACE",
    "Entry",
    "EvidenceFile",
    "Registry",
    "bundled_registry",
    "evidence_from_dict",
    "load_registry",
]

#: What a call's ``interface`` is when the source speaks of any path the firmware lacks.
UNKNOWN_INTERFACE = "*"
_FROM_DEVICE = frozenset({"captured", "quoted", "described"})


@dataclass(frozen=True)
class Entry:
    """One call a source knows of: the request, and the reply where a device gave one."""

    id: str
    file: str
    call: Call
    kind: str
    obtained: str
    model: str
    firmware: str
    source: str
    raw: str = ""
    status_key: str = ""
    says: str = ""
    valid_credentials: bool = True

    @property
    def interface(self) -> str:
        return self.call.interface

    @property
    def from_device(self) -> bool:
        """True when a real splicer gave this reply (captured, quoted or described)."""
        return self.obtained in _FROM_DEVICE and self.call.status is not None

    @property
    def grade(self) -> str:
        """The provenance this entry gives its interface (``"capture"``, ``"vendor"``,
        ``"client"``: see :func:`openapi_magic.core._provenance.grade`)."""
        return grade(self.kind, self.obtained, self.call.status, self.valid_credentials)

    @property
    def firmware_label(self) -> str:
        """The device as the matrix names it: ``"H9 V1.9.7.1"``, ``"H5 (version not given)"``."""
        version = f"V{self.firmware.lstrip('Vv')}" if self.firmware else "(version not given)"
        return f"{self.model or 'H-series'} {version}"

    def key_spelling(self) -> str:
        """The reply's spelling of the status key (``"status "``), "" when not known."""
        if self.raw:
            try:
                reply = json.loads(self.raw)
            except ValueError:
                return self.status_key
            for key in reply if isinstance(reply, dict) else ():
                if key.strip() == "status":
                    return str(key)
        return self.status_key


@dataclass(frozen=True)
class EvidenceFile:
    """One registry file: a source, what it says in words, and its entries."""

    id: str
    source: dict
    kind: str
    model: str
    firmware: str
    date: str
    obtained: str
    summary: str
    notes: tuple[str, ...]
    entries: tuple[Entry, ...]
    path: str = ""

    def source_text(self) -> str:
        """The source in words: name, then repository and path or the document."""
        s = self.source
        where = ": ".join(p for p in (s.get("repository", ""), s.get("path", "")) if p)
        where = where or s.get("document", "")
        return f"{s.get('name', self.id)} ({where})" if where else str(s.get("name", self.id))


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CaptureError(f"{where}: {key} must be text.")
    return value


def _choice(value: str, allowed: tuple[str, ...], where: str, name: str) -> str:
    if value not in allowed:
        raise CaptureError(f"{where}: {name} {value!r} is not one of {', '.join(allowed)}.")
    return value


def evidence_from_dict(data: Any, where: str = "the data", path: str = "") -> EvidenceFile:
    """A registry file from its JSON; CaptureError naming what is wrong."""
    capture = Capture.from_dict(data, where)
    meta = data.get("evidence")
    if not isinstance(meta, dict):
        raise CaptureError(
            f'{where} is a capture, not evidence: it has no "evidence" object '
            "(Capture.to_evidence() writes one)."
        )
    fid = _text(meta, "id", where) or Path(path).stem
    if not fid:
        raise CaptureError(f"{where}: evidence needs an id.")
    source = meta.get("source") or {}
    if not isinstance(source, dict):
        raise CaptureError(f"{where}: evidence.source must be an object.")
    kind = _choice(_text(meta, "kind", where) or "device", KINDS, where, "kind")
    obtained = _choice(_text(meta, "obtained", where) or "captured", OBTAINED, where, "obtained")
    model = _text(meta, "model", where)
    firmware = _text(meta, "firmware", where) or str(capture.firmware or "")
    notes = meta.get("notes") or []
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise CaptureError(f"{where}: evidence.notes must be a list of text.")
    file = EvidenceFile(
        id=fid,
        source=dict(source),
        kind=kind,
        model=model,
        firmware=firmware,
        date=_text(meta, "date", where),
        obtained=obtained,
        summary=_text(meta, "summary", where),
        notes=tuple(notes),
        entries=(),
        path=path,
    )
    entries: list[Entry] = []
    seen: set[str] = set()
    for i, (raw_call, call) in enumerate(zip(data["calls"], capture.calls)):
        at = f"{where}: call {i}"
        cid = _text(raw_call, "id", at) or str(i)
        if cid in seen:
            raise CaptureError(f"{at}: id {cid!r} is used twice in the file.")
        seen.add(cid)
        entries.append(
            Entry(
                id=f"{fid}#{cid}",
                file=fid,
                call=call,
                kind=_choice(_text(raw_call, "kind", at) or kind, KINDS, at, "kind"),
                obtained=_choice(
                    _text(raw_call, "obtained", at) or obtained, OBTAINED, at, "obtained"
                ),
                model=model,
                firmware=firmware,
                source=file.source_text(),
                raw=_text(raw_call, "raw", at),
                status_key=_text(raw_call, "status_key", at),
                says=_text(raw_call, "says", at),
                valid_credentials=raw_call.get("valid_credentials", True) is not False,
            )
        )
    return dataclasses.replace(file, entries=tuple(entries))


@dataclass(frozen=True)
class Registry:
    """Every registry file read: look entries up by id or interface, compute provenance."""

    files: tuple[EvidenceFile, ...] = ()

    def __iter__(self) -> Iterator[Entry]:
        for f in self.files:
            yield from f.entries

    def __len__(self) -> int:
        return sum(len(f.entries) for f in self.files)

    def entry(self, entry_id: str) -> Entry:
        """The entry called ``entry_id`` (``"h5-broadcast-controller#readList-ok"``);
        KeyError naming the file's entries otherwise."""
        for e in self:
            if e.id == entry_id:
                return e
        raise KeyError(f"no registry entry {entry_id!r}")

    def for_interface(self, interface: str) -> list[Entry]:
        """The entries about ``interface`` (``"*"``: about any unknown interface)."""
        norm = interface.strip().strip("/") if interface != UNKNOWN_INTERFACE else interface
        return [e for e in self if e.interface == norm]

    def interfaces(self) -> list[str]:
        """Every interface an entry names, in the order first seen."""
        return list(dict.fromkeys(e.interface for e in self))

    def provenance(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """``{interface: (source, entry ids)}``: the catalog provenance each interface an
        entry names takes (see :meth:`source_of`)."""
        return provenance((e.interface, e.grade, e.id) for e in self)

    def source_of(self, interface: str) -> tuple[str, tuple[str, ...]]:
        """The catalog provenance the registry gives ``interface``, and the entries behind it.

        ``"capture"`` when a real device answered it 0 and the reply is quoted;
        else ``"vendor"`` when the vendor's pages (as quoted) name it; else
        ``"client"`` when any source does (a public client's code, a device's
        behaviour in prose); else ``"reconstruction"`` (no entry: ours only).
        """
        return self.provenance().get(interface.strip().strip("/"), ("reconstruction", ()))

    def catalog(self) -> Catalog:
        """The bundled catalog with its provenance computed from this registry."""
        return Catalog(catalog_data(), provenance=self.provenance())

    def with_files(self, files: Iterable[EvidenceFile]) -> Registry:
        """A new registry with ``files`` added (this one unchanged)."""
        return Registry((*self.files, *files))


def _files_in(root: str | os.PathLike) -> list[Path]:
    p = Path(root).expanduser()
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise CaptureError(f"No evidence folder or file {p}.")
    return sorted(p.glob("*.json"))


def load_registry(*roots: str | os.PathLike, bundled: bool = True) -> Registry:
    """The registry: the bundled files (unless ``bundled=False``) and every ``*.json``
    in each of ``roots`` (a folder or one file). Two files with one id: CaptureError."""
    files = list(bundled_registry().files) if bundled else []
    for root in roots:
        for path in _files_in(root):
            data, where = read_file(path)
            files.append(evidence_from_dict(data, where, str(path)))
    ids = [f.id for f in files]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise CaptureError(f"Two evidence files have the id {', '.join(map(repr, twice))}.")
    return Registry(tuple(files))


@functools.lru_cache(maxsize=1)
def bundled_registry() -> Registry:
    """The registry shipped with the package (read once)."""
    return Registry(
        tuple(
            evidence_from_dict(json.loads(text), f"evidence file {Path(path).name}", path)
            for path, text in bundled_files()
        )
    )
