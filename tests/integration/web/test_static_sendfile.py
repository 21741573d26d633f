"""static.File's body paths over real sockets: zero-copy on TCP, bounded producers on TLS.

Checks that sendfile is really what runs on plain TCP (on uvloop too), that a client going
away mid-file leaves nothing behind (file closed, descriptors back, nothing logged above
DEBUG), that TLS goes through the pull producer, and that memory does not grow with the
size of the files being served.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import trustme

from plait.web.server import Site
from plait.web.static import File

Serve = Callable[..., Any]

MiB = 1024 * 1024


@pytest.fixture
def sendfileCalls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts os.sendfile calls (made by plait on uvloop, by asyncio on the stdlib loop)."""
    calls: list[int] = []
    real = os.sendfile

    def counting(out_fd: int, in_fd: int, offset: int | None, count: int) -> int:
        sent = real(out_fd, in_fd, offset, count)
        calls.append(sent)
        return sent

    monkeypatch.setattr(os, "sendfile", counting)
    return calls


def _pattern(size: int) -> bytes:
    block = bytes(range(256)) * 4096  # 1 MiB with a period that catches misplaced bytes
    return (block * (size // len(block) + 1))[:size]


@pytest.fixture
def bigFile(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    path.write_bytes(_pattern(8 * MiB + 123))
    return path


def test_plain_tcp_uses_sendfile(serve: Serve, bigFile: Path, sendfileCalls: list[int]) -> None:
    server = serve(Site(File(str(bigFile.parent))))
    expected = bigFile.read_bytes()
    with httpx.Client() as client:
        response = client.get(server.url + "/big.bin")
        assert response.content == expected
        assert sum(sendfileCalls) == len(expected)
        sendfileCalls.clear()
        ranged = client.get(server.url + "/big.bin", headers={"range": "bytes=5-9,-3"})
        assert ranged.status_code == 206
        assert expected[5:10] in ranged.content
        assert ranged.content.count(expected[-3:]) >= 1
        assert sum(sendfileCalls) == 8
        # The connection stays usable after zero-copy responses.
        assert (
            client.get(server.url + "/big.bin", headers={"range": "bytes=0-1"}).content
            == (expected[:2])
        )


def test_pipelined_requests_around_sendfile(serve: Serve, tmp_path: Path) -> None:
    """Responses written through the transport and by sendfile come out in order."""
    (tmp_path / "a.txt").write_bytes(b"A" * 100_000)
    (tmp_path / "b.txt").write_bytes(b"b")
    server = serve(Site(File(str(tmp_path))))
    request = b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n"
    with server.connect() as sock:
        sock.sendall(
            request % b"b.txt" + request % b"a.txt" + request % b"nope" + request % b"a.txt"
        )
        sock.sendall(b"GET /b.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    stream = b"".join(chunks)
    assert stream.count(b"HTTP/1.1 200 OK") == 4
    assert stream.count(b"HTTP/1.1 404") == 1
    assert stream.count(b"A" * 100_000) == 2
    bodies = [part.split(b"\r\n\r\n", 1)[1][:1] for part in stream.split(b"HTTP/1.1 ")[1:]]
    assert bodies == [b"b", b"A", b"<", b"A", b"b"]


class _Tracked(File):
    """A File whose opened files report when they are closed."""

    closed: threading.Event

    def openForReading(self) -> IO[bytes]:
        handle = super().openForReading()
        event = self.closed
        real = handle.close

        def close() -> None:
            real()
            event.set()

        handle.close = close  # type: ignore[method-assign]
        return handle


def _openFds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("reset", [False, True], ids=["close", "reset"])
def test_client_disconnecting_mid_file(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture, reset: bool
) -> None:
    """Read a little, go away: the file is closed, fds come back, no error is logged."""
    (tmp_path / "huge.bin").write_bytes(b"\0" * (48 * MiB))
    root = _Tracked(str(tmp_path))
    _Tracked.closed = threading.Event()
    server = serve(Site(root))
    # Warm up (lazy imports, the loop's own descriptors), then wait for EOF: the server has
    # closed its side of that connection by then.
    with server.connect() as warm:
        warm.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0\r\n")
        warm.sendall(b"Connection: close\r\n\r\n")
        while warm.recv(65536):
            pass
    assert _Tracked.closed.wait(10)
    server.call(lambda: None)
    _Tracked.closed = threading.Event()
    before = _openFds()
    caplog.set_level(logging.DEBUG)
    sock = server.connect()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sock.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    received = 0
    while received < 200_000:
        received += len(sock.recv(65536))
    if reset:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    sock.close()
    assert _Tracked.closed.wait(10), "the file was never closed"
    # Let the loop finish tearing the connection down.
    for _ in range(3):
        server.call(lambda: None)
    assert server.call(lambda: len(server.site._channels)) == 0
    assert _openFds() == before
    problems = [r for r in caplog.records if r.levelno > logging.DEBUG and "plait" in r.name]
    assert problems == []
    assert not [r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]
    # And the server goes on serving.
    assert httpx.get(server.url + "/huge.bin", headers={"range": "bytes=1-2"}).content == b"\0\0"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tlsContexts(ca: trustme.CA) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


def test_tls_uses_the_bounded_producer(
    serve: Serve,
    bigFile: Path,
    sendfileCalls: list[int],
    tlsContexts: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    serverContext, clientContext = tlsContexts
    server = serve(Site(File(str(bigFile.parent))), tls=serverContext)
    expected = bigFile.read_bytes()
    with httpx.Client(verify=clientContext) as client:
        response = client.get(server.url + "/big.bin")
        assert response.status_code == 200
        assert response.content == expected
        ranged = client.get(server.url + "/big.bin", headers={"range": "bytes=-4,0-2"})
        assert ranged.status_code == 206
        assert expected[:3] in ranged.content
        assert expected[-4:] in ranged.content
        single = client.get(server.url + "/big.bin", headers={"range": "bytes=1048570-1048580"})
        assert single.content == expected[1048570:1048581]
    assert sendfileCalls == []


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _download(
    host: str, port: int, path: bytes, context: ssl.SSLContext | None, peak: list[int]
) -> int:
    """Fetch *path* reading 64 KiB at a time; record the peak RSS seen; return body size."""
    raw = socket.create_connection((host, port), timeout=30)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sock = context.wrap_socket(raw, server_hostname=host) if context else raw
    with sock:
        sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        total = 0
        count = 0
        while data := sock.recv(65536):
            total += len(data)
            count += 1
            if count % 64 == 0:
                peak.append(_rss())
    return total


@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
def test_memory_does_not_grow_with_file_size(
    serve: Serve,
    tmp_path: Path,
    tlsContexts: tuple[ssl.SSLContext, ssl.SSLContext],
    tls: bool,
) -> None:
    """Several clients downloading a 64 MiB file at once: RSS grows by far less than it."""
    size = 64 * MiB
    with open(tmp_path / "64m.bin", "wb") as f:
        f.truncate(size)  # sparse: cheap to make, still 64 MiB of bytes to send
    serverContext, clientContext = tlsContexts
    server = serve(Site(File(str(tmp_path))), tls=serverContext if tls else None)
    clients = 2 if tls else 6
    baseline = _rss()
    peak: list[int] = []
    results: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                _download(
                    server.host, server.port, b"/64m.bin", clientContext if tls else None, peak
                )
            )
        )
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(100)
    head = len(b"HTTP/1.1 200 OK\r\n")
    assert len(results) == clients
    assert all(result > size + head for result in results)
    assert peak
    assert max(peak) - baseline < 24 * MiB
