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


def test_slow_header_gets_408(serve: Any) -> None:
    server = serve(Site(Echo(), limits=Limits(header_timeout=0.5)))
    with server.connect() as sock:
        started = time.monotonic()
        data, answered = dribble(sock, b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"y" * 200, 0.02)
    assert parseResponses(data)[0].status == 408
    assert 0.4 < answered - started < 3


def test_idle_keep_alive_connection_closes(serve: Any) -> None:
    server = serve(Site(Echo(), limits=Limits(idle_timeout=0.4)))
    with server.connect() as sock:
        sock.sendall(b"GET /probe HTTP/1.1\r\nHost: a\r\n\r\n")
        started = time.monotonic()
        sock.settimeout(10)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert [r.status for r in parseResponses(data)] == [200]  # no 408 for an idle client
    assert 0.3 < time.monotonic() - started < 3


def test_silent_body_gets_408(serve: Any) -> None:
    server = serve(Site(Echo(), limits=Limits(body_timeout=0.5, min_body_rate=0)))
    with server.connect() as sock:
        sock.sendall(HEAD % 100 + b"x" * 10)
        started = time.monotonic()
        data, answered = dribble(sock, b"", 0)
    assert parseResponses(data)[0].status == 408
    assert 0.4 < answered - started < 3


def test_dribbled_body_gets_408_though_never_silent(serve: Any) -> None:
    limits = Limits(body_timeout=30, min_body_rate=200, body_rate_grace=0.5)
    server = serve(Site(Echo(), limits=limits))
    with server.connect() as sock:
        sock.sendall(HEAD % 10000)
        started = time.monotonic()
        data, answered = dribble(sock, b"x" * 10000, 0.02)  # about 50 bytes/s
    assert parseResponses(data)[0].status == 408
    assert answered - started < 5  # the rate, not the 30 s body timeout, ended it


def test_body_at_a_fair_rate_is_served(serve: Any) -> None:
    limits = Limits(body_timeout=30, min_body_rate=1000, body_rate_grace=0.3)
    server = serve(Site(Echo(), limits=limits))
    body = b"z" * 3000
    with server.connect() as sock:
        sock.sendall(HEAD % len(body))
        for i in range(0, len(body), 500):  # 500 bytes every 0.1 s: 5000 bytes/s
            assert not select.select([sock], [], [], 0.1)[0]
            sock.sendall(body[i : i + 500])
        sock.shutdown(socket.SHUT_WR)
        data, _ = dribble(sock, b"", 0)
    response = parseResponses(data)[0]
    assert response.status == 200
    assert response.body.endswith(b"3000:" + body)


@pytest.mark.timeout(60)
def test_many_slow_clients_do_not_starve_a_normal_one(serve: Any) -> None:
    """100 slowloris heads and 20 slow bodies held open; a normal client is still served."""
    limits = Limits(header_timeout=3, body_timeout=3, min_body_rate=100, body_rate_grace=3)
    server = serve(Site(Echo(), limits=limits))
    slow: list[socket.socket] = []
    try:
        for i in range(100):
            sock = server.connect()
            sock.sendall(b"GET /%d HTTP/1.1\r\nHost: a\r\nX-Slow: " % i)
            slow.append(sock)
        for _ in range(20):
            sock = server.connect()
            sock.sendall(HEAD % 1_000_000 + b"x")
            slow.append(sock)
        for _ in range(5):
            started = time.monotonic()
            answer = roundTrip(server)
            assert parseResponses(answer)[0].body == b"probe"
            assert time.monotonic() - started < 1.0
        # And every slow client is cut off by its deadline, answered 408.
        for sock in slow:
            data, _ = dribble(sock, b"", 0)
            assert parseResponses(data)[0].status == 408
    finally:
        for sock in slow:
            sock.close()


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
