"""HTTPChannel: the asyncio glue between a socket and the sans-IO HTTP/1.x connection.

The channel moves bytes between the asyncio transport and `_h1.H1Connection`, turns the
connection's events into calls on a Request, moves its deadlines (the
`_channel_timing.ChannelTiming` it holds enforces them) and applies backpressure both ways:
reading pauses while too many pipelined requests wait, and a producer pauses while the
transport's write buffer is full. Every HTTP rule lives in `_h1`; nothing here parses or frames.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

from plait.internet.address import IPv4Address, IPv6Address, UNIXAddress, fromSockname
from plait.internet.error import ConnectionDone, ConnectionLost
from plait.python.failure import Failure
from plait.web._channel_timing import BODY, HEADERS, IDLE, ChannelTiming
from plait.web._events import (
    NEED_DATA,
    PAUSED,
    BadRequest,
    ConnectionClosed,
    Data,
    EndOfMessage,
    RequestHead,
)
from plait.web._h1 import H1Connection
from plait.web._limits import Limits
from plait.web.http_headers import Headers

if TYPE_CHECKING:
    from plait.web._request import Request

__all__ = ["HTTPChannel"]

_log = logging.getLogger("plait.web.http")

_Address = IPv4Address | IPv6Address | UNIXAddress


class HTTPChannel(asyncio.Protocol):
    """One HTTP/1.x connection: feeds `H1Connection`, dispatches requests one at a time."""

    transport: asyncio.Transport | None = None
    site: Any = None
    requestFactory: Any = None
    _request: Request | None = None
    _producer: Any = None
    _streamingProducer: bool = False
    _writingPaused: bool = False
    _readingPaused: bool = False
    _pullScheduled: bool = False
    _inEvents: bool = False
    _closing: bool = False
    _draining: bool = False
    _lost: bool = False
    _pendingHead: bytes | None = None
    _host: _Address | None = None
    _peer: _Address | None = None
    _secure: bool = False
    _twistedTransport: Any = None
    _sendfileTask: asyncio.Future[None] | None = None

    def __init__(self, factory: Any = None, limits: Limits | None = None) -> None:
        self.factory = factory
        if limits is None:
            limits = getattr(factory, "limits", None) or Limits()
        self.limits = limits
        self._conn = H1Connection(limits)
        self._timing = ChannelTiming(self, limits)
        if factory is not None:
            self.requestFactory = factory.requestFactory
            self.site = factory

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start serving *transport*."""
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        self.transport = transport = cast(asyncio.Transport, transport)
        self._loop = self._timing.loop = asyncio.get_running_loop()
        self._secure = transport.get_extra_info("sslcontext") is not None
        channels = getattr(self.factory, "_channels", None)
        if channels is not None:
            channels.add(self)
        self._timing.setDeadline(self.limits.idle_timeout, IDLE)

    def data_received(self, data: bytes) -> None:
        """Feed *data* to the HTTP/1.x connection and act on what it makes of it."""
        if self._closing:
            return  # lingering after an error response: late bytes are read and dropped
        timing = self._timing
        if timing.kind is IDLE:
            # The head deadline only matters if the head is still incomplete once these bytes
            # are processed; the usual whole request needs no clock reading for it.
            timing.kind = HEADERS
            self._conn.receive_data(data)
            self._processEvents()
            if timing.kind is HEADERS and not self._closing:
                timing.setDeadline(self.limits.header_timeout, HEADERS)
            return
        if timing.bodyStart is not None:
            timing.bodyReceived(len(data))
        self._conn.receive_data(data)
        self._processEvents()

    def eof_received(self) -> bool:
        """The client closed its side: treat it as gone (as Twisted does) and close.

        Requests that were complete are still answered if their responses are ready: the
        transport sends what it has buffered before closing. A response still being
        computed is abandoned, and its render cancelled, because an HTTP client that
        half-closes is far rarer than one that has simply gone away.
        """
        self._conn.receive_data(b"")
        self._processEvents()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Tell the request in flight (if any) and stop the timer."""
        self._lost = True
        self._timing.stop()
        channels = getattr(self.factory, "_channels", None)
        if channels is not None:
            channels.discard(self)
        request = self._request
        self._request = None
        producer = self._producer
        self._producer = None
        sending = self._sendfileTask
        if sending is not None:
            self._sendfileTask = None
            sending.cancel()
        if request is not None and not request.finished:
            if exc is None:
                reason = Failure(ConnectionDone("connection closed before the response finished"))
            else:
                reason = Failure(ConnectionLost(str(exc) or type(exc).__name__))
            if _log.isEnabledFor(logging.DEBUG):
                # The text, not the Request: a record kept by a handler must not keep the
                # request (its body file, its transport) alive.
                _log.debug("client went away before the response to %s finished", repr(request))
            request.connectionLost(reason)
            request._releaseBody()
        elif producer is not None:
            producer.stopProducing()

    def pause_writing(self) -> None:
        """The transport's buffer is full: pause the producer."""
        self._writingPaused = True
        self._timing.sendStalled()
        producer = self._producer
        if producer is not None and self._streamingProducer:
            producer.pauseProducing()

    def resume_writing(self) -> None:
        """The transport's buffer drained: resume the producer."""
        self._writingPaused = False
        if self._sendfileTask is None:
            self._timing.sendDeadline = None
        producer = self._producer
        if producer is not None:
            if self._streamingProducer:
                producer.resumeProducing()
            else:
                self._schedulePull()

    # -- Twisted-style aliases, so the channel also runs over a Twisted transport in tests ------

    def makeConnection(self, transport: Any) -> None:
        """Twisted's name for `connection_made`."""
        self.connection_made(transport)

    def dataReceived(self, data: bytes) -> None:
        """Twisted's name for `data_received`."""
        self.data_received(data)

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Twisted's name for `connection_lost`."""
        exc = None if reason is None or reason.check(ConnectionDone) else reason.value
        self.connection_lost(exc if isinstance(exc, Exception) else None)

    # -- events from H1Connection ---------------------------------------------------------------

    def _processEvents(self) -> None:
        if self._inEvents:
            return  # the loop below is already running further up the stack; it will go on
        self._inEvents = True
        conn = self._conn
        try:
            while not self._closing:
                event = conn.next_event()
                kind = type(event)
                if kind is Data:
                    request = self._request
                    if request is not None:
                        request.handleContentChunk(event.data)  # type: ignore[union-attr]
                elif kind is RequestHead:
                    self._onHead(event)  # type: ignore[arg-type]
                elif kind is EndOfMessage:
                    self._onMessageEnd()
                elif event is NEED_DATA or event is PAUSED:
                    break
                elif kind is BadRequest:
                    self._onBadRequest(event)  # type: ignore[arg-type]
                    break
                elif kind is ConnectionClosed:
                    if self._request is None:
                        self._close()
                    break
        finally:
            self._inEvents = False
        if self._readingPaused or conn.buffered_bytes:
            self._applyReadBackpressure()

    def _onHead(self, head: RequestHead) -> None:
        factory = self.requestFactory
        request: Request = factory(self) if factory is not None else _defaultRequest(self)
        if "requestHeaders" in request.__dict__:
            request.requestHeaders = Headers._fromPairs(head.headers)
        else:
            request._headerPairs = head.headers  # made into requestHeaders on first read
        request.method = head.method
        request.uri = head.target
        request.clientproto = b"HTTP/" + head.version
        self._request = request
        if not head.chunked and not head.content_length:
            timing = self._timing
            timing.deadline = None  # nothing to wait for: the request is complete
            timing.kind = BODY
            return
        limit = self._bodyLimitFor(request, head)
        if limit is not None:
            self._conn.set_max_body(limit)
            if head.content_length is not None and head.content_length > limit:
                self._refuseBody(request, limit)
                return
        self._timing.startBody()
        request.gotLength(None if head.chunked else head.content_length)
        if head.expect_continue:
            self._write(self._conn.send_continue())

    def _bodyLimitFor(self, request: Request, head: RequestHead) -> int | None:
        site = self.site
        if site is None or (not head.chunked and not head.content_length):
            return None
        finder = getattr(site, "_bodyLimitFor", None)
        if finder is None:
            return None
        limit: int | None = finder(request)
        return limit

    def _refuseBody(self, request: Request, limit: int) -> None:
        _log.info(
            "refused a %s-byte request body from %s (limit %d bytes)",
            request.getHeader(b"content-length"),
            request.getClientAddressText(),
            limit,
        )
        self._sendError(BadRequest(status=413, reason="request body too large"))

    def _onMessageEnd(self) -> None:
        request = self._request
        if request is None:
            return
        timing = self._timing
        timing.deadline = None  # no deadline while the application works on the request
        timing.bodyStart = None
        timing.kind = BODY
        try:
            request.requestReceived(request.method, request.uri, request.clientproto)
        except Exception:
            _log.exception("unhandled error while processing %s", repr(request))
            if self._request is request and not request.startedWriting:
                self._sendError(BadRequest(status=500, reason="internal server error"))
            else:
                self._close()

    def _onBadRequest(self, event: BadRequest) -> None:
        _log.info("bad request from %s: %d %s", self._peerText(), event.status, event.reason)
        request = self._request
        if request is not None and request.startedWriting:
            self._close()  # a response is half-sent: the framing is lost, just close
            return
        self._sendError(event)

    def _sendError(self, event: BadRequest) -> None:
        request = self._request
        self._request = None
        self._write(self._pendingHead or b"")
        self._pendingHead = None
        try:
            data = self._conn.error_response(event)
        except Exception:  # a status the sans-IO side cannot frame: fall back to bare close
            data = b""
        self._write(data)
        self._close()
        if request is not None and not request.finished:
            request.connectionLost(Failure(ConnectionDone(f"request refused: {event.reason}")))
            request._releaseBody()  # a body refused half-way may have spooled to a temp file

    # -- what a Request calls -----------------------------------------------------------------

    def writeResponseHead(
        self, request: Request, code: int, reason: bytes, headers: list[tuple[bytes, bytes]]
    ) -> None:
        """Frame the status line and headers; they go out with the first body bytes."""
        if request is not self._request or self._closing:
            return
        if self._draining:
            headers = [*headers, (b"Connection", b"close")]
        self._pendingHead = self._conn.start_response(code, reason, headers)

    def writeResponseBody(self, request: Request, data: bytes) -> None:
        """Frame and send part of the body."""
        if request is not self._request or self._closing:
            return
        framed = self._conn.send_body(data)
        head = self._pendingHead
        if head is not None:
            self._pendingHead = None
            framed = head + framed
        if framed:
            self._write(framed)

    def finishResponse(self, request: Request) -> None:
        """End the response and go on to the next request, or close."""
        if request is not self._request:
            return
        conn = self._conn
        tail = conn.end_response()
        head = self._pendingHead
        if head is not None:
            self._pendingHead = None
            tail = head + tail
        if tail:
            self._write(tail)
        self._responseDone(request)

    def writeWholeResponse(
        self,
        request: Request,
        code: int,
        reason: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        trusted: bool = False,
    ) -> None:
        """Send a complete response in one transport write, then end it (the common case).

        *trusted*: names are tokens and values hold no CR, LF or NUL (see `H1Connection`).
        """
        if request is not self._request or self._closing:
            return
        data = self._conn.whole_response(code, reason, headers, body, trusted)
        transport = self.transport
        if transport is not None and not self._lost:
            transport.write(data)
        self._responseDone(request)

    def _responseDone(self, request: Request) -> None:
        conn = self._conn
        self._request = None
        self._producer = None
        site = self.site
        if site is not None:
            site.log(request)
        request._releaseBody()
        if not conn.keep_alive or self._closing or self._draining:
            self._close()
            return
        conn.start_next_cycle()
        # timing.setDeadline(idle_timeout, IDLE), inlined: this runs after every response.
        timing = self._timing
        timing.kind = IDLE
        timing.deadline = self._loop.time() + self.limits.idle_timeout
        if timing.handle is None:
            timing.arm()
        if not self._inEvents:
            self._processEvents()  # else the loop further up the stack goes on by itself

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Let *producer* write the body, paused while the transport's buffer is full."""
        self._producer = producer
        self._streamingProducer = streaming
        if streaming:
            if self._writingPaused:
                producer.pauseProducing()
        else:
            self._schedulePull()

    def unregisterProducer(self) -> None:
        """Forget the producer."""
        self._producer = None

    def _schedulePull(self) -> None:
        if not self._pullScheduled:
            self._pullScheduled = True
            self._loop.call_soon(self._pull)

    def _pull(self) -> None:
        self._pullScheduled = False
        producer = self._producer
        if producer is None or self._streamingProducer or self._writingPaused or self._lost:
            return
        producer.resumeProducing()
        if self._producer is producer and not self._writingPaused:
            self._schedulePull()

    def canSendfile(self) -> bool:
        """Whether `sendfile` works here: a plain TCP/UNIX socket (never TLS), still open."""
        if self._secure or self._closing or self._lost:
            return False
        from plait.web._sendfile import zero_copy_supported

        return zero_copy_supported(self._loop, self.transport)

    def sendfile(
        self, request: Request, file: Any, offset: int, count: int
    ) -> asyncio.Future[None]:
        """Send *count* bytes of *file* from *offset* as body bytes, zero-copy.

        Only for a Content-Length response, after its head (``request.write(b"")``), and
        only where `canSendfile` says so. If the send fails the connection is aborted.
        """
        if request is not self._request or self._sendfileTask is not None:
            raise RuntimeError("sendfile: not the current request, or a send is in progress")
        if not self.canSendfile():
            raise RuntimeError("sendfile is not available on this connection")
        from plait.web._sendfile import send_zero_copy

        self._conn.body_sent_externally(count)
        head = self._pendingHead
        if head is not None:
            self._pendingHead = None
            self._write(head)
        timing = self._timing
        timing.sendfileStarted()
        task = self._loop.create_task(
            send_zero_copy(self._loop, self.transport, file, offset, count, timing.sendProgress)
        )
        self._sendfileTask = task
        task.add_done_callback(self._sendfileDone)
        return task

    def _sendfileDone(self, task: asyncio.Future[None]) -> None:
        if self._sendfileTask is task:
            self._sendfileTask = None
            if not self._writingPaused:
                self._timing.sendDeadline = None
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            _log.debug("sendfile to %s failed: %r", self._peerText(), exc)
            transport = self.transport
            if transport is not None:
                self._closing = True  # the framing is lost
                self._timing.cancel()
                transport.abort()

    def getPeer(self) -> _Address:
        """The client's address."""
        if self._peer is None:
            self._peer = self._address("peername")
        return self._peer

    def getHost(self) -> _Address:
        """The local address."""
        if self._host is None:
            self._host = self._address("sockname")
        return self._host

    def _address(self, which: str) -> _Address:
        transport = self.transport
        name = transport.get_extra_info(which) if transport is not None else None
        if name is None:
            return UNIXAddress(None)
        return fromSockname(name)

    def isSecure(self) -> bool:
        """Whether this connection is TLS."""
        return self._secure

    def loseConnection(self) -> None:
        """Close once what was written has been sent."""
        self._close()

    def drain(self) -> None:
        """Graceful shutdown: take no further request on this connection.

        An idle connection closes now; a request in flight is answered (with
        ``Connection: close`` if its head is not sent yet) and the connection closes after it.
        """
        self._draining = True
        if self._request is None:
            self._close()

    @property
    def twistedTransport(self) -> Any:
        """A Twisted ITCPTransport view of the connection (what ``request.transport`` gives)."""
        if self._twistedTransport is None and self.transport is not None:
            from plait.internet._transport import Transport

            self._twistedTransport = Transport(
                self.transport, self._loop, self.getHost(), self.getPeer()
            )
        return self._twistedTransport

    # -- plumbing -------------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        transport = self.transport
        if data and transport is not None and not self._lost:
            transport.write(data)

    def _close(self) -> None:
        if self._closing:
            return
        self._closing = True
        timing = self._timing
        timing.cancel()
        transport = self.transport
        if transport is None:
            return
        if timing.sendDeadline is not None:
            timing.arm()  # the close waits for the client to read what is buffered
        stillSending = self._conn.their_state in _STILL_SENDING
        if stillSending and not self._lost and _canHalfClose(transport):
            # Closing a socket with unread input makes the kernel answer with RST, and a client
            # still sending its request then loses the response it is owed (RFC 9112 section
            # 9.6). So half-close, read and drop what still comes, and close when the client
            # does or when the linger time is up.
            if self._readingPaused:
                self._readingPaused = False
                transport.resume_reading()
            transport.write_eof()
            timing.linger(transport.close)
        else:
            transport.close()

    def _peerText(self) -> str:
        return str(getattr(self.getPeer(), "host", "-"))

    def _applyReadBackpressure(self) -> None:
        conn = self._conn
        transport = self.transport
        if transport is None or self._closing or self._lost:
            return
        limits = self.limits
        tooMuch = (
            conn.pending_requests >= limits.max_pipelined_requests
            or conn.buffered_bytes >= limits.max_pipeline_bytes
        )
        if tooMuch and not self._readingPaused:
            self._readingPaused = True
            transport.pause_reading()
        elif not tooMuch and self._readingPaused:
            self._readingPaused = False
            transport.resume_reading()

    def _deadlinePassed(self, kind: str) -> None:
        """The timer says the wait of *kind* (`IDLE`, `HEADERS`, `BODY`) went on too long."""
        if kind is IDLE:
            _log.debug("closing idle connection from %s", self._peerText())
            self._close()
            return
        self._timing.bodyStart = None
        what = "request head" if kind is HEADERS else "request body"
        _log.info("timed out waiting for the %s from %s", what, self._peerText())
        self._sendError(BadRequest(status=408, reason=f"timed out waiting for the {what}"))


_STILL_SENDING = frozenset(("HEAD", "BODY", "ERROR"))  # H1Connection.their_state values


def _canHalfClose(transport: asyncio.Transport) -> bool:
    try:
        return transport.can_write_eof()
    except NotImplementedError:  # in-memory and other minimal transports
        return False


def _defaultRequest(channel: HTTPChannel) -> Request:
    from plait.web._request import Request

    return Request(channel)
