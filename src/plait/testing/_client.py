"""An in-memory test client: drives a `Site` through its real HTTP channel, without sockets.

Requests are serialised to bytes, fed to a real `HTTPChannel` over an in-memory transport,
and the bytes it writes back are parsed into a `TestResponse`. Everything between the two
(the parser, the limits, traversal, rendering, sessions) is the code that serves real
clients, so a resource that passes here behaves the same on a socket.
"""

from __future__ import annotations

import asyncio
import json as _json
from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

__all__ = ["MemoryTransport", "TestClient", "TestResponse"]


class MemoryTransport(asyncio.Transport):
    """An asyncio transport that keeps what is written in memory."""

    def __init__(
        self,
        peer: tuple[str, int] = ("127.0.0.1", 54321),
        host: tuple[str, int] = ("127.0.0.1", 8080),
        secure: bool = False,
    ) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self.readingPaused = False
        self._extra: dict[str, Any] = {"peername": peer, "sockname": host}
        if secure:
            self._extra["sslcontext"] = object()
        self._protocol: asyncio.BaseProtocol | None = None
        self._closeWaiters: list[asyncio.Future[None]] = []

    def whenClosed(self) -> asyncio.Future[None]:
        """A future that completes when the server closes this transport."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.closed:
            waiter.set_result(None)
        else:
            self._closeWaiters.append(waiter)
        return waiter

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._extra.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self.closed:
            self.written += data

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            waiters, self._closeWaiters = self._closeWaiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def is_closing(self) -> bool:
        return self.closed

    def abort(self) -> None:
        self.close()

    def pause_reading(self) -> None:
        self.readingPaused = True

    def resume_reading(self) -> None:
        self.readingPaused = False

    def is_reading(self) -> bool:
        return not self.readingPaused

    def get_write_buffer_size(self) -> int:
        return 0

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self._protocol is not None
        return self._protocol


class TestResponse:
    """A response received by `TestClient`."""

    __test__ = False  # not a pytest test class

    def __init__(self, code: int, phrase: bytes, headers: list[tuple[bytes, bytes]], body: bytes):
        self.code = code
        self.phrase = phrase
        self.headerList = headers
        self.body = body

    @property
    def status_code(self) -> int:
        """The status code (httpx's name)."""
        return self.code

    def header(self, name: str) -> str | None:
        """The last value of header *name*, or None."""
        wanted = name.lower().encode("latin-1")
        found = None
        for key, value in self.headerList:
            if key.lower() == wanted:
                found = value.decode("latin-1")
        return found

    def headerValues(self, name: str) -> list[str]:
        """Every value of header *name*."""
        wanted = name.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.headerList if k.lower() == wanted]

    @property
    def headers(self) -> dict[str, str]:
        """The headers as a dict of lower-cased names to their last value."""
        return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.headerList}

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return _json.loads(self.body)

    def __repr__(self) -> str:
        return f"<TestResponse {self.code} {len(self.body)} bytes>"


class TestClient:
    """Send requests to a `Site` in memory: ``TestClient(site).get("/path")``.

    Cookies set by responses are kept and sent back, like a browser would. Each request
    goes over a fresh connection; an ``async def`` render is awaited on a private event
    loop (or, in `arequest`, on the running one).
    """

    __test__ = False

    def __init__(self, site: Any, host: str = "testserver", secure: bool = False) -> None:
        self.site = site
        self.host = host
        self.secure = secure
        self.cookies: dict[str, str] = {}

    def _serialise(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
    ) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}"]
        sent = {"host"}
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
            sent.add(name.lower())
        if self.cookies and "cookie" not in sent:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None and "content-length" not in sent:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")

    async def arequest(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 -- a plain timeout is the simplest API here
    ) -> TestResponse:
        """Send one request on the running loop and wait (up to *timeout*) for the response."""
        transport = MemoryTransport(
            host=("127.0.0.1", 443 if self.secure else 80), secure=self.secure
        )
        channel = self.site.buildProtocol(None)
        transport.set_protocol(channel)
        channel.connection_made(transport)
        closed = transport.whenClosed()
        channel.data_received(self._serialise(method, path, headers, body))
        try:
            await asyncio.wait_for(closed, timeout)
        except TimeoutError:
            raise TimeoutError(f"no complete response to {method} {path} in {timeout}s") from None
        finally:
            channel.connection_lost(None)
        response = _parseResponse(bytes(transport.written), method == "HEAD")
        for value in response.headerValues("set-cookie"):
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(value)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response

    def request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> TestResponse:
        """Send one request and return the response (runs a private event loop)."""
        return asyncio.run(self.arequest(method, path, headers, body))

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> TestResponse:
        """GET *path*."""
        return self.request("GET", path, headers)

    def head(self, path: str, headers: Mapping[str, str] | None = None) -> TestResponse:
        """HEAD *path*."""
        return self.request("HEAD", path, headers)

    def post(
        self,
        path: str,
        data: Mapping[str, str] | bytes | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> TestResponse:
        """POST a form (*data* as a mapping), raw bytes (*data* as bytes) or *json*."""
        merged = dict(headers or {})
        if json is not None:
            body = _json.dumps(json).encode("utf-8")
            merged.setdefault("Content-Type", "application/json")
        elif isinstance(data, Mapping):
            body = urlencode(data).encode("ascii")
            merged.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            body = data or b""
        return self.request("POST", path, merged, body)


def _parseResponse(raw: bytes, head: bool) -> TestResponse:
    import httptools

    state: dict[str, Any] = {"headers": [], "body": bytearray(), "done": False}

    class _Callbacks:
        def on_header(self, name: bytes, value: bytes) -> None:
            state["headers"].append((name, value))

        def on_body(self, body: bytes) -> None:
            state["body"] += body

        def on_status(self, status: bytes) -> None:
            state["phrase"] = status

        def on_message_complete(self) -> None:
            state["done"] = True

        def on_headers_complete(self) -> None:
            if head:
                state["done"] = True

    parser = httptools.HttpResponseParser(_Callbacks())
    # Skip interim 1xx responses: the test client only reports the final one.
    while raw.startswith(b"HTTP/1.1 1"):
        end = raw.find(b"\r\n\r\n")
        if end < 0:
            break
        raw = raw[end + 4 :]
    try:
        parser.feed_data(raw)
        if not state["done"]:
            parser.feed_data(b"")
    except httptools.HttpParserError as exc:
        if not state["done"]:
            raise AssertionError(f"malformed response: {exc}: {raw[:200]!r}") from exc
    return TestResponse(
        parser.get_status_code(),
        state.get("phrase", b""),
        state["headers"],
        bytes(state["body"]),
    )
