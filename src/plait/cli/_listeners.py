"""Listening sockets shared by worker processes.

The supervisor binds every ``--listen`` address once (so a port in use is reported once,
and ``tcp:0`` gets one real port for all workers) and tells each worker how to serve it:

* ``reuseport``: where the platform has ``SO_REUSEPORT`` (Linux, the BSDs, macOS), each worker
  binds its own socket to the same address and the kernel spreads connections across them.
  The supervisor's socket stays bound but never listens, which holds the port between
  worker restarts without taking connections itself.
* ``fd``: otherwise (and for UNIX sockets, or with ``--no-reuse-port``) the supervisor's
  listening socket is inherited by every worker, which all accept from its one queue.

A worker wraps its socket in a reactor `~plait.internet._ports.Port`, so it stops listening
at shutdown like any other port.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from dataclasses import dataclass
from typing import Any

from plait.internet._ports import Port
from plait.internet._strports import (
    ServerSpec,
    SSLServerSpec,
    TCPServerSpec,
    UNIXServerSpec,
    parseServer,
)
from plait.internet.address import IPv4Address, IPv6Address, UNIXAddress

__all__ = [
    "BoundListener",
    "ListenError",
    "ListenerPlan",
    "adoptListener",
    "bindListeners",
    "urlFor",
]


@dataclass(frozen=True)
class ListenerPlan:
    """How a worker serves one ``--listen`` description."""

    description: str
    fd: int | None = None
    """A listening socket inherited from the supervisor."""
    family: int = socket.AF_INET
    host: str = ""
    port: int = 0
    """With no fd: bind (family, host, port) with SO_REUSEPORT and listen."""


@dataclass
class BoundListener:
    """A socket the supervisor bound for one description, and the plan workers follow."""

    plan: ListenerPlan
    sock: socket.socket
    unixPath: str | None = None

    def close(self) -> None:
        """Close the socket (and remove a UNIX socket's file)."""
        self.sock.close()
        if self.unixPath is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.unixPath)


def reusePortAvailable() -> bool:
    """Whether the kernel balances connections across SO_REUSEPORT sockets."""
    # Only Linux (3.9+) and DragonFly balance; on macOS and the other BSDs the last socket
    # bound would take every connection, which is worse than one shared queue.
    return hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith(("linux", "dragonfly"))


def _family(spec: TCPServerSpec | SSLServerSpec) -> tuple[int, str]:
    ipv6 = getattr(spec, "ipv6", False) or ":" in spec.interface
    if ipv6:
        return socket.AF_INET6, spec.interface or "::"
    return socket.AF_INET, spec.interface or "0.0.0.0"


def _tcpSocket(family: int, host: str, port: int, reusePort: bool) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reusePort:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class ListenError(Exception):
    """A description that cannot be listened on; ``usage`` if the description itself is bad."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def bindListeners(descriptions: list[str], reusePort: bool) -> list[BoundListener]:
    """Bind every description for workers; `ListenError` names the one that failed."""
    from plait.internet.endpoints import serverFromString

    bound: list[BoundListener] = []
    try:
        for description in descriptions:
            try:
                # Checks the grammar and, for ssl:, that the key and certificate load.
                serverFromString(None, description)
                bound.append(_bindOne(description, reusePort and reusePortAvailable()))
            except ValueError as e:
                raise ListenError(f"--listen {description}: {e}", usage=True) from None
            except OSError as e:
                raise ListenError(f"cannot listen on {description}: {e.strerror or e}") from None
    except BaseException:
        for listener in bound:
            listener.close()
        raise
    return bound


def _bindOne(description: str, reusePort: bool) -> BoundListener:
    spec = parseServer(description)
    if isinstance(spec, UNIXServerSpec):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(spec.address)
            os.chmod(spec.address, spec.mode)
            sock.listen(spec.backlog)
        except BaseException:
            sock.close()
            raise
        sock.set_inheritable(True)
        plan = ListenerPlan(description, fd=sock.fileno(), family=socket.AF_UNIX)
        return BoundListener(plan, sock, unixPath=spec.address)
    family, host = _family(spec)
    sock = _tcpSocket(family, host, spec.port, reusePort)
    port = int(sock.getsockname()[1])
    if reusePort:
        return BoundListener(ListenerPlan(description, family=family, host=host, port=port), sock)
    try:
        sock.listen(spec.backlog)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    plan = ListenerPlan(description, fd=sock.fileno(), family=family, host=host, port=port)
    return BoundListener(plan, sock)


class _AdoptedPort(Port):
    """A reactor port serving a socket that is already bound."""

    def __init__(self, reactor: Any, sock: socket.socket, factory: Any, **kw: Any) -> None:
        super().__init__(reactor, 0, factory, **kw)
        self._adopted = sock

    def _bind(self) -> socket.socket:
        return self._adopted


def adoptListener(reactor: Any, plan: ListenerPlan, factory: Any) -> Port:
    """Serve *factory* on the socket *plan* describes, as a port of *reactor*."""
    spec: ServerSpec = parseServer(plan.description)
    if plan.fd is not None:
        sock = socket.socket(fileno=plan.fd)
    else:
        sock = _tcpSocket(plan.family, plan.host, plan.port, reusePort=True)
        try:
            sock.listen(spec.backlog)
        except BaseException:
            sock.close()
            raise
    sslContext = None
    if isinstance(spec, SSLServerSpec):
        from plait.internet.endpoints import _serverContext, _sslServerOptions

        sslContext = _serverContext(_sslServerOptions(spec), factory)
    # A UNIX socket is served like a TCP one here (mode=None): removing its file when
    # this worker stops is the supervisor's job, since other workers may still serve it.
    port = _AdoptedPort(reactor, sock, factory, backlog=spec.backlog, sslContext=sslContext)
    reactor._listen(port)
    return port


def urlFor(address: Any, secure: bool) -> str:
    """How a person reaches *address*: ``http://127.0.0.1:8080/`` or a socket path."""
    if isinstance(address, UNIXAddress):
        name = address.name
        return f"unix:{os.fsdecode(name) if name is not None else '?'}"
    scheme = "https" if secure else "http"
    host = address.host
    if isinstance(address, IPv6Address):
        host = f"[{host}]"
    assert isinstance(address, (IPv4Address, IPv6Address))
    if address.host in ("0.0.0.0", "::", ""):
        return f"{scheme}://localhost:{address.port}/ (all interfaces)"
    return f"{scheme}://{host}:{address.port}/"
