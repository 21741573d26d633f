"""Graceful shutdown under load: SIGTERM to ``plait web`` while 200 clients are mid-request.

Every request that had started must get its complete response (marked ``Connection:
close``), new connections must be refused as soon as the server says it is shutting down,
and the process must exit, successfully, within its shutdown timeout.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from hostile_support import parseResponses

CLIENTS = 200
SHUTDOWN_TIMEOUT = 10.0

SITE = '''
from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET


WAITING = []


def finish(request):
    if not request._disconnected:
        request.setHeader(b"content-length", b"9")
        request.write(b"slow done")
        request.finish()


class Slow(Resource):
    """Holds every request until CLIENTS have arrived, then answers them all a second later.

    So each one is certainly in flight when the test, told "all started", sends SIGTERM.
    """

    isLeaf = True

    def render_GET(self, request):
        WAITING.append(request)
        if len(WAITING) == CLIENTS:
            for waiting in WAITING:
                reactor.callLater(1.0, finish, waiting)
            print("all started", flush=True)
        return NOT_DONE_YET
'''.replace("CLIENTS", str(CLIENTS))


class Lines:
    """The lines a process prints, read by a thread per stream, waited on with a bound."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        self.threads = [
            threading.Thread(target=self._read, args=(name, stream), daemon=True)
            for name, stream in (("out", proc.stdout), ("err", proc.stderr))
        ]
        for thread in self.threads:
            thread.start()

    def _read(self, name: str, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.queue.put((name, line.rstrip("\n")))

    def expect(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while (left := deadline - time.monotonic()) > 0:
            try:
                entry = self.queue.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(entry)
            match = regex.search(entry[1])
            if match:
                return match
        raise AssertionError(f"no line matching {pattern!r}; saw {self.seen[-20:]!r}")


def readToEnd(sock: socket.socket, deadline: float) -> bytes:
    data = b""
    while time.monotonic() < deadline:
        if not select.select([sock], [], [], deadline - time.monotonic())[0]:
            break
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    raise AssertionError(f"connection not closed in time; got {data[:200]!r}")


def test_sigterm_with_200_requests_in_flight(tmp_path: Path) -> None:
    (tmp_path / "hostile_shutdown_site.py").write_text(SITE)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("PLAIT_WORKER", None)
    command = [sys.executable, "-m", "plait", "web", "--listen", "tcp:0:interface=127.0.0.1"]
    command += ["--class", "hostile_shutdown_site.Slow"]
    command += ["--shutdown-timeout", str(SHUTDOWN_TIMEOUT)]
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    clients: list[socket.socket] = []
    try:
        lines = Lines(proc)
        url = lines.expect(r"listening on (\S+)")[1].rstrip("/")
        host, port = url.removeprefix("http://").rsplit(":", 1)
        address = (host, int(port))
        for _ in range(CLIENTS):
            sock = socket.create_connection(address, timeout=10)
            clients.append(sock)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        lines.expect(r"^all started$")
        began = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        match = lines.expect(r"shutting down: (\d+) open connection")
        assert int(match[1]) == CLIENTS
        try:
            refused = socket.create_connection(address, timeout=5)
        except ConnectionRefusedError:
            pass
        else:
            refused.close()
            raise AssertionError("a new connection was accepted after shutdown began")
        deadline = began + SHUTDOWN_TIMEOUT
        for sock in clients:
            responses = parseResponses(readToEnd(sock, deadline))
            assert [r.status for r in responses] == [200]
            assert responses[0].body == b"slow done"
            # Still in flight when the shutdown began: the head had not gone out yet.
            assert responses[0].header(b"connection") == b"close"
        assert proc.wait(timeout=max(0.1, deadline - time.monotonic())) == 0
        assert time.monotonic() - began < SHUTDOWN_TIMEOUT
    finally:
        for sock in clients:
            sock.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            with contextlib.suppress(Exception):
                stream.close()  # type: ignore[union-attr]
