"""Deferred basics: firing, chaining, nesting, pausing, cancelling, logging."""

import gc
import logging

import pytest

from plait.internet import defer
from plait.internet.defer import (
    AlreadyCalledError,
    CancelledError,
    Deferred,
    execute,
    fail,
    maybeDeferred,
    succeed,
)
from plait.python.failure import Failure


def result_of(d):
    box = []
    d.addBoth(box.append)
    assert box, "Deferred has not fired"
    return box[0]


def test_callbacks_run_in_order_with_args():
    d = Deferred()
    d.addCallback(lambda r, a, b=0: r + a + b, 2, b=3)
    d.addCallback(lambda r: r * 10)
    assert not d.called
    d.callback(1)
    assert d.called
    assert d.result == 60


def test_callbacks_added_after_firing_run_immediately():
    d = succeed("x")
    seen = []
    d.addCallback(seen.append)
    assert seen == ["x"]
    assert d.result is None


def test_exception_in_callback_switches_to_errbacks():
    d = Deferred()
    calls = []
    d.addCallback(lambda _: 1 / 0)
    d.addCallback(lambda r: calls.append("skipped"))
    d.addErrback(lambda f: f.trap(ZeroDivisionError) and "handled")
    d.addCallback(calls.append)
    d.callback(None)
    assert calls == ["handled"]


def test_errback_with_exception_and_current_exception():
    d = Deferred()
    d.errback(KeyError("k"))
    f = result_of(d)
    assert isinstance(f, Failure)
    assert f.check(KeyError)

    d2 = Deferred()
    try:
        raise ValueError("now")
    except ValueError:
        d2.errback()
    assert result_of(d2).getErrorMessage() == "now"


def test_errback_returning_failure_continues_failing():
    d = fail(RuntimeError("r"))
    d.addErrback(lambda f: f)
    d.addCallbacks(lambda r: "ok", lambda f: "recovered")
    assert d.result == "recovered"


def test_add_callbacks_with_all_arguments():
    d = Deferred()
    d.addCallbacks(
        lambda r, x, y=None: (r, x, y),
        lambda f, x: ("bad", x),
        callbackArgs=(1,),
        callbackKeywords={"y": 2},
        errbackArgs=(3,),
    )
    d.callback(0)
    assert d.result == (0, 1, 2)

    d = Deferred()
    d.addCallbacks(
        lambda r: r, lambda f, x, z=0: ("bad", x, z), errbackArgs=(3,), errbackKeywords={"z": 4}
    )
    d.errback(ValueError())
    assert d.result == ("bad", 3, 4)


def test_add_both():
    d = fail(ValueError())
    d.addBoth(lambda r: type(r).__name__)
    assert d.result == "Failure"


def test_double_fire_raises():
    d = succeed(1)
    with pytest.raises(AlreadyCalledError):
        d.callback(2)
    with pytest.raises(AlreadyCalledError):
        d.errback(ValueError())


def test_callback_with_deferred_is_rejected():
    with pytest.raises(TypeError):
        Deferred().callback(Deferred())


def test_nested_deferred_pauses_the_chain():
    outer = Deferred()
    inner = Deferred()
    seen = []
    outer.addCallback(lambda _: inner)
    outer.addCallback(seen.append)
    outer.callback(None)
    assert seen == []
    assert outer.paused
    assert "waiting on Deferred" in repr(outer)
    inner.callback("inner result")
    assert seen == ["inner result"]
    assert not outer.paused
    assert inner.result is None


def test_nested_already_fired_deferred_is_taken_inline():
    outer = succeed(None)
    outer.addCallback(lambda _: succeed(5))
    assert outer.result == 5


def test_nested_failure_propagates_and_is_not_logged_twice(caplog):
    outer = Deferred()
    inner = Deferred()
    outer.addCallback(lambda _: inner)
    outer.callback(None)
    inner.errback(ValueError("nested"))
    f = outer.result
    assert isinstance(f, Failure)
    assert f.check(ValueError)
    outer.addErrback(lambda _: None)
    del outer
    gc.collect()
    assert "Unhandled error" not in caplog.text


def test_chain_deferred():
    a, b = Deferred(), Deferred()
    a.chainDeferred(b)
    a.callback(3)
    assert b.result == 3
    assert a.result is None


