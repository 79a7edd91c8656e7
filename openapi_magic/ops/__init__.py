"""Operations built on the client: fleets, watches, captures and their diffs.

:mod:`.fleet` runs one call on many splicers (any executor); :func:`watch` polls
in the background; :func:`capture` reads a splicer read-only into a
:class:`Capture`, which saves, replays (``openapi_magic.server``) and diffs.
"""

from typing import TYPE_CHECKING

from ..core._lazy import face as _face

if TYPE_CHECKING:  # pragma: no cover
    from . import fleet
    from ._capture_diff import CaptureDiff, Change
    from ._captures import Capture, InterfaceCalls, anonymize, capture, capture_demo
    from ._watch import Watch, watch

# pandas and requests load with the first use, not with the package.
__getattr__, __dir__ = _face(
    __name__,
    globals(),
    {
        "fleet": ".fleet",
        "Capture": "._captures",
        "InterfaceCalls": "._captures",
        "anonymize": "._captures",
        "capture": "._captures",
        "capture_demo": "._captures",
        "CaptureDiff": "._capture_diff",
        "Change": "._capture_diff",
        "Watch": "._watch",
        "watch": "._watch",
    },
)

__all__ = [
    "Capture",
    "CaptureDiff",
    "Change",
    "InterfaceCalls",
    "Watch",
    "anonymize",
    "capture",
    "capture_demo",
    "fleet",
    "watch",
]
