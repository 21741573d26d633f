"""Events produced by the sans-IO HTTP/1.x connection (`plait.web._h1`).

Each request yields `RequestHead`, then zero or more `Data`, then `EndOfMessage`;
malformed input yields one `BadRequest` instead, after which the connection only
answers `PAUSED`. `ConnectionClosed` reports the peer's end of the stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, final

__all__ = [
    "NEED_DATA",
    "PAUSED",
    "BadRequest",
    "ConnectionClosed",
    "Data",
    "EndOfMessage",
    "Event",
    "LocalProtocolError",
    "RequestHead",
    "Sentinel",
]


@final
class Sentinel:
    """A named marker returned by `H1Connection.next_event` when there is no event."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


NEED_DATA: Final = Sentinel("NEED_DATA")
"""More bytes from the peer are needed before the next event."""

PAUSED: Final = Sentinel("PAUSED")
"""No event until our side ends the response and starts the next cycle (never, after an error)."""


# RequestHead and Data are made for every request, so they are not frozen: a frozen
# dataclass pays object.__setattr__ per field (about 3x the cost). Treat them as read-only.
# RequestHead also takes its fields by position (the parser's way: far cheaper than keywords).
@dataclass(slots=True)
class RequestHead:
    """A request line and header block that passed every check."""

    method: bytes
    """The method exactly as sent (case-sensitive), e.g. ``b"GET"``."""
    target: bytes
    """The request target as sent (origin-, absolute-, authority- or asterisk-form)."""
    version: bytes
    """``b"1.0"`` or ``b"1.1"`` (a higher HTTP/1 minor version is served as 1.1)."""
    headers: list[tuple[bytes, bytes]]
    """Header fields in the order received; names as sent, values without outer whitespace."""
    content_length: int | None
    """The declared body length; None when chunked or when there is no body."""
    chunked: bool
    """True when the body uses the chunked transfer coding."""
    expect_continue: bool
    """True when an HTTP/1.1 client waits for ``100 Continue`` before sending the body."""
    keep_alive: bool
    """True when the client allows the connection to be reused after this request."""


@dataclass(slots=True, kw_only=True)
class Data:
    """A piece of the request body (de-chunked)."""

    data: bytes
    """The body bytes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndOfMessage:
    """The request body is complete (trailer fields, if any, were validated and dropped)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BadRequest:
    """The input broke a rule: answer with `status` and close the connection."""

    status: int
    """400, 408, 413, 414, 417, 431, 501 or 505."""
    reason: str
    """The rule that failed: short, ASCII, safe to show to the client and to log."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionClosed:
    """The peer closed its side of the connection (cleanly or in the middle of a request)."""


Event = RequestHead | Data | EndOfMessage | BadRequest | ConnectionClosed
"""Any event `H1Connection.next_event` can return."""


class LocalProtocolError(RuntimeError):
    """Our side misused the connection, e.g. wrote more than the declared Content-Length."""
