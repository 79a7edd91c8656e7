"""openapi_magic: work with NovaStar H-series LED splicers from a notebook.

``%load_ext openapi_magic`` registers the ``%%openapi`` magic; outside notebooks,
:class:`Client` sends signed (and optionally DES-encrypted) calls and returns
:class:`Result` objects; ``python -m openapi_magic`` (``openapi-magic``) is the
command line.

This module is the public face. The code lives in one sub-package per layer, each
importing only from the layers below it (CONTRIBUTING.md's layer map draws them):
``core`` (the protocol, the catalog, the settings table, the capture format: no
I/O), ``render`` (every view), ``client`` (the Client and its Result, profiles,
guards), ``ops`` (fleets, watches, captures), ``app`` (the cell grammar and the
session's one service) and ``frontends`` (the magics, the form, the command line);
``server`` is the simulated splicer. ``openapi_magic.evidence`` is what real firmware
answers: the evidence registry and its compatibility matrix.
"""

from . import _moved
from .core._lazy import face as _face
from .errors import (
    CaptureError,
    ConfigError,
    ConnectCheckError,
    ConnectError,
    DecodeError,
    DecryptionError,
    HTTPStatusError,
    OpenAPIError,
    ProtocolError,
    ReplyTooLarge,
    RequestTimeout,
    RequestValidationError,
    SignatureError,
    StatusError,
    TransportError,
    WriteRefused,
)

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)

if TYPE_CHECKING:  # pragma: no cover
    from . import evidence
    from .app._service import CallSpec, Outcome
    from .app._session import NotebookSession, current_settings, history, session_for
    from .client._client import Client, Prepared, Secret
    from .client._result import Result
    from .core.catalog import Catalog, load_catalog
    from .frontends._magics import current_client
    from .ops import fleet
    from .ops._capture_diff import CaptureDiff
    from .ops._captures import Capture, capture
    from .ops.fleet import ClockSkewWarning, FleetError, FleetResult
    from .render import _draw as draw

# Imported on first use, so that `python -m openapi_magic.server` starts without
# loading pandas and requests.
__getattr__, __dir__ = _face(
    __name__,
    globals(),
    {
        "CallSpec": ".app._service",
        "Outcome": ".app._service",
        "Client": ".client._client",
        "Prepared": ".client._client",
        "Secret": ".client._client",
        "Result": ".client._result",
        "Catalog": ".core.catalog",
        "load_catalog": ".core.catalog",
        "current_client": ".frontends._magics",
        "current_settings": ".app._session",
        "history": ".app._session",
        "session_for": ".app._session",
        "NotebookSession": ".app._session",
        "FleetResult": ".ops.fleet",
        "FleetError": ".ops.fleet",
        "ClockSkewWarning": ".ops.fleet",
        "capture": ".ops._captures",
        "Capture": ".ops._captures",
        "CaptureDiff": ".ops._capture_diff",
        "fleet": ".ops.fleet",
        "draw": ".render._draw",
        "evidence": ".evidence",
    },
)

__version__ = "0.2.0"

_moved.install()


def load_ipython_extension(ipython):
    """``%load_ext openapi_magic``: register %%openapi, %openapi, %openapi_connect,
    %openapi_form, %openapi_watch, %openapi_capture, %openapi_diff, %openapi_history and
    %openapi_profiles, and Tab completion of interface and profile names."""
    from .frontends._magics import load_ipython_extension as _load

    _load(ipython)
    # ipywidgets costs about a third of the first cell to import: %openapi_form is a
    # stand-in until first used, which registers the real magic and hands over.
    ipython.register_magic_function(_form_stand_in(ipython), "line", "openapi_form")


def _form_stand_in(ipython):
    def openapi_form(line=""):
        """``%openapi_form [-p PROFILE] [interface]``: open the request form (loads
        ipywidgets the first time; then ``%openapi_form?`` shows the form's own help)."""
        from .frontends._form import register as _register_form

        _register_form(ipython)
        return ipython.run_line_magic("openapi_form", line)

    return openapi_form


def form(client=None, profile=None, interface=None):
    """Open the request form (see :class:`openapi_magic.frontends.RequestForm`)."""
    from .frontends._form import form as _form

    return _form(client, profile=profile, interface=interface)


__all__ = [
    "CallSpec",
    "Capture",
    "CaptureDiff",
    "CaptureError",
    "Catalog",
    "Client",
    "ClockSkewWarning",
    "ConfigError",
    "ConnectCheckError",
    "ConnectError",
    "DecodeError",
    "DecryptionError",
    "FleetError",
    "FleetResult",
    "HTTPStatusError",
    "NotebookSession",
    "OpenAPIError",
    "Outcome",
    "Prepared",
    "ProtocolError",
    "ReplyTooLarge",
    "RequestTimeout",
    "RequestValidationError",
    "Result",
    "Secret",
    "SignatureError",
    "StatusError",
    "TransportError",
    "WriteRefused",
    "capture",
    "current_client",
    "current_settings",
    "draw",
    "evidence",
    "fleet",
    "form",
    "history",
    "load_catalog",
    "load_ipython_extension",
    "session_for",
]
