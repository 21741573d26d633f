"""Property tests: arbitrary bytes, arbitrarily segmented, never break H1Connection."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_kind
from hypothesis import strategies as st
from test_h1_support import merge, serve

from plait.web._events import BadRequest, ConnectionClosed, Data, EndOfMessage, RequestHead
from plait.web._limits import Limits

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
