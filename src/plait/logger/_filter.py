"""Filtering observers: ``FilteringLogObserver`` and ``LogLevelFilterPredicate``."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import cast

from zope.interface import implementer

from plait.logger._levels import InvalidLogLevelError, LogLevel
from plait.logger._observer import ILogObserver, LogEvent, LogObserver

__all__ = ["FilteringLogObserver", "LogLevelFilterPredicate", "PredicateResult"]


class PredicateResult(enum.Enum):
    """A filter predicate's verdict: ``yes`` (send), ``no`` (drop) or ``maybe`` (ask on)."""

    yes = "yes"
    no = "no"
    maybe = "maybe"


Predicate = Callable[[LogEvent], PredicateResult]


def _discard(event: LogEvent) -> None:
    """Observe nothing."""


@implementer(ILogObserver)
class FilteringLogObserver:
    """Sends an event on to ``observer`` unless a predicate says ``no``.

    Predicates are asked in order; the first ``yes`` or ``no`` decides; if all say
    ``maybe`` the event is sent.  Dropped events go to ``negativeObserver``.
    """

    def __init__(
        self,
        observer: LogObserver,
        predicates: Iterable[Predicate],
        negativeObserver: LogObserver = _discard,
    ) -> None:
        self._observer = observer
        self._predicates = list(predicates)
        self._negativeObserver = negativeObserver

    def _shouldLog(self, event: LogEvent) -> bool:
        for predicate in self._predicates:
            result = predicate(event)
            if result is PredicateResult.yes:
                return True
            if result is PredicateResult.no:
                return False
        return True

    def __call__(self, event: LogEvent) -> None:
        """Send ``event`` to the observer or the negative observer."""
        if self._shouldLog(event):
            self._observer(event)
        else:
            self._negativeObserver(event)


class LogLevelFilterPredicate:
    """Drops events below the level set for their namespace (or its nearest parent)."""

    def __init__(self, defaultLogLevel: LogLevel = LogLevel.info) -> None:
        self.defaultLogLevel = defaultLogLevel
        self._levels: dict[str, LogLevel] = {}

    def logLevelForNamespace(self, namespace: str | None) -> LogLevel:
        """The minimum level for ``namespace``: its own, a parent's, or the default."""
        if not namespace:
            return self._levels.get("", self.defaultLogLevel)
        name = namespace
        while True:
            if name in self._levels:
                return self._levels[name]
            if "." not in name:
                return self._levels.get("", self.defaultLogLevel)
            name = name.rsplit(".", 1)[0]

    def setLogLevelForNamespace(self, namespace: str, level: LogLevel) -> None:
        """Set the minimum level for ``namespace`` and the namespaces under it."""
        if not isinstance(cast(object, level), LogLevel):
            raise InvalidLogLevelError(level)
        self._levels[namespace] = level

    def clearLogLevels(self) -> None:
        """Forget every namespace's level."""
        self._levels.clear()

    def __call__(self, event: LogEvent) -> PredicateResult:
        """``no`` if the event is below its namespace's level, else ``maybe``."""
        level = event.get("log_level")
        namespace = event.get("log_namespace")
        if not isinstance(level, LogLevel) or namespace is None:
            return PredicateResult.maybe
        if level < self.logLevelForNamespace(namespace):
            return PredicateResult.no
        return PredicateResult.maybe
