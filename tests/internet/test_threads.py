"""plait.internet.threads and the reactor's thread API: to threads and back."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvloop

from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import Deferred, succeed
from plait.internet.threads import blockingCallFromThread, deferToThreadPool
from plait.python.failure import Failure


@pytest.fixture(params=["uvloop", "asyncio"])
def reactor(request: pytest.FixtureRequest) -> Iterator[AsyncioReactor]:
    loop = uvloop.new_event_loop() if request.param == "uvloop" else asyncio.new_event_loop()
    reactor = AsyncioReactor(loop)
    try:
        yield reactor
    finally:
        if reactor.threadpool is not None:
            reactor.threadpool.stop()
        loop.close()


def runUntil(reactor: AsyncioReactor, d: Deferred[Any]) -> list[Any]:
    """Run the reactor until ``d`` fires; returns [its result or Failure]."""
    results: list[Any] = []

    def done(result: object) -> None:
        results.append(result)
        reactor.stop()

    reactor.callWhenRunning(lambda: d.addBoth(done))
    reactor.callLater(30, reactor.stop)  # a bound, should the Deferred never fire
    reactor.run(installSignalHandlers=False)
    return results


def test_callFromThread_wakes_the_loop(reactor: AsyncioReactor) -> None:
    loopThread: list[threading.Thread] = []
    d: Deferred[str] = Deferred()

    def inThread() -> None:
        reactor.callFromThread(record, "from thread", key="kw")

    def record(value: str, key: str) -> None:
        loopThread.append(threading.current_thread())
        d.callback(f"{value} {key}")

    reactor.callWhenRunning(lambda: threading.Thread(target=inThread).start())
    assert runUntil(reactor, d) == ["from thread kw"]
    assert loopThread == [threading.main_thread()]


def test_deferToThreadPool_result_and_failure(reactor: AsyncioReactor) -> None:
    pool = reactor.getThreadPool()
    assert (pool.min, pool.max) == (0, 10)
    threads: list[threading.Thread] = []

    def work(x: int, y: int = 0) -> int:
        threads.append(threading.current_thread())
        return x + y

    assert runUntil(reactor, deferToThreadPool(reactor, pool, work, 1, y=2)) == [3]
    assert threads[0] is not threading.main_thread()


def test_deferToThreadPool_failure(reactor: AsyncioReactor) -> None:
    def broken() -> None:
        raise LookupError("in a thread")

    [result] = runUntil(reactor, deferToThreadPool(reactor, reactor.getThreadPool(), broken))
    assert isinstance(result, Failure)
    assert result.check(LookupError)


def test_callInThread_carries_contextvars(reactor: AsyncioReactor) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("submitted")
    d: Deferred[str] = Deferred()
    reactor.callInThread(lambda: reactor.callFromThread(d.callback, var.get()))
    assert runUntil(reactor, d) == ["submitted"]


def test_suggestThreadPoolSize(reactor: AsyncioReactor) -> None:
    reactor.suggestThreadPoolSize(3)
    assert reactor.getThreadPool().max == 3
    reactor.suggestThreadPoolSize(4)
    assert reactor.getThreadPool().max == 4


def test_pool_is_stopped_at_shutdown(reactor: AsyncioReactor) -> None:
    pool = reactor.getThreadPool()
    reactor.callInThread(lambda: None)
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert pool.joined
    assert pool.threads == []
    assert reactor.threadpool is None


@pytest.mark.parametrize("kind", ["plain", "deferred", "failure", "coroutine"])
def test_blockingCallFromThread(reactor: AsyncioReactor, kind: str) -> None:
    def plain(x: int) -> int:
        assert threading.current_thread() is threading.main_thread()
        return x * 2

    def deferred(x: int) -> Deferred[int]:
        d: Deferred[int] = Deferred()
        reactor.callLater(0.01, d.callback, x * 3)
        return d

    def failure(x: int) -> Deferred[int]:
        raise ValueError(f"no {x}")

    async def coroutine(x: int) -> int:
        await asyncio.sleep(0)
        return await succeed(x * 4)

    functions: dict[str, Any] = {
        "plain": plain,
        "deferred": deferred,
        "failure": failure,
        "coroutine": coroutine,
    }

    def inThread() -> Any:
        try:
            return blockingCallFromThread(reactor, functions[kind], 5)
        except ValueError as e:
            return str(e)

    [result] = runUntil(reactor, deferToThreadPool(reactor, reactor.getThreadPool(), inThread))
    assert result == {"plain": 10, "deferred": 15, "failure": "no 5", "coroutine": 20}[kind]


def test_deferToThread_and_callMultipleInThread_use_the_global_reactor() -> None:
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import threading
        from plait.internet import reactor
        from plait.internet.threads import callMultipleInThread, deferToThread

        seen = []

        def main():
            d = deferToThread(lambda a, b: a * b, 6, b=7)
            d.addCallback(seen.append)
            done = threading.Event()
            callMultipleInThread([
                (seen.append, ("first",), {}),
                (seen.append, ("second",), {}),
                (lambda: reactor.callFromThread(finish), (), {}),
            ])

        def finish():
            print(sorted(map(str, seen)))
            reactor.stop()

        reactor.callWhenRunning(main)
        reactor.run()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['42', 'first', 'second']"
