"""System event triggers: the before/during/after phases of "startup" and "shutdown".

A "before" trigger may return a Deferred: the during and after phases wait until every
such Deferred has fired (with a result or a failure, which is logged).
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable
from typing import Any

from plait.internet.defer import Deferred, succeed
from plait.python.failure import Failure

__all__ = ["SystemEvents"]

_log = logging.getLogger("plait.internet.reactor")

_PHASES = ("before", "during", "after")


class _Trigger:
    __slots__ = ("args", "callable", "kw", "phase")

    def __init__(
        self, phase: str, callable: Callable[..., Any], args: tuple[Any, ...], kw: dict[str, Any]
    ):
        self.phase = phase
        self.callable = callable
        self.args = args
        self.kw = kw

    def __repr__(self) -> str:
        return f"<trigger {self.phase} {self.callable!r}>"


class _Event:
    """The three trigger lists of one event type; firing consumes them."""

    def __init__(self) -> None:
        self.phases: dict[str, list[_Trigger]] = {phase: [] for phase in _PHASES}
        self.firing = False

    def fire(self) -> Deferred[None]:
        self.firing = True
        done: Deferred[None] = Deferred()
        waiting: list[Deferred[Any]] = []
        before = self.phases["before"]
        while before:
            result = _call(before.pop(0))
            if isinstance(result, Deferred):
                waiting.append(result)
        if not waiting:
            self._finish(done)
            return done
        remaining = [len(waiting)]

        def oneDone(result: object) -> None:
            if isinstance(result, Failure):
                _log.error("A 'before' system event trigger failed:\n%s", result.getTraceback())
            remaining[0] -= 1
            if remaining[0] == 0:
                self._finish(done)

        for d in waiting:
            d.addBoth(oneDone)
        return done

    def _finish(self, done: Deferred[None]) -> None:
        for phase in ("during", "after"):
            triggers = self.phases[phase]
            while triggers:
                _call(triggers.pop(0))
        self.firing = False
        done.callback(None)


def _call(trigger: _Trigger) -> object:
    try:
        return trigger.callable(*trigger.args, **trigger.kw)
    except Exception:
        _log.exception("Error in system event trigger %r", trigger.callable)
        return None


class SystemEvents:
    """All the system event types of one reactor and their triggers."""

    def __init__(self) -> None:
        self._events: dict[str, _Event] = {}

    def add(
        self,
        phase: str,
        eventType: str,
        callable: Callable[..., Any],
        args: tuple[Any, ...],
        kw: dict[str, Any],
    ) -> tuple[str, _Trigger]:
        """Add a trigger; returns its id for ``remove``."""
        if phase not in _PHASES:
            raise KeyError(f"invalid phase {phase!r}: use 'before', 'during' or 'after'")
        if not builtins.callable(callable):
            raise TypeError(f"{callable!r} is not callable")
        trigger = _Trigger(phase, callable, args, kw)
        self._events.setdefault(eventType, _Event()).phases[phase].append(trigger)
        return (eventType, trigger)

    def remove(self, triggerID: Any) -> None:
        """Remove a trigger by the id ``add`` returned; ValueError if there is none."""
        try:
            eventType, trigger = triggerID
            self._events[eventType].phases[trigger.phase].remove(trigger)
        except (KeyError, ValueError, TypeError, AttributeError):
            raise ValueError(f"no system event trigger with id {triggerID!r}") from None

    def fire(self, eventType: str) -> Deferred[None]:
        """Run the event's triggers; the Deferred fires once the after phase has run."""
        event = self._events.get(eventType)
        if event is None:
            return succeed(None)
        return event.fire()
