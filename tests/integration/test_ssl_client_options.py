"""connectSSL with plait.internet.ssl options: SNI from the options, the client context."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import pytest
import trustme

from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import Deferred
from plait.internet.protocol import ClientFactory, Factory, Protocol
from plait.internet.ssl import Certificate, CertificateOptions, optionsForClientTLS
from plait.python.failure import Failure


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


class RecordSNI(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Hello(Protocol):
    def __init__(self, done: Deferred[Any]) -> None:
        self.done = done

    def connectionMade(self) -> None:
        self.transport.write(b"hi")

    def dataReceived(self, data: bytes) -> None:
        self.transport.loseConnection()

    def connectionLost(self, reason: Failure) -> None:
        if not self.done.called:
            self.done.callback([reason])


def _serve(reactor: AsyncioReactor, ca: trustme.CA) -> tuple[Any, list[Any]]:
    seen: list[Any] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("plait.example").configure_cert(context)
    context.sni_callback = lambda sock, name, ctx: seen.append(name)
    return reactor.listenSSL(
        0, Factory.forProtocol(RecordSNI), context, interface="127.0.0.1"
    ), seen


def _client(done: Deferred[Any]) -> ClientFactory:
    class Client(ClientFactory):
        def buildProtocol(self, addr: Any) -> Protocol:
            return Hello(done)

        def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
            done.callback([reason])

    return Client()


def test_options_hostname_is_the_sni_name_and_is_verified(
    reactor: AsyncioReactor, wait: Callable[..., Any], ca: trustme.CA
) -> None:
    """Connect by IP address; the certificate is checked against the options' hostname."""
    port, seen = _serve(reactor, ca)
    trust = Certificate.loadPEM(ca.cert_pem.bytes())
    done: Deferred[Any] = Deferred()
    options = optionsForClientTLS("plait.example", trustRoot=trust)
    reactor.connectSSL("127.0.0.1", port.getHost().port, _client(done), options)
    [reason] = wait(done)
    assert reason.type.__name__ == "ConnectionDone"
    assert seen == ["plait.example"]
    wait(port.stopListening())


def test_wrong_options_hostname_fails_verification(
    reactor: AsyncioReactor, wait: Callable[..., Any], ca: trustme.CA
) -> None:
    port, _ = _serve(reactor, ca)
    trust = Certificate.loadPEM(ca.cert_pem.bytes())
    done: Deferred[Any] = Deferred()
    options = optionsForClientTLS("other.example", trustRoot=trust)
    reactor.connectSSL("127.0.0.1", port.getHost().port, _client(done), options)
    [reason] = wait(done)
    assert "Hostname mismatch" in str(reason.value)
    wait(port.stopListening())


def test_certificate_options_give_connectSSL_a_client_context(
    reactor: AsyncioReactor, wait: Callable[..., Any], ca: trustme.CA
) -> None:
    port, _ = _serve(reactor, ca)
    done: Deferred[Any] = Deferred()
    # CertificateOptions().getContext() is a server context; connectSSL must use the client one.
    reactor.connectSSL("127.0.0.1", port.getHost().port, _client(done), CertificateOptions())
    [reason] = wait(done)
    assert reason.type.__name__ == "ConnectionDone"
    wait(port.stopListening())
