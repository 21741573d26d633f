"""In-memory transports and a recording reactor, for testing protocols without sockets.

`StringTransport` keeps what a protocol writes (``value()``) and records whether it asked
to close; `MemoryReactor` records ``listenTCP``/``connectTCP`` calls instead of opening
sockets, and `MemoryReactorClock` adds the fake time of `plait.internet.task.Clock`.
"""

from __future__ import annotations

import io
from typing import Any

from zope.interface import implementer

from plait.internet.address import IPv4Address
from plait.internet.interfaces import IConsumer, IPushProducer, ITransport
from plait.internet.task import Clock

__all__ = [
    "MemoryReactor",
    "MemoryReactorClock",
    "StringTransport",
    "StringTransportWithDisconnection",
]


@implementer(ITransport, IConsumer, IPushProducer)
class StringTransport:
    """A transport that writes into memory.

    ``value()`` is everything written so far, ``clear()`` forgets it;
    ``disconnecting`` becomes true when the protocol calls ``loseConnection``;
    ``producerState`` is ``"producing"``, ``"paused"`` or ``"stopped"``.
    """

    disconnecting = False
    producer: Any = None
    streaming: bool | None = None

    def __init__(self, hostAddress: Any = None, peerAddress: Any = None) -> None:
        self.io = io.BytesIO()
        self.hostAddr = hostAddress or IPv4Address("TCP", "10.0.0.1", 12345)
        self.peerAddr = peerAddress or IPv4Address("TCP", "192.168.1.1", 54321)
        self.producerState = "producing"
        self.aborted = False

    def value(self) -> bytes:
        """Everything written so far."""
        return self.io.getvalue()

    def clear(self) -> None:
        """Forget what was written."""
        self.io.seek(0)
        self.io.truncate()

    def write(self, data: bytes) -> None:
        """Record *data* (which must be bytes)."""
        if not isinstance(data, bytes):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        self.io.write(data)

    def writeSequence(self, data: Any) -> None:
        """Record each piece of *data*."""
        for piece in data:
            self.write(piece)

    def loseConnection(self) -> None:
        """Note that the protocol asked to close."""
        self.disconnecting = True

    def abortConnection(self) -> None:
        """Note that the protocol asked to close at once."""
        self.aborted = True
        self.loseConnection()

    def getPeer(self) -> Any:
        """The fake peer address."""
        return self.peerAddr

    def getHost(self) -> Any:
        """The fake local address."""
        return self.hostAddr

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Remember *producer*; a second one is a RuntimeError, as on a real transport."""
        if self.producer is not None:
            raise RuntimeError("Cannot register two producers")
        self.producer = producer
        self.streaming = streaming

    def unregisterProducer(self) -> None:
        """Forget the producer."""
        if self.producer is None:
            raise RuntimeError("Cannot unregister a producer unless one is registered")
        self.producer = None
        self.streaming = None

    def _checkState(self) -> None:
        if self.disconnecting:
            raise RuntimeError("Cannot resume producing after loseConnection")
        if self.producerState == "stopped":
            raise RuntimeError("Cannot resume producing after stopProducing")

    def pauseProducing(self) -> None:
        """Record that reading was paused."""
        self._checkState()
        self.producerState = "paused"

    def resumeProducing(self) -> None:
        """Record that reading was resumed."""
        self._checkState()
        self.producerState = "producing"

    def stopProducing(self) -> None:
        """Record that reading was stopped."""
        self.producerState = "stopped"


class StringTransportWithDisconnection(StringTransport):
    """A `StringTransport` whose ``loseConnection`` tells its protocol the connection is lost."""

    protocol: Any = None

    def loseConnection(self) -> None:
        """Close, and call the protocol's ``connectionLost`` once."""
        if not self.disconnecting:
            self.disconnecting = True
            if self.protocol is not None:
                from plait.internet.error import ConnectionDone
                from plait.python.failure import Failure

                self.protocol.connectionLost(Failure(ConnectionDone("connection done")))


