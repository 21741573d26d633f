"""Cooperative multitasking: run many iterators a few steps at a time (Twisted's Cooperator).

A :class:`Cooperator` advances each of its tasks' iterators in turn during one time
slice, then yields to the event loop through its *scheduler* and continues in the next
slice. An iterator that yields a Deferred is paused until that Deferred fires.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from plait.internet._deferred import Deferred
from plait.python.failure import Failure

__all__ = [
    "CooperativeTask",
    "Cooperator",
    "NotPaused",
    "SchedulerError",
    "SchedulerStopped",
    "TaskDone",
    "TaskFailed",
    "TaskFinished",
    "TaskStopped",
    "coiterate",
    "cooperate",
]


class SchedulerError(Exception):
    """A CooperativeTask was asked to do something its state does not allow."""


class SchedulerStopped(SchedulerError):
    """The Cooperator running the task was stopped."""


class TaskFinished(SchedulerError):
    """The task has already finished (done, stopped or failed)."""


class TaskDone(TaskFinished):
    """The task's iterator was exhausted."""


class TaskStopped(TaskFinished):
    """The task was stopped with :meth:`CooperativeTask.stop`."""


class TaskFailed(TaskFinished):
    """The task's iterator raised an exception (or a Deferred it yielded failed)."""


class NotPaused(SchedulerError):
    """``resume()`` was called on a task that is not paused."""


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


# How long one slice of work may run before yielding to the event loop.
_SLICE_SECONDS = 0.0001
# Delay for the default scheduler: "as soon as possible, after pending I/O".
_EPSILON = 0.00000001


class _SliceTimer:
    """A termination predicate: true once the time slice has been used up."""

    def __init__(self) -> None:
        self.end = time.monotonic() + _SLICE_SECONDS

    def __call__(self) -> bool:
        return time.monotonic() >= self.end


def _defaultScheduler(work: Callable[[], None]) -> _Cancellable:
    from plait.internet import reactor

    return reactor.callLater(_EPSILON, work)  # type: ignore[no-any-return]


class CooperativeTask:
    """One iterator being run by a :class:`Cooperator`.

    :meth:`whenDone` gives a Deferred of its outcome; :meth:`pause`, :meth:`resume` and
    :meth:`stop` control it.
    """

    def __init__(self, iterator: Iterator[Any], cooperator: Cooperator) -> None:
        self._iterator = iterator
        self._cooperator = cooperator
        self._deferreds: list[Deferred[Any]] = []
        self._pauseCount = 0
        self._completionState: TaskFinished | SchedulerStopped | None = None
        self._completionResult: Any = None
        cooperator._addTask(self)

    def whenDone(self) -> Deferred[Iterator[Any]]:
        """A Deferred firing with the iterator when it is exhausted, or failing.

        It fails with :class:`TaskStopped` if the task is stopped, with
        :class:`SchedulerStopped` if its Cooperator is, or with the iterator's error.
        """
        d: Deferred[Any] = Deferred()
        if self._completionState is None:
            self._deferreds.append(d)
        else:
            d.callback(self._completionResult)
        return d

    def pause(self) -> None:
        """Stop running the iterator until a matching :meth:`resume` (pauses nest)."""
        self._checkFinish()
        self._pauseCount += 1
        if self._pauseCount == 1:
            self._cooperator._removeTask(self)

    def resume(self) -> None:
        """Undo one :meth:`pause`."""
        if self._pauseCount == 0:
            raise NotPaused()
        self._pauseCount -= 1
        if self._pauseCount == 0 and self._completionState is None:
            self._cooperator._addTask(self)

    def stop(self) -> None:
        """Stop the task for good; :meth:`whenDone` Deferreds fail with TaskStopped."""
        self._checkFinish()
        self._completeWith(TaskStopped(), Failure(TaskStopped()))

    def _checkFinish(self) -> None:
        if self._completionState is not None:
            raise self._completionState

    def _completeWith(self, state: TaskFinished | SchedulerStopped, result: Any) -> None:
        self._completionState = state
        self._completionResult = result
        if not self._pauseCount:
            self._cooperator._removeTask(self)
        deferreds, self._deferreds = self._deferreds, []
        for d in deferreds:
            d.callback(result)

    def _oneWorkUnit(self) -> None:
        try:
            result = next(self._iterator)
        except StopIteration:
            self._completeWith(TaskDone(), self._iterator)
        except BaseException:
            self._completeWith(TaskFailed(), Failure())
        else:
            if isinstance(result, Deferred):
                self.pause()
                result.addCallbacks(self._resumeAfter, self._failAfter)

    def _resumeAfter(self, _: object) -> None:
        self.resume()

    def _failAfter(self, failure: Failure) -> None:
        self._completeWith(TaskFailed(), failure)


