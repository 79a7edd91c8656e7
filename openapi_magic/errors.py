"""One exception tree for everything openapi_magic raises.

Every error names its cause in one sentence and keeps what arrived: the URL, the
HTTP status, the raw reply text, the envelopes (as sent and as received) and, where
one could be built, the :class:`~openapi_magic.client._result.Result`. No error message
ever contains the secretKey: messages are built from public facts only.

    OpenAPIError
    ├── ConfigError            bad settings (short secretKey, missing root, ...)
    │   ├── RequestValidationError   a body the catalog says the splicer will refuse
    │   ├── CaptureError     a capture file that cannot be read, or a capture not made
    │   └── WriteRefused     a write stopped before sending (read-only, not confirmed,
    │                        or asked of a capture)
    ├── TransportError         the HTTP exchange failed
    │   ├── ConnectError       never reached the splicer (safe to retry)
    │   ├── RequestTimeout     no complete reply in time (a write may have happened)
    │   ├── HTTPStatusError    a non-2xx HTTP reply
    │   └── ReplyTooLarge      the reply passed the size cap
    ├── ProtocolError          a reply arrived but is not a usable envelope
    │   ├── DecodeError        not JSON, not an envelope, bad status field
    │   ├── DecryptionError    the body could not be decrypted / parsed
    │   └── SignatureError     reply sign mismatch, raised in strict mode only
    ├── StatusError            the vendor's status is not 0
    └── ConnectCheckError      connecting asked the splicer: refused or unreachable
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = [
    "CaptureError",
    "ConfigError",
    "ConnectCheckError",
    "ConnectError",
    "DecodeError",
    "DecryptionError",
    "HTTPStatusError",
    "OpenAPIError",
    "ProtocolError",
    "ReplyTooLarge",
    "RequestTimeout",
    "RequestValidationError",
    "SignatureError",
    "StatusError",
    "TransportError",
    "WriteRefused",
]


class OpenAPIError(Exception):
    """Base class of every openapi_magic error.

    Attributes (``None`` where not known): ``url``, ``http_status``, ``raw_text``
    (the reply text as received), ``request_envelope`` (as sent),
    ``response_envelope`` (as received, when it parsed as JSON), ``result`` (a
    :class:`Result` when the reply could be decoded) and ``hint`` (what to do).
    """

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        http_status: int | None = None,
        raw_text: str | None = None,
        request_envelope: dict | None = None,
        response_envelope: Any = None,
        result: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.http_status = http_status
        self.raw_text = raw_text
        self.request_envelope = request_envelope
        self.response_envelope = response_envelope
        self.result = result
        self.hint = hint

    def __str__(self) -> str:
        if self.hint and self.hint not in self.message:
            return f"{self.message} Hint: {self.hint}"
        return self.message

    def __reduce__(self):
        # Keep errors picklable (fleet calls may run in other processes).
        state = dict(self.__dict__)
        return (_rebuild_error, (type(self), self.message, state))


def _rebuild_error(cls, message, state):
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class ConfigError(OpenAPIError, ValueError):
    """Settings that cannot work: a short secretKey, no root URL, a bad pId..."""


class RequestValidationError(ConfigError):
    """The body misses a required field or has a wrong type, per the catalog.

    ``problems`` lists one sentence per field; ``interface`` names the call.
    """

    def __init__(
        self,
        message: str,
        *,
        problems: list[str] | None = None,
        interface: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.problems = list(problems or [])
        self.interface = interface


class CaptureError(ConfigError):
    """A capture file that cannot be read, or a capture that cannot be made."""


class WriteRefused(ConfigError):
    """A call that may change the splicer was stopped before anything was sent: the
    connection is read-only, the confirmation was declined, nobody could be asked, or
    a capture (which only reads) was asked to send it.

    ``interface`` names the call; ``reason`` is ``"read-only"``, ``"declined"``,
    ``"no-prompt"`` or ``"capture"``; ``hint`` says how to allow writes.
    """

    sent = False

    def __init__(
        self, message: str, *, interface: str | None = None, reason: str = "read-only", **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.interface = interface
        self.reason = reason


class TransportError(OpenAPIError):
    """The HTTP exchange failed. ``sent`` tells whether the request may have
    reached the splicer (when True, a write may have happened)."""

    sent: bool = True


class ConnectCheckError(OpenAPIError):
    """Connecting asked the splicer (``main/initStatus``) and it refused or did not
    answer. ``verdict`` is the :class:`~openapi_magic.client.ConnectVerdict`: its
    ``result`` (the refusal that arrived) or ``error`` (why nothing arrived)."""

    def __init__(self, message: str, *, verdict: Any = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.verdict = verdict


class ConnectError(TransportError):
    """The splicer could not be reached; the request was never sent."""

    sent = False


class RequestTimeout(TransportError):
    """No complete reply within the timeout."""


class HTTPStatusError(TransportError):
    """The splicer (or something in between) answered with a non-2xx HTTP status."""


class ReplyTooLarge(TransportError):
    """The reply was larger than the client's ``max_reply_bytes`` cap."""


class ProtocolError(OpenAPIError):
    """A reply arrived but could not be turned into a Result."""


class DecodeError(ProtocolError):
    """The reply is not JSON, not an envelope, or its status field is unusable."""


class DecryptionError(ProtocolError):
    """The reply body could not be decrypted or parsed; ``likely`` names the most
    probable cause (wrong secretKey, encryption setting, truncation)."""

    def __init__(self, message: str, *, likely: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.likely = likely


class SignatureError(ProtocolError):
    """The reply's sign does not match (raised only in strict mode; ``result``
    holds the decoded reply all the same)."""


class StatusError(OpenAPIError):
    """The splicer answered with a vendor status other than 0.

    ``status`` and ``msg`` are the vendor's; ``meaning`` and ``hint`` come from
    the interface catalog.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        msg: str = "",
        meaning: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.status = status
        self.msg = msg
        self.meaning = meaning
