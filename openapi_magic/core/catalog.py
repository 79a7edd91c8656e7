"""The H-series interface catalog: one data file (``catalog.json``) and a small loader.

The catalog is the single copy of what we know of the splicer's interfaces and
status codes (``shared/NOVASTAR-H.md``): the client takes its error hints from
it, the magic its completions and pre-send checks, the form its generated
fields, and the simulated splicer its request validation.

Field types are JSON types: ``integer``, ``number``, ``string``, ``boolean``,
``object`` (with nested ``fields``) and ``array`` (with an ``items`` field spec).
The vendor writes most switches as integers 0/1; those are ``integer`` fields
with an ``enum`` and ``enumLabels``. Numeric codes that appear in replies
(``interfaceType``, ``cardType``, ``sourceType``) have label tables under ``codes``.

Provenance: every interface, and every field where it differs, says where its
description comes from (``source``): ``"vendor"`` (the vendor's pages, as quoted
by a public client), ``"capture"`` (a reply seen on a real device, quoted),
``"client"`` (a public client's code, a device's behaviour in prose) or
``"reconstruction"`` (ours, from ``shared/NOVASTAR-H.md``: unconfirmed). An
interface's source is computed at load from the evidence registry
(``openapi_magic.evidence``; the rule is :func:`openapi_magic.core._provenance.grade`),
with the registry ``entries`` behind it; a field's is written in ``catalog.json``
and a test checks that a registry entry sends it. ``evidence`` names the sources in words;
``disagreement`` says where sources differ (the catalog records it rather than
picking silently). A field without a ``source`` of its own inherits its
interface's. Status codes carry the firmware's ``msg`` token (``Server_Err``...).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ..errors import ConfigError
from ._provenance import bundled_provenance

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = [
    "KINDS",
    "SOURCES",
    "Catalog",
    "Field",
    "Interface",
    "Problem",
    "StatusCode",
    "catalog_data",
    "is_read",
    "load_catalog",
    "normalize_path",
    "provenance_text",
]

_JSON_TYPES = {"integer", "number", "string", "boolean", "object", "array", "any"}
#: Where a description comes from, most to least certain.
SOURCES = ("capture", "vendor", "client", "reconstruction")
#: What an interface does to the splicer: every catalog entry says which (no default).
KINDS = ("read", "write")

# An action that reads: read…/list…/get…/query…, or …List/…Detail/…Status/…Info/…Version.
_READ_ACTION = re.compile(r"^(read|list|get|query)|(List|Detail|Details|Status|Info|Version)$")
# An action that writes, whatever else it looks like: an entry calling one a read is a
# mistake in the catalog, and the read-only guards and capture trust the catalog alone.
_WRITE_ACTION = re.compile(
    r"^(write|save|set|create|delete|update|clear|rename|play|import|"
    r"enable|disable|overWrite|apply|edit|ftb|freeze)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Problem:
    """One thing the catalog finds wrong with a request body.

    ``certain`` is True only where the call cannot be right whatever the firmware
    (a field of a type that cannot fit); everything else the catalog may have
    wrong (a range, a required field, an unknown field or interface, a type of a
    field we only reconstructed) is not certain: front-ends show it as a warning
    and send anyway, unless told to be strict (``strict_catalog``). ``field`` is
    the dotted name of the field concerned ("" for the body or the interface).
    """

    message: str
    certain: bool = False
    field: str = ""

    def __str__(self) -> str:
        return self.message


def normalize_path(interface: str) -> str:
    """``"/screen/readList"``, ``"screen/readList "`` → ``"screen/readList"``."""
    if not isinstance(interface, str):
        raise TypeError(f"an interface path is text, not {type(interface).__name__}")
    return interface.strip().strip("/")


@dataclass(frozen=True)
class Field:
    """One request field: name, JSON type, whether required, limits and help."""

    name: str
    type: str
    required: bool = False
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple = ()
    enum_labels: dict = field(default_factory=dict, compare=False, hash=False)
    default: Any = None
    max_length: int | None = None
    fields: tuple[Field, ...] = ()
    items: Field | None = None
    #: Provenance where it differs from the interface's ("" = inherit; see the module doc).
    source: str = field(default="", compare=False)
    evidence: str = field(default="", compare=False)
    disagreement: str = field(default="", compare=False)

    @classmethod
    def from_dict(cls, data: dict, name: str | None = None) -> Field:
        ftype = data.get("type", "any")
        if ftype not in _JSON_TYPES:
            raise ValueError(f"catalog field {name or data.get('name')!r}: unknown type {ftype!r}")
        _check_source(data.get("source", ""), f"field {name or data.get('name')!r}", inherit=True)
        items = data.get("items")
        return cls(
            name=name if name is not None else data["name"],
            type=ftype,
            required=bool(data.get("required", False)),
            description=data.get("description", ""),
            minimum=data.get("minimum"),
            maximum=data.get("maximum"),
            enum=tuple(data.get("enum", ())),
            enum_labels={str(k): v for k, v in data.get("enumLabels", {}).items()},
            default=data.get("default"),
            max_length=data.get("maxLength"),
            fields=tuple(cls.from_dict(f) for f in data.get("fields", ())),
            items=cls.from_dict(items, name="[]") if items else None,
            source=data.get("source", ""),
            evidence=data.get("evidence", ""),
            disagreement=data.get("disagreement", ""),
        )

    def initial_value(self) -> Any:
        """A value that passes :meth:`check`: the default, else the first enum
        value, the minimum or an empty value (objects get their required fields)."""
        return _default(self)

    def check(self, value: Any, where: str) -> list[str]:
        """Problems with ``value`` for this field (empty when it is fine)."""
        return [p.message for p in self.problems(value, where)]

    def problems(
        self, value: Any, where: str, source: str = "reconstruction", extra: bool = False
    ) -> list[Problem]:
        """:class:`Problem` objects for ``value`` (see :meth:`Interface.problems`).

        ``source`` is the provenance inherited from the enclosing field or
        interface; ``extra`` also reports fields the catalog does not list.
        """
        source = self.source or source
        if not _type_ok(self.type, value):
            return [
                Problem(
                    f"{where} must be {_article(self.type)}, not {_json_type(value)} "
                    f"{_short(value)}",
                    self._type_certain(value, source),
                    where,
                )
            ]
        problems: list[Problem] = []
        if self.enum and value not in self.enum:
            allowed = ", ".join(_label(v, self.enum_labels) for v in self.enum)
            problems.append(
                Problem(f"{where} must be one of {allowed}, not {_short(value)}", field=where)
            )
        if self.minimum is not None and isinstance(value, (int, float)) and value < self.minimum:
            problems.append(
                Problem(
                    f"{where} must be at least {_num(self.minimum)}, not {_short(value)}",
                    field=where,
                )
            )
        if self.maximum is not None and isinstance(value, (int, float)) and value > self.maximum:
            problems.append(
                Problem(
                    f"{where} must be at most {_num(self.maximum)}, not {_short(value)}",
                    field=where,
                )
            )
        if self.max_length is not None and isinstance(value, str) and len(value) > self.max_length:
            problems.append(
                Problem(f"{where} must be at most {self.max_length} characters long", field=where)
            )
        if self.type == "object" and self.fields:
            problems.extend(_field_problems(self.fields, value, where + ".", source, extra))
        if self.type == "array" and self.items is not None:
            for i, item in enumerate(value):
                problems.extend(self.items.problems(item, f"{where}[{i}]", source, extra))
        return problems

    def _type_certain(self, value: Any, source: str) -> bool:
        # A container where a scalar belongs (or the other way round, or an object for
        # an array) cannot be right on any firmware. A scalar of another type (a string
        # "50" for an integer) is certain only where the field's type is confirmed and
        # undisputed: some firmware coerces, and our reconstruction may have the type wrong.
        if self.type == "any":
            return False
        shape_given = _json_type(value) if isinstance(value, (dict, list)) else "scalar"
        shape_wanted = self.type if self.type in ("object", "array") else "scalar"
        if shape_given != shape_wanted:
            return True
        return source != "reconstruction" and not self.disagreement


@dataclass(frozen=True)
class Interface:
    """One ``module/action`` of the OpenAPI."""

    path: str
    summary: str
    #: ``"read"`` or ``"write"`` (:data:`KINDS`); required, and a read's action must read
    #: like one (``read…``, ``…List``, ``…Detail``, ``…Status``...), so no write passes as a read.
    kind: str
    description: str = ""
    fields: tuple[Field, ...] = ()
    records: str | None = None
    example: Any = None
    source: str = "reconstruction"
    evidence: str = ""
    disagreement: str = ""
    #: The evidence registry's entries behind ``source`` (``"file#call"``), computed at load.
    entries: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(
                f"catalog interface {self.path!r}: kind {self.kind!r} is not one of "
                f"{', '.join(KINDS)}."
            )
        action = self.path.rsplit("/", 1)[-1]
        if self.kind == "read" and (
            not _READ_ACTION.search(action) or _WRITE_ACTION.search(action)
        ):
            raise ConfigError(
                f"catalog interface {self.path!r} says it is a read, but its action "
                f"{action!r} does not read like a read (read…, …List, …Detail, …Status); "
                'a call that may change the splicer is "kind": "write".'
            )

    @property
    def is_read(self) -> bool:
        """True when the catalog lists this interface as a read (it changes nothing)."""
        return self.kind == "read"

    @property
    def confirmed(self) -> bool:
        """False when the description is only our reconstruction (show it as "unconfirmed")."""
        return self.source != "reconstruction"

    def field_source(self, name: str) -> str:
        """The source of one top-level field: its own, else the interface's."""
        return self.field(name).source or self.source

    @property
    def module(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def action(self) -> str:
        return self.path.split("/", 1)[1]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def validate(self, body: Any) -> list[str]:
        """One sentence per problem with ``body`` (missing required fields,
        wrong types, out-of-range values); empty when the body looks right.
        Unknown extra fields are allowed: firmware versions add fields."""
        if body is None:
            body = {}
        if not isinstance(body, dict):
            if not self.fields:
                return []
            return [f"the body must be a JSON object, not {_json_type(body)}"]
        return _check_fields(self.fields, body, "")

    def problems(self, body: Any, *, extra: bool = True) -> list[Problem]:
        """What the catalog finds wrong with ``body``, each marked certain or not.

        The same checks as :meth:`validate`, plus (with ``extra``) one uncertain
        problem per field the catalog does not list. Only a type that cannot be
        right is certain (see :class:`Problem`); ranges, enums, lengths, missing
        required fields and unknown fields are what the catalog may have wrong.
        """
        if body is None:
            body = {}
        if not isinstance(body, dict):
            if not self.fields:
                return []
            return [Problem(f"the body must be a JSON object, not {_json_type(body)}", True)]
        return _field_problems(self.fields, body, "", self.source, extra)

    def help(self) -> str:
        """A few lines on this interface: summary, provenance ("unconfirmed" when it is
        only our reconstruction), evidence and disagreement, and its fields."""
        lines = [f"{self.path} ({self.kind}): {self.summary}"]
        if self.description:
            lines.append(self.description)
        lines.append(provenance_text(self.source, self.evidence, self.disagreement))
        if self.entries:
            lines.append("Evidence registry: " + ", ".join(self.entries))
        if self.fields:
            lines.append("Fields (* required):")
        for f in self.fields:
            bits = [f.type]
            if f.minimum is not None or f.maximum is not None:
                lo = _num(f.minimum) if f.minimum is not None else "…"
                hi = _num(f.maximum) if f.maximum is not None else "…"
                bits.append(f"{lo}–{hi}")
            if f.enum:
                bits.append("one of " + ", ".join(_label(v, f.enum_labels) for v in f.enum))
            if f.max_length is not None:
                bits.append(f"≤ {f.max_length} chars")
            own = ""
            if (f.source and f.source != self.source) or f.disagreement:
                own = (
                    " ["
                    + provenance_text(f.source or self.source, f.evidence, f.disagreement)
                    + "]"
                )
            desc = f": {f.description}" if f.description else ""
            lines.append(f"  {f.name}{' *' if f.required else ''} ({'; '.join(bits)}){desc}{own}")
        return "\n".join(lines)

    def example_body(self) -> dict:
        """A body that passes :meth:`validate`: the catalog's example, else defaults."""
        if isinstance(self.example, dict):
            return json.loads(json.dumps(self.example))
        return {f.name: _default(f) for f in self.fields if f.required}


@dataclass(frozen=True)
class StatusCode:
    """A vendor status code with its meaning and what the user can do about it."""

    code: int
    meaning: str
    hint: str = ""
    #: The firmware's msg for this code (``"Server_Err"``), "" when none is known.
    token: str = ""
    #: The hint when the same client (pId, secretKey, encryption) already had a success:
    #: the credentials work, so the interface itself failed ("" = use ``hint``).
    hint_after_success: str = ""


class Catalog:
    """The loaded catalog: look up interfaces, list them by module, describe status codes.

    ``provenance`` (``{interface: (source, registry entry ids)}``, computed from the
    evidence registry) gives each interface its ``source`` and ``entries``; an
    interface it does not name is ``"reconstruction"``. Without it, each interface's
    ``source`` is read from ``data`` (a hand-made catalog in a test).
    """

    def __init__(
        self,
        data: dict,
        provenance: Mapping[str, tuple[str, tuple[str, ...]]] | None = None,
        *,
        lazy: bool = False,
    ) -> None:
        """``lazy`` builds each interface (its fields) when first looked up rather than
        here: for the bundled catalog, whose every entry the tests build, so that a
        process answering a few calls (the simulated splicer) does not build 429."""
        self._modules: dict[str, str] = {
            name: (spec.get("title", name) if isinstance(spec, dict) else str(spec))
            for name, spec in data.get("modules", {}).items()
        }
        # Every path, in catalog order, with what builds its Interface; built ones kept.
        self._specs: dict[str, tuple[dict, str, tuple[str, ...]]] = {}
        self._interfaces: dict[str, Interface] = {}
        for path, spec in data["interfaces"].items():
            norm = normalize_path(path)
            if norm.count("/") != 1:
                raise ValueError(f"catalog interface {path!r} is not module/action")
            if "kind" not in spec:
                # No default: a write that forgot its kind would pass every read-only guard.
                raise ConfigError(
                    f'catalog interface {path!r} has no "kind": say "read" or "write".'
                )
            if provenance is not None:
                source, entries = provenance.get(norm, ("reconstruction", ()))
            else:
                source, entries = spec.get("source", "reconstruction"), ()
            _check_source(source, f"interface {path!r}")
            self._specs[norm] = (spec, source, tuple(entries))
            if not lazy:
                self._build(norm)
        # Code tables of reply values (interfaceType, cardType, ...): {name: {code: label}}.
        self._codes: dict[str, dict[int, str]] = {
            name: {int(code): label for code, label in table.items()}
            for name, table in data.get("codes", {}).items()
        }
        self._statuses: dict[int, StatusCode] = {
            int(code): StatusCode(
                int(code),
                spec["meaning"],
                spec.get("hint", ""),
                spec.get("token", ""),
                spec.get("hintAfterSuccess", ""),
            )
            for code, spec in data.get("statuses", {}).items()
        }
        self._tokens: dict[str, StatusCode] = {
            s.token: s for s in self._statuses.values() if s.token
        }

    def _build(self, norm: str) -> Interface:
        spec, source, entries = self._specs[norm]
        built = Interface(
            path=norm,
            summary=spec.get("summary", ""),
            description=spec.get("description", ""),
            kind=spec["kind"],
            fields=tuple(Field.from_dict(f) for f in spec.get("fields", ())),
            records=spec.get("records"),
            example=spec.get("example"),
            source=source,
            evidence=spec.get("evidence", ""),
            disagreement=spec.get("disagreement", ""),
            entries=entries,
        )
        # setdefault: two threads looking up the same path keep one Interface.
        return self._interfaces.setdefault(norm, built)

    def _lookup(self, norm: str) -> Interface | None:
        found = self._interfaces.get(norm)
        if found is None and norm in self._specs:
            found = self._build(norm)
        return found

    def _all(self) -> list[Interface]:
        return [self._interfaces.get(p) or self._build(p) for p in self._specs]

    # -- interfaces
    def __contains__(self, interface: object) -> bool:
        return isinstance(interface, str) and normalize_path(interface) in self._specs

    def __iter__(self) -> Iterator[Interface]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, interface: str) -> Interface:
        """The interface at ``interface`` (``screen/readList`` or ``/screen/readList``).

        Raises ``KeyError`` whose message offers the closest known paths.
        """
        norm = normalize_path(interface)
        found = self._lookup(norm)
        if found is None:
            close = self.suggest(norm)
            tail = f"; did you mean {' or '.join(close)}?" if close else ""
            raise KeyError(f"unknown interface {norm!r}{tail}")
        return found

    def is_read(self, interface: str) -> bool | None:
        """True for a read, False for a write, None when the catalog does not know it."""
        found = self._lookup(normalize_path(interface))
        return None if found is None else found.is_read

    def records_hint(self, interface: str) -> str | None:
        """Where the interface's reply keeps its records (the catalog's ``records``):
        ``""`` when it says nothing, None when the catalog does not know the interface."""
        found = self._lookup(normalize_path(interface))
        return None if found is None else found.records or ""

    def paths(self, module: str | None = None) -> list[str]:
        """All interface paths (of one module when given), in catalog order."""
        return [i.path for i in self.interfaces(module)]

    def interfaces(self, module: str | None = None) -> list[Interface]:
        """All interfaces, or those of ``module`` (``"screen"``), in catalog order."""
        if module is None:
            return self._all()
        return [i for i in self._all() if i.module == module]

    def modules(self) -> dict[str, str]:
        """``{module: title}``, e.g. ``{"screen": "Screens", ...}`` in catalog order."""
        seen = dict(self._modules)
        for i in self._all():
            seen.setdefault(i.module, i.module)
        return seen

    def suggest(self, interface: str, n: int = 3) -> list[str]:
        """Known paths closest to a mistyped one (case-insensitive)."""
        norm = normalize_path(interface)
        lower = {p.lower(): p for p in self._specs}
        if norm.lower() in lower:
            return [lower[norm.lower()]]
        import difflib  # only for a name not in the catalog: not a start-up cost

        hits = difflib.get_close_matches(norm.lower(), list(lower), n=n, cutoff=0.6)
        if not hits and "/" in norm:  # right action, wrong module, or the other way round
            mod, _, act = norm.lower().partition("/")
            hits = [p for p in lower if p.endswith("/" + act) or p.startswith(mod + "/")]
            hits = difflib.get_close_matches(norm.lower(), hits, n=n, cutoff=0.4)
        return [lower[h] for h in hits]

    def complete(self, prefix: str) -> list[str]:
        """Paths starting with ``prefix`` (leading ``/`` kept if typed), case-insensitive."""
        slash = prefix.startswith("/")
        norm = prefix.lstrip("/").lower()
        return [("/" if slash else "") + p for p in self._specs if p.lower().startswith(norm)]

    def validate(self, interface: str, body: Any) -> list[str]:
        """Problems with ``body`` for ``interface`` (see :meth:`Interface.validate`)."""
        return self.get(interface).validate(body)

    def problems(self, interface: str, body: Any) -> list[Problem]:
        """What the catalog finds wrong with a call, each marked certain or not.

        An interface the catalog does not know is one uncertain problem naming
        the closest known paths (firmware may know more than the catalog);
        otherwise see :meth:`Interface.problems`. Every front-end decides what
        to refuse from this one list (``client.precheck``).
        """
        norm = normalize_path(interface)
        if norm not in self._specs:
            close = self.suggest(norm)
            tail = f"; did you mean {' or '.join(close)}?" if close else ""
            return [
                Problem(
                    f"the catalog does not know {norm!r}{tail} (firmware may know "
                    "more than the catalog)"
                )
            ]
        return self.get(norm).problems(body)

    # -- status codes
    def status(self, code: int) -> StatusCode | None:
        """The catalog's entry for a vendor status code, or ``None``."""
        try:
            return self._statuses.get(int(code))
        except (TypeError, ValueError):
            return None

    def status_for_token(self, msg: Any) -> StatusCode | None:
        """The status code whose firmware token is ``msg`` (``"Params_Error"`` → 1), or None."""
        if not isinstance(msg, str):
            return None
        return self._tokens.get(msg.strip())

    def statuses(self) -> list[StatusCode]:
        """Every status code the catalog describes, in catalog order."""
        return list(self._statuses.values())

    # -- code tables
    def codes(self, name: str) -> dict[int, str]:
        """The labels of a numeric code found in replies, e.g. ``codes("interfaceType")``
        → ``{10: "HDMI 2.0", ...}``. Raises ``KeyError`` naming the known tables."""
        try:
            return dict(self._codes[name])
        except KeyError:
            raise KeyError(
                f"no code table {name!r}; known: {', '.join(self._codes) or 'none'}"
            ) from None

    def code_tables(self) -> list[str]:
        """Names of the code tables (``interfaceType``, ``cardType``, ``sourceType``...)."""
        return list(self._codes)


