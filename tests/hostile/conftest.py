"""The ``serve`` fixture of the hostile suite: a real plait server on a loopback port."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvloop
from hostile_support import RunningServer

from plait.internet.asyncioreactor import AsyncioReactor

_LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop,
    "asyncio": asyncio.new_event_loop,
}


@pytest.fixture(params=sorted(_LOOPS))
def serve(request: pytest.FixtureRequest) -> Iterator[Callable[..., RunningServer]]:
    """``serve(site)`` starts *site* on 127.0.0.1:<free port>; stopped after the test."""
    started: list[tuple[threading.Thread, asyncio.AbstractEventLoop, AsyncioReactor, Any]] = []
    loopFactory = _LOOPS[request.param]

    def start(site: Any) -> RunningServer:
        loop = loopFactory()
        reactor = AsyncioReactor(loop)
        ready = threading.Event()
        box: list[Any] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                port = reactor.listenTCP(0, site, interface="127.0.0.1")
                box.append(port.getHost().port)
            except BaseException as exc:
                box.append(exc)
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=run, name="plait-hostile-server", daemon=True)
        thread.start()
        assert ready.wait(10), "server did not start"
        if isinstance(box[0], BaseException):
            raise box[0]
        started.append((thread, loop, reactor, site))
        return RunningServer("127.0.0.1", box[0], reactor, loop, site)

    yield start
    for thread, loop, reactor, site in started:

        async def shutdown(reactor: AsyncioReactor = reactor, site: Any = site) -> None:
            for port in list(reactor._ports):
                await port.stopListening().asFuture(asyncio.get_running_loop())
            for channel in list(getattr(site, "_channels", ())):
                if channel.transport is not None:
                    channel.transport.abort()
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
