"""Graceful shutdown of ``plait web`` on SIGTERM/SIGINT: in-flight requests finish."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from typing import Any

import httpx
import pytest

PlaitWeb = Any  # the plaitWeb fixture (tests/cli/conftest.py)


def hostPort(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def inBackground(url: str) -> tuple[threading.Thread, list[Any]]:
    """GET *url* in a thread; the list gets the response (or the exception)."""
    box: list[Any] = []

    def fetch() -> None:
        try:
            box.append(httpx.get(url, timeout=30))
        except Exception as e:
            box.append(e)

    thread = threading.Thread(target=fetch)
    thread.start()
    return thread, box


@pytest.mark.parametrize(
    ("sig", "workers"),
    [(signal.SIGTERM, "1"), (signal.SIGINT, "1"), (signal.SIGTERM, "2")],
    ids=["sigterm", "sigint", "sigterm-2-workers"],
)
def test_in_flight_request_completes(plaitWeb: PlaitWeb, sig: int, workers: str) -> None:
    running = plaitWeb.start("--class", "testsite.Slow", "--workers", workers)
    with socket.create_connection(hostPort(running.url), timeout=10) as idle:
        # An idle keep-alive connection is closed at once; it does not hold the shutdown.
        idle.sendall(b"GET /?after=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        running.expect(r"^slow request started$", stream="out")
        response = b""
        while not response.endswith(b"\r\n0\r\n\r\n"):  # the end of a chunked body
            chunk = idle.recv(65536)
            assert chunk, response
            response += chunk
        assert response.startswith(b"HTTP/1.1 200 ")
        thread, box = inBackground(running.url + "/?after=1.5")
        running.expect(r"^slow request started$", stream="out")
        began = time.monotonic()
        os.kill(running.pid, sig)
        # Every worker says so once it has stopped listening.
        counts = [
            int(running.expect(r"shutting down: (\d+) open connection", stream="err").group(1))
            for _ in range(int(workers))
        ]
        assert sum(counts) == 2
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(hostPort(running.url), timeout=10).close()
        assert idle.recv(1) == b""
    thread.join(30)
    response = box[0]
    assert isinstance(response, httpx.Response), response
    assert response.status_code == 200
    assert response.text == "slow done"
    assert response.headers["connection"] == "close"
    assert running.wait(30) == 0
    assert time.monotonic() - began < 15


def test_shutdown_timeout_bounds_the_wait(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Hang", "--shutdown-timeout", "0.5")
    thread, box = inBackground(running.url + "/")
    running.expect(r"^hanging request started$", stream="out")
    began = time.monotonic()
    os.kill(running.pid, signal.SIGTERM)
    assert running.wait(30) == 0
    assert time.monotonic() - began < 10
    running.expect(r"aborting 1 connection\(s\) still busy after the 0\.5 s shutdown timeout")
    thread.join(30)
    assert isinstance(box[0], httpx.HTTPError)  # the client saw the connection go


def test_exits_promptly_when_idle(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start()
    began = time.monotonic()
    os.kill(running.pid, signal.SIGTERM)
    assert running.wait(30) == 0
    assert time.monotonic() - began < 5
