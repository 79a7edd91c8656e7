"""openapi_magic: work with NovaStar H-series LED splicers from a notebook.

``%load_ext openapi_magic`` registers the ``%%openapi`` magic; outside notebooks,
:class:`Client` sends signed (and optionally DES-encrypted) calls and returns
:class:`Result` objects.
"""

from .catalog import Catalog, load_catalog
from .client import Client, Prepared, Secret
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
)
from .result import Result

__version__ = "0.1.0"


def load_ipython_extension(ipython):
    """``%load_ext openapi_magic``: register %%openapi, %openapi and %openapi_connect."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


__all__ = [
    "Client",
    "Prepared",
    "Result",
    "Secret",
    "Catalog",
    "load_catalog",
    "OpenAPIError",
    "ConfigError",
    "RequestValidationError",
    "TransportError",
    "ConnectError",
    "RequestTimeout",
    "HTTPStatusError",
    "ReplyTooLarge",
    "ProtocolError",
    "DecodeError",
    "DecryptionError",
    "SignatureError",
    "StatusError",
]
