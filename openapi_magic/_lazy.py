"""pandas, imported where a DataFrame is first built, not when the package loads.

``%load_ext openapi_magic`` should cost what a notebook's first cell needs: pandas
takes about half a second to import, and most cells never build a DataFrame. Modules
write ``from ._lazy import pandas as pd`` and use ``pd`` as usual; the first
attribute read imports pandas (and every later one goes straight to it). Until then
``"pandas" not in sys.modules``, so IPython's formatters do not reach for it either.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

__all__ = ["LazyModule", "pandas"]


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


if TYPE_CHECKING:  # pragma: no cover - type checkers see pandas itself (pd.DataFrame...)
    import pandas
else:
    #: pandas, imported on first use.
    pandas = LazyModule("pandas")
