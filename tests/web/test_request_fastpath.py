"""The request's fast paths keep every check: lazy headers, trusted framing, clean values."""

from __future__ import annotations

from typing import Any

import pytest
from zope.interface import Interface

from plait.python.components import Componentized
from plait.testing import TestClient
from plait.web.http_headers import Headers
from plait.web.resource import Resource
from plait.web.server import Request, Site


class Page(Resource):
    isLeaf = True

    def __init__(self, prepare: Any = None, contentType: bool = True) -> None:
        super().__init__()
        self.prepare = prepare
        self.contentType = contentType
        self.seen: list[Any] = []

    def render_GET(self, request: Any) -> bytes:
        self.seen.append(request)
        if self.contentType:
            request.setHeader(b"content-type", b"text/plain")
        if self.prepare is not None:
            self.prepare(request)
        return b"body"


def test_request_headers_are_built_when_read_and_can_be_replaced() -> None:
    page = Page(lambda r: r.setHeader(b"x-agent", r.getHeader(b"user-agent")))
    response = TestClient(Site(page)).get("/", headers={"User-Agent": "probe/1"})
    assert response.header("X-Agent") == "probe/1"
    request = page.seen[0]
    assert request.requestHeaders.getRawHeaders(b"user-agent") == [b"probe/1"]
    request.requestHeaders = Headers({b"a": [b"b"]})
    assert request.getHeader(b"a") == b"b"


def test_a_request_that_sets_its_own_headers_still_gets_the_parsed_ones() -> None:
    class Eager(Request):
        def __init__(self, channel: Any, queued: object = None) -> None:
            super().__init__(channel, queued)
            self.requestHeaders = Headers()

    page = Page(lambda r: r.setHeader(b"x-agent", r.getHeader(b"user-agent")))
    site = Site(page)
    site.requestFactory = Eager
    response = TestClient(site).get("/", headers={"User-Agent": "eager/2"})
    assert response.header("X-Agent") == "eager/2"


@pytest.mark.parametrize(
    "prepare",
    [
        lambda r: setattr(r, "etag", b'"a"\r\nSet-Cookie: evil=1'),
        lambda r: r.cookies.append(b"a=b\r\nX-Evil: 1"),
        lambda r: setattr(r, "defaultContentType", b"text/html\r\nX-Evil: 1"),
    ],
)
def test_values_from_outside_headers_are_still_refused(prepare: Any) -> None:
    response = TestClient(Site(Page(prepare, contentType=False))).get("/")
    assert response.code == 500
    assert response.header("X-Evil") is None
    assert response.header("Set-Cookie") is None


def test_a_bad_server_header_is_refused() -> None:
    site = Site(Page())
    site.serverHeader = b"plait\r\nX-Evil: 1"
    response = TestClient(site).get("/")
    assert response.code == 500
    assert response.header("X-Evil") is None


def test_a_clean_server_header_and_cookies_are_sent() -> None:
    page = Page(lambda r: r.addCookie(b"k", b"v\r\nX-Evil: 1"))
    site = Site(page)
    site.serverHeader = b"custom/1"
    response = TestClient(site).get("/")
    assert response.code == 200
    assert response.header("Server") == "custom/1"
    assert response.header("X-Evil") is None
    assert response.header("Set-Cookie") == "k=v  X-Evil: 1"


def test_set_header_checks_values_that_are_not_known_clean() -> None:
    request = Request(None)
    request.setHeader(b"x-a", b"fine")
    request.setHeader(b"x-a", b"fine")  # now from the clean-value cache
    assert request.responseHeaders.getRawHeaders(b"x-a") == [b"fine"]
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        request.setHeader(b"x-b", b"no\r\nway")
    with pytest.raises(ValueError, match="invalid header name"):
        request.setHeader(b"bad name", b"fine")
    request.setHeader(b"x-c", bytearray(b"mutable"))  # type: ignore[arg-type]
    assert request.responseHeaders.getRawHeaders(b"x-c") == [b"mutable"]


class IThing(Interface):
    """A marker interface for the component tests."""


def test_componentized_adapter_cache_is_per_instance() -> None:
    first, second, third = Componentized(), Request(None), Request(None)
    first.setComponent(IThing, "a")
    second.setComponent(IThing, "b")
    assert first.getComponent(IThing) == "a"
    assert second.getComponent(IThing) == "b"
    assert third.getComponent(IThing) is None
    assert third._adapterCache == {}
    assert third._adapterCache is third._adapterCache
