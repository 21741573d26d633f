"""Request-head helpers for `plait.web._h1`: the llhttp field sink and the incremental scan.

`H1Connection` takes a whole buffered head in one fast step. When a head arrives in pieces
(or behind empty lines), `HeadScanner` finds its end across calls, checking the request
line and rejecting bare CR or LF as bytes arrive, and remembers how far it has looked so no
byte is scanned twice. `HeaderSink` receives llhttp's callbacks for the header fields.
"""

from __future__ import annotations

import re
from typing import Final

from plait.web._events import NEED_DATA, BadRequest, Sentinel
from plait.web._h1_parse import checkRequestLine, diagnoseRequestLine
from plait.web._limits import Limits

__all__ = ["HeadScanner", "HeaderSink", "llhttpReason"]

_SPECIAL_LENGTHS: Final = frozenset((4, 6, 10, 14, 17))
_MAX_EMPTY_LINES: Final = 4  # RFC 9112 section 2.2: ignore at least one CRLF before a request
_BARE_CR_OR_LF: Final = re.compile(rb"\r[^\n]|(?<!\r)\n")


class HeaderSink:
    """Collects llhttp's header callbacks (names as sent, values stripped of OWS)."""

    __slots__ = ("complete", "done", "headers", "special")

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.special: list[tuple[bytes, bytes]] = []  # fields checkHeaders may care about
        self.complete = False
        self.done = False  # llhttp saw the whole message (a request without a body)

    def reset(self) -> None:
        """Forget the previous head's fields."""
        self.headers = []
        self.special = []
        self.complete = False
        self.done = False

    def on_message_complete(self) -> None:
        """llhttp: the whole message was parsed."""
        self.done = True

    def on_header(self, name: bytes, value: bytes) -> None:
        """llhttp: one header field."""
        if value and value[-1] in (0x20, 0x09):
            value = value.rstrip(b" \t")
        self.headers.append((name, value))
        # Host, Expect, Connection, Content-Length, Transfer-Encoding, by length.
        if len(name) in _SPECIAL_LENGTHS:
            self.special.append((name, value))

    def on_headers_complete(self) -> None:
        """llhttp: the header section ended."""
        self.complete = True


def llhttpReason(error: Exception) -> str:
    """The reason of the 400 answering an llhttp *error*: printable ASCII, bounded."""
    text = str(error).encode("ascii", "replace").decode("ascii")
    text = "".join(c if " " <= c <= "~" else "?" for c in text)[:80]
    return f"malformed request head: {text}" if text else "malformed request head"


class HeadScanner:
    """Finds the end of one request head that arrives in pieces, checking as it goes."""

    __slots__ = ("_emptyLines", "_scanned", "lineEnd", "requestLine")

    def __init__(self) -> None:
        self._emptyLines = 0
        self.requestLine: tuple[bytes, bytes, int] = (b"", b"", 1)
        """The checked request line (method, target, minor version), once `lineEnd` >= 0."""
        self.lineEnd = -1
        """Index of the CR ending the request line once it was validated, else -1."""
        self._scanned = 0  # how far the head was searched for its end and bare CR/LF

    def scan(self, buf: bytearray, limits: Limits) -> bytes | BadRequest | Sentinel | None:
        """Look at *buf* again: the whole head (taken out of *buf*), or why not yet.

        None: nothing but empty lines so far (dropped from *buf*); `NEED_DATA`: a head has
        begun and is incomplete; a `BadRequest`: the head is malformed or too large.
        """
        if self.lineEnd < 0:
            while buf[:2] == b"\r\n":
                del buf[:2]
                self._emptyLines += 1
                if self._emptyLines > _MAX_EMPTY_LINES:
                    return BadRequest(status=400, reason="too many empty lines")
            if not buf or buf == b"\r":
                return None
        maxHead = limits.max_header_bytes
        size = min(len(buf), maxHead + 1)
        if self.lineEnd < 0:
            lf = buf.find(b"\n", 0, size)
            if lf < 0:
                problem = diagnoseRequestLine(bytes(buf[:size]), False, limits.max_request_target)
                if problem is not None:
                    return problem
                if size > maxHead:
                    return BadRequest(status=431, reason="request head too large")
                return NEED_DATA
            line = checkRequestLine(bytes(buf[:lf]), limits.max_request_target)
            if isinstance(line, BadRequest):
                return line
            self.requestLine = line
            self.lineEnd = lf - 1
            self._scanned = lf - 1
        start = self._scanned
        end = buf.find(b"\r\n\r\n", max(start - 3, self.lineEnd), size)
        checkTo = end + 4 if end >= 0 else size
        checkFrom = max(start - 1, self.lineEnd)
        # When every CR and LF in the range belongs to a CRLF there is nothing bare: three
        # counts prove it far faster than the regex, which decides only the other cases.
        crlf = buf.count(b"\r\n", checkFrom, checkTo)
        if (
            buf.count(b"\r", checkFrom, checkTo) != crlf
            or buf.count(b"\n", checkFrom, checkTo) != crlf
        ) and _BARE_CR_OR_LF.search(buf, checkFrom, checkTo) is not None:
            return BadRequest(status=400, reason="bare CR or LF in request head")
        if end < 0:
            if size > maxHead:
                return BadRequest(status=431, reason="request head too large")
            self._scanned = size
            return NEED_DATA
        headEnd = end + 4
        if headEnd > maxHead:
            return BadRequest(status=431, reason="request head too large")
        head = bytes(buf[:headEnd])
        del buf[:headEnd]
        return head
