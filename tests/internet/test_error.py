"""plait.internet.error: Twisted's exception hierarchy and messages."""

from __future__ import annotations

import errno
import socket

from plait.internet import error


def test_hierarchy() -> None:
    assert issubclass(error.ConnectionRefusedError, error.ConnectError)
    assert issubclass(error.TimeoutError, error.UserError)
    assert issubclass(error.UserError, error.ConnectError)
    assert issubclass(error.ConnectionAborted, error.ConnectionLost)
    assert issubclass(error.ConnectionDone, error.ConnectionClosed)
    assert issubclass(error.ReactorNotRunning, RuntimeError)
    assert issubclass(error.DNSLookupError, OSError)
    assert issubclass(error.AlreadyCalled, ValueError)


def test_messages() -> None:
    assert str(error.ConnectionDone()) == "Connection was closed cleanly."
    assert str(error.ConnectionLost("reset")) == (
        "Connection to the other side was lost in a non-clean fashion: reset."
    )
    assert str(error.ConnectionRefusedError(111, "refused")) == (
        "Connection was refused by other side: 111: refused."
    )
    e = error.CannotListenError("127.0.0.1", 80, OSError("in use"))
    assert (e.interface, e.port) == ("127.0.0.1", 80)
    assert str(e) == "Couldn't listen on 127.0.0.1:80: in use."


def test_getConnectError() -> None:
    refused = error.getConnectError(OSError(errno.ECONNREFUSED, "refused"))
    assert isinstance(refused, error.ConnectionRefusedError)
    assert isinstance(error.getConnectError(socket.gaierror(-2, "nope")), error.DNSLookupError)
    assert isinstance(
        error.getConnectError(ConnectionRefusedError()), error.ConnectionRefusedError
    )
    other = error.getConnectError(OSError(errno.EPIPE, "pipe"))
    assert type(other) is error.ConnectError
