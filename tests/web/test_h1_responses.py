"""H1Connection framing responses: lengths, chunking, HEAD/204/304, 1.0/1.1, keep-alive."""

from __future__ import annotations

import pytest

from plait.web._events import (
    PAUSED,
    BadRequest,
    Data,
    EndOfMessage,
    LocalProtocolError,
    RequestHead,
)
from plait.web._h1 import H1Connection
from plait.web._limits import Limits


def ready(request: bytes, limits: Limits | None = None) -> H1Connection:
    """A connection that has delivered every event of *request*."""
    conn = H1Connection(limits or Limits())
    conn.receive_data(request)
    while not isinstance(conn.next_event(), EndOfMessage):
        pass
    return conn


GET11 = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
GET10 = b"GET / HTTP/1.0\r\n\r\n"
GET10_KA = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
HEAD11 = b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"


def header_lines(head: bytes) -> list[bytes]:
    assert head.endswith(b"\r\n\r\n")
    return head[:-4].split(b"\r\n")


def test_content_length_kept_and_enforced() -> None:
    conn = ready(GET11)
    head = conn.start_response(200, b"OK", [(b"Content-Length", b"5"), (b"X", b"y")])
    assert header_lines(head) == [b"HTTP/1.1 200 OK", b"X: y", b"Content-Length: 5"]
    assert conn.send_body(b"abc") == b"abc"
    with pytest.raises(LocalProtocolError):
        conn.send_body(b"def")
    assert conn.send_body(b"de") == b"de"
    assert conn.end_response() == b""
    assert conn.keep_alive


def test_short_body_closes_the_connection() -> None:
    conn = ready(GET11)
    conn.start_response(200, b"OK", [(b"Content-Length", b"5")])
    conn.send_body(b"ab")
    conn.end_response()
    assert conn.keep_alive is False
    assert conn.our_state == "MUST_CLOSE"
    with pytest.raises(LocalProtocolError):
        conn.start_next_cycle()


