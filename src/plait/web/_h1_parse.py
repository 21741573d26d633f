"""Request-head validation for `plait.web._h1`: the checks llhttp leaves to us.

llhttp (through httptools) validates header fields, but accepts request lines that RFC 9112
refuses (double spaces, ``GET /`` with no version, fragments, ``*`` for any method) and
decides nothing about what the fields mean. These functions are pure: they see bytes and
return either a result or a `BadRequest`, so every decision depends only on the bytes up to
the point where a rule fails, never on how the input was segmented.
"""

from __future__ import annotations

import re
from typing import Final

from plait.web._events import BadRequest

__all__ = [
    "MAX_METHOD_LENGTH",
    "HeadFacts",
    "checkHeaders",
    "checkRequestLine",
    "checkTarget",
    "diagnoseRequestLine",
    "knownRequestLines",
]

MAX_METHOD_LENGTH: Final = 32
"""Longer methods are answered 501: no registered method comes close."""

_TOKEN_BYTES: Final = frozenset(
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
_SP: Final = 0x20
_CR: Final = 0x0D
_LF: Final = 0x0A
_HASH: Final = 0x23

# method SP request-target SP HTTP/1.DIGIT CR (the LF is where the line was cut).
_REQUEST_LINE: Final = re.compile(
    rb"([-!#$%&'*+.^_`|~0-9A-Za-z]{1,32}) ([\x21\x22\x24-\x7e]+) HTTP/1\.([0-9])\r"
)
_AUTHORITY: Final = re.compile(
    rb"(?:\[[-0-9A-Za-z:._~!$&'()*+,;=]+\]|[-0-9A-Za-z._~!$&'()*+,;=%]+):[0-9]{1,5}"
)
_ABSOLUTE: Final = re.compile(rb"[A-Za-z][-A-Za-z0-9+.]*://")
# RFC 9112 section 3.2: Host = uri-host [ ":" port ]; an empty value is allowed.
_HOST: Final = re.compile(
    rb"(?:\[[-0-9A-Za-z:._~!$&'()*+,;=]+\]|[-0-9A-Za-z._~!$&'()*+,;=%]*)(?::[0-9]*)?"
)


# Valid request lines and Host values seen lately: clients repeat the same few, and a lookup
# costs far less than the regex. Only what passed every check is kept; each cache is emptied
# when full, so a client sending endless distinct lines only costs itself the regex again.
knownRequestLines: dict[bytes, tuple[bytes, bytes, int]] = {}
"""Valid request lines (as given to `checkRequestLine`) and what it made of them."""
_knownHosts: set[bytes] = set()
_MAX_KNOWN: Final = 512


def _bad(status: int, reason: str) -> BadRequest:
    return BadRequest(status=status, reason=reason)


def _validHost(value: bytes) -> bool:
    if value in _knownHosts:
        return True
    if _HOST.fullmatch(value) is None:
        return False
    if len(_knownHosts) >= _MAX_KNOWN:
        _knownHosts.clear()
    _knownHosts.add(value)
    return True


def checkRequestLine(line: bytes, maxTarget: int) -> tuple[bytes, bytes, int] | BadRequest:
    """Validate a complete request line (up to and including its CR, without the LF).

    Returns (method, target, minor version) or the rule it breaks.
    """
    known = knownRequestLines.get(line)
    if known is not None and len(known[1]) <= maxTarget:
        return known
    match = _REQUEST_LINE.fullmatch(line)
    if match is None or len(match[2]) > maxTarget:
        problem = diagnoseRequestLine(line, True, maxTarget)
        return problem if problem is not None else _bad(400, "malformed request line")
    method, target, minor = match.groups()
    problem = checkTarget(method, target)
    if problem is not None:
        return problem
    result = (method, target, minor[0] - 0x30)
    if len(knownRequestLines) >= _MAX_KNOWN:
        knownRequestLines.clear()
    knownRequestLines[line] = result
    return result


def diagnoseRequestLine(line: bytes, complete: bool, maxTarget: int) -> BadRequest | None:
    """Find, left to right, the first rule a (possibly partial) request line breaks.

    *complete* says *line* runs up to the byte before its LF. None means no rule is broken
    yet: the line is incomplete, or (if complete) valid as far as this scan goes.
    """
    n = len(line)
    i = 0
    while i < n and line[i] in _TOKEN_BYTES:
        i += 1
        if i > MAX_METHOD_LENGTH:
            return _bad(501, "request method not implemented")
    if i == n:
        return None
    if i == 0:
        if line[0] in (_CR, _LF):
            return _bad(400, "empty request line")
        return _bad(400, "invalid character in request method")
    if line[i] != _SP:
        return _bad(400, "invalid character in request method")
    i += 1
    start = i
    while i < n and 0x21 <= line[i] <= 0x7E and line[i] != _HASH:
        i += 1
        if i - start > maxTarget:
            return _bad(414, "request target too long")
    if i == n:
        return None
    c = line[i]
    if i == start:
        return _bad(400, "empty request target (extra space?)")
    if c == _HASH:
        return _bad(400, "fragment in request target")
    if c in (_CR, _LF):
        return _bad(400, "missing HTTP version")
    if c != _SP:
        return _bad(400, "invalid character in request target")
    i += 1
    for expected in b"HTTP/":
        if i == n:
            return None
        if line[i] != expected:
            return _bad(400, "invalid HTTP version")
        i += 1
    if i == n:
        return None
    major = line[i]
    if not 0x30 <= major <= 0x39:
        return _bad(400, "invalid HTTP version")
    if major != 0x31:
        return _bad(505, "HTTP version not supported")
    i += 1
    if i == n:
        return None
    if line[i] != 0x2E:
        return _bad(400, "invalid HTTP version")
    i += 1
    if i == n:
        return None
    if not 0x30 <= line[i] <= 0x39:
        return _bad(400, "invalid HTTP version")
    i += 1
    if i == n:
        return None if not complete else _bad(400, "bare LF in request line")
    if line[i] != _CR:
        return _bad(400, "invalid HTTP version")
    if i + 1 < n:
        return _bad(400, "bare CR in request line")
    return None


def checkTarget(method: bytes, target: bytes) -> BadRequest | None:
    """Check the request-target form against the method (RFC 9112 section 3.2)."""
    first = target[0]
    if method == b"CONNECT":
        if _AUTHORITY.fullmatch(target) is None:
            return _bad(400, "CONNECT needs an authority-form target")
        return None
    if first == 0x2F:  # "/": origin-form
        return None
    if target == b"*":
        if method != b"OPTIONS":
            return _bad(400, "asterisk-form target is only for OPTIONS")
        return None
    if _ABSOLUTE.match(target) is not None:
        return None
    return _bad(400, "invalid request target")


class HeadFacts:
    """What the header fields say about framing and persistence."""

    __slots__ = ("chunked", "contentLength", "expectContinue", "keepAlive")

    def __init__(
        self, contentLength: int | None, chunked: bool, expectContinue: bool, keepAlive: bool
    ) -> None:
        self.contentLength = contentLength
        self.chunked = chunked
        self.expectContinue = expectContinue
        self.keepAlive = keepAlive


_PLAIN_HTTP11: Final = HeadFacts(None, False, False, True)
"""No body, no expectation, persistent: shared, never modified."""


def _listElements(values: list[bytes]) -> list[bytes]:
    """Split comma-separated list values, dropping empty elements (RFC 9110 section 5.6.1)."""
    out: list[bytes] = []
    for value in values:
        for element in value.split(b","):
            element = element.strip(b" \t")
            if element:
                out.append(element.lower())
    return out


def checkHeaders(headers: list[tuple[bytes, bytes]], minor: int) -> HeadFacts | BadRequest:
    """Interpret Host, Content-Length, Transfer-Encoding, Connection and Expect.

    *headers* passed llhttp's syntax checks (other fields may be left out);
    *minor* is the HTTP/1 minor version.
    """
    if len(headers) == 1 and minor == 1:
        # The usual HTTP/1.1 request names only Host among these five: answer it at once.
        name, value = headers[0]
        if len(name) == 4 and name.lower() == b"host":
            if value not in _knownHosts and not _validHost(value):
                return _bad(400, "invalid Host header")
            return _PLAIN_HTTP11
    hosts: list[bytes] = []
    lengths: list[bytes] = []
    codings: list[bytes] = []
    connection: list[bytes] = []
    expect: list[bytes] = []
    for name, value in headers:
        size = len(name)
        # Only five names matter here; their lengths spare a lower() on every other header.
        if size == 4 or size == 6 or size == 10 or size == 14 or size == 17:
            lowered = name.lower()
            if lowered == b"host":
                hosts.append(value)
            elif lowered == b"content-length":
                lengths.append(value)
            elif lowered == b"transfer-encoding":
                codings.append(value)
            elif lowered == b"connection":
                connection.append(value)
            elif lowered == b"expect":
                expect.append(value)
    if len(hosts) > 1:
        return _bad(400, "more than one Host header")
    if hosts:
        if not _validHost(hosts[0]):
            return _bad(400, "invalid Host header")
    elif minor >= 1:
        return _bad(400, "missing Host header")

    contentLength: int | None = None
    chunked = False
    if codings:
        if minor == 0:
            return _bad(400, "Transfer-Encoding in an HTTP/1.0 request")
        if lengths:
            return _bad(400, "both Content-Length and Transfer-Encoding")
        elements = _listElements(codings)
        if not elements or elements[-1] != b"chunked":
            return _bad(400, "Transfer-Encoding does not end with chunked")
        if b"chunked" in elements[:-1]:
            return _bad(400, "chunked applied more than once")
        if len(elements) > 1:
            return _bad(501, "transfer coding not implemented")
        chunked = True
    elif lengths:
        if len(lengths) > 1:
            return _bad(400, "more than one Content-Length")
        raw = lengths[0]
        if not raw.isdigit() or len(raw) > 19:
            return _bad(400, "invalid Content-Length")
        contentLength = int(raw)

    tokens = _listElements(connection) if connection else []
    if minor == 0:
        keepAlive = b"keep-alive" in tokens and b"close" not in tokens
    else:
        keepAlive = b"close" not in tokens

    expectContinue = False
    if expect and minor >= 1:
        elements = _listElements(expect)
        for element in elements:
            if element != b"100-continue":
                return _bad(417, "unsupported expectation")
        expectContinue = bool(elements) and (chunked or bool(contentLength))
    return HeadFacts(contentLength, chunked, expectContinue, keepAlive)
