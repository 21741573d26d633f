"""Bridging asyncio's protocol/transport pair to Twisted's.

``_ProtocolAdapter`` is the ``asyncio.Protocol`` the loop sees for every connection. When the
connection is made it asks the factory for a protocol: an ``asyncio.BaseProtocol`` gets the raw
asyncio transport (``set_protocol``) and the adapter drops out, so that path costs nothing per
call; a Twisted-style protocol gets a ``Transport`` (ITCPTransport) and the adapter stays to
translate ``data_received`` into ``dataReceived`` and so on.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterable
from typing import Any, cast

from zope.interface import implementer

from plait.internet import error
from plait.internet.address import IPv4Address, IPv6Address, UNIXAddress, fromSockname
from plait.internet.interfaces import (
    IConsumer,
    IPushProducer,
    ISSLTransport,
    ITCPTransport,
    IUNIXTransport,
)
from plait.python.failure import Failure

__all__ = ["Transport"]

_Address = IPv4Address | IPv6Address | UNIXAddress


def _address(name: object, unix: bool) -> _Address:
    if unix:
        if isinstance(name, (str, bytes)) and name:
            return UNIXAddress(name)
        return UNIXAddress(None)
    return fromSockname(name)


@implementer(ITCPTransport, IUNIXTransport, ISSLTransport, IConsumer, IPushProducer)
class Transport:
    """A Twisted ITCPTransport over one asyncio transport."""

    disconnecting: bool = False
    disconnected: bool = False
    producer: Any = None
    streamingProducer: bool = False
    _producerPaused: bool = False
    _writePaused: bool = False
    _pullScheduled: bool = False
    _savedLimits: tuple[int, int] | None = None
    _lossReason: BaseException | None = None

    def __init__(
        self,
        transport: asyncio.Transport,
        loop: asyncio.AbstractEventLoop,
        host: _Address,
        peer: _Address,
    ):
        self._transport = transport
        self._loop = loop
        self._host = host
        self._peer = peer
        self.connected = True

    # -- ITransport

    def write(self, data: bytes) -> None:
        """Queue ``data`` for sending; asyncio buffers what the socket will not take yet."""
        if self.disconnecting or self.disconnected:
            return
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        self._transport.write(data)
        if self.producer is not None and not self.streamingProducer:
            self._afterPullWrite()

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        """Queue each bytes object of ``iovec``, in order."""
        if self.disconnecting or self.disconnected:
            return
        data = list(iovec)
        for chunk in data:
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise TypeError(f"Data must be bytes, not {type(chunk).__name__}")
        self._transport.writelines(data)
        if self.producer is not None and not self.streamingProducer:
            self._afterPullWrite()

    def loseConnection(self) -> None:
        """Close once everything written so far has been sent."""
        if self.disconnecting or self.disconnected:
            return
        self.disconnecting = True
        self._transport.close()

    def abortConnection(self) -> None:
        """Close now, dropping unsent data; connectionLost gets ConnectionAborted."""
        if self.disconnected:
            return
        self.disconnecting = True
        self._lossReason = error.ConnectionAborted()
        self._transport.abort()

    def _loseForShutdown(self) -> None:
        # The reactor is shutting down: drop the connection as Twisted's disconnectAll does.
        if self.disconnected:
            return
        self.disconnecting = True
        self._lossReason = error.ConnectionLost("the reactor shut down")
        self._transport.abort()

    def getPeer(self) -> _Address:
        """The address of the other end."""
        return self._peer

    def getHost(self) -> _Address:
        """The address of this end."""
        return self._host

    def getHandle(self) -> Any:
        """The underlying socket (asyncio's socket-like view of it)."""
        return self._transport.get_extra_info("socket")

    def getTransport(self) -> asyncio.Transport:
        """The asyncio transport underneath (a plait addition)."""
        return self._transport

    def logPrefix(self) -> str:
        """A short name for log lines."""
        return self.__class__.__name__

    # -- TCP options

    def _sockopt(self, level: int, opt: int) -> bool:
        sock = self.getHandle()
        if sock is None:
            return False
        return bool(sock.getsockopt(level, opt))

    def _setsockopt(self, level: int, opt: int, enabled: bool) -> None:
        sock = self.getHandle()
        if sock is not None:
            sock.setsockopt(level, opt, int(bool(enabled)))

    def getTcpNoDelay(self) -> bool:
        """Whether Nagle's algorithm is disabled."""
        return self._sockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Disable (True) or enable Nagle's algorithm."""
        self._setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, enabled)

    def getTcpKeepAlive(self) -> bool:
        """Whether TCP keepalive is on."""
        return self._sockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Turn TCP keepalive on or off."""
        self._setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, enabled)

    def getPeerCertificate(self) -> Any:
        """The TLS peer's certificate as a dict, or None (no TLS, or no certificate)."""
        sslObject = self._transport.get_extra_info("ssl_object")
        return None if sslObject is None else sslObject.getpeercert()

    # -- IPushProducer: the protocol pausing its own input

    def pauseProducing(self) -> None:
        """Stop reading from the connection."""
        if not self.disconnected:
            self._transport.pause_reading()

    def resumeProducing(self) -> None:
        """Start reading from the connection again."""
        if not self.disconnected and not self._transport.is_reading():
            self._transport.resume_reading()

    def stopProducing(self) -> None:
        """Close the connection."""
        self.loseConnection()

    # -- IConsumer

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Attach a producer; it is paused and resumed as the write buffer fills and drains."""
        if self.producer is not None:
            raise RuntimeError(
                f"Cannot register producer {producer!r}, "
                f"because producer {self.producer!r} was never unregistered."
            )
        if self.disconnected:
            producer.stopProducing()
            return
        self.producer = producer
        self.streamingProducer = bool(streaming)
        if streaming:
            if self._writePaused:
                self._producerPaused = True
                producer.pauseProducing()
        else:
            # asyncio only reports "drained" after it reported "full"; with a high-water
            # mark of 0 every unsent byte counts as full, so resume_writing means empty.
            self._savedLimits = self._transport.get_write_buffer_limits()
            self._transport.set_write_buffer_limits(high=0, low=0)
            producer.resumeProducing()

    def unregisterProducer(self) -> None:
        """Detach the producer."""
        self.producer = None
        self._producerPaused = False
        if self._savedLimits is not None:
            low, high = self._savedLimits
            self._savedLimits = None
            if not self.disconnected:
                self._transport.set_write_buffer_limits(high=high, low=low)

    def _afterPullWrite(self) -> None:
        if not self._writePaused and self._transport.get_write_buffer_size() == 0:
            self._schedulePull()

    def _schedulePull(self) -> None:
        if not self._pullScheduled:
            self._pullScheduled = True
            self._loop.call_soon(self._pull)

    def _pull(self) -> None:
        self._pullScheduled = False
        producer = self.producer
        if producer is not None and not self.streamingProducer and not self.disconnected:
            producer.resumeProducing()

    # -- called by the adapter

    def _pauseWriting(self) -> None:
        self._writePaused = True
        producer = self.producer
        if producer is not None and self.streamingProducer and not self._producerPaused:
            self._producerPaused = True
            producer.pauseProducing()

    def _resumeWriting(self) -> None:
        self._writePaused = False
        producer = self.producer
        if producer is None:
            return
        if self.streamingProducer:
            if self._producerPaused:
                self._producerPaused = False
                producer.resumeProducing()
        else:
            self._schedulePull()

    def _lost(self) -> None:
        self.connected = False
        self.disconnected = True
        producer = self.producer
        if producer is not None:
            self.producer = None
            producer.stopProducing()


class _ProtocolAdapter(asyncio.Protocol):
    """The asyncio protocol of every connection the reactor makes or accepts."""

    __slots__ = (
        "_buildProtocol",
        "_loop",
        "_onLost",
        "_protocol",
        "_registry",
        "_transport",
        "_unix",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        buildProtocol: Callable[[_Address], Any],
        unix: bool = False,
        onLost: Callable[[Failure], None] | None = None,
        registry: set[Transport] | None = None,
    ):
        self._registry = registry
        self._loop = loop
        self._buildProtocol = buildProtocol
        self._unix = unix
        self._onLost = onLost
        self._protocol: Any = None
        self._transport: Transport | None = None

    def connection_made(self, baseTransport: asyncio.BaseTransport) -> None:
        """Build the protocol for this connection and connect the two."""
        # uvloop's transports implement asyncio.Transport without subclassing it.
        transport = cast(asyncio.Transport, baseTransport)
        peer = _address(transport.get_extra_info("peername"), self._unix)
        if not self._unix:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError, AttributeError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            protocol = self._buildProtocol(peer)
        except BaseException:
            transport.abort()
            raise
        if protocol is None:
            transport.close()
            return
        if isinstance(protocol, asyncio.BaseProtocol):
            transport.set_protocol(protocol)
            self._onLost = None
            protocol.connection_made(transport)
            return
        host = _address(transport.get_extra_info("sockname"), self._unix)
        self._protocol = protocol
        self._transport = wrapper = Transport(transport, self._loop, host, peer)
        if self._registry is not None:
            self._registry.add(wrapper)
        protocol.makeConnection(wrapper)

    def data_received(self, data: bytes) -> None:
        """Hand received bytes to the protocol."""
        protocol = self._protocol
        if protocol is not None:
            protocol.dataReceived(data)

    def eof_received(self) -> bool:
        """The peer finished writing: close our side too, as Twisted does by default."""
        return False

    def pause_writing(self) -> None:
        """The write buffer passed its high-water mark."""
        if self._transport is not None:
            self._transport._pauseWriting()

    def resume_writing(self) -> None:
        """The write buffer drained below its low-water mark."""
        if self._transport is not None:
            self._transport._resumeWriting()

    def connection_lost(self, exc: Exception | None) -> None:
        """Tell the protocol (and the connector, for clients) why the connection ended."""
        transport = self._transport
        if transport is not None and transport._lossReason is not None:
            reason = Failure(transport._lossReason)
        elif exc is None:
            reason = Failure(error.ConnectionDone())
        else:
            reason = Failure(error.ConnectionLost(str(exc)))
        protocol = self._protocol
        self._protocol = None
        try:
            if transport is not None:
                transport._lost()
                if self._registry is not None:
                    self._registry.discard(transport)
            if protocol is not None:
                protocol.connectionLost(reason)
        finally:
            onLost = self._onLost
            self._onLost = None
            if onLost is not None:
                onLost(reason)
