"""Per-request CPU cost of each layer, in process, without sockets: where the time goes.

wrk measures the whole server, kernel included. This measures the Python work alone, one
hello-world request at a time through an in-memory transport (the wrk request:
``GET / HTTP/1.1`` with a Host header), in microseconds per request:

- ``ceiling``: what bench/servers/httptools_ceiling.py does per request (httptools parse,
  one prebuilt write);
- ``h1``: plait's sans-IO `H1Connection` alone (request head to response bytes);
- ``plait``: HTTPChannel + Site + Resource, the full path, on uvloop and on the stdlib loop;
- ``twisted``: Twisted Web's HTTPChannel + Site + Resource over a StringTransport.

    python bench/layers.py [--requests N] [--profile]

``--profile`` runs the full plait path under cProfile and prints the most expensive
functions with their cost per request.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from collections.abc import Callable
from typing import Any

BODY = b"Hello, world!\n"
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"


class MemoryTransport:
    """Just enough of an asyncio transport for HTTPChannel: counts writes, keeps the last."""

    def __init__(self) -> None:
        self.writes = 0
        self.last = b""
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes += 1
        self.last = data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name in ("peername", "sockname"):
            return ("127.0.0.1", 8080)
        return default


def interleaved_minimum(repeats: int, runs: list[Callable[[], float]]) -> list[float]:
    """The fastest of *repeats* rounds of each run (each returns µs per request).

    Rounds run every measurement in turn, so a burst of load from elsewhere on the machine
    hits all of them alike; the minimum is the estimate least disturbed by that load.
    """
    found: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for index, run in enumerate(runs):
            found[index].append(run())
    return [min(values) for values in found]


def ceiling_cost(n: int) -> float:
    """µs per request for the ceiling's per-request work."""
    import httptools

    transport = MemoryTransport()
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n" + BODY

    class Proto:
        def on_message_complete(self) -> None:
            if parser.should_keep_alive():
                transport.write(response)

    parser = httptools.HttpRequestParser(Proto())
    start = time.perf_counter()
    for _ in range(n):
        parser.feed_data(REQUEST)
    elapsed = time.perf_counter() - start
    assert transport.writes == n
    return elapsed / n * 1e6


def h1_cost(n: int) -> float:
    """µs per request for H1Connection alone."""
    from plait.web._events import EndOfMessage, RequestHead
    from plait.web._h1 import H1Connection

    conn = H1Connection()
    headers = [
        (b"Date", b"Sun, 22 Nov 2026 00:00:00 GMT"),
        (b"Server", b"plait"),
        (b"Content-Type", b"text/plain"),
        (b"Content-Length", b"14"),
    ]
    start = time.perf_counter()
    for _ in range(n):
        conn.receive_data(REQUEST)
        head = conn.next_event()
        end = conn.next_event()
        out = conn.start_response(200, b"OK", headers) + conn.send_body(BODY)
        out += conn.end_response()
        conn.start_next_cycle()
    elapsed = time.perf_counter() - start
    assert type(head) is RequestHead
    assert type(end) is EndOfMessage
    assert out.endswith(BODY)
    return elapsed / n * 1e6


def _plaitSite() -> Any:
    from plait.web.resource import Resource
    from plait.web.server import Site

    class Hello(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.setHeader(b"content-type", b"text/plain")
            return BODY

    root = Resource()
    root.putChild(b"", Hello())
    return Site(root)


async def _plaitRun(n: int) -> float:
    site = _plaitSite()
    channel = site.buildProtocol(None)
    transport = MemoryTransport()
    channel.connection_made(transport)
    elapsed = 0.0
    done = 0
    # Yield to the loop every 64 requests, as a server under load does, so the loop can
    # drop the timer handles the channel cancelled.
    while done < n:
        batch = min(64, n - done)
        start = time.perf_counter()
        for _ in range(batch):
            channel.data_received(REQUEST)
        elapsed += time.perf_counter() - start
        done += batch
        await asyncio.sleep(0)
    channel.connection_lost(None)
    assert transport.writes == n
    assert transport.last.startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.last.endswith(BODY)
    return elapsed / n * 1e6


def plait_cost(n: int, loop: str) -> float:
    """µs per request for plait's full path on *loop* ("uvloop" or "asyncio")."""
    if loop == "uvloop":
        import uvloop

        return uvloop.run(_plaitRun(n))
    return asyncio.run(_plaitRun(n))


def twisted_cost(n: int) -> float:
    """µs per request for Twisted Web's full path over a StringTransport."""
    from twisted.internet.address import IPv4Address
    from twisted.internet.testing import StringTransport
    from twisted.web.resource import Resource
    from twisted.web.server import Site

    class Hello(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.setHeader(b"content-type", b"text/plain")
            return BODY

    root = Resource()
    root.putChild(b"", Hello())
    site = Site(root)
    channel = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 8080))
    transport = StringTransport()
    channel.makeConnection(transport)
    start = time.perf_counter()
    for _ in range(n):
        channel.dataReceived(REQUEST)
    elapsed = time.perf_counter() - start
    out = transport.value()
    assert out.count(b"HTTP/1.1 200 OK") == n
    channel.connectionLost(None)
    return elapsed / n * 1e6


def profile_plait(n: int, top: int = 25) -> str:
    """The *top* functions by own time for *n* requests on plait's full path (uvloop)."""
    import uvloop

    profiler = cProfile.Profile()
    profiler.enable()
    uvloop.run(_plaitRun(n))
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(top)
    lines = [f"cProfile, {n} requests (times include cProfile's own overhead):"]
    lines.append(f"{'calls/req':>9} {'own µs/req':>10}  function")
    entries = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    for (filename, line, name), (_, calls, tottime, _, _) in entries[:top]:
        where = filename.split("/src/")[-1] if "/src/" in filename else filename
        lines.append(f"{calls / n:9.2f} {tottime / n * 1e6:10.2f}  {name} ({where}:{line})")
    return "\n".join(lines)


def main() -> None:
    """Print µs per request for each layer."""
    parser = argparse.ArgumentParser(description="per-request CPU cost of each layer")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    n = args.requests
    rows = [
        ("ceiling (httptools parse + one write)", lambda: ceiling_cost(n)),
        ("plait H1Connection (sans-IO) alone", lambda: h1_cost(n)),
        ("plait full path, uvloop", lambda: plait_cost(n, "uvloop")),
        ("plait full path, stdlib loop", lambda: plait_cost(n, "asyncio")),
        ("Twisted Web full path", lambda: twisted_cost(n)),
    ]
    print(f"µs of Python CPU per hello-world request, fastest of {args.repeats} x {n}:")
    costs = interleaved_minimum(args.repeats, [run for _, run in rows])
    for (label, _), cost in zip(rows, costs, strict=True):
        print(f"  {label:40} {cost:7.2f}")
    if args.profile:
        print()
        print(profile_plait(n))


if __name__ == "__main__":
    main()
