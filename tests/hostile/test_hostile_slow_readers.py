"""Slow readers: a client that stops reading a large response is dropped after `send_timeout`.

Without a send timeout, a client that requests a large response and never reads it holds the
connection (and whatever the transport has buffered) for as long as the operating system
keeps the TCP connection. `Limits.send_timeout` aborts a connection whose response makes no
progress for that long: the transport's buffer staying full, a sendfile moving no byte, or a
``Connection: close`` response that never drains. A client reading slowly but steadily is
never cut off.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hostile_support import roundTrip

from plait.web._channel import HTTPChannel
from plait.web.http import Limits
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET, Site
from plait.web.static import File

BIG = 16 * 1024 * 1024
SEND_TIMEOUT = 0.5


class LostChannel(HTTPChannel):
    """Sets `lost` when the connection ends."""

    lost = threading.Event()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        type(self).lost.set()


class Big(Resource):
    """``/bytes``: one huge bytes body; ``/push``: a streaming producer of the same size."""

    isLeaf = True

    def render_GET(self, request: Any) -> Any:
        if request.path == b"/probe":
            return b"probe"
        if request.path == b"/push":
            request.setHeader(b"content-length", b"%d" % BIG)
            _Pusher(request).start()
            return NOT_DONE_YET
        return b"x" * BIG


class _Pusher:
    """A push producer writing 64 KiB blocks while not paused."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self.left = BIG
        self.paused = False

    def start(self) -> None:
        self.request.registerProducer(self, True)
        self._run()

    def _run(self) -> None:
        while self.left and not self.paused and self.request is not None:
            block = min(65536, self.left)
            self.left -= block
            self.request.write(b"y" * block)
        if not self.left and self.request is not None:
            self.request.unregisterProducer()
            self.request.finish()
            self.request = None

    def pauseProducing(self) -> None:
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False
        self._run()

    def stopProducing(self) -> None:
        self.request = None


def stalledClient(server: Any, request: bytes) -> socket.socket:
    """A client with a tiny receive window that sends *request* and then never reads."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect((server.host, server.port))
    sock.sendall(request)
    return sock


@pytest.fixture
def bigFile(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "big.bin").write_bytes(b"z" * BIG)
    return root


def siteFor(resource: Any, **limits: Any) -> Site:
    LostChannel.lost = threading.Event()
    site = Site(resource, limits=Limits(send_timeout=SEND_TIMEOUT, **limits))
    site.protocol = LostChannel
    return site


def infoLines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "plait.web.http" and "read nothing of the response" in r.getMessage()
    ]


@pytest.mark.parametrize(
    "request_",
    [
        b"GET /bytes HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET /push HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET /bytes HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        b"GET /bytes HTTP/1.0\r\n\r\n",
    ],
    ids=["bytes", "producer", "connection-close", "http10"],
)
def test_stalled_reader_is_aborted(
    serve: Any, caplog: pytest.LogCaptureFixture, request_: bytes
) -> None:
    caplog.set_level(logging.DEBUG, logger="plait")
    server = serve(siteFor(Big()))
    started = time.monotonic()
    with stalledClient(server, request_):
        assert LostChannel.lost.wait(10), "the stalled client was never dropped"
        elapsed = time.monotonic() - started
    assert SEND_TIMEOUT <= elapsed < SEND_TIMEOUT + 5
    assert len(infoLines(caplog)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert roundTrip(server).endswith(b"\r\n\r\nprobe")


def test_stalled_reader_of_a_sendfile_is_aborted(
    serve: Any, caplog: pytest.LogCaptureFixture, bigFile: Path
) -> None:
    caplog.set_level(logging.DEBUG, logger="plait")
    server = serve(siteFor(File(str(bigFile))))
    with stalledClient(server, b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n"):
        assert LostChannel.lost.wait(10), "the stalled sendfile client was never dropped"
    assert len(infoLines(caplog)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert roundTrip(server, b"GET /missing HTTP/1.1\r\nHost: a\r\n\r\n").startswith(
        b"HTTP/1.1 404 "
    )


@pytest.mark.parametrize("path", [b"/bytes", b"/push", b"/big.bin"])
def test_slow_steady_reader_is_not_cut_off(
    serve: Any, caplog: pytest.LogCaptureFixture, bigFile: Path, path: bytes
) -> None:
    """Pauses longer than half the timeout, but never the whole of it: the body keeps coming."""
    caplog.set_level(logging.DEBUG, logger="plait")
    resource = File(str(bigFile)) if path == b"/big.bin" else Big()
    server = serve(siteFor(resource))
    wanted = 1024 * 1024
    with stalledClient(server, b"GET " + path + b" HTTP/1.1\r\nHost: a\r\n\r\n") as sock:
        received = 0
        while received < wanted:
            # Pacing the client, not waiting for anything: a reader slower than the server.
            time.sleep(SEND_TIMEOUT * 0.6)
            step = received + 256 * 1024
            while received < step:
                chunk = sock.recv(65536)
                assert chunk, "the server dropped a client that was reading"
                received += len(chunk)
        assert not LostChannel.lost.is_set()
    assert not infoLines(caplog)
