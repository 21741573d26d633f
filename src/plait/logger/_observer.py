"""Observers: the ``ILogObserver`` interface, ``LogPublisher`` and file observers."""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import IO, Any

from zope.interface import Interface, implementer

from plait.logger._format import formatEventAsClassicLogText, formatTime, timeFormat

__all__ = [
    "FileLogObserver",
    "ILogObserver",
    "LimitedHistoryLogObserver",
    "LogEvent",
    "LogObserver",
    "LogPublisher",
    "textFileLogObserver",
]

LogEvent = dict[str, Any]
LogObserver = Callable[[LogEvent], None]

_errorLog = logging.getLogger("plait.logger")


class ILogObserver(Interface):
    """Something that is called with each log event (a dict)."""

    def __call__(event: LogEvent) -> None:
        """Observe one event; must not raise."""


@implementer(ILogObserver)
class LogPublisher:
    """Fans each event out to its observers; a broken observer never stops the others."""

    def __init__(self, *observers: LogObserver) -> None:
        self._observers: list[LogObserver] = list(observers)

    def addObserver(self, observer: LogObserver) -> None:
        """Start sending events to ``observer`` (adding it twice has no effect)."""
        if not callable(observer):
            raise TypeError(f"Observer is not callable: {observer!r}")
        if observer not in self._observers:
            self._observers.append(observer)

    def removeObserver(self, observer: LogObserver) -> None:
        """Stop sending events to ``observer``; unknown observers are ignored."""
        with contextlib.suppress(ValueError):
            self._observers.remove(observer)

    def __call__(self, event: LogEvent) -> None:
        """Send ``event`` to every observer."""
        self._deliver(event)

    def _deliver(self, event: LogEvent) -> None:
        broken: list[tuple[LogObserver, BaseException]] = []
        for observer in list(self._observers):
            try:
                observer(event)
            except Exception as exc:
                broken.append((observer, exc))
        for brokenObserver, brokenError in broken:
            self._reportBroken(brokenObserver, brokenError, event)

    def _reportBroken(self, observer: LogObserver, error: BaseException, event: LogEvent) -> None:
        # Tell the other observers directly: going through logging again could reach
        # the same broken observer and recurse.
        from plait.logger._levels import LogLevel
        from plait.python.failure import Failure

        report: LogEvent = {
            "log_format": "Temporarily disabling observer {observer} due to exception",
            "log_level": LogLevel.critical,
            "log_namespace": "plait.logger",
            "log_failure": Failure(error),
            "observer": observer,
            "log_time": event.get("log_time"),
        }
        for other in list(self._observers):
            if other is observer:
                continue
            try:
                other(report)
            except Exception:
                _errorLog.debug("observer %r failed while reporting", other, exc_info=True)


@implementer(ILogObserver)
class FileLogObserver:
    """Writes each event to a text file, as rendered by ``formatEvent``; skips empty text."""

    def __init__(self, outFile: IO[str], formatEvent: Callable[[LogEvent], str | None]) -> None:
        self._outFile = outFile
        self.formatEvent = formatEvent

    def __call__(self, event: LogEvent) -> None:
        """Write ``event`` and flush."""
        text = self.formatEvent(event)
        if text:
            self._outFile.write(text)
            flush = getattr(self._outFile, "flush", None)
            if flush is not None:
                flush()


def textFileLogObserver(outFile: IO[str], timeFormat: str | None = timeFormat) -> FileLogObserver:
    """An observer writing Twisted's classic lines: ``<time> [<system>] <text>``."""

    def formatWithTime(when: float | None) -> str:
        return formatTime(when, timeFormat)

    def render(event: LogEvent) -> str | None:
        return formatEventAsClassicLogText(event, formatTime=formatWithTime)

    return FileLogObserver(outFile, render)


@implementer(ILogObserver)
class LimitedHistoryLogObserver:
    """Keeps the last ``size`` events, to replay them to another observer later."""

    def __init__(self, size: int = 2**16) -> None:
        self._buffer: deque[LogEvent] = deque(maxlen=size)

    def __call__(self, event: LogEvent) -> None:
        """Remember ``event``."""
        self._buffer.append(event)

    def replayTo(self, otherObserver: LogObserver) -> None:
        """Send every remembered event, oldest first, to ``otherObserver``."""
        for event in list(self._buffer):
            otherObserver(event)
