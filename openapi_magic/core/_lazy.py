"""What is imported on first use: pandas, and the names a package's face re-exports.

``%load_ext openapi_magic`` should cost what a notebook's first cell needs: pandas
takes about half a second to import, and most cells never build a DataFrame. Modules
write ``from ._lazy import pandas as pd`` and use ``pd`` as usual; the first
attribute read imports pandas (and every later one goes straight to it). Until then
``"pandas" not in sys.modules``, so IPython's formatters do not reach for it either.

The packages' faces (``openapi_magic``, ``openapi_magic.ops``...) re-export names
from private modules the same way (:func:`face`): ``import openapi_magic`` costs the
exception tree, not requests, pandas or IPython.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["LazyModule", "face", "pandas"]


class LazyModule:
    """A module imported on the first attribute read (``importlib.import_module``)."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def face(
    package: str, namespace: dict[str, Any], names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` for names imported on first use.

    ``names`` maps each name to the module it lives in, relative to ``package``
    (``{"Client": "._client"}``); a name the module does not define but whose last
    part it is, leading underscore aside (``{"fleet": ".ops.fleet"}``, ``{"draw":
    ".render._draw"}``), is the module itself. The value is kept in ``namespace``
    (the package's globals), so the second read costs nothing.
    """

    def __getattr__(name: str) -> Any:
        where = names.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(where, package)
        if hasattr(module, name) or where.rpartition(".")[2].lstrip("_") != name:
            value = getattr(module, name)
        else:  # the module itself
            value = module
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__


if TYPE_CHECKING:  # pragma: no cover - type checkers see pandas itself (pd.DataFrame...)
    import pandas
else:
    #: pandas, imported on first use.
    pandas = LazyModule("pandas")
