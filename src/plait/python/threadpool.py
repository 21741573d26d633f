"""A pool of worker threads with Twisted's ``ThreadPool`` API.

Threads are started on demand, up to ``max``; ``min`` of them are started up front. Each
job runs in a copy of the ``contextvars`` context it was submitted from. Workers are daemon
threads, so an application that never stops its pool does not hang at exit; the reactor
stops its own pool at shutdown.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from plait.python.failure import Failure

__all__ = ["ThreadPool"]

_log = logging.getLogger("plait.python.threadpool")

_Job = tuple[
    contextvars.Context,
    Callable[[bool, object], object] | None,
    Callable[..., object],
    tuple[Any, ...],
    dict[str, Any],
]
_STOP = None


class ThreadPool:
    """Runs callables in worker threads: ``callInThread``, ``callInThreadWithCallback``."""

    min: int
    max: int
    name: str | None
    started: bool = False
    joined: bool = False

    def __init__(self, minthreads: int = 5, maxthreads: int = 20, name: str | None = None):
        if minthreads < 0:
            raise ValueError("minimum is negative")
        if minthreads > maxthreads:
            raise ValueError("minimum is greater than maximum")
        self.min = minthreads
        self.max = maxthreads
        self.name = name
        self.threads: list[threading.Thread] = []
        self.waiters: list[threading.Thread] = []
        self.working: list[threading.Thread] = []
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = 0
        self._toStop = 0
        self._counter = 0

    def __repr__(self) -> str:
        return (
            f"<ThreadPool {self.name or ''} min={self.min} max={self.max} "
            f"threads={len(self.threads)}>"
        )

    @property
    def workers(self) -> int:
        """How many worker threads exist."""
        return len(self.threads)

    def start(self) -> None:
        """Start the pool: launch ``min`` workers, and workers for the jobs already queued."""
        self.joined = False
        self.started = True
        self.adjustPoolsize()
        with self._lock:
            self._grow()

    def callInThread(self, func: Callable[..., object], *args: Any, **kw: Any) -> None:
        """Run ``func(*args, **kw)`` in a worker thread."""
        self.callInThreadWithCallback(None, func, *args, **kw)

    def callInThreadWithCallback(
        self,
        onResult: Callable[[bool, object], object] | None,
        func: Callable[..., object],
        *args: Any,
        **kw: Any,
    ) -> None:
        """Run ``func`` in a worker, then ``onResult(success, result)`` in that same thread.

        ``result`` is the return value, or a Failure when ``func`` raised.
        """
        if self.joined:
            return
        job: _Job = (contextvars.copy_context(), onResult, func, args, kw)
        with self._lock:
            self._pending += 1
            self._queue.put(job)
            if self.started:
                self._grow()

    def _grow(self) -> None:
        # Called with the lock held: one more worker if work is waiting and nobody is idle.
        while self._pending > self._idle and len(self.threads) < self.max:
            self._startThread()

    def _startThread(self) -> None:
        self._counter += 1
        name = f"{self.name or 'PoolThread'}-{self._counter}"
        thread = threading.Thread(target=self._worker, name=name, daemon=True)
        self.threads.append(thread)
        self._idle += 1
        thread.start()

    def _worker(self) -> None:
        current = threading.current_thread()
        while True:
            job = self._queue.get()
            with self._lock:
                self._idle -= 1
                if job is _STOP:
                    self.threads.remove(current)
                    if self.started:
                        self._grow()
                    return
                self._pending -= 1
                self.working.append(current)
            _run(job)
            del job
            with self._lock:
                self.working.remove(current)
                self._idle += 1

    def stop(self) -> None:
        """Stop every worker once the queued jobs are done, and wait for them."""
        self.joined = True
        self.started = False
        with self._lock:
            threads = list(self.threads)
            for _ in threads:
                self._queue.put(_STOP)
        current = threading.current_thread()
        for thread in threads:
            if thread is not current:
                thread.join()

    def adjustPoolsize(self, minthreads: int | None = None, maxthreads: int | None = None) -> None:
        """Change the bounds; extra workers stop once idle, missing ones start now."""
        if minthreads is None:
            minthreads = self.min
        if maxthreads is None:
            maxthreads = self.max
        if minthreads < 0:
            raise ValueError("minimum is negative")
        if minthreads > maxthreads:
            raise ValueError("minimum is greater than maximum")
        with self._lock:
            self.min = minthreads
            self.max = maxthreads
            if not self.started:
                return
            excess = len(self.threads) - self.max
            for _ in range(max(0, excess)):
                self._queue.put(_STOP)
            while len(self.threads) < self.min:
                self._startThread()
            self._grow()

    def dumpStats(self) -> None:
        """Log the pool's queue and thread counts."""
        _log.info(
            "%r: queue=%d working=%d idle=%d",
            self,
            self._pending,
            len(self.working),
            self._idle,
        )


def _run(job: _Job) -> None:
    context, onResult, func, args, kw = job
    try:
        result = context.run(func, *args, **kw)
        ok = True
    except BaseException:
        result = Failure()
        ok = False
    if onResult is None:
        if not ok:
            assert isinstance(result, Failure)
            _log.error("Unhandled error in thread pool job:\n%s", result.getTraceback())
        return
    try:
        onResult(ok, result)
    except Exception:
        _log.exception("Error in thread pool result callback %r", onResult)
