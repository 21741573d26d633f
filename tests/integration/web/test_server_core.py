"""The web server core over real sockets: Site, Request, Resource rendering, errors."""

from __future__ import annotations

import asyncio
import gzip
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from plait.internet import defer
from plait.web.resource import EncodingResourceWrapper, Resource
from plait.web.server import NOT_DONE_YET, GzipEncoderFactory, Site

Serve = Callable[..., Any]


class Text(Resource):
    isLeaf = True

    def __init__(self, body: bytes | str = b"hello") -> None:
        super().__init__()
        self.body = body

    def render_GET(self, request: Any) -> bytes | str:
        return self.body


def recv_until_closed(sock: socket.socket, limit: float = 10.0) -> bytes:
    sock.settimeout(limit)
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def recv_response(sock: socket.socket) -> bytes:
    """Read one response with a Content-Length (or none) from a raw socket."""
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_seed_clock_page(serve: Serve) -> None:
    """The seed's ClockPage, returning str, serves a UTF-8 page with Server and Date."""

    class ClockPage(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> str:
            return f"<html><body>{time.ctime()}</body></html>"

    server = serve(Site(ClockPage()))
    response = httpx.get(server.url + "/")
    assert response.status_code == 200
    assert response.text.startswith("<html><body>")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["server"].startswith("plait/")
    assert response.headers["date"].endswith(" GMT")
    assert int(response.headers["content-length"]) == len(response.content)


def test_non_ascii_str_is_utf8(serve: Serve) -> None:
    server = serve(Site(Text("héllo ☃")))
    response = httpx.get(server.url + "/")
    assert response.content == "héllo ☃".encode()


def test_keep_alive_reuses_the_connection(serve: Serve) -> None:
    server = serve(Site(Text(b"x")))
    with server.connect() as sock:
        for _ in range(3):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            response = recv_response(sock)
            assert response.startswith(b"HTTP/1.1 200 OK\r\n")
            assert response.endswith(b"\r\n\r\nx")


def test_http10_closes_after_the_response(serve: Serve) -> None:
    server = serve(Site(Text(b"old")))
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = recv_until_closed(sock)
    assert data.endswith(b"\r\n\r\nold")
    assert b"chunked" not in data.lower()


def test_http10_keep_alive(serve: Serve) -> None:
    server = serve(Site(Text(b"old")))
    with server.connect() as sock:
        for _ in range(2):
            sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            response = recv_response(sock)
            assert b"\r\nconnection: keep-alive\r\n" in response.lower()
            assert response.endswith(b"old")


def test_connection_close_is_honoured(serve: Serve) -> None:
    server = serve(Site(Text(b"bye")))
    with server.connect() as sock:
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
            b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        data = recv_until_closed(sock)
    assert data.count(b"HTTP/1.1 200") == 1
    assert b"\r\nconnection: close\r\n" in data.lower()


def test_head_keeps_length_and_sends_no_body(serve: Serve) -> None:
    server = serve(Site(Text(b"twelve bytes")))
    with server.connect() as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        sock.settimeout(10)
        data = b""
        while data.count(b"twelve bytes") < 1:
            data += sock.recv(65536)
    head_response, _, rest = data.partition(b"\r\n\r\n")
    assert b"content-length: 12" in head_response.lower()
    assert rest.startswith(b"HTTP/1.1 200 OK")  # the HEAD response carried no body


def test_unsupported_methods(serve: Serve) -> None:
    server = serve(Site(Text()))
    put = httpx.put(server.url + "/", content=b"x")
    assert put.status_code == 405
    assert set(put.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    brew = httpx.request("BREW", server.url + "/")
    assert brew.status_code == 501
    options = httpx.options(server.url + "/")
    assert options.status_code == 204
    assert "GET" in options.headers["allow"]


def test_options_asterisk(serve: Serve) -> None:
    server = serve(Site(Text()))
    with server.connect() as sock:
        sock.sendall(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
        response = recv_response(sock)
    assert response.startswith(b"HTTP/1.1 200 OK")
    assert b"content-length: 0" in response.lower()


def test_head_without_get_is_405(serve: Serve) -> None:
    class PostOnly(Resource):
        isLeaf = True

        def render_POST(self, request: Any) -> bytes:
            return b"posted"

    server = serve(Site(PostOnly()))
    assert httpx.head(server.url + "/").status_code == 405
    assert httpx.post(server.url + "/").text == "posted"


def test_missing_child_is_404(serve: Serve) -> None:
    root = Resource()
    root.putChild(b"a", Text())
    server = serve(Site(root))
    assert httpx.get(server.url + "/a").text == "hello"
    missing = httpx.get(server.url + "/b")
    assert missing.status_code == 404
    assert httpx.get(server.url + "/").status_code == 404  # no b"" child


class Boom(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        raise ValueError("<kaboom>")


def test_exception_is_a_logged_500(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="plait.web.server")
    server = serve(Site(Boom()))
    response = httpx.get(server.url + "/")
    assert response.status_code == 500
    assert "kaboom" not in response.text
    assert "ValueError: <kaboom>" in caplog.text
    # the server keeps serving
    assert httpx.get(server.url + "/").status_code == 500


def test_display_tracebacks_escapes(serve: Serve) -> None:
    site = Site(Boom())
    site.displayTracebacks = True
    server = serve(site)
    response = httpx.get(server.url + "/")
    assert response.status_code == 500
    assert "&lt;kaboom&gt;" in response.text
    assert "<kaboom>" not in response.text


def test_bad_render_result_is_500(serve: Serve) -> None:
    class ReturnsInt(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> int:
            return 42

    server = serve(Site(ReturnsInt()))
    assert httpx.get(server.url + "/").status_code == 500


def test_async_def_render(serve: Serve) -> None:
    class Awaiting(Resource):
        isLeaf = True

        async def render_GET(self, request: Any) -> bytes:
            await asyncio.sleep(0.01)
            return b"awaited"

    server = serve(Site(Awaiting()))
    assert httpx.get(server.url + "/").text == "awaited"


def test_deferred_render(serve: Serve) -> None:
    class Later(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> defer.Deferred[bytes]:
            d: defer.Deferred[bytes] = defer.Deferred()
            asyncio.get_running_loop().call_later(0.01, d.callback, b"deferred")
            return d

    server = serve(Site(Later()))
    assert httpx.get(server.url + "/").text == "deferred"


def test_failing_deferred_is_500(serve: Serve) -> None:
    class Fails(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> defer.Deferred[bytes]:
            return defer.fail(RuntimeError("nope"))

    server = serve(Site(Fails()))
    assert httpx.get(server.url + "/").status_code == 500


def test_not_done_yet_streams_chunked(serve: Serve) -> None:
    class Streaming(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> int:
            loop = asyncio.get_running_loop()
            request.write(b"one,")
            loop.call_later(0.01, request.write, b"two,")
            loop.call_later(0.02, lambda: (request.write(b"three"), request.finish()))
            return NOT_DONE_YET

    server = serve(Site(Streaming()))
    response = httpx.get(server.url + "/")
    assert response.text == "one,two,three"
    assert response.headers["transfer-encoding"] == "chunked"


def test_disconnect_cancels_a_coroutine_render(serve: Serve) -> None:
    cancelled = threading.Event()
    started = threading.Event()

    class Slow(Resource):
        isLeaf = True

        async def render_GET(self, request: Any) -> bytes:
            started.set()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.set()
                raise
            return b"never"

    server = serve(Site(Slow()))
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert started.wait(10)
    assert cancelled.wait(10)


def test_notify_finish_errback_on_disconnect(serve: Serve) -> None:
    lost = threading.Event()

    class Hang(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> int:
            request.notifyFinish().addErrback(lambda f: lost.set())
            return NOT_DONE_YET

    server = serve(Site(Hang()))
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert lost.wait(10)


def test_pipelined_responses_stay_in_order(serve: Serve) -> None:
    """A slow first request still answers first, whatever the later ones do."""

    class Delay(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> int:
            delay = float(request.args[b"d"][0])
            asyncio.get_running_loop().call_later(
                delay, lambda: (request.write(request.args[b"n"][0]), request.finish())
            )
            return NOT_DONE_YET

    server = serve(Site(Delay()))
    requests = b"".join(
        b"GET /?n=%d&d=%s HTTP/1.1\r\nHost: a\r\n\r\n" % (n, d)
        for n, d in [(1, b"0.05"), (2, b"0"), (3, b"0.01")]
    )
    for segmentation in ("whole", "bytewise"):
        with server.connect() as sock:
            if segmentation == "whole":
                sock.sendall(requests)
            else:
                for i in range(len(requests)):
                    sock.sendall(requests[i : i + 1])
            data = b""
            sock.settimeout(10)
            while data.count(b"0\r\n\r\n") < 3:
                chunk = sock.recv(65536)
                assert chunk
                data += chunk
        bodies = [part.split(b"\r\n")[1] for part in data.split(b"\r\n\r\n")[1::2]]
        assert bodies == [b"1", b"2", b"3"]


def test_post_forms(serve: Serve) -> None:
    class Echo(Resource):
        isLeaf = True

        def render_POST(self, request: Any) -> bytes:
            return repr(sorted(request.args.items())).encode()

    server = serve(Site(Echo()))
    form = httpx.post(server.url + "/?q=1", data={"a": "x y", "b": "é"})
    assert form.text == repr(sorted({b"a": [b"x y"], b"b": ["é".encode()], b"q": [b"1"]}.items()))
    multipart = httpx.post(
        server.url + "/", data={"field": "v"}, files={"upload": ("f.txt", b"file body")}
    )
    assert "(b'field', [b'v'])" in multipart.text
    assert "(b'upload', [b'file body'])" in multipart.text


def test_bad_multipart_is_400(serve: Serve) -> None:
    class Echo(Resource):
        isLeaf = True

        def render_POST(self, request: Any) -> bytes:
            return b"should not render"

    server = serve(Site(Echo()))
    response = httpx.post(
        server.url + "/",
        content=b"garbage",
        headers={"Content-Type": "multipart/form-data"},
    )
    assert response.status_code == 400


def test_request_content_large_body_spools(serve: Serve) -> None:
    seen: dict[str, Any] = {}

    class Body(Resource):
        isLeaf = True

        def render_PUT(self, request: Any) -> bytes:
            data = request.content.read()
            seen["type"] = type(request.content).__name__
            return b"%d" % len(data)

    server = serve(Site(Body()))
    big = b"z" * 300_000
    assert httpx.put(server.url + "/", content=big).text == "300000"
    assert seen["type"] != "BytesIO"
    assert httpx.put(server.url + "/", content=b"small").text == "5"

    def chunks() -> Any:
        yield b"a" * 1000
        yield b"b" * 1000

    assert httpx.put(server.url + "/", content=chunks()).text == "2000"


def test_expect_100_continue(serve: Serve) -> None:
    class Body(Resource):
        isLeaf = True

        def render_POST(self, request: Any) -> bytes:
            return request.content.read()

    server = serve(Site(Body()))
    with server.connect() as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        sock.settimeout(10)
        interim = sock.recv(65536)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"data")
        response = recv_response(sock)
    assert response.endswith(b"\r\n\r\ndata")


def test_body_over_limit_is_refused_before_reading(serve: Serve) -> None:
    from plait.web.http import Limits

    class Body(Resource):
        isLeaf = True

        def render_POST(self, request: Any) -> bytes:
            return b"read"

    server = serve(Site(Body(), limits=Limits(max_body_bytes=1000)))
    with server.connect() as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000000\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        data = recv_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in data


def test_per_resource_body_limit(serve: Serve) -> None:
    from plait.web.http import Limits

    class Upload(Resource):
        isLeaf = True
        maxRequestBodySize = 10_000

        def render_POST(self, request: Any) -> bytes:
            return b"%d" % len(request.content.read())

    root = Resource()
    root.putChild(b"upload", Upload())
    other = Upload()
    other.maxRequestBodySize = None  # falls back to the site's limit
    root.putChild(b"other", other)
    server = serve(Site(root, limits=Limits(max_body_bytes=100)))
    assert httpx.post(server.url + "/upload", content=b"u" * 5000).text == "5000"
    assert httpx.post(server.url + "/upload", content=b"u" * 20000).status_code == 413
    assert httpx.post(server.url + "/other", content=b"u" * 5000).status_code == 413


def test_malformed_request_gets_400_and_close(serve: Serve) -> None:
    server = serve(Site(Text()))
    with server.connect() as sock:
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
        )
        data = recv_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b"connection: close" in data.lower()
    assert httpx.get(server.url + "/").status_code == 200


def test_header_injection_is_refused(serve: Serve) -> None:
    class Inject(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.setHeader(b"x-evil", b"a\r\nSet-Cookie: pwned=1")
            return b"unreachable"

    server = serve(Site(Inject()))
    response = httpx.get(server.url + "/")
    assert response.status_code == 500
    assert "pwned" not in response.headers.get("set-cookie", "")


def test_cookies_both_ways(serve: Serve) -> None:
    class Cookies(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.addCookie(
                b"flavour",
                b"oat",
                path=b"/",
                max_age=60,
                secure=True,
                httpOnly=True,
                sameSite="strict",
            )
            return request.getCookie(b"sent") or b"none"

    server = serve(Site(Cookies()))
    response = httpx.get(server.url + "/", headers={"Cookie": "sent=yes; other=1"})
    assert response.text == "yes"
    assert response.headers["set-cookie"] == (
        "flavour=oat; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=strict"
    )


def test_redirect(serve: Serve) -> None:
    class Moved(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.redirect(b"/elsewhere")
            return b""

    server = serve(Site(Moved()))
    response = httpx.get(server.url + "/")
    assert response.status_code == 302
    assert response.headers["location"] == "/elsewhere"


def test_conditional_helpers(serve: Serve) -> None:
    class Cached(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            if request.setETag(b'"v1"') is not None:
                return b""
            if request.setLastModified(1_000_000_000) is not None:
                return b""
            return b"fresh"

    server = serve(Site(Cached()))
    first = httpx.get(server.url + "/")
    assert first.headers["etag"] == '"v1"'
    assert "last-modified" in first.headers
    assert (
        httpx.get(server.url + "/", headers={"If-None-Match": 'W/"v0", "v1"'}).status_code == 304
    )
    since = first.headers["last-modified"]
    assert httpx.get(server.url + "/", headers={"If-Modified-Since": since}).status_code == 304


def test_gzip_encoding_wrapper(serve: Serve) -> None:
    wrapped = EncodingResourceWrapper(Text(b"squash " * 100), [GzipEncoderFactory()])
    server = serve(Site(wrapped))
    raw = httpx.get(server.url + "/", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in raw.headers["vary"]
    assert raw.content == b"squash " * 100  # httpx decodes gzip
    plain = httpx.get(server.url + "/", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in plain.headers
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n")
        sock.settimeout(10)
        data = b""
        while not data.endswith(b"0\r\n\r\n"):
            data += sock.recv(65536)
    body = data.partition(b"\r\n\r\n")[2]
    decoded = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        decoded += body[:size]
        body = body[size + 2 :]
    assert gzip.decompress(decoded) == b"squash " * 100


def test_access_log_combined_format(serve: Serve, tmp_path: Any) -> None:
    logPath = tmp_path / "access.log"
    site = Site(Text(b"logged"), logPath=str(logPath))
    server = serve(site)
    httpx.get(server.url + "/x?y=1", headers={"User-Agent": 'ua "quoted"', "Referer": "http://r/"})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not (logPath.exists() and logPath.read_text()):
        time.sleep(0.01)
    line = logPath.read_text().strip()
    assert line.startswith('"127.0.0.1" - - [')
    assert '"GET /x?y=1 HTTP/1.1" 200 6 "http://r/" "ua \\"quoted\\""' in line


def test_header_timeout_answers_408(serve: Serve) -> None:
    from plait.web.http import Limits

    server = serve(Site(Text(), limits=Limits(header_timeout=0.3)))
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")  # never finishes the head
        started = time.monotonic()
        data = recv_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < 5


def test_idle_connection_is_closed(serve: Serve) -> None:
    from plait.web.http import Limits

    server = serve(Site(Text(), limits=Limits(idle_timeout=0.3)))
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert recv_response(sock).endswith(b"hello")
        assert recv_until_closed(sock) == b""


def test_tcp_nodelay_is_set(serve: Serve) -> None:
    seen: list[int] = []

    class Probe(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            sock = request.channel.transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            return b"ok"

    server = serve(Site(Probe()))
    httpx.get(server.url + "/")
    assert seen
    assert seen[0] != 0


def test_unframeable_response_head_becomes_a_500(serve: Serve) -> None:
    """A reason phrase set behind setResponseCode's back is refused at framing: 500, not a drop."""

    class BadReason(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.code_message = b"OK\r\nX-Injected: 1"
            return b"body" if request.args.get(b"whole") else request.write(b"x") or b""

    server = serve(Site(BadReason()))
    for query in ("?whole=1", ""):
        response = httpx.get(server.url + "/" + query)
        assert response.status_code == 500
        assert "x-injected" not in response.headers
    assert httpx.get(server.url + "/?whole=1").status_code == 500  # and it keeps serving


def test_asyncio_future_render(serve: Serve) -> None:
    class Future(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> asyncio.Future[bytes]:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[bytes] = loop.create_future()
            loop.call_later(0.01, future.set_result, b"from a future")
            return future

    server = serve(Site(Future()))
    assert httpx.get(server.url + "/").text == "from a future"


def test_disconnect_cancels_a_deferred_render(serve: Serve) -> None:
    cancelled = threading.Event()
    started = threading.Event()

    class Waiting(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> defer.Deferred[bytes]:
            started.set()
            return defer.Deferred(lambda d: cancelled.set())

    server = serve(Site(Waiting()))
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert started.wait(10)
    assert cancelled.wait(10)


def test_session_cookie_name_is_configurable() -> None:
    from plait.testing import TestClient

    class Who(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            return request.getSession().uid

    site = Site(Who())
    site.sessionCookieName = b"app_session"
    client = TestClient(site)
    first = client.get("/")
    cookie = first.header("set-cookie")
    assert cookie is not None
    assert cookie.startswith("app_session=")
    assert client.get("/").body == first.body  # the renamed cookie brings the session back
