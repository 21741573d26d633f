"""Raw-socket helpers for the hostile suite: a real plait server, hostile bytes, strict checks.

``serve(site)`` starts *site* on a loopback port in a background thread (parametrized over
uvloop and the stdlib loop). `attack` sends bytes in one write or one byte per write,
stopping as soon as the server answers, and reads until the server closes or goes quiet.
"""

from __future__ import annotations

import asyncio
import re
import select
import socket
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

import uvloop

from plait.internet.asyncioreactor import AsyncioReactor
from plait.web.resource import Resource

_LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop,
    "asyncio": asyncio.new_event_loop,
}

SEGMENTATIONS = ("whole", "bytewise")
"""How hostile input is written: in one ``sendall`` or one byte per ``send``."""

PROBE = b"GET /probe HTTP/1.1\r\nHost: probe\r\n\r\n"
"""A well-formed request whose answer names itself, to tell a kept connection from a closed one."""

_STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) [^\r\n]*\r\n")


@dataclass
class RunningServer:
    """A server started by the ``serve`` fixture."""

    host: str
    port: int
    reactor: AsyncioReactor
    loop: asyncio.AbstractEventLoop
    site: Any

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def connect(self, timeout: float = 10.0) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def call(self, f: Callable[..., Any], *args: Any) -> Any:
        """Run ``f(*args)`` on the server's loop and return its result."""
        future = asyncio.run_coroutine_threadsafe(_call(f, *args), self.loop)
        return future.result(10)


async def _call(f: Callable[..., Any], *args: Any) -> Any:
    return f(*args)


SMUGGLED = b"SMUGGLED-ANSWER"
"""What `Echo` answers for ``/smuggled``: it must never appear in a response to hostile input."""


class Echo(Resource):
    """Echoes method, target and body; ``/probe`` says ``probe``, ``/smuggled`` `SMUGGLED`."""

    isLeaf = True

    def render(self, request: Any) -> bytes:
        if request.path == b"/probe":
            return b"probe"
        if request.path == b"/smuggled":
            return SMUGGLED
        body = request.content.read()
        return b"%s %s %d:%s" % (request.method, request.uri, len(body), body)

    def render_HEAD(self, request: Any) -> bytes:
        return self.render(request)


