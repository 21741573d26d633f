"""Structured logging with Twisted's ``twisted.logger`` API, as a bridge onto ``logging``.

Each `Logger` call makes one stdlib `logging.LogRecord` on the logger
``plait.<namespace>`` (namespaces already under ``plait`` are used as they are), with
the Twisted event dict as ``record.plait_event``; configure ``logging.getLogger("plait")``
to see everything.  Observers added with ``globalLogPublisher.addObserver`` or
``globalLogBeginner.beginLoggingTo`` are fed by one handler on that logger, installed
only while observers exist, so no event reaches any destination twice.
"""

from plait.logger._beginner import LogBeginner, LoggingFile, globalLogBeginner
from plait.logger._bridge import globalLogPublisher, stdlibLoggerName
from plait.logger._filter import FilteringLogObserver, LogLevelFilterPredicate, PredicateResult
from plait.logger._format import (
    eventAsText,
    extractField,
    formatEvent,
    formatEventAsClassicLogText,
    formatTime,
    timeFormat,
    timeFormatRFC3339,
)
from plait.logger._json import (
    eventAsJSON,
    eventFromJSON,
    eventsFromJSONLogFile,
    jsonFileLogObserver,
)
from plait.logger._levels import InvalidLogLevelError, LogLevel
from plait.logger._logger import Logger
from plait.logger._observer import (
    FileLogObserver,
    ILogObserver,
    LimitedHistoryLogObserver,
    LogPublisher,
    textFileLogObserver,
)
from plait.logger._stdlib import STDLibLogObserver

__all__ = [
    "FileLogObserver",
    "FilteringLogObserver",
    "ILogObserver",
    "InvalidLogLevelError",
    "LimitedHistoryLogObserver",
    "LogBeginner",
    "LogLevel",
    "LogLevelFilterPredicate",
    "LogPublisher",
    "Logger",
    "LoggingFile",
    "PredicateResult",
    "STDLibLogObserver",
    "eventAsJSON",
    "eventAsText",
    "eventFromJSON",
    "eventsFromJSONLogFile",
    "extractField",
    "formatEvent",
    "formatEventAsClassicLogText",
    "formatTime",
    "globalLogBeginner",
    "globalLogPublisher",
    "jsonFileLogObserver",
    "stdlibLoggerName",
    "textFileLogObserver",
    "timeFormat",
    "timeFormatRFC3339",
]
