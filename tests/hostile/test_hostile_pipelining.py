"""Pipelining: responses in request order whatever the handlers' timing, bounded buffering.

CVE-2023-46137 and CVE-2024-41671 were Twisted answering pipelined requests out of order, or
answering a request buffered behind one that ended the connection. RFC 9112 section 9.3.2:
a server must send its responses in the order the requests were received. Here handlers
that finish later for earlier requests (a Deferred, a coroutine, ``NOT_DONE_YET``) must not
reorder anything; a burst of hundreds of requests is read with reading paused whenever
`Limits.max_pipelined_requests` / `max_pipeline_bytes` are passed, and still fully answered;
a bad request ends the pipeline where it stands; nothing after ``Connection: close`` is read.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, ClassVar

import pytest
from hostile_support import (
    PROBE,
    SEGMENTATIONS,
    SMUGGLED,
    attack,
    parseResponses,
)

from plait.internet.defer import Deferred
from plait.web._channel import HTTPChannel
from plait.web.http import Limits
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET, Site


class Timed(Resource):
    """``/<kind>/<milliseconds>/<tag>`` answers *tag* after the delay, in the style *kind*.

    *kind* is ``d`` (a Deferred), ``c`` (a coroutine), ``n`` (``NOT_DONE_YET``, finished by a
    timer) or ``s`` (synchronous). ``/probe`` and ``/smuggled`` answer as in hostile_support.
    """

    isLeaf = True

    def render_GET(self, request: Any) -> Any:
        if request.path == b"/probe":
            return b"probe"
        if request.path == b"/smuggled":
            return SMUGGLED
        kind, ms, tag = request.postpath[-3:]
        delay = int(ms) / 1000
        loop = asyncio.get_running_loop()
        body = b"<" + tag + b">"
        request.setHeader(b"content-length", b"%d" % len(body))
        if kind == b"s":
            return body
        if kind == b"d":
            d: Deferred[bytes] = Deferred(lambda _d: handle.cancel())
            handle = loop.call_later(delay, d.callback, body)
            return d
        if kind == b"c":

            async def later() -> bytes:
                await asyncio.sleep(delay)
                return body

            return later()

        def finish() -> None:
            request.write(body)
            request.finish()

        timer = loop.call_later(delay, finish)
        request.notifyFinish().addErrback(lambda _f: timer.cancel())
        return NOT_DONE_YET

    render_HEAD = render_GET


def get(path: bytes, extra: bytes = b"") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: a\r\n" + extra + b"\r\n"


def tags(data: bytes) -> list[bytes]:
    return [r.body for r in parseResponses(data)]


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
@pytest.mark.parametrize("kind", [b"d", b"c", b"n"])
def test_slower_earlier_requests_still_answered_first(
    serve: Any, segmentation: str, kind: bytes
) -> None:
    """Delays 300, 200, 100, 0 ms: were the handlers concurrent they would finish reversed."""
    server = serve(Site(Timed()))
    delays = [300, 200, 100, 0]
    payload = b"".join(get(b"/%s/%d/%d" % (kind, ms, i)) for i, ms in enumerate(delays))
    outcome = attack(server, payload, segmentation, quiet=5.0)
    assert tags(outcome.data) == [b"<0>", b"<1>", b"<2>", b"<3>", b"probe"]
    assert not outcome.closed


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_mixed_handler_styles_in_one_pipeline(serve: Any, segmentation: str) -> None:
    server = serve(Site(Timed()))
    plan = [(b"n", 80), (b"s", 0), (b"c", 40), (b"d", 60), (b"s", 0), (b"n", 0), (b"d", 0)]
    payload = b"".join(get(b"/%s/%d/%d" % (k, ms, i)) for i, (k, ms) in enumerate(plan))
    # A HEAD among them: its response has no body, and must not desynchronise the rest.
    payload += b"HEAD /c/30/h HTTP/1.1\r\nHost: a\r\n\r\n" + get(b"/d/10/last")
    outcome = attack(server, payload, segmentation, quiet=5.0)
    responses = parseResponses(outcome.data, headIndexes={len(plan)})
    assert [r.body for r in responses] == [b"<%d>" % i for i in range(len(plan))] + [
        b"",
        b"<last>",
        b"probe",
    ]
    assert responses[len(plan)].header(b"content-length") == b"3"


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_large_burst_answered_in_order(serve: Any, segmentation: str) -> None:
    """Hundreds of requests in one write (and byte by byte) against tight pipeline limits."""
    limits = Limits(max_pipelined_requests=4, max_pipeline_bytes=512)
    server = serve(Site(Timed(), limits=limits))
    count = 300 if segmentation == "whole" else 120
    kinds = [b"s", b"d", b"c", b"n"]
    payload = b"".join(get(b"/%s/0/%d" % (kinds[i % 4], i)) for i in range(count))
    outcome = attack(server, payload, segmentation, quiet=10.0)
    assert tags(outcome.data) == [b"<%d>" % i for i in range(count)] + [b"probe"]
    assert not outcome.closed


class WatchedChannel(HTTPChannel):
    """Records the pipeline buffer the first time reading pauses."""

    paused = threading.Event()
    seen: ClassVar[list[tuple[int, int]]] = []

    def _applyReadBackpressure(self) -> None:
        super()._applyReadBackpressure()
        if self._readingPaused and not self.paused.is_set():
            self.seen.append((self._conn.pending_requests, self._conn.buffered_bytes))
            self.paused.set()


class Held(Timed):
    """``/hold`` waits until the test releases it; everything else as `Timed`."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[Any] = []
        self.arrived = threading.Event()

    def render_GET(self, request: Any) -> Any:
        if request.path == b"/hold":
            self.held.append(request)
            self.arrived.set()
            return NOT_DONE_YET
        return super().render_GET(request)

    def release(self) -> None:
        request = self.held.pop()
        request.setHeader(b"content-length", b"4")
        request.write(b"held")
        request.finish()


