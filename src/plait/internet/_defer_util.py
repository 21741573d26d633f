"""Combining Deferreds (DeferredList, gatherResults, race) and Deferred-based primitives.

The primitives (lock, semaphore, queue) hand out Deferreds instead of blocking, and are
single-threaded: use them from the reactor thread only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Generic, Literal, ParamSpec, TypeVar

from plait.internet._deferred import Deferred, maybeDeferred, succeed
from plait.python.failure import Failure

__all__ = [
    "FAILURE",
    "SUCCESS",
    "DeferredList",
    "DeferredLock",
    "DeferredQueue",
    "DeferredSemaphore",
    "FailureGroup",
    "FirstError",
    "QueueOverflow",
    "QueueUnderflow",
    "gatherResults",
    "race",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")
_PrimitiveT = TypeVar("_PrimitiveT", bound="_ConcurrencyPrimitive")

SUCCESS = True
FAILURE = False


class FirstError(Exception):
    """The first failure of a DeferredList created with ``fireOnOneErrback=True``.

    ``subFailure`` is that Failure and ``index`` the position of its Deferred.
    """

    def __init__(self, failure: Failure, index: int) -> None:
        super().__init__(failure, index)
        self.subFailure = failure
        self.index = index

    def __repr__(self) -> str:
        return f"FirstError[#{self.index}, {self.subFailure!r}]"

    def __str__(self) -> str:
        return f"FirstError[#{self.index}, {self.subFailure}]"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FirstError):
            return (self.index, self.subFailure) == (other.index, other.subFailure)
        return NotImplemented

    __hash__ = Exception.__hash__


class FailureGroup(Exception):
    """Every Deferred given to :func:`race` failed; ``failures`` lists them in order."""

    def __init__(self, failures: Sequence[Failure]) -> None:
        super().__init__(failures)
        self.failures = list(failures)


class DeferredList(Deferred[Any]):
    """A Deferred that fires once the Deferreds in a list have fired.

    By default it fires with a list of ``(success, result)`` pairs, in the order given.
    ``fireOnOneCallback`` fires with ``(result, index)`` on the first success;
    ``fireOnOneErrback`` fails with :class:`FirstError` on the first failure;
    ``consumeErrors`` stops the listed Deferreds' failures from going unhandled.
    Cancelling it cancels every listed Deferred that has not fired.
    """

    def __init__(
        self,
        deferredList: Iterable[Deferred[Any]],
        fireOnOneCallback: bool = False,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None:
        super().__init__()
        self._deferredList = list(deferredList)
        self.resultList: list[tuple[bool, Any] | None] = [None] * len(self._deferredList)
        self.fireOnOneCallback = fireOnOneCallback
        self.fireOnOneErrback = fireOnOneErrback
        self.consumeErrors = consumeErrors
        self.finishedCount = 0
        if not self._deferredList and not fireOnOneCallback:
            self.callback([])
        for index, d in enumerate(self._deferredList):
            d.addCallbacks(
                self._cbDeferred,
                self._cbDeferred,
                callbackArgs=(index, SUCCESS),
                errbackArgs=(index, FAILURE),
            )

    def _cbDeferred(self, result: Any, index: int, succeeded: bool) -> Any:
        self.resultList[index] = (succeeded, result)
        self.finishedCount += 1
        if not self.called:
            if succeeded and self.fireOnOneCallback:
                self.callback((result, index))
            elif not succeeded and self.fireOnOneErrback:
                self.errback(Failure(FirstError(result, index)))
            elif self.finishedCount == len(self.resultList):
                self.callback(self.resultList)
        if not succeeded and self.consumeErrors:
            return None
        return result

    def cancel(self) -> None:
        """Cancel every listed Deferred that has not fired yet."""
        if not self.called:
            for d in self._deferredList:
                if not d.called:
                    d.cancel()


def _values(results: list[tuple[bool, Any]]) -> list[Any]:
    return [value for _, value in results]


def gatherResults(
    deferredList: Iterable[Deferred[_T]], consumeErrors: bool = False
) -> Deferred[list[_T]]:
    """A Deferred of the list of results, failing with :class:`FirstError` on a failure."""
    d = DeferredList(deferredList, fireOnOneErrback=True, consumeErrors=consumeErrors)
    d.addCallback(_values)
    return d


def race(ds: Iterable[Deferred[_T]]) -> Deferred[tuple[int, _T]]:
    """Fire with ``(index, result)`` of the first Deferred to succeed, cancelling the rest.

    If all fail, fail with :class:`FailureGroup`. Cancelling the result cancels them all.
    """
    racers = list(ds)
    failures: list[Failure] = []
    finished = False

    def cancelAll(_: Deferred[Any]) -> None:
        for d in racers:
            d.cancel()

    winner: Deferred[tuple[int, _T]] = Deferred(cancelAll)

    def succeeded(result: _T, index: int) -> None:
        nonlocal finished
        if finished:
            return
        finished = True
        winner.callback((index, result))
        for other, d in enumerate(racers):
            if other != index:
                d.cancel()

    def failed(failure: Failure, index: int) -> None:
        if finished:
            return
        failures.append(failure)
        if len(failures) == len(racers):
            winner.errback(FailureGroup(failures))

    for index, d in enumerate(racers):
        d.addCallbacks(succeeded, failed, callbackArgs=(index,), errbackArgs=(index,))
    return winner


class _ConcurrencyPrimitive:
    """What DeferredLock and DeferredSemaphore share: ``run`` and ``async with``."""

    def __init__(self) -> None:
        self.waiting: deque[Deferred[Any]] = deque()

    def acquire(self: _PrimitiveT) -> Deferred[_PrimitiveT]:
        """A Deferred that fires with this object once it is acquired."""
        raise NotImplementedError

    def release(self) -> None:
        """Give back what :meth:`acquire` took."""
        raise NotImplementedError

    def _cancelAcquire(self, d: Deferred[Any]) -> None:
        self.waiting.remove(d)

    def _releaseAndReturn(self, result: _T) -> _T:
        self.release()
        return result

    def run(self, f: Callable[_P, Any], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[Any]:
        """Acquire, call ``f(*args, **kwargs)``, release when its result is ready."""

        def execute(_: object) -> Deferred[Any]:
            return maybeDeferred(f, *args, **kwargs).addBoth(self._releaseAndReturn)

        return self.acquire().addCallback(execute)

    def __aenter__(self: _PrimitiveT) -> Deferred[_PrimitiveT]:
        return self.acquire()

    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> Deferred[Literal[False]]:
        self.release()
        return succeed(False)


class DeferredLock(_ConcurrencyPrimitive):
    """A lock whose :meth:`acquire` returns a Deferred instead of blocking."""

    def __init__(self) -> None:
        super().__init__()
        self.locked = False

    def acquire(self) -> Deferred[DeferredLock]:
        """A Deferred that fires with the lock once this caller holds it."""
        d: Deferred[DeferredLock] = Deferred(self._cancelAcquire)
        if self.locked:
            self.waiting.append(d)
        else:
            self.locked = True
            d.callback(self)
        return d

    def release(self) -> None:
        """Release the lock, handing it to the next waiter if any."""
        if not self.locked:
            raise RuntimeError("release() of an unlocked DeferredLock")
        self.locked = False
        if self.waiting:
            self.locked = True
            self.waiting.popleft().callback(self)


class DeferredSemaphore(_ConcurrencyPrimitive):
    """A semaphore of *tokens* slots whose :meth:`acquire` returns a Deferred."""

    def __init__(self, tokens: int) -> None:
        if tokens < 1:
            raise ValueError("DeferredSemaphore requires tokens >= 1")
        super().__init__()
        self.tokens = tokens
        self.limit = tokens

    def acquire(self) -> Deferred[DeferredSemaphore]:
        """A Deferred that fires with the semaphore once a token is available."""
        d: Deferred[DeferredSemaphore] = Deferred(self._cancelAcquire)
        if self.tokens <= 0:
            self.waiting.append(d)
        else:
            self.tokens -= 1
            d.callback(self)
        return d

    def release(self) -> None:
        """Return a token, handing it to the next waiter if any."""
        if self.tokens >= self.limit:
            raise RuntimeError("release() of a DeferredSemaphore with no token taken")
        self.tokens += 1
        if self.waiting:
            self.tokens -= 1
            self.waiting.popleft().callback(self)


class QueueOverflow(Exception):
    """``put`` on a DeferredQueue that is full."""


class QueueUnderflow(Exception):
    """``get`` on a DeferredQueue whose backlog of waiting getters is full."""


class DeferredQueue(Generic[_T]):
    """A queue whose :meth:`get` returns a Deferred of the next item.

    *size* bounds the items held (``put`` beyond it raises :class:`QueueOverflow`);
    *backlog* bounds the waiting getters (``get`` beyond it raises
    :class:`QueueUnderflow`). None means unbounded.
    """

    def __init__(self, size: int | None = None, backlog: int | None = None) -> None:
        self.waiting: deque[Deferred[Any]] = deque()
        self.pending: deque[_T] = deque()
        self.size = size
        self.backlog = backlog

    def put(self, obj: _T) -> None:
        """Give *obj* to the longest-waiting getter, or keep it for the next ``get``."""
        if self.waiting:
            self.waiting.popleft().callback(obj)
        elif self.size is None or len(self.pending) < self.size:
            self.pending.append(obj)
        else:
            raise QueueOverflow()

    def get(self) -> Deferred[_T]:
        """A Deferred of the next item; cancelling it gives up the place in line."""
        d: Deferred[_T] = Deferred(self.waiting.remove)
        if self.pending:
            d.callback(self.pending.popleft())
        elif self.backlog is None or len(self.waiting) < self.backlog:
            self.waiting.append(d)
        else:
            raise QueueUnderflow()
        return d