class Cooperator:
    """Runs :class:`CooperativeTask` iterators in time slices.

    *terminationPredicateFactory* makes, for each slice, a callable that says when the
    slice is over; *scheduler* is called with the next slice's work and returns something
    with ``cancel()`` (by default ``reactor.callLater`` with a tiny delay). With
    ``started=False`` nothing runs until :meth:`start`.
    """

    def __init__(
        self,
        terminationPredicateFactory: Callable[[], Callable[[], bool]] = _SliceTimer,
        scheduler: Callable[[Callable[[], None]], _Cancellable] = _defaultScheduler,
        started: bool = True,
    ) -> None:
        self._tasks: list[CooperativeTask] = []
        self._metarator: Iterator[CooperativeTask] = iter(())
        self._terminationPredicateFactory = terminationPredicateFactory
        self._scheduler = scheduler
        self._delayedCall: _Cancellable | None = None
        self._stopped = False
        self._started = started
        self._mustScheduleOnStart = False

    def coiterate(
        self, iterator: Iterator[Any], doneDeferred: Deferred[Any] | None = None
    ) -> Deferred[Iterator[Any]]:
        """Run *iterator* as a task; return a Deferred firing when it is done."""
        if doneDeferred is None:
            doneDeferred = Deferred()
        CooperativeTask(iterator, self).whenDone().chainDeferred(doneDeferred)
        return doneDeferred

    def cooperate(self, iterator: Iterator[Any]) -> CooperativeTask:
        """Run *iterator* as a task and return the task."""
        return CooperativeTask(iterator, self)

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._started and not self._stopped

    def start(self) -> None:
        """Begin (or resume after :meth:`stop`) running tasks."""
        self._stopped = False
        self._started = True
        if self._mustScheduleOnStart:
            self._mustScheduleOnStart = False
            self._reschedule()

    def stop(self) -> None:
        """Stop every task (their Deferreds fail with :class:`SchedulerStopped`)."""
        self._stopped = True
        # Empty the list in place: a slice in progress iterates this very list.
        tasks = list(self._tasks)
        self._tasks.clear()
        for task in tasks:
            task._completeWith(SchedulerStopped(), Failure(SchedulerStopped()))
        if self._delayedCall is not None:
            self._delayedCall.cancel()
            self._delayedCall = None

    def _addTask(self, task: CooperativeTask) -> None:
        self._tasks.append(task)
        if self._stopped:
            task._completeWith(SchedulerStopped(), Failure(SchedulerStopped()))
        else:
            self._reschedule()

    def _removeTask(self, task: CooperativeTask) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        if not self._tasks and self._delayedCall is not None:
            self._delayedCall.cancel()
            self._delayedCall = None

    def _tasksInSlice(self) -> Iterator[CooperativeTask]:
        sliceOver = self._terminationPredicateFactory()
        while self._tasks:
            # Round-robin over the task list, resuming where the previous slice stopped.
            for task in self._metarator:
                yield task
                if sliceOver():
                    return
            self._metarator = iter(self._tasks)

    def _tick(self) -> None:
        self._delayedCall = None
        for task in self._tasksInSlice():
            task._oneWorkUnit()
        self._reschedule()

    def _reschedule(self) -> None:
        if not self._started:
            self._mustScheduleOnStart = True
            return
        if self._delayedCall is None and self._tasks:
            self._delayedCall = self._scheduler(self._tick)


_globalCooperator: Cooperator | None = None


def _theCooperator() -> Cooperator:
    global _globalCooperator
    if _globalCooperator is None:
        _globalCooperator = Cooperator()
    return _globalCooperator


def coiterate(iterator: Iterator[Any]) -> Deferred[Iterator[Any]]:
    """Run *iterator* on the global Cooperator; a Deferred fires when it is done."""
    return _theCooperator().coiterate(iterator)


def cooperate(iterator: Iterator[Any]) -> CooperativeTask:
    """Run *iterator* on the global Cooperator and return its task."""
    return _theCooperator().cooperate(iterator)
