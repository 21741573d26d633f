"""Endpoints: where to listen and what to connect to, as objects and as strings.

A server endpoint's ``listen(factory)`` returns a Deferred that fires with the
listening port, or fails (with ``CannotListenError`` when the address is
taken) instead of raising. A client endpoint's ``connect(factory)`` returns a
Deferred that fires with the connected protocol, fails with the reason the
connection could not be made, and can be cancelled while connecting.

:func:`serverFromString` and :func:`clientFromString` build endpoints from
descriptions such as ``tcp:8080:interface=127.0.0.1`` (the grammar is in
:mod:`plait.internet._strports`). Every endpoint takes the reactor as its first
argument, as in Twisted.
"""

from __future__ import annotations

import asyncio
import ssl as _stdssl
from typing import Any

from zope.interface import implementer

from plait.internet import error
from plait.internet._ports import sslContextOf
from plait.internet._strports import (
    SSLClientSpec,
    SSLServerSpec,
    TCPClientSpec,
    TCPServerSpec,
    TLSClientSpec,
    UNIXClientSpec,
    parseClient,
    parseServer,
)
from plait.internet.defer import CancelledError, Deferred, execute
from plait.internet.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from plait.internet.protocol import ClientFactory, Factory, Protocol, connectionDone
from plait.internet.ssl import (
    Certificate,
    CertificateOptions,
    DiffieHellmanParameters,
    KeyPair,
    PrivateCertificate,
    optionsForClientTLS,
)
from plait.python.failure import Failure

__all__ = [
    "HostnameEndpoint",
    "SSL4ClientEndpoint",
    "SSL4ServerEndpoint",
    "TCP4ClientEndpoint",
    "TCP4ServerEndpoint",
    "TCP6ClientEndpoint",
    "TCP6ServerEndpoint",
    "UNIXClientEndpoint",
    "UNIXServerEndpoint",
    "clientFromString",
    "connectProtocol",
    "serverFromString",
]


def _offeredProtocols(factory: Any) -> list[bytes]:
    """The ALPN protocols a factory asks for (``Site`` offers h2 this way)."""
    acceptableProtocols = getattr(factory, "acceptableProtocols", None)
    return list(acceptableProtocols()) if callable(acceptableProtocols) else []


def _serverContext(contextFactory: Any, factory: Any) -> _stdssl.SSLContext:
    """The server context to listen with, offering the factory's ALPN protocols first."""
    protocols = _offeredProtocols(factory)
    if isinstance(contextFactory, CertificateOptions):
        if protocols:
            return contextFactory._newServerContext(protocols)
        return contextFactory.getContext()
    context = sslContextOf(contextFactory)
    if protocols:
        # The standard library keeps ALPN on the context, not the connection:
        # a context shared by several endpoints gets the last factory's list.
        context.set_alpn_protocols([p.decode("ascii") for p in protocols])
    return context


def _clientContext(contextFactory: Any) -> _stdssl.SSLContext:
    """The client context to connect with; CertificateOptions give their client side."""
    if isinstance(contextFactory, CertificateOptions):
        return contextFactory.getClientContext()
    return sslContextOf(contextFactory)


@implementer(IStreamServerEndpoint)
class TCP4ServerEndpoint:
    """Listen on a TCP port of an IPv4 interface (all of them by default)."""

    _defaultInterface = ""

    def __init__(
        self, reactor: Any, port: int, backlog: int = 50, interface: str | None = None
    ) -> None:
        self._reactor = reactor
        self._port = port
        self._backlog = backlog
        self._interface = self._defaultInterface if interface is None else interface

    def listen(self, protocolFactory: Any) -> Deferred[Any]:
        """Start listening; fires with the listening port."""
        return execute(
            self._reactor.listenTCP,
            self._port,
            protocolFactory,
            backlog=self._backlog,
            interface=self._interface,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._interface or '*'}:{self._port}>"


class TCP6ServerEndpoint(TCP4ServerEndpoint):
    """Listen on a TCP port of an IPv6 interface (all of them, ``::``, by default)."""

    _defaultInterface = "::"


