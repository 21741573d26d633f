"""The ``Deferred`` class: a result that will arrive later, with a chain of callbacks.

Twisted's semantics, kept exactly: callbacks run synchronously when the Deferred fires; a
callback returning a Deferred pauses the chain until that one fires. Chains of Deferreds
are walked with an explicit stack, never by recursion, so arbitrarily long chains work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine, Generator
from types import CoroutineType
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    ParamSpec,
    Protocol,
    TypeVar,
    cast,
    overload,
)

from plait.python.failure import Failure

if TYPE_CHECKING:
    from types import GeneratorType

__all__ = [
    "AlreadyCalledError",
    "CancelledError",
    "Deferred",
    "NotACoroutineError",
    "TimeoutError",
    "execute",
    "fail",
    "getDebugging",
    "maybeDeferred",
    "passthru",
    "setDebugging",
    "succeed",
]

_T = TypeVar("_T")
_S = TypeVar("_S")
_P = ParamSpec("_P")

_log = logging.getLogger("plait.internet.defer")


class AlreadyCalledError(Exception):
    """A Deferred was fired (``callback``/``errback``) a second time."""


class CancelledError(Exception, asyncio.CancelledError):
    """The Deferred was cancelled.

    It is an ``Exception`` (as in Twisted) and also an ``asyncio.CancelledError``, so
    asyncio code awaiting inside a cancelled coroutine sees the cancellation it expects.
    """


class TimeoutError(Exception):
    """A Deferred timed out (see :meth:`Deferred.addTimeout`)."""


class NotACoroutineError(TypeError):
    """Something that is not a coroutine was given where one was required."""


class _DelayedCallLike(Protocol):
    def active(self) -> bool: ...
    def cancel(self) -> None: ...


class _ClockLike(Protocol):
    def callLater(
        self, delay: float, callable: Callable[..., object], /, *args: object, **kw: object
    ) -> _DelayedCallLike: ...


def passthru(arg: _T) -> _T:
    """Return *arg* unchanged (the default callback and errback)."""
    return arg


_NO_RESULT: Any = object()
_CONTINUE: Any = object()
_PASS = (passthru, (), None)


class _FailureLog:
    """Logs a Deferred's unhandled failure when the Deferred is garbage collected.

    A separate object (instead of ``Deferred.__del__``) keeps finalizers off the hot path:
    it exists only on Deferreds whose chain ended in a Failure.
    """

    __slots__ = ("failResult",)

    def __init__(self) -> None:
        self.failResult: Failure | None = None

    def __del__(self) -> None:
        failure = self.failResult
        if failure is not None:
            # A finalizer must never raise (logging can fail at interpreter exit).
            with contextlib.suppress(Exception):
                _log.error("Unhandled error in Deferred:\n%s", failure.getTraceback().rstrip())


class _DriverFlag(threading.local):
    """Counts how deeply this thread is inside plait's coroutine driver."""

    depth = 0


_driving = _DriverFlag()


