"""Slow and idle clients: the header deadline, the idle timeout and the body rate/deadline.

Together they bound how long any client can hold a connection without sending a request at a
useful speed (slowloris, slow POST), while clients that behave are served at once.
"""

from __future__ import annotations

import gc
import os
import select
import socket
import time
from typing import Any

import pytest
from hostile_support import Echo, parseResponses, roundTrip

from plait.web.http import Limits
from plait.web.server import Site

HEAD = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n"


def dribble(sock: socket.socket, payload: bytes, interval: float) -> tuple[bytes, float]:
    """Send *payload* a byte at a time, *interval* apart, until the server answers or closes.

    The pause is a bounded wait for the server's answer, so the server's reply cuts it short.
    Returns what the server sent and when its first byte arrived (monotonic).
    """
    for i in range(len(payload)):
        if select.select([sock], [], [], interval)[0]:
            break
        try:
            sock.sendall(payload[i : i + 1])
        except (BrokenPipeError, ConnectionResetError):
            break
    sock.settimeout(10)
    chunks = []
    answered = 0.0
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        if not chunks:
            answered = time.monotonic()
        chunks.append(chunk)
    return b"".join(chunks), answered


def _openFds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_body_refused_half_way_releases_its_spool_file(serve: Any) -> None:
    """A 408 in the middle of a large body closes the temporary file it was spooling to."""
    limits = Limits(idle_timeout=0.5, body_timeout=0.5, min_body_rate=0)
    server = serve(Site(Echo(), limits=limits))
    assert parseResponses(roundTrip(server))[0].status == 200  # warm up lazy imports and fds
    before = _openFds()
    for _ in range(3):
        with server.connect() as sock:
            sock.sendall(HEAD % 1_000_000 + b"x" * 300_000)  # past the in-memory threshold
            data, _ = dribble(sock, b"", 0)
        assert parseResponses(data)[0].status == 408
    gc.collect()  # a leaked file would also raise ResourceWarning (an error in this suite)
    assert _openFds() <= before