@dataclass
class Response:
    """One response parsed strictly from the server's output."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: bytes) -> bytes | None:
        """The last value of header *name* (case-insensitive)."""
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found


_FIELD = re.compile(rb"([-!#$%&'*+.^_`|~0-9A-Za-z]+): ?([\t\x20-\x7e\x80-\xff]*)")


def parseResponses(
    data: bytes, heads: int = 0, headIndexes: Container[int] = ()
) -> list[Response]:
    """Split *data* into responses, failing on anything an RFC 9112 client would not accept.

    The first *heads* final responses, and those numbered in *headIndexes*, answer HEAD
    requests (no body whatever their headers say). A body delimited by the close is taken
    to run to the end of *data*.
    """
    out: list[Response] = []
    rest = data
    while rest:
        end = rest.find(b"\r\n\r\n")
        assert end >= 0, f"incomplete response head: {rest[:200]!r}"
        lines = rest[:end].split(b"\r\n")
        rest = rest[end + 4 :]
        status = _STATUS_LINE.fullmatch(lines[0] + b"\r\n")
        assert status is not None, f"bad status line: {lines[0]!r}"
        headers = []
        for line in lines[1:]:
            field = _FIELD.fullmatch(line)
            assert field is not None, f"bad header line: {line!r}"
            headers.append((field[1], field[2]))
        response = Response(int(status[1]), headers, b"")
        code = response.status
        if code < 200:
            out.append(response)
            continue
        names = [k.lower() for k, _ in headers]
        assert names.count(b"content-length") <= 1, "several Content-Length fields"
        assert not (b"content-length" in names and b"transfer-encoding" in names)
        length = response.header(b"content-length")
        final = len([r for r in out if r.status >= 200])
        if final < heads or final in headIndexes or code in (204, 304):
            pass
        elif (response.header(b"transfer-encoding") or b"").lower() == b"chunked":
            body = bytearray()
            while True:
                lf = rest.find(b"\r\n")
                assert lf > 0, "incomplete chunk size line"
                size = int(rest[:lf], 16)
                rest = rest[lf + 2 :]
                if size == 0:
                    assert rest.startswith(b"\r\n"), "no CRLF after the last chunk"
                    rest = rest[2:]
                    break
                assert len(rest) >= size + 2
                assert rest[size : size + 2] == b"\r\n"
                body += rest[:size]
                rest = rest[size + 2 :]
            response.body = bytes(body)
        elif length is not None:
            n = int(length)
            assert len(rest) >= n, "response body shorter than its Content-Length"
            response.body, rest = rest[:n], rest[n:]
        else:
            response.body, rest = rest, b""
        out.append(response)
    return out


@dataclass
class Outcome:
    """What the server did with one hostile input."""

    data: bytes
    """Every byte the server sent."""
    closed: bool
    """Whether the server closed the connection (EOF or reset)."""
    sentBeforeAnswer: int
    """How many input bytes were written before the first response byte was seen."""

    def responses(self, heads: int = 0) -> list[Response]:
        """The responses, parsed strictly (see `parseResponses`)."""
        return parseResponses(self.data, heads)

    @property
    def statuses(self) -> list[int]:
        """The status of every response, in order."""
        return [r.status for r in self.responses()]

    @property
    def probeAnswered(self) -> bool:
        """Whether the well-formed request sent after the input was answered."""
        return self.data.endswith(_PROBE_ANSWER)


_PROBE_ANSWER = b"\r\n\r\nprobe"


def assertRefused(outcome: Outcome, status: int) -> None:
    """Exactly one response, the error *status*; closed; nothing after it was served."""
    assert outcome.statuses == [status], outcome.data[:300]
    assert outcome.closed
    assert not outcome.probeAnswered
    assert SMUGGLED not in outcome.data
    assert outcome.responses()[0].header(b"connection") == b"close"


def assertServed(outcome: Outcome, status: int = 200, count: int = 1) -> None:
    """*count* responses with *status*, then the probe answered on the same connection."""
    assert outcome.statuses == [status] * count + [200], outcome.data[:300]
    assert outcome.probeAnswered
    assert SMUGGLED not in outcome.data


def attack(
    server: RunningServer,
    payload: bytes,
    segmentation: str,
    *,
    probe: bool = True,
    quiet: float = 1.0,
) -> Outcome:
    """Send *payload* (then, if *probe*, `PROBE` on the same connection) and collect the answer.

    Writing stops once the server has closed; reading stops at EOF, or after *quiet* seconds
    without a byte (the connection was kept open).
    """
    with server.connect() as sock:
        received = bytearray()
        pieces = [payload] if segmentation == "whole" else [bytes([b]) for b in payload]
        if probe:
            pieces.append(PROBE)
        sent = 0
        answeredAt = -1
        closed = False
        for piece in pieces:
            closed = _pump(sock, received)
            if received and answeredAt < 0:
                answeredAt = sent
            if closed:
                break
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sent += len(piece)
        if not closed:
            more, closed = _drain(sock, quiet)
            received += more
        if answeredAt < 0:
            answeredAt = sent
    return Outcome(bytes(received), closed, answeredAt)


def _pump(sock: socket.socket, into: bytearray) -> bool:
    """Read whatever has arrived without blocking; True once the server has closed."""
    while select.select([sock], [], [], 0)[0]:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return True
        if not chunk:
            return True
        into += chunk
    return False


def _drain(sock: socket.socket, quiet: float) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    sock.settimeout(quiet)
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return b"".join(chunks), False
        except ConnectionResetError:
            return b"".join(chunks), True
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        if chunk.endswith(_PROBE_ANSWER) or b"".join(chunks[-2:]).endswith(_PROBE_ANSWER):
            return b"".join(chunks), False


def roundTrip(server: RunningServer, payload: bytes = PROBE) -> bytes:
    """A fresh client's request and the server's complete answer (it closes after one)."""
    with server.connect() as sock:
        sock.sendall(payload.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
        return _drain(sock, 10.0)[0]
