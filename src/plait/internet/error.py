"""Exceptions raised by the reactor, its transports and its connectors.

The names, base classes and constructor signatures follow ``twisted.internet.error``, so
``except error.ConnectionRefusedError`` and ``reason.check(error.ConnectionDone)`` port
unchanged.
"""

from __future__ import annotations

import builtins
import errno
import socket

__all__ = [
    "AlreadyCalled",
    "AlreadyCancelled",
    "AlreadyListened",
    "BadFileError",
    "BindError",
    "CannotListenError",
    "CertificateError",
    "ConnectBindError",
    "ConnectError",
    "ConnectInProgressError",
    "ConnectingCancelledError",
    "ConnectionAborted",
    "ConnectionClosed",
    "ConnectionDone",
    "ConnectionFdescWentAway",
    "ConnectionLost",
    "ConnectionRefusedError",
    "DNSLookupError",
    "InvalidAddressError",
    "MessageLengthError",
    "MulticastJoinError",
    "NoRouteError",
    "NotConnectingError",
    "NotListeningError",
    "PeerVerifyError",
    "ReactorAlreadyInstalledError",
    "ReactorAlreadyRunning",
    "ReactorNotRestartable",
    "ReactorNotRunning",
    "SSLError",
    "ServiceNameUnknownError",
    "TCPTimedOutError",
    "TimeoutError",
    "UnknownHostError",
    "UnsupportedAddressFamily",
    "UnsupportedSocketType",
    "UserError",
    "VerifyError",
    "getConnectError",
]

try:
    from plait.internet._delayedcall import AlreadyCalled, AlreadyCancelled
except ImportError:  # pragma: no cover - the module lands with the Deferred work

    class AlreadyCalled(ValueError):  # type: ignore[no-redef]
        """The delayed call has already run."""

    class AlreadyCancelled(ValueError):  # type: ignore[no-redef]
        """The delayed call has already been cancelled."""


def _describe(exc: BaseException, *details: object, sep: str = " ") -> str:
    # Twisted's messages: the docstring's sentence, then the details, then one period.
    text = (exc.__doc__ or type(exc).__name__).strip().splitlines()[0].rstrip(".")
    extra = sep.join(str(d) for d in details if d)
    return f"{text}: {extra}." if extra else f"{text}."


class BindError(Exception):
    """An error occurred binding to an interface."""

    def __str__(self) -> str:
        return _describe(self, *self.args)


class CannotListenError(BindError):
    """The reactor could not listen on the requested port and interface."""

    def __init__(self, interface: str | None, port: int | str, socketError: BaseException):
        BindError.__init__(self, interface, port, socketError)
        self.interface = interface
        self.port = port
        self.socketError = socketError

    def __str__(self) -> str:
        iface = self.interface or "any"
        return f"Couldn't listen on {iface}:{self.port}: {self.socketError}."


class AlreadyListened(Exception):
    """The listening port was already listening."""


class NotListeningError(RuntimeError):
    """The port was not listening."""


class ConnectError(Exception):
    """A connection attempt failed; the base of every client-side connection error."""

    def __init__(self, osError: object = None, string: str = ""):
        self.osError = osError
        Exception.__init__(self, string)

    def __str__(self) -> str:
        return _describe(self, self.osError, self.args[0] if self.args else "", sep=": ")


class ConnectBindError(ConnectError):
    """Couldn't bind the client socket to the requested local address."""


class UnknownHostError(ConnectError):
    """Hostname couldn't be looked up."""


class NoRouteError(ConnectError):
    """No route to host."""


class ConnectionRefusedError(ConnectError):
    """Connection was refused by other side."""


class TCPTimedOutError(ConnectError):
    """TCP connection timed out."""


class UserError(ConnectError):
    """User aborted connection."""


class TimeoutError(UserError):
    """User timeout caused connection failure."""


class BadFileError(ConnectError):
    """File used for UNIX socket is no good."""


class ServiceNameUnknownError(ConnectError):
    """Service name given as port is unknown."""


class SSLError(ConnectError):
    """An SSL error occurred."""


class VerifyError(Exception):
    """Could not verify something that was supposed to be signed."""


class PeerVerifyError(VerifyError):
    """The peer rejected our verify error."""


class CertificateError(Exception):
    """We did not find a certificate where we expected to find one."""


class ConnectInProgressError(Exception):
    """A connect operation was started and isn't done yet."""


class ConnectingCancelledError(Exception):
    """A client endpoint's connection attempt was cancelled before it connected."""

    def __init__(self, address: object):
        Exception.__init__(self, address)
        self.address = address


class InvalidAddressError(ValueError):
    """An address was neither IPv4 nor IPv6, or was one where the other was expected."""

    def __init__(self, address: object, message: str):
        ValueError.__init__(self, address, message)
        self.address = address
        self.message = message


class MessageLengthError(Exception):
    """Message is too long to send."""

    def __str__(self) -> str:
        return _describe(self, *self.args)


class MulticastJoinError(Exception):
    """An attempt to join a multicast group failed."""


class UnsupportedAddressFamily(Exception):
    """A socket's address family (AF_INET, AF_INET6, ...) is not supported by the reactor."""


class UnsupportedSocketType(Exception):
    """A socket's type (SOCK_STREAM, SOCK_DGRAM, ...) is not supported by the reactor."""


class DNSLookupError(OSError):
    """DNS lookup failed."""

    def __str__(self) -> str:
        return _describe(self, *self.args)


class NotConnectingError(RuntimeError):
    """The connector was not connecting when it was asked to stop."""


class ConnectionClosed(Exception):
    """The connection was closed, cleanly or not."""


class ConnectionLost(ConnectionClosed):
    """Connection to the other side was lost in a non-clean fashion."""

    def __str__(self) -> str:
        return _describe(self, *self.args)


class ConnectionAborted(ConnectionLost):
    """Connection was aborted locally, using abortConnection."""


class ConnectionDone(ConnectionClosed):
    """Connection was closed cleanly."""

    def __str__(self) -> str:
        return _describe(self, *self.args)


class ConnectionFdescWentAway(ConnectionLost):
    """The file descriptor behind the connection went away."""


class ReactorNotRunning(RuntimeError):
    """An operation that needs a running reactor was asked of a stopped one."""


class ReactorNotRestartable(RuntimeError):
    """The reactor cannot be restarted."""


class ReactorAlreadyRunning(RuntimeError):
    """The reactor is already running."""


class ReactorAlreadyInstalledError(AssertionError):
    """A reactor was installed when another one already was."""


_ERRNO_MAP: dict[int, type[ConnectError]] = {
    errno.ECONNREFUSED: ConnectionRefusedError,
    errno.ENETUNREACH: NoRouteError,
    errno.EHOSTUNREACH: NoRouteError,
    errno.ETIMEDOUT: TCPTimedOutError,
}


def getConnectError(e: BaseException) -> BaseException:
    """Translate an exception from a failed connection attempt into a ConnectError."""
    if isinstance(e, (ConnectError, DNSLookupError)):
        return e
    if isinstance(e, socket.gaierror):
        return DNSLookupError(str(e))
    if isinstance(e, OSError) and e.errno in _ERRNO_MAP:
        return _ERRNO_MAP[e.errno](e.errno, e.strerror or "")
    if isinstance(e, builtins.ConnectionRefusedError):
        return ConnectionRefusedError(string=str(e))
    return ConnectError(string=str(e) or e.__class__.__name__)
