"""Scheduling helpers: a fake Clock, LoopingCall, deferLater, react, cooperative tasks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from plait.internet._delayedcall import DelayedCall

__all__ = ["Clock"]


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
