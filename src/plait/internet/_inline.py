"""Driving generators and coroutines that wait on Deferreds: ``inlineCallbacks`` and co.

One driver serves ``@inlineCallbacks`` generators (which ``yield`` Deferreds) and
coroutines (which ``await`` them). Besides Deferreds it accepts asyncio futures, so a
coroutine run by ``ensureDeferred`` may also ``await asyncio.sleep(...)`` when an asyncio
loop is running. Results that are already available are consumed in a loop, not by
recursion, so a long run of ready Deferreds never exhausts the stack.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Coroutine, Generator
from inspect import iscoroutine
from types import GeneratorType
from typing import Any, NoReturn, ParamSpec, TypeVar

from plait.internet._deferred import Deferred, NotACoroutineError, _driving
from plait.python.failure import Failure

__all__ = ["ensureDeferred", "inlineCallbacks", "returnValue", "runCoroutine"]

_T = TypeVar("_T")
_P = ParamSpec("_P")

_Gen = Coroutine[Any, Any, _T] | Generator[Any, Any, _T]


class _DefGen_Return(BaseException):
    """Raised by :func:`returnValue` to leave an inlineCallbacks generator."""

    def __init__(self, value: object) -> None:
        super().__init__(value)
        self.value = value


def returnValue(val: object) -> NoReturn:
    """Return *val* from an ``@inlineCallbacks`` generator (``return val`` also works)."""
    raise _DefGen_Return(val)


class _Status:
    """What one driven generator is doing: its Deferred and what it is waiting on."""

    __slots__ = ("deferred", "waitingOn")

    def __init__(self) -> None:
        self.deferred: Deferred[Any] = Deferred(self._cancel)
        self.waitingOn: Deferred[Any] | None = None

    def _cancel(self, outer: Deferred[Any]) -> None:
        waiting = self.waitingOn
        if waiting is None:
            return
        waiting.cancel()
        if not outer.called:
            # The generator caught the cancellation and runs on: the Deferred the caller
            # holds must get its eventual result, so chain it to a fresh one.
            replacement: Deferred[Any] = Deferred(self._cancel)
            self.deferred = replacement
            step = (_returnDeferred, (replacement,), None)
            outer.callbacks.insert(0, (step, step))
            outer.callback(None)


def _returnDeferred(_: object, d: Deferred[Any]) -> Deferred[Any]:
    return d


def _isFuture(obj: object) -> bool:
    return getattr(obj, "_asyncio_future_blocking", None) is not None


def _adapt(yielded: object) -> Deferred[Any] | None:
    """The Deferred to wait on for a yielded value, or None to send the value back."""
    if isinstance(yielded, Deferred):
        return yielded
    if _isFuture(yielded):
        # asyncio's Task would clear this flag; it marks a future awaited with `await`.
        yielded._asyncio_future_blocking = False  # type: ignore[attr-defined]
        return Deferred.fromFuture(yielded)  # type: ignore[arg-type]
    if iscoroutine(yielded) or isinstance(yielded, GeneratorType):
        return _start(yielded)
    return None


def _step(
    result: object,
    gen: _Gen[Any],
    status: _Status,
    context: contextvars.Context,
) -> None:
    # waiting[0]: still inside this call when the awaited Deferred fires?
    # waiting[1]: the result it fired with, if so.
    waiting: list[Any] = [True, None]
    while True:
        failure: Failure | None = None
        _driving.depth += 1
        try:
            if isinstance(result, Failure):
                exc = result.value.with_traceback(result.tb)
                yielded = context.run(gen.throw, exc)
            else:
                yielded = context.run(gen.send, result)
        except StopIteration as e:
            value: object = e.value
        except _DefGen_Return as e:
            value = e.value
        except BaseException:
            failure = Failure()
        else:
            d = _adapt(yielded)
            if d is None:
                result = yielded
                continue
            d.addBoth(_resume, waiting, gen, status, context)
            if waiting[0]:
                waiting[0] = False
                status.waitingOn = d
                return
            result = waiting[1]
            waiting[0] = True
            waiting[1] = None
            continue
        finally:
            _driving.depth -= 1
        # Fire outside the except block so errors in callbacks are not chained to ours.
        status.waitingOn = None
        if failure is not None:
            status.deferred.errback(failure)
        else:
            status.deferred.callback(value)
        return


def _resume(
    result: object,
    waiting: list[Any],
    gen: _Gen[Any],
    status: _Status,
    context: contextvars.Context,
) -> None:
    if waiting[0]:
        waiting[0] = False
        waiting[1] = result
    else:
        _step(result, gen, status, context)


def _start(gen: _Gen[_T]) -> Deferred[_T]:
    status = _Status()
    _step(None, gen, status, contextvars.copy_context())
    return status.deferred


def runCoroutine(coro: _Gen[_T]) -> Deferred[_T]:
    """Drive a coroutine or generator and return a Deferred of its result."""
    if not (iscoroutine(coro) or isinstance(coro, GeneratorType)):
        raise NotACoroutineError(f"{coro!r} is not a coroutine")
    return _start(coro)


def ensureDeferred(coro: _Gen[_T] | Deferred[_T]) -> Deferred[_T]:
    """Return *coro* if it is a Deferred; otherwise drive it as a coroutine.

    An asyncio future is accepted too and adapted with :meth:`Deferred.fromFuture`.
    """
    if isinstance(coro, Deferred):
        return coro
    if _isFuture(coro):
        return Deferred.fromFuture(coro)  # type: ignore[arg-type]
    return runCoroutine(coro)


def inlineCallbacks(
    f: Callable[_P, Generator[Any, Any, _T]],
) -> Callable[_P, Deferred[_T]]:
    """Decorate a generator function so that ``yield d`` waits for the Deferred *d*.

    The decorated function returns a Deferred firing with the generator's return value
    (or failing with its exception); cancelling it cancels the Deferred being waited on.
    """

    @functools.wraps(f)
    def unwind(*args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]:
        try:
            gen = f(*args, **kwargs)
        except _DefGen_Return:
            raise TypeError(
                f"inlineCallbacks requires {f!r} to produce a generator; instead "
                "it called returnValue() outside a generator"
            ) from None
        if not isinstance(gen, GeneratorType):
            raise TypeError(
                f"inlineCallbacks requires {f!r} to produce a generator; "
                f"instead it returned {gen!r}"
            )
        return _start(gen)

    return unwind
