"""Cooperator, CooperativeTask, cooperate/coiterate with a Clock-driven scheduler."""

import pytest

from plait.internet import task
from plait.internet.defer import Deferred
from plait.internet.task import (
    Clock,
    Cooperator,
    NotPaused,
    SchedulerStopped,
    TaskDone,
    TaskFailed,
    TaskStopped,
)


def result_of(d):
    box = []
    d.addBoth(box.append)
    assert box, "Deferred has not fired"
    return box[0]


def steps_per_slice(n):
    """A termination predicate factory ending each slice after n work units."""

    def factory():
        left = [n]

        def over():
            left[0] -= 1
            return left[0] <= 0

        return over

    return factory


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def coop(clock):
    return Cooperator(
        terminationPredicateFactory=steps_per_slice(2),
        scheduler=lambda work: clock.callLater(1, work),
    )


def counter(log, name, n):
    for i in range(n):
        log.append((name, i))
        yield None


def test_tasks_run_round_robin_in_slices(coop, clock):
    log = []
    d1 = coop.coiterate(counter(log, "a", 3))
    d2 = coop.coiterate(counter(log, "b", 2))
    assert log == []
    clock.advance(1)
    assert log == [("a", 0), ("b", 0)]
    clock.advance(1)
    assert log == [("a", 0), ("b", 0), ("a", 1), ("b", 1)]
    clock.pump([1, 1, 1])
    assert log[4:] == [("a", 2)]
    assert d1.called
    assert d2.called
    assert clock.getDelayedCalls() == []


def test_when_done_fires_with_iterator(coop, clock):
    it = iter([1, 2])
    t = coop.cooperate(it)
    d = t.whenDone()
    clock.pump([1, 1])
    assert d.result is it
    assert t.whenDone().result is it  # after completion, fires at once
    with pytest.raises(TaskDone):
        t.pause()


def test_yielded_deferred_pauses_task(coop, clock):
    gate = Deferred()
    log = []

    def work():
        log.append("before")
        yield gate
        log.append("after")

    d = coop.coiterate(work())
    clock.pump([1, 1, 1])
    assert log == ["before"]
    gate.callback(None)
    clock.pump([1, 1])
    assert log == ["before", "after"]
    assert d.called


def test_yielded_deferred_failure_fails_task(coop, clock):
    gate = Deferred()
    d = coop.coiterate(iter([gate]))
    clock.advance(1)
    gate.errback(KeyError("gate"))
    assert result_of(d).check(KeyError)


def test_iterator_exception_fails_task(coop, clock):
    def bad():
        yield None
        raise ValueError("bad step")

    t = coop.cooperate(bad())
    d = t.whenDone()
    clock.pump([1, 1])
    assert result_of(d).check(ValueError)
    with pytest.raises(TaskFailed):
        t.stop()


def test_pause_resume_stop(coop, clock):
    log = []
    t = coop.cooperate(counter(log, "t", 10))
    t.pause()
    clock.pump([1, 1])
    assert log == []
    with pytest.raises(NotPaused):
        Cooperator(started=False).cooperate(iter(())).resume()
    t.resume()
    clock.advance(1)
    assert log == [("t", 0), ("t", 1)]
    d = t.whenDone()
    t.stop()
    assert result_of(d).check(TaskStopped)
    clock.pump([1, 1])
    assert len(log) == 2


def test_stop_cooperator_fails_tasks_and_new_ones(coop, clock):
    d = coop.coiterate(counter([], "x", 100))
    coop.stop()
    assert not coop.running
    assert result_of(d).check(SchedulerStopped)
    assert clock.getDelayedCalls() == []
    late = coop.coiterate(iter([1]))
    assert result_of(late).check(SchedulerStopped)


def test_not_started_until_start(clock):
    coop = Cooperator(
        terminationPredicateFactory=steps_per_slice(5),
        scheduler=lambda work: clock.callLater(1, work),
        started=False,
    )
    d = coop.coiterate(iter([1, 2]))
    clock.advance(1)
    assert not d.called
    coop.start()
    assert coop.running
    clock.advance(1)
    assert d.called


def test_default_termination_predicate_bounds_a_slice(clock):
    coop = Cooperator(scheduler=lambda work: clock.callLater(1, work))
    d = coop.coiterate(iter(range(1000)))
    clock.advance(1)
    while not d.called:
        clock.advance(1)
    assert d.called


def test_module_functions_use_global_cooperator_lazily(monkeypatch, clock):
    from plait.internet import _cooperator

    coop = Cooperator(scheduler=lambda work: clock.callLater(1, work))
    monkeypatch.setattr(_cooperator, "_globalCooperator", coop)
    d = task.coiterate(iter([1]))
    t = task.cooperate(iter([1]))
    clock.pump([1, 1])
    assert d.called
    assert t.whenDone().called
