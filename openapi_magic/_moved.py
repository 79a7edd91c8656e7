"""Old import paths, kept for one release: ``import openapi_magic.result`` still works,
with a :class:`DeprecationWarning` naming the new place.

0.2 moved the modules into one sub-package per layer (``core``, ``render``,
``client``, ``ops``, ``app``, ``frontends``). An old path is not a copy: it *is*
the new module (same objects, so ``isinstance`` checks and ``mock.patch`` of an
old path act on the code that runs). One table, one finder; both go in 0.3.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)

if TYPE_CHECKING:  # pragma: no cover
    from importlib.abc import Loader as _Loader
else:
    _Loader = object

#: Old dotted path -> where the module lives now (what to import instead: the public
#: face named in the warning).
MOVED: dict[str, tuple[str, str]] = {
    "openapi_magic.protocol": ("openapi_magic.core.protocol", "openapi_magic.core.protocol"),
    "openapi_magic._des": ("openapi_magic.core._des", "openapi_magic.core.protocol"),
    "openapi_magic._fast": ("openapi_magic.core._fast", "openapi_magic.core.protocol"),
    "openapi_magic._lazy": ("openapi_magic.core._lazy", "openapi_magic.core"),
    "openapi_magic.catalog": ("openapi_magic.core.catalog", "openapi_magic.core.catalog"),
    "openapi_magic.curl": ("openapi_magic.core._curl", "openapi_magic.core"),
    "openapi_magic.draw": ("openapi_magic.render._draw", "openapi_magic.render"),
    "openapi_magic.result": ("openapi_magic.client._result", "openapi_magic (Result)"),
    "openapi_magic._transport": ("openapi_magic.client._transport", "openapi_magic.client"),
    "openapi_magic.confirm": ("openapi_magic.client._guards", "openapi_magic.client"),
    "openapi_magic.profiles": ("openapi_magic.client._profiles", "openapi_magic.client"),
    "openapi_magic.connection": ("openapi_magic.client._connection", "openapi_magic.client"),
    "openapi_magic.fleet": ("openapi_magic.ops.fleet", "openapi_magic.ops.fleet"),
    "openapi_magic.watch": ("openapi_magic.ops._watch", "openapi_magic.ops"),
    "openapi_magic.captures": ("openapi_magic.ops._captures", "openapi_magic.ops"),
    "openapi_magic.capture_diff": ("openapi_magic.ops._capture_diff", "openapi_magic.ops"),
    "openapi_magic.cell": ("openapi_magic.app._cell", "openapi_magic.app"),
    "openapi_magic.session": ("openapi_magic.app._session", "openapi_magic.app"),
    "openapi_magic.magics": ("openapi_magic.frontends._magics", "openapi_magic.frontends"),
    "openapi_magic.widgets": ("openapi_magic.frontends._form", "openapi_magic.frontends"),
    "openapi_magic.confirm_button": (
        "openapi_magic.frontends._confirm_button",
        "openapi_magic.frontends",
    ),
    "openapi_magic.server.httpd": ("openapi_magic.server._httpd", "openapi_magic.server"),
    "openapi_magic.server.splicer": ("openapi_magic.server._splicer", "openapi_magic.server"),
    "openapi_magic.server.state": ("openapi_magic.server._state", "openapi_magic.server"),
    "openapi_magic.server.model": ("openapi_magic.server._model", "openapi_magic.server"),
    "openapi_magic.server.firmware": ("openapi_magic.server._firmware", "openapi_magic.server"),
    "openapi_magic.server.replay": ("openapi_magic.server._replay", "openapi_magic.server"),
    "openapi_magic.server.modules": ("openapi_magic.server._modules", "openapi_magic.server"),
}


class _Alias(_Loader):
    """Loads an old path as the module that lives at the new one (a loader by its two
    methods: subclassing ``importlib.abc`` would import ``importlib.resources``, which
    the simulated splicer's start does without)."""

    def __init__(self, old: str, new: str, face: str) -> None:
        self.old, self.new, self.face = old, new, face

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{self.old} moved in openapi_magic 0.2: import from {self.face} instead "
            "(the old path goes in 0.3).",
            DeprecationWarning,
            stacklevel=2,  # the import system's own frames are not counted
        )
        module = importlib.import_module(self.new)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the old spec on the module: give it back its own.
        module.__spec__ = self._spec


class _Finder:
    """Finds the old paths of :data:`MOVED` (and nothing else)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        moved = MOVED.get(fullname)
        if moved is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(fullname, *moved))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (the package's import does it)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
