"""The classic logging API, Twisted's ``twisted.python.log``, bridged onto stdlib ``logging``.

`msg` and `err` make one stdlib `logging.LogRecord` each, on the logger ``plait`` (or
``plait.<system>`` when the event's ``system`` is a dotted name), at INFO for `msg` and
ERROR for `err`.  The record carries the event dict as ``record.plait_event``; that
dict has both the classic keys (``message``, ``isError``, ``failure``, ``why``,
``system``, ``time``) and the `plait.logger` keys (``log_format``, ``log_level``, ...),
so observers of either API can read it.  Observers added here receive the classic keys
for every event, including those logged with `plait.logger.Logger`.
"""

from __future__ import annotations

import contextvars
import re
import sys
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import IO, Any, TypeVar

from zope.interface import Interface

from plait.logger import Logger as _NewLogger
from plait.logger import LoggingFile, LogLevel, formatTime
from plait.logger._bridge import globalLogPublisher, publishToStdlib
from plait.logger._format import formatEvent, formatTraceback
from plait.python.failure import Failure
from plait.python.reflect import safe_str

__all__ = [
    "FileLogObserver",
    "ILogContext",
    "ILogObserver",
    "Logger",
    "PythonLoggingObserver",
    "addObserver",
    "callWithContext",
    "callWithLogger",
    "deferr",
    "err",
    "logerr",
    "logfile",
    "msg",
    "removeObserver",
    "startLogging",
    "startLoggingWithObserver",
    "textFromEventDict",
]

_T = TypeVar("_T")
EventDict = dict[str, Any]

_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "plait_log_context", default=MappingProxyType({"system": "-"})
)
_SYSTEM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


class ILogContext(Interface):
    """The key under which `callWithContext` keeps its dict (kept for compatibility)."""


class ILogObserver(Interface):
    """A callable receiving classic event dicts (``message``, ``isError``, ``system``...)."""

    def __call__(eventDict: EventDict) -> None:
        """Observe one event; must not raise."""


def callWithContext(ctx: dict[str, Any], func: Callable[..., _T], *args: Any, **kw: Any) -> _T:
    """Call ``func``; events it logs get the keys of ``ctx`` (e.g. ``system``) as defaults."""
    token = _context.set(MappingProxyType({**_context.get(), **ctx}))
    try:
        return func(*args, **kw)
    finally:
        _context.reset(token)


class Logger:
    """A mixin naming the ``system`` of what an object logs, by its `logPrefix`."""

    def logPrefix(self) -> str:
        """The ``system`` text for events logged on behalf of this object."""
        return "-"


def callWithLogger(logger: Any, func: Callable[..., _T], *args: Any, **kw: Any) -> _T:
    """Call ``func`` with ``logger.logPrefix()`` as the ``system``; errors are logged."""
    try:
        system = logger.logPrefix()
    except Exception:
        system = "(buggy logPrefix method)"
        err(system=system)
    try:
        return callWithContext({"system": system}, func, *args, **kw)
    except Exception:
        err(system=system)
        raise


def textFromEventDict(eventDict: EventDict) -> str | None:
    """The text of a classic event: its message parts, or why + traceback, or ``format``."""
    message = eventDict.get("message")
    if message:
        return " ".join(safe_str(part) for part in message)
    if eventDict.get("isError") and "failure" in eventDict:
        why = eventDict.get("why")
        whyText = safe_str(why) if why else "Unhandled Error"
        return whyText + "\n" + formatTraceback(eventDict["failure"])
    fmt = eventDict.get("format")
    if fmt is not None:
        try:
            return str(fmt % eventDict)
        except Exception as error:
            return f"Invalid format string or unformattable object in log message: {error}"
    if "log_format" in eventDict:
        return formatEvent(eventDict) or None
    return None


def _loggerNameForSystem(system: Any) -> str:
    if isinstance(system, str) and system != "-" and _SYSTEM_NAME.match(system):
        return f"plait.{system}"
    return "plait"


def msg(*message: Any, **kw: Any) -> None:
    """Log ``message`` (parts joined with spaces); keywords are added to the event.

    ``isError=1`` with ``failure=`` (and ``why=``) logs an error, as `err` does.
    """
    event: EventDict = {**_context.get(), **kw}
    event["message"] = message
    event["time"] = time.time()
    event.setdefault("isError", 0)
    event.setdefault("system", "-")
    isError = bool(event["isError"])
    event.setdefault("log_time", event["time"])
    event.setdefault("log_system", event["system"])
    event.setdefault("log_namespace", "log_legacy")
    if isError and event.get("failure") is not None:
        event.setdefault("log_failure", event["failure"])
    if "log_level" not in event:
        event["log_level"] = LogLevel.error if isError else LogLevel.info
    if "log_format" not in event:
        text = _textWithoutTraceback(event)
        if text is not None:
            event["log_text"] = text
            event["log_format"] = "{log_text}"
    publishToStdlib(event, _loggerNameForSystem(event["system"]))


def _textWithoutTraceback(event: EventDict) -> str | None:
    # The traceback travels as the record's exc_info / the event's log_failure, so the
    # message itself carries only the "why" line for errors.
    if not event.get("message") and event.get("isError") and "failure" in event:
        why = event.get("why")
        return safe_str(why) if why else "Unhandled Error"
    return textFromEventDict(event)


