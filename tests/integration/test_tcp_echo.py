"""Echo over real loopback TCP sockets: listenTCP, connectTCP, factories, addresses."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from plait.internet import error
from plait.internet.address import IPv4Address, IPv6Address
from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import Deferred
from plait.internet.protocol import ClientFactory, Factory, Protocol, ServerFactory
from plait.python.failure import Failure


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Collect(Protocol):
    """Sends ``message`` on connect, collects the echo, closes when all came back."""

    def __init__(self, message: bytes, done: Deferred[Any]) -> None:
        self.message = message
        self.done = done
        self.received = b""
        self.reason: Failure | None = None

    def connectionMade(self) -> None:
        self.transport.writeSequence([self.message[:3], self.message[3:]])

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if len(self.received) >= len(self.message):
            self.transport.loseConnection()

    def connectionLost(self, reason: Failure) -> None:
        self.reason = reason
        self.done.callback(self)


class RecordingClientFactory(ClientFactory):
    def __init__(self, message: bytes = b"hello, plait") -> None:
        self.message = message
        self.done: Deferred[Any] = Deferred()
        self.events: list[str] = []
        # Fired with [reason]: a Deferred fired with a bare Failure would errback.
        self.failed: Deferred[list[Failure]] = Deferred()
        self.lost: Deferred[list[Failure]] = Deferred()
        self.addrs: list[Any] = []

    def startFactory(self) -> None:
        self.events.append("start")

    def stopFactory(self) -> None:
        self.events.append("stop")

    def startedConnecting(self, connector: Any) -> None:
        self.events.append("connecting")

    def buildProtocol(self, addr: Any) -> Protocol:
        self.addrs.append(addr)
        p = Collect(self.message, self.done)
        p.factory = self
        return p

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.events.append("failed")
        self.failed.callback([reason])

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        self.events.append("lost")
        self.lost.callback([reason])


@pytest.mark.parametrize(
    ("interface", "host", "addressType"),
    [
        ("127.0.0.1", "127.0.0.1", IPv4Address),
        ("::1", "::1", IPv6Address),
    ],
)
def test_echo_with_connectTCP(
    reactor: AsyncioReactor,
    wait: Callable[..., Any],
    interface: str,
    host: str,
    addressType: type,
) -> None:
    server = Factory.forProtocol(Echo)
    port = reactor.listenTCP(0, server, interface=interface)
    hostAddress = port.getHost()
    assert isinstance(hostAddress, addressType)
    assert hostAddress.host == host
    assert hostAddress.port > 0
    assert server.numPorts == 1

    client = RecordingClientFactory()
    connector = reactor.connectTCP(host, hostAddress.port, client)
    assert connector.getDestination() == addressType("TCP", host, hostAddress.port)
    proto = wait(client.done)
    assert proto.received == b"hello, plait"
    assert proto.reason.check(error.ConnectionDone)
    assert isinstance(proto.transport.getPeer(), addressType)
    assert proto.transport.getPeer().port == hostAddress.port
    assert client.addrs == [proto.transport.getPeer()]
    [lostReason] = wait(client.lost)
    assert lostReason.check(error.ConnectionDone)
    assert client.events == ["start", "connecting", "lost", "stop"]

    assert wait(port.stopListening()) is None
    assert server.numPorts == 0
    with pytest.raises(OSError):  # noqa: PT011 - refused or reset, either proves it closed
        socket.create_connection((host, hostAddress.port), timeout=5).close()


def test_connect_refused(reactor: AsyncioReactor, wait: Callable[..., Any]) -> None:
    # Bind without listening: connecting to that port is refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        portNumber = sock.getsockname()[1]
        client = RecordingClientFactory()
        reactor.connectTCP("127.0.0.1", portNumber, client)
        [reason] = wait(client.failed)
    assert reason.check(error.ConnectionRefusedError)
    assert client.events == ["start", "connecting", "failed", "stop"]
    assert not client.done.called


def test_stopConnecting_reports_user_error(reactor: AsyncioReactor) -> None:
    client = RecordingClientFactory()
    connector = reactor.connectTCP("127.0.0.1", 9, client)
    connector.stopConnecting()
    assert client.failed.called
    reasons: list[list[Failure]] = []
    client.failed.addCallback(reasons.append)
    assert reasons[0][0].check(error.UserError)
    with pytest.raises(error.NotConnectingError):
        connector.stopConnecting()


def test_port_in_use_raises_at_the_call(reactor: AsyncioReactor) -> None:
    port = reactor.listenTCP(0, Factory.forProtocol(Echo), interface="127.0.0.1")
    with pytest.raises(error.CannotListenError) as info:
        reactor.listenTCP(port.getHost().port, Factory.forProtocol(Echo), interface="127.0.0.1")
    assert info.value.port == port.getHost().port
    assert info.value.interface == "127.0.0.1"
    assert isinstance(info.value.socketError, OSError)


def test_server_factory_sees_peer_and_none_refuses(
    reactor: AsyncioReactor, wait: Callable[..., Any]
) -> None:
    seen: list[Any] = []
    refused: Deferred[None] = Deferred()

    class Refusing(ServerFactory):
        def buildProtocol(self, addr: Any) -> None:
            seen.append(addr)
            refused.callback(None)

    port = reactor.listenTCP(0, Refusing(), interface="127.0.0.1")
    with socket.create_connection(("127.0.0.1", port.getHost().port), timeout=5) as sock:
        wait(refused)
        assert sock.recv(10) == b""  # closed by the server
        assert seen == [IPv4Address("TCP", "127.0.0.1", sock.getsockname()[1])]


def test_transport_details(reactor: AsyncioReactor, wait: Callable[..., Any]) -> None:
    made: Deferred[Any] = Deferred()

    class Inspect(Protocol):
        def connectionMade(self) -> None:
            made.callback(self.transport)

    port = reactor.listenTCP(0, Factory.forProtocol(Inspect), interface="127.0.0.1")
    with socket.create_connection(("127.0.0.1", port.getHost().port), timeout=5) as sock:
        transport = wait(made)
        assert transport.getTcpNoDelay() is True
        transport.setTcpNoDelay(False)
        assert transport.getTcpNoDelay() is False
        transport.setTcpKeepAlive(True)
        assert transport.getTcpKeepAlive() is True
        assert transport.getHost() == port.getHost()
        assert transport.getPeer().port == sock.getsockname()[1]
        assert transport.getHandle() is not None
        with pytest.raises(TypeError):
            transport.write("text is not bytes")
        transport.write(b"bye")
        transport.loseConnection()
        assert transport.disconnecting
        assert sock.recv(10) == b"bye"


def test_stop_before_the_loop_ran_and_listen_again(
    reactor: AsyncioReactor, wait: Callable[..., Any]
) -> None:
    factory = Factory.forProtocol(Echo)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    d = port.stopListening()
    # The loop never ran, so the socket is closed at once.
    assert d.called
    assert port.stopListening() is d or port.stopListening().called
    assert factory.numPorts == 0
    port.startListening()
    assert factory.numPorts == 1
    client = RecordingClientFactory(b"again")
    reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    assert wait(client.done).received == b"again"
    wait(port.loseConnection())
    assert not port.connected
