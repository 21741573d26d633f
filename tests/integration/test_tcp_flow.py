"""Flow control over real sockets: push and pull producers, pausing reads, native protocols."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from plait.internet import error
from plait.internet._transport import Transport
from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import Deferred
from plait.internet.protocol import Factory, Protocol
from plait.internet.threads import deferToThreadPool
from plait.python.failure import Failure

CHUNK = b"x" * 65536


def readAll(sock: socket.socket) -> int:
    total = 0
    while chunk := sock.recv(1 << 20):
        total += len(chunk)
    return total


class PushProducer:
    """Writes as fast as allowed; on its first resume it finishes and closes."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.written = 0
        self.paused = False
        self.wasPaused: Deferred[None] = Deferred()
        self.finished: Deferred[None] = Deferred()

    def pump(self) -> None:
        # Bounded so a broken flow control fails the test instead of eating memory.
        while not self.paused and self.written < 256 * len(CHUNK):
            self.transport.write(CHUNK)
            self.written += len(CHUNK)

    def pauseProducing(self) -> None:
        self.paused = True
        if not self.wasPaused.called:
            self.wasPaused.callback(None)

    def resumeProducing(self) -> None:
        self.paused = False
        self.transport.unregisterProducer()
        self.transport.loseConnection()
        self.finished.callback(None)

    def stopProducing(self) -> None:
        self.paused = True


def test_push_producer_paused_when_peer_stops_reading(
    reactor: AsyncioReactor, wait: Callable[..., Any]
) -> None:
    producers: Deferred[PushProducer] = Deferred()

    class Streamer(Protocol):
        def connectionMade(self) -> None:
            producer = PushProducer(self.transport)
            self.transport.registerProducer(producer, True)
            producer.pump()
            producers.callback(producer)

    port = reactor.listenTCP(0, Factory.forProtocol(Streamer), interface="127.0.0.1")
    with socket.create_connection(("127.0.0.1", port.getHost().port), timeout=10) as sock:
        producer = wait(producers)
        # The client has read nothing: the server must have been paused long before the cap.
        wait(producer.wasPaused)
        assert producer.paused
        assert producer.written < 256 * len(CHUNK)
        assert not producer.finished.called
        received = wait(deferToThreadPool(reactor, reactor.getThreadPool(), readAll, sock))
        wait(producer.finished)
    assert received == producer.written


class PullProducer:
    """Writes one chunk each time it is asked, ``count`` times, then closes."""

    def __init__(self, transport: Any, count: int) -> None:
        self.transport = transport
        self.left = count
        self.calls = 0
        self.inCall = False
        self.reentered = False

    def resumeProducing(self) -> None:
        self.reentered |= self.inCall
        self.inCall = True
        self.calls += 1
        if self.left:
            self.left -= 1
            self.transport.write(CHUNK * 4)
        else:
            self.transport.unregisterProducer()
            self.transport.loseConnection()
        self.inCall = False

    def stopProducing(self) -> None:
        self.left = 0


def test_pull_producer_is_asked_each_time_the_buffer_drains(
    reactor: AsyncioReactor, wait: Callable[..., Any]
) -> None:
    producers: list[PullProducer] = []

    class Puller(Protocol):
        def connectionMade(self) -> None:
            producer = PullProducer(self.transport, 20)
            producers.append(producer)
            self.transport.registerProducer(producer, False)

    port = reactor.listenTCP(0, Factory.forProtocol(Puller), interface="127.0.0.1")
    with socket.create_connection(("127.0.0.1", port.getHost().port), timeout=10) as sock:
        received = wait(deferToThreadPool(reactor, reactor.getThreadPool(), readAll, sock))
    assert received == 20 * 4 * len(CHUNK)
    [producer] = producers
    assert producer.calls == 21
    assert not producer.reentered


def test_pause_and_resume_reading(reactor: AsyncioReactor, wait: Callable[..., Any]) -> None:
    got: list[bytes] = []
    first: Deferred[Any] = Deferred()
    second: Deferred[None] = Deferred()

    class Pausing(Protocol):
        def dataReceived(self, data: bytes) -> None:
            got.append(data)
            if not first.called:
                self.transport.pauseProducing()
                first.callback(self.transport)
            elif b"!" in data:
                second.callback(None)

    port = reactor.listenTCP(0, Factory.forProtocol(Pausing), interface="127.0.0.1")
    with socket.create_connection(("127.0.0.1", port.getHost().port), timeout=10) as sock:
        sock.sendall(b"one")
        transport = wait(first)
        sock.sendall(b"two!")
        # Let the loop spin a few times: a paused transport must not deliver.
        wait(asyncio.sleep(0.05))
        assert got == [b"one"]
        transport.resumeProducing()
        wait(second)
    assert b"".join(got) == b"onetwo!"


def test_asyncio_native_protocol_gets_the_raw_transport(
    reactor: AsyncioReactor, wait: Callable[..., Any]
) -> None:
    lost: Deferred[list[Exception | None]] = Deferred()
    seen: list[Any] = []

    class NativeEcho(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            seen.append((transport, transport.get_protocol()))
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.transport.write(data.upper())  # type: ignore[attr-defined]

        def connection_lost(self, exc: Exception | None) -> None:
            lost.callback([exc])

    class NativeFactory(Factory):
        def buildProtocol(self, addr: Any) -> asyncio.Protocol:
            seen.append(addr)
            return NativeEcho()

    port = reactor.listenTCP(0, NativeFactory(), interface="127.0.0.1")
    with socket.create_connection(("127.0.0.1", port.getHost().port), timeout=10) as sock:
        sock.sendall(b"fast path")
        received = wait(deferToThreadPool(reactor, reactor.getThreadPool(), sock.recv, 100))
        assert received == b"FAST PATH"
    assert wait(lost) == [None]
    addr, (transport, protocol) = seen
    assert addr.port > 0
    assert not isinstance(transport, Transport)
    assert isinstance(protocol, NativeEcho)


def test_abortConnection_reports_connection_aborted(
    reactor: AsyncioReactor, wait: Callable[..., Any]
) -> None:
    reasons: Deferred[list[Failure]] = Deferred()

    class Aborter(Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"never flushed" * 100000)
            self.transport.abortConnection()

        def connectionLost(self, reason: Failure) -> None:
            reasons.callback([reason])

    port = reactor.listenTCP(0, Factory.forProtocol(Aborter), interface="127.0.0.1")
    with socket.create_connection(("127.0.0.1", port.getHost().port), timeout=10):
        [reason] = wait(reasons)
    assert reason.check(error.ConnectionAborted)
