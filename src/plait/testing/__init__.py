"""Test doubles for plait users: fake requests and channels, and an in-memory client."""

from __future__ import annotations

from plait.testing._client import MemoryTransport, TestClient, TestResponse
from plait.testing._dummy import DummyChannel, DummyRequest

__all__ = ["DummyChannel", "DummyRequest", "MemoryTransport", "TestClient", "TestResponse"]
