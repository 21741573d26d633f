"""The web server over TLS: isSecure, https URLs, Secure session cookies."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import trustme

from plait.web.resource import Resource
from plait.web.server import Site

Serve = Callable[..., Any]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def serverContext(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def clientContext(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


class Whoami(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.getSession()
        return b"%s %s" % (b"secure" if request.isSecure() else b"plain", request.prePathURL())


def test_tls_request_is_secure_with_secure_session_cookie(
    serve: Serve, serverContext: ssl.SSLContext, clientContext: ssl.SSLContext
) -> None:
    server = serve(Site(Whoami()), tls=serverContext)
    with httpx.Client(verify=clientContext) as client:
        response = client.get(server.url + "/")
    assert response.status_code == 200
    assert response.text == f"secure https://127.0.0.1:{server.port}/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("TWISTED_SECURE_SESSION=")
    assert "; Secure" in cookie
    assert "HttpOnly" in cookie


def test_plain_request_is_not_secure(serve: Serve) -> None:
    server = serve(Site(Whoami()))
    response = httpx.get(server.url + "/")
    assert response.text == f"plain http://127.0.0.1:{server.port}/"
    assert "Secure" not in response.headers["set-cookie"]


def test_tls_keep_alive_and_body(
    serve: Serve, serverContext: ssl.SSLContext, clientContext: ssl.SSLContext
) -> None:
    class Echo(Resource):
        isLeaf = True

        def render_POST(self, request: Any) -> bytes:
            return request.content.read()

    server = serve(Site(Echo()), tls=serverContext)
    with httpx.Client(verify=clientContext) as client:
        for size in (0, 10, 200_000):
            body = b"b" * size
            assert client.post(server.url + "/", content=body).content == body
