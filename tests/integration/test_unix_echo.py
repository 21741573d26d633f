"""Echo over a real UNIX socket: listenUNIX (mode, cleanup, wantPID) and connectUNIX."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plait.internet import error
from plait.internet.address import UNIXAddress
from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import Deferred
from plait.internet.protocol import ClientFactory, Factory, Protocol
from plait.python.failure import Failure


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Greeter(Protocol):
    def __init__(self, done: Deferred[Any]) -> None:
        self.done = done
        self.received = b""

    def connectionMade(self) -> None:
        self.transport.write(b"over unix")

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if self.received == b"over unix":
            self.transport.loseConnection()

    def connectionLost(self, reason: Failure) -> None:
        self.done.callback((self.received, reason, self.transport.getPeer()))


def roundTrip(reactor: AsyncioReactor, wait: Callable[..., Any], path: str) -> Any:
    done: Deferred[Any] = Deferred()

    class Client(ClientFactory):
        def buildProtocol(self, addr: Any) -> Protocol:
            return Greeter(done)

    connector = reactor.connectUNIX(path, Client())
    assert connector.getDestination() == UNIXAddress(path)
    return wait(done)


def test_unix_echo_mode_and_cleanup(
    reactor: AsyncioReactor, wait: Callable[..., Any], tmp_path: Path
) -> None:
    path = str(tmp_path / "echo.sock")
    port = reactor.listenUNIX(path, Factory.forProtocol(Echo), mode=0o600)
    assert port.getHost() == UNIXAddress(path)
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    received, reason, peer = roundTrip(reactor, wait, path)
    assert received == b"over unix"
    assert reason.check(error.ConnectionDone)
    assert peer == UNIXAddress(path)

    wait(port.stopListening())
    assert not os.path.exists(path)


def test_unix_path_in_use(reactor: AsyncioReactor, tmp_path: Path) -> None:
    path = str(tmp_path / "busy.sock")
    reactor.listenUNIX(path, Factory.forProtocol(Echo))
    with pytest.raises(error.CannotListenError):
        reactor.listenUNIX(path, Factory.forProtocol(Echo))


def test_wantPID_replaces_a_stale_socket(
    reactor: AsyncioReactor, wait: Callable[..., Any], tmp_path: Path
) -> None:
    path = str(tmp_path / "stale.sock")
    # A socket file left behind by a listener that is gone, with no lock naming a live pid.
    with socket.socket(socket.AF_UNIX) as leftover:
        leftover.bind(path)
    port = reactor.listenUNIX(path, Factory.forProtocol(Echo), wantPID=True)
    with open(path + ".lock") as f:
        assert int(f.read()) == os.getpid()
    assert roundTrip(reactor, wait, path)[0] == b"over unix"
    wait(port.stopListening())
    assert not os.path.exists(path + ".lock")


def test_wantPID_refuses_a_live_owner(reactor: AsyncioReactor, tmp_path: Path) -> None:
    path = str(tmp_path / "owned.sock")
    with open(path + ".lock", "w") as f:
        f.write(str(os.getpid()))
    with pytest.raises(error.CannotListenError):
        reactor.listenUNIX(path, Factory.forProtocol(Echo), wantPID=True)