@implementer(IStreamServerEndpoint)
class SSL4ServerEndpoint:
    """Listen on a TCP port and speak TLS with the given context factory.

    ``sslContextFactory`` is an :class:`ssl.SSLContext` or has ``getContext()``
    returning one (e.g. :class:`~plait.internet.ssl.CertificateOptions`). The
    ALPN protocols of a factory with ``acceptableProtocols()`` are offered
    before the context factory's own.
    """

    def __init__(
        self,
        reactor: Any,
        port: int,
        sslContextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> None:
        self._reactor = reactor
        self._port = port
        self._sslContextFactory = sslContextFactory
        self._backlog = backlog
        self._interface = interface

    def listen(self, protocolFactory: Any) -> Deferred[Any]:
        """Start listening; fires with the listening port."""

        def listenSSL() -> Any:
            context = _serverContext(self._sslContextFactory, protocolFactory)
            return self._reactor.listenSSL(
                self._port,
                protocolFactory,
                context,
                backlog=self._backlog,
                interface=self._interface,
            )

        return execute(listenSSL)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._interface or '*'}:{self._port}>"


@implementer(IStreamServerEndpoint)
class UNIXServerEndpoint:
    """Listen on a UNIX socket path, created with the given permission ``mode``."""

    def __init__(
        self,
        reactor: Any,
        address: str,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: int | bool = 0,
    ) -> None:
        self._reactor = reactor
        self._address = address
        self._backlog = backlog
        self._mode = mode
        self._wantPID = bool(wantPID)

    def listen(self, protocolFactory: Any) -> Deferred[Any]:
        """Start listening; fires with the listening port."""
        return execute(
            self._reactor.listenUNIX,
            self._address,
            protocolFactory,
            backlog=self._backlog,
            mode=self._mode,
            wantPID=self._wantPID,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._address!r}>"


