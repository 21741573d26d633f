"""plait.python.threadpool.ThreadPool: Twisted's thread pool API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from plait.python.failure import Failure
from plait.python.threadpool import ThreadPool


@pytest.fixture
def pool() -> Iterator[ThreadPool]:
    pool = ThreadPool(0, 4, "test-pool")
    try:
        yield pool
    finally:
        pool.stop()


def test_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="negative"):
        ThreadPool(-1, 2)
    with pytest.raises(ValueError, match="greater"):
        ThreadPool(3, 2)
    pool = ThreadPool(1, 2)
    with pytest.raises(ValueError, match="greater"):
        pool.adjustPoolsize(minthreads=3)


def test_work_queued_before_start_runs_after_start(pool: ThreadPool) -> None:
    done = threading.Event()
    pool.callInThread(done.set)
    assert pool.threads == []
    assert not done.wait(0.01)
    pool.start()
    assert done.wait(10)


def test_callInThreadWithCallback_success_and_failure(pool: ThreadPool) -> None:
    pool.start()
    results: list[tuple[bool, Any]] = []
    finished = threading.Semaphore(0)

    def onResult(ok: bool, result: Any) -> None:
        results.append((ok, result))
        finished.release()

    def broken() -> None:
        raise KeyError("broken")

    pool.callInThreadWithCallback(onResult, lambda x: x + 1, 1)
    assert finished.acquire(timeout=10)
    pool.callInThreadWithCallback(onResult, broken)
    assert finished.acquire(timeout=10)
    assert results[0] == (True, 2)
    ok, failure = results[1]
    assert ok is False
    assert isinstance(failure, Failure)
    assert failure.check(KeyError)


def test_never_more_than_max_threads(pool: ThreadPool) -> None:
    pool.start()
    release = threading.Event()
    running = threading.Semaphore(0)
    peak: list[int] = []

    def block() -> None:
        peak.append(len(pool.working))
        running.release()
        release.wait(10)

    for _ in range(10):
        pool.callInThread(block)
    for _ in range(4):
        assert running.acquire(timeout=10)
    assert len(pool.threads) == 4
    assert not running.acquire(timeout=0.05)  # the other six wait for a free worker
    release.set()
    for _ in range(6):
        assert running.acquire(timeout=10)
    assert max(peak) <= 4


def test_minthreads_started_and_stop_joins() -> None:
    pool = ThreadPool(2, 3)
    pool.start()
    threads = list(pool.threads)
    assert len(threads) == 2
    pool.stop()
    assert pool.joined
    assert pool.threads == []
    assert not any(t.is_alive() for t in threads)
    ran: list[int] = []
    pool.callInThread(ran.append, 1)  # ignored after stop, as in Twisted
    assert ran == []


def test_adjustPoolsize_shrinks_idle_workers() -> None:
    pool = ThreadPool(3, 5)
    pool.start()
    try:
        assert len(pool.threads) == 3
        pool.adjustPoolsize(0, 1)
        done = threading.Event()
        pool.callInThread(done.set)
        assert done.wait(10)
        assert pool.max == 1
    finally:
        pool.stop()
    assert pool.threads == []
