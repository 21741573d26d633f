import pytest

from plait.internet._delayedcall import AlreadyCalled, AlreadyCancelled, DelayedCall
from plait.internet.task import Clock


def test_seconds_and_advance():
    clock = Clock()
    assert clock.seconds() == 0
    clock.advance(2.5)
    assert clock.seconds() == 2.5


def test_call_later_runs_when_due_in_order():
    clock = Clock()
    seen = []
    clock.callLater(2, seen.append, "b")
    clock.callLater(1, seen.append, "a")
    clock.callLater(2, lambda *, x: seen.append(x), x="c")
    clock.advance(0.5)
    assert seen == []
    clock.advance(0.5)
    assert seen == ["a"]
    clock.advance(5)
    assert seen == ["a", "b", "c"]
    assert clock.getDelayedCalls() == []


def test_delayed_call_state_and_errors():
    clock = Clock()
    call = clock.callLater(1, lambda: None)
    assert isinstance(call, DelayedCall)
    assert call.active()
    assert call.getTime() == 1
    assert "active" in repr(call)
    clock.advance(1)
    assert call.called
    assert not call.active()
    with pytest.raises(AlreadyCalled):
        call.cancel()
    with pytest.raises(AlreadyCalled):
        call.reset(1)
    with pytest.raises(AlreadyCalled):
        call.delay(1)


def test_cancel():
    clock = Clock()
    seen = []
    call = clock.callLater(1, seen.append, 1)
    call.cancel()
    assert call.cancelled
    assert clock.getDelayedCalls() == []
    clock.advance(2)
    assert seen == []
    with pytest.raises(AlreadyCancelled):
        call.cancel()
    with pytest.raises(AlreadyCancelled):
        call.reset(1)


def test_reset_and_delay():
    clock = Clock()
    seen = []
    call = clock.callLater(5, seen.append, "x")
    call.reset(1)  # earlier
    assert call.getTime() == 1
    call.reset(3)  # later, recorded lazily
    assert call.getTime() == 3
    clock.advance(2)
    assert seen == []
    call.delay(2)
    assert call.getTime() == 5
    call.delay(-4)  # earlier than the original time
    assert call.getTime() == 1
    clock.advance(0)
    assert seen == ["x"]


def test_call_scheduled_during_advance_that_is_due_runs():
    clock = Clock()
    seen = []
    clock.callLater(1, lambda: clock.callLater(0, seen.append, "nested"))
    clock.advance(1)
    assert seen == ["nested"]


def test_pump():
    clock = Clock()
    seen = []
    for t in (1, 2, 3):
        clock.callLater(t, seen.append, t)
    clock.pump([1, 1])
    assert seen == [1, 2]
    assert clock.seconds() == 2


def test_delayed_call_standalone_hooks():
    cancelled, reset = [], []
    now = [10.0]
    call = DelayedCall(12.0, print, (), {}, cancelled.append, reset.append, lambda: now[0])
    call.reset(1)
    assert reset == [call]
    assert call.getTime() == 11.0
    call.delay(3)
    assert call.delayed_time == 3
    call.activate_delay()
    assert (call.time, call.delayed_time) == (14.0, 0.0)
    call.cancel()
    assert cancelled == [call]
    early = DelayedCall(1, print, (), {}, print, print)
    assert early < DelayedCall(2, print, (), {}, print, print)
