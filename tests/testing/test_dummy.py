"""Tests for plait.testing's DummyRequest and DummyChannel."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from zope.interface.verify import verifyObject

import plait.testing
from plait.internet.address import IPv4Address
from plait.internet.defer import Deferred, succeed
from plait.internet.error import ConnectionDone
from plait.python.failure import Failure
from plait.testing import DummyChannel, DummyRequest
from plait.web._constants import NOT_DONE_YET
from plait.web.iweb import IRequest
from plait.web.resource import Resource


class Returns(Resource):
    """A resource whose render_GET returns a given value."""

    def __init__(self, value: object) -> None:
        super().__init__()
        self.value = value

    def render_GET(self, request: Any) -> object:
        return self.value


def test_exports() -> None:
    """plait.testing exports the doubles."""
    assert plait.testing.DummyRequest is DummyRequest
    assert plait.testing.DummyChannel is DummyChannel


def test_provides_irequest() -> None:
    """DummyRequest verifies against IRequest."""
    assert verifyObject(IRequest, DummyRequest([]))


def test_initial_state() -> None:
    """A new request is a GET for the given postpath with nothing written."""
    request = DummyRequest([b"a", b"b"])
    assert request.method == b"GET"
    assert request.postpath == [b"a", b"b"]
    assert request.prepath == []
    assert request.path == b"/a/b"
    assert request.uri == b"/a/b"
    assert request.args == {}
    assert request.content.read() == b""
    assert (request.code, request.responseCode) == (200, None)
    assert (request.written, request.finished, request.startedWriting) == ([], 0, False)


def test_postpath_is_copied() -> None:
    """Traversal does not consume the caller's list."""
    segments = [b"a"]
    DummyRequest(segments).postpath.pop()
    assert segments == [b"a"]


@pytest.mark.parametrize(
    ("value", "written"), [(b"bytes", b"bytes"), ("caf\u00e9", "caf\u00e9".encode())]
)
def test_render_bytes_and_str(value: object, written: bytes) -> None:
    """render writes bytes, or str as UTF-8, and finishes."""
    request = DummyRequest([])
    request.render(Returns(value))
    assert request.written == [written]
    assert request.finished == 1


def test_render_not_done_yet() -> None:
    """NOT_DONE_YET leaves writing and finishing to the resource."""
    request = DummyRequest([])
    request.render(Returns(NOT_DONE_YET))
    assert (request.written, request.finished) == ([], 0)


def test_render_deferred() -> None:
    """A Deferred result is written when it fires."""
    d: Deferred[bytes] = Deferred()
    request = DummyRequest([])
    request.render(Returns(d))
    assert request.finished == 0
    d.callback(b"later")
    assert request.written == [b"later"]
    assert request.finished == 1


def test_render_coroutine() -> None:
    """An async render_GET is driven (here through an already-fired Deferred)."""

    class Async(Resource):
        async def render_GET(self, request: Any) -> bytes:
            value: bytes = await succeed(b"async")
            return value

    request = DummyRequest([])
    request.render(Async())
    assert request.written == [b"async"]


def test_render_failed_deferred_goes_to_processing_failed() -> None:
    """A failing Deferred result is handed to processingFailed."""
    d: Deferred[bytes] = Deferred()
    request = DummyRequest([])
    request.render(Returns(d))
    d.errback(ValueError("x"))
    assert len(request.failures) == 1
    assert request.failures[0].check(ValueError)


def test_render_rejects_other_results() -> None:
    """None (or any other value) is a TypeError."""
    with pytest.raises(TypeError, match="None"):
        DummyRequest([]).render(Returns(None))


def test_write_rules() -> None:
    """write takes bytes only and not after finish; empty writes are not recorded."""
    request = DummyRequest([])
    with pytest.raises(TypeError):
        request.write("text")  # type: ignore[arg-type]
    request.write(b"")
    assert request.startedWriting
    request.write(b"x")
    request.finish()
    assert request.written == [b"x"]
    with pytest.raises(RuntimeError):
        request.write(b"y")


