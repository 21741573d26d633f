"""Test doubles for plait users: fake requests, transports, reactors, clocks, a test client.

``DummyRequest`` unit-tests a resource without sockets; ``TestClient`` sends real HTTP bytes
through a `Site` in memory; ``StringTransport`` and ``MemoryReactor`` test protocols and
code that listens or connects; ``Clock`` is fake time. See docs/testing.md.
"""

from __future__ import annotations

from plait.internet.task import Clock
from plait.testing._client import MemoryTransport, TestClient, TestResponse
from plait.testing._dummy import DummyChannel, DummyRequest
from plait.testing._transports import (
    MemoryReactor,
    MemoryReactorClock,
    StringTransport,
    StringTransportWithDisconnection,
)

__all__ = [
    "Clock",
    "DummyChannel",
    "DummyRequest",
    "MemoryReactor",
    "MemoryReactorClock",
    "MemoryTransport",
    "StringTransport",
    "StringTransportWithDisconnection",
    "TestClient",
    "TestResponse",
]
