"""What a splicer answered when connecting: one verdict (``ConnectVerdict``), made in one
place (:func:`check_connection`), shown by every front-end and by ``Client.check()``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConnectCheckError, OpenAPIError, TransportError
from ..render._text import safe_text
from ._result import Result

if TYPE_CHECKING:
    from ._client import Client

__all__ = [
    "CONNECT_500_HINT",
    "FIRMWARE_INTERFACE",
    "MODEL_NAMES",
    "ConnectVerdict",
    "check_connection",
]

#: The interface that names the model and firmware (read on connecting).
FIRMWARE_INTERFACE = "main/initStatus"


#: ``mainModelId`` (``main/initStatus``) → the model name a crew knows: 29962 is the H5 of
#: the vendor's example reply. For another id, ``device/readDetail``'s ``name`` is asked.
MODEL_NAMES: Mapping[int, str] = MappingProxyType({29962: "H5"})

#: A 500 to main/initStatus on connecting: the field's firmware answers that interface, so
#: the catalog's "or the interface is not served" is not the likely cause here.
CONNECT_500_HINT = (
    "Firmware token Server_Err to main/initStatus, which the firmware seen in the field "
    "answers: most likely a wrong secretKey, or encryption on at one side only. Check both "
    "for this pId in Settings > OpenAPI Management on the splicer."
)

#: What connecting found: the splicer answered (``ok``), answered with a failure
#: (``refused``), nothing answered (``unreachable``), or nothing was asked (``unchecked``).
VerdictKind = Literal["ok", "refused", "unreachable", "unchecked"]


@dataclass(frozen=True)
class ConnectVerdict:
    """What the splicer answered when connecting (``main/initStatus``, read once).

    ``kind`` is ``ok``, ``refused`` (a reply with a vendor status other than 0, or one
    that could not be opened: wrong pId, wrong secretKey, encryption on one side),
    ``unreachable`` (no reply: the URL and the cause) or ``unchecked`` (nothing was
    asked). ``result`` is the reply when one arrived, ``error`` why none could be
    used; ``model``, ``model_id`` and ``firmware`` name the splicer when it answered.
    """

    kind: VerdictKind
    root: str
    pid: str
    result: Result | None = None
    error: OpenAPIError | None = None
    model: str | None = None
    model_id: Any = None
    firmware: str | None = None
    #: ``main/initStatus``'s ``initStatus``: 1 ready, 0 still starting (None: not said).
    init_status: Any = None

    @property
    def ok(self) -> bool:
        """True when the splicer answered ``main/initStatus`` with status 0."""
        return self.kind == "ok"

    @property
    def failed(self) -> bool:
        """True when the splicer refused or could not be reached."""
        return self.kind in ("refused", "unreachable")

    @property
    def status(self) -> int | None:
        """The vendor's status of the reply (``None`` when none arrived)."""
        if self.result is not None:
            return self.result.status
        return getattr(self.error, "status", None)

    @property
    def hint(self) -> str | None:
        """What to do about a refusal or an unreachable splicer (``None`` when ok)."""
        if self.kind == "refused":
            if self.status == 500:
                return CONNECT_500_HINT
            said = self.result.hint if self.result is not None else None
            return said or (self.error.hint if self.error is not None else None)
        if self.kind == "unreachable":
            return self.error.hint if self.error is not None else None
        return None

    @property
    def headline(self) -> str:
        """The verdict in one line (what connecting prints first)."""
        where = f"{self.root} (pId {self.pid!r})"
        if self.kind == "ok":
            model = self.model or "a splicer"
            if self.model_id is not None and str(self.model_id) != self.model:
                model += f" (model id {self.model_id})"
            firmware = f", firmware {self.firmware}" if self.firmware else ""
            starting = (
                " It is still starting (initStatus 0): other calls answer 912 until it is ready."
                if self.init_status == 0
                else ""
            )
            return f"The splicer answers: {model}{firmware}, at {where}.{starting}"
        if self.kind == "unchecked":
            return f"Not checked: nothing was sent to {where}; the first call will tell."
        if self.kind == "refused":
            r = self.result
            if r is not None:
                meaning = f" ({r.meaning})" if r.meaning and r.meaning != r.msg else ""
                token = f" {r.msg}" if r.msg else ""
                return (
                    f"Refused: {where} answered {FIRMWARE_INTERFACE} with status "
                    f"{r.status}{token}{meaning}."
                )
            assert self.error is not None
            return f"Refused: {where} answered, but {_lower_first(self.error.message)}"
        assert self.error is not None
        return f"Unreachable: {where}: {self.error.message}"

    @property
    def message(self) -> str:
        """The headline and, for a refusal or an unreachable splicer, the hint."""
        hint = self.hint
        return safe_text(self.headline + (f"\n{hint}" if hint else ""))

    def raise_for_kind(self) -> None:
        """Raise :class:`ConnectCheckError` when the splicer refused or was unreachable."""
        if self.failed:
            raise ConnectCheckError(
                self.message,
                verdict=self,
                url=self.root,
                result=self.result,
                hint=(
                    "The target is kept: the next call tries it again (connect with "
                    "check=False, or %openapi_connect --no-check, to skip this check)."
                ),
            )

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ConnectVerdict({self.kind}: {self.headline})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.message)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def check_connection(client: Client, timeout: float | None = None) -> ConnectVerdict:
    """Ask ``client``'s splicer ``main/initStatus`` once (within ``timeout`` or the
    client's own) and say what it answered: the one place a connect verdict is made."""
    kw: dict[str, Any] = {"root": client.root, "pid": client.pid}
    try:
        result = client.call(FIRMWARE_INTERFACE, {"deviceId": 0}, timeout=timeout, check=False)
    except TransportError as exc:
        return ConnectVerdict("unreachable", error=exc, **kw)
    except OpenAPIError as exc:  # a reply that could not be opened (key, encryption)
        return ConnectVerdict("refused", error=exc, result=exc.result, **kw)
    if not result.ok:
        return ConnectVerdict("refused", result=result, **kw)
    body = result.body if isinstance(result.body, dict) else {}
    model_id = body.get("mainModelId")
    version = body.get("softwareVersion")
    return ConnectVerdict(
        "ok",
        result=result,
        model=_model_name(client, model_id, timeout),
        model_id=model_id,
        firmware=None if version is None else str(version),
        init_status=body.get("initStatus"),
        **kw,
    )


def _model_name(client: Client, model_id: Any, timeout: float | None) -> str | None:
    """The model's name: from :data:`MODEL_NAMES`, else ``device/readDetail``'s ``name`` (a real
    H5 answers 500 there: then only the id is known)."""
    if model_id is None:
        return None
    if isinstance(model_id, int) and model_id in MODEL_NAMES:
        return MODEL_NAMES[model_id]
    try:
        detail = client.call("device/readDetail", {"deviceId": 0}, timeout=timeout, check=False)
    except OpenAPIError:
        return None
    body = detail.body if detail.ok and isinstance(detail.body, dict) else {}
    name = body.get("name")
    return name if isinstance(name, str) and name and body.get("modelId") == model_id else None