def test_pause_and_unpause():
    d = Deferred()
    seen = []
    d.addCallback(seen.append)
    d.pause()
    d.callback(1)
    assert seen == []
    d.pause()
    d.unpause()
    assert seen == []
    d.unpause()
    assert seen == [1]


def test_paused_outer_lets_inner_continue():
    inner = Deferred()
    outer = succeed(None)
    outer.addCallback(lambda _: inner)
    after_inner = []
    inner.addCallback(after_inner.append)  # runs after the hand-over, with None
    seen = []
    outer.addCallback(seen.append)
    outer.pause()
    inner.callback("v")
    assert after_inner == [None]
    assert seen == []
    outer.unpause()
    assert seen == ["v"]


def test_deep_chain_of_waiting_deferreds_does_not_recurse():
    first = Deferred()
    current = first
    for _ in range(10_000):
        nxt = Deferred()
        nxt.addCallback(lambda _, prev=current: prev)
        nxt.callback(None)
        current = nxt
    first.callback("bottom")
    assert result_of(current) == "bottom"


def test_deep_chain_of_fired_deferreds_does_not_recurse():
    d = succeed(0)
    for _ in range(10_000):
        d = succeed(None).addCallback(lambda _, prev=d: prev).addCallback(lambda r: r + 1)
    assert d.result == 10_000


def test_cancel_without_canceller_errbacks_and_swallows_late_result():
    d = Deferred()
    d.cancel()
    f = result_of(d)
    assert f.check(CancelledError)
    d.callback("late")  # ignored, no AlreadyCalledError
    with pytest.raises(AlreadyCalledError):
        d.callback("again")


def test_cancel_with_canceller():
    calls = []
    d = Deferred(calls.append)
    d.cancel()
    assert calls == [d]
    assert result_of(d).check(CancelledError)

    d2 = Deferred(lambda d: d.callback("instead"))
    d2.cancel()
    assert d2.result == "instead"


def test_cancel_after_firing_is_noop():
    d = succeed(1)
    d.cancel()
    assert d.result == 1


def test_cancel_propagates_to_inner():
    cancelled = []
    inner = Deferred(lambda d: cancelled.append(d))
    outer = succeed(None)
    outer.addCallback(lambda _: inner)
    outer.cancel()
    assert cancelled == [inner]
    assert result_of(outer).check(CancelledError)


def test_cancelled_error_is_both_kinds():
    import asyncio

    assert issubclass(CancelledError, Exception)
    assert issubclass(CancelledError, asyncio.CancelledError)


def test_unhandled_failure_logged_on_gc(caplog):
    caplog.set_level(logging.ERROR, logger="plait.internet.defer")
    d = Deferred()
    d.addCallback(lambda _: 1 / 0)
    d.callback(None)
    del d
    gc.collect()
    [record] = [r for r in caplog.records if r.name == "plait.internet.defer"]
    assert record.levelno == logging.ERROR
    assert "Unhandled error in Deferred" in record.getMessage()
    assert "ZeroDivisionError" in record.getMessage()
    assert "<lambda>" in record.getMessage()


def test_handled_failure_not_logged(caplog):
    d = fail(ValueError("x"))
    d.addErrback(lambda _: None)
    del d
    gc.collect()
    assert not caplog.records


def test_maybe_deferred():
    assert maybeDeferred(lambda: 3).result == 3
    d = Deferred()
    assert maybeDeferred(lambda: d) is d
    assert result_of(maybeDeferred(lambda: 1 / 0)).check(ZeroDivisionError)
    assert result_of(maybeDeferred(lambda: Failure(KeyError()))).check(KeyError)

    async def coro(x):
        return x + 1

    assert maybeDeferred(coro, 1).result == 2


def test_execute():
    assert execute(lambda a, b: a + b, 1, b=2).result == 3
    assert result_of(execute(lambda: [][0])).check(IndexError)


def test_timeout_error_name():
    assert defer.TimeoutError is not TimeoutError
    assert issubclass(defer.TimeoutError, Exception)


def test_callback_adding_callback_to_own_deferred():
    d = Deferred()
    seen = []

    def first(r):
        d.addCallback(lambda r2: seen.append(("second", r2)))
        return r + 1

    d.addCallback(first)
    d.callback(1)
    assert seen == [("second", 2)]
