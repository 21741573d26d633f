"""Templates served over a real socket: renderer errors, tracebacks, and waiting renderers.

A page rendered with ``renderElement`` has written its doctype before any renderer runs, so a
renderer's error cannot change the status any more: the page ends with a short error
message (or the traceback, when ``site.displayTracebacks`` is on), the error is logged, and
the server goes on serving. A renderer that waits (on a Deferred or in a coroutine) holds
only its own response.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from plait.internet.defer import Deferred
from plait.web.resource import Resource
from plait.web.server import Site
from plait.web.template import (
    TEMPLATE_NAMESPACE,
    Element,
    Tag,
    TagLoader,
    XMLString,
    renderElement,
    renderer,
)

Serve = Callable[..., Any]
NS = f'xmlns:t="{TEMPLATE_NAMESPACE}"'
ERROR_MESSAGE = b"An error occurred while rendering the response."

PAGE = XMLString(
    f'<html {NS}><body><h1>Report</h1><p t:render="value" /><footer>end</footer></body></html>'
)


class Page(Element):
    """A page whose ``value`` renderer fills its tag with whatever ``produce`` gives."""

    loader = PAGE

    def __init__(self, produce: Callable[[], Any]) -> None:
        super().__init__()
        self.produce = produce

    @renderer
    def value(self, request: Any, tag: Tag) -> Tag:
        return tag(self.produce())


class ElementResource(Resource):
    """Renders ``Page(produce)`` with ``renderElement`` for every GET."""

    isLeaf = True

    def __init__(self, produce: Callable[[], Any]) -> None:
        super().__init__()
        self.produce = produce

    def render_GET(self, request: Any) -> Any:
        return renderElement(request, Page(self.produce))


def raiser() -> Any:
    raise ValueError("the <secret> detail")


def tree(**pages: Callable[[], Any]) -> Resource:
    root = Resource()
    for name, produce in pages.items():
        root.putChild(name.encode(), ElementResource(produce))
    return root


def dechunk(data: bytes) -> bytes:
    """The body of a whole chunked HTTP/1.1 response, head included."""
    head, _, data = data.partition(b"\r\n\r\n")
    assert b"\r\ntransfer-encoding: chunked" in head.lower()
    body = b""
    while True:
        size, _, data = data.partition(b"\r\n")
        length = int(size, 16)
        if length == 0:
            return body
        body += data[:length]
        data = data[length + 2 :]


def recv_until(sock: socket.socket, marker: bytes, limit: float = 10.0) -> bytes:
    """Read from ``sock`` until ``marker`` has arrived (or fail after ``limit`` seconds)."""
    sock.settimeout(limit)
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before {marker!r}; got {data!r}"
        data += chunk
    return data


def test_renderer_error_gives_the_short_page_and_is_logged(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="plait.web.template")
    server = serve(Site(tree(broken=raiser, fine=lambda: "all well")))
    with httpx.Client(base_url=server.url) as client:
        broken = client.get("/broken")
        # The doctype was on its way already; the markup still buffered when the renderer
        # raised is dropped (as in Twisted), so no half page comes before the message.
        assert broken.status_code == 200
        assert broken.content == (
            b"<!DOCTYPE html>\n"
            b'<div style="font-size:800%;background-color:#FFF;color:#F00">'
            + ERROR_MESSAGE
            + b"</div>"
        )
        # The same connection, and the server, go on serving.
        fine = client.get("/fine")
    assert fine.status_code == 200
    assert fine.content == (
        b"<!DOCTYPE html>\n<html><body><h1>Report</h1><p>all well</p>"
        b"<footer>end</footer></body></html>"
    )
    records = [r for r in caplog.records if r.name == "plait.web.template"]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "the <secret> detail" in caplog.text


def test_renderer_error_with_display_tracebacks(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="plait.web.template")
    site = Site(tree(broken=raiser))
    site.displayTracebacks = True
    server = serve(site)
    response = httpx.get(server.url + "/broken")
    body = response.content.decode()
    assert response.status_code == 200
    assert ERROR_MESSAGE.decode() not in body
    assert "ValueError" in body
    # The message is escaped in the page, and the renderer's own frame is shown.
    assert "the &lt;secret&gt; detail" in body
    assert "<secret>" not in body
    assert "raiser" in body
    assert "the <secret> detail" in caplog.text


def test_a_failing_deferred_after_output_ends_the_page_with_the_error(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="plait.web.template")
    pending: list[Deferred[Any]] = []

    def later() -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        pending.append(d)
        return d

    server = serve(Site(tree(later=later, fine=lambda: "fine")))
    with server.connect() as sock:
        sock.sendall(b"GET /later HTTP/1.1\r\nHost: t\r\n\r\n")
        # What came before the renderer is sent before its Deferred fires.
        head = recv_until(sock, b"<h1>Report</h1><p>")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        server.call(lambda: pending[0].errback(RuntimeError("late failure")))
        page = dechunk(head + recv_until(sock, b"\r\n0\r\n\r\n"))
        # The page so far stays; the message ends it.
        assert page.startswith(b"<!DOCTYPE html>\n<html><body><h1>Report</h1><p><div ")
        assert page.endswith(ERROR_MESSAGE + b"</div>")
        assert b"late failure" not in page
        # The connection is still good for another request.
        sock.sendall(b"GET /fine HTTP/1.1\r\nHost: t\r\n\r\n")
        again = recv_until(sock, b"</html>")
        assert again.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"<p>fine</p>" in again
    assert "late failure" in caplog.text


def test_a_waiting_deferred_renderer_does_not_block_other_requests(serve: Serve) -> None:
    pending: list[Deferred[str]] = []

    def waiting() -> Deferred[str]:
        d: Deferred[str] = Deferred()
        pending.append(d)
        return d

    server = serve(Site(tree(slow=waiting, fast=lambda: "quick")))
    with server.connect() as slow:
        slow.sendall(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        head = recv_until(slow, b"<h1>Report</h1><p>")
        assert server.call(lambda: len(pending)) == 1
        # While /slow waits, other requests are answered in full.
        with httpx.Client(base_url=server.url) as client:
            for _ in range(3):
                assert b"<p>quick</p>" in client.get("/fast").content
        assert server.call(lambda: pending[0].called) is False
        server.call(lambda: pending[0].callback("finally <here>"))
        page = dechunk(head + recv_until(slow, b"\r\n0\r\n\r\n"))
    assert page == (
        b"<!DOCTYPE html>\n<html><body><h1>Report</h1><p>finally &lt;here&gt;</p>"
        b"<footer>end</footer></body></html>"
    )


def test_a_coroutine_renderer_does_not_block_other_requests(serve: Serve) -> None:
    started = threading.Event()
    release: list[asyncio.Event] = []

    async def awaiting() -> str:
        event = asyncio.Event()
        release.append(event)
        started.set()
        await event.wait()
        return "awaited"

    server = serve(Site(tree(slow=awaiting, fast=lambda: "quick")))
    with server.connect() as slow:
        slow.sendall(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        assert started.wait(10)
        head = recv_until(slow, b"<h1>Report</h1><p>")
        with httpx.Client(base_url=server.url) as client:
            concurrent = [client.get("/fast") for _ in range(3)]
        assert all(b"<p>quick</p>" in r.content for r in concurrent)
        server.call(lambda: release[0].set())
        page = dechunk(head + recv_until(slow, b"\r\n0\r\n\r\n"))
    assert b"<h1>Report</h1><p>awaited</p><footer>" in page


def test_the_server_keeps_serving_after_a_client_leaves_mid_render(serve: Serve) -> None:
    pending: list[Deferred[str]] = []

    def waiting() -> Deferred[str]:
        d: Deferred[str] = Deferred()
        pending.append(d)
        return d

    server = serve(Site(tree(slow=waiting, fast=lambda: "quick")))
    with server.connect() as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        recv_until(sock, b"<h1>Report</h1>")
    # The client is gone: rendering stops and the renderer's Deferred is cancelled.
    cancelled = threading.Event()

    def check() -> None:
        d = pending[0]
        if d.called:
            cancelled.set()
        else:
            server.loop.call_later(0.01, check)

    server.call(check)
    assert cancelled.wait(10)
    # The cancellation was consumed: nothing is left to be logged as an unhandled error.
    assert server.call(lambda: pending[0].result) is None
    assert b"<p>quick</p>" in httpx.get(server.url + "/fast").content


def test_a_large_page_streams_in_bounded_writes(serve: Serve) -> None:
    rows = [Tag("tr")(Tag("td")(f"row {i} <&>"), Tag("td")(str(i))) for i in range(6000)]
    writes: list[int] = []

    class Counting(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> Any:
            original = request.write

            def write(data: bytes) -> None:
                writes.append(len(data))
                original(data)

            request.write = write
            return renderElement(request, Element(TagLoader(Tag("table")(rows))))

    server = serve(Site(Counting()))
    response = httpx.get(server.url + "/")
    body = response.content
    assert response.status_code == 200
    assert body.startswith(b"<!DOCTYPE html>\n<table><tr><td>row 0 &lt;&amp;&gt;</td>")
    assert body.endswith(b"<td>row 5999 &lt;&amp;&gt;</td><td>5999</td></tr></table>")
    assert body.count(b"<tr>") == 6000
    # Well over one buffer's worth, written as several bounded pieces, not one.
    assert len(body) > 3 * 65536
    assert len(writes) > 3
    assert max(writes) < 2 * 65536