class MemoryReactor:
    """A reactor that records what it is asked to listen to and connect to.

    ``tcpServers`` holds ``(port, factory, backlog, interface)``, ``tcpClients``
    ``(host, port, factory, timeout, bindAddress)``, ``unixServers`` and ``sslServers``
    likewise; ``triggers`` the system event triggers; ``hasRun``/``running`` the life cycle.
    """

    def __init__(self) -> None:
        self.tcpServers: list[tuple[Any, ...]] = []
        self.tcpClients: list[tuple[Any, ...]] = []
        self.sslServers: list[tuple[Any, ...]] = []
        self.sslClients: list[tuple[Any, ...]] = []
        self.unixServers: list[tuple[Any, ...]] = []
        self.unixClients: list[tuple[Any, ...]] = []
        self.triggers: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
        self.whenRunningHooks: list[tuple[Any, ...]] = []
        self.hasRun = False
        self.running = False
        self.hasStopped = False

    def listenTCP(self, port: int, factory: Any, backlog: int = 50, interface: str = "") -> Any:
        """Record the call; return a fake listening port."""
        self.tcpServers.append((port, factory, backlog, interface))
        return _FakePort(IPv4Address("TCP", interface or "0.0.0.0", port or 1234))

    def listenSSL(
        self, port: int, factory: Any, contextFactory: Any, backlog: int = 50, interface: str = ""
    ) -> Any:
        """Record the call; return a fake listening port."""
        self.sslServers.append((port, factory, contextFactory, backlog, interface))
        return _FakePort(IPv4Address("TCP", interface or "0.0.0.0", port or 1234))

    def listenUNIX(self, address: str, factory: Any, backlog: int = 50, mode: int = 0o666,
                   wantPID: bool = False) -> Any:  # fmt: skip
        """Record the call; return a fake listening port."""
        from plait.internet.address import UNIXAddress

        self.unixServers.append((address, factory, backlog, mode, wantPID))
        return _FakePort(UNIXAddress(address))

    def connectTCP(
        self, host: str, port: int, factory: Any, timeout: float = 30, bindAddress: Any = None
    ) -> Any:
        """Record the call; return a fake connector."""
        self.tcpClients.append((host, port, factory, timeout, bindAddress))
        return _FakeConnector(IPv4Address("TCP", host, port))

    def connectSSL(
        self, host: str, port: int, factory: Any, contextFactory: Any, timeout: float = 30,
        bindAddress: Any = None,
    ) -> Any:  # fmt: skip
        """Record the call; return a fake connector."""
        self.sslClients.append((host, port, factory, contextFactory, timeout, bindAddress))
        return _FakeConnector(IPv4Address("TCP", host, port))

    def connectUNIX(self, address: str, factory: Any, timeout: float = 30,
                    checkPID: bool = False) -> Any:  # fmt: skip
        """Record the call; return a fake connector."""
        from plait.internet.address import UNIXAddress

        self.unixClients.append((address, factory, timeout, checkPID))
        return _FakeConnector(UNIXAddress(address))

    def addSystemEventTrigger(
        self, phase: str, eventType: str, callable: Any, *args: Any, **kw: Any
    ) -> tuple[str, str, int]:
        """Record a trigger."""
        phases = self.triggers.setdefault(phase, {})
        entries = phases.setdefault(eventType, [])
        entries.append((callable, args, kw))
        return (phase, eventType, len(entries) - 1)

    def callWhenRunning(self, callable: Any, *args: Any, **kw: Any) -> None:
        """Record a hook to run when the reactor runs."""
        self.whenRunningHooks.append((callable, args, kw))

    def run(self) -> None:
        """Pretend to run: calls the when-running hooks, then returns."""
        self.hasRun = True
        self.running = True
        for f, args, kw in self.whenRunningHooks:
            f(*args, **kw)

    def stop(self) -> None:
        """Pretend to stop."""
        self.running = False
        self.hasStopped = True


class MemoryReactorClock(MemoryReactor, Clock):
    """A `MemoryReactor` with the fake time of `Clock` (``callLater``, ``advance``)."""

    def __init__(self) -> None:
        MemoryReactor.__init__(self)
        Clock.__init__(self)


class _FakePort:
    def __init__(self, address: Any) -> None:
        self._address = address
        self.listening = True

    def getHost(self) -> Any:
        return self._address

    def stopListening(self) -> Any:
        from plait.internet.defer import succeed

        self.listening = False
        return succeed(None)

    loseConnection = stopListening


class _FakeConnector:
    def __init__(self, destination: Any) -> None:
        self._destination = destination
        self.stoppedConnecting = False

    def getDestination(self) -> Any:
        return self._destination

    def stopConnecting(self) -> None:
        self.stoppedConnecting = True

    def disconnect(self) -> None:
        self.stoppedConnecting = True

    def connect(self) -> None:
        self.stoppedConnecting = False
