"""Deferred <-> asyncio, on the standard loop and on uvloop."""

import asyncio

import pytest
import uvloop

from plait.internet.defer import (
    CancelledError,
    Deferred,
    ensureDeferred,
    fail,
    maybeDeferred,
    succeed,
)

LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


@pytest.fixture(params=sorted(LOOPS))
def run(request):
    """Run a coroutine to completion on a fresh loop of the parametrised kind."""
    runner = asyncio.Runner(loop_factory=LOOPS[request.param])
    with runner:
        yield lambda coro: runner.run(asyncio.wait_for(coro, 10))


def test_await_deferred_in_asyncio_task(run):
    async def main():
        loop = asyncio.get_running_loop()
        d = Deferred()
        loop.call_soon(d.callback, "later")
        first = await d
        second = await succeed("now")
        return first, second

    assert run(main()) == ("later", "now")


def test_await_failing_deferred_in_asyncio_task(run):
    async def main():
        loop = asyncio.get_running_loop()
        d = Deferred()
        loop.call_soon(d.errback, KeyError("k"))
        with pytest.raises(KeyError):
            await d
        with pytest.raises(ValueError, match="sync"):
            await fail(ValueError("sync"))
        return True

    assert run(main())


def test_cancelling_task_cancels_awaited_deferred(run):
    async def main():
        cancelled = []
        d = Deferred(cancelled.append)

        async def waiter():
            await d

        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return cancelled == [d]

    assert run(main())


def test_as_future(run):
    async def main():
        d = Deferred()
        fut = d.asFuture(asyncio.get_running_loop())
        d.callback(5)
        value = await fut
        bad = fail(OSError("x")).asFuture(asyncio.get_running_loop())
        with pytest.raises(OSError, match="x"):
            await bad
        return value, d.result

    assert run(main()) == (5, None)


def test_as_future_cancel_cancels_deferred(run):
    async def main():
        cancelled = []
        d = Deferred(cancelled.append)
        fut = d.asFuture(asyncio.get_running_loop())
        fut.cancel()
        await asyncio.sleep(0)
        d.addErrback(lambda f: f.trap(CancelledError))
        return cancelled == [d]

    assert run(main())


def test_from_future(run):
    async def main():
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        d = Deferred.fromFuture(fut)
        seen = []
        d.addCallback(seen.append)
        fut.set_result(3)
        await asyncio.sleep(0)
        bad = loop.create_future()
        failed = []
        Deferred.fromFuture(bad).addErrback(failed.append)
        bad.set_exception(KeyError("b"))
        await asyncio.sleep(0)
        return seen, failed[0].check(KeyError)

    assert run(main()) == ([3], KeyError)


def test_from_future_cancel_both_ways(run):
    async def main():
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        d = Deferred.fromFuture(fut)
        failures = []
        d.addErrback(failures.append)
        d.cancel()
        assert fut.cancelled()
        assert failures[0].check(CancelledError)

        fut2 = loop.create_future()
        d2 = Deferred.fromFuture(fut2)
        fut2.cancel()
        await asyncio.sleep(0)
        failures2 = []
        d2.addErrback(failures2.append)
        return failures2[0].check(CancelledError)

    assert run(main()) is CancelledError


def test_ensure_deferred_awaits_asyncio_futures_and_sleep(run):
    async def inner():
        before = await succeed(1)
        await asyncio.sleep(0.001)
        fut = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(fut.set_result, 2)
        after = await fut
        return before + after

    async def main():
        d = ensureDeferred(inner())
        assert not d.called
        return await d

    assert run(main()) == 3


def test_cancel_from_coroutine_cancels_asyncio_wait(run):
    async def main():
        seen = []

        async def sleeper():
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                seen.append("cancelled inside")
                raise

        d = Deferred.fromCoroutine(sleeper())
        await asyncio.sleep(0)
        d.cancel()
        failures = []
        d.addErrback(failures.append)
        return seen, failures[0].check(CancelledError)

    assert run(main()) == (["cancelled inside"], CancelledError)


def test_asyncio_task_created_inside_driven_coroutine(run):
    async def child():
        await succeed(None)
        d = Deferred()
        asyncio.get_running_loop().call_soon(d.callback, "child")
        return await d

    async def parent():
        task = asyncio.ensure_future(child())
        return await task

    async def main():
        return await ensureDeferred(parent())

    assert run(main()) == "child"


def test_maybe_deferred_with_future(run):
    async def main():
        fut = asyncio.get_running_loop().create_future()
        d = maybeDeferred(lambda: fut)
        fut.set_result("f")
        return await d

    assert run(main()) == "f"


def test_ensure_deferred_accepts_future(run):
    async def main():
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(9)
        return await ensureDeferred(fut)

    assert run(main()) == 9
