"""Virtual hosts and VHostMonster over real sockets, with explicit Host headers."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import httpx

from plait.web.resource import Resource
from plait.web.server import Site
from plait.web.util import redirectTo
from plait.web.vhost import NameVirtualHost, VHostMonsterResource

Serve = Callable[..., Any]


class Says(Resource):
    isLeaf = True

    def __init__(self, text: bytes) -> None:
        super().__init__()
        self.text = text

    def render_GET(self, request: Any) -> bytes:
        return self.text + b" " + b"/".join(request.postpath)


class Moved(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return redirectTo(request.prePathURL() + b"-new", request)


def vhosts() -> Site:
    nvh = NameVirtualHost()
    nvh.addHost(b"one.example", Says(b"one"))
    nvh.addHost(b"two.example", Says(b"two"))
    nvh.addHost(b"::1", Says(b"ipv6"))
    nvh.putChild(b"vhost", VHostMonsterResource())
    moved = Resource()
    moved.putChild(b"old", Moved())
    nvh.addHost(b"proxied.example", moved)
    return Site(nvh)


def readResponse(sock: socket.socket) -> tuple[int, bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "closed early"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return int(head.split()[1]), head, body


def test_hosts_on_one_keep_alive_connection(serve: Serve) -> None:
    server = serve(vhosts())
    with server.connect() as sock:
        for host, expected in [
            (b"one.example", b"one a/b"),
            (b"TWO.EXAMPLE:8080", b"two a/b"),
            (b"one.example.", b"one a/b"),
        ]:
            sock.sendall(b"GET /a/b HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
            code, _, body = readResponse(sock)
            assert (code, body) == (200, expected)


def test_unknown_host_404_is_escaped(serve: Serve) -> None:
    server = serve(vhosts())
    response = httpx.get(server.url + "/", headers={"Host": "x'&y.example"})
    assert response.status_code == 404
    assert "x&#x27;&amp;y.example" in response.text
    assert "x'&y" not in response.text


def test_httpx_host_header(serve: Serve) -> None:
    server = serve(vhosts())
    assert httpx.get(server.url + "/z", headers={"Host": "two.example"}).text == "two z"


def test_http10_without_host_is_404(serve: Serve) -> None:
    server = serve(vhosts())
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        code, _, body = readResponse(sock)
        assert code == 404
        assert b"No Such Resource" in body


def test_ipv6_literal(serve: Serve) -> None:
    server = serve(vhosts(), interface="::1")
    with socket.create_connection(("::1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /v HTTP/1.1\r\nHost: [::1]:%d\r\n\r\n" % server.port)
        assert readResponse(sock)[::2] == (200, b"ipv6 v")


def test_vhost_monster_behind_a_proxy(serve: Serve) -> None:
    # What a reverse proxy forwards for https://proxied.example/old: the monster makes the
    # redirect point at the public host and scheme, not at the backend's address.
    server = serve(vhosts())
    response = httpx.get(
        server.url + "/vhost/https/proxied.example:443/old",
        headers={"Host": f"127.0.0.1:{server.port}"},
    )
    assert response.status_code == 302
    assert response.headers["location"] == "https://proxied.example/old-new"
    with server.connect() as sock:
        sock.sendall(
            b"GET /vhost/http/one.example:8080/deep/path?q=1 HTTP/1.1\r\nHost: backend\r\n\r\n"
        )
        # Host rewritten to one.example, so the vhost map picks "one".
        assert readResponse(sock)[::2] == (200, b"one deep/path")
