"""Tests for plait.web.util."""

from __future__ import annotations

from typing import Any

import pytest

from plait.internet.defer import Deferred, fail, succeed
from plait.python.failure import Failure
from plait.testing import DummyRequest
from plait.web._constants import NOT_DONE_YET
from plait.web.resource import Resource
from plait.web.util import DeferredResource, ParentRedirect, Redirect, formatFailure, redirectTo


def test_redirect_to_sets_status_location_and_body() -> None:
    """redirectTo answers 302 with Location and a page linking to the URL."""
    request = DummyRequest([])
    body = redirectTo(b"http://example.com/next?a=1", request)
    assert request.responseCode == 302
    assert request.responseHeaders.getRawHeaders(b"location") == [b"http://example.com/next?a=1"]
    assert request.responseHeaders.getRawHeaders(b"content-type") == [b"text/html; charset=utf-8"]
    assert b'content="0;URL=http://example.com/next?a=1"' in body
    assert b'<a href="http://example.com/next?a=1">' in body


def test_redirect_to_escapes_url() -> None:
    """A hostile URL cannot break out of the attribute or inject markup."""
    request = DummyRequest([])
    body = redirectTo(b"/x\"><script>alert(1)</script>&y='", request)
    assert b"<script>" not in body
    escaped = b"/x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;y=&#x27;"
    assert body.count(escaped) == 2


def test_redirect_to_rejects_str() -> None:
    """The URL must be bytes."""
    with pytest.raises(TypeError, match="bytes"):
        redirectTo("http://example.com/", DummyRequest([]))  # type: ignore[arg-type]


def test_redirect_resource() -> None:
    """Redirect is a leaf that redirects every method and sub-path."""
    target = Redirect(b"/elsewhere")
    assert target.isLeaf
    assert target.getChild(b"x", DummyRequest([])) is target
    request = DummyRequest([b"deep", b"path"])
    request.method = b"POST"
    request.render(target)
    assert request.responseCode == 302
    assert request.responseHeaders.getRawHeaders(b"location") == [b"/elsewhere"]
    assert request.finished == 1


@pytest.mark.parametrize(
    ("prepath", "expected"),
    [
        ([], b"http://dummy/"),
        ([b"foo"], b"http://dummy/"),
        ([b"foo", b""], b"http://dummy/foo/"),
        ([b"foo", b"bar"], b"http://dummy/foo/"),
        ([b"a b", b"c"], b"http://dummy/a%20b/"),
    ],
)
def test_parent_redirect(prepath: list[bytes], expected: bytes) -> None:
    """ParentRedirect sends the client to the nearest directory, as an absolute URL."""
    request = DummyRequest([])
    request.prepath = prepath
    request.render(ParentRedirect())
    assert request.responseCode == 302
    assert request.responseHeaders.getRawHeaders(b"location") == [expected]


def test_parent_redirect_keeps_port() -> None:
    """A non-default port stays in the Location."""
    request = DummyRequest([])
    request.requestHeaders.setRawHeaders(b"host", [b"example.org:8080"])
    request.prepath = [b"x", b"y"]
    request.render(ParentRedirect())
    assert request.responseHeaders.getRawHeaders(b"location") == [b"http://example.org:8080/x/"]


class _Echo(Resource):
    """A leaf echoing the path it was reached with."""

    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b"/".join(request.prepath) + b"|" + b"/".join(request.postpath)


def test_deferred_resource_renders_when_fired() -> None:
    """When the Deferred fires, the rest of the path is traversed and the result rendered."""
    d: Deferred[Any] = Deferred()
    tree = Resource()
    tree.putChild(b"child", _Echo())
    resource = DeferredResource(d)
    request = DummyRequest([b"dr", b"child", b"more"])
    request.prepath, request.postpath = [b"dr"], [b"child", b"more"]
    assert resource.render(request) == NOT_DONE_YET
    assert request.written == []
    d.callback(tree)
    assert request.written == [b"dr/child|more"]
    assert request.finished == 1


def test_deferred_resource_serves_later_requests_too() -> None:
    """A request rendered after the Deferred fired gets the same resource."""
    resource = DeferredResource(succeed(_Echo()))
    for _ in range(2):
        request = DummyRequest([b"x"])
        request.render(resource)
        assert request.written == [b"|x"]
        assert request.finished == 1


def test_deferred_resource_queues_requests_before_firing() -> None:
    """Several requests waiting for the Deferred are all answered once it fires."""
    d: Deferred[Any] = Deferred()
    resource = DeferredResource(d)
    requests = [DummyRequest([b"a"]), DummyRequest([b"b"])]
    for request in requests:
        request.render(resource)
    d.callback(_Echo())
    assert [r.written for r in requests] == [[b"|a"], [b"|b"]]


def test_deferred_resource_failure() -> None:
    """A failed Deferred goes to processingFailed."""
    resource = DeferredResource(fail(ValueError("nope")))
    request = DummyRequest([])
    finished = request.notifyFinish()
    errors: list[Failure] = []
    finished.addErrback(errors.append)
    request.render(resource)
    assert len(request.failures) == 1
    assert request.failures[0].check(ValueError)
    assert errors == request.failures
    assert request.finished == 0


def test_deferred_resource_render_error() -> None:
    """An exception while rendering the produced resource goes to processingFailed."""

    class Broken(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            raise RuntimeError("broken")

    request = DummyRequest([])
    request.render(DeferredResource(succeed(Broken())))
    assert len(request.failures) == 1
    assert request.failures[0].check(RuntimeError)


def test_deferred_resource_get_child_is_self() -> None:
    """DeferredResource is a leaf and its children are itself."""
    resource = DeferredResource(Deferred())
    assert resource.isLeaf
    assert resource.getChild(b"x", DummyRequest([])) is resource


def test_format_failure_escapes() -> None:
    """formatFailure returns ASCII HTML with the traceback and message escaped."""
    try:
        raise ValueError("<bad> & \u00e9vil")
    except ValueError:
        failure = Failure()
    html = formatFailure(failure)
    assert isinstance(html, bytes)
    html.decode("ascii")
    assert b"<bad>" not in html
    assert b"&lt;bad&gt; &amp; &#233;vil" in html
    assert b"builtins.ValueError" in html
    assert b"test_format_failure_escapes" in html
