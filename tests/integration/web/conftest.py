"""A real plait server on a loopback port, run by its own reactor in a background thread.

Tests talk to it like any client would: httpx, curl, raw sockets. The server's loop is
parametrized over uvloop and the stdlib loop.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvloop

from plait.internet.asyncioreactor import AsyncioReactor

_LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop,
    "asyncio": asyncio.new_event_loop,
}


@dataclass
class RunningServer:
    """A server started by the ``serve`` fixture."""

    host: str
    port: int
    reactor: AsyncioReactor
    loop: asyncio.AbstractEventLoop
    site: Any

    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def call(self, f: Callable[..., Any], *args: Any) -> Any:
        """Run ``f(*args)`` on the server's loop and return its result."""
        done = threading.Event()
        box: list[Any] = []

        def run() -> None:
            try:
                box.append((True, f(*args)))
            except BaseException as exc:
                box.append((False, exc))
            done.set()

        self.loop.call_soon_threadsafe(run)
        assert done.wait(10), "server loop did not answer"
        ok, value = box[0]
        if not ok:
            raise value
        return value

    def connect(self, timeout: float = 10.0) -> socket.socket:
        """A raw client socket connected to the server."""
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        return sock


@pytest.fixture(params=sorted(_LOOPS))
def serve(request: pytest.FixtureRequest) -> Iterator[Callable[..., RunningServer]]:
    """``serve(site, tls=None)`` starts *site* on 127.0.0.1:<free port>; stopped after the test.

    *tls* is a server ``ssl.SSLContext`` (or context factory) to serve HTTPS instead.
    """
    started: list[tuple[threading.Thread, asyncio.AbstractEventLoop, AsyncioReactor, Any]] = []
    loopFactory = _LOOPS[request.param]

    def start(site: Any, interface: str = "127.0.0.1", tls: Any = None) -> RunningServer:
        loop = loopFactory()
        reactor = AsyncioReactor(loop)
        ready = threading.Event()
        box: list[Any] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                if tls is None:
                    port = reactor.listenTCP(0, site, interface=interface)
                else:
                    port = reactor.listenSSL(0, site, tls, interface=interface)
                box.append(port.getHost().port)
            except BaseException as exc:
                box.append(exc)
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=run, name="plait-test-server", daemon=True)
        thread.start()
        assert ready.wait(10), "server did not start"
        if isinstance(box[0], BaseException):
            raise box[0]
        started.append((thread, loop, reactor, site))
        return RunningServer(
            interface, box[0], reactor, loop, site, "http" if tls is None else "https"
        )

    yield start
    for thread, loop, reactor, site in started:

        async def shutdown(reactor: AsyncioReactor = reactor, site: Any = site) -> None:
            for port in list(reactor._ports):
                await port.stopListening().asFuture(asyncio.get_running_loop())
            for transport in list(reactor._transports):
                transport.abortConnection()
            for channel in getattr(site, "openChannels", ()):
                if channel.transport is not None:
                    channel.transport.abort()
            await asyncio.sleep(0)

        future = asyncio.run_coroutine_threadsafe(shutdown(), loop)
        future.result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
