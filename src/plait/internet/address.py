"""Address value objects: what ``getHost()`` and ``getPeer()`` return.

Like Twisted's, they compare by value and are hashable, so they can key dictionaries.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from zope.interface import implementer

from plait.internet.interfaces import IAddress

__all__ = ["HostnameAddress", "IPv4Address", "IPv6Address", "UNIXAddress", "fromSockname"]


@implementer(IAddress)
@dataclass(frozen=True, slots=True)
class IPv4Address:
    """An IPv4 socket endpoint: ``type`` is ``"TCP"`` or ``"UDP"``."""

    type: Literal["TCP", "UDP"]
    host: str
    port: int


@implementer(IAddress)
@dataclass(frozen=True, slots=True)
class IPv6Address:
    """An IPv6 socket endpoint, with its flow information and scope id."""

    type: Literal["TCP", "UDP"]
    host: str
    port: int
    flowInfo: int = 0
    scopeID: int | str = 0


@implementer(IAddress)
@dataclass(frozen=True, slots=True)
class HostnameAddress:
    """The address of a ``HostnameEndpoint``: a host name (bytes) and a port."""

    hostname: bytes
    port: int


@implementer(IAddress)
@dataclass(frozen=True, slots=True, eq=False)
class UNIXAddress:
    """A UNIX socket path (``None`` for an unnamed socket)."""

    name: str | bytes | None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UNIXAddress):
            return NotImplemented
        if self.name == other.name:
            return True
        # Two spellings of one existing path are the same address, as in Twisted.
        if self.name and other.name:
            try:
                return os.path.samefile(self.name, other.name)
            except OSError:
                return False
        return False

    def __hash__(self) -> int:
        if self.name is None:
            return hash((self.__class__, None))
        try:
            st = os.stat(self.name)
        except OSError:
            return hash(self.name)
        return hash((st.st_dev, st.st_ino))


def fromSockname(
    name: object, kind: Literal["TCP", "UDP"] = "TCP"
) -> IPv4Address | IPv6Address | UNIXAddress:
    """Build an address from what ``socket.getsockname()``/``getpeername()`` returned."""
    if isinstance(name, tuple):
        if len(name) == 4:
            return IPv6Address(kind, name[0], name[1], name[2], name[3])
        return IPv4Address(kind, name[0], name[1])
    if isinstance(name, (str, bytes)):
        return UNIXAddress(name or None)
    return UNIXAddress(None)
