"""Twisted's ``twisted.internet.testing`` names, for tests ported from Twisted.

The doubles live in `plait.testing`; this module only re-exports them under Twisted's path.
"""

from __future__ import annotations

from plait.internet.task import Clock
from plait.testing._transports import (
    MemoryReactor,
    MemoryReactorClock,
    StringTransport,
    StringTransportWithDisconnection,
)

__all__ = [
    "Clock",
    "MemoryReactor",
    "MemoryReactorClock",
    "StringTransport",
    "StringTransportWithDisconnection",
]
