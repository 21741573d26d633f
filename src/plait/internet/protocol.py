"""Twisted's stream protocol and factory classes: Protocol, Factory, ClientFactory.

A factory's ``buildProtocol`` may return either one of these Twisted-style protocols (the
reactor wraps it in an adapter and gives it an ITCPTransport) or an ``asyncio.BaseProtocol``
(the reactor hands it the raw asyncio transport and steps out of the way).
"""

from __future__ import annotations

import contextlib
import logging
import random
from typing import TYPE_CHECKING, Any

from zope.interface import implementer

from plait.internet import error
from plait.internet.interfaces import IProtocol, IProtocolFactory
from plait.python.failure import Failure

if TYPE_CHECKING:
    from plait.internet.interfaces import IAddress

__all__ = [
    "BaseProtocol",
    "ClientFactory",
    "Factory",
    "Protocol",
    "ReconnectingClientFactory",
    "ServerFactory",
    "connectionDone",
]

_log = logging.getLogger("plait.internet.protocol")

connectionDone: Failure = Failure(error.ConnectionDone())
"""The reason given to ``connectionLost`` when a connection closed cleanly."""


class BaseProtocol:
    """The connection-lifecycle half of a protocol: a transport and ``connectionMade``."""

    connected: int = 0
    transport: Any = None

    def makeConnection(self, transport: Any) -> None:
        """Attach ``transport`` and call connectionMade."""
        self.connected = 1
        self.transport = transport
        self.connectionMade()

    def connectionMade(self) -> None:
        """Called once the connection is up; override to start talking."""


@implementer(IProtocol)
class Protocol(BaseProtocol):
    """A stream protocol: override dataReceived and connectionLost."""

    factory: Any = None

    def logPrefix(self) -> str:
        """A short name for this protocol in log lines."""
        return self.__class__.__name__

    def dataReceived(self, data: bytes) -> None:
        """Called with each chunk of bytes received; chunks follow no message boundary."""

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Called when the connection is closed; ``reason`` says why."""


@implementer(IProtocolFactory)
class Factory:
    """Builds a protocol (of class ``protocol``) for each connection."""

    protocol: Any = None
    noisy: bool = True
    numPorts: int = 0

    @classmethod
    def forProtocol(cls, protocol: Any, *args: Any, **kwargs: Any) -> Factory:
        """A factory of this class, built with ``*args, **kwargs``, that makes ``protocol``."""
        factory = cls(*args, **kwargs)
        factory.protocol = protocol
        return factory

    def logPrefix(self) -> str:
        """A short name for this factory in log lines."""
        return self.__class__.__name__

    def doStart(self) -> None:
        """Count one more port or connector; the first one calls startFactory."""
        if not self.numPorts:
            if self.noisy:
                _log.info("Starting factory %r", self)
            self.startFactory()
        self.numPorts += 1

    def doStop(self) -> None:
        """Count one port or connector fewer; the last one calls stopFactory."""
        if self.numPorts == 0:
            return
        self.numPorts -= 1
        if not self.numPorts:
            if self.noisy:
                _log.info("Stopping factory %r", self)
            self.stopFactory()

    def startFactory(self) -> None:
        """Called before the first port or connector uses this factory."""

    def stopFactory(self) -> None:
        """Called after the last port or connector using this factory stopped."""

    def buildProtocol(self, addr: IAddress) -> Any:
        """Make a protocol for a connection with ``addr`` (None refuses the connection)."""
        p = self.protocol()
        p.factory = self
        return p


class ServerFactory(Factory):
    """A factory for server-side protocols."""


class ClientFactory(Factory):
    """A factory for client connections, told how each attempt went."""

    def startedConnecting(self, connector: Any) -> None:
        """A connection attempt started; ``connector.stopConnecting()`` aborts it."""

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        """A connection attempt failed; ``connector.connect()`` would try again."""

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        """An established connection was lost; ``connector.connect()`` would reconnect."""


class ReconnectingClientFactory(ClientFactory):
    """A client factory that reconnects with exponential back-off and jitter."""

    maxDelay: float = 3600
    initialDelay: float = 1.0
    factor: float = 2.7182818284590451
    jitter: float = 0.11962656472
    delay: float = initialDelay
    retries: int = 0
    maxRetries: int | None = None
    _callID: Any = None
    connector: Any = None
    clock: Any = None
    continueTrying: bool = True

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        """Retry after a back-off delay."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def clientConnectionLost(self, connector: Any, unused_reason: Failure) -> None:
        """Reconnect after a back-off delay."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def retry(self, connector: Any = None) -> None:
        """Schedule the next connection attempt, growing the delay."""
        if not self.continueTrying:
            return
        if connector is None:
            if self.connector is None:
                raise ValueError("no connector to retry")
            connector = self.connector
        self.retries += 1
        if self.maxRetries is not None and self.retries > self.maxRetries:
            return
        self.delay = min(self.delay * self.factor, self.maxDelay)
        if self.jitter:
            self.delay = random.normalvariate(self.delay, self.delay * self.jitter)
        clock = self.clock
        if clock is None:
            from plait.internet import reactor as clock

        def reconnect() -> None:
            self._callID = None
            connector.connect()

        self._callID = clock.callLater(self.delay, reconnect)

    def stopTrying(self) -> None:
        """Stop reconnecting, and abort a pending attempt."""
        if self._callID is not None:
            self._callID.cancel()
            self._callID = None
        self.continueTrying = False
        if self.connector is not None:
            with contextlib.suppress(error.NotConnectingError):
                self.connector.stopConnecting()

    def resetDelay(self) -> None:
        """Reset the back-off: call this once a connection succeeded."""
        self.delay = self.initialDelay
        self.retries = 0
        self._callID = None
        self.continueTrying = True
