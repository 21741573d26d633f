"""Endpoints against a recording fake reactor: what each endpoint asks the reactor, and how
connect()'s Deferred follows the connector's callbacks."""

import asyncio
import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme

from plait.internet import error
from plait.internet.defer import CancelledError, Deferred
from plait.internet.endpoints import (
    HostnameEndpoint,
    SSL4ClientEndpoint,
    SSL4ServerEndpoint,
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    TCP6ClientEndpoint,
    TCP6ServerEndpoint,
    UNIXClientEndpoint,
    UNIXServerEndpoint,
    clientFromString,
    connectProtocol,
    serverFromString,
)
from plait.internet.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from plait.internet.protocol import Factory, Protocol
from plait.internet.ssl import CertificateOptions, ClientTLSOptions, PrivateCertificate
from plait.python.failure import Failure


class FakeConnector:
    def __init__(self) -> None:
        self.state = "connecting"
        self.stopped = False

    def stopConnecting(self) -> None:
        self.stopped = True
        self.state = "disconnected"


class FakeReactor:
    """Records every listen/connect call; ``fail`` makes the next one raise."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.fail: BaseException | None = None

    def _record(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.fail is not None:
            raise self.fail
        self.calls.append((name, args, kwargs))
        return (name, args)

    def listenTCP(self, *args: Any, **kwargs: Any) -> Any:
        return self._record("listenTCP", *args, **kwargs)

    def listenSSL(self, *args: Any, **kwargs: Any) -> Any:
        return self._record("listenSSL", *args, **kwargs)

    def listenUNIX(self, *args: Any, **kwargs: Any) -> Any:
        return self._record("listenUNIX", *args, **kwargs)

    def _connect(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._record(name, *args, **kwargs)
        factory = next(a for a in args if hasattr(a, "clientConnectionFailed"))
        connector = FakeConnector()
        factory.doStart()
        factory.startedConnecting(connector)
        return connector

    def connectTCP(self, *args: Any, **kwargs: Any) -> Any:
        return self._connect("connectTCP", *args, **kwargs)

    def connectSSL(self, *args: Any, **kwargs: Any) -> Any:
        return self._connect("connectSSL", *args, **kwargs)

    def connectUNIX(self, *args: Any, **kwargs: Any) -> Any:
        return self._connect("connectUNIX", *args, **kwargs)


def result(d: Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, "the Deferred has not fired"
    if isinstance(out[0], Failure):
        out[0].raiseException()
    return out[0]


def failure(d: Deferred[Any]) -> Failure:
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, "the Deferred has not fired"
    assert isinstance(out[0], Failure), f"the Deferred succeeded with {out[0]!r}"
    return out[0]


@pytest.fixture
def reactor() -> FakeReactor:
    return FakeReactor()


@pytest.fixture(scope="module")
def pems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost")
    other = ca.issue_cert("other.example")
    where = tmp_path_factory.mktemp("endpoint-pems")
    paths = {
        name: where / f"{name}.pem"
        for name in ("key", "cert", "both", "ca", "otherKey", "garbage")
    }
    leaf.private_key_pem.write_to_path(str(paths["key"]))
    leaf.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    leaf.private_key_and_cert_chain_pem.write_to_path(str(paths["both"]))
    ca.cert_pem.write_to_path(str(paths["ca"]))
    other.private_key_pem.write_to_path(str(paths["otherKey"]))
    paths["garbage"].write_bytes(b"not pem at all\n")
    return paths


class TestServerEndpoints:
    def test_tcp4(self, reactor: FakeReactor) -> None:
        factory = Factory()
        endpoint = TCP4ServerEndpoint(reactor, 8080, backlog=7, interface="127.0.0.1")
        assert IStreamServerEndpoint.providedBy(endpoint)
        assert result(endpoint.listen(factory)) == ("listenTCP", (8080, factory))
        assert reactor.calls[0][2] == {"backlog": 7, "interface": "127.0.0.1"}

    def test_tcp6_defaults_to_every_ipv6_interface(self, reactor: FakeReactor) -> None:
        result(TCP6ServerEndpoint(reactor, 80).listen(Factory()))
        assert reactor.calls[0][2] == {"backlog": 50, "interface": "::"}

    def test_unix(self, reactor: FakeReactor) -> None:
        result(UNIXServerEndpoint(reactor, "/tmp/s", mode=0o600, wantPID=1).listen(Factory()))
        name, args, kwargs = reactor.calls[0]
        assert (name, args[0]) == ("listenUNIX", "/tmp/s")
        assert kwargs == {"backlog": 50, "mode": 0o600, "wantPID": True}

    def test_listen_failure_is_an_errback_not_a_raise(self, reactor: FakeReactor) -> None:
        reactor.fail = error.CannotListenError("", 80, OSError("in use"))
        d = TCP4ServerEndpoint(reactor, 80).listen(Factory())
        assert failure(d).check(error.CannotListenError)

    def test_ssl_with_a_plain_ssl_context(self, reactor: FakeReactor) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        result(SSL4ServerEndpoint(reactor, 443, context).listen(Factory()))
        name, args, _ = reactor.calls[0]
        assert name == "listenSSL"
        assert args[2] is context

    def test_ssl_with_a_pyopenssl_style_factory_fails_clearly(self, reactor: FakeReactor) -> None:
        class PyOpenSSLish:
            def getContext(self) -> object:
                return object()

        d = SSL4ServerEndpoint(reactor, 443, PyOpenSSLish()).listen(Factory())
        reason = failure(d)
        assert reason.check(TypeError)
        assert "not ssl.SSLContext" in reason.getErrorMessage()

    def test_ssl_factory_protocols_get_a_fresh_context(
        self, reactor: FakeReactor, pems: dict[str, Path]
    ) -> None:
        private = PrivateCertificate.loadPEM(pems["both"].read_bytes())
        options = CertificateOptions(privateKey=private.privateKey, certificate=private)

        class H2Factory(Factory):
            def acceptableProtocols(self) -> list[bytes]:
                return [b"h2"]

        result(SSL4ServerEndpoint(reactor, 443, options).listen(H2Factory()))
        result(SSL4ServerEndpoint(reactor, 443, options).listen(Factory()))
        withALPN, plain = reactor.calls[0][1][2], reactor.calls[1][1][2]
        assert plain is options.getContext()
        assert withALPN is not plain


class TestServerFromString:
    def test_tcp(self, reactor: FakeReactor) -> None:
        endpoint = serverFromString(reactor, "tcp:80:interface=127.0.0.1:backlog=9")
        assert type(endpoint) is TCP4ServerEndpoint
        result(endpoint.listen(Factory()))
        assert reactor.calls[0][1][0] == 80
        assert reactor.calls[0][2] == {"backlog": 9, "interface": "127.0.0.1"}

    def test_tcp6(self, reactor: FakeReactor) -> None:
        endpoint = serverFromString(reactor, r"tcp6:port=81:interface=\:\:1")
        assert type(endpoint) is TCP6ServerEndpoint
        result(endpoint.listen(Factory()))
        assert reactor.calls[0][2]["interface"] == "::1"

    def test_unix(self, reactor: FakeReactor) -> None:
        endpoint = serverFromString(reactor, "unix:/tmp/x:mode=660:lockfile=0")
        result(endpoint.listen(Factory()))
        assert reactor.calls[0][2] == {"backlog": 50, "mode": 0o660, "wantPID": False}

    def test_ssl(self, reactor: FakeReactor, pems: dict[str, Path]) -> None:
        endpoint = serverFromString(
            reactor, f"ssl:443:privateKey={pems['key']}:certKey={pems['cert']}"
        )
        assert type(endpoint) is SSL4ServerEndpoint
        result(endpoint.listen(Factory()))
        context = reactor.calls[0][1][2]
        assert isinstance(context, ssl.SSLContext)
        assert context.minimum_version >= ssl.TLSVersion.TLSv1_2

    def test_ssl_extra_cert_chain(self, reactor: FakeReactor, pems: dict[str, Path]) -> None:
        endpoint = serverFromString(
            reactor, f"ssl:443:privateKey={pems['both']}:extraCertChain={pems['ca']}"
        )
        assert type(endpoint) is SSL4ServerEndpoint

    def test_ssl_missing_key_file(self, reactor: FakeReactor, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match=r"ssl: cannot read privateKey file '.*nope\.pem'"):
            serverFromString(reactor, f"ssl:443:privateKey={tmp_path / 'nope.pem'}")

    def test_ssl_key_file_without_a_key(self, reactor: FakeReactor, pems: dict[str, Path]) -> None:
        with pytest.raises(ValueError, match=r"ssl: privateKey file .*no PEM PRIVATE KEY"):
            serverFromString(reactor, f"ssl:443:privateKey={pems['cert']}")

    def test_ssl_cert_file_without_a_certificate(
        self, reactor: FakeReactor, pems: dict[str, Path]
    ) -> None:
        with pytest.raises(ValueError, match=r"ssl: certKey file .* holds no PEM certificate"):
            serverFromString(reactor, f"ssl:443:privateKey={pems['key']}:certKey={pems['key']}")

    def test_ssl_key_not_matching_certificate(
        self, reactor: FakeReactor, pems: dict[str, Path]
    ) -> None:
        with pytest.raises(ValueError, match=r"ssl: cannot use privateKey .* with certKey"):
            serverFromString(
                reactor, f"ssl:443:privateKey={pems['otherKey']}:certKey={pems['cert']}"
            )

    def test_ssl_bad_method(self, reactor: FakeReactor, pems: dict[str, Path]) -> None:
        with pytest.raises(ValueError, match="sslmethod TLSv1_METHOD is insecure"):
            serverFromString(reactor, f"ssl:443:privateKey={pems['both']}:sslmethod=TLSv1_METHOD")

    def test_grammar_errors_come_through(self, reactor: FakeReactor) -> None:
        with pytest.raises(ValueError, match="write 'tcp:8080'"):
            serverFromString(reactor, "8080")


class TestClientFromString:
    def test_tcp(self, reactor: FakeReactor) -> None:
        endpoint = clientFromString(reactor, "tcp:host=example.com:port=80:bindAddress=10.0.0.1")
        assert type(endpoint) is TCP4ClientEndpoint
        assert IStreamClientEndpoint.providedBy(endpoint)
        endpoint.connect(Factory())
        name, args, kwargs = reactor.calls[0]
        assert (name, args[:2]) == ("connectTCP", ("example.com", 80))
        assert kwargs == {"timeout": 30.0, "bindAddress": ("10.0.0.1", 0)}

    def test_tcp6(self, reactor: FakeReactor) -> None:
        endpoint = clientFromString(reactor, r"tcp6:\:\:1:80:timeout=2")
        assert type(endpoint) is TCP6ClientEndpoint
        endpoint.connect(Factory())
        assert reactor.calls[0][1][0] == "::1"
        assert reactor.calls[0][2]["timeout"] == 2.0

    def test_unix(self, reactor: FakeReactor) -> None:
        clientFromString(reactor, "unix:path=/tmp/s:checkPID=1").connect(Factory())
        name, args, kwargs = reactor.calls[0]
        assert (name, args[0], kwargs) == (
            "connectUNIX",
            "/tmp/s",
            {"timeout": 30.0, "checkPID": True},
        )

    def test_ssl_with_hostname_verifies(self, reactor: FakeReactor, pems: dict[str, Path]) -> None:
        endpoint = clientFromString(
            reactor,
            f"ssl:host=127.0.0.1:port=443:hostname=localhost:caCertsDir={pems['ca'].parent}",
        )
        assert type(endpoint) is SSL4ClientEndpoint
        endpoint.connect(Factory())
        context = reactor.calls[0][1][3]
        assert context.check_hostname
        assert context.verify_mode == ssl.CERT_REQUIRED

    def test_ssl_without_hostname_or_cas_does_not_verify(self, reactor: FakeReactor) -> None:
        clientFromString(reactor, "ssl:localhost:443").connect(Factory())
        context = reactor.calls[0][1][3]
        assert context.verify_mode == ssl.CERT_NONE
        assert not context.check_hostname

    def test_ssl_with_client_certificate(
        self, reactor: FakeReactor, pems: dict[str, Path]
    ) -> None:
        clientFromString(reactor, f"ssl:localhost:443:certKey={pems['both']}").connect(Factory())
        assert isinstance(reactor.calls[0][1][3], ssl.SSLContext)

    def test_tls_verifies_the_host_against_the_platform_by_default(
        self, reactor: FakeReactor
    ) -> None:
        endpoint = clientFromString(reactor, "tls:example.com:443:timeout=5")
        assert type(endpoint) is SSL4ClientEndpoint
        endpoint.connect(Factory())
        name, args, kwargs = reactor.calls[0]
        assert (name, args[:2], kwargs["timeout"]) == ("connectSSL", ("example.com", 443), 5.0)
        assert args[3].check_hostname
        assert args[3].verify_mode == ssl.CERT_REQUIRED

    def test_tls_with_a_client_certificate(
        self, reactor: FakeReactor, pems: dict[str, Path]
    ) -> None:
        description = (
            f"tls:localhost:443:trustRoots={pems['ca']}"
            f":certificate={pems['cert']}:privateKey={pems['key']}"
        )
        clientFromString(reactor, description).connect(Factory())
        assert reactor.calls[0][1][3].check_hostname

    def test_tls_with_a_missing_certificate(self, reactor: FakeReactor, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match=r"tls: bad client certificate or key: .*certificate"):
            clientFromString(reactor, f"tls:localhost:443:certificate={tmp_path / 'x.pem'}")

    def test_ssl_with_a_bad_client_key(self, reactor: FakeReactor, pems: dict[str, Path]) -> None:
        with pytest.raises(ValueError, match="ssl: bad client certificate or key"):
            clientFromString(reactor, f"ssl:localhost:443:certKey={pems['garbage']}")


class TestConnect:
    def connect(self, reactor: FakeReactor, factory: Any) -> tuple[Deferred[Any], Any]:
        d = TCP4ClientEndpoint(reactor, "127.0.0.1", 80).connect(factory)
        return d, reactor.calls[0][1][2]

    def test_fires_with_the_protocol_once_connected(self, reactor: FakeReactor) -> None:
        class Recorder(Protocol):
            def __init__(self) -> None:
                self.events: list[Any] = []

            def connectionMade(self) -> None:
                self.events.append("made")

            def dataReceived(self, data: bytes) -> None:
                self.events.append(data)

            def connectionLost(self, reason: Failure | None = None) -> None:
                self.events.append("lost")

        d, wrapping = self.connect(reactor, Factory.forProtocol(Recorder))
        assert not d.called
        wrapper = wrapping.buildProtocol(None)
        assert not d.called
        transport = object()
        wrapper.makeConnection(transport)
        protocol = result(d)
        assert isinstance(protocol, Recorder)
        assert protocol.transport is transport
        wrapper.dataReceived(b"x")
        wrapper.connectionLost(Failure(error.ConnectionDone()))
        assert protocol.events == ["made", b"x", "lost"]

    def test_failure_is_an_errback(self, reactor: FakeReactor) -> None:
        d, wrapping = self.connect(reactor, Factory.forProtocol(Protocol))
        wrapping.clientConnectionFailed(None, Failure(error.ConnectionRefusedError()))
        assert failure(d).check(error.ConnectionRefusedError)

    def test_cancel_stops_the_connector(self, reactor: FakeReactor) -> None:
        d, wrapping = self.connect(reactor, Factory.forProtocol(Protocol))
        connector = wrapping._connector
        d.cancel()
        assert connector.stopped
        assert failure(d).check(CancelledError)
        # The connector's own report of the aborted attempt changes nothing.
        wrapping.clientConnectionFailed(connector, Failure(error.UserError()))

    def test_build_protocol_raising_is_an_errback(self, reactor: FakeReactor) -> None:
        class Broken(Factory):
            def buildProtocol(self, addr: Any) -> Any:
                raise ZeroDivisionError

        d, wrapping = self.connect(reactor, Broken())
        assert wrapping.buildProtocol(None) is None
        assert failure(d).check(ZeroDivisionError)

    def test_asyncio_protocols_pass_through(self, reactor: FakeReactor) -> None:
        class Raw(asyncio.Protocol):
            pass

        mine = Raw()
        d, wrapping = self.connect(reactor, Factory.forProtocol(lambda: mine))
        assert wrapping.buildProtocol(None) is mine
        assert result(d) is mine

    def test_reactor_raising_is_an_errback(self, reactor: FakeReactor) -> None:
        reactor.fail = OSError("no")
        d = UNIXClientEndpoint(reactor, "/tmp/x").connect(Factory())
        assert failure(d).check(OSError)

    def test_user_factory_is_started_and_stopped(self, reactor: FakeReactor) -> None:
        factory = Factory.forProtocol(Protocol)
        d, wrapping = self.connect(reactor, factory)
        assert factory.numPorts == 1
        wrapping.doStop()
        assert factory.numPorts == 0
        d.cancel()
        failure(d)

    def test_connect_protocol_uses_the_given_instance(self, reactor: FakeReactor) -> None:
        mine = Protocol()
        d = connectProtocol(TCP4ClientEndpoint(reactor, "h", 1), mine)
        wrapping = reactor.calls[0][1][2]
        wrapping.buildProtocol(None).makeConnection(object())
        assert result(d) is mine

    def test_hostname_endpoint_accepts_bytes(self, reactor: FakeReactor) -> None:
        HostnameEndpoint(reactor, b"xn--bcher-kva.example", 80).connect(Factory())
        assert reactor.calls[0][1][0] == "bücher.example"

    def test_ssl_client_gets_a_client_context(self, reactor: FakeReactor) -> None:
        options = CertificateOptions()
        SSL4ClientEndpoint(reactor, "h", 443, options).connect(Factory())
        context = reactor.calls[0][1][3]
        assert context is options.getClientContext()
        assert not context.check_hostname

    def test_ssl_client_with_client_tls_options(self, reactor: FakeReactor) -> None:
        context = ssl.create_default_context()
        SSL4ClientEndpoint(reactor, "h", 443, ClientTLSOptions("h", context)).connect(Factory())
        assert reactor.calls[0][1][3] is context
