"""A call scheduled for later (Twisted's ``IDelayedCall``), shared by the reactor and Clock.

The owner (a reactor or a fake :class:`~plait.internet.task.Clock`) creates a
:class:`DelayedCall` with two hooks: *cancel* is told when the call is cancelled so the
owner can forget it, *reset* is told when the call must move *earlier* so the owner can
reschedule it. Moving a call later is recorded lazily in ``delayed_time``; the owner folds
it in with :meth:`DelayedCall.activate_delay` when the original time comes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["AlreadyCalled", "AlreadyCancelled", "DelayedCall"]


class AlreadyCalled(ValueError):
    """The delayed call has already run."""


class AlreadyCancelled(ValueError):
    """The delayed call has already been cancelled."""


class DelayedCall:
    """One scheduled call: ``func(*args, **kw)`` at ``getTime()`` on the owner's clock.

    ``called`` and ``cancelled`` tell what happened to it; ``active()`` is true until one
    of them is.
    """

    def __init__(
        self,
        time: float,
        func: Callable[..., object],
        args: tuple[Any, ...],
        kw: dict[str, Any],
        cancel: Callable[[DelayedCall], object],
        reset: Callable[[DelayedCall], object],
        seconds: Callable[[], float] = time.monotonic,
    ) -> None:
        self.time = time
        self.func = func
        self.args = args
        self.kw = kw
        self.canceller = cancel
        self.resetter = reset
        self.seconds = seconds
        self.delayed_time = 0.0
        self.called = 0
        self.cancelled = 0

    def getTime(self) -> float:
        """The time (on the owner's clock) at which the call will run."""
        return self.time + self.delayed_time

    def active(self) -> bool:
        """True until the call has run or been cancelled."""
        return not (self.cancelled or self.called)

    def cancel(self) -> None:
        """Unschedule the call.

        :raises AlreadyCancelled: if it was already cancelled.
        :raises AlreadyCalled: if it already ran.
        """
        if self.cancelled:
            raise AlreadyCancelled(self)
        if self.called:
            raise AlreadyCalled(self)
        self.cancelled = 1
        self.canceller(self)

    def reset(self, secondsFromNow: float) -> None:
        """Reschedule the call to run *secondsFromNow* seconds from now."""
        self._checkActive()
        newTime = self.seconds() + secondsFromNow
        if newTime < self.time:
            self.delayed_time = 0.0
            self.time = newTime
            self.resetter(self)
        else:
            self.delayed_time = newTime - self.time

    def delay(self, secondsLater: float) -> None:
        """Move the call *secondsLater* seconds later (earlier if negative)."""
        self._checkActive()
        self.delayed_time += secondsLater
        if self.delayed_time < 0:
            self.activate_delay()
            self.resetter(self)

    def activate_delay(self) -> None:
        """Fold the lazily recorded delay into ``time`` (called by the owner)."""
        self.time += self.delayed_time
        self.delayed_time = 0.0

    def _checkActive(self) -> None:
        if self.cancelled:
            raise AlreadyCancelled(self)
        if self.called:
            raise AlreadyCalled(self)

    def __lt__(self, other: DelayedCall) -> bool:
        # Owners keep calls in a heap ordered by their (undelayed) time.
        return self.time < other.time

    def __le__(self, other: DelayedCall) -> bool:
        return self.time <= other.time

    def __repr__(self) -> str:
        name = getattr(self.func, "__qualname__", None) or repr(self.func)
        params = [repr(a) for a in self.args]
        params.extend(f"{k}={v!r}" for k, v in self.kw.items())
        state = "called" if self.called else "cancelled" if self.cancelled else "active"
        return (
            f"<DelayedCall 0x{id(self):x} [{self.getTime() - self.seconds():.3f}s] {state} "
            f"{name}({', '.join(params)})>"
        )
