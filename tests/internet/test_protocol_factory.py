"""plait.internet.protocol: Protocol, Factory, ClientFactory, ReconnectingClientFactory."""

from __future__ import annotations

from typing import Any

import pytest

from plait.internet import error
from plait.internet.address import IPv4Address
from plait.internet.interfaces import IProtocol, IProtocolFactory
from plait.internet.protocol import (
    ClientFactory,
    Factory,
    Protocol,
    ReconnectingClientFactory,
    connectionDone,
)
from plait.internet.task import Clock
from plait.python.failure import Failure


class Recorder(Protocol):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def connectionMade(self) -> None:
        self.events.append("made")


def test_makeConnection_sets_transport_and_calls_connectionMade() -> None:
    p = Recorder()
    assert IProtocol.providedBy(p)
    transport = object()
    p.makeConnection(transport)
    assert p.transport is transport
    assert p.connected
    assert p.events == ["made"]


def test_connectionDone_is_a_clean_close() -> None:
    assert isinstance(connectionDone, Failure)
    assert connectionDone.check(error.ConnectionDone)


def test_forProtocol_builds_with_factory_attribute() -> None:
    factory = Factory.forProtocol(Recorder)
    assert IProtocolFactory.providedBy(factory)
    assert factory.protocol is Recorder
    p = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))
    assert isinstance(p, Recorder)
    assert p.factory is factory


def test_forProtocol_passes_arguments() -> None:
    class Configured(Factory):
        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

    factory = Configured.forProtocol(Recorder, "hi")
    assert isinstance(factory, Configured)
    assert factory.greeting == "hi"


def test_doStart_doStop_count_ports() -> None:
    calls: list[str] = []

    class Counting(Factory):
        noisy = False

        def startFactory(self) -> None:
            calls.append("start")

        def stopFactory(self) -> None:
            calls.append("stop")

    f = Counting()
    f.doStart()
    f.doStart()
    f.doStop()
    assert calls == ["start"]
    f.doStop()
    assert calls == ["start", "stop"]
    f.doStop()  # more stops than starts are ignored
    assert calls == ["start", "stop"]
    assert f.numPorts == 0


def test_client_factory_callbacks_exist() -> None:
    f = ClientFactory()
    reason = Failure(error.ConnectionRefusedError())
    f.startedConnecting(None)
    f.clientConnectionFailed(None, reason)
    f.clientConnectionLost(None, reason)


class FakeConnector:
    def __init__(self) -> None:
        self.connects = 0
        self.stops = 0

    def connect(self) -> None:
        self.connects += 1

    def stopConnecting(self) -> None:
        self.stops += 1
        raise error.NotConnectingError()


def test_reconnecting_factory_backs_off_and_stops() -> None:
    clock = Clock()
    f = ReconnectingClientFactory()
    f.clock = clock
    f.jitter = 0
    connector = FakeConnector()
    reason = Failure(error.ConnectionRefusedError())

    f.clientConnectionFailed(connector, reason)
    first = f.delay
    assert first == pytest.approx(f.initialDelay * f.factor)
    clock.advance(first)
    assert connector.connects == 1

    f.clientConnectionLost(connector, reason)
    assert f.delay == pytest.approx(first * f.factor)
    f.stopTrying()
    clock.advance(f.maxDelay)
    assert connector.connects == 1
    assert connector.stops == 1

    f.resetDelay()
    assert f.delay == f.initialDelay
    assert f.retries == 0


def test_reconnecting_factory_respects_maxRetries() -> None:
    clock = Clock()
    f = ReconnectingClientFactory()
    f.clock = clock
    f.maxRetries = 1
    connector = FakeConnector()
    reason = Failure(error.ConnectionRefusedError())
    f.clientConnectionFailed(connector, reason)
    clock.advance(f.maxDelay)
    f.clientConnectionFailed(connector, reason)
    clock.advance(f.maxDelay)
    assert connector.connects == 1
