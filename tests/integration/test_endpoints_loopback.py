"""Endpoints over real loopback sockets: echo servers from strings, clients connecting to them."""

import asyncio
import os
import socket
import ssl
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
import uvloop

from plait.internet import error
from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import CancelledError, Deferred
from plait.internet.endpoints import (
    HostnameEndpoint,
    SSL4ClientEndpoint,
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    UNIXClientEndpoint,
    clientFromString,
    connectProtocol,
    serverFromString,
)
from plait.internet.protocol import Factory, Protocol
from plait.internet.ssl import Certificate, CertificateOptions, optionsForClientTLS
from plait.python.failure import Failure

pytestmark = pytest.mark.integration

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


class Harness:
    """A fresh reactor on its own loop, and everything to stop when the test ends."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.reactor = AsyncioReactor(loop)
        self.ports: list[Any] = []
        self.protocols: list[Any] = []

    def wait(self, d: Deferred[Any], timeout: float = 10) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(d.asFuture(self.loop), timeout))

    def failure(self, d: Deferred[Any]) -> Failure:
        failures: list[Failure] = []
        d.addErrback(failures.append)
        self.wait(d)
        assert len(failures) == 1, "the Deferred did not fail"
        return failures[0]

    def listen(self, endpoint: Any, factory: Any = None) -> Any:
        port = self.wait(endpoint.listen(factory or Factory.forProtocol(Echo)))
        self.ports.append(port)
        return port

    def connect(self, endpoint: Any) -> "Collector":
        protocol = self.wait(endpoint.connect(Factory.forProtocol(Collector)))
        self.protocols.append(protocol)
        return protocol

    def close(self) -> None:
        for protocol in self.protocols:
            if protocol.transport is not None:
                protocol.transport.loseConnection()
        for port in self.ports:
            self.wait(port.stopListening())
        self.loop.run_until_complete(asyncio.sleep(0))
        self.loop.close()


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Collector(Protocol):
    """Collects what arrives; ``received(n)`` fires once n bytes are in."""

    def __init__(self) -> None:
        self.data = b""
        self.waiting: tuple[int, Deferred[bytes]] | None = None
        self.made = False

    def connectionMade(self) -> None:
        self.made = True

    def dataReceived(self, data: bytes) -> None:
        self.data += data
        if self.waiting and len(self.data) >= self.waiting[0]:
            d, self.waiting = self.waiting[1], None
            d.callback(self.data)

    def received(self, n: int) -> Deferred[bytes]:
        d: Deferred[bytes] = Deferred()
        self.waiting = (n, d)
        return d

    def roundTrip(self, harness: Harness, payload: bytes) -> bytes:
        d = self.received(len(payload))
        self.transport.write(payload)
        result: bytes = harness.wait(d)
        return result


@pytest.fixture(params=sorted(LOOPS))
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    h = Harness(LOOPS[request.param]())
    try:
        yield h
    finally:
        h.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def pems(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    leaf = ca.issue_cert("localhost", "127.0.0.1", "::1")
    where = tmp_path_factory.mktemp("pems")
    paths = {name: where / f"{name}.pem" for name in ("key", "cert", "both", "ca")}
    leaf.private_key_pem.write_to_path(str(paths["key"]))
    leaf.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    leaf.private_key_and_cert_chain_pem.write_to_path(str(paths["both"]))
    ca.cert_pem.write_to_path(str(paths["ca"]))
    return paths


def freePort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_tcp_echo_from_strings(harness: Harness) -> None:
    port = harness.listen(serverFromString(harness.reactor, "tcp:0:interface=127.0.0.1"))
    host = port.getHost()
    assert host.host == "127.0.0.1"
    assert host.port > 0
    client = harness.connect(
        clientFromString(harness.reactor, f"tcp:host=127.0.0.1:port={host.port}")
    )
    assert client.made
    assert client.roundTrip(harness, b"hello, plait") == b"hello, plait"


def test_tcp6_echo(harness: Harness) -> None:
    port = harness.listen(serverFromString(harness.reactor, r"tcp6:0:interface=\:\:1"))
    assert port.getHost().host == "::1"
    client = harness.connect(
        clientFromString(harness.reactor, rf"tcp6:\:\:1:{port.getHost().port}")
    )
    assert client.roundTrip(harness, b"six") == b"six"


def test_unix_echo_with_mode(harness: Harness, tmp_path: Path) -> None:
    path = tmp_path / "echo.sock"
    harness.listen(serverFromString(harness.reactor, f"unix:{path}:mode=600:lockfile=0"))
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    client = harness.connect(UNIXClientEndpoint(harness.reactor, str(path)))
    assert client.roundTrip(harness, b"unix") == b"unix"
    also = harness.connect(clientFromString(harness.reactor, f"unix:path={path}"))
    assert also.roundTrip(harness, b"again") == b"again"


def test_ssl_echo_with_separate_key_and_cert(harness: Harness, pems: dict[str, Path]) -> None:
    description = f"ssl:0:privateKey={pems['key']}:certKey={pems['cert']}:interface=127.0.0.1"
    port = harness.listen(serverFromString(harness.reactor, description))
    options = optionsForClientTLS(
        "127.0.0.1", trustRoot=Certificate.loadPEM(pems["ca"].read_bytes())
    )
    endpoint = SSL4ClientEndpoint(harness.reactor, "127.0.0.1", port.getHost().port, options)
    client = harness.connect(endpoint)
    assert client.roundTrip(harness, b"secret") == b"secret"
    assert client.transport.getPeerCertificate() is not None


def test_ssl_combined_pem_and_string_client(
    harness: Harness, pems: dict[str, Path], tmp_path: Path
) -> None:
    port = harness.listen(
        serverFromString(harness.reactor, f"ssl:0:privateKey={pems['both']}:interface=127.0.0.1")
    )
    caDir = tmp_path / "cas"
    caDir.mkdir()
    (caDir / "ca.pem").write_bytes(pems["ca"].read_bytes())
    description = f"ssl:host=127.0.0.1:port={port.getHost().port}:caCertsDir={caDir}"
    client = harness.connect(clientFromString(harness.reactor, description))
    assert client.roundTrip(harness, b"combined") == b"combined"


def test_tls_client_string_verifies_the_server(harness: Harness, pems: dict[str, Path]) -> None:
    port = harness.listen(
        serverFromString(harness.reactor, f"ssl:0:privateKey={pems['both']}:interface=127.0.0.1")
    )
    description = f"tls:127.0.0.1:{port.getHost().port}:trustRoots={pems['ca']}"
    client = harness.connect(clientFromString(harness.reactor, description))
    assert client.roundTrip(harness, b"tls") == b"tls"
    # The same server is refused when the client trusts only the platform's CAs.
    platform = clientFromString(harness.reactor, f"tls:127.0.0.1:{port.getHost().port}")
    reason = harness.failure(platform.connect(Factory.forProtocol(Collector)))
    assert reason.check(error.ConnectError)


def test_ssl_client_refuses_an_untrusted_server(harness: Harness, pems: dict[str, Path]) -> None:
    port = harness.listen(
        serverFromString(harness.reactor, f"ssl:0:privateKey={pems['both']}:interface=127.0.0.1")
    )
    stranger = Certificate.loadPEM(trustme.CA().cert_pem.bytes())
    options = optionsForClientTLS("127.0.0.1", trustRoot=stranger)
    endpoint = SSL4ClientEndpoint(harness.reactor, "127.0.0.1", port.getHost().port, options)
    reason = harness.failure(endpoint.connect(Factory.forProtocol(Collector)))
    assert reason.check(error.ConnectError)
    assert "certificate verify failed" in reason.getErrorMessage()


class ALPNFactory(Factory):
    protocol = Echo

    def acceptableProtocols(self) -> list[bytes]:
        return [b"h2", b"http/1.1"]


def stdlibALPN(harness: Harness, port: int, ca: Path, offer: list[str]) -> str | None:
    context = ssl.create_default_context(cafile=str(ca))
    context.set_alpn_protocols(offer)

    async def handshake() -> str | None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
        try:
            selected: str | None = writer.get_extra_info("ssl_object").selected_alpn_protocol()
            writer.write(b"ping")
            assert await reader.readexactly(4) == b"ping"
            return selected
        finally:
            writer.close()
            await writer.wait_closed()

    return harness.loop.run_until_complete(asyncio.wait_for(handshake(), 10))


def test_alpn_from_the_factory_is_offered(harness: Harness, pems: dict[str, Path]) -> None:
    endpoint = serverFromString(
        harness.reactor, f"ssl:0:privateKey={pems['both']}:interface=127.0.0.1"
    )
    port = harness.listen(endpoint, ALPNFactory())
    number = port.getHost().port
    assert stdlibALPN(harness, number, pems["ca"], ["http/1.1", "h2"]) == "h2"
    assert stdlibALPN(harness, number, pems["ca"], ["http/1.1"]) == "http/1.1"


def test_alpn_without_factory_protocols_uses_the_options(
    harness: Harness, pems: dict[str, Path]
) -> None:
    from plait.internet.endpoints import SSL4ServerEndpoint
    from plait.internet.ssl import PrivateCertificate

    private = PrivateCertificate.loadPEM(pems["both"].read_bytes())
    options = CertificateOptions(
        privateKey=private.privateKey, certificate=private, acceptableProtocols=[b"http/1.1"]
    )
    port = harness.listen(SSL4ServerEndpoint(harness.reactor, 0, options, interface="127.0.0.1"))
    assert stdlibALPN(harness, port.getHost().port, pems["ca"], ["h2", "http/1.1"]) == "http/1.1"


def test_connection_refused(harness: Harness) -> None:
    endpoint = TCP4ClientEndpoint(harness.reactor, "127.0.0.1", freePort())
    reason = harness.failure(endpoint.connect(Factory.forProtocol(Collector)))
    assert reason.check(error.ConnectionRefusedError)


def test_cancel_while_connecting(harness: Harness) -> None:
    port = harness.listen(TCP4ServerEndpoint(harness.reactor, 0, interface="127.0.0.1"))
    built: list[Any] = []

    class Recording(Factory):
        def buildProtocol(self, addr: Any) -> Any:
            built.append(addr)
            return Collector()

    endpoint = TCP4ClientEndpoint(harness.reactor, "127.0.0.1", port.getHost().port)
    d = endpoint.connect(Recording())
    d.cancel()
    reason = harness.failure(d)
    assert reason.check(CancelledError)
    # Let the loop run: the cancelled attempt must never build a protocol.
    harness.loop.run_until_complete(asyncio.sleep(0.05))
    assert built == []


def test_listen_on_a_port_in_use_fails_the_deferred(harness: Harness) -> None:
    port = harness.listen(serverFromString(harness.reactor, "tcp:0:interface=127.0.0.1"))
    again = serverFromString(harness.reactor, f"tcp:{port.getHost().port}:interface=127.0.0.1")
    d = again.listen(Factory.forProtocol(Echo))
    assert harness.failure(d).check(error.CannotListenError)


def test_connect_protocol(harness: Harness) -> None:
    port = harness.listen(TCP4ServerEndpoint(harness.reactor, 0, interface="127.0.0.1"))
    mine = Collector()
    endpoint = TCP4ClientEndpoint(harness.reactor, "127.0.0.1", port.getHost().port)
    connected = harness.wait(connectProtocol(endpoint, mine))
    harness.protocols.append(mine)
    assert connected is mine
    assert mine.roundTrip(harness, b"given") == b"given"


def test_hostname_endpoint_resolves_localhost(harness: Harness) -> None:
    port = harness.listen(TCP4ServerEndpoint(harness.reactor, 0, interface="127.0.0.1"))
    client = harness.connect(HostnameEndpoint(harness.reactor, b"localhost", port.getHost().port))
    assert client.roundTrip(harness, b"by name") == b"by name"


def test_build_protocol_returning_none_fails_the_deferred(harness: Harness) -> None:
    port = harness.listen(TCP4ServerEndpoint(harness.reactor, 0, interface="127.0.0.1"))

    class Refusing(Factory):
        def buildProtocol(self, addr: Any) -> Any:
            return None

    endpoint = TCP4ClientEndpoint(harness.reactor, "127.0.0.1", port.getHost().port)
    reason = harness.failure(endpoint.connect(Refusing()))
    assert reason.check(error.ConnectError)
    assert "buildProtocol returned None" in reason.getErrorMessage()


def test_connection_lost_reaches_the_protocol(harness: Harness) -> None:
    port = harness.listen(TCP4ServerEndpoint(harness.reactor, 0, interface="127.0.0.1"))
    lost: Deferred[None] = Deferred()
    reasons: list[Failure] = []

    class Noting(Collector):
        def connectionLost(self, reason: Failure | None = None) -> None:
            assert reason is not None
            reasons.append(reason)
            lost.callback(None)

    endpoint = TCP4ClientEndpoint(harness.reactor, "127.0.0.1", port.getHost().port)
    client = harness.wait(endpoint.connect(Factory.forProtocol(Noting)))
    client.transport.loseConnection()
    harness.wait(lost)
    assert reasons[0].check(error.ConnectionDone)
