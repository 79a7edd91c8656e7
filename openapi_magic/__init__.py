"""openapi_magic: work with NovaStar H-series LED splicers from a notebook.

``%load_ext openapi_magic`` registers the ``%%openapi`` magic; outside notebooks,
:class:`Client` sends signed (and optionally DES-encrypted) calls and returns
:class:`Result` objects.
"""

from importlib import import_module as _import_module
from typing import TYPE_CHECKING

from .errors import (
    ConfigError,
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

if TYPE_CHECKING:  # pragma: no cover
    from . import fleet
    from .capture_diff import CaptureDiff
    from .captures import Capture, capture
    from .catalog import Catalog, load_catalog
    from .client import Client, Prepared, Secret
    from .fleet import ClockSkewWarning, FleetError, FleetResult
    from .magics import current_client
    from .result import Result
    from .session import NotebookSession, current_settings, session_for

# Imported on first use, so that `python -m openapi_magic.server` starts without
# loading pandas and requests.
_LAZY = {
    "Client": "client",
    "Prepared": "client",
    "Secret": "client",
    "Result": "result",
    "Catalog": "catalog",
    "load_catalog": "catalog",
    "current_client": "magics",
    "current_settings": "session",
    "session_for": "session",
    "NotebookSession": "session",
    "FleetResult": "fleet",
    "FleetError": "fleet",
    "ClockSkewWarning": "fleet",
    "capture": "captures",
    "Capture": "captures",
    "CaptureDiff": "capture_diff",
}


def __getattr__(name: str):
    if name == "fleet":
        return _import_module(".fleet", __name__)
    if name in _LAZY:
        value = getattr(_import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"


def load_ipython_extension(ipython):
    """``%load_ext openapi_magic``: register %%openapi, %openapi, %openapi_connect,
    %openapi_form, %openapi_capture and %openapi_diff."""
    from .magics import load_ipython_extension as _load

    _load(ipython)
    # ipywidgets costs about a third of the first cell to import: %openapi_form is a
    # stand-in until first used, which registers the real magic and hands over.
    ipython.register_magic_function(_form_stand_in(ipython), "line", "openapi_form")


def _form_stand_in(ipython):
    def openapi_form(line=""):
        """``%openapi_form [-p PROFILE] [interface]``: open the request form (loads
        ipywidgets the first time; then ``%openapi_form?`` shows the form's own help)."""
        from .widgets import register as _register_form

        _register_form(ipython)
        return ipython.run_line_magic("openapi_form", line)

    return openapi_form


def form(client=None, profile=None, interface=None):
    """Open the request form (see :class:`openapi_magic.widgets.RequestForm`)."""
    from .widgets import form as _form

    return _form(client, profile=profile, interface=interface)


__all__ = [
    "Capture",
    "CaptureDiff",
    "Catalog",
    "Client",
    "ClockSkewWarning",
    "ConfigError",
    "ConnectError",
    "DecodeError",
    "DecryptionError",
    "FleetError",
    "FleetResult",
    "HTTPStatusError",
    "NotebookSession",
    "OpenAPIError",
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
    "fleet",
    "form",
    "load_catalog",
    "load_ipython_extension",
    "session_for",
]
