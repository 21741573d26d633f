"""Response-head framing for `plait.web._h1`: status lines, header lines, error responses.

Checks of what the application asks to send (status code, reason phrase, header names and
values, Connection tokens) and the serialisation of the rarer pieces. The per-response
header loop itself stays in `H1Connection.start_response`, where a function call per
response would cost more than the loop; the caches and the slow branches live here.
"""

from __future__ import annotations

import re
from typing import Final

from plait.web._responses import RESPONSES

__all__ = [
    "CONTINUE",
    "FORBIDDEN_IN_VALUE",
    "FRAMING_NAME_SIZES",
    "checkName",
    "checkValues",
    "connectionHeader",
    "connectionTokens",
    "errorResponse",
    "newStatusLine",
    "statusLines",
    "validNames",
]

CONTINUE: Final = b"HTTP/1.1 100 Continue\r\n\r\n"
"""The whole interim ``100 Continue`` response."""

_TOKEN: Final = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
FORBIDDEN_IN_VALUE: Final = re.compile(rb"[\r\n\x00]")
"""What a header value may not hold (response splitting)."""
_FORBIDDEN_IN_REASON: Final = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
FRAMING_NAME_SIZES: Final = frozenset((10, 14, 17))
"""Lengths of Connection, Content-Length and Transfer-Encoding: the names to look at."""

# Responses repeat the same few names and status lines: remember those already checked.
_MAX_CACHED: Final = 1000
validNames: set[bytes] = set()
"""Response header names already checked to be tokens (see `checkName`)."""

statusLines: dict[tuple[int, bytes], bytes] = {}
"""Status lines already checked, by (status, reason): look here before `newStatusLine`."""


def newStatusLine(status: int, reason: bytes) -> bytes:
    """Check *status* (an int) and *reason*, and return their status line (then cached).

    RFC 9110 section 2.5: a server sends its own highest conformant version, so HTTP/1.1
    even to an HTTP/1.0 client (Twisted echoes the request's version).
    """
    if not 100 <= status <= 999:
        raise ValueError(f"invalid status code: {status!r}")
    if _FORBIDDEN_IN_REASON.search(reason) is not None:
        raise ValueError(f"invalid reason phrase: {reason[:64]!r}")
    line = b"HTTP/1.1 %d %s\r\n" % (status, reason)
    if len(statusLines) < _MAX_CACHED:
        statusLines[status, reason] = line
    return line


def checkValues(headers: list[tuple[bytes, bytes]]) -> None:
    """Raise ValueError for the first header value holding CR, LF or NUL."""
    for _, value in headers:
        if FORBIDDEN_IN_VALUE.search(value) is not None:
            raise ValueError(f"header value contains CR, LF or NUL: {value[:64]!r}")


def checkName(name: bytes) -> None:
    """Raise ValueError unless *name* is a token; remember it in `validNames` if it is."""
    if type(name) is not bytes or _TOKEN.fullmatch(name) is None:
        raise ValueError(f"invalid header name: {name[:64]!r}")
    if len(validNames) < _MAX_CACHED:
        validNames.add(name)


def connectionTokens(value: bytes) -> list[bytes]:
    """The lowered, non-empty tokens of a Connection header *value*."""
    return [t.strip(b" \t").lower() for t in value.split(b",") if t.strip(b" \t")]


def connectionHeader(connection: list[bytes], closing: bool, minor: int) -> bytes | None:
    """The Connection header line for the application's *connection* tokens, or None.

    ``close`` and ``keep-alive`` are the server's to decide: they are dropped and the
    right one added (``keep-alive`` only for HTTP/1.0, where persistence is not the default).
    """
    tokens = [t for t in connection if t != b"close" and t != b"keep-alive"]
    if closing:
        tokens.append(b"close")
    elif minor == 0:
        tokens.append(b"keep-alive")
    if tokens:
        return b"Connection: %s\r\n" % b", ".join(tokens)
    return None


def errorResponse(
    status: object, text: str, headers: list[tuple[bytes, bytes]] | None, isHead: bool
) -> bytes:
    """A complete plain-text *status* response saying *text*, with ``Connection: close``.

    Extra *headers* are checked and added as given; a response to HEAD has no content
    (RFC 9110 section 9.3.2). Raises ValueError for a status outside 400-599.
    """
    if type(status) is not int or not 400 <= status <= 599:
        raise ValueError(f"not an error status: {status!r}")
    reason = RESPONSES.get(status, b"Error")
    body = text.encode("ascii", "replace") + b"\n"
    out = [
        b"HTTP/1.1 %d %s\r\n" % (status, reason),
        b"Content-Type: text/plain; charset=utf-8\r\n",
        b"Content-Length: %d\r\n" % len(body),
        b"Connection: close\r\n",
    ]
    for name, value in headers or ():
        if _TOKEN.fullmatch(name) is None or FORBIDDEN_IN_VALUE.search(value):
            raise ValueError(f"invalid header: {name[:64]!r}")
        out.append(b"%s: %s\r\n" % (name, value))
    out.append(b"\r\n")
    if not isHead:
        out.append(body)
    return b"".join(out)
