"""The zope.interface declarations of plait.internet, named as in ``twisted.internet.interfaces``.

Only the interfaces a web server and its applications touch are declared; each lists the
methods plait's implementations provide.
"""

from __future__ import annotations

from typing import Any

from zope.interface import Attribute, Interface

__all__ = [
    "IAddress",
    "IConsumer",
    "IDelayedCall",
    "IHalfCloseableProtocol",
    "IListeningPort",
    "IProducer",
    "IProtocol",
    "IProtocolFactory",
    "IPullProducer",
    "IPushProducer",
    "IReactorCore",
    "IReactorPluggableResolver",
    "IReactorSSL",
    "IReactorTCP",
    "IReactorThreads",
    "IReactorTime",
    "IReactorUNIX",
    "ISSLTransport",
    "IStreamClientEndpoint",
    "IStreamServerEndpoint",
    "ITCPTransport",
    "ITransport",
    "IUNIXTransport",
]


class IAddress(Interface):
    """An address, e.g. a TCP (host, port) pair or a UNIX socket path."""


class IDelayedCall(Interface):
    """A call scheduled with ``IReactorTime.callLater``."""

    def getTime() -> float:
        """When the call will run, in the reactor's ``seconds()`` time."""

    def cancel() -> None:
        """Unschedule the call; raises AlreadyCalled or AlreadyCancelled if too late."""

    def delay(secondsLater: float) -> None:
        """Postpone the call by ``secondsLater`` seconds."""

    def reset(secondsFromNow: float) -> None:
        """Reschedule the call to run ``secondsFromNow`` seconds from now."""

    def active() -> bool:
        """True while the call has neither run nor been cancelled."""


class IReactorTime(Interface):
    """Time-based scheduling."""

    def seconds() -> float:
        """The current time, in seconds."""

    def callLater(delay: float, callable: Any, *args: Any, **kw: Any) -> IDelayedCall:
        """Call ``callable(*args, **kw)`` after ``delay`` seconds."""

    def getDelayedCalls() -> list[IDelayedCall]:
        """Every delayed call that is scheduled and has not run."""


class IReactorCore(Interface):
    """The reactor's life cycle: run, stop, system event triggers."""

    running = Attribute("True from startup until shutdown has finished.")

    def resolve(name: str, timeout: Any = None) -> Any:
        """Resolve a host name to an IP address string; returns a Deferred."""

    def run() -> None:
        """Fire startup triggers, then run the event loop until ``stop()``."""

    def stop() -> None:
        """Fire shutdown triggers, then stop the event loop."""

    def crash() -> None:
        """Stop the event loop at once, without firing shutdown triggers."""

    def iterate(delay: float = 0) -> None:
        """Run one iteration of the event loop."""

    def fireSystemEvent(eventType: str) -> None:
        """Fire the before, during and after phases of a system event."""

    def addSystemEventTrigger(
        phase: str, eventType: str, callable: Any, *args: Any, **kw: Any
    ) -> Any:
        """Call ``callable`` in ``phase`` of system event ``eventType``; returns an id."""

    def removeSystemEventTrigger(triggerID: Any) -> None:
        """Remove a trigger added with addSystemEventTrigger."""

    def callWhenRunning(callable: Any, *args: Any, **kw: Any) -> Any:
        """Call ``callable`` now if the reactor is running, else when it starts."""


class IReactorPluggableResolver(Interface):
    """A reactor whose host name resolver can be replaced."""

    def installResolver(resolver: Any) -> Any:
        """Install ``resolver``; returns the previous one."""


class IReactorTCP(Interface):
    """TCP servers and clients."""

    def listenTCP(port: int, factory: Any, backlog: int = 50, interface: str = "") -> Any:
        """Listen on a TCP port; raises CannotListenError if it cannot."""

    def connectTCP(
        host: str, port: int, factory: Any, timeout: float = 30, bindAddress: Any = None
    ) -> Any:
        """Connect to a TCP server; returns a connector."""


class IReactorSSL(Interface):
    """TLS servers and clients."""

    def listenSSL(
        port: int, factory: Any, contextFactory: Any, backlog: int = 50, interface: str = ""
    ) -> Any:
        """Listen for TLS connections on a TCP port."""

    def connectSSL(
        host: str,
        port: int,
        factory: Any,
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: Any = None,
    ) -> Any:
        """Connect to a TLS server; returns a connector."""


class IReactorUNIX(Interface):
    """UNIX socket servers and clients."""

    def listenUNIX(
        address: str, factory: Any, backlog: int = 50, mode: int = 0o666, wantPID: bool = False
    ) -> Any:
        """Listen on a UNIX socket path."""

    def connectUNIX(
        address: str, factory: Any, timeout: float = 30, checkPID: bool = False
    ) -> Any:
        """Connect to a UNIX socket path; returns a connector."""