class Deferred(Generic[_T]):
    """A result that is not available yet, and the callbacks that will process it.

    ``callback(result)`` or ``errback(failure)`` fires it once; every callback added before
    or after then runs in order, each receiving the previous one's result.
    """

    #: Kept for Twisted compatibility; plait records no extra debugging information.
    debug = False

    # Class-level defaults: a new Deferred sets only two attributes, which keeps creating
    # one (once or more per request) cheap.
    called = False
    paused = 0
    result: Any = _NO_RESULT
    _suppressAlreadyCalled = False
    _runningCallbacks = False
    _chainedTo: Deferred[Any] | None = None
    _failLog: _FailureLog | None = None

    def __init__(self, canceller: Callable[[Deferred[Any]], None] | None = None) -> None:
        self.callbacks: list[tuple[tuple[Any, Any, Any], tuple[Any, Any, Any]]] = []
        self._canceller = canceller

    # -- adding callbacks ------------------------------------------------------------------

    def addCallbacks(
        self,
        callback: Callable[..., Any],
        errback: Callable[..., Any] | None = None,
        callbackArgs: tuple[Any, ...] = (),
        callbackKeywords: dict[str, Any] | None = None,
        errbackArgs: tuple[Any, ...] = (),
        errbackKeywords: dict[str, Any] | None = None,
    ) -> Deferred[Any]:
        """Add a callback and an errback as one step of the chain."""
        self.callbacks.append(
            (
                (callback, callbackArgs, callbackKeywords),
                _PASS if errback is None else (errback, errbackArgs, errbackKeywords),
            )
        )
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addCallback(
        self,
        callback: Callable[Concatenate[_T, _P], Deferred[_S]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_S]: ...

    @overload
    def addCallback(
        self,
        callback: Callable[Concatenate[_T, _P], Failure | _S],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_S]: ...

    def addCallback(
        self, callback: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Deferred[Any]:
        """Add a callback for success; failures pass by it unchanged."""
        self.callbacks.append(((callback, args, kwargs), _PASS))
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addErrback(
        self,
        errback: Callable[Concatenate[Failure, _P], Deferred[_S]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T | _S]: ...

    @overload
    def addErrback(
        self,
        errback: Callable[Concatenate[Failure, _P], Failure | _S],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T | _S]: ...

    def addErrback(self, errback: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Add an errback for failure; successful results pass by it unchanged."""
        self.callbacks.append((_PASS, (errback, args, kwargs)))
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addBoth(
        self,
        callback: Callable[Concatenate[Any, _P], Deferred[_S]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_S]: ...

    @overload
    def addBoth(
        self,
        callback: Callable[Concatenate[Any, _P], Failure | _S],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_S]: ...

    def addBoth(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Add one function as both the callback and the errback of a step."""
        step = (callback, args, kwargs)
        self.callbacks.append((step, step))
        if self.called:
            self._runCallbacks()
        return self

    def chainDeferred(self, d: Deferred[_T]) -> Deferred[None]:
        """Fire *d* with this Deferred's result (this one then continues with None)."""
        d._chainedTo = self
        return self.addCallbacks(d.callback, d.errback)

    # -- firing ----------------------------------------------------------------------------

    def callback(self, result: _T | Failure) -> None:
        """Fire with a successful *result* and run the callbacks."""
        if self.called:
            if self._suppressAlreadyCalled:
                self._suppressAlreadyCalled = False
                return
            raise AlreadyCalledError(f"{self!r} has already been called")
        if isinstance(result, Deferred):
            raise TypeError("callback() may not be given a Deferred; chain it instead")
        self.called = True
        self.result = result
        self._runCallbacks()

    def errback(self, fail: Failure | BaseException | None = None) -> None:
        """Fire with a failure (the exception being handled when *fail* is None)."""
        if fail is None:
            fail = Failure()
        elif not isinstance(fail, Failure):
            fail = Failure(fail)
        if self.called:
            if self._suppressAlreadyCalled:
                self._suppressAlreadyCalled = False
                return
            raise AlreadyCalledError(f"{self!r} has already been called")
        self.called = True
        self.result = fail
        self._runCallbacks()

    def pause(self) -> None:
        """Stop running callbacks until :meth:`unpause` (pauses nest)."""
        self.paused += 1

    def unpause(self) -> None:
        """Undo one :meth:`pause`; run pending callbacks once no pause remains."""
        self.paused -= 1
        if not self.paused and self.called:
            self._runCallbacks()

    def cancel(self) -> None:
        """Cancel: run the canceller, and errback with CancelledError unless it fired us.

        A Deferred already fired but waiting on another Deferred cancels that one.
        """
        if not self.called:
            canceller = self._canceller
            if canceller is not None:
                canceller(self)
            else:
                # No real canceller: swallow the result the operation will deliver later.
                self._suppressAlreadyCalled = True
            if not self.called:
                self.errback(Failure(CancelledError()))
        elif isinstance(self.result, Deferred):
            self.result.cancel()

    def addTimeout(
        self,
        timeout: float,
        clock: _ClockLike,
        onTimeoutCancel: Callable[[Any, float], Any] | None = None,
    ) -> Deferred[_T]:
        """Cancel this Deferred if it has not fired within *timeout* seconds of *clock*.

        A timed-out Deferred fails with :class:`TimeoutError`, or with whatever
        ``onTimeoutCancel(result, timeout)`` returns or raises.
        """
        timedOut = False

        def expire() -> None:
            nonlocal timedOut
            timedOut = True
            self.cancel()

        delayed = clock.callLater(timeout, expire)

        def convert(result: Any) -> Any:
            if timedOut:
                return (onTimeoutCancel or _cancelledToTimedOutError)(result, timeout)
            return result

        def stopTimer(result: Any) -> Any:
            if delayed.active():
                delayed.cancel()
            return result

        self.addBoth(convert)
        self.addBoth(stopTimer)
        return self

    # -- the engine ------------------------------------------------------------------------

    def _runCallbacks(self) -> None:
        if self._runningCallbacks:
            # A callback added a callback to its own Deferred; the running loop takes it.
            return
        # `chain` is the explicit stack of Deferreds handing results to one another.
        chain: list[Deferred[Any]] = [self]
        while chain:
            current = chain[-1]
            if current.paused:
                # It gets its result when unpaused; resume whoever handed it the result.
                chain.pop()
                continue
            finished = True
            current._chainedTo = None
            callbacks = current.callbacks
            while callbacks:
                item = callbacks.pop(0)
                result = current.result
                fn, args, kw = item[1] if isinstance(result, Failure) else item[0]
                if fn is _CONTINUE:
                    chainee: Deferred[Any] = args[0]
                    chainee.result = result
                    current.result = None
                    if current._failLog is not None:
                        current._failLog.failResult = None
                    chainee.paused -= 1
                    chain.append(chainee)
                    finished = False
                    break
                current._runningCallbacks = True
                try:
                    result = fn(result, *args, **kw) if kw else fn(result, *args)
                except BaseException:
                    result = Failure()
                finally:
                    current._runningCallbacks = False
                current.result = result
                if isinstance(result, Deferred):
                    inner: Deferred[Any] = result
                    innerResult = inner.result
                    if innerResult is _NO_RESULT or inner.paused:
                        # Not ready: wait for it, and let it hand its result over.
                        current.paused += 1
                        current._chainedTo = inner
                        step = (_CONTINUE, (current,), None)
                        inner.callbacks.append((step, step))
                        break
                    # Already has its result: take it (the inner goes on with None).
                    inner.result = None
                    if inner._failLog is not None:
                        inner._failLog.failResult = None
                    current.result = innerResult
            if finished:
                result = current.result
                if isinstance(result, Failure):
                    result.cleanFailure()
                    if current._failLog is None:
                        current._failLog = _FailureLog()
                    current._failLog.failResult = result
                elif current._failLog is not None:
                    current._failLog.failResult = None
                chain.pop()

    # -- asyncio and coroutines ------------------------------------------------------------

    def __await__(self) -> Generator[Any, Any, _T]:
        while not self.called or self.paused:
            if _driving.depth:
                # plait's own driver (ensureDeferred / inlineCallbacks) resumes us when
                # we fire, synchronously, as Twisted does.
                yield self
                continue
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                yield self
                continue
            # Awaited by an asyncio Task: hand it a future it understands.
            return (yield from self.asFuture(loop))
        result = self.result
        if isinstance(result, Failure):
            if self._failLog is not None:
                self._failLog.failResult = None
            result.raiseException()
        return cast("_T", result)

    __iter__ = __await__

    def asFuture(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[_T]:
        """An asyncio future on *loop* that completes with this Deferred's result.

        The future takes the result (this Deferred continues with None); cancelling the
        future cancels this Deferred.
        """
        future: asyncio.Future[_T] = loop.create_future()

        def succeeded(result: _T) -> None:
            if not future.done():
                future.set_result(result)

        def failed(failure: Failure) -> None:
            if not future.done():
                future.set_exception(failure.value)

        def futureDone(f: asyncio.Future[_T]) -> None:
            if f.cancelled():
                self.cancel()

        self.addCallbacks(succeeded, failed)
        future.add_done_callback(futureDone)
        return future

    @classmethod
    def fromFuture(cls, future: asyncio.Future[_S]) -> Deferred[_S]:
        """A Deferred that fires with *future*'s result; cancelling it cancels the future."""

        def cancel(d: Deferred[Any]) -> None:
            future.cancel()
            if not d.called:
                d.errback(Failure(CancelledError()))

        d: Deferred[_S] = Deferred(cancel)

        def done(f: asyncio.Future[_S]) -> None:
            if d.called:
                return
            try:
                value = f.result()
            except BaseException as e:
                d.errback(Failure(CancelledError()) if f.cancelled() else Failure(e))
            else:
                d.callback(value)

        future.add_done_callback(done)
        return d

    @classmethod
    def fromCoroutine(
        cls,
        coro: Coroutine[Any, Any, _S] | GeneratorType[Any, Any, _S],
    ) -> Deferred[_S]:
        """Run *coro* (which may await Deferreds and asyncio futures) and return its Deferred.

        Cancelling the returned Deferred cancels whatever the coroutine is awaiting.
        """
        from plait.internet._inline import runCoroutine

        return runCoroutine(coro)

    # -- presentation ----------------------------------------------------------------------

    def __repr__(self) -> str:
        name = type(self).__name__
        if self._chainedTo is not None:
            detail = f" waiting on Deferred at 0x{id(self._chainedTo):x}"
        elif self.result is _NO_RESULT:
            detail = ""
        else:
            detail = f" current result: {self.result!r}"
        return f"<{name} at 0x{id(self):x}{detail}>"

    __str__ = __repr__


def _cancelledToTimedOutError(value: Any, timeout: float) -> Any:
    if isinstance(value, Failure):
        value.trap(CancelledError)
        raise TimeoutError(timeout, "Deferred")
    return value


def succeed(result: _T) -> Deferred[_T]:
    """A Deferred already fired with *result*."""
    d: Deferred[_T] = Deferred()
    d.called = True
    d.result = result
    return d


def fail(result: Failure | BaseException | None = None) -> Deferred[Any]:
    """A Deferred already failed with *result* (the current exception when None)."""
    d: Deferred[Any] = Deferred()
    d.errback(result)
    return d


def maybeDeferred(f: Callable[_P, Any], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[Any]:
    """Call *f* and return its result as a Deferred, whatever it returned or raised.

    A Deferred is returned as is, a Failure or exception becomes a failed Deferred, a
    coroutine is driven with :meth:`Deferred.fromCoroutine`, an asyncio future is adapted
    with :meth:`Deferred.fromFuture`, anything else becomes a fired Deferred.
    """
    try:
        result = f(*args, **kwargs)
    except BaseException:
        return fail(Failure())
    if isinstance(result, Deferred):
        return result
    if isinstance(result, Failure):
        return fail(result)
    if isinstance(result, CoroutineType):
        return Deferred.fromCoroutine(result)
    if getattr(result, "_asyncio_future_blocking", None) is not None:
        return Deferred.fromFuture(result)
    return succeed(result)


def execute(callable: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]:
    """Call *callable* now and return a Deferred of its result or of the exception it raised."""
    try:
        result = callable(*args, **kwargs)
    except BaseException:
        return fail()
    return succeed(result)


def setDebugging(on: bool) -> None:
    """Set ``Deferred.debug`` (accepted for compatibility; it changes nothing in plait)."""
    Deferred.debug = bool(on)


def getDebugging() -> bool:
    """The value given to :func:`setDebugging`."""
    return Deferred.debug
