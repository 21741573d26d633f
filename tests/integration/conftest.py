"""Fixtures for real-socket tests: a fresh reactor on a fresh event loop per test.

Every test that uses ``reactor`` runs twice: on uvloop and on the stdlib loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvloop

from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import Deferred

_LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop,
    "asyncio": asyncio.new_event_loop,
}


@pytest.fixture(params=sorted(_LOOPS))
def loop(request: pytest.FixtureRequest) -> Iterator[asyncio.AbstractEventLoop]:
    loop = _LOOPS[request.param]()
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


@pytest.fixture
def reactor(loop: asyncio.AbstractEventLoop) -> Iterator[AsyncioReactor]:
    reactor = AsyncioReactor(loop)
    try:
        yield reactor
    finally:
        # Close whatever a failing test left listening, and the thread pool.
        stops = [port.stopListening() for port in list(reactor._ports)]
        for d in stops:
            loop.run_until_complete(asyncio.wait_for(d.asFuture(loop), 10))
        for transport in list(reactor._transports):
            transport.abortConnection()
        loop.run_until_complete(asyncio.sleep(0))
        if reactor.threadpool is not None:
            reactor.threadpool.stop()


@pytest.fixture
def wait(loop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """``wait(d)`` runs the loop until Deferred (or awaitable) ``d`` fires; its result."""

    def wait(d: Deferred[Any] | Any, timeout: float = 10) -> Any:
        awaitable = d.asFuture(loop) if isinstance(d, Deferred) else d
        return loop.run_until_complete(asyncio.wait_for(awaitable, timeout))

    return wait
