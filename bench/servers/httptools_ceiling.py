"""The Python ceiling: an asyncio Protocol over httptools on uvloop, ``python ... PORT``.

It does the least an HTTP/1.1 server must: parse with httptools, answer each complete
request with a prebuilt response (Date refreshed once a second, Content-Length, keep-alive
or close as the request asks). No routing, no request object, no header validation.
"""

import asyncio
import signal
import sys
from email.utils import formatdate

import httptools
import uvloop

BODY = b"Hello, world!\n"


class _Responses:
    """The two prebuilt responses (keep-alive, close), rebuilt when the second changes."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.keepAlive = b""
        self.close = b""
        self._loop = loop
        self._refresh()

    def _refresh(self) -> None:
        date = formatdate(usegmt=True).encode("ascii")
        head = (
            b"HTTP/1.1 200 OK\r\nServer: ceiling\r\nDate: " + date + b"\r\n"
            b"Content-Type: text/plain\r\nContent-Length: %d\r\n" % len(BODY)
        )
        self.keepAlive = head + b"\r\n" + BODY
        self.close = head + b"Connection: close\r\n\r\n" + BODY
        self._loop.call_later(1.0, self._refresh)


class HttpProtocol(asyncio.Protocol):
    def __init__(self, responses: _Responses) -> None:
        self._responses = responses
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            if self._transport is not None:
                self._transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                self._transport.close()

    def on_message_complete(self) -> None:
        transport = self._transport
        if transport is None:
            return
        if self._parser.should_keep_alive():
            transport.write(self._responses.keepAlive)
        else:
            transport.write(self._responses.close)
            transport.close()


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    responses = _Responses(loop)
    server = await loop.create_server(
        lambda: HttpProtocol(responses), "127.0.0.1", port, backlog=1024
    )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    uvloop.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