def test_notify_finish() -> None:
    """notifyFinish Deferreds fire on finish; after it, a fired one is returned."""
    request = DummyRequest([])
    results: list[object] = []
    request.notifyFinish().addCallback(results.append)
    request.notifyFinish().addCallback(results.append)
    request.finish()
    assert results == [None, None]
    request.notifyFinish().addCallback(results.append)
    assert results == [None, None, None]


def test_processing_failed_errbacks_notify_finish() -> None:
    """processingFailed fails the waiting notifyFinish Deferreds and records the reason."""
    request = DummyRequest([])
    errors: list[Failure] = []
    request.notifyFinish().addErrback(errors.append)
    reason = Failure(RuntimeError("boom"))
    request.processingFailed(reason)
    assert errors == [reason]
    assert request.failures == [reason]


def test_connection_lost() -> None:
    """connectionLost fails notifyFinish, now and later, with ConnectionDone by default."""
    request = DummyRequest([])
    errors: list[Failure] = []
    request.notifyFinish().addErrback(errors.append)
    request.connectionLost()
    request.notifyFinish().addErrback(errors.append)
    assert len(errors) == 2
    assert all(error.check(ConnectionDone) for error in errors)


def test_response_code_and_headers() -> None:
    """setResponseCode sets code and responseCode; setHeader replaces."""
    request = DummyRequest([])
    request.setResponseCode(201, b"Made")
    assert (request.code, request.responseCode, request.responseMessage) == (201, 201, b"Made")
    request.setHeader(b"x-a", b"1")
    request.setHeader("x-a", "2")
    assert request.responseHeaders.getRawHeaders(b"x-a") == [b"2"]
    with pytest.raises(TypeError):
        request.setResponseCode("200")  # type: ignore[arg-type]
    request.write(b"body")
    with pytest.raises(RuntimeError):
        request.setResponseCode(500)


def test_request_headers() -> None:
    """getHeader returns the last value, str for a str name; getAllHeaders lower-cases."""
    request = DummyRequest([])
    request.requestHeaders.addRawHeader(b"X-Thing", b"1")
    request.requestHeaders.addRawHeader(b"x-thing", b"2")
    assert request.getHeader(b"x-thing") == b"2"
    assert request.getHeader("X-Thing") == "2"
    assert request.getHeader(b"missing") is None
    assert request.getAllHeaders() == {b"x-thing": b"2"}


def test_redirect() -> None:
    """redirect is a 302 with Location."""
    request = DummyRequest([])
    request.redirect(b"/there")
    assert request.responseCode == 302
    assert request.responseHeaders.getRawHeaders(b"location") == [b"/there"]


def test_cookies() -> None:
    """addCookie records Set-Cookie values; getCookie reads received_cookies."""
    request = DummyRequest([])
    request.addCookie(
        b"a", b"1", path=b"/", max_age=10, secure=True, httpOnly=True, sameSite="Lax"
    )
    request.addCookie("b", "x;\r\ny")
    assert request.cookies == [
        b"a=1; Path=/; Max-Age=10; Secure; HttpOnly; SameSite=lax",
        b"b=x   y",
    ]
    with pytest.raises(ValueError, match="secure"):
        request.addCookie(b"c", b"1", sameSite="none")
    with pytest.raises(ValueError, match="sameSite"):
        request.addCookie(b"c", b"1", sameSite="sometimes")
    request.received_cookies[b"k"] = b"v"
    assert request.getCookie(b"k") == b"v"
    assert request.getCookie(b"nope") is None


def test_last_modified_and_etag() -> None:
    """setLastModified rounds up and keeps the latest; setETag records."""
    request = DummyRequest([])
    request.setLastModified(10.2)
    request.setLastModified(5)
    assert request.lastModified == 11
    request.setETag(b'"v1"')
    assert request.etag == b'"v1"'


def test_args() -> None:
    """addArg sets a single-valued argument."""
    request = DummyRequest([])
    request.addArg(b"q", b"1")
    assert request.args == {b"q": [b"1"]}


