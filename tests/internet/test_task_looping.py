"""LoopingCall, withCount and deferLater, driven by a fake Clock."""

import pytest

from plait.internet.defer import CancelledError, Deferred
from plait.internet.task import Clock, LoopingCall, deferLater


def result_of(d):
    box = []
    d.addBoth(box.append)
    assert box, "Deferred has not fired"
    return box[0]


def make(f, *a, **kw):
    clock = Clock()
    lc = LoopingCall(f, *a, **kw)
    lc.clock = clock
    return lc, clock


def test_calls_every_interval_and_stop_fires_deferred():
    calls = []
    lc, clock = make(calls.append, "tick")
    d = lc.start(1.0)
    assert calls == ["tick"]
    assert lc.running
    assert lc.interval == 1.0
    clock.advance(1)
    clock.advance(1)
    assert len(calls) == 3
    lc.stop()
    assert not lc.running
    assert d.result is lc
    assert clock.getDelayedCalls() == []


def test_start_not_now():
    calls = []
    lc, clock = make(lambda: calls.append(clock.seconds()))
    lc.start(2, now=False)
    assert calls == []
    clock.pump([2, 2])
    assert calls == [2, 4]
    lc.stop()


def test_stays_aligned_to_start_time():
    calls = []
    lc, clock = make(lambda: calls.append(clock.seconds()))
    lc.start(1)
    clock.advance(2.5)  # late: one call at 2.5, next at 3
    clock.advance(0.5)
    assert calls == [0, 2.5, 3]
    lc.stop()


def test_errback_when_f_raises():
    lc, _clock = make(lambda: 1 / 0)
    d = lc.start(1)
    assert result_of(d).check(ZeroDivisionError)
    assert not lc.running


def test_waits_for_returned_deferred():
    pending = []
    lc, clock = make(lambda: pending.append(Deferred()) or pending[-1])
    lc.start(1)
    clock.advance(5)
    assert len(pending) == 1
    pending[0].callback(None)
    assert len(pending) == 1
    clock.advance(1)
    assert len(pending) == 2


def test_stop_while_deferred_pending_fires_when_it_completes():
    pending = Deferred()
    lc, _clock = make(lambda: pending)
    d = lc.start(1)
    lc.stop()
    assert not d.called
    pending.callback(None)
    assert d.result is lc


def test_returned_deferred_failure_errbacks():
    lc, _clock = make(lambda: Deferred())
    inner = lc.f()
    lc.f = lambda: inner
    d = lc.start(1)
    inner.errback(KeyError("x"))
    assert result_of(d).check(KeyError)


def test_start_twice_and_stop_twice_raise():
    lc, _clock = make(lambda: None)
    lc.start(1)
    with pytest.raises(RuntimeError):
        lc.start(1)
    lc.stop()
    with pytest.raises(RuntimeError):
        lc.stop()
    with pytest.raises(ValueError, match=">= 0"):
        lc.start(-1)


def test_zero_interval():
    calls = []
    lc, clock = make(lambda: calls.append(1) if len(calls) < 3 else lc.stop())
    d = lc.start(0)
    for _ in range(5):
        clock.advance(0)
    assert calls == [1, 1, 1]
    assert d.result is lc


def test_reset():
    calls = []
    lc, clock = make(lambda: calls.append(clock.seconds()))
    lc.start(2)
    clock.advance(1.5)
    lc.reset()
    clock.advance(1)
    assert calls == [0]
    clock.advance(1)
    assert calls == [0, 3.5]
    lc.stop()


def test_with_count_counts_skipped_intervals():
    counts = []
    clock = Clock()
    lc = LoopingCall.withCount(counts.append)
    lc.clock = clock
    lc.start(1)
    assert counts == [1]
    clock.advance(1)
    assert counts == [1, 1]
    clock.advance(3.5)
    assert counts == [1, 1, 3]
    clock.advance(0.5)
    assert counts == [1, 1, 3, 1]
    lc.stop()


def test_with_count_not_now():
    counts = []
    clock = Clock()
    lc = LoopingCall.withCount(counts.append)
    lc.clock = clock
    lc.start(1, now=False)
    clock.advance(1)
    clock.advance(2)
    assert counts == [1, 2]
    lc.stop()


def test_with_count_zero_interval():
    counts = []

    def count(n):
        counts.append(n)
        if len(counts) == 3:
            lc.stop()

    clock = Clock()
    lc = LoopingCall.withCount(count)
    lc.clock = clock
    d = lc.start(0)
    clock.advance(0)  # a zero interval reschedules at once, until stopped
    assert counts == [1, 1, 1]
    assert d.result is lc


def test_repr():
    lc, _ = make(print, 1)
    assert repr(lc).startswith("LoopingCall<None>(print")


def test_defer_later():
    clock = Clock()
    d = deferLater(clock, 3, lambda a, b: a + b, 1, b=2)
    clock.advance(2)
    assert not d.called
    clock.advance(1)
    assert d.result == 3


def test_defer_later_without_callable_and_errors():
    clock = Clock()
    d = deferLater(clock, 1)
    clock.advance(1)
    assert d.called
    assert d.result is None
    bad = deferLater(clock, 1, lambda: 1 / 0)
    clock.advance(1)
    assert result_of(bad).check(ZeroDivisionError)


def test_defer_later_cancel():
    clock = Clock()
    called = []
    d = deferLater(clock, 1, called.append, 1)
    d.cancel()
    assert result_of(d).check(CancelledError)
    assert clock.getDelayedCalls() == []
    clock.advance(2)
    assert called == []
