"""H1Connection on well-formed and malformed requests: every input whole, byte by byte,
split in two, and followed by another request; then arbitrary bytes (hypothesis)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_kind
from hypothesis import strategies as st

from plait.web._events import (
    NEED_DATA,
    PAUSED,
    BadRequest,
    ConnectionClosed,
    Data,
    EndOfMessage,
    RequestHead,
)
from plait.web._h1 import H1Connection
from plait.web._limits import Limits

Item = RequestHead | Data | EndOfMessage | BadRequest | ConnectionClosed


def segmentations(data: bytes) -> Iterable[list[bytes]]:
    """The input whole, byte by byte, and in two halves."""
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    middle = len(data) // 2
    yield [data[:middle], data[middle:]]


def merge(events: list[Item]) -> list[Item]:
    """Join consecutive Data events, so different segmentations compare equal."""
    out: list[Item] = []
    for event in events:
        if isinstance(event, Data) and out and isinstance(out[-1], Data):
            out[-1] = Data(data=out[-1].data + event.data)
        else:
            out.append(event)
    return out


def serve(
    chunks: list[bytes],
    limits: Limits | None = None,
    eof: bool = True,
    respond: bool = True,
) -> tuple[list[Item], H1Connection]:
    """Feed *chunks*, answering every complete request with an empty 200, like a channel."""
    conn = H1Connection(limits or Limits())
    events: list[Item] = []
    feed = [*chunks, b""] if eof else list(chunks)
    for chunk in feed:
        conn.receive_data(chunk)
        while True:
            event = conn.next_event()
            if event is NEED_DATA or event is PAUSED:
                break
            assert isinstance(event, Item)
            events.append(event)
            if isinstance(event, BadRequest | ConnectionClosed):
                return merge(events), conn
            if isinstance(event, EndOfMessage) and respond:
                conn.start_response(200, b"OK", [(b"Content-Length", b"0")])
                conn.end_response()
                if not conn.keep_alive:
                    return merge(events), conn
                conn.start_next_cycle()
    return merge(events), conn


TAIL = b"GET /tail HTTP/1.1\r\nHost: a\r\n\r\n"


def events_for(data: bytes, limits: Limits | None = None, tail: bool = True) -> list[Item]:
    """Events for *data* then EOF, asserting every segmentation yields the same, and that
    trailing data (another request) does not change what *data* produced."""
    results = [serve(chunks, limits)[0] for chunks in segmentations(data)]
    for other in results[1:]:
        assert other == results[0]
    events = results[0]
    if not tail:  # data is an incomplete message: what follows would continue it
        return events
    with_tail = serve([data, TAIL], limits, eof=False)[0]
    if isinstance(events[-1], BadRequest):
        assert with_tail == events
    elif isinstance(events[-1], ConnectionClosed):
        assert with_tail[: len(events) - 1] == events[:-1]
    else:  # the request asked to close: nothing after it is read
        assert with_tail == events
    return events


def bad(data: bytes, limits: Limits | None = None) -> BadRequest:
    """The BadRequest *data* produces, identical in every segmentation."""
    events = events_for(data, limits)
    last = events[-1]
    assert isinstance(last, BadRequest), events
    assert not any(isinstance(e, BadRequest) for e in events[:-1])
    return last


H = b"Host: a\r\n"


def head_of(data: bytes) -> RequestHead:
    events = events_for(data)
    head = events[0]
    assert isinstance(head, RequestHead), events
    return head


def test_simple_get() -> None:
    events = events_for(b"GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Y:  z \t\r\nE:\r\n\r\n")
    assert events == [
        RequestHead(
            method=b"GET",
            target=b"/a?b=c",
            version=b"1.1",
            headers=[(b"Host", b"example.com"), (b"X-Y", b"z"), (b"E", b"")],
            content_length=None,
            chunked=False,
            expect_continue=False,
            keep_alive=True,
        ),
        EndOfMessage(),
        ConnectionClosed(),
    ]


def test_content_length_body() -> None:
    events = events_for(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
    head = events[0]
    assert isinstance(head, RequestHead)
    assert head.content_length == 5
    assert events[1:] == [Data(data=b"hello"), EndOfMessage(), ConnectionClosed()]


def test_chunked_body_with_extensions_and_trailers() -> None:
    data = (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'3;name=value;q="a \\" b"\r\nabc\r\n1 ; x\r\nd\r\nA\r\n0123456789\r\n'
        b"0\r\nTrailer: yes\r\nOther:\r\n\r\n"
    )
    events = events_for(data)
    head = events[0]
    assert isinstance(head, RequestHead)
    assert head.chunked
    assert head.content_length is None
    assert events[1:] == [Data(data=b"abcd0123456789"), EndOfMessage(), ConnectionClosed()]


@pytest.mark.parametrize(
    ("data", "version", "keep_alive"),
    [
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", b"1.1", True),
        (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n", b"1.1", False),
        (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, close\r\n\r\n", b"1.1", False),
        (b"GET / HTTP/1.0\r\n\r\n", b"1.0", False),
        (b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", b"1.0", True),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", b"1.0", False),
        (b"GET / HTTP/1.2\r\nHost: a\r\n\r\n", b"1.1", True),
        (b"GET / HTTP/1.9\r\nHost: a\r\n\r\n", b"1.1", True),
    ],
)
def test_versions_and_persistence(data: bytes, version: bytes, keep_alive: bool) -> None:
    head = head_of(data)
    assert head.version == version
    assert head.keep_alive is keep_alive


@pytest.mark.parametrize(
    ("method", "target"),
    [
        (b"GET", b"http://example.com/a?b"),
        (b"GET", b"https://example.com"),
        (b"OPTIONS", b"*"),
        (b"CONNECT", b"example.com:443"),
        (b"CONNECT", b"[::1]:8080"),
        (b"GET", b"/%41%zz/a;b=c/~user/!$&'()*+,=:@"),
        (b"PROPFIND", b"/dav"),
        (b"PATCH", b"/x"),
    ],
)
def test_accepted_targets(method: bytes, target: bytes) -> None:
    head = head_of(method + b" " + target + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    assert head.method == method
    assert head.target == target


def test_leading_empty_line_is_tolerated() -> None:
    assert head_of(b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").target == b"/"
    assert head_of(b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").target == b"/"


def test_http10_may_omit_host() -> None:
    assert head_of(b"GET / HTTP/1.0\r\n\r\n").headers == []


@pytest.mark.parametrize("host", [b"", b"a.b", b"a:80", b"[::1]:80", b"xn--bcher-kva.ch", b"a:"])
def test_valid_hosts(host: bytes) -> None:
    assert head_of(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n").headers == [(b"Host", host)]


@pytest.mark.parametrize(
    ("expect", "continue_"),
    [(b"100-continue", True), (b"100-Continue", True), (b"", False)],
)
def test_expect_continue(expect: bytes, continue_: bool) -> None:
    data = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nExpect: " + expect + b"\r\n\r\nx"
    assert head_of(data).expect_continue is continue_


def test_expect_ignored_on_http10_and_without_body() -> None:
    data = b"POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\nx"
    assert head_of(data).expect_continue is False
    assert head_of(
        b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"
    ).expect_continue is (False)


def test_obs_text_in_value_is_kept() -> None:
    assert head_of(b"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n").headers[1] == (
        b"X",
        b"caf\xc3\xa9",
    )


REJECTED = [
    # request line
    (b"GET  / HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET /  HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b" GET / HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET / HTTP/1.1 \r\n" + H + b"\r\n", 400),
    (b"GET /\r\n" + H + b"\r\n", 400),
    (b"GET\r\n" + H + b"\r\n", 400),
    (b"GET / http/1.1\r\n" + H + b"\r\n", 400),
    (b"GET / HTTP/1.10\r\n" + H + b"\r\n", 400),
    (b"GET / HTTP/1\r\n" + H + b"\r\n", 400),
    (b"GET / HTTP/1.x\r\n" + H + b"\r\n", 400),
    (b"GET / HTTP/11\r\n" + H + b"\r\n", 400),
    (b"G@T / HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"G\x00T / HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET\t/ HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"FOO / HTTP/1.1\r\n" + H + b"\r\n", 501),
    (b"get / HTTP/1.1\r\n" + H + b"\r\n", 501),
    (b"A" * 40 + b" / HTTP/1.1\r\n" + H + b"\r\n", 501),
    (b"GET / HTTP/2.0\r\n" + H + b"\r\n", 505),
    (b"GET / HTTP/3\r\n" + H + b"\r\n", 505),
    (b"GET / HTTP/0.9\r\n" + H + b"\r\n", 505),
    (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    # request target
    (b"GET /a\x01b HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET /a\x7fb HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET /a\xffb HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET /a\x00b HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET /a#frag HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET * HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET example.com:80 HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"CONNECT /path HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"CONNECT example.com HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"GET relative HTTP/1.1\r\n" + H + b"\r\n", 400),
    # line endings
    (b"GET / HTTP/1.1\n" + H + b"\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\n\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\n\r\n", 400),
    (b"GET / HTTP/1.1\rHost: a\r\r", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400),
    (b"\nGET / HTTP/1.1\r\n" + H + b"\r\n", 400),
    (b"\r\n" * 5 + b"GET / HTTP/1.1\r\n" + H + b"\r\n", 400),
    # header fields
    (b"GET / HTTP/1.1\r\n" + H + b"X: a\r\n b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b" X: a\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b"X: a\x00b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b"X: a\x01b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b"X: a\x7fb\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b"X : a\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b"X\t: a\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b"X Y: a\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b"X@Y: a\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b": a\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b"NoColon\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n" + H + b"X\xff: a\r\n\r\n", 400),
    # Host
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a:b\r\n\r\n", 400),
    (b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    # Content-Length
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nxy", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1, 1\r\n\r\nx", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: +1\r\n\r\nx", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\nx", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 0x1\r\n\r\nx", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1_0\r\n\r\nx", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1 0\r\n\r\nx", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: \r\n\r\nx", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: \xd9\xa1\r\n\r\nx", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999999\r\n\r\nx", 400),
    # Transfer-Encoding
    (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: identity\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: xchunked\r\n\r\n", 400),
    (
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
        b"\r\n\r\n0\r\n\r\n",
        400,
    ),
    (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    # chunked framing
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0x1\r\nx\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n+1\r\nx\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n 1\r\nx\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1_0\r\nx\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n\r\nx\r\n0\r\n\r\n", 400),
    (
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
        b"10000000000000000\r\nx\r\n0\r\n\r\n",
        400,
    ),
    (
        b"POST / HTTP/1.1\r\n"
        + H
        + b"Transfer-Encoding: chunked\r\n\r\n1;a\x00\r\nx\r\n0\r\n\r\n",
        400,
    ),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1;\r\nx\r\n0\r\n\r\n", 400),
    (
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1;a=\r\nx\r\n0\r\n\r\n",
        400,
    ),
    (
        b"POST / HTTP/1.1\r\n" + H + b'Transfer-Encoding: chunked\r\n\r\n1;a="b\r\nx\r\n0\r\n\r\n',
        400,
    ),
    (
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1;a\rb\r\nx\r\n0\r\n\r\n",
        400,
    ),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1\r\nxy0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\r0\r\n\r\n", 400),
    (
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\nBad Name: x\r\n\r\n",
        400,
    ),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\x00\r\n\r\n", 400),
    (
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n",
        400,
    ),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\n\r\n", 400),
    (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\n", 400),
    # expectations
    (b"POST / HTTP/1.1\r\n" + H + b"Expect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417),
    (b"GET / HTTP/1.1\r\n" + H + b"Expect: something\r\n\r\n", 417),
]


@pytest.mark.parametrize(("data", "status"), REJECTED)
def test_rejected(data: bytes, status: int) -> None:
    assert bad(data).status == status


@pytest.mark.parametrize(("data", "status"), REJECTED)
def test_rejection_reasons_are_short_and_printable(data: bytes, status: int) -> None:
    reason = bad(data).reason
    assert 0 < len(reason) <= 100
    assert reason.isascii()
    assert reason.isprintable()


def test_after_bad_request_paused_for_ever() -> None:
    conn = H1Connection()
    conn.receive_data(b"GET  / HTTP/1.1\r\n\r\n")
    assert isinstance(conn.next_event(), BadRequest)
    conn.receive_data(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert conn.next_event() is PAUSED
    assert conn.next_event() is PAUSED
    assert conn.their_state == "ERROR"
    assert conn.buffered_bytes == 0


# -- limits ---------------------------------------------------------------------------------


def test_head_over_the_limit_is_431() -> None:
    limits = Limits(max_header_bytes=200)
    data = b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"a" * 300 + b"\r\n\r\n"
    assert bad(data, limits).status == 431


def test_head_at_the_limit_is_accepted() -> None:
    limits = Limits(max_header_bytes=100)
    prefix = b"GET / HTTP/1.1\r\nHost: a\r\nX: "
    data = prefix + b"a" * (100 - len(prefix) - 4) + b"\r\n\r\n"
    assert len(data) == 100
    assert isinstance(events_for(data, limits)[0], RequestHead)
    assert bad(data[:-4] + b"a\r\n\r\n", limits).status == 431


def test_never_ending_header_is_431_without_a_terminator() -> None:
    limits = Limits(max_header_bytes=100)
    events, _ = serve([b"GET / HTTP/1.1\r\nX: " + b"a" * 200], limits, eof=False)
    assert events == [BadRequest(status=431, reason="request head too large")]


def test_long_target_is_414() -> None:
    limits = Limits(max_request_target=50)
    assert bad(b"GET /" + b"a" * 60 + b" HTTP/1.1\r\n" + H + b"\r\n", limits).status == 414
    events, _ = serve([b"GET /" + b"a" * 60], limits, eof=False)
    assert events == [BadRequest(status=414, reason="request target too long")]
    assert isinstance(
        events_for(b"GET /" + b"a" * 49 + b" HTTP/1.1\r\n" + H + b"\r\n", limits)[0], RequestHead
    )


def test_long_target_within_default_head_limit() -> None:
    assert bad(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n").status == 414


def test_too_many_headers_is_431() -> None:
    limits = Limits(max_headers=10)
    fields = b"".join(b"X-%d: v\r\n" % i for i in range(10))
    assert isinstance(events_for(b"GET / HTTP/1.0\r\n" + fields + b"\r\n", limits)[0], RequestHead)
    assert bad(b"GET / HTTP/1.1\r\n" + H + fields + b"\r\n", limits).status == 431


def test_default_header_count_limit() -> None:
    fields = b"".join(b"X-%d: v\r\n" % i for i in range(100))
    assert bad(b"GET / HTTP/1.1\r\n" + H + fields + b"\r\n").status == 431


def test_content_length_over_max_body_is_413_before_the_body() -> None:
    limits = Limits(max_body_bytes=10)
    conn = H1Connection(limits)
    conn.receive_data(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000000\r\n\r\n")
    assert isinstance(conn.next_event(), RequestHead)
    assert conn.send_continue() == b""
    event = conn.next_event()
    assert event == BadRequest(status=413, reason="request body too large")
    assert conn.keep_alive is False
    assert conn.next_event() is PAUSED


def test_set_max_body_raises_and_lowers_the_limit() -> None:
    data = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n" + b"x" * 20
    conn = H1Connection(Limits(max_body_bytes=10))
    conn.receive_data(data)
    assert isinstance(conn.next_event(), RequestHead)
    conn.set_max_body(20)
    assert conn.next_event() == Data(data=b"x" * 20)
    assert conn.next_event() == EndOfMessage()
    conn = H1Connection()
    conn.receive_data(data)
    assert isinstance(conn.next_event(), RequestHead)
    conn.set_max_body(19)
    assert isinstance(conn.next_event(), BadRequest)
    conn = H1Connection(Limits(max_body_bytes=1))
    conn.receive_data(data)
    assert isinstance(conn.next_event(), RequestHead)
    conn.set_max_body(None)
    assert conn.next_event() == Data(data=b"x" * 20)


def test_chunked_body_over_max_body_is_413() -> None:
    limits = Limits(max_body_bytes=10)
    data = (
        b"POST / HTTP/1.1\r\n"
        + H
        + b"Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n6\r\nfghijk\r\n0\r\n\r\n"
    )
    events = events_for(data, limits)
    assert events[1:] == [
        Data(data=b"abcde"),
        BadRequest(status=413, reason="request body too large"),
    ]
    ok = (
        b"POST / HTTP/1.1\r\n"
        + H
        + b"Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"
    )
    assert events_for(ok, limits)[1] == Data(data=b"abcdefghij")


def test_trailers_are_bounded() -> None:
    limits = Limits(max_trailer_bytes=64)
    start = b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n"
    assert bad(start + b"X: " + b"a" * 80 + b"\r\n\r\n", limits).status == 431
    assert bad(start + b"X: a\r\n" * 20 + b"\r\n", limits).status == 431
    assert isinstance(events_for(start + b"X: a\r\n" * 5 + b"\r\n", limits)[-2], EndOfMessage)


def test_chunk_extensions_are_bounded() -> None:
    limits = Limits(max_chunk_ext_bytes=20)
    start = b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1"
    assert bad(start + b";a=" + b"b" * 40 + b"\r\nx\r\n0\r\n\r\n", limits).status == 400
    assert isinstance(events_for(start + b";a=bb\r\nx\r\n0\r\n\r\n", limits)[-2], EndOfMessage)
    events, _ = serve([start + b";" + b"a" * 100], limits, eof=False)
    assert events[-1] == BadRequest(status=400, reason="chunk line too long")


# -- EOF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n",
        b"GET",
        b"GET / HTTP/1.1\r\nHost: a\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
    ],
)
def test_eof_mid_request_is_connection_closed(data: bytes) -> None:
    events = events_for(data, tail=False)
    assert events[-1] == ConnectionClosed()
    assert not any(isinstance(e, EndOfMessage | BadRequest) for e in events)
    conn = serve([data])[1]
    assert conn.next_event() == ConnectionClosed()
    assert conn.keep_alive is False


def test_eof_after_pipelined_requests_comes_after_them() -> None:
    data = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
    events = events_for(data)
    assert [type(e) for e in events] == [RequestHead, EndOfMessage] * 2 + [ConnectionClosed]


# -- pipelining -----------------------------------------------------------------------------


def test_pipelined_requests_come_one_at_a_time() -> None:
    data = (
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        b"POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"
        b"GET /4 HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    conn = H1Connection()
    conn.receive_data(data)
    targets = []
    for _ in range(4):
        head = conn.next_event()
        assert isinstance(head, RequestHead)
        targets.append(head.target)
        while not isinstance(event := conn.next_event(), EndOfMessage):
            assert isinstance(event, Data)
        assert conn.next_event() is PAUSED
        assert conn.next_event() is PAUSED
        conn.start_response(200, b"OK", [])
        assert conn.next_event() is PAUSED
        conn.send_body(b"body")
        conn.end_response()
        assert conn.next_event() is PAUSED
        assert conn.keep_alive
        conn.start_next_cycle()
    assert targets == [b"/1", b"/2", b"/3", b"/4"]
    assert conn.next_event() is NEED_DATA


def test_pending_requests_and_buffered_bytes() -> None:
    conn = H1Connection()
    one = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    conn.receive_data(one * 5)
    assert conn.pending_requests == 4
    assert isinstance(conn.next_event(), RequestHead)
    assert isinstance(conn.next_event(), EndOfMessage)
    assert conn.pending_requests == 4
    assert conn.buffered_bytes == 4 * len(one)


def test_bytes_after_a_non_persistent_request_are_ignored() -> None:
    data = (
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    conn = H1Connection()
    conn.receive_data(data)
    assert isinstance(conn.next_event(), RequestHead)
    assert isinstance(conn.next_event(), EndOfMessage)
    conn.receive_data(b"more")
    assert conn.buffered_bytes == 0
    assert conn.next_event() is PAUSED
    conn.start_response(200, b"OK", [])
    conn.end_response()
    assert conn.keep_alive is False


# -- arbitrary input ---------------------------------------------------------------------

FRAGMENTS = [
    b"GET / HTTP/1.1\r\n",
    b"POST /x HTTP/1.1\r\n",
    b"GET / HTTP/1.0\r\n",
    b"HEAD /h HTTP/1.1\r\n",
    b"OPTIONS * HTTP/1.1\r\n",
    b"Host: a\r\n",
    b"Content-Length: 3\r\n",
    b"Content-Length: 0\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Connection: close\r\n",
    b"Connection: keep-alive\r\n",
    b"Expect: 100-continue\r\n",
    b"X: y\r\n",
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b"3\r\nabc\r\n",
    b"0\r\n\r\n",
    b"1;e=v\r\n",
    b"abc",
    b":",
    b"\x00",
]

REQUESTS = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /b?c HTTP/1.0\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nT: v\r\n\r\n",
    b"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid request with up to two bytes inserted or deleted."""
    data = draw(st.sampled_from(REQUESTS))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        if draw(st.booleans()):
            insert = draw(st.one_of(st.sampled_from(FRAGMENTS), st.binary(min_size=1, max_size=3)))
            data = data[:at] + insert + data[at:]
        else:
            data = data[:at] + data[at + 1 :]
    return data


message = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=8)), max_size=30).map(
    b"".join
)
pipeline = st.lists(st.one_of(st.sampled_from(REQUESTS), mutated()), min_size=1, max_size=5).map(
    b"".join
)
anything = st.one_of(pipeline, message, st.binary(max_size=300))


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return [p for p in pieces if p]


def check_grammar(events: list[object], data: bytes) -> None:
    """(RequestHead Data* EndOfMessage)* [RequestHead Data*] [BadRequest | ConnectionClosed]."""
    in_request = False
    heads = 0
    for index, event in enumerate(events):
        if isinstance(event, RequestHead):
            assert not in_request
            in_request = True
            heads += 1
        elif isinstance(event, Data):
            assert in_request
            assert event.data
        elif isinstance(event, EndOfMessage):
            assert in_request
            in_request = False
        else:
            assert isinstance(event, BadRequest | ConnectionClosed)
            assert index == len(events) - 1
            if isinstance(event, BadRequest):
                assert event.status in {400, 413, 414, 417, 431, 501, 505}
                assert event.reason.isascii()
                assert event.reason.isprintable()
    # every request head needs its own blank-line terminator
    assert heads <= data.count(b"\r\n\r\n")


small = Limits(
    max_header_bytes=120,
    max_request_target=40,
    max_headers=4,
    max_body_bytes=20,
    max_trailer_bytes=20,
    max_chunk_ext_bytes=8,
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=anything, cuts=st.lists(st.integers(min_value=0), max_size=12), tight=st.booleans())
def test_arbitrary_input(data: bytes, cuts: list[int], tight: bool) -> None:
    limits = small if tight else Limits()
    whole, conn = serve([data], limits)
    pieces, _ = serve(split(data, cuts), limits)
    single, _ = serve([data[i : i + 1] for i in range(len(data))], limits)
    assert pieces == whole
    assert single == whole
    check_grammar(whole, data)
    heads = sum(isinstance(e, RequestHead) for e in whole)
    note_kind(f"heads={min(heads, 2)} last={type(whole[-1]).__name__ if whole else None}")
    assert whole == merge(whole)
    if whole and isinstance(whole[-1], BadRequest):
        assert conn.keep_alive is False