def catalog_data() -> dict:
    """The bundled ``catalog.json`` as a new dict (interfaces without provenance: that
    is computed from the evidence registry, see :class:`Catalog`)."""
    path = os.path.join(os.path.dirname(__file__), "catalog.json")
    if os.path.isfile(path):  # an ordinary install: no importlib.resources to import
        with open(path, encoding="utf-8") as f:
            text = f.read()
    else:  # a zip or another loader
        from importlib import resources

        text = resources.files(__package__).joinpath("catalog.json").read_text(encoding="utf-8")
    return json.loads(text)


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog bundled with the package, its provenance computed from the bundled
    evidence registry (read once, immutable)."""
    return Catalog(catalog_data(), provenance=bundled_provenance(), lazy=True)


def is_read(interface: str, catalog: Catalog | None = None) -> bool:
    """True only when the catalog (the bundled one by default) lists ``interface`` as a read.

    The one read/write classifier: the read-only guards (client, fleet, watch),
    confirm-before-write and capture all ask it. An interface the catalog does not
    know is not a read (firmware may have more, and any of it may change the splicer).
    """
    return bool((catalog or load_catalog()).is_read(interface))


# --------------------------------------------------------------------------- checks


def _check_source(source: Any, where: str, inherit: bool = False) -> str:
    if (inherit and source == "") or source in SOURCES:
        return source
    raise ValueError(f"catalog {where}: source {source!r} is not one of {', '.join(SOURCES)}")


def provenance_text(source: str, evidence: str = "", disagreement: str = "") -> str:
    """One sentence on where a description comes from ("unconfirmed" for ours alone)."""
    words = {
        "capture": "confirmed by a capture from a real device",
        "vendor": "from the vendor's pages (as quoted by a public client)",
        "client": "from a public client's code",
        "reconstruction": "unconfirmed: our reconstruction only, not seen on real firmware",
    }
    text = words.get(source, source)
    if evidence:
        text += f" ({evidence})"
    if disagreement:
        text += f"; sources disagree: {disagreement}"
    text = text.strip() or "of unknown origin"
    return text[0].upper() + text[1:] + "."


#: Fields the catalog may not list but real firmware wants in every body (FIELD-EVIDENCE:
#: HA's author finds deviceId needed even where the vendor's pages list no parameters).
_ALWAYS_KNOWN = frozenset({"deviceId"})


def _field_problems(
    fields: tuple[Field, ...], body: dict, prefix: str, source: str, extra: bool
) -> list[Problem]:
    problems = []
    for f in fields:
        where = prefix + f.name
        if f.name not in body:
            if f.required:
                problems.append(Problem(f"{where} is required", field=where))
            continue
        problems.extend(f.problems(body[f.name], where, source, extra))
    if extra:
        known = {f.name for f in fields}
        unknown = [k for k in body if k not in known and not (prefix == "" and k in _ALWAYS_KNOWN)]
        for name in unknown:
            listed = ", ".join(sorted(known)) or "none"
            problems.append(
                Problem(
                    f"{prefix}{name} is not a field the catalog knows (it lists: {listed})",
                    field=prefix + name,
                )
            )
    return problems


def _check_fields(fields: tuple[Field, ...], body: dict, prefix: str) -> list[str]:
    problems = []
    for f in fields:
        where = prefix + f.name
        if f.name not in body:
            if f.required:
                problems.append(f"{where} is required")
            continue
        problems.extend(f.check(body[f.name], where))
    return problems


def _type_ok(ftype: str, value: Any) -> bool:
    if ftype == "any":
        return True
    if ftype == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if ftype == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if ftype == "string":
        return isinstance(value, str)
    if ftype == "boolean":
        return isinstance(value, bool)
    if ftype == "object":
        return isinstance(value, dict)
    if ftype == "array":
        return isinstance(value, list)
    return False


def _default(f: Field) -> Any:
    if f.default is not None:
        return f.default
    if f.enum:
        return f.enum[0]
    if f.type in ("integer", "number"):
        return f.minimum if f.minimum is not None else 0
    if f.type == "object":
        return {g.name: _default(g) for g in f.fields if g.required}
    return {"string": "", "boolean": False, "array": []}.get(f.type)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {
        dict: "object",
        list: "array",
        str: "string",
        int: "integer",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _article(ftype: str) -> str:
    return ("an " if ftype[0] in "aeiou" else "a ") + ftype


def _short(value: Any, limit: int = 30) -> str:
    text = json.dumps(value, ensure_ascii=False) if _jsonable(value) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _label(value: Any, labels: dict) -> str:
    label = labels.get(str(value))
    return f"{_short(value)} ({label})" if label else _short(value)
