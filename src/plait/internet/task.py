"""Scheduling helpers: a fake Clock, LoopingCall, deferLater, react, cooperative tasks.

Nothing here touches the global reactor at import time: where a reactor is the default
(``LoopingCall.clock``, ``react``, the default cooperative scheduler) it is imported inside
the function that first needs it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, NoReturn, Protocol, TypeVar

from plait.internet._cooperator import (
    CooperativeTask,
    Cooperator,
    NotPaused,
    SchedulerError,
    SchedulerStopped,
    TaskDone,
    TaskFailed,
    TaskFinished,
    TaskStopped,
    coiterate,
    cooperate,
)
from plait.internet._deferred import Deferred, maybeDeferred
from plait.internet._delayedcall import DelayedCall
from plait.python.failure import Failure

__all__ = [
    "Clock",
    "CooperativeTask",
    "Cooperator",
    "LoopingCall",
    "NotPaused",
    "SchedulerError",
    "SchedulerStopped",
    "TaskDone",
    "TaskFailed",
    "TaskFinished",
    "TaskStopped",
    "coiterate",
    "cooperate",
    "deferLater",
    "react",
]

_T = TypeVar("_T")
_log = logging.getLogger("plait.internet.task")


class _DelayedCallLike(Protocol):
    def active(self) -> bool: ...
    def cancel(self) -> None: ...


class _ClockLike(Protocol):
    def seconds(self) -> float: ...
    def callLater(
        self, delay: float, callable: Callable[..., object], /, *args: Any, **kw: Any
    ) -> _DelayedCallLike: ...


class Clock:
    """A fake reactor clock for tests: time moves only when :meth:`advance` is called.

    It provides the reactor's time API (``seconds``, ``callLater``,
    ``getDelayedCalls``), so code that takes a clock can be driven deterministically.
    """

    rightNow = 0.0

    def __init__(self) -> None:
        self.rightNow = 0.0
        self.calls: list[DelayedCall] = []

    def seconds(self) -> float:
        """The current fake time."""
        return self.rightNow

    def _sortCalls(self) -> None:
        # Stable sort: calls due at the same time run in the order they were scheduled.
        self.calls.sort(key=DelayedCall.getTime)

    def callLater(
        self, delay: float, callable: Callable[..., object], /, *args: object, **kw: object
    ) -> DelayedCall:
        """Schedule ``callable(*args, **kw)`` to run *delay* fake seconds from now."""
        call = DelayedCall(
            self.seconds() + delay,
            callable,
            args,
            kw,
            self.calls.remove,
            _noReset,
            self.seconds,
        )
        self.calls.append(call)
        self._sortCalls()
        return call

    def getDelayedCalls(self) -> list[DelayedCall]:
        """The calls scheduled and not yet run or cancelled, soonest first."""
        return self.calls

    def advance(self, amount: float) -> None:
        """Move time forward by *amount* seconds and run every call that came due."""
        self.rightNow += amount
        self._sortCalls()
        while self.calls and self.calls[0].getTime() <= self.seconds():
            call = self.calls.pop(0)
            call.called = 1
            call.func(*call.args, **call.kw)
            self._sortCalls()

    def pump(self, timings: Iterable[float]) -> None:
        """Advance by each amount in *timings* in turn."""
        for amount in timings:
            self.advance(amount)


def _noReset(call: Any) -> None:
    # Clock re-sorts before every step, so an earlier time needs no bookkeeping.
    return None


class LoopingCall:
    """Call ``f(*a, **kw)`` every *interval* seconds (Twisted's ``task.LoopingCall``).

    Calls are aligned to the start time: if ``f`` runs long, the next call comes at the
    next interval boundary, and the boundaries skipped are not made up (see
    :meth:`withCount` to learn how many were skipped). If ``f`` returns a Deferred, the
    next call waits for it.
    """

    def __init__(self, f: Callable[..., object], *a: Any, **kw: Any) -> None:
        self.f = f
        self.a = a
        self.kw = kw
        self.call: _DelayedCallLike | None = None
        self.running = False
        self.interval: float | None = None
        self.starttime: float | None = None
        self._deferred: Deferred[LoopingCall] | None = None
        self._runAtStart = False
        self._realLastTime: float | None = None
        self._clock: _ClockLike | None = None

    @property
    def clock(self) -> _ClockLike:
        """What provides time and scheduling; the global reactor unless one is set."""
        if self._clock is None:
            from plait.internet import reactor

            self._clock = reactor  # type: ignore[assignment]
        assert self._clock is not None
        return self._clock

    @clock.setter
    def clock(self, clock: _ClockLike) -> None:
        self._clock = clock

    @property
    def deferred(self) -> Deferred[LoopingCall] | None:
        """The Deferred returned by :meth:`start`, while running."""
        return self._deferred

    @classmethod
    def withCount(cls, countCallable: Callable[[int], object]) -> LoopingCall:
        """A LoopingCall calling ``countCallable(n)``, n being the intervals since the last call.

        n is 1 when every call is on time and larger when the process fell behind.
        """

        def counter() -> object:
            now = self.clock.seconds()
            interval, start = self.interval, self.starttime
            assert interval is not None
            assert start is not None
            if interval == 0:
                self._realLastTime = now
                return countCallable(1)
            lastTime = self._realLastTime
            if lastTime is None:
                lastTime = start - interval if self._runAtStart else start
            count = int((now - start) / interval) - int((lastTime - start) / interval)
            if count > 0:
                self._realLastTime = now
                return countCallable(count)
            return None

        self = cls(counter)
        return self

    def start(self, interval: float, now: bool = True) -> Deferred[LoopingCall]:
        """Start calling every *interval* seconds (first call at once if *now*).

        Returns a Deferred that fires with this LoopingCall once :meth:`stop` is called,
        or fails with what ``f`` raised (or its Deferred failed with).
        """
        if self.running:
            raise RuntimeError("Tried to start an already running LoopingCall.")
        if interval < 0:
            raise ValueError("interval must be >= 0")
        self.running = True
        d: Deferred[LoopingCall] = Deferred()
        self._deferred = d
        self.starttime = self.clock.seconds()
        self.interval = interval
        self._runAtStart = now
        if now:
            self()
        else:
            self._scheduleFrom(self.starttime)
        return d

    def stop(self) -> None:
        """Stop calling; the Deferred from :meth:`start` fires once no call is in progress."""
        if not self.running:
            raise RuntimeError("Tried to stop a LoopingCall that was not running.")
        self.running = False
        if self.call is not None:
            self.call.cancel()
            self.call = None
            self._finish(self)

    def reset(self) -> None:
        """Restart the interval timing from now (the next call is one interval away)."""
        if not self.running:
            raise RuntimeError("Tried to reset a LoopingCall that was not running.")
        if self.call is not None:
            self.call.cancel()
            self.call = None
            self.starttime = self.clock.seconds()
            self._scheduleFrom(self.starttime)

    def _finish(self, result: LoopingCall | Failure) -> None:
        d, self._deferred = self._deferred, None
        assert d is not None
        d.callback(result)

    def _afterCall(self, _: object) -> None:
        if self.running:
            self._scheduleFrom(self.clock.seconds())
        else:
            self._finish(self)

    def _failed(self, failure: Failure) -> None:
        self.running = False
        self._finish(failure)

    def __call__(self) -> None:
        """Run ``f`` once now and schedule the next call when its result is ready."""
        self.call = None
        d = maybeDeferred(self.f, *self.a, **self.kw)
        d.addCallback(self._afterCall)
        d.addErrback(self._failed)

    def _scheduleFrom(self, when: float) -> None:
        interval, start = self.interval, self.starttime
        assert interval is not None
        assert start is not None
        if interval == 0:
            delay = 0.0
        else:
            delay = interval - ((when - start) % interval)
            if when == when + delay:
                # The remainder was too small to move a float this large: wait a full one.
                delay = interval
        self.call = self.clock.callLater(delay, self)

    def __repr__(self) -> str:
        name = getattr(self.f, "__qualname__", None) or repr(self.f)
        return f"LoopingCall<{self.interval!r}>({name}, *{self.a!r}, **{self.kw!r})"


def deferLater(
    clock: _ClockLike,
    delay: float,
    callable: Callable[..., _T] | None = None,
    *args: Any,
    **kw: Any,
) -> Deferred[_T]:
    """A Deferred firing with ``callable(*args, **kw)`` after *delay* seconds of *clock*.

    Without *callable* it fires with None. Cancelling it cancels the scheduled call.
    """

    def cancel(_: Deferred[Any]) -> None:
        delayed.cancel()

    def run(_: object) -> Any:
        return None if callable is None else callable(*args, **kw)

    d: Deferred[Any] = Deferred(cancel)
    d.addCallback(run)
    delayed = clock.callLater(delay, d.callback, None)
    return d


def react(
    main: Callable[..., Deferred[Any] | Coroutine[Any, Any, Any]],
    argv: Iterable[object] = (),
    _reactor: Any = None,
) -> NoReturn:
    """Run the reactor until ``main(reactor, *argv)`` completes, then exit the process.

    Exits with status 0 on success; on failure logs it and exits with 1 (or with the
    code of a ``SystemExit`` raised by *main*).
    """
    if _reactor is None:
        from plait.internet import reactor as _reactor
    finished = maybeDeferred(main, _reactor, *argv)
    code: Any = 0
    stopping = False

    def onShutdown() -> None:
        nonlocal stopping
        stopping = True

    _reactor.addSystemEventTrigger("before", "shutdown", onShutdown)

    def stop(result: object, stopReactor: bool) -> None:
        nonlocal code
        if stopReactor:
            try:
                _reactor.stop()
            except Exception:
                # Already stopping (ReactorNotRunning): nothing left to stop.
                _log.debug("reactor was not running when main finished")
        if isinstance(result, Failure):
            if result.check(SystemExit):
                code = result.value.code  # type: ignore[attr-defined]
            else:
                _log.error("main function encountered error\n%s", result.getTraceback())
                code = 1

    def whenFinished(result: object) -> None:
        if stopping:
            stop(result, False)
        else:
            _reactor.callWhenRunning(stop, result, True)

    finished.addBoth(whenFinished)
    _reactor.run()
    sys.exit(code)
