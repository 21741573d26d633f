"""Tests for plait.web.pages."""

from __future__ import annotations

import pytest

from plait.testing import DummyRequest
from plait.web import pages
from plait.web.resource import IResource, getChildForRequest


def _render(resource: IResource, method: bytes = b"GET") -> tuple[DummyRequest, bytes]:
    request = DummyRequest([])
    request.method = method
    request.render(resource)
    return request, b"".join(request.written)


def test_error_page() -> None:
    """errorPage answers with its code, title and detail as UTF-8 HTML."""
    request, body = _render(pages.errorPage(418, "Teapot", "Short and stout \u2615"))
    assert request.responseCode == 418
    assert request.responseHeaders.getRawHeaders(b"content-type") == [b"text/html; charset=utf-8"]
    assert b"<title>418 - Teapot</title>" in body
    assert b"<h1>Teapot</h1>" in body
    assert "<p>Short and stout \u2615</p>".encode() in body


@pytest.mark.parametrize("method", [b"GET", b"POST", b"PUT", b"BREW"])
def test_any_method(method: bytes) -> None:
    """The page is the same whatever the method."""
    request, body = _render(pages.notFound(), method)
    assert request.responseCode == 404
    assert b"No Such Resource" in body


def test_not_found_defaults() -> None:
    """notFound has Twisted's default wording."""
    request, body = _render(pages.notFound())
    assert request.responseCode == 404
    assert b"<h1>No Such Resource</h1>" in body
    assert b"Sorry. No luck finding that resource." in body


def test_forbidden_defaults() -> None:
    """forbidden has Twisted's default wording."""
    request, body = _render(pages.forbidden())
    assert request.responseCode == 403
    assert b"<h1>Forbidden Resource</h1>" in body
    assert b"Sorry, resource is forbidden." in body


@pytest.mark.parametrize("factory", [pages.notFound, pages.forbidden])
def test_custom_text_is_escaped(factory: object) -> None:
    """Whatever a page echoes is HTML-escaped, title and text alike."""
    page = factory("<img src=x onerror=alert(1)>", 'it\'s "<b>bold</b>"')  # type: ignore[operator]
    _, body = _render(page)
    assert b"<img" not in body
    assert b"<b>" not in body
    assert b"&lt;img src=x onerror=alert(1)&gt;" in body
    assert b"it&#x27;s &quot;&lt;b&gt;bold&lt;/b&gt;&quot;" in body


def test_sub_paths_return_the_page() -> None:
    """Any sub-path is answered by the same resource; putChild overrides one."""
    page = pages.errorPage(410, "Gone", "gone")
    request = DummyRequest([b"a", b"b", b"c"])
    assert getChildForRequest(page, request) is page
    other = pages.notFound()
    page.putChild(b"here", other)
    assert getChildForRequest(page, DummyRequest([b"here"])) is other
