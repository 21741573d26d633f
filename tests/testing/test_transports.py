"""StringTransport and MemoryReactor: protocols and listeners tested without sockets."""

from __future__ import annotations

from typing import Any

import pytest

from plait.internet import protocol
from plait.internet.testing import MemoryReactorClock, StringTransport
from plait.testing import MemoryReactor, StringTransportWithDisconnection
from plait.web.resource import Resource
from plait.web.server import Site


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data.upper())
        if data == b"bye":
            self.transport.loseConnection()


def test_string_transport_records_writes_and_close() -> None:
    transport = StringTransport()
    proto = Echo()
    proto.makeConnection(transport)
    proto.dataReceived(b"hi")
    assert transport.value() == b"HI"
    transport.clear()
    proto.dataReceived(b"bye")
    assert transport.value() == b"BYE"
    assert transport.disconnecting
    with pytest.raises(TypeError):
        transport.write("text")  # type: ignore[arg-type]


def test_string_transport_producers() -> None:
    transport = StringTransport()
    marker = object()
    transport.registerProducer(marker, True)
    with pytest.raises(RuntimeError):
        transport.registerProducer(object(), True)
    transport.pauseProducing()
    assert transport.producerState == "paused"
    transport.resumeProducing()
    transport.unregisterProducer()
    transport.stopProducing()
    with pytest.raises(RuntimeError):
        transport.resumeProducing()


def test_disconnection_reaches_the_protocol() -> None:
    lost: list[Any] = []

    class Watch(protocol.Protocol):
        def connectionLost(self, reason: Any = None) -> None:
            lost.append(reason)

    transport = StringTransportWithDisconnection()
    proto = Watch()
    transport.protocol = proto
    proto.makeConnection(transport)
    transport.loseConnection()
    transport.loseConnection()
    assert len(lost) == 1


def test_http_channel_over_a_string_transport() -> None:
    """The HTTP channel also speaks Twisted's protocol API, so StringTransport drives it."""

    class Hello(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            return b"hello"

    channel = Site(Hello()).buildProtocol(None)
    transport = StringTransport()
    import asyncio

    async def run() -> None:
        channel.makeConnection(_AsAsyncio(transport))
        channel.dataReceived(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")

    asyncio.run(run())
    assert transport.value().startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.value().endswith(b"\r\n\r\nhello")


class _AsAsyncio:
    """Just enough of an asyncio transport around a StringTransport for HTTPChannel."""

    def __init__(self, transport: StringTransport) -> None:
        self._t = transport

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1), "sockname": ("127.0.0.1", 2)}.get(name, default)

    def write(self, data: bytes) -> None:
        self._t.write(data)

    def close(self) -> None:
        self._t.loseConnection()

    def pause_reading(self) -> None:
        self._t.pauseProducing()

    def resume_reading(self) -> None:
        self._t.resumeProducing()


def test_memory_reactor_records_listen_and_connect() -> None:
    reactor = MemoryReactor()
    factory = protocol.Factory.forProtocol(Echo)
    port = reactor.listenTCP(8880, factory, interface="127.0.0.1")
    assert reactor.tcpServers == [(8880, factory, 50, "127.0.0.1")]
    assert port.getHost().port == 8880
    reactor.connectTCP("example.test", 80, protocol.ClientFactory())
    assert reactor.tcpClients[0][:2] == ("example.test", 80)
    ran: list[int] = []
    reactor.callWhenRunning(ran.append, 1)
    reactor.run()
    assert ran == [1]


def test_memory_reactor_clock_has_fake_time() -> None:
    reactor = MemoryReactorClock()
    fired: list[float] = []
    reactor.callLater(5, lambda: fired.append(reactor.seconds()))
    reactor.advance(5)
    assert fired == [5]
