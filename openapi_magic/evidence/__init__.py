"""What real H-series firmware does, version by version: the evidence registry and its matrix.

The registry (``openapi_magic/evidence/registry/``, one JSON file per source)
holds every real request and reply we know of, each with the device model,
firmware version, date, source and how it was obtained. The catalog's
provenance is computed from it; each simulated firmware profile names the
entries its quirks come from.

:func:`matrix` is the compatibility table: interface × firmware (model and
version), each cell ``ok``, the failure's status and msg token, or ``not seen``.
:func:`compatibility_markdown` is the document the README links
(``docs/compatibility.md``), made by ``openapi-magic evidence --markdown``.
Add your own splicer's evidence with :meth:`Capture.to_evidence
<openapi_magic.Capture.to_evidence>` and :func:`load_registry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core._registry import (
    UNKNOWN_INTERFACE,
    Entry,
    Registry,
    bundled_registry,
    load_registry,
)
from ..ops._captures import EvidenceDraft
from ..render._tables import (
    Shown,
    View,
    grid_html,
    grid_text,
    inert_view,
    markdown_grid,
    safe_text,
    text_width,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "NOT_SEEN",
    "OK",
    "Entry",
    "EvidenceDraft",
    "Matrix",
    "Registry",
    "compatibility_markdown",
    "load_registry",
    "matrix",
]

#: A cell of the matrix where the device answered status 0.
OK = "ok"
#: A cell of the matrix where no source shows what that firmware answers.
NOT_SEEN = "not seen"
#: The row of replies to interfaces the firmware does not know.
_UNKNOWN_ROW = "(an interface it does not know)"


def _outcome(entry: Entry) -> str:
    call = entry.call
    return OK if call.status == 0 else f"{call.status} {call.msg}".strip()


@dataclass
class Matrix(Shown):
    """The compatibility table: ``cells[interface][firmware]`` is ``ok``, the failures
    seen (``"500 Server_Err"``; several joined by ``" or "``) or ``not seen``.

    ``df`` is the table as a DataFrame (interfaces down, firmwares across);
    ``entries[(interface, firmware)]`` the registry entries behind a cell.
    """

    interfaces: list[str]
    firmwares: list[str]
    cells: dict[str, dict[str, str]]
    entries: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def cell(self, interface: str, firmware: str) -> str:
        """What ``firmware`` answered ``interface`` (``ok``, ``"500 Server_Err"``, ``not seen``)."""
        return self.cells.get(interface, {}).get(firmware, NOT_SEEN)

    @property
    def df(self) -> pd.DataFrame:
        """Interfaces down, firmwares across (``"H9 V1.9.7.1"``), the cells as text."""
        import pandas as pd

        return pd.DataFrame(
            [[self.cell(i, f) for f in self.firmwares] for i in self.interfaces],
            index=pd.Index(self.interfaces, name="interface"),
            columns=self.firmwares,
        )

    def view(self) -> View:
        """The matrix as the one renderer's view (every cell made safe)."""
        cells = [
            [safe_text(i)] + [safe_text(self.cell(i, f)) for f in self.firmwares]
            for i in self.interfaces
        ]
        return View(
            "table",
            ["interface", *map(safe_text, self.firmwares)],
            cells,
            len(cells),
            len(cells),
            numeric=[False] * (len(self.firmwares) + 1),
        )

    def to_markdown(self) -> str:
        """The table as Markdown (GitHub's viewer)."""
        return "\n".join(markdown_grid(self.view()))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return grid_html(self.view())

    def __repr__(self) -> str:
        return "\n".join(grid_text(inert_view(self.view()), text_width(), "`matrix().df`"))


def matrix(registry: Registry | None = None, *, every_interface: bool = False) -> Matrix:
    """The compatibility table of ``registry`` (the bundled one by default): a row per
    interface some real device answered (every catalog interface with
    ``every_interface``), a column per firmware (model and version) a reply came from.

    Only replies from real devices count (captured, quoted or described), and never
    a reply to a wrong pId or key (it says nothing about the interface).
    """
    reg = registry if registry is not None else bundled_registry()
    seen = [e for e in reg if e.from_device and e.valid_credentials]
    # By model, then version (a device whose model or version is not given last).
    firmwares = sorted(
        dict.fromkeys(e.firmware_label for e in seen),
        key=lambda label: ("H-series" in label, "not given" in label, label),
    )
    outcomes: dict[str, dict[str, list[str]]] = {}
    entries: dict[tuple[str, str], list[str]] = {}
    for e in seen:
        row = _UNKNOWN_ROW if e.interface == UNKNOWN_INTERFACE else e.interface
        said = outcomes.setdefault(row, {}).setdefault(e.firmware_label, [])
        if _outcome(e) not in said:
            said.append(_outcome(e))
        entries.setdefault((row, e.firmware_label), []).append(e.id)
    paths = reg.catalog().paths()
    rows = list(outcomes)
    if every_interface:
        rows = [*paths, *[r for r in rows if r not in paths]]
    # Catalog order (module by module), then what the catalog does not know.
    order = {p: n for n, p in enumerate(paths)}
    rows.sort(key=lambda r: (order.get(r, len(order)), r))
    cells = {
        r: {f: " or ".join(outcomes.get(r, {}).get(f, [])) or NOT_SEEN for f in firmwares}
        for r in rows
    }
    return Matrix(rows, firmwares, cells, entries)


def _sources_markdown(reg: Registry) -> list[str]:
    lines = [
        "| source | what it is | device | obtained | date | entries |",
        "|---|---|---|---|---|---:|",
    ]
    for f in reg.files:
        device = " ".join(p for p in (f.model, f"V{f.firmware}" if f.firmware else "") if p)
        lines.append(
            f"| {_cell(f.source_text())} (`{f.id}`) | {f.kind} | {_cell(device or '—')} "
            f"| {f.obtained} | {_cell(f.date or 'not given')} | {len(f.entries)} |"
        )
    return lines


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def compatibility_markdown(registry: Registry | None = None) -> str:
    """The compatibility document (``docs/compatibility.md``): the matrix, how to read
    it, and the sources behind it. ``openapi-magic evidence --markdown`` prints it."""
    reg = registry if registry is not None else bundled_registry()
    m = matrix(reg)
    lines = [
        "# What real H-series firmware answers",
        "",
        "Made from the evidence registry (`openapi_magic/evidence/registry/`) by",
        "`openapi-magic evidence --markdown > docs/compatibility.md`; a test keeps it current.",
        "",
        f"Each cell: `{OK}` (status 0), the failure's status and msg token, or `{NOT_SEEN}`",
        "(no source shows what that firmware answers). Only replies from real devices count.",
        "Nobody publishes which interfaces answer on which firmware: add yours",
        "(`capture.to_evidence()`, see the README's contributing section).",
        "",
        m.to_markdown(),
        "",
        "## Sources",
        "",
        *_sources_markdown(reg),
        "",
    ]
    return "\n".join(lines)
