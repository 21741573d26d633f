from __future__ import annotations

import pytest
from test_h1_support import bad, events_for

from plait.web._events import ConnectionClosed, Data, EndOfMessage, RequestHead


def test_simple_get() -> None:
    events = events_for(b"GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Y:  z \t\r\n\r\n")
    assert events == [
        RequestHead(
            method=b"GET",
            target=b"/a?b=c",
            version=b"1.1",
            headers=[(b"Host", b"example.com"), (b"X-Y", b"z")],
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
        b'3;name=value;q="a \\" b"\r\nabc\r\n1 ; x\r\nd\r\n0\r\nTrailer: yes\r\n\r\n'
    )
    events = events_for(data)
    head = events[0]
    assert isinstance(head, RequestHead)
    assert head.chunked
    assert head.content_length is None
    assert events[1:] == [Data(data=b"abcd"), EndOfMessage(), ConnectionClosed()]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET /\r\nHost: a\r\n\r\n", 400),
        (b"GET / http/1.1\r\nHost: a\r\n\r\n", 400),
        (b"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        (b"GET / HTTP/3\r\nHost: a\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400),
        (b"GET / HTTP/1.1\r\nHost: a\n\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    ],
)
def test_rejected(data: bytes, status: int) -> None:
    assert bad(data).status == status
