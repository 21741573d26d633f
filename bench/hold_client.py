"""The client of the ``connections`` workload: hold N keep-alive connections to one server.

    python hold_client.py PORT N

Opens N connections to 127.0.0.1:PORT (at most 256 connects in flight), sends ``GET /`` on
each and reads the answer, keeping every connection open; prints ``HELD ok failed seconds``.
On the line ``again`` from stdin it sends a second request on every connection and prints
``AGAIN ok failed seconds``; on ``close`` it closes them all and prints ``CLOSED``. An
answer counts as ok when it is a 200 with the hello-world body and the connection is still
open. The soft limit on open files is raised to the hard limit first.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time

import uvloop

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
BODY = b"Hello, world!\n"
CONNECTS_IN_FLIGHT = 256
Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def exchange(stream: Stream) -> bool:
    """One request on *stream*; whether the answer was the hello-world 200."""
    reader, writer = stream
    writer.write(REQUEST)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length)
    return head.startswith(b"HTTP/1.1 200 ") and body == BODY


async def open_one(port: int, gate: asyncio.Semaphore) -> Stream | None:
    """A connection that answered one request, or None."""
    async with gate:
        try:
            stream = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return None
    try:
        if await exchange(stream):
            return stream
    except (OSError, asyncio.IncompleteReadError, ValueError):
        pass
    stream[1].close()
    return None


async def again(stream: Stream, gate: asyncio.Semaphore) -> bool:
    """A second request on an open connection; whether it was answered."""
    async with gate:
        try:
            return await exchange(stream)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            return False


async def hold(port: int, count: int) -> None:
    """Open, check, hold, re-check and close *count* connections, as the module says."""
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    gate = asyncio.Semaphore(CONNECTS_IN_FLIGHT)
    start = time.monotonic()
    opened = await asyncio.gather(*(open_one(port, gate) for _ in range(count)))
    streams = [s for s in opened if s is not None]
    print(f"HELD {len(streams)} {count - len(streams)} {time.monotonic() - start:.2f}", flush=True)
    while (line := (await stdin.readline()).strip()) not in (b"again", b"close", b""):
        pass
    if line == b"again":
        start = time.monotonic()
        second = asyncio.Semaphore(CONNECTS_IN_FLIGHT)
        answered = await asyncio.gather(*(again(s, second) for s in streams))
        ok = sum(answered)
        print(f"AGAIN {ok} {len(streams) - ok} {time.monotonic() - start:.2f}", flush=True)
        await stdin.readline()
    for _, writer in streams:
        writer.close()
    await asyncio.gather(*(w.wait_closed() for _, w in streams), return_exceptions=True)
    print("CLOSED", flush=True)


def main() -> None:
    """Parse PORT and N, raise the open-file limit, and hold the connections."""
    port, count = int(sys.argv[1]), int(sys.argv[2])
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    uvloop.run(hold(port, count))


if __name__ == "__main__":
    main()
