"""A simulated NovaStar H-series splicer (a virtual H5), bundled for tutorials and tests.

It speaks the real OpenAPI (envelopes, DES encryption, md5 signs, the vendor's
status codes) over HTTP and behaves like a device: writes change its state and
later reads show them. Start one from Python::

    from openapi_magic.server import serve
    with serve() as splicer:          # a free port on 127.0.0.1, demo credentials
        print(splicer.root)           # http://127.0.0.1:<port>/open/api
        print(splicer.pid, splicer.encrypt)

or from a shell: ``python -m openapi_magic.server --port 8000``.

``serve(replay="venue.capture.json")`` (``--replay FILE``) answers like a captured
splicer instead: its ids, names, replies and failures, writes applied on top (see
:mod:`._replay`); a read the capture never made answers as an unknown read unless
``fill=True`` (``--fill``); ``replay="demo"`` replays the shipped capture of this
simulator (:func:`demo_capture_path`).

By default it answers in the shape of real firmware's replies (sorted envelope keys, an
empty sign, short msg tokens, status 1 ``Params_Error``); ``firmware=NAME`` picks
another profile of :data:`FIRMWARE_PROFILES` (``"h5-capture"``, ``"h9-1.9.7.1"``,
``"teaching"``: see :mod:`._firmware`).

It uses the protocol core (in the server role) and the interface catalog, and
nothing of the client: it must be right on its own.
"""

from ._firmware import FirmwareProfile
from ._splicer import (
    DEFAULT_HOST,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_HELD_BYTES,
    DEFAULT_PORT,
    DEFAULT_SOCKET_TIMEOUT_S,
    DEFAULT_TIME_WINDOW_S,
    DEMO_ENCRYPT,
    DEMO_PID,
    DEMO_SECRET_KEY,
    DEMO_SEED,
    FIRMWARE_PROFILES,
    ROOT_PATH,
    STATUS_BAD_SIGN,
    STATUS_BAD_TIME,
    STATUS_ILLEGAL_PID,
    STATUS_INITIALISING,
    STATUS_INVALID,
    STATUS_INVALID_COMMAND,
    STATUS_OK,
    STATUS_PARAMS_ERROR,
    STATUS_SERVER_ERROR,
    Account,
    SimulatedSplicer,
    serve,
)
from ._state import DeviceState, VendorError

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)

if TYPE_CHECKING:  # pragma: no cover
    from ._replay import Replay, demo_capture_path

#: Imported when first asked for (``python -m openapi_magic.server`` starts without them).
_LAZY = {"Replay": "._replay", "demo_capture_path": "._replay"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_HELD_BYTES",
    "DEFAULT_PORT",
    "DEFAULT_SOCKET_TIMEOUT_S",
    "DEFAULT_TIME_WINDOW_S",
    "DEMO_ENCRYPT",
    "DEMO_PID",
    "DEMO_SECRET_KEY",
    "DEMO_SEED",
    "FIRMWARE_PROFILES",
    "ROOT_PATH",
    "STATUS_BAD_SIGN",
    "STATUS_BAD_TIME",
    "STATUS_ILLEGAL_PID",
    "STATUS_INITIALISING",
    "STATUS_INVALID",
    "STATUS_INVALID_COMMAND",
    "STATUS_OK",
    "STATUS_PARAMS_ERROR",
    "STATUS_SERVER_ERROR",
    "Account",
    "DeviceState",
    "FirmwareProfile",
    "Replay",
    "SimulatedSplicer",
    "VendorError",
    "demo_capture_path",
    "serve",
]
