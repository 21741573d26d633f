"""Run a server program in a subprocess and talk to it over a raw loopback socket.

A program announces its port by printing ``PORT <n>`` once it listens (it listens on port 0,
so there is no free-port race); the harness reads the process's output in a thread and lets
tests wait, with a deadline, for a line to appear. Every process is stopped by its PID.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

WAIT = 15.0
"""The longest any single wait in the compat suite may take, in seconds."""


class Program:
    """A running server process whose combined stdout/stderr is collected line by line."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        environment = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            match = self.waitFor(r"(?:^|\] )PORT (\d+)$")
        except BaseException:
            self.stop()  # a program that never listened must not outlive the test
            raise
        self.port = int(match.group(1))

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            with self._changed:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        """Everything the process printed so far."""
        with self._changed:
            return "\n".join(self.lines)

    def waitFor(self, pattern: str, timeout: float = WAIT) -> re.Match[str]:
        """Wait until a line matches *pattern*; fail with the output after *timeout*."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    found = regex.search(line)
                    if found:
                        return found
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"no line matching {pattern!r} in:\n{self.output}")
                self._changed.wait(left)

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL) and collect it."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def startProgram(source: str, directory: Path, *args: str, name: str = "prog.py") -> Program:
    """Write *source* to *directory*/*name* and run it with this interpreter."""
    path = directory / name
    path.write_text(source, encoding="utf-8")
    return Program([sys.executable, str(path), *args], cwd=directory)


@dataclass
class Response:
    """One parsed HTTP/1.x response."""

    version: bytes
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    raw: bytes = b""
    names: dict[bytes, list[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in self.headers:
            self.names.setdefault(name.lower(), []).append(value)

    def header(self, name: bytes) -> bytes | None:
        """The first value of header *name* (any case), or None."""
        values = self.names.get(name.lower())
        return values[0] if values else None

    def value(self, name: bytes) -> bytes:
        """The first value of header *name*, or ``b""``."""
        return self.header(name) or b""

    def all(self, name: bytes) -> list[bytes]:
        """Every value of header *name*."""
        return self.names.get(name.lower(), [])


def _readChunked(sock: socket.socket, buffer: bytes) -> tuple[bytes, bytes]:
    body = b""
    while True:
        while b"\r\n" not in buffer:
            buffer += _recv(sock)
        line, buffer = buffer.split(b"\r\n", 1)
        size = int(line.split(b";")[0], 16)
        if size == 0:
            while b"\r\n\r\n" not in b"\r\n" + buffer:
                buffer += _recv(sock)
            end = (b"\r\n" + buffer).index(b"\r\n\r\n") + 2
            return body, buffer[end:]
        while len(buffer) < size + 2:
            buffer += _recv(sock)
        body += buffer[:size]
        buffer = buffer[size + 2 :]


def _recv(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("server closed the connection mid-response")
    return data


def readResponse(
    sock: socket.socket, buffer: bytes = b"", head: bool = False
) -> tuple[Response, bytes]:
    """Read one response from *sock* (after *buffer*); return it and the bytes after it."""
    while b"\r\n\r\n" not in buffer:
        buffer += _recv(sock)
    headBytes, buffer = buffer.split(b"\r\n\r\n", 1)
    statusLine, *fieldLines = headBytes.split(b"\r\n")
    version, status, *reason = statusLine.split(b" ", 2)
    headers = [
        (name.strip(), value.strip())
        for name, _, value in (line.partition(b":") for line in fieldLines)
    ]
    response = Response(version, int(status), reason[0] if reason else b"", headers, b"")
    code = response.status
    if head or code in (204, 304) or 100 <= code < 200:
        body = b""
    elif response.header(b"transfer-encoding") == b"chunked":
        body, buffer = _readChunked(sock, buffer)
    elif response.header(b"content-length") is not None:
        length = int(response.header(b"content-length") or b"0")
        while len(buffer) < length:
            buffer += _recv(sock)
        body, buffer = buffer[:length], buffer[length:]
    else:
        body = buffer
        while True:
            data = sock.recv(65536)
            if not data:
                break
            body += data
        buffer = b""
    response.body = body
    response.raw = headBytes
    return response, buffer


def request(
    port: int,
    method: str,
    target: str,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    body: bytes = b"",
    version: str = "HTTP/1.1",
) -> Response:
    """Send one request on a fresh connection (``Connection: close``) and read the answer."""
    items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {name.lower() for name, _ in items}
    if "host" not in names:
        items.insert(0, ("Host", f"127.0.0.1:{port}"))
    if body and "content-length" not in names:
        items.append(("Content-Length", str(len(body))))
    items.append(("Connection", "close"))
    head = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in items)
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        response, _ = readResponse(sock, head=method == "HEAD")
    return response


def cookieFrom(response: Response, name: bytes) -> str:
    """``name=value`` of the cookie *name* the response sets, ready for a Cookie header."""
    for value in response.all(b"set-cookie"):
        pair = value.split(b";", 1)[0]
        if pair.split(b"=", 1)[0] == name:
            return pair.decode("latin-1")
    raise AssertionError(f"no {name!r} cookie in {response.all(b'set-cookie')}")