def test_addresses() -> None:
    """getHost is 127.0.0.1:80; getClientAddress is the client or the channel's peer."""
    request = DummyRequest([])
    assert request.getHost() == IPv4Address("TCP", "127.0.0.1", 80)
    assert request.getClientAddress() == IPv4Address("TCP", "192.168.1.1", 12344)
    client = IPv4Address("TCP", "10.1.1.1", 5)
    request = DummyRequest([], client=client)
    assert request.getClientAddress() is client
    with pytest.warns(DeprecationWarning, match="getClientAddress"):
        assert request.getClientIP() == "10.1.1.1"


def test_hostname_and_urls() -> None:
    """getRequestHostname reads Host (port stripped); prePathURL quotes the prepath."""
    request = DummyRequest([])
    assert request.getRequestHostname() == b"dummy"
    assert request.prePathURL() == b"http://dummy/"
    request.requestHeaders.setRawHeaders(b"host", [b"example.com:8080"])
    request.prepath = [b"a b", b"c/d"]
    assert request.getRequestHostname() == b"example.com"
    assert request.prePathURL() == b"http://example.com:8080/a%20b/c%2Fd"
    assert str(request.URLPath()) == "http://example.com:8080/a%20b/c%2Fd"
    request.rememberRootURL()
    assert request.getRootURL() == b"http://example.com:8080/a%20b"
    request.requestHeaders.setRawHeaders(b"host", [b"[::1]:81"])
    assert request.getRequestHostname() == b"::1"


def test_set_host_and_secure() -> None:
    """setHost changes the host, port and security the request reports."""
    request = DummyRequest([])
    assert not request.isSecure()
    request.setHost(b"secure.example", 443, ssl=True)
    assert request.isSecure()
    assert request.getHeader(b"host") == b"secure.example"
    assert request.prePathURL() == b"https://secure.example/"
    request.setHost(b"plain.example", 8000)
    assert request.getHeader(b"host") == b"plain.example:8000"
    assert request.prePathURL() == b"http://plain.example:8000/"
    assert DummyChannel(secure=True).isSecure()


def test_basic_auth() -> None:
    """getUser/getPassword decode Authorization: Basic, else b""."""
    request = DummyRequest([])
    assert (request.getUser(), request.getPassword()) == (b"", b"")
    token = base64.b64encode(b"alice:se:cret")
    request.requestHeaders.setRawHeaders(b"authorization", [b"Basic " + token])
    assert (request.getUser(), request.getPassword()) == (b"alice", b"se:cret")
    request.requestHeaders.setRawHeaders(b"authorization", [b"Basic !!!"])
    assert request.getUser() == b""
    request.requestHeaders.setRawHeaders(b"authorization", [b"Bearer " + token])
    assert request.getUser() == b""


def test_session() -> None:
    """getSession returns the given session, or one fresh session reused afterwards."""
    marker = object()
    assert DummyRequest([], session=marker).getSession() is marker
    request = DummyRequest([])
    session = request.getSession()
    assert session.uid == b"0"
    assert request.getSession() is session


def test_session_after_write_is_an_error() -> None:
    """A session cannot start once the body has started."""
    request = DummyRequest([])
    request.write(b"x")
    with pytest.raises(RuntimeError):
        request.getSession()


def test_pull_producer_is_pumped() -> None:
    """A pull producer is resumed until it unregisters; a second producer is refused."""
    request = DummyRequest([])

    class Pull:
        def __init__(self) -> None:
            self.chunks = [b"a", b"b"]

        def resumeProducing(self) -> None:
            if self.chunks:
                request.write(self.chunks.pop(0))
            else:
                request.unregisterProducer()

    request.registerProducer(Pull(), False)
    assert request.written == [b"a", b"b"]
    assert request.producer is None
    push = object()
    request.registerProducer(push, True)
    assert request.producer is push
    with pytest.raises(ValueError, match="already"):
        request.registerProducer(object(), True)


def test_dummy_channel_transport() -> None:
    """DummyChannel's transport records writes and closes."""
    channel = DummyChannel()
    channel.transport.write(b"a")
    channel.transport.writeSequence([b"b", b"c"])
    assert channel.transport.written.getvalue() == b"abc"
    assert channel.transport.getHost() == IPv4Address("TCP", "10.0.0.1", 80)
    channel.transport.loseConnection()
    assert channel.transport.disconnected
    request = DummyRequest([])
    channel.requestDone(request)
    assert channel.requests == [request]