def test_chunked_on_http11_without_length() -> None:
    conn = ready(GET11)
    head = conn.start_response(200, b"OK", [(b"Transfer-Encoding", b"gzip")])
    assert header_lines(head) == [b"HTTP/1.1 200 OK", b"Transfer-Encoding: chunked"]
    assert conn.send_body(b"hello") == b"5\r\nhello\r\n"
    assert conn.send_body(b"") == b""
    assert conn.send_body(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n"
    assert conn.end_response() == b"0\r\n\r\n"
    assert conn.keep_alive


def test_http10_without_length_is_close_delimited() -> None:
    conn = ready(GET10_KA)
    head = conn.start_response(200, b"OK", [])
    assert header_lines(head) == [b"HTTP/1.1 200 OK", b"Connection: close"]
    assert conn.send_body(b"raw") == b"raw"
    assert conn.end_response() == b""
    assert conn.keep_alive is False


def test_http10_keep_alive_with_length() -> None:
    conn = ready(GET10_KA)
    head = conn.start_response(200, b"OK", [(b"Content-Length", b"0")])
    assert header_lines(head) == [
        b"HTTP/1.1 200 OK",
        b"Content-Length: 0",
        b"Connection: keep-alive",
    ]
    conn.end_response()
    assert conn.keep_alive
    conn.start_next_cycle()


def test_http10_without_keep_alive_closes() -> None:
    conn = ready(GET10)
    head = conn.start_response(200, b"OK", [(b"Content-Length", b"0")])
    assert b"Connection: close" in header_lines(head)
    conn.end_response()
    assert conn.keep_alive is False


def test_client_close_is_echoed() -> None:
    conn = ready(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    head = conn.start_response(200, b"OK", [(b"Content-Length", b"0")])
    assert b"Connection: close" in header_lines(head)
    conn.end_response()
    assert conn.keep_alive is False


def test_application_close_is_honoured_once() -> None:
    conn = ready(GET11)
    head = conn.start_response(200, b"OK", [(b"Connection", b"close"), (b"Content-Length", b"0")])
    assert header_lines(head).count(b"Connection: close") == 1
    conn.end_response()
    assert conn.keep_alive is False


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses(status: int) -> None:
    conn = ready(GET11)
    head = conn.start_response(status, b"X", [(b"Content-Length", b"10")])
    lines = header_lines(head)
    assert not any(line.startswith(b"Transfer-Encoding") for line in lines)
    assert (b"Content-Length: 10" in lines) is (status == 304)
    assert conn.send_body(b"ignored") == b""
    assert conn.end_response() == b""
    assert conn.keep_alive


def test_head_keeps_length_and_sends_no_body() -> None:
    conn = ready(HEAD11)
    head = conn.start_response(200, b"OK", [(b"Content-Length", b"1234")])
    assert b"Content-Length: 1234" in header_lines(head)
    assert conn.send_body(b"x" * 5000) == b""
    assert conn.end_response() == b""
    assert conn.keep_alive


def test_head_without_length_is_not_chunked() -> None:
    conn = ready(HEAD11)
    head = conn.start_response(200, b"OK", [])
    assert header_lines(head) == [b"HTTP/1.1 200 OK"]
    assert conn.end_response() == b""
    assert conn.keep_alive


def test_informational_then_final() -> None:
    conn = ready(GET11)
    assert conn.start_response(103, b"Early Hints", [(b"Link", b"</a>")]) == (
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    )
    assert conn.our_state == "IDLE"
    conn.start_response(200, b"OK", [(b"Content-Length", b"0")])
    conn.end_response()
    assert conn.keep_alive


def test_no_informational_to_http10() -> None:
    assert ready(GET10).start_response(103, b"Early Hints", []) == b""


def test_switching_protocols() -> None:
    conn = ready(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nrest")
    head = conn.start_response(101, b"Switching Protocols", [(b"Connection", b"Upgrade")])
    assert header_lines(head) == [b"HTTP/1.1 101 Switching Protocols", b"Connection: upgrade"]
    assert conn.our_state == "SWITCHED"
    assert conn.send_body(b"frame") == b"frame"
    assert conn.trailing_data == b"rest"
    assert conn.keep_alive is False


@pytest.mark.parametrize(
    "headers",
    [
        [(b"X", b"a\r\nSet-Cookie: evil")],
        [(b"X", b"a\nb")],
        [(b"X", b"a\rb")],
        [(b"X", b"a\x00b")],
        [(b"X Y", b"a")],
        [(b"X:", b"a")],
        [(b"X\r\nY", b"a")],
        [(b"", b"a")],
        [(b"Content-Length", b"-1")],
        [(b"Content-Length", b"1"), (b"Content-Length", b"2")],
    ],
)
def test_unsafe_headers_raise(headers: list[tuple[bytes, bytes]]) -> None:
    conn = ready(GET11)
    with pytest.raises(ValueError):  # noqa: PT011
        conn.start_response(200, b"OK", headers)
    assert conn.our_state == "IDLE"


@pytest.mark.parametrize("reason", [b"O\r\nK", b"O\nK", b"\x00"])
def test_unsafe_reason_raises(reason: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        ready(GET11).start_response(200, reason, [])


def test_same_length_twice_is_collapsed() -> None:
    conn = ready(GET11)
    head = conn.start_response(200, b"OK", [(b"Content-Length", b"1"), (b"content-length", b"1")])
    assert header_lines(head).count(b"Content-Length: 1") == 1


def test_response_before_the_body_was_read_closes() -> None:
    conn = H1Connection()
    conn.receive_data(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"
    )
    assert isinstance(conn.next_event(), RequestHead)
    head = conn.start_response(401, b"Unauthorized", [(b"Content-Length", b"0")])
    assert b"Connection: close" in header_lines(head)
    assert conn.send_continue() == b""
    conn.end_response()
    assert conn.keep_alive is False


def test_unread_but_buffered_body_is_drained() -> None:
    conn = H1Connection()
    conn.receive_data(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    assert isinstance(conn.next_event(), RequestHead)
    head = conn.start_response(200, b"OK", [(b"Content-Length", b"0")])
    assert b"Connection: close" not in header_lines(head)
    conn.end_response()
    assert conn.keep_alive
    conn.start_next_cycle()
    second = conn.next_event()
    assert isinstance(second, RequestHead)
    assert second.target == b"/2"


def test_unread_chunked_body_drained_if_complete() -> None:
    conn = H1Connection()
    conn.receive_data(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
    )
    assert isinstance(conn.next_event(), RequestHead)
    conn.start_response(200, b"OK", [(b"Content-Length", b"0")])
    conn.end_response()
    # The header promised close (the end of a chunked body is unknown at that time).
    assert conn.keep_alive is False


def test_send_continue_once() -> None:
    conn = H1Connection()
    conn.receive_data(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
    )
    assert isinstance(conn.next_event(), RequestHead)
    assert conn.send_continue() == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert conn.send_continue() == b""
    conn.receive_data(b"hi")
    assert conn.next_event() == Data(data=b"hi")
    assert conn.next_event() == EndOfMessage()


def test_send_continue_not_without_expectation() -> None:
    conn = H1Connection()
    conn.receive_data(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n")
    assert isinstance(conn.next_event(), RequestHead)
    assert conn.send_continue() == b""


def test_error_response() -> None:
    conn = H1Connection()
    conn.receive_data(b"GET  / HTTP/1.1\r\n\r\n")
    event = conn.next_event()
    assert isinstance(event, BadRequest)
    data = conn.error_response(event, [(b"Server", b"plait")])
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 400 Bad Request"
    assert b"Connection: close" in lines
    assert b"Content-Type: text/plain; charset=utf-8" in lines
    assert b"Server: plait" in lines
    assert b"Content-Length: %d" % len(body) in lines
    assert body == event.reason.encode() + b"\n"
    assert conn.keep_alive is False
    assert conn.next_event() is PAUSED


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        (408, b"Request Timeout"),
        (413, b"Content Too Large"),
        (414, b"URI Too Long"),
        (417, b"Expectation Failed"),
        (431, b"Request Header Fields Too Large"),
        (501, b"Not Implemented"),
        (505, b"HTTP Version Not Supported"),
        (500, b"Internal Server Error"),
    ],
)
def test_error_response_phrases(status: int, phrase: bytes) -> None:
    data = H1Connection().error_response(BadRequest(status=status, reason="r"))
    assert data.startswith(b"HTTP/1.1 %d %s\r\n" % (status, phrase))


def test_error_response_after_response_started_is_empty() -> None:
    conn = ready(GET11)
    conn.start_response(200, b"OK", [])
    assert conn.error_response(BadRequest(status=500, reason="boom")) == b""
    assert conn.keep_alive is False


def test_misuse_raises() -> None:
    conn = H1Connection()
    with pytest.raises(LocalProtocolError):
        conn.start_response(200, b"OK", [])
    with pytest.raises(LocalProtocolError):
        conn.send_body(b"x")
    with pytest.raises(LocalProtocolError):
        conn.end_response()
    conn = ready(GET11)
    conn.start_response(200, b"OK", [])
    with pytest.raises(LocalProtocolError):
        conn.start_response(200, b"OK", [])
    with pytest.raises(LocalProtocolError):
        conn.start_next_cycle()
    with pytest.raises(ValueError):  # noqa: PT011
        ready(GET11).start_response(99, b"X", [])


def test_response_after_peer_eof_closes() -> None:
    conn = ready(GET11)
    conn.receive_data(b"")
    head = conn.start_response(200, b"OK", [(b"Content-Length", b"0")])
    assert b"Connection: close" in header_lines(head)
    conn.end_response()
    assert conn.keep_alive is False
