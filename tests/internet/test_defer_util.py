"""DeferredList, gatherResults, race, DeferredLock, DeferredSemaphore, DeferredQueue."""

import gc

import pytest

from plait.internet.defer import (
    CancelledError,
    Deferred,
    DeferredList,
    DeferredLock,
    DeferredQueue,
    DeferredSemaphore,
    FailureGroup,
    FirstError,
    QueueOverflow,
    QueueUnderflow,
    ensureDeferred,
    fail,
    gatherResults,
    race,
    succeed,
)


def result_of(d):
    box = []
    d.addBoth(box.append)
    assert box, "Deferred has not fired"
    return box[0]


def test_deferred_list_waits_for_all_in_order():
    a, b = Deferred(), Deferred()
    dl = DeferredList([a, b])
    b.callback("b")
    assert not dl.called
    a.errback(ValueError("a"))
    [(ok_a, fail_a), (ok_b, val_b)] = result_of(dl)
    assert (ok_a, ok_b, val_b) == (False, True, "b")
    assert fail_a.check(ValueError)
    a.addErrback(lambda _: None)


def test_deferred_list_empty():
    assert DeferredList([]).result == []
    assert not DeferredList([], fireOnOneCallback=True).called


def test_deferred_list_fire_on_one_callback():
    a, b = Deferred(), Deferred()
    dl = DeferredList([a, b], fireOnOneCallback=True)
    b.callback("first")
    assert dl.result == ("first", 1)


def test_deferred_list_fire_on_one_errback():
    a, b = Deferred(), Deferred()
    dl = DeferredList([a, b], fireOnOneErrback=True, consumeErrors=True)
    b.errback(KeyError("k"))
    f = result_of(dl)
    assert f.check(FirstError)
    assert f.value.index == 1
    assert f.value.subFailure.check(KeyError)
    assert "FirstError[#1" in repr(f.value)
    assert b.result is None  # consumed


def test_deferred_list_consume_errors_prevents_logging(caplog):
    d = fail(ValueError())
    DeferredList([d], consumeErrors=True)
    del d
    gc.collect()
    assert "Unhandled" not in caplog.text


def test_deferred_list_cancel_cancels_children():
    a, b = Deferred(), succeed(1)
    dl = DeferredList([a, b])
    dl.cancel()
    [(ok_a, f_a), (ok_b, v_b)] = result_of(dl)
    assert not ok_a
    assert f_a.check(CancelledError)
    assert ok_b
    assert v_b == 1
    a.addErrback(lambda _: None)


def test_gather_results():
    a, b = Deferred(), Deferred()
    d = gatherResults([a, b])
    a.callback(1)
    b.callback(2)
    assert d.result == [1, 2]


def test_gather_results_first_error():
    a, b = Deferred(), Deferred()
    d = gatherResults([a, b], consumeErrors=True)
    a.errback(OSError("o"))
    f = result_of(d)
    assert f.check(FirstError)
    assert f.value.subFailure.check(OSError)
    b.callback(None)


def test_race_first_success_wins_and_rest_cancelled():
    cancelled = []
    a = Deferred(cancelled.append)
    b = Deferred()
    c = Deferred(cancelled.append)
    d = race([a, b, c])
    b.callback("b wins")
    assert d.result == (1, "b wins")
    assert cancelled == [a, c]


def test_race_failures_then_success():
    a, b = Deferred(), Deferred()
    d = race([a, b])
    a.errback(ValueError())
    assert not d.called
    b.callback("ok")
    assert d.result == (1, "ok")


def test_race_all_fail():
    a, b = Deferred(), Deferred()
    d = race([a, b])
    a.errback(ValueError())
    b.errback(KeyError())
    f = result_of(d)
    assert f.check(FailureGroup)
    assert [x.type for x in f.value.failures] == [ValueError, KeyError]


def test_race_cancel():
    a, b = Deferred(), Deferred()
    d = race([a, b])
    d.cancel()
    f = result_of(d)
    assert f.check(FailureGroup, CancelledError)
    assert a.called
    assert b.called


def test_lock():
    lock = DeferredLock()
    first = lock.acquire()
    assert first.result is lock
    assert lock.locked
    second = lock.acquire()
    assert not second.called
    lock.release()
    assert second.result is lock
    assert lock.locked
    lock.release()
    assert not lock.locked
    with pytest.raises(RuntimeError):
        lock.release()


def test_lock_cancel_waiting_acquire():
    lock = DeferredLock()
    lock.acquire()
    waiting = lock.acquire()
    waiting.cancel()
    assert result_of(waiting).check(CancelledError)
    lock.release()
    assert not lock.locked


def test_lock_run():
    lock = DeferredLock()
    inner = Deferred()
    d = lock.run(lambda x: inner, 1)
    assert lock.locked
    later = lock.run(lambda: "second")
    assert not later.called
    inner.callback("first")
    assert d.result == "first"
    assert later.result == "second"
    assert not lock.locked


def test_lock_run_releases_on_error():
    lock = DeferredLock()
    d = lock.run(lambda: 1 / 0)
    assert result_of(d).check(ZeroDivisionError)
    assert not lock.locked


def test_semaphore():
    sem = DeferredSemaphore(2)
    a, b, c = sem.acquire(), sem.acquire(), sem.acquire()
    assert a.called
    assert b.called
    assert not c.called
    assert sem.tokens == 0
    sem.release()
    assert c.result is sem
    sem.release()
    sem.release()
    assert sem.tokens == 2
    with pytest.raises(RuntimeError):
        sem.release()
    with pytest.raises(ValueError, match="tokens"):
        DeferredSemaphore(0)


def test_semaphore_run_limits_concurrency():
    sem = DeferredSemaphore(1)
    gates = [Deferred(), Deferred()]
    started = []

    def job(i):
        started.append(i)
        return gates[i]

    results = [sem.run(job, i) for i in range(2)]
    assert started == [0]
    gates[0].callback("r0")
    assert started == [0, 1]
    gates[1].callback("r1")
    assert [d.result for d in results] == ["r0", "r1"]


def test_async_with_lock_and_semaphore():
    lock = DeferredLock()
    sem = DeferredSemaphore(1)

    async def main():
        async with lock as held:
            assert held is lock
            assert lock.locked
            async with sem:
                assert sem.tokens == 0
        return lock.locked, sem.tokens

    assert ensureDeferred(main()).result == (False, 1)


def test_queue():
    q = DeferredQueue()
    q.put(1)
    assert q.get().result == 1
    d = q.get()
    assert not d.called
    q.put(2)
    assert d.result == 2


def test_queue_size_and_backlog():
    q = DeferredQueue(size=1, backlog=1)
    q.put("a")
    with pytest.raises(QueueOverflow):
        q.put("b")
    q.get()
    q.get()
    with pytest.raises(QueueUnderflow):
        q.get()


def test_queue_cancel_get():
    q = DeferredQueue()
    d = q.get()
    d.cancel()
    assert result_of(d).check(CancelledError)
    q.put("x")
    assert q.pending[0] == "x"
