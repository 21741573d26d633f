"""A sans-IO HTTP/1.x server connection: bytes in, events out; responses in, bytes out.

No sockets, no asyncio, no resources: `plait.web._channel` moves the bytes. The request
head is located and its request line checked here (strictly, per RFC 9112), header fields
are parsed by llhttp through httptools, and bodies (Content-Length and chunked) are framed
here, lazily: the connection only looks at the bytes of request N+1 once the response to
request N has ended and `H1Connection.start_next_cycle` was called, so pipelined requests
come out one at a time, in order, whatever the segmentation of the input. Helpers:
`_h1_head` (heads in pieces, llhttp's sink), `_h1_body` (chunked decoding), `_h1_framing`.
"""

from __future__ import annotations

import re
from typing import Final

from httptools import (
    HttpParserError,
    HttpParserInvalidMethodError,
    HttpParserUpgrade,
    HttpRequestParser,
)

from plait.web._events import (
    NEED_DATA,
    PAUSED,
    BadRequest,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    LocalProtocolError,
    RequestHead,
    Sentinel,
)
from plait.web._h1_body import END_OF_MESSAGE, ChunkedDecoder
from plait.web._h1_framing import (
    CONTINUE,
    FORBIDDEN_IN_VALUE,
    FRAMING_NAME_SIZES,
    checkName,
    checkValues,
    connectionHeader,
    connectionTokens,
    errorResponse,
    newStatusLine,
    statusLines,
    validNames,
)
from plait.web._h1_head import HeaderSink, HeadScanner, llhttpReason
from plait.web._h1_parse import checkHeaders, checkRequestLine, knownRequestLines
from plait.web._limits import Limits

__all__ = ["H1Connection"]

# States of the peer's side ("their") and ours. Plain strings: cheap and readable in tests.
IDLE: Final = "IDLE"  # them: no byte of the next request yet; us: no response started
HEAD: Final = "HEAD"  # them: part of a request head received
BODY: Final = "BODY"  # them: head delivered, body (or its end) not yet
SEND_BODY: Final = "SEND_BODY"  # us: status line sent, body in progress
DONE: Final = "DONE"  # the message is complete
MUST_CLOSE: Final = "MUST_CLOSE"  # us: response done, the connection may not be reused
CLOSED: Final = "CLOSED"  # them: the peer closed its side
ERROR: Final = "ERROR"  # a BadRequest was produced or sent
SWITCHED: Final = "SWITCHED"  # us: 101 sent, the connection belongs to another protocol

# Text in which every CR and LF belongs to a CRLF (possessive: linear on any input).
_ONLY_CRLF: Final = re.compile(rb"[^\r\n]*+(?:\r\n[^\r\n]*+)*+")

# Response framing.
_NO_BODY: Final = 0  # HEAD, 1xx, 204, 304: nothing on the wire
_LENGTH: Final = 1  # Content-Length set by the application
_CHUNKED: Final = 2
_UNTIL_CLOSE: Final = 3  # HTTP/1.0 without a length: the end of the body is the close
_RAW: Final = 4  # after 101 Switching Protocols


