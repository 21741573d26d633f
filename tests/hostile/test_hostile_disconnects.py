"""Clients that vanish at every phase: nothing logged above DEBUG, renders cancelled,
file descriptors and Request objects released."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import threading
import weakref
from typing import Any

import pytest
from hostile_support import RunningServer, parseResponses, roundTrip

from plait.internet import defer
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET, Site


class Phases(Resource):
    """``/async`` awaits forever, ``/deferred`` returns a Deferred never fired, ``/big``
    streams a large body; each records its request weakly and its cancellation."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.cancelled = threading.Event()
        self.requests: list[weakref.ref[Any]] = []

    def render(self, request: Any) -> Any:
        self.requests.append(weakref.ref(request))
        if request.path == b"/probe":
            return b"probe"
        self.started.set()
        if request.path == b"/async":
            return self._forever()
        if request.path == b"/deferred":
            d: defer.Deferred[bytes] = defer.Deferred(lambda _: self.cancelled.set())
            return d
        if request.path == b"/big":
            request.write(b"x" * (8 << 20))  # far more than the socket buffers hold
            request.notifyFinish().addErrback(lambda _: self.cancelled.set())
            return NOT_DONE_YET
        request.content.read()
        return b"done"

    async def _forever(self) -> bytes:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return b"never"


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _settled(server: RunningServer, fds: int) -> bool:
    """Whether the server is back to no open channel and at most *fds* descriptors.

    Polls (bounded) because the server thread accepts and closes on its own schedule.
    """
    for _ in range(500):
        if not server.call(lambda: len(server.site._channels)) and _fds() <= fds:
            return True
        threading.Event().wait(0.01)
    return False


PHASES = {
    "during the request line": (b"GET /slo", None),
    "during the headers": (b"GET / HTTP/1.1\r\nHost: a\r\nX-Long: aaaa", None),
    "during the body": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999\r\n\r\nabc", None),
    "during the spooled body": (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999\r\n\r\n" + b"b" * 400_000,
        None,
    ),
    "while a coroutine renders": (b"GET /async HTTP/1.1\r\nHost: a\r\n\r\n", "cancelled"),
    "while a Deferred renders": (b"GET /deferred HTTP/1.1\r\nHost: a\r\n\r\n", "cancelled"),
    "during a large response": (b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n", "cancelled"),
}


@pytest.mark.parametrize("how", ["close", "reset"])
@pytest.mark.parametrize("phase", list(PHASES))
def test_disconnect_leaks_nothing(
    serve: Any, caplog: pytest.LogCaptureFixture, phase: str, how: str
) -> None:
    caplog.set_level(logging.DEBUG)
    resource = Phases()
    server = serve(Site(resource))
    assert parseResponses(roundTrip(server))[0].body == b"probe"  # warm up
    gc.collect()
    before = _fds()
    assert _settled(server, before)
    payload, expect = PHASES[phase]
    for _ in range(3):
        resource.started.clear()
        resource.cancelled.clear()
        sock = server.connect()
        sock.sendall(payload)
        if expect:
            assert resource.started.wait(10)
        if how == "reset":  # RST instead of FIN
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        sock.close()
        if expect:
            assert resource.cancelled.wait(10), "the render was not cancelled"
        assert _settled(server, before), "a connection's descriptor was not released"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], [
        r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
    ]
    caplog.clear()  # its records hold their arguments (the requests) alive
    server.call(gc.collect)
    assert all(ref() is None for ref in resource.requests), "a Request outlived its connection"
    assert parseResponses(roundTrip(server))[0].body == b"probe"  # still serving
