"""Running blocking code in threads and getting its results back as Deferreds.

``deferToThread`` is how a Twisted program calls a blocking library without stalling the
reactor; ``blockingCallFromThread`` is the way back, from a worker thread into the reactor.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from plait.internet.defer import Deferred, maybeDeferred
from plait.python.failure import Failure

__all__ = [
    "blockingCallFromThread",
    "callMultipleInThread",
    "deferToThread",
    "deferToThreadPool",
]

_T = TypeVar("_T")


def deferToThreadPool(
    reactor: Any, threadpool: Any, f: Callable[..., _T], *args: Any, **kwargs: Any
) -> Deferred[_T]:
    """Run ``f(*args, **kwargs)`` in ``threadpool``; the Deferred fires in the reactor thread."""
    d: Deferred[_T] = Deferred()

    def onResult(success: bool, result: Any) -> None:
        if success:
            reactor.callFromThread(d.callback, result)
        else:
            reactor.callFromThread(d.errback, result)

    threadpool.callInThreadWithCallback(onResult, f, *args, **kwargs)
    return d


def deferToThread(f: Callable[..., _T], *args: Any, **kwargs: Any) -> Deferred[_T]:
    """Run ``f(*args, **kwargs)`` in the global reactor's thread pool."""
    from plait.internet import reactor

    return deferToThreadPool(reactor, reactor.getThreadPool(), f, *args, **kwargs)


def _runMultiple(
    tupleList: Iterable[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]],
) -> None:
    for f, args, kwargs in tupleList:
        f(*args, **kwargs)


def callMultipleInThread(
    tupleList: Iterable[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]],
) -> None:
    """Run each ``(f, args, kwargs)`` of ``tupleList``, in order, in one pool thread."""
    from plait.internet import reactor

    reactor.callInThread(_runMultiple, list(tupleList))


def blockingCallFromThread(reactor: Any, f: Callable[..., Any], *a: Any, **kw: Any) -> Any:
    """From a non-reactor thread: run ``f`` in the reactor thread and wait for its result.

    ``f`` may return a Deferred (or a coroutine); its result is returned, its failure
    raised. Calling this from the reactor thread would deadlock.
    """
    answer: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def inReactor() -> None:
        d = maybeDeferred(f, *a, **kw)
        d.addBoth(answer.put)

    reactor.callFromThread(inReactor)
    result = answer.get()
    if isinstance(result, Failure):
        result.raiseException()
    return result