class H1Connection:
    """The server side of one HTTP/1.0 or HTTP/1.1 connection, without any I/O.

    Feed received bytes to `receive_data` and pull events with `next_event`; frame the
    response with `start_response`, `send_body` and `end_response`, then call
    `start_next_cycle` if `keep_alive` allows. Every malformed input becomes one
    `BadRequest` event (answer it with `error_response` and close).
    """

    __slots__ = (
        "_bodyLeft",
        "_buf",
        "_chunked",
        "_chunks",
        "_clientKeepAlive",
        "_contentLength",
        "_continueSent",
        "_declared",
        "_discard",
        "_eof",
        "_expectContinue",
        "_framing",
        "_isHead",
        "_keepAlive",
        "_maxBody",
        "_minor",
        "_our",
        "_parser",
        "_partial",
        "_received",
        "_requestLine",
        "_sent",
        "_sink",
        "_their",
        "limits",
    )

    def __init__(self, limits: Limits = Limits()) -> None:  # noqa: B008  (frozen, immutable)
        self.limits = limits
        self._parser: HttpRequestParser | None = None
        self._sink: HeaderSink | None = None
        self._buf = bytearray()
        self._eof = False
        self._discard = False
        self._their = IDLE
        self._our = IDLE
        self._keepAlive = True
        self._resetRequest()

    def _resetRequest(self) -> None:
        self._partial: HeadScanner | None = None  # a head that arrived in pieces
        self._requestLine: tuple[bytes, bytes, int] = (b"", b"", 1)
        self._minor = 1
        self._isHead = False
        self._clientKeepAlive = True
        self._contentLength: int | None = None
        self._chunked = False
        self._expectContinue = False
        self._continueSent = False
        self._bodyLeft = 0
        self._chunks: ChunkedDecoder | None = None
        self._received = 0
        self._maxBody: int | None = self.limits.max_body_bytes
        self._framing = _NO_BODY
        self._declared = 0
        self._sent = 0

    # -- state, for the channel and for tests -----------------------------------------------

    @property
    def their_state(self) -> str:
        """The peer's state: IDLE, HEAD, BODY, DONE, CLOSED or ERROR."""
        if self._their == IDLE and self._buf:
            return HEAD
        return self._their

    @property
    def our_state(self) -> str:
        """Our state: IDLE, SEND_BODY, DONE, MUST_CLOSE, ERROR or SWITCHED."""
        return self._our

    @property
    def keep_alive(self) -> bool:
        """Whether the connection may carry another request once this response has ended."""
        return self._keepAlive and self._our not in (ERROR, MUST_CLOSE, SWITCHED)

    @property
    def pending_requests(self) -> int:
        """How many request heads are buffered behind the current request (an upper bound)."""
        count = self._buf.count(b"\r\n\r\n")
        if self._their in (IDLE, HEAD) and count:
            count -= 1
        return count

    @property
    def buffered_bytes(self) -> int:
        """Bytes received and not yet turned into events."""
        return len(self._buf)

    @property
    def trailing_data(self) -> bytes:
        """Received bytes not yet parsed (after a 101 response: the new protocol's)."""
        return bytes(self._buf)

    # -- input ------------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Add bytes received from the peer; ``b""`` means the peer closed its side."""
        if not data:
            self._eof = True
            return
        if self._eof or self._discard or self._their == ERROR:
            return
        self._buf += data

    def set_max_body(self, n: int | None) -> None:
        """Set the body limit of the current request (None: unlimited), before its body is read."""
        self._maxBody = n

    def next_event(self) -> Event | Sentinel:
        """The next event, `NEED_DATA` (feed more bytes) or `PAUSED` (act first)."""
        their = self._their
        if their is BODY:
            if self._chunked:
                return self._nextChunked()
            if self._bodyLeft or not self._clientKeepAlive:
                return self._nextBody()
            self._their = DONE  # a bodiless persistent request, most of them (_endOfMessage)
            return END_OF_MESSAGE
        if their is IDLE:
            if not self._buf and not self._eof:
                return NEED_DATA  # between requests, nothing buffered: most calls
            return self._nextHead()
        if their is HEAD:
            return self._nextHead()
        if their == CLOSED:
            return ConnectionClosed()
        return PAUSED  # DONE (until start_next_cycle) or ERROR (for ever)

    def _fail(self, problem: BadRequest) -> BadRequest:
        self._their = ERROR
        self._keepAlive = False
        self._buf.clear()
        return problem

    def _needData(self) -> Event | Sentinel:
        if self._eof:
            self._their = CLOSED
            self._keepAlive = False
            return ConnectionClosed()
        return NEED_DATA

    def _nextHead(self) -> Event | Sentinel:
        buf = self._buf
        limits = self.limits
        partial = self._partial
        if (partial is None or partial.lineEnd < 0) and buf[:2] != b"\r\n":
            # The common case: a whole head is already buffered. Same checks, same order as
            # `HeadScanner` (request line, bare CR/LF, size), in fewer steps.
            maxHead = limits.max_header_bytes
            end = buf.find(b"\r\n\r\n", 0, maxHead + 1)
            if 0 <= end <= maxHead - 4:
                self._their = HEAD
                headEnd = end + 4
                # Taken out now: a failure below clears the whole buffer anyway.
                if headEnd == len(buf):
                    head = bytes(buf)
                    buf.clear()
                else:
                    head = bytes(buf[:headEnd])
                    del buf[:headEnd]
                lf = head.find(b"\n")
                raw = head[:lf]
                requestLine = knownRequestLines.get(raw)
                if requestLine is None or len(requestLine[1]) > limits.max_request_target:
                    checked = checkRequestLine(raw, limits.max_request_target)
                    if isinstance(checked, BadRequest):
                        return self._fail(checked)
                    requestLine = checked
                # From the request line's CR to the end, which is CRLF CRLF: every CR and LF
                # must pair up (the same rule as the incremental path's checks).
                if _ONLY_CRLF.fullmatch(head, lf - 1) is None:
                    return self._fail(
                        BadRequest(status=400, reason="bare CR or LF in request head")
                    )
                self._requestLine = requestLine
                return self._parseHead(head)
        if partial is None:
            partial = self._partial = HeadScanner()
        found = partial.scan(buf, limits)
        if found is None:
            return self._needData()  # only empty lines so far: the peer is still IDLE
        self._their = HEAD
        if type(found) is bytes:
            self._requestLine = partial.requestLine
            return self._parseHead(found)
        if type(found) is BadRequest:
            return self._fail(found)
        return self._needData()  # NEED_DATA: the head has begun

    def _parseHead(self, head: bytes) -> Event:
        method, target, minor = self._requestLine
        # A parser that saw a whole bodiless request is back at the start of a message, so it
        # is fed the next head as is; any other parser (one left waiting for a body we frame
        # ourselves, an upgrade, an error, a lenient one) is never reused.
        parser = self._parser
        sink = self._sink
        self._parser = None
        if parser is None or sink is None or minor > 1:
            sink = HeaderSink()
            parser = HttpRequestParser(sink)
            if minor > 1:
                parser.set_dangerous_leniencies(lenient_version=True)
        else:
            sink.headers = []  # sink.reset(), inlined: this runs for every request
            sink.special = []
            sink.complete = sink.done = False
        try:
            parser.feed_data(head)
        except HttpParserUpgrade:
            pass  # CONNECT or Upgrade: the head is complete, the rest is ours to frame
        except HttpParserInvalidMethodError:
            return self._fail(BadRequest(status=501, reason="request method not implemented"))
        except HttpParserError as error:
            if not sink.complete:
                return self._fail(BadRequest(status=400, reason=llhttpReason(error)))
            # llhttp objects to the framing after the fields parsed: checkHeaders says why.
        else:
            if sink.done and minor <= 1:
                self._parser = parser
                self._sink = sink
        headers = sink.headers
        if len(headers) > self.limits.max_headers:
            return self._fail(BadRequest(status=431, reason="too many header fields"))
        facts = checkHeaders(sink.special, minor)
        if isinstance(facts, BadRequest):
            return self._fail(facts)
        if not sink.complete:
            return self._fail(BadRequest(status=400, reason="malformed request head"))
        version = b"1.0" if minor == 0 else b"1.1"
        self._minor = 0 if minor == 0 else 1
        self._isHead = method == b"HEAD"
        self._clientKeepAlive = facts.keepAlive
        self._contentLength = facts.contentLength
        self._chunked = facts.chunked
        self._expectContinue = facts.expectContinue
        self._bodyLeft = facts.contentLength or 0
        self._their = BODY
        # Positional: keyword matching alone would cost more than the rest of the call.
        return RequestHead(
            method,
            target,
            version,
            headers,
            facts.contentLength,
            facts.chunked,
            facts.expectContinue,
            facts.keepAlive,
        )

    def _endOfMessage(self) -> EndOfMessage:
        self._their = DONE
        if not self._clientKeepAlive:
            self._discard = True  # Twisted too ignores bytes after a non-persistent request
            self._buf.clear()
        return END_OF_MESSAGE

    def _nextBody(self) -> Event | Sentinel:
        left = self._bodyLeft
        if left == 0:
            return self._endOfMessage()
        if self._received == 0:
            maxBody = self._maxBody
            if maxBody is not None and left > maxBody:
                return self._fail(BadRequest(status=413, reason="request body too large"))
        buf = self._buf
        if not buf:
            return self._needData()
        if len(buf) <= left:
            data = bytes(buf)
            buf.clear()
        else:
            data = bytes(buf[:left])
            del buf[:left]
        self._bodyLeft = left - len(data)
        self._received += len(data)
        return Data(data=data)

    def _nextChunked(self) -> Event | Sentinel:
        chunks = self._chunks
        if chunks is None:
            chunks = self._chunks = ChunkedDecoder()
        event = chunks.decode(self._buf, self.limits, self._maxBody)
        if event is NEED_DATA:
            return self._needData()
        if event is END_OF_MESSAGE:
            return self._endOfMessage()
        if type(event) is BadRequest:
            return self._fail(event)
        return event

    # -- output -----------------------------------------------------------------------------

    def send_continue(self) -> bytes:
        """``100 Continue`` once, if the current request waits for it and nothing was sent yet."""
        if (
            not self._expectContinue
            or self._continueSent
            or self._their != BODY
            or self._our != IDLE
        ):
            return b""
        maxBody = self._maxBody
        if maxBody is not None and (self._contentLength or 0) > maxBody:
            return b""  # never invite a body that will be refused
        self._continueSent = True
        return CONTINUE

    def start_response(
        self,
        status: int,
        reason: bytes,
        headers: list[tuple[bytes, bytes]],
        trusted: bool = False,
    ) -> bytes:
        """Frame the status line and *headers*, adding the framing and Connection headers.

        *trusted* promises that every name is a token and no value holds CR, LF or NUL (what
        `Headers` guarantees), so those two scans are skipped; the framing headers are
        interpreted either way.
        """
        if self._our is not IDLE or self._their in (IDLE, HEAD, ERROR):
            raise LocalProtocolError(f"cannot start a response in state {self._our}/{self._their}")
        if type(status) is not int:
            raise ValueError(f"invalid status code: {status!r}")
        # RFC 9110 section 2.5: a server sends its own highest conformant version, so
        # HTTP/1.1 even to an HTTP/1.0 client (Twisted echoes the request's version).
        # Only checked status codes and reasons are ever cached.
        statusLine = statusLines.get((status, reason))
        if statusLine is None:
            statusLine = newStatusLine(status, reason)
        out: list[bytes] = [statusLine]
        # One scan over all values instead of one per header (this runs on every response).
        if (
            not trusted
            and FORBIDDEN_IN_VALUE.search(b"".join([value for _, value in headers])) is not None
        ):
            checkValues(headers)
        known = validNames
        length: bytes | None = None
        connection: list[bytes] | None = None
        for name, value in headers:
            if not trusted and name not in known:
                checkName(name)
            if len(name) in FRAMING_NAME_SIZES:
                lowered = name.lower()
                if lowered == b"content-length":
                    value = value.strip(b" \t")
                    if not value.isdigit():
                        raise ValueError(f"invalid Content-Length: {value[:64]!r}")
                    if length is not None and length != value:
                        raise ValueError("conflicting Content-Length values")
                    if length is None:
                        length = value
                    continue
                if lowered == b"transfer-encoding":
                    continue  # hop-by-hop: the framing is ours to choose
                if lowered == b"connection":
                    if connection is None:
                        connection = []
                    connection.extend(connectionTokens(value))
                    continue
            out += (name, b": ", value, b"\r\n")

        if 100 <= status < 200:
            if status != 101:
                if self._minor == 0:
                    return b""  # RFC 9110 section 15.2: no 1xx to an HTTP/1.0 client
                return b"".join(out) + b"\r\n"
            self._our = SWITCHED
            self._framing = _RAW
            self._keepAlive = False
            if connection:
                out.append(b"Connection: %s\r\n" % b", ".join(connection))
            return b"".join(out) + b"\r\n"

        closing = (
            not self._clientKeepAlive
            or self._eof
            or (connection is not None and b"close" in connection)
        )
        if status == 204:
            self._framing = _NO_BODY  # RFC 9110 section 8.6: no Content-Length in a 204
        elif self._isHead or status == 304:
            self._framing = _NO_BODY
            if length is not None:
                out += (b"Content-Length: ", length, b"\r\n")
        elif length is not None:
            self._framing = _LENGTH
            self._declared = int(length)
            out += (b"Content-Length: ", length, b"\r\n")
        elif self._minor == 1:
            self._framing = _CHUNKED
            out.append(b"Transfer-Encoding: chunked\r\n")
        else:
            self._framing = _UNTIL_CLOSE
            closing = True
        if self._their is BODY and not self._bodyBuffered():
            closing = True  # the rest of the request body would be read as the next request
        if connection:
            line = connectionHeader(connection, closing, self._minor)
            if line is not None:
                out.append(line)
        elif closing:
            out.append(b"Connection: close\r\n")
        elif self._minor == 0:
            out.append(b"Connection: keep-alive\r\n")
        out.append(b"\r\n")
        self._keepAlive = not closing
        self._our = SEND_BODY
        return b"".join(out)

    def whole_response(
        self,
        status: int,
        reason: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        trusted: bool = False,
    ) -> bytes:
        """`start_response`, `send_body` of *body* and `end_response` in one call.

        Same checks, same state afterwards, same bytes as the three calls; the common case
        (a Content-Length response whose body is all of it) is framed in one pass.
        """
        head = self.start_response(status, reason, headers, trusted)
        if (
            self._framing == _LENGTH
            and self._our is SEND_BODY
            and self._their is DONE
            and len(body) == self._declared
        ):
            self._sent = len(body)
            self._our = DONE if self._keepAlive else MUST_CLOSE
            return head + body
        return head + self.send_body(body) + self.end_response()

    def _bodyBuffered(self) -> bool:
        """Whether the rest of the current request body is already in the buffer."""
        if self._chunked:
            return False
        return len(self._buf) >= self._bodyLeft

    def send_body(self, data: bytes) -> bytes:
        """Frame *data* as part of the response body (b"" when the response has no body)."""
        framing = self._framing
        if self._our != SEND_BODY and self._our != SWITCHED:
            raise LocalProtocolError(f"cannot send body data in state {self._our}")
        if framing == _CHUNKED:
            if not data:
                return b""
            return b"%x\r\n%s\r\n" % (len(data), data)
        if framing == _LENGTH:
            sent = self._sent + len(data)
            if sent > self._declared:
                raise LocalProtocolError(
                    f"response body exceeds its Content-Length ({sent} > {self._declared})"
                )
            self._sent = sent
            return data
        if framing == _NO_BODY:
            return b""
        return data

    def body_sent_externally(self, n: int) -> None:
        """Count *n* body bytes the caller sends itself (``sendfile``): Content-Length only."""
        if self._our != SEND_BODY or self._framing != _LENGTH or self._sent + n > self._declared:
            raise LocalProtocolError("raw body bytes need a Content-Length response with room")
        self._sent += n

    def end_response(self) -> bytes:
        """End the response: the final chunk if chunked; decides `keep_alive` for good."""
        if self._our == SWITCHED:
            return b""
        if self._our != SEND_BODY:
            raise LocalProtocolError(f"cannot end a response in state {self._our}")
        tail = b""
        if self._framing == _CHUNKED:
            tail = b"0\r\n\r\n"
        elif self._framing == _LENGTH and self._sent < self._declared:
            self._keepAlive = False  # the client is owed bytes it will never get
        elif self._framing == _UNTIL_CLOSE:
            self._keepAlive = False
        if self._their == BODY and self._keepAlive:
            self._drainBody()
        self._our = DONE if self._keepAlive else MUST_CLOSE
        return tail

    def _drainBody(self) -> None:
        """Discard what is buffered of an unread request body; close if it does not end."""
        while True:
            event = self.next_event()
            if type(event) is Data:
                continue
            if type(event) is not EndOfMessage:
                self._keepAlive = False
            return

    def start_next_cycle(self) -> None:
        """Forget the finished request and response; the next pipelined request may begin."""
        if self._our != DONE or self._their != DONE or not self._keepAlive:
            raise LocalProtocolError(
                f"cannot start a new cycle in state {self._our}/{self._their}"
            )
        self._their = IDLE
        self._our = IDLE
        self._resetRequest()

    def error_response(
        self, event: BadRequest, headers: list[tuple[bytes, bytes]] | None = None
    ) -> bytes:
        """A complete plain-text response for *event*, with ``Connection: close``.

        Returns b"" when a response was already started (the channel can only close).
        Extra *headers* (Date, Server) are added as given. The connection is then done.
        """
        started = self._our != IDLE
        self._our = ERROR
        self._keepAlive = False
        self._buf.clear()
        if self._their != CLOSED:
            self._their = ERROR
        if started:
            return b""
        return errorResponse(event.status, event.reason, headers, self._isHead)
