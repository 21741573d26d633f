"""H1Connection.whole_response and trusted framing: the same bytes and state as the long way."""

from __future__ import annotations

import pytest

from plait.web._events import EndOfMessage, LocalProtocolError
from plait.web._h1 import H1Connection
from plait.web._h1_parse import checkRequestLine, knownRequestLines
from plait.web._limits import Limits

GET11 = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
GET10 = b"GET / HTTP/1.0\r\n\r\n"
GET10_KA = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
HEAD11 = b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
CLOSE11 = b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
POST_UNREAD = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab"


def ready(request: bytes) -> H1Connection:
    """A connection whose request head (and body, if whole) was delivered."""
    conn = H1Connection(Limits())
    conn.receive_data(request)
    event = conn.next_event()
    while request is not POST_UNREAD and not isinstance(event, EndOfMessage):
        event = conn.next_event()
    return conn


def state(conn: H1Connection) -> tuple[object, ...]:
    return (conn.our_state, conn.their_state, conn.keep_alive, conn.buffered_bytes)


CASES = [
    (GET11, 200, [(b"Content-Length", b"5")], b"hello"),
    (GET11, 200, [(b"Content-Length", b"5")], b"hel"),  # short: the connection must close
    (GET11, 200, [(b"Content-Type", b"text/plain")], b"chunked"),
    (GET11, 200, [(b"Content-Type", b"text/plain")], b""),
    (GET11, 204, [], b""),
    (GET11, 304, [(b"Content-Length", b"10")], b""),
    (HEAD11, 200, [(b"Content-Length", b"5")], b""),
    (GET10, 200, [], b"until close"),
    (GET10_KA, 200, [(b"Content-Length", b"2")], b"ok"),
    (CLOSE11, 200, [(b"Content-Length", b"2")], b"ok"),
    (GET11, 200, [(b"Connection", b"close, x-y"), (b"Content-Length", b"2")], b"ok"),
    (GET11, 200, [(b"Transfer-Encoding", b"gzip"), (b"Content-Length", b"2")], b"ok"),
    (POST_UNREAD, 200, [(b"Content-Length", b"2")], b"ok"),
    (GET11, 404, [(b"Content-Length", b"9")], b"not found"),
]


@pytest.mark.parametrize(("request_", "status", "headers", "body"), CASES)
@pytest.mark.parametrize("trusted", [False, True])
def test_whole_response_matches_three_calls(
    request_: bytes, status: int, headers: list[tuple[bytes, bytes]], body: bytes, trusted: bool
) -> None:
    long = ready(request_)
    expected = long.start_response(status, b"X", headers) + long.send_body(body)
    expected += long.end_response()
    short = ready(request_)
    assert short.whole_response(status, b"X", headers, body, trusted) == expected
    assert state(short) == state(long)


def test_whole_response_refuses_what_the_long_way_refuses() -> None:
    conn = ready(GET11)
    with pytest.raises(LocalProtocolError):
        conn.whole_response(200, b"OK", [(b"Content-Length", b"2")], b"too long")
    with pytest.raises(LocalProtocolError):
        ready(GET11).whole_response(100, b"Continue", [], b"body after a 1xx")


@pytest.mark.parametrize(
    "headers",
    [
        [(b"X", b"a\r\nSet-Cookie: evil")],
        [(b"X", b"a\nb")],
        [(b"X", b"a\x00b")],
        [(b"Bad Name", b"v")],
        [(b"", b"v")],
    ],
)
def test_untrusted_headers_are_checked(headers: list[tuple[bytes, bytes]]) -> None:
    with pytest.raises(ValueError, match="header"):
        ready(GET11).start_response(200, b"OK", headers)
    with pytest.raises(ValueError, match="header"):
        ready(GET11).whole_response(200, b"OK", headers, b"")


def test_status_and_reason_are_checked_before_being_cached() -> None:
    with pytest.raises(ValueError, match="reason"):
        ready(GET11).start_response(200, b"OK\r\nX: y", [])
    with pytest.raises(ValueError, match="status"):
        ready(GET11).start_response(1000, b"OK", [])
    with pytest.raises(ValueError, match="status"):
        ready(GET11).start_response(200.0, b"OK", [])  # type: ignore[arg-type]
    # The same status and reason, once accepted, are accepted again from the cache.
    for _ in range(2):
        assert ready(GET11).start_response(299, b"Fine", []).startswith(b"HTTP/1.1 299 Fine\r\n")


def test_known_request_lines_respect_the_target_limit() -> None:
    line = b"GET /" + b"a" * 40 + b" HTTP/1.1\r"
    assert checkRequestLine(line, 100) == (b"GET", b"/" + b"a" * 40, 1)
    assert line in knownRequestLines
    refused = checkRequestLine(line, 10)
    assert not isinstance(refused, tuple)
    assert refused.status == 414
    conn = H1Connection(Limits(max_request_target=10))
    conn.receive_data(line + b"\nHost: a\r\n\r\n")
    event = conn.next_event()
    assert getattr(event, "status", None) == 414


def test_invalid_lines_and_hosts_are_never_remembered() -> None:
    for _ in range(2):
        conn = H1Connection(Limits())
        conn.receive_data(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n")
        assert getattr(conn.next_event(), "status", None) == 400
    assert b"GET  / HTTP/1.1\r" not in knownRequestLines
    assert not isinstance(checkRequestLine(b"GET  / HTTP/1.1\r", 100), tuple)
    assert b"GET  / HTTP/1.1\r" not in knownRequestLines
