"""The Request API over real sockets: addresses, auth, setHost, producers, log formats."""

from __future__ import annotations

import base64
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from zope.interface import implementer

from plait.internet.interfaces import IPullProducer, IPushProducer
from plait.internet.task import Clock
from plait.testing import TestClient
from plait.web.http import proxiedLogFormatter
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET, Site

Serve = Callable[..., Any]


class Introspect(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        client = request.getClientAddress()
        host = request.getHost()
        parts = [
            b"client=%s" % client.host.encode(),
            b"local=%d" % host.port,
            b"hostname=%s" % request.getRequestHostname(),
            b"user=%s" % request.getUser(),
            b"password=%s" % request.getPassword(),
            b"secure=%d" % request.isSecure(),
            b"url=%s" % request.prePathURL(),
        ]
        return b"\n".join(parts)


def test_addresses_hostname_and_basic_credentials(serve: Serve) -> None:
    server = serve(Site(Introspect()))
    token = base64.b64encode(b"alice:s3:cret").decode()
    response = httpx.get(
        server.url + "/", headers={"Host": "example.test:8443", "Authorization": f"Basic {token}"}
    )
    lines = dict(line.split("=", 1) for line in response.text.splitlines())
    assert lines["client"] == "127.0.0.1"
    assert lines["local"] == str(server.port)
    assert lines["hostname"] == "example.test"
    assert lines["user"] == "alice"
    assert lines["password"] == "s3:cret"
    assert lines["secure"] == "0"
    assert lines["url"] == f"http://example.test:{server.port}/"


def test_ipv6_host_header(serve: Serve) -> None:
    server = serve(Site(Introspect()))
    response = httpx.get(server.url + "/", headers={"Host": "[::1]:80"})
    assert "hostname=::1" in response.text
    assert f"url=http://[::1]:{server.port}/" in response.text


def test_bad_basic_credentials_are_empty(serve: Serve) -> None:
    server = serve(Site(Introspect()))
    response = httpx.get(server.url + "/", headers={"Authorization": "Basic !!!notbase64"})
    assert "user=\n" in response.text
    assert "password=\n" in response.text


def test_set_host_for_reverse_proxies(serve: Serve) -> None:
    class Proxied(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.setHost(b"public.example", 443, ssl=1)
            return request.prePathURL() + b" %d" % request.isSecure()

    server = serve(Site(Proxied()))
    assert httpx.get(server.url + "/").text == "https://public.example/ 1"


def test_lose_connection_closes(serve: Serve) -> None:
    class Hangup(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> int:
            request.loseConnection()
            return NOT_DONE_YET

    server = serve(Site(Hangup()))
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert sock.recv(100) == b""


def test_server_header_can_be_turned_off(serve: Serve) -> None:
    site = Site(Introspect())
    site.serverHeader = None
    server = serve(site)
    assert "server" not in httpx.get(server.url + "/").headers
    site2 = Site(Introspect())
    site2.serverHeader = b"custom/1"
    assert httpx.get(serve(site2).url + "/").headers["server"] == "custom/1"


@implementer(IPushProducer)
class Pusher:
    """Writes a chunk each time it is resumed, until it has written `total` bytes."""

    def __init__(self, request: Any, total: int) -> None:
        self.request = request
        self.left = total
        self.paused = 0
        self.running = False

    def start(self) -> None:
        self.request.registerProducer(self, True)
        self.running = True
        self.resumeProducing()

    def resumeProducing(self) -> None:
        self.running = True
        while self.running and self.left > 0:
            size = min(65536, self.left)
            self.left -= size
            self.request.write(b"p" * size)
        if self.left == 0 and self.running:
            self.running = False
            self.request.unregisterProducer()
            self.request.finish()

    def pauseProducing(self) -> None:
        self.paused += 1
        self.running = False

    def stopProducing(self) -> None:
        self.running = False


def test_push_producer_is_paused_by_backpressure(serve: Serve) -> None:
    producers: list[Pusher] = []
    paused = threading.Event()

    class Watched(Pusher):
        def pauseProducing(self) -> None:
            super().pauseProducing()
            paused.set()

    class Big(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> int:
            producer = Watched(request, 8 * 1024 * 1024)
            producers.append(producer)
            producer.start()
            return NOT_DONE_YET

    server = serve(Site(Big()))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    with sock:
        sock.connect((server.host, server.port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        # The client reads nothing until the server's write buffer has filled up.
        assert paused.wait(10)
        tail = b""
        sock.settimeout(10)
        while not tail.endswith(b"\r\n0\r\n\r\n"):
            chunk = sock.recv(1 << 20)
            assert chunk
            tail = (tail + chunk)[-16:]
    assert producers[0].left == 0  # resumed after the pause, it wrote everything


@implementer(IPullProducer)
class Puller:
    def __init__(self, request: Any, chunks: int) -> None:
        self.request = request
        self.left = chunks
        self.calls = 0

    def resumeProducing(self) -> None:
        self.calls += 1
        if self.left == 0:
            self.request.unregisterProducer()
            self.request.finish()
            return
        self.left -= 1
        self.request.write(b"q" * 1000)

    def stopProducing(self) -> None:
        self.left = 0


def test_pull_producer_runs_to_completion(serve: Serve) -> None:
    class Pulled(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> int:
            request.registerProducer(Puller(request, 50), False)
            return NOT_DONE_YET

    server = serve(Site(Pulled()))
    assert httpx.get(server.url + "/").content == b"q" * 50_000


def test_second_producer_is_refused() -> None:
    class Twice(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.registerProducer(Puller(request, 0), False)
            try:
                request.registerProducer(Puller(request, 0), False)
            except ValueError:
                request.unregisterProducer()
                return b"refused"
            return b"accepted"

    assert TestClient(Site(Twice())).get("/").text == "refused"


def test_disconnect_stops_the_producer(serve: Serve) -> None:
    stopped = threading.Event()

    @implementer(IPushProducer)
    class Endless:
        def __init__(self, request: Any) -> None:
            self.request = request

        def resumeProducing(self) -> None:
            self.request.write(b"x" * 65536)

        def pauseProducing(self) -> None:
            pass

        def stopProducing(self) -> None:
            stopped.set()

    class Forever(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> int:
            producer = Endless(request)
            request.registerProducer(producer, True)
            producer.resumeProducing()
            return NOT_DONE_YET

    server = serve(Site(Forever()))
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        sock.recv(1000)
    assert stopped.wait(10)


def test_proxied_log_formatter(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="plait.access")
    site = Site(Introspect(), logFormatter=proxiedLogFormatter)
    server = serve(site)
    httpx.get(server.url + "/p", headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.1"})
    # The line is written once the response is sent, so it may trail the client a little.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [r.getMessage() for r in caplog.records if r.name == "plait.access"]
        if lines:
            break
        time.sleep(0.01)
    assert lines
    assert lines[0].startswith('"203.0.113.9" - - [')
    assert '"GET /p HTTP/1.1" 200' in lines[0]


def test_session_expires_after_its_timeout() -> None:
    """Sessions time out on the site's clock; notifyOnExpire callbacks run then."""
    clock = Clock()
    ended: list[bytes] = []

    class Start(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            session = request.getSession()
            if not session.expireCallbacks:
                session.notifyOnExpire(lambda: ended.append(session.uid))
            return session.uid

    site = Site(Start(), reactor=clock)
    client = TestClient(site)
    uid = client.get("/").body
    assert client.get("/").body == uid
    clock.advance(899)
    assert client.get("/").body == uid  # touched: the timer starts again
    clock.advance(899)
    assert not ended
    clock.advance(2)
    assert ended == [uid]
    assert uid not in site.sessions
    assert client.get("/").body != uid  # the cookie now names a forgotten session
