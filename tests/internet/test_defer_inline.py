"""inlineCallbacks, ensureDeferred/fromCoroutine without an event loop, addTimeout."""

import contextlib
import contextvars
import gc

import pytest

from plait.internet.defer import (
    CancelledError,
    Deferred,
    NotACoroutineError,
    TimeoutError,
    ensureDeferred,
    fail,
    inlineCallbacks,
    returnValue,
    succeed,
)
from plait.internet.task import Clock


def result_of(d):
    box = []
    d.addBoth(box.append)
    assert box, "Deferred has not fired"
    return box[0]


def test_inline_callbacks_return_value():
    waiting = Deferred()

    @inlineCallbacks
    def gen(x):
        a = yield succeed(x)
        b = yield waiting
        c = yield "plain value"
        return (a, b, c)

    d = gen(1)
    assert not d.called
    waiting.callback(2)
    assert d.result == (1, 2, "plain value")


def test_inline_callbacks_return_value_function():
    @inlineCallbacks
    def gen():
        yield succeed(None)
        returnValue("via returnValue")

    assert gen().result == "via returnValue"


def test_inline_callbacks_exceptions_thrown_in_and_out():
    @inlineCallbacks
    def gen():
        try:
            yield fail(KeyError("inner"))
        except KeyError as e:
            caught = e.args[0]
        yield succeed(None)
        raise ValueError(caught)

    f = result_of(gen())
    assert f.check(ValueError)
    assert f.getErrorMessage() == "inner"


def test_inline_callbacks_nested():
    @inlineCallbacks
    def inner(x):
        yield succeed(None)
        return x * 2

    @inlineCallbacks
    def outer():
        a = yield inner(1)
        b = yield inner(a)
        return b

    assert outer().result == 4


def test_inline_callbacks_requires_generator():
    @inlineCallbacks
    def notgen():
        return 1

    with pytest.raises(TypeError):
        notgen()


def test_inline_callbacks_many_ready_deferreds_no_recursion():
    @inlineCallbacks
    def gen():
        total = 0
        for i in range(20_000):
            total += yield succeed(i)
        return total

    assert gen().result == sum(range(20_000))


def test_inline_callbacks_cancel_cancels_awaited():
    cancelled = []
    waiting = Deferred(cancelled.append)

    @inlineCallbacks
    def gen():
        yield waiting

    d = gen()
    d.cancel()
    assert cancelled == [waiting]
    assert result_of(d).check(CancelledError)


def test_inline_callbacks_cancel_caught_and_continues():
    first = Deferred()
    second = Deferred()

    @inlineCallbacks
    def gen():
        with contextlib.suppress(CancelledError):
            yield first
        value = yield second
        return value

    d = gen()
    d.cancel()
    seen = []
    d.addBoth(seen.append)
    assert seen == []
    second.callback("finished anyway")
    assert seen == ["finished anyway"]


def test_inline_callbacks_context_is_copied():
    var = contextvars.ContextVar("var", default="outside")
    waiting = Deferred()

    @inlineCallbacks
    def gen():
        var.set("inside")
        yield waiting
        return var.get()

    d = gen()
    assert var.get() == "outside"
    waiting.callback(None)
    assert d.result == "inside"


async def _add(a, b):
    return a + b


def test_ensure_deferred_coroutine_awaiting_deferreds():
    waiting = Deferred()

    async def main():
        x = await succeed(1)
        y = await waiting
        z = await _add(x, y)
        return z

    d = ensureDeferred(main())
    assert not d.called
    waiting.callback(10)
    assert d.result == 11
    assert waiting.result is None


def test_ensure_deferred_passes_deferreds_through():
    d = Deferred()
    assert ensureDeferred(d) is d


def test_ensure_deferred_rejects_non_coroutines():
    with pytest.raises(NotACoroutineError):
        ensureDeferred(42)
    with pytest.raises(NotACoroutineError):
        Deferred.fromCoroutine(lambda: None)


def test_from_coroutine_exception():
    async def boom():
        await succeed(None)
        raise OSError("nope")

    f = result_of(Deferred.fromCoroutine(boom()))
    assert f.check(OSError)


def test_await_failed_deferred_raises_and_consumes(caplog):
    failed = fail(ZeroDivisionError())

    async def main():
        with pytest.raises(ZeroDivisionError):
            await failed
        return "ok"

    assert ensureDeferred(main()).result == "ok"
    failed = None
    gc.collect()
    assert "Unhandled" not in caplog.text


def test_from_coroutine_cancel_raises_inside():
    waiting = Deferred()
    seen = []

    async def main():
        try:
            await waiting
        except CancelledError:
            seen.append("cancelled inside")
            raise

    d = Deferred.fromCoroutine(main())
    d.cancel()
    assert seen == ["cancelled inside"]
    assert result_of(d).check(CancelledError)


def test_long_await_chain_no_recursion():
    async def main():
        total = 0
        for i in range(20_000):
            total += await succeed(i)
        return total

    assert ensureDeferred(main()).result == sum(range(20_000))


def test_add_timeout_fires_timeout_error():
    clock = Clock()
    d = Deferred()
    d.addTimeout(5, clock)
    clock.advance(4.9)
    assert not d.called
    clock.advance(0.1)
    f = result_of(d)
    assert f.check(TimeoutError)
    assert clock.getDelayedCalls() == []


def test_add_timeout_cancelled_when_fired_in_time():
    clock = Clock()
    d = Deferred()
    d.addTimeout(5, clock)
    d.callback("fast")
    assert d.result == "fast"
    assert clock.getDelayedCalls() == []


def test_add_timeout_on_timeout_cancel_and_canceller():
    clock = Clock()
    d = Deferred(lambda d: d.callback("canceller result"))
    d.addTimeout(1, clock, onTimeoutCancel=lambda result, timeout: (result, timeout))
    clock.advance(1)
    assert d.result == ("canceller result", 1)


def test_add_timeout_user_cancel_stays_cancelled_error():
    clock = Clock()
    d = Deferred()
    d.addTimeout(1, clock)
    d.cancel()
    f = result_of(d)
    assert f.check(CancelledError)
    assert not f.check(TimeoutError)