class IReactorThreads(Interface):
    """Running code in threads, and calling back into the reactor from them."""

    def getThreadPool() -> Any:
        """The reactor's thread pool, created on first use."""

    def callInThread(callable: Any, *args: Any, **kwargs: Any) -> None:
        """Run ``callable`` in a thread of the reactor's pool."""

    def callFromThread(callable: Any, *args: Any, **kwargs: Any) -> None:
        """Thread-safely schedule ``callable`` to run in the reactor's thread."""

    def suggestThreadPoolSize(size: int) -> None:
        """Suggest the maximum size of the reactor's thread pool."""


class IListeningPort(Interface):
    """A listening port."""

    def startListening() -> None:
        """Start listening; raises CannotListenError if the port cannot be bound."""

    def stopListening() -> Any:
        """Stop listening; returns a Deferred fired once the port is closed."""

    def getHost() -> IAddress:
        """The address this port listens on."""


class IConsumer(Interface):
    """A consumer of data written by a producer."""

    def registerProducer(producer: Any, streaming: bool) -> None:
        """Register a push (``streaming=True``) or pull producer."""

    def unregisterProducer() -> None:
        """Stop consuming from the registered producer."""

    def write(data: bytes) -> None:
        """Consume some bytes."""


class IProducer(Interface):
    """A producer of data for a consumer."""

    def stopProducing() -> None:
        """Stop producing for good."""


class IPushProducer(IProducer):
    """A producer that writes on its own until told to pause."""

    def pauseProducing() -> None:
        """Stop writing until resumeProducing is called."""

    def resumeProducing() -> None:
        """Start writing again."""


class IPullProducer(IProducer):
    """A producer that writes once each time the consumer asks."""

    def resumeProducing() -> None:
        """Write some more data to the consumer."""


class ITransport(Interface):
    """A byte-stream connection, as seen by its protocol."""

    def write(data: bytes) -> None:
        """Write bytes to the peer, buffering if needed; never blocks."""

    def writeSequence(data: Any) -> None:
        """Write an iterable of bytes."""

    def loseConnection() -> None:
        """Close the connection once the write buffer has been flushed."""

    def getPeer() -> IAddress:
        """The remote address."""

    def getHost() -> IAddress:
        """The local address."""


class ITCPTransport(ITransport):
    """A TCP connection: a transport that is also a consumer and a push producer."""

    def abortConnection() -> None:
        """Close the connection at once, discarding buffered data."""

    def getTcpNoDelay() -> bool:
        """Whether Nagle's algorithm is disabled."""

    def setTcpNoDelay(enabled: bool) -> None:
        """Disable (True) or enable Nagle's algorithm."""

    def getTcpKeepAlive() -> bool:
        """Whether TCP keepalive is on."""

    def setTcpKeepAlive(enabled: bool) -> None:
        """Turn TCP keepalive on or off."""


class IUNIXTransport(ITransport):
    """A UNIX socket connection."""


class ISSLTransport(ITCPTransport):
    """A TLS connection."""

    def getPeerCertificate() -> Any:
        """The peer's certificate (a dict, as ``ssl.SSLSocket.getpeercert`` gives)."""


class IProtocol(Interface):
    """The handler of one byte-stream connection."""

    def makeConnection(transport: Any) -> None:
        """Attach the transport and call connectionMade."""

    def connectionMade() -> None:
        """The connection is up."""

    def dataReceived(data: bytes) -> None:
        """Bytes arrived."""

    def connectionLost(reason: Any) -> None:
        """The connection is gone; ``reason`` is a Failure."""


class IHalfCloseableProtocol(Interface):
    """A protocol that can keep writing after the peer has stopped writing."""

    def readConnectionLost() -> None:
        """The peer will send no more data."""

    def writeConnectionLost() -> None:
        """This side can send no more data."""


class IProtocolFactory(Interface):
    """Builds one protocol per connection."""

    def buildProtocol(addr: IAddress) -> Any:
        """A protocol for a connection with ``addr``, or None to refuse it."""

    def doStart() -> None:
        """Called before the factory's first port or connector starts."""

    def doStop() -> None:
        """Called after its last port or connector stops."""


class IStreamServerEndpoint(Interface):
    """Where a stream server listens."""

    def listen(protocolFactory: Any) -> Any:
        """Start listening; returns a Deferred firing with an IListeningPort."""


class IStreamClientEndpoint(Interface):
    """Where a stream client connects."""

    def connect(protocolFactory: Any) -> Any:
        """Connect; returns a Deferred firing with the connected protocol."""