def err(_stuff: Any = None, _why: str | None = None, **kw: Any) -> None:
    """Log an error: a Failure, an exception, or (by default) the exception being handled."""
    if _stuff is None:
        _stuff = Failure()
    if isinstance(_stuff, Failure):
        msg(failure=_stuff, why=_why, isError=1, **kw)
    elif isinstance(_stuff, BaseException):
        msg(failure=Failure(_stuff), why=_why, isError=1, **kw)
    else:
        msg(repr(_stuff), why=_why, isError=1, **kw)


deferr = err


def _toLegacy(event: EventDict) -> EventDict:
    """A copy of ``event`` with the classic keys added (from the `plait.logger` ones)."""
    if "message" in event and "time" in event and "isError" in event:
        return event
    event = dict(event)
    event.setdefault("message", ())
    event.setdefault("time", event.get("log_time") or time.time())
    event.setdefault("system", event.get("log_system") or "-")
    failure = event.get("log_failure")
    if failure is not None:
        event.setdefault("failure", failure)
        event.setdefault("isError", 1)
        event.setdefault("why", formatEvent(event))
    else:
        event.setdefault("isError", 0)
    if "format" not in event and not event["message"] and failure is None:
        event["log_legacy_text"] = formatEvent(event)
        event["format"] = "%(log_legacy_text)s"
    return event


_observers: dict[Callable[[EventDict], None], Callable[[EventDict], None]] = {}


def addObserver(observer: Callable[[EventDict], None]) -> None:
    """Send every event (with the classic keys) to ``observer``."""
    if observer in _observers:
        return

    def wrapper(event: EventDict) -> None:
        observer(_toLegacy(event))

    _observers[observer] = wrapper
    globalLogPublisher.addObserver(wrapper)


def removeObserver(observer: Callable[[EventDict], None]) -> None:
    """Stop sending events to ``observer``."""
    wrapper = _observers.pop(observer, None)
    if wrapper is not None:
        globalLogPublisher.removeObserver(wrapper)


class FileLogObserver:
    """Writes classic log lines, ``<time> [<system>] <text>``, to a text file."""

    timeFormat: str | None = None

    def __init__(self, f: IO[str]) -> None:
        self.write = f.write
        self.flush = getattr(f, "flush", lambda: None)

    def formatTime(self, when: float) -> str:
        """Local time with UTC offset, ``2026-11-21T10:00:00+0000``, or `timeFormat`."""
        if self.timeFormat is not None:
            return time.strftime(self.timeFormat, time.localtime(when))
        return formatTime(when)

    def emit(self, eventDict: EventDict) -> None:
        """Write one event (continuation lines indented with a tab)."""
        text = textFromEventDict(eventDict)
        if text is None:
            return
        line = f"{self.formatTime(eventDict['time'])} [{eventDict['system']}] "
        self.write(line + text.replace("\n", "\n\t") + "\n")
        self.flush()

    __call__ = emit

    def start(self) -> None:
        """Start observing the log."""
        addObserver(self.emit)

    def stop(self) -> None:
        """Stop observing the log."""
        removeObserver(self.emit)


class PythonLoggingObserver:
    """Twisted's bridge to stdlib logging, which in plait is always on.

    plait already makes one stdlib record per event, so `start` and `stop` do nothing
    and `emit` forwards only events handed to it directly; programs that set this up for
    Twisted keep working and log each event once.
    """

    def __init__(self, loggerName: str = "twisted") -> None:
        self.loggerName = loggerName

    def emit(self, eventDict: EventDict) -> None:
        """Forward an event given directly (not one already in stdlib logging)."""
        from plait.logger._bridge import isDeliveringFromStdlib

        if not isDeliveringFromStdlib():
            publishToStdlib(_toLegacy(dict(eventDict)), self.loggerName)

    def start(self) -> None:
        """Nothing to do: plait logs through stdlib logging already."""

    def stop(self) -> None:
        """Nothing to do."""


_started: list[Callable[[EventDict], None]] = []


def _redirectStandardIO() -> None:
    sys.stdout = logfile
    sys.stderr = logerr


def startLoggingWithObserver(
    observer: Callable[[EventDict], None], setStdout: bool = True
) -> None:
    """Make ``observer`` the primary log destination (replacing an earlier one)."""
    for previous in _started:
        removeObserver(previous)
    _started[:] = [observer]
    addObserver(observer)
    if setStdout:
        _redirectStandardIO()
    msg("Log opened.")


def startLogging(file: IO[str], *a: Any, setStdout: bool = True, **kw: Any) -> None:
    """Write classic log lines to ``file``; with ``setStdout`` also log what is printed.

    Calling it again replaces the previous file rather than logging to both.
    """
    observer = FileLogObserver(file)
    startLoggingWithObserver(observer.emit, setStdout)


logfile = LoggingFile(_NewLogger("stdout"), LogLevel.info)
"""A file whose lines are logged at INFO (what ``setStdout`` puts in ``sys.stdout``)."""

logerr = LoggingFile(_NewLogger("stderr"), LogLevel.error)
"""A file whose lines are logged at ERROR (what ``setStdout`` puts in ``sys.stderr``)."""
