"""plait.testing.TestClient: a Site driven in memory through its real channel."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from plait.internet import defer
from plait.testing import TestClient
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET, Site


class Echo(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"x-path", request.path)
        return b"GET " + request.uri

    def render_POST(self, request: Any) -> bytes:
        if request.getHeader(b"content-type") == b"application/json":
            return b"json:" + request.content.read()
        return repr(sorted(request.args.items())).encode()


def test_get_returns_status_headers_and_body() -> None:
    client = TestClient(Site(Echo()))
    response = client.get("/a/b?x=1")
    assert response.code == 200
    assert response.status_code == 200
    assert response.body == b"GET /a/b?x=1"
    assert response.text == "GET /a/b?x=1"
    assert response.header("X-Path") == "/a/b"
    assert response.headers["content-length"] == str(len(response.body))


def test_post_form_json_and_bytes() -> None:
    client = TestClient(Site(Echo()))
    assert client.post("/", data={"a": "1"}).text == "[(b'a', [b'1'])]"
    assert client.post("/", json={"k": [1]}).body == b'json:{"k": [1]}'
    raw = client.post(
        "/", data=b"a=2", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert raw.text == "[(b'a', [b'2'])]"


def test_head_has_headers_and_no_body() -> None:
    response = TestClient(Site(Echo())).head("/")
    assert response.code == 200
    assert response.body == b""
    assert response.header("content-length") == str(len(b"GET /"))


def test_missing_resource_and_errors_are_real_responses() -> None:
    class Boom(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            raise RuntimeError("no")

    root = Resource()
    root.putChild(b"boom", Boom())
    client = TestClient(Site(root))
    assert client.get("/nothing").code == 404
    assert client.get("/boom").code == 500
    assert client.request("DELETE", "/boom").code == 405


def test_cookies_are_kept_like_a_browser() -> None:
    class Counter(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            session = request.getSession()
            session.hits = getattr(session, "hits", 0) + 1
            return b"%d" % session.hits

    client = TestClient(Site(Counter()))
    assert client.get("/").text == "1"
    assert "TWISTED_SESSION" in client.cookies
    assert client.get("/").text == "2"


def test_secure_client_gets_secure_session_cookie() -> None:
    class Who(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.getSession()
            return b"secure" if request.isSecure() else b"plain"

    response = TestClient(Site(Who()), secure=True).get("/")
    assert response.text == "secure"
    cookie = response.header("set-cookie")
    assert cookie is not None
    assert cookie.startswith("TWISTED_SECURE_SESSION=")
    assert "; Secure" in cookie


def test_async_renders_are_awaited() -> None:
    class Later(Resource):
        isLeaf = True

        async def render_GET(self, request: Any) -> bytes:
            await asyncio.sleep(0)
            return b"coroutine"

        def render_POST(self, request: Any) -> int:
            d: defer.Deferred[None] = defer.Deferred()
            d.addCallback(lambda _: (request.write(b"deferred"), request.finish()))
            asyncio.get_running_loop().call_soon(d.callback, None)
            return NOT_DONE_YET

    client = TestClient(Site(Later()))
    assert client.get("/").text == "coroutine"
    assert client.post("/").text == "deferred"


def test_arequest_inside_a_running_loop() -> None:
    client = TestClient(Site(Echo()))

    async def main() -> bytes:
        response = await client.arequest("GET", "/in-loop")
        return response.body

    assert asyncio.run(main()) == b"GET /in-loop"


def test_a_response_that_never_finishes_times_out() -> None:
    class Hang(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> int:
            return NOT_DONE_YET

    client = TestClient(Site(Hang()))

    async def main() -> None:
        await client.arequest("GET", "/", timeout=0.05)

    with pytest.raises(TimeoutError, match="no complete response"):
        asyncio.run(main())
