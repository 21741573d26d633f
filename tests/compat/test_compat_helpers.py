"""The small module-level helpers plait added for Twisted compatibility behave like Twisted's.

Each case runs the same call on Twisted's function and on plait's and compares results (or
the exception type).
"""

from __future__ import annotations

from typing import Any

import pytest
from twisted.internet import address as t_address
from twisted.internet import error as t_error
from twisted.logger import extractField as t_extractField
from twisted.python import components as t_components
from twisted.python import reflect as t_reflect
from twisted.web import http as t_http
from zope.interface import Interface, implementer

from plait.internet import address, error, ssl
from plait.logger import extractField, timeFormatRFC3339
from plait.python import components, reflect
from plait.testing import DummyRequest
from plait.web import http, resource, static


def outcome(f: Any, *args: Any) -> Any:
    try:
        return ("ok", f(*args))
    except Exception as e:
        return ("raised", type(e).__name__)


@pytest.mark.parametrize("data", [b"", b"x", b"hello world" * 30])
def test_toChunk(data: bytes) -> None:
    assert http.toChunk(data) == t_http.toChunk(data)
    assert http.fromChunk(b"".join(http.toChunk(data)) + b"rest") == (data, b"rest")


@pytest.mark.parametrize(
    "raw",
    [
        b"5\r\nhello\r\n",
        b"5\r\nhello\r\nmore",
        b"A\r\n0123456789\r\n",
        b"5\r\nhell\r\n",
        b"5\r\nhelloXX",
    ],
)
def test_fromChunk(raw: bytes) -> None:
    assert outcome(http.fromChunk, raw) == outcome(t_http.fromChunk, raw)


@pytest.mark.parametrize("raw", [b"-5\r\nhello\r\n", b"+5\r\nhello\r\n", b"zz\r\nhello\r\n"])
def test_fromChunk_refuses_bad_sizes(raw: bytes) -> None:
    with pytest.raises(ValueError, match="chunk size"):
        http.fromChunk(raw)


@pytest.mark.parametrize(
    "header", ["bytes 0-99/1000", " bytes 10-20/* ", "BYTES 1-2/3", "items 0-1/2", "bytes 0-1"]
)
def test_parseContentRange(header: str) -> None:
    assert outcome(http.parseContentRange, header) == outcome(t_http.parseContentRange, header)


@pytest.mark.parametrize("url", [b"http://h:1/p;x?q=1#f", b"/just/a/path", "http://str/"])
def test_urlparse(url: Any) -> None:
    assert outcome(http.urlparse, url) == outcome(t_http.urlparse, url)


# Twisted only extracts the fields the event's format uses.
EVENT = {
    "log_format": "{a} {obj.imag} {seq[1]} {d[k]} {a!r} {seq!s}",
    "a": 1,
    "obj": complex(1, 2),
    "seq": [10, 20],
    "d": {"k": "v"},
}


@pytest.mark.parametrize("field", ["a", "obj.imag", "seq[1]", "d[k]", "a!r", "seq!s", "missing"])
def test_extractField(field: str) -> None:
    assert outcome(extractField, field, dict(EVENT)) == outcome(t_extractField, field, dict(EVENT))


def test_timeFormatRFC3339() -> None:
    assert timeFormatRFC3339 == "%Y-%m-%dT%H:%M:%S%z"


class Base:
    def render_GET(self) -> str:
        return "base"

    def render_PUT(self) -> str:
        return "put"

    render_ = None


class Child(Base):
    def render_GET(self) -> str:
        return "child"

    def render_POST(self) -> str:
        return "post"

    @staticmethod
    def render_STATIC() -> None:
        """Not a plain function: never listed."""


def test_prefixedMethodNames() -> None:
    ours = reflect.prefixedMethodNames(Child, "render_")
    assert sorted(ours) == sorted(t_reflect.prefixedMethodNames(Child, "render_"))
    assert sorted(ours) == ["GET", "POST", "PUT"]


def test_prefixedMethods() -> None:
    obj = Child()
    ours = sorted(m() for m in reflect.prefixedMethods(obj, "render_"))
    assert ours == sorted(m() for m in t_reflect.prefixedMethods(obj, "render_"))
    assert ours == ["child", "post", "put"]


def test_requireModule() -> None:
    assert reflect.requireModule("json").__name__ == "json"
    marker = object()
    assert reflect.requireModule("no_such_module_anywhere", marker) is marker
    assert reflect.requireModule("no_such_module_anywhere") is None
    assert t_reflect.requireModule("no_such_module_anywhere") is None


class IThing(Interface):
    """A marker interface."""


@implementer(IThing)
class Thing:
    def __init__(self, original: object) -> None:
        self.original = original

    def __repr__(self) -> str:
        return "<Thing>"


def test_ReprableComponentized() -> None:
    ours = components.ReprableComponentized()
    theirs = t_components.ReprableComponentized()
    ours.setComponent(IThing, Thing(ours))
    theirs.setComponent(IThing, Thing(theirs))
    # Twisted keys its cache by the interface's dotted name, plait by the interface.
    assert repr(ours).endswith(": <Thing>}\n")
    assert repr(theirs).endswith(": <Thing>}\n")
    assert "IThing" in repr(ours)


@pytest.mark.parametrize(
    "name",
    [
        "BadFileError",
        "CertificateError",
        "ConnectInProgressError",
        "MessageLengthError",
        "MulticastJoinError",
        "PeerVerifyError",
        "SSLError",
        "ServiceNameUnknownError",
        "UnsupportedAddressFamily",
        "UnsupportedSocketType",
        "VerifyError",
    ],
)
def test_new_errors_keep_twisteds_bases_and_messages(name: str) -> None:
    ours, theirs = getattr(error, name), getattr(t_error, name)
    ourBases = {b.__name__ for b in ours.__mro__}
    assert {b.__name__ for b in theirs.__mro__} - {"object"} <= ourBases
    assert str(ours()) == str(theirs())
    assert str(ours("detail")) == str(theirs("detail"))


def test_errors_with_attributes() -> None:
    cancelled = error.ConnectingCancelledError(("127.0.0.1", 80))
    assert cancelled.address == ("127.0.0.1", 80)
    invalid = error.InvalidAddressError(b"::x", "not an address")
    assert isinstance(invalid, ValueError)
    assert (invalid.address, invalid.message) == (b"::x", "not an address")


def test_HostnameAddress() -> None:
    ours = address.HostnameAddress(b"example.com", 80)
    theirs = t_address.HostnameAddress(b"example.com", 80)
    assert (ours.hostname, ours.port) == (theirs.hostname, theirs.port)
    assert ours == address.HostnameAddress(b"example.com", 80)
    assert hash(ours) == hash(address.HostnameAddress(b"example.com", 80))
    assert ours != address.HostnameAddress(b"example.com", 81)


def test_ContextFactory_is_the_base_of_server_factories() -> None:
    assert issubclass(ssl.DefaultOpenSSLContextFactory, ssl.ContextFactory)
    assert ssl.ContextFactory.isClient == 0
    with pytest.raises(NotImplementedError):
        ssl.ContextFactory().getContext()


def test_dangerousPathError_is_an_escaped_404() -> None:
    assert isinstance(static.dangerousPathError, resource.Resource)
    request = DummyRequest([b"x"])
    body = static.dangerousPathError.render(request)
    assert request.responseCode == 404
    assert b"Invalid request URL." in body
