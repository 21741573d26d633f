"""Request-line and header-field syntax: each malformed shape refused, each legal one served.

RFC 9112 section 3 (request line), 5 (field syntax, no whitespace before the colon, obs-fold
rejected), 2.2 (bare CR is never allowed; plait also refuses bare LF as a line ending), and
RFC 9110 section 5.5 (CR, LF and NUL never in a field value). Every refusal closes the
connection: the framing of whatever follows is unknowable.
"""

from __future__ import annotations

from typing import Any

import pytest
from hostile_support import SEGMENTATIONS, Echo, assertRefused, assertServed, attack

from plait.web.server import Site

H = b"Host: a\r\n"

REFUSED = [
    # request line
    ("double space before target", b"GET  / HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("space before CRLF", b"GET / HTTP/1.1 \r\n" + H + b"\r\n", 400),
    ("HTTP/0.9 style, no version", b"GET /\r\n" + H + b"\r\n", 400),
    ("lower-case protocol name", b"GET / http/1.1\r\n" + H + b"\r\n", 400),
    ("tab as separator", b"GET\t/ HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("fragment in target", b"GET /#frag HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("non-ASCII byte in target", b"GET /\xff HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("NUL in target", b"GET /\x00 HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("relative target", b"GET a/b HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("asterisk for GET", b"GET * HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("bare LF line endings", b"GET / HTTP/1.1\n" + b"Host: a\n\n", 400),
    ("bare CR in request line", b"GET /\rx HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("a response sent as a request", b"HTTP/1.1 200 OK\r\n\r\n", 400),
    ("TLS ClientHello on the plain port", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),
    ("too many leading empty lines", b"\r\n" * 8 + b"GET / HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    ("HTTP/2.0 version", b"GET / HTTP/2.0\r\n" + H + b"\r\n", 505),
    ("unknown method", b"FOO / HTTP/1.1\r\n" + H + b"\r\n", 501),
    ("methods are case-sensitive", b"get / HTTP/1.1\r\n" + H + b"\r\n", 501),
    ("overlong method", b"A" * 40 + b" / HTTP/1.1\r\n" + H + b"\r\n", 501),
    # header fields
    ("obs-fold continuation line", b"GET / HTTP/1.1\r\n" + H + b"X: a\r\n b\r\n\r\n", 400),
    ("space before the colon", b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    ("whitespace before the first field", b"GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
    ("NUL in a field name", b"GET / HTTP/1.1\r\n" + H + b"X\x00Y: b\r\n\r\n", 400),
    ("NUL in a field value", b"GET / HTTP/1.1\r\n" + H + b"X: a\x00b\r\n\r\n", 400),
    ("bare CR in a field value", b"GET / HTTP/1.1\r\n" + H + b"X: a\rb\r\n\r\n", 400),
    ("bare LF in a field value", b"GET / HTTP/1.1\r\n" + H + b"X: a\nb: c\r\n\r\n", 400),
    ("DEL in a field value", b"GET / HTTP/1.1\r\n" + H + b"X: a\x7fb\r\n\r\n", 400),
    ("control byte in a field value", b"GET / HTTP/1.1\r\n" + H + b"X: a\x01b\r\n\r\n", 400),
    ("empty field name", b"GET / HTTP/1.1\r\n" + H + b": empty\r\n\r\n", 400),
    ("separator in a field name", b"GET / HTTP/1.1\r\n" + H + b"X(y): b\r\n\r\n", 400),
    ("field line without a colon", b"GET / HTTP/1.1\r\n" + H + b"Xy\r\n\r\n", 400),
    ("vertical tab before a value", b"GET / HTTP/1.1\r\n" + H + b"X:\x0bb\r\n\r\n", 400),
    # Host (RFC 9112 section 3.2: exactly one, and a valid uri-host [":" port])
    ("missing Host in HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two Host fields", b"GET / HTTP/1.1\r\n" + H + b"Host: b\r\n\r\n", 400),
    ("space inside Host", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    ("slash inside Host", b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
    ("userinfo in Host", b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400),
    ("letters in the Host port", b"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400),
    ("unclosed IPv6 literal", b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400),
    ("Host with a path", b"GET / HTTP/1.1\r\nHost: a?x\r\n\r\n", 400),
]

SERVED = [
    ("empty lines before the request", b"\r\n\r\nGET / HTTP/1.1\r\n" + H + b"\r\n"),
    ("HTTP/1.2 is served as 1.1", b"GET / HTTP/1.2\r\n" + H + b"\r\n"),
    ("absolute-form target", b"GET http://a/x HTTP/1.1\r\n" + H + b"\r\n"),
    ("OPTIONS *", b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n"),
    ("tab as OWS", b"GET / HTTP/1.1\r\nHost:\ta\t\r\n\r\n"),
    ("obs-text in a value", b"GET / HTTP/1.1\r\n" + H + b"X: caf\xc3\xa9\r\n\r\n"),
    ("empty value", b"GET / HTTP/1.1\r\n" + H + b"X:\r\n\r\n"),
    ("IPv6 Host with port", b"GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"),
    ("empty Host", b"GET / HTTP/1.1\r\nHost:\r\n\r\n"),
    ("underscore in a field name", b"GET / HTTP/1.1\r\n" + H + b"X_Y: z\r\n\r\n"),
    ("HTTP/1.0 keep-alive", b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
]


@pytest.fixture
def site() -> Site:
    return Site(Echo())


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
@pytest.mark.parametrize(("name", "payload", "status"), REFUSED, ids=[r[0] for r in REFUSED])
def test_malformed_head_is_refused(
    serve: Any, site: Site, segmentation: str, name: str, payload: bytes, status: int
) -> None:
    server = serve(site)
    outcome = attack(server, payload, segmentation)
    assertRefused(outcome, status)
    # The error body is our own short reason, never an echo of the hostile bytes.
    body = outcome.responses()[0].body
    assert body.isascii()
    assert payload not in body
    assertServed(attack(server, b"", "whole"), count=0)


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
@pytest.mark.parametrize(("name", "payload"), SERVED, ids=[s[0] for s in SERVED])
def test_legal_head_is_served(
    serve: Any, site: Site, segmentation: str, name: str, payload: bytes
) -> None:
    outcome = attack(serve(site), payload, segmentation)
    assertServed(outcome)
    assert not outcome.closed


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_http10_without_keep_alive_closes(serve: Any, site: Site, segmentation: str) -> None:
    outcome = attack(serve(site), b"GET / HTTP/1.0\r\n\r\n", segmentation)
    assert outcome.statuses == [200]
    assert outcome.closed
    assert not outcome.probeAnswered  # bytes after a non-persistent request are ignored
