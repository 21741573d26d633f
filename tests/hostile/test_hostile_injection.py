"""Response splitting and header/cookie injection through every API that reaches the wire.

An application that copies request data into a response header (a redirect target, a cookie
value, a custom header, a reason phrase) must never let that data start a new header line or
a second response. RFC 9110 section 5.5: CR, LF and NUL are never allowed in a field value;
RFC 9112 section 4: the reason phrase is HTAB / SP / VCHAR / obs-text. Whatever each API does
with such input (refuse it with an exception, or neutralise it), the bytes on the wire must
parse strictly as one response without the injected field, and the connection must go on
serving the next request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hostile_support import PROBE, attack, parseResponses

from plait.web import util
from plait.web.resource import Resource
from plait.web.server import Site

# What every attack tries to make appear on the wire as a header of its own.
EVIL = b"X-Injected"

Attack = Callable[[Any], Any]

BREAKS = [b"\r\n", b"\n", b"\r", b"\x00", b"\r\n\r\n", b"\r\n "]
"""Line breaks and NUL in the shapes that split or fold a header."""


def payloads(prefix: bytes = b"v") -> list[bytes]:
    return [prefix + brk + EVIL + b": 1" for brk in BREAKS]


def _attacks() -> list[tuple[str, Attack]]:
    out: list[tuple[str, Attack]] = []
    for i, bad in enumerate(payloads()):
        out += [
            (f"setHeader value {i}", lambda r, b=bad: r.setHeader(b"X-A", b)),
            (f"setHeader str value {i}", lambda r, b=bad: r.setHeader("X-A", b.decode())),
            (f"setHeader name {i}", lambda r, b=bad: r.setHeader(b"X-A" + b, b"1")),
            (
                f"addRawHeader value {i}",
                lambda r, b=bad: r.responseHeaders.addRawHeader(b"X-A", b),
            ),
            (
                f"addRawHeader name {i}",
                lambda r, b=bad: r.responseHeaders.addRawHeader(b"X-A" + b, b"1"),
            ),
            (
                f"setRawHeaders second value {i}",
                lambda r, b=bad: r.responseHeaders.setRawHeaders(b"X-A", [b"ok", b]),
            ),
            (f"redirect {i}", lambda r, b=bad: r.redirect(b"/next" + b)),
            (f"redirectTo {i}", lambda r, b=bad: util.redirectTo(b"/next" + b, r)),
            (f"reason phrase {i}", lambda r, b=bad: r.setResponseCode(200, b"OK" + b)),
            (f"content-type {i}", lambda r, b=bad: r.setHeader(b"content-type", b"text/x" + b)),
        ]
    return out


ATTACKS = _attacks()

# Each part of a cookie, and what a NUL/CR/LF/';' in it could inject.
COOKIE_PARTS = ["k", "v", "expires", "domain", "path", "max_age", "comment"]
COOKIE_BADS = [*BREAKS, b";", b"; "]


def cookieAttack(part: str, bad: bytes) -> Attack:
    def go(request: Any) -> None:
        args: dict[str, Any] = {"k": b"name", "v": b"value"}
        evil = b"x" + bad + b"Domain=evil.example" + bad + EVIL + b": 1"
        args[part] = evil
        request.addCookie(**args)

    return go


class Injector(Resource):
    """``/attack/<n>`` runs attack *n* (exceptions it raises are the application's choice)."""

    isLeaf = True

    def __init__(self, attacks: list[Attack]) -> None:
        super().__init__()
        self.attacks = attacks
        self.raised: list[BaseException] = []

    def render_GET(self, request: Any) -> Any:
        if request.path == b"/probe":
            return b"probe"
        index = int(request.postpath[-1])
        try:
            result = self.attacks[index](request)
        except (ValueError, TypeError, UnicodeError) as exc:
            self.raised.append(exc)
            request.setResponseCode(200)
            return b"refused"
        return result if isinstance(result, bytes) else b"done"


def assertClean(data: bytes) -> None:
    """One response then the probe's; no injected field; no CR/LF/NUL out of place."""
    responses = parseResponses(data)  # strict: a bare CR/LF/NUL in a head fails here
    assert len(responses) == 2, data[:400]
    assert responses[1].body == b"probe"
    first = responses[0]
    assert all(name.lower() != EVIL.lower() for name, _ in first.headers), first.headers
    head = data[: data.index(b"\r\n\r\n")]
    assert b"\x00" not in head
    assert head.count(b"\r") == head.count(b"\r\n") == head.count(b"\n")
    for name, value in first.headers:
        if name.lower() == b"set-cookie":
            attributes = [a.strip().lower() for a in value.split(b";")[1:]]
            assert not any(a.startswith(b"domain=evil") for a in attributes), value


@pytest.mark.parametrize(("name", "index"), [(n, i) for i, (n, _) in enumerate(ATTACKS)])
def test_header_injection(serve: Any, name: str, index: int) -> None:
    server = serve(Site(Injector([a for _, a in ATTACKS])))
    request = b"GET /attack/%d HTTP/1.1\r\nHost: a\r\n\r\n" % index
    outcome = attack(server, request, "whole", quiet=5.0)
    assertClean(outcome.data)
    assert not outcome.closed


@pytest.mark.parametrize("bad", COOKIE_BADS, ids=[repr(b) for b in COOKIE_BADS])
def test_cookie_injection(serve: Any, bad: bytes) -> None:
    """Every part of ``addCookie`` in one connection per kind of bad byte."""
    attacks = [cookieAttack(part, bad) for part in COOKIE_PARTS]
    server = serve(Site(Injector(attacks)))
    with server.connect() as sock:
        for index in range(len(attacks)):
            sock.sendall(b"GET /attack/%d HTTP/1.1\r\nHost: a\r\n\r\n" % index + PROBE)
            data = _readTwo(sock)
            assertClean(data)


def _readTwo(sock: Any) -> bytes:
    received = b""
    while not received.endswith(b"\r\n\r\nprobe"):
        chunk = sock.recv(65536)
        assert chunk, received
        received += chunk
    return received


def test_response_splitting_through_a_reflected_query(serve: Any) -> None:
    """The classic shape: a handler reflecting a decoded query argument into Location."""

    class Reflect(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            if request.path == b"/probe":
                return b"probe"
            target = request.args[b"next"][0]
            try:
                return util.redirectTo(target, request)
            except ValueError:
                return b"refused"

    server = serve(Site(Reflect()))
    for encoded in (b"%0d%0aX-Injected:%201", b"%0aX-Injected:%201", b"%00X-Injected:%201"):
        request = b"GET /r?next=/a" + encoded + b" HTTP/1.1\r\nHost: a\r\n\r\n"
        outcome = attack(server, request, "whole", quiet=5.0)
        assertClean(outcome.data)