class _WrappingProtocol(Protocol):
    """Stands between the transport and the user's protocol to tell when it connected."""

    def __init__(self, connected: Deferred[Any], wrapped: Any) -> None:
        self._connected = connected
        self._wrapped = wrapped

    def makeConnection(self, transport: Any) -> None:
        """Connect the user's protocol, then fire the endpoint's Deferred with it."""
        super().makeConnection(transport)
        self._wrapped.makeConnection(transport)
        self._connected.callback(self._wrapped)

    def dataReceived(self, data: bytes) -> None:
        """Pass bytes to the user's protocol."""
        self._wrapped.dataReceived(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Pass the end of the connection to the user's protocol."""
        self._wrapped.connectionLost(reason)


class _WrappingFactory(ClientFactory):
    """Turns a connector's callbacks into the result of one ``connect()`` call."""

    def __init__(self, wrappedFactory: Any) -> None:
        self._wrappedFactory = wrappedFactory
        self._connector: Any = None
        self._connected: Deferred[Any] = Deferred(canceller=self._cancel)

    def _cancel(self, d: Deferred[Any]) -> None:
        d.errback(CancelledError("connection attempt cancelled"))
        if self._connector is not None and self._connector.state == "connecting":
            self._connector.stopConnecting()

    def startFactory(self) -> None:
        """Start the user's factory too."""
        self._wrappedFactory.doStart()

    def stopFactory(self) -> None:
        """Stop the user's factory too."""
        self._wrappedFactory.doStop()

    def startedConnecting(self, connector: Any) -> None:
        """Remember the connector, so the attempt can be cancelled."""
        self._connector = connector

    def buildProtocol(self, addr: Any) -> Any:
        """Build the user's protocol, wrapped so its connection fires the Deferred."""
        try:
            protocol = self._wrappedFactory.buildProtocol(addr)
            if protocol is None:
                raise error.ConnectError(string="the factory's buildProtocol returned None")
        except BaseException:
            self._connected.errback(Failure())
            return None
        if isinstance(protocol, asyncio.BaseProtocol):
            # The reactor hands asyncio protocols the raw transport right away.
            self._connected.callback(protocol)
            return protocol
        return _WrappingProtocol(self._connected, protocol)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        """Fail the Deferred with the reason, unless it was cancelled."""
        if not self._connected.called:
            self._connected.errback(reason)


class _ClientEndpoint:
    """What every client endpoint shares: wrap the factory, start the connector."""

    def connect(self, protocolFactory: Any) -> Deferred[Any]:
        """Connect; fires with the protocol once the connection is up."""
        wrapping = _WrappingFactory(protocolFactory)
        try:
            self._startConnecting(wrapping)
        except BaseException:
            wrapping._connected.errback(Failure())
        return wrapping._connected

    def _startConnecting(self, factory: ClientFactory) -> Any:
        raise NotImplementedError


@implementer(IStreamClientEndpoint)
class TCP4ClientEndpoint(_ClientEndpoint):
    """Connect to a TCP port of a host."""

    def __init__(
        self,
        reactor: Any,
        host: str,
        port: int,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> None:
        self._reactor = reactor
        self._host = host
        self._port = port
        self._timeout = timeout
        self._bindAddress = bindAddress

    def _startConnecting(self, factory: ClientFactory) -> Any:
        return self._reactor.connectTCP(
            self._host,
            self._port,
            factory,
            timeout=self._timeout,
            bindAddress=self._bindAddress,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._host}:{self._port}>"


class TCP6ClientEndpoint(TCP4ClientEndpoint):
    """Connect to a TCP port of an IPv6 host."""


class HostnameEndpoint(TCP4ClientEndpoint):
    """Connect to a host by name, trying each address it resolves to (IPv4 and IPv6).

    Resolution and the attempts are the event loop's (``create_connection``):
    addresses are tried in the order the resolver gives them.
    """

    def __init__(
        self,
        reactor: Any,
        host: str | bytes,
        port: int,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> None:
        if isinstance(host, bytes):
            host = host.decode("idna")
        super().__init__(reactor, host, port, timeout, bindAddress)


@implementer(IStreamClientEndpoint)
class SSL4ClientEndpoint(_ClientEndpoint):
    """Connect to a TCP port of a host and speak TLS.

    ``sslContextFactory`` is an :class:`ssl.SSLContext`, the result of
    :func:`~plait.internet.ssl.optionsForClientTLS`, a
    :class:`~plait.internet.ssl.CertificateOptions` (its client side is
    used) or any object whose ``getContext()`` returns a client context.
    """

    def __init__(
        self,
        reactor: Any,
        host: str,
        port: int,
        sslContextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> None:
        self._reactor = reactor
        self._host = host
        self._port = port
        self._sslContextFactory = sslContextFactory
        self._timeout = timeout
        self._bindAddress = bindAddress

    def _startConnecting(self, factory: ClientFactory) -> Any:
        return self._reactor.connectSSL(
            self._host,
            self._port,
            factory,
            _clientContext(self._sslContextFactory),
            timeout=self._timeout,
            bindAddress=self._bindAddress,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._host}:{self._port}>"


@implementer(IStreamClientEndpoint)
class UNIXClientEndpoint(_ClientEndpoint):
    """Connect to a UNIX socket path."""

    def __init__(
        self, reactor: Any, path: str, timeout: float = 30, checkPID: int | bool = 0
    ) -> None:
        self._reactor = reactor
        self._path = path
        self._timeout = timeout
        self._checkPID = bool(checkPID)

    def _startConnecting(self, factory: ClientFactory) -> Any:
        return self._reactor.connectUNIX(
            self._path, factory, timeout=self._timeout, checkPID=self._checkPID
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path!r}>"


class _OneShotFactory(Factory):
    """Gives out one ready-made protocol."""

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol

    def buildProtocol(self, addr: Any) -> Any:
        """The protocol given to :func:`connectProtocol`."""
        return self._protocol


def connectProtocol(endpoint: Any, protocol: Any) -> Deferred[Any]:
    """Connect ``endpoint`` to an already-built protocol; fires with that protocol."""
    result: Deferred[Any] = endpoint.connect(_OneShotFactory(protocol))
    return result


def _read(kind: str, keyword: str, path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"{kind}: cannot read {keyword} file {path!r}: {e.strerror}") from None


def _certificatesIn(kind: str, keyword: str, path: str) -> list[Certificate]:
    certificates = Certificate.loadAll(_read(kind, keyword, path))
    if not certificates:
        raise ValueError(f"{kind}: {keyword} file {path!r} holds no PEM certificate")
    return certificates


def _sslServerOptions(spec: SSLServerSpec) -> CertificateOptions:
    try:
        key = KeyPair.load(_read("ssl", "privateKey", spec.privateKey))
    except ValueError as e:
        raise ValueError(f"ssl: privateKey file {spec.privateKey!r}: {e}") from None
    leaf, *chain = _certificatesIn("ssl", "certKey", spec.certKey)
    if spec.extraCertChain:
        chain += _certificatesIn("ssl", "extraCertChain", spec.extraCertChain)
    options = CertificateOptions(
        privateKey=key,
        certificate=leaf,
        extraCertChain=chain,
        method=spec.sslmethod,
        dhParameters=(
            DiffieHellmanParameters.fromFile(spec.dhParameters) if spec.dhParameters else None
        ),
    )
    try:
        # Build now, so a key that does not match its certificate is reported here.
        options.getContext()
    except (_stdssl.SSLError, OSError) as e:
        raise ValueError(
            f"ssl: cannot use privateKey {spec.privateKey!r} with certKey {spec.certKey!r}: {e}"
        ) from None
    return options


def serverFromString(reactor: Any, description: str) -> Any:
    r"""A server endpoint from a description such as ``tcp:8080:interface=127.0.0.1``.

    Types: ``tcp:PORT``, ``tcp6:PORT``, ``ssl:PORT:privateKey=K[:certKey=C]``,
    ``unix:PATH[:mode=660]``. ``\`` escapes ``:`` and ``=``. A malformed
    description raises :class:`ValueError` naming the part that is wrong.
    """
    spec = parseServer(description)
    if isinstance(spec, TCPServerSpec):
        endpointType = TCP6ServerEndpoint if spec.ipv6 else TCP4ServerEndpoint
        return endpointType(reactor, spec.port, spec.backlog, spec.interface)
    if isinstance(spec, SSLServerSpec):
        options = _sslServerOptions(spec)
        return SSL4ServerEndpoint(reactor, spec.port, options, spec.backlog, spec.interface)
    return UNIXServerEndpoint(reactor, spec.address, spec.backlog, spec.mode, spec.wantPID)


def _clientCertificate(
    kind: str, certKeyword: str, certPath: str | None, keyPath: str | None
) -> PrivateCertificate | None:
    """A client certificate from a certificate file and a key file (either may hold both)."""
    certPath = certPath or keyPath
    keyPath = keyPath or certPath
    if certPath is None or keyPath is None:
        return None
    try:
        return PrivateCertificate.fromCertificateAndKeyPair(
            _certificatesIn(kind, certKeyword, certPath)[0],
            KeyPair.load(_read(kind, "privateKey", keyPath)),
        )
    except ValueError as e:
        raise ValueError(f"{kind}: bad client certificate or key: {e}") from None


def _sslClientOptions(spec: SSLClientSpec) -> Any:
    clientCertificate = _clientCertificate("ssl", "certKey", spec.certKey, spec.privateKey)
    if spec.hostname is not None:
        return optionsForClientTLS(
            spec.hostname, trustRoot=spec.caCertsDir, clientCertificate=clientCertificate
        )
    # Twisted's rule: without hostname= the server is verified only against
    # caCertsDir, and not at all without it.
    return CertificateOptions(
        privateKey=clientCertificate.privateKey if clientCertificate else None,
        certificate=clientCertificate,
        trustRoot=spec.caCertsDir,
    )


def clientFromString(reactor: Any, description: str) -> Any:
    """A client endpoint from a description such as ``tcp:host=example.com:port=80``.

    Types: ``tcp:HOST:PORT`` (or ``host=``/``port=``, with ``timeout=`` and
    ``bindAddress=``), ``tcp6:``, ``unix:path=PATH``, and
    ``ssl:host=H:port=P[:hostname=N][:caCertsDir=D][:certKey=C:privateKey=K]``
    (verifies the server only against ``caCertsDir``, as in Twisted), and
    ``tls:HOST:PORT[:trustRoots=PATH][:certificate=C:privateKey=K]``, which
    always verifies the host's certificate (against the platform's CAs by
    default) and is the one to prefer.
    """
    spec = parseClient(description)
    if isinstance(spec, TCPClientSpec):
        endpointType = TCP6ClientEndpoint if spec.ipv6 else TCP4ClientEndpoint
        bindAddress = (spec.bindAddress, 0) if spec.bindAddress else None
        return endpointType(reactor, spec.host, spec.port, spec.timeout, bindAddress)
    if isinstance(spec, SSLClientSpec):
        bindAddress = (spec.bindAddress, 0) if spec.bindAddress else None
        return SSL4ClientEndpoint(
            reactor, spec.host, spec.port, _sslClientOptions(spec), spec.timeout, bindAddress
        )
    if isinstance(spec, TLSClientSpec):
        bindAddress = (spec.bindAddress, 0) if spec.bindAddress else None
        options = optionsForClientTLS(
            spec.host,
            trustRoot=spec.trustRoots,
            clientCertificate=_clientCertificate(
                "tls", "certificate", spec.certificate, spec.privateKey
            ),
        )
        return SSL4ClientEndpoint(
            reactor, spec.host, spec.port, options, spec.timeout, bindAddress
        )
    assert isinstance(spec, UNIXClientSpec)
    return UNIXClientEndpoint(reactor, spec.path, spec.timeout, spec.checkPID)
