"""HTTPChannel.drain over real sockets: idle connections close, a request in flight finishes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET, Site

Serve = Callable[..., Any]


class Held(Resource):
    """``/slow`` is answered only when the test says so; anything else at once."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()
        self.pending: list[Any] = []

    def render_GET(self, request: Any) -> Any:
        if request.path == b"/slow":
            self.pending.append(request)
            self.arrived.set()
            return NOT_DONE_YET
        return b"fast"


def readResponse(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a response head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed in the middle of a body"
        body += chunk
    return head + b"\r\n\r\n" + body


def test_drain_closes_idle_and_finishes_in_flight(serve: Serve) -> None:
    root = Held()
    site = Site(root)
    server = serve(site)
    with server.connect() as idle, server.connect() as busy:
        idle.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        assert readResponse(idle).endswith(b"fast")
        busy.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        assert root.arrived.wait(10)

        server.call(lambda: [channel.drain() for channel in site.openChannels])

        assert idle.recv(1) == b""  # the idle keep-alive connection was closed

        def finish() -> None:
            request = root.pending[0]
            request.setHeader(b"content-length", b"4")
            request.write(b"done")
            request.finish()

        server.call(finish)
        response = readResponse(busy)
        assert response.startswith(b"HTTP/1.1 200 ")
        assert b"\r\nConnection: close\r\n" in response
        assert response.endswith(b"done")
        assert busy.recv(1) == b""  # and closed after it
    assert server.call(lambda: len(site.openChannels)) == 0
