"""Echo over TLS on loopback: listenSSL and connectSSL with certificates made by trustme."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import pytest
import trustme

from plait.internet import error
from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import Deferred
from plait.internet.protocol import ClientFactory, Factory, Protocol
from plait.python.failure import Failure


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def serverContext(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def clientContext(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(context)
    return context


class Echo(Protocol):
    def connectionMade(self) -> None:
        self.factory.transports.append(self.transport)

    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class ContextHolder:
    """A Twisted-style context factory: anything with getContext()."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context

    def getContext(self) -> ssl.SSLContext:
        return self.context


class TLSClient(Protocol):
    def __init__(self, done: Deferred[Any]) -> None:
        self.done = done
        self.received = b""

    def connectionMade(self) -> None:
        self.transport.write(b"secret")

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if self.received == b"secret":
            self.peerCert = self.transport.getPeerCertificate()
            self.transport.loseConnection()

    def connectionLost(self, reason: Failure) -> None:
        self.done.callback((self, reason))


@pytest.mark.parametrize("wrap", [False, True], ids=["SSLContext", "getContext"])
def test_tls_echo(
    reactor: AsyncioReactor,
    wait: Callable[..., Any],
    serverContext: ssl.SSLContext,
    clientContext: ssl.SSLContext,
    wrap: bool,
) -> None:
    server = Factory.forProtocol(Echo)
    server.transports = []  # type: ignore[attr-defined]
    contextFactory: Any = ContextHolder(serverContext) if wrap else serverContext
    port = reactor.listenSSL(0, server, contextFactory, interface="127.0.0.1")
    done: Deferred[Any] = Deferred()

    class Client(ClientFactory):
        def buildProtocol(self, addr: Any) -> Protocol:
            return TLSClient(done)

    clientFactory: Any = ContextHolder(clientContext) if wrap else clientContext
    reactor.connectSSL("localhost", port.getHost().port, Client(), clientFactory)
    proto, reason = wait(done)
    assert proto.received == b"secret"
    assert reason.check(error.ConnectionDone)
    assert ("DNS", "localhost") in proto.peerCert["subjectAltName"]
    # The server side saw a TLS transport with no client certificate.
    assert server.transports[0].getPeerCertificate() is None  # type: ignore[attr-defined]
    wait(port.stopListening())


def test_untrusted_server_fails_the_client(
    reactor: AsyncioReactor, wait: Callable[..., Any], serverContext: ssl.SSLContext
) -> None:
    port = reactor.listenSSL(0, Factory.forProtocol(Echo), serverContext, interface="127.0.0.1")
    failed: Deferred[list[Failure]] = Deferred()

    class Client(ClientFactory):
        def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
            failed.callback([reason])

    untrusting = ssl.create_default_context()
    untrusting.load_verify_locations(cadata=trustme.CA().cert_pem.bytes().decode())
    reactor.connectSSL("localhost", port.getHost().port, Client(), untrusting)
    [reason] = wait(failed)
    assert reason.check(error.ConnectError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(reason.value)


def test_listenSSL_rejects_a_non_context(reactor: AsyncioReactor) -> None:
    with pytest.raises(TypeError):
        reactor.listenSSL(0, Factory.forProtocol(Echo), object(), interface="127.0.0.1")


def test_connect_timeout_when_the_handshake_never_comes(
    reactor: AsyncioReactor, wait: Callable[..., Any], clientContext: ssl.SSLContext
) -> None:
    # A plain TCP server that accepts and says nothing: the TLS handshake never completes.
    silent = reactor.listenTCP(0, Factory.forProtocol(Protocol), interface="127.0.0.1")
    failed: Deferred[list[Failure]] = Deferred()

    class Client(ClientFactory):
        def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
            failed.callback([reason])

    reactor.connectSSL("127.0.0.1", silent.getHost().port, Client(), clientContext, timeout=0.2)
    [reason] = wait(failed)
    assert reason.check(error.TimeoutError)
