"""The one path from log events to stdlib ``logging``, and from ``logging`` to observers.

Every event published to `globalLogPublisher` becomes exactly one `logging.LogRecord`,
made on the stdlib logger named by `stdlibLoggerName` and carrying the event dict as
``record.plait_event``.  Observers are not called directly: while any exist, a single
`logging.Handler` sits on the ``plait`` logger and hands each record reaching it to
them.  So the application's logging configuration and plait's observers each see every
event once, and records made with plain ``logging.getLogger("plait.x")`` calls reach the
observers too.

When the stdlib logger is not enabled for an event's level (by default stdlib passes
WARNING and above), the record skips stdlib's handlers and goes to the observers'
handler alone, so observers still receive debug and info events as Twisted's do.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import FrameType
from typing import Any

from plait.logger._format import formatEvent
from plait.logger._levels import LogLevel
from plait.logger._observer import LogEvent, LogPublisher

__all__ = ["ROOT_LOGGER_NAME", "globalLogPublisher", "publishToStdlib", "stdlibLoggerName"]

ROOT_LOGGER_NAME = "plait"

# Frames from these modules are plumbing, not the place an event was logged from.
_INTERNAL_MODULES = ("plait.logger", "plait.python.log")

_delivering = threading.local()


def stdlibLoggerName(namespace: str | None) -> str:
    """The stdlib logger for events of ``namespace``: always ``plait`` or under it.

    ``"plait.web.server"`` stays as it is; any other namespace, including an
    application's own (``"myapp.views"``), is put under ``plait.`` (``"plait.myapp.views"``)
    so one ``logging.getLogger("plait")`` configuration covers everything logged
    through plait's APIs.
    """
    if not namespace:
        return ROOT_LOGGER_NAME
    if namespace == ROOT_LOGGER_NAME or namespace.startswith(ROOT_LOGGER_NAME + "."):
        return namespace
    return f"{ROOT_LOGGER_NAME}.{namespace}"


class _EventMessage:
    """``record.msg``: renders the event's format only when a handler asks for it."""

    __slots__ = ("_text", "event")

    def __init__(self, event: LogEvent) -> None:
        self.event = event
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = formatEvent(self.event)
        return self._text

    def __repr__(self) -> str:
        return repr(str(self))


def _callerFrame() -> FrameType | None:
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not name.startswith(_INTERNAL_MODULES):
            return frame
        frame = frame.f_back
    return None


def _levelOf(event: LogEvent) -> int:
    level = event.get("log_level")
    if isinstance(level, LogLevel):
        return level.value
    return logging.INFO


def publishToStdlib(event: LogEvent, loggerName: str | None = None) -> None:
    """Make the one `logging.LogRecord` for ``event`` and hand it on (see module doc)."""
    name = loggerName or stdlibLoggerName(event.get("log_namespace"))
    logger = logging.getLogger(name)
    levelno = _levelOf(event)
    enabled = logger.isEnabledFor(levelno)
    handler = _ObserverHandler.installed
    if not enabled and handler is None:
        return
    frame = _callerFrame()
    if frame is not None:
        path, line, func = frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name
    else:
        path, line, func = "(unknown file)", 0, None
    excInfo: Any = None
    failure = event.get("log_failure")
    if failure is not None and getattr(failure, "value", None) is not None:
        excInfo = (failure.type, failure.value, getattr(failure, "tb", None))
    record = logger.makeRecord(
        name,
        levelno,
        path,
        line,
        _EventMessage(event),
        (),
        excInfo,
        func,
        {"plait_event": event},
    )
    if failure is not None and excInfo is not None and excInfo[2] is None:
        # A cleaned failure has no traceback object left; its rendered frames are.
        record.exc_text = str(failure.getTraceback()).rstrip("\n")
    when = event.get("log_time")
    if isinstance(when, float | int):
        record.created = float(when)
        record.msecs = (record.created - int(record.created)) * 1000
    if enabled:
        logger.handle(record)
    elif handler is not None:
        handler.handle(record)


def eventFromRecord(record: logging.LogRecord) -> LogEvent:
    """A Twisted-style event for a record made by plain stdlib logging calls."""
    from plait.python.failure import Failure

    try:
        text = record.getMessage()
    except Exception as error:
        text = f"Unable to format log record {record.msg!r}: {error}"
    event: LogEvent = {
        "log_format": "{log_text}",
        "log_text": text,
        "log_level": LogLevel.fromStdlib(record.levelno),
        "log_namespace": record.name,
        "log_time": record.created,
        "log_source": None,
        "log_logger": None,
    }
    if record.exc_info and record.exc_info[1] is not None:
        event["log_failure"] = Failure(record.exc_info[1], record.exc_info[0], record.exc_info[2])
    return event


def isDeliveringFromStdlib() -> bool:
    """Whether this thread is inside the bridge, handing a stdlib record to observers."""
    return bool(getattr(_delivering, "depth", 0))


class _ObserverHandler(logging.Handler):
    """The single handler on the ``plait`` logger that feeds the global observers."""

    installed: _ObserverHandler | None = None

    def __init__(self, publisher: LogPublisher) -> None:
        super().__init__(logging.NOTSET)
        self._publisher = publisher

    def emit(self, record: logging.LogRecord) -> None:
        """Hand the record's event to the observers."""
        event = record.__dict__.get("plait_event")
        if event is None:
            event = eventFromRecord(record)
        _delivering.depth = getattr(_delivering, "depth", 0) + 1
        try:
            self._publisher._deliver(event)
        finally:
            _delivering.depth -= 1

    @classmethod
    def install(cls, publisher: LogPublisher) -> None:
        if cls.installed is None:
            handler = cls(publisher)
            logging.getLogger(ROOT_LOGGER_NAME).addHandler(handler)
            cls.installed = handler

    @classmethod
    def uninstall(cls) -> None:
        handler = cls.installed
        if handler is not None:
            logging.getLogger(ROOT_LOGGER_NAME).removeHandler(handler)
            cls.installed = None


class _GlobalLogPublisher(LogPublisher):
    """The process's publisher: events go to stdlib logging, observers are fed from it."""

    def addObserver(self, observer: Any) -> None:
        """Start sending every plait log event (and ``plait.*`` record) to ``observer``."""
        super().addObserver(observer)
        _ObserverHandler.install(self)

    def removeObserver(self, observer: Any) -> None:
        """Stop sending events to ``observer``; the handler leaves with the last one."""
        super().removeObserver(observer)
        if not self._observers:
            _ObserverHandler.uninstall()

    def __call__(self, event: LogEvent) -> None:
        """Publish ``event`` through stdlib logging (and so, once, to the observers)."""
        publishToStdlib(event)


globalLogPublisher = _GlobalLogPublisher()
"""Where `Logger` sends events by default; ``addObserver`` to watch them."""
