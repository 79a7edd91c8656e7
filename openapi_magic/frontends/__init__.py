"""The front-ends: the magics, the request form and the command line.

Each builds a :class:`~openapi_magic.app.CallSpec` and shows the
:class:`~openapi_magic.app.Outcome`; none signs, decides a guard or imports
another. Loaded on first use (IPython and ipywidgets are not cheap).
"""

from typing import TYPE_CHECKING

from ..core._lazy import face as _face

if TYPE_CHECKING:  # pragma: no cover
    from ._form import RequestForm, form
    from ._magics import CaptureMagics, OpenAPIMagics, load_ipython_extension

__getattr__, __dir__ = _face(
    __name__,
    globals(),
    {
        "OpenAPIMagics": "._magics",
        "CaptureMagics": "._magics",
        "load_ipython_extension": "._magics",
        "RequestForm": "._form",
        "form": "._form",
    },
)

__all__ = [
    "CaptureMagics",
    "OpenAPIMagics",
    "RequestForm",
    "form",
    "load_ipython_extension",
]
