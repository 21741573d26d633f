"""Listening ports and client connectors of the asyncio reactor.

A port binds and listens on its socket synchronously, so a port in use raises
``CannotListenError`` at the ``listenTCP`` call as in Twisted; accepting is then handed to
``loop.create_server(sock=...)``, which starts as soon as the loop runs. Connections that
arrive in between wait in the kernel's backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
import stat
from typing import TYPE_CHECKING, Any

from zope.interface import implementer

from plait.internet import error
from plait.internet._transport import Transport, _ProtocolAdapter
from plait.internet.address import IPv4Address, IPv6Address, UNIXAddress, fromSockname
from plait.internet.defer import Deferred, succeed
from plait.internet.interfaces import IListeningPort
from plait.python.failure import Failure

if TYPE_CHECKING:
    from plait.internet.asyncioreactor import AsyncioReactor

__all__ = ["Connector", "Port", "sslContextOf"]

_Address = IPv4Address | IPv6Address | UNIXAddress


def sslContextOf(contextFactory: Any) -> ssl.SSLContext:
    """The ``ssl.SSLContext`` of ``contextFactory``: itself, or what its getContext() gives."""
    if isinstance(contextFactory, ssl.SSLContext):
        return contextFactory
    getContext = getattr(contextFactory, "getContext", None)
    if getContext is None:
        raise TypeError(
            f"contextFactory must be an ssl.SSLContext or have getContext(), "
            f"not {type(contextFactory).__name__}"
        )
    context = getContext()
    if not isinstance(context, ssl.SSLContext):
        raise TypeError(f"getContext() returned {type(context).__name__}, not ssl.SSLContext")
    return context


def _isIPv6(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6, host.split("%", 1)[0])
    except (OSError, ValueError):
        return False
    return True


@implementer(IListeningPort)
class Port:
    """A listening TCP, TLS or UNIX socket, and the factory serving its connections."""

    connected: bool = False
    disconnecting: bool = False

    def __init__(
        self,
        reactor: AsyncioReactor,
        port: int | str,
        factory: Any,
        backlog: int = 50,
        interface: str = "",
        sslContext: ssl.SSLContext | None = None,
        mode: int | None = None,
        wantPID: bool = False,
    ):
        self.reactor = reactor
        self.port = port
        self.factory = factory
        self.backlog = backlog
        self.interface = interface
        self.sslContext = sslContext
        self.mode = mode
        self.wantPID = wantPID
        self._unix = mode is not None
        self._socket: socket.socket | None = None
        self._server: asyncio.AbstractServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._serving = False
        self._host: _Address | None = None
        self._stopDeferred: Deferred[None] | None = None

    def __repr__(self) -> str:
        if self._host is None:
            return f"<{type(self.factory).__name__} (not listening)>"
        where = self._host.name if isinstance(self._host, UNIXAddress) else self._host.port
        return f"<{type(self.factory).__name__} on {where!r}>"

    def _bind(self) -> socket.socket:
        if self._unix:
            path = os.fsdecode(self.port)  # type: ignore[arg-type]
            if self.wantPID:
                self._checkStaleLock(path)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(path)
                if self.mode is not None:
                    os.chmod(path, self.mode)
                sock.listen(self.backlog)
            except BaseException:
                sock.close()
                raise
            return sock
        if not isinstance(self.port, int):
            raise TypeError(f"port must be an int, not {type(self.port).__name__}")
        family = socket.AF_INET6 if _isIPv6(self.interface) else socket.AF_INET
        host = self.interface or ("" if family == socket.AF_INET else "::")
        infos = socket.getaddrinfo(
            host or None,
            self.port,
            family,
            socket.SOCK_STREAM,
            0,
            socket.AI_PASSIVE | socket.AI_NUMERICHOST,
        )
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if os.name == "posix":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(infos[0][4])
            sock.listen(self.backlog)
        except BaseException:
            sock.close()
            raise
        return sock

    def _checkStaleLock(self, path: str) -> None:
        # With wantPID a lock file records the listener's pid; a socket file whose owner
        # is gone is stale and may be replaced.
        lock = path + ".lock"
        try:
            with open(lock) as f:
                pid = int(f.read().strip() or "0")
        except (OSError, ValueError):
            pid = 0
        alive = False
        if pid:
            try:
                os.kill(pid, 0)
                alive = True
            except ProcessLookupError:
                alive = False
            except PermissionError:
                alive = True
        if alive:
            raise error.CannotListenError(None, path, OSError(f"{path} is in use by pid {pid}"))
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(os.stat(path).st_mode):
                os.unlink(path)
        with open(lock, "w") as f:
            f.write(str(os.getpid()))

    def startListening(self) -> None:
        """Bind and listen now; start accepting as soon as the loop runs."""
        if self.connected:
            raise error.AlreadyListened(f"{self!r} is already listening")
        try:
            sock = self._bind()
        except error.CannotListenError:
            raise
        except OSError as e:
            raise error.CannotListenError(self.interface or None, self.port, e) from e
        sock.setblocking(False)
        self._socket = sock
        self._server = None
        self._serving = False
        self._stopDeferred = None
        self.disconnecting = False
        if self._unix:
            self._host = UNIXAddress(self.port)  # type: ignore[arg-type]
        else:
            self._host = fromSockname(sock.getsockname())
        self.connected = True
        self.factory.doStart()
        loop = self.reactor._getLoop()
        self._task = loop.create_task(self._serve(loop, sock))

    async def _serve(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        self._serving = True
        unix = self._unix
        build = self.factory.buildProtocol
        registry = self.reactor._transports

        def protocolFactory() -> _ProtocolAdapter:
            return _ProtocolAdapter(loop, build, unix, registry=registry)

        if unix:
            server = await loop.create_unix_server(
                protocolFactory, sock=sock, backlog=self.backlog, ssl=self.sslContext
            )
        else:
            server = await loop.create_server(
                protocolFactory, sock=sock, backlog=self.backlog, ssl=self.sslContext
            )
        self._server = server
        if self.disconnecting:
            self._closeServer()

    def getHost(self) -> _Address:
        """The address this port listens on (with the real port number when 0 was asked)."""
        if self._host is None:
            raise error.NotListeningError("not listening")
        return self._host

    def stopListening(self) -> Deferred[None]:
        """Stop accepting; the Deferred fires once the socket is closed."""
        if self._stopDeferred is not None:
            return self._stopDeferred
        if not self.connected:
            return succeed(None)
        self.disconnecting = True
        self._stopDeferred = Deferred()
        if self._server is not None:
            self._closeServer()
        elif not self._serving:
            # The loop never ran the serving task: close the socket ourselves.
            if self._task is not None:
                self._task.cancel()
            if self._socket is not None:
                self._socket.close()
            self._finishStop()
        # else: _serve is between create_server's start and its return; it closes the server.
        return self._stopDeferred

    loseConnection = stopListening

    def _closeServer(self) -> None:
        server = self._server
        assert server is not None
        server.close()
        loop = self.reactor._getLoop()
        if loop.is_running():
            # uvloop closes its handles on the next loop iteration; fire after that.
            loop.call_soon(loop.call_soon, self._finishStop)
        else:
            self._finishStop()

    def _finishStop(self) -> None:
        self.connected = False
        self.reactor._forget(self)
        if self._unix:
            path = os.fsdecode(self.port)  # type: ignore[arg-type]
            with contextlib.suppress(OSError):
                os.unlink(path)
            if self.wantPID:
                with contextlib.suppress(OSError):
                    os.unlink(path + ".lock")
        try:
            self.factory.doStop()
        finally:
            d, self._stopDeferred = self._stopDeferred, None
            if d is not None:
                # Keep answering later calls with an already-fired Deferred.
                self._stopDeferred = succeed(None)
                d.callback(None)

    def logPrefix(self) -> str:
        """A short name for log lines."""
        return type(self.factory).__name__


class Connector:
    """A client connection attempt (and reconnection handle), as ``connectTCP`` returns."""

    def __init__(
        self,
        reactor: AsyncioReactor,
        host: str,
        port: int,
        factory: Any,
        timeout: float | None = 30,
        bindAddress: tuple[str, int] | None = None,
        sslContext: ssl.SSLContext | None = None,
        unixPath: str | None = None,
        serverHostname: str | None = None,
    ):
        self.serverHostname = serverHostname
        self.reactor = reactor
        self.host = host
        self.port = port
        self.factory = factory
        self.timeout = timeout
        self.bindAddress = bindAddress
        self.sslContext = sslContext
        self.unixPath = unixPath
        self.state = "disconnected"
        self.factoryStarted = False
        self.transport: Any = None
        self._rawTransport: asyncio.BaseTransport | None = None
        self._task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} instance to {self.getDestination()!r}>"

    def getDestination(self) -> _Address:
        """Where this connector connects."""
        if self.unixPath is not None:
            return UNIXAddress(self.unixPath)
        if _isIPv6(self.host):
            return IPv6Address("TCP", self.host, self.port)
        return IPv4Address("TCP", self.host, self.port)

    def connect(self) -> None:
        """Start a connection attempt (again, after a failure or a lost connection)."""
        if self.state != "disconnected":
            raise RuntimeError("can't connect in this state")
        self.state = "connecting"
        if not self.factoryStarted:
            self.factory.doStart()
            self.factoryStarted = True
        loop = self.reactor._getLoop()
        self._task = loop.create_task(self._connect(loop))
        self.factory.startedConnecting(self)

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> None:
        adapter = _ProtocolAdapter(
            loop,
            self.buildProtocol,
            self.unixPath is not None,
            onLost=self.connectionLost,
            registry=self.reactor._transports,
        )
        serverHostname = None
        if self.sslContext is not None and self.unixPath is None:
            serverHostname = self.serverHostname or self.host
        try:
            if self.unixPath is not None:
                coro = loop.create_unix_connection(
                    lambda: adapter, self.unixPath, ssl=self.sslContext
                )
            else:
                coro = loop.create_connection(
                    lambda: adapter,
                    self.host,
                    self.port,
                    ssl=self.sslContext,
                    server_hostname=serverHostname,
                    local_addr=self.bindAddress,
                )
            if self.timeout:
                transport, _ = await asyncio.wait_for(coro, self.timeout)
            else:
                transport, _ = await coro
        except asyncio.CancelledError:
            return
        except TimeoutError:
            self.connectionFailed(Failure(error.TimeoutError()))
            return
        except Exception as e:
            self.connectionFailed(Failure(error.getConnectError(e)))
            return
        self._rawTransport = transport
        self.transport = adapter._transport

    def buildProtocol(self, addr: _Address) -> Any:
        """The connection is up: ask the factory for its protocol."""
        self.state = "connected"
        return self.factory.buildProtocol(addr)

    def stopConnecting(self) -> None:
        """Abort the connection attempt in progress."""
        if self.state != "connecting":
            raise error.NotConnectingError("we're not trying to connect")
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.connectionFailed(Failure(error.UserError()))

    def disconnect(self) -> None:
        """Abort the attempt, or close the established connection."""
        if self.state == "connecting":
            self.stopConnecting()
        elif self.state == "connected":
            if isinstance(self.transport, Transport):
                self.transport.loseConnection()
            elif self._rawTransport is not None:
                self._rawTransport.close()

    def connectionFailed(self, reason: Failure) -> None:
        """Report a failed attempt to the factory."""
        self.transport = None
        self._rawTransport = None
        self.state = "disconnected"
        self.factory.clientConnectionFailed(self, reason)
        if self.state == "disconnected":
            self.factoryStarted = False
            self.factory.doStop()

    def connectionLost(self, reason: Failure) -> None:
        """Report a lost connection to the factory."""
        self.transport = None
        self._rawTransport = None
        self.state = "disconnected"
        self.factory.clientConnectionLost(self, reason)
        if self.state == "disconnected":
            self.factoryStarted = False
            self.factory.doStop()