def test_reading_pauses_behind_a_slow_request_then_everything_is_answered(serve: Any) -> None:
    """A megabyte of pipelined requests behind a held one: reading pauses, nothing is lost."""
    WatchedChannel.paused = threading.Event()
    WatchedChannel.seen = []
    limits = Limits(max_pipelined_requests=16, max_pipeline_bytes=65536)
    site = Site(Held(), limits=limits)
    site.protocol = WatchedChannel
    server = serve(site)
    resource = site.resource
    count = 2500
    padding = b"X-Pad: " + b"p" * 380 + b"\r\n"
    burst = get(b"/hold") + b"".join(get(b"/s/0/%d" % i, padding) for i in range(count))
    with server.connect(timeout=30) as sock:
        sender = threading.Thread(target=sock.sendall, args=(burst + PROBE,), daemon=True)
        sender.start()
        assert resource.arrived.wait(10)
        assert WatchedChannel.paused.wait(10), "reading never paused"
        pending, buffered = WatchedChannel.seen[0]
        # Paused as soon as a read passed the limits: far less than the burst is held in memory.
        assert buffered < len(burst) // 2
        assert pending < count // 2
        server.call(resource.release)
        received = bytearray()
        while not received.endswith(b"\r\n\r\nprobe"):
            chunk = sock.recv(262144)
            assert chunk, "server closed before answering everything"
            received += chunk
        sender.join(10)
    assert tags(bytes(received)) == [b"held"] + [b"<%d>" % i for i in range(count)] + [b"probe"]


BAD_MIDDLES = [
    ("space before colon", b"GET / HTTP/1.1\r\nHost: a\r\nX-Bad : 1\r\n\r\n"),
    (
        "two Content-Lengths",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
    ),
    ("bare LF", b"GET / HTTP/1.1\nHost: a\n\n"),
    ("no Host", b"GET / HTTP/1.1\r\n\r\n"),
    ("bad chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x1\r\n"),
]


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
@pytest.mark.parametrize(("name", "bad"), BAD_MIDDLES, ids=[n for n, _ in BAD_MIDDLES])
def test_bad_request_mid_pipeline_ends_it_there(
    serve: Any, segmentation: str, name: str, bad: bytes
) -> None:
    server = serve(Site(Timed()))
    before = get(b"/d/60/0") + get(b"/c/30/1") + get(b"/n/0/2")
    after = get(b"/smuggled") + get(b"/s/0/9")
    outcome = attack(server, before + bad + after, segmentation, quiet=5.0)
    responses = parseResponses(outcome.data)
    assert [r.status for r in responses] == [200, 200, 200, 400]
    assert [r.body for r in responses[:3]] == [b"<0>", b"<1>", b"<2>"]
    assert responses[3].header(b"connection") == b"close"
    assert outcome.closed
    assert SMUGGLED not in outcome.data
    assert b"<9>" not in outcome.data
    assert not outcome.probeAnswered


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
@pytest.mark.parametrize("kind", [b"s", b"d", b"n"])
def test_nothing_answered_after_connection_close(
    serve: Any, segmentation: str, kind: bytes
) -> None:
    server = serve(Site(Timed()))
    payload = (
        get(b"/c/20/0")
        + get(b"/%s/30/1" % kind, b"Connection: close\r\n")
        + get(b"/smuggled")
        + get(b"/s/0/9")
    )
    outcome = attack(server, payload, segmentation, quiet=5.0)
    responses = parseResponses(outcome.data)
    assert [r.body for r in responses] == [b"<0>", b"<1>"]
    assert responses[1].header(b"connection") == b"close"
    assert outcome.closed
    assert SMUGGLED not in outcome.data
    assert not outcome.probeAnswered


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_http10_without_keep_alive_ends_the_pipeline(serve: Any, segmentation: str) -> None:
    server = serve(Site(Timed()))
    payload = b"GET /d/20/0 HTTP/1.0\r\n\r\n" + get(b"/smuggled")
    outcome = attack(server, payload, segmentation, quiet=5.0)
    assert [r.body for r in parseResponses(outcome.data)] == [b"<0>"]
    assert outcome.closed
    assert SMUGGLED not in outcome.data
