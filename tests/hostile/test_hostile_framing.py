"""Message framing: Content-Length and Transfer-Encoding in every malformed form, chunked
corner cases, trailers, and request smuggling (CVE-2020-10108/10109, CVE-2022-24801 shapes).

RFC 9112 section 6: a request with both Transfer-Encoding and Content-Length, several
differing lengths, or a Transfer-Encoding that does not end in chunked cannot be framed
safely; the server answers 400 (501 for an unknown coding) and closes. Section 7.1: a chunk
size is 1*HEXDIG; nothing else (signs, ``0x``, whitespace) is accepted.
"""

from __future__ import annotations

from typing import Any

import pytest
from hostile_support import (
    SEGMENTATIONS,
    SMUGGLED,
    Echo,
    assertRefused,
    assertServed,
    attack,
)

from plait.web.server import Site

POST = b"POST / HTTP/1.1\r\nHost: a\r\n"
SMUGGLE = b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
TE = b"Transfer-Encoding: chunked\r\n"


def cl(value: bytes) -> bytes:
    return b"Content-Length: " + value + b"\r\n"


REFUSED = [
    # Content-Length
    ("two equal Content-Lengths", POST + cl(b"5") + cl(b"5") + b"\r\nhello", 400),
    ("two different Content-Lengths", POST + cl(b"5") + cl(b"6") + b"\r\nhello!", 400),
    ("Content-Length list", POST + cl(b"5, 5") + b"\r\nhello", 400),
    ("plus sign", POST + cl(b"+5") + b"\r\nhello", 400),
    ("minus sign", POST + cl(b"-5") + b"\r\nhello", 400),
    ("hex length", POST + cl(b"0x5") + b"\r\nhello", 400),
    ("underscore in length", POST + cl(b"1_0") + b"\r\nhello", 400),
    ("non-ASCII digit", POST + cl(b"\xd9\xa5") + b"\r\nhello", 400),
    ("vertical tab after length", POST + cl(b"5\x0b") + b"\r\nhello", 400),
    ("empty length", POST + cl(b"") + b"\r\nhello", 400),
    ("20-digit length", POST + cl(b"9" * 20) + b"\r\nhello", 400),
    # Content-Length with Transfer-Encoding (CVE-2020-10109)
    ("CL then TE", POST + cl(b"5") + TE + b"\r\n0\r\n\r\n" + SMUGGLE, 400),
    ("TE then CL", POST + TE + cl(b"40") + b"\r\n0\r\n\r\n" + SMUGGLE, 400),
    ("TE in HTTP/1.0", b"POST / HTTP/1.0\r\n" + TE + b"\r\n0\r\n\r\n", 400),
    # Transfer-Encoding
    (
        "chunked twice in one field",
        POST + b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    ("chunked twice in two fields", POST + TE + TE + b"\r\n0\r\n\r\n", 400),
    ("chunked not last", POST + b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400),
    ("xchunked", POST + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + SMUGGLE, 400),
    ("gzip only", POST + b"Transfer-Encoding: gzip\r\n\r\n0\r\n\r\n", 400),
    (
        "unknown coding before chunked",
        POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        501,
    ),
    (
        "identity before chunked",
        POST + b"Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
        501,
    ),
    ("space before colon", POST + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
    (
        "vertical tab before chunked",
        POST + b"Transfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "TE folded onto the next line",
        POST + b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    # chunk-size line (CVE-2022-24801)
    ("0x chunk size", POST + TE + b"\r\n0x5\r\nhello\r\n0\r\n\r\n", 400),
    ("signed chunk size", POST + TE + b"\r\n-5\r\nhello\r\n0\r\n\r\n", 400),
    ("plus chunk size", POST + TE + b"\r\n+5\r\nhello\r\n0\r\n\r\n", 400),
    ("space before chunk size", POST + TE + b"\r\n 5\r\nhello\r\n0\r\n\r\n", 400),
    ("space after chunk size", POST + TE + b"\r\n5 \r\nhello\r\n0\r\n\r\n", 400),
    ("empty chunk size", POST + TE + b"\r\n\r\nhello\r\n0\r\n\r\n", 400),
    ("overlong chunk size", POST + TE + b"\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n", 400),
    ("NUL in chunk extension", POST + TE + b"\r\n5;a=\x00\r\nhello\r\n0\r\n\r\n", 400),
    ("bare LF after chunk size", POST + TE + b"\r\n5\nhello\r\n0\r\n\r\n", 400),
    ("bare LF after extension", POST + TE + b"\r\n5;\nhello\r\n0\r\n\r\n", 400),
    ("bare CR after chunk size", POST + TE + b"\r\n5\rhello\r\n0\r\n\r\n", 400),
    ("chunk data too long", POST + TE + b"\r\n5\r\nhelloXX\r\n0\r\n\r\n", 400),
    ("bare LF after chunk data", POST + TE + b"\r\n5\r\nhello\n0\r\n\r\n", 400),
    # trailers
    ("trailer without colon", POST + TE + b"\r\n5\r\nhello\r\n0\r\nX y\r\n\r\n", 400),
    ("bare LF ending trailers", POST + TE + b"\r\n5\r\nhello\r\n0\r\n\n", 400),
    ("obs-fold in trailer", POST + TE + b"\r\n0\r\nX: a\r\n b\r\n\r\n", 400),
]

SERVED = [
    ("Content-Length with OWS", POST + b"Content-Length:  5 \r\n\r\nhello", b"5:hello"),
    ("leading zeros", POST + cl(b"005") + b"\r\nhello", b"5:hello"),
    ("chunked", POST + TE + b"\r\n5\r\nhello\r\n0\r\n\r\n", b"5:hello"),
    ("upper-case CHUNKED", POST + b"Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n", b"0:"),
    ("chunk extensions", POST + TE + b'\r\n5;a=b;c="d\\"e"\r\nhello\r\n0;z\r\n\r\n', b"5:hello"),
    ("upper-case hex size", POST + TE + b"\r\nA\r\n0123456789\r\n0\r\n\r\n", b"10:0123456789"),
    ("zero-padded size", POST + TE + b"\r\n0005\r\nhello\r\n0\r\n\r\n", b"5:hello"),
    (
        "trailers dropped",
        POST + TE + b"\r\n5\r\nhello\r\n0\r\nContent-Length: 99\r\n\r\n",
        b"5:hello",
    ),
    ("body with a request inside", POST + cl(b"%d" % len(SMUGGLE)) + b"\r\n" + SMUGGLE, SMUGGLE),
    ("GET with a body", b"GET / HTTP/1.1\r\nHost: a\r\n" + cl(b"3") + b"\r\nabc", b"3:abc"),
    ("underscore TE is not TE", POST + b"Transfer_Encoding: chunked\r\n\r\n", b"0:"),
]


@pytest.fixture
def site() -> Site:
    return Site(Echo())


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
@pytest.mark.parametrize(("name", "payload", "status"), REFUSED, ids=[r[0] for r in REFUSED])
def test_unframeable_request_is_refused(
    serve: Any, site: Site, segmentation: str, name: str, payload: bytes, status: int
) -> None:
    outcome = attack(serve(site), payload, segmentation)
    assertRefused(outcome, status)


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
@pytest.mark.parametrize(("name", "payload", "echo"), SERVED, ids=[s[0] for s in SERVED])
def test_legal_framing_is_served(
    serve: Any, site: Site, segmentation: str, name: str, payload: bytes, echo: bytes
) -> None:
    outcome = attack(serve(site), payload, segmentation)
    assertServed(outcome)
    assert outcome.responses()[0].body.endswith(echo)


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_request_after_a_chunked_body_is_a_new_request(
    serve: Any, site: Site, segmentation: str
) -> None:
    """Pipelined after a chunked body, a request is answered as itself, in order."""
    payload = POST + TE + b"\r\n5\r\nhello\r\n0\r\n\r\n" + SMUGGLE
    outcome = attack(serve(site), payload, segmentation)
    responses = outcome.responses()
    assert [r.body for r in responses] == [b"POST / 5:hello", SMUGGLED, b"probe"]


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_unread_body_is_skipped_not_parsed(serve: Any, segmentation: str) -> None:
    """A resource that never reads the body: the body is still framed and skipped."""
    from plait.web.resource import Resource

    class Ignore(Resource):
        isLeaf = True

        def render_POST(self, request: Any) -> bytes:
            return b"ignored"

        def render_GET(self, request: Any) -> bytes:
            return b"probe" if request.path == b"/probe" else SMUGGLED

    payload = POST + cl(b"%d" % len(SMUGGLE)) + b"\r\n" + SMUGGLE
    outcome = attack(serve(Site(Ignore())), payload, segmentation)
    assert [r.body for r in outcome.responses()] == [b"ignored", b"probe"]


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_error_answering_head_has_no_content(serve: Any, site: Site, segmentation: str) -> None:
    """A HEAD whose body breaks the framing gets a 400 without content (found by fuzzing)."""
    payload = b"HEAD / HTTP/1.1\r\nHost: a\r\n" + TE + b"\r\n2\r\n3y\r\xe3"
    outcome = attack(serve(site), payload, segmentation)
    responses = outcome.responses(heads=1)
    assert [r.status for r in responses] == [400]
    assert outcome.data.endswith(b"\r\n\r\n")
    assert outcome.closed
