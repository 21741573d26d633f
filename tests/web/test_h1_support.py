"""Drivers shared by the H1Connection tests (no tests here)."""

from __future__ import annotations

from collections.abc import Iterable

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
