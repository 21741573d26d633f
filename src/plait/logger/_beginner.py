"""Starting to log: ``LogBeginner`` / ``globalLogBeginner`` and ``LoggingFile``."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import Any

from plait.logger._bridge import globalLogPublisher
from plait.logger._levels import LogLevel
from plait.logger._logger import Logger
from plait.logger._observer import LogObserver, LogPublisher

__all__ = ["LogBeginner", "LoggingFile", "globalLogBeginner"]

_writing = threading.local()


class LoggingFile:
    """A writable text file that logs each line written to it as one event.

    Used in place of ``sys.stdout`` / ``sys.stderr``.  A write made while this same
    file is already logging (a stdlib handler writing to the redirected stream) goes
    to the process's original stream instead, so it can never loop.
    """

    softspace = 0
    closed = False

    def __init__(
        self, logger: Logger, level: LogLevel = LogLevel.info, encoding: str | None = None
    ) -> None:
        self.log = logger
        self.level = level
        self.encoding = encoding or "utf-8"
        self._buffer = ""

    @property
    def name(self) -> str:
        """A descriptive name, as files have."""
        return f"<{type(self).__name__} {self.log.namespace}#{self.level.name}>"

    @property
    def mode(self) -> str:
        """Always ``"w"``."""
        return "w"

    def write(self, message: str | bytes) -> int:
        """Log every complete line of ``message``; keep a partial last line for later."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        text = message.decode(self.encoding, "replace") if isinstance(message, bytes) else message
        if getattr(_writing, "active", False):
            fallback = sys.__stderr__
            if fallback is not None:
                fallback.write(text)
            return len(message)
        self._buffer += text
        lines = self._buffer.split("\n")
        self._buffer = lines.pop()
        _writing.active = True
        try:
            for line in lines:
                self.log.emit(self.level, "{log_io}", log_io=line)
        finally:
            _writing.active = False
        return len(message)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Nothing to flush: partial lines wait for their newline."""

    def close(self) -> None:
        """Mark the file closed."""
        self.closed = True

    def isatty(self) -> bool:
        """Never a terminal."""
        return False

    def fileno(self) -> int:
        """There is no file descriptor behind a log."""
        return -1

    def readable(self) -> bool:
        """Not readable."""
        return False

    def writable(self) -> bool:
        """Writable until closed."""
        return not self.closed


class LogBeginner:
    """Decides where a process's log goes, once, at start-up (``beginLoggingTo``).

    Until then events still reach stdlib ``logging``, whose last-resort handler prints
    warnings and errors to stderr; plait keeps no buffer of earlier events, so
    ``discardBuffer`` is accepted for compatibility and has nothing to discard.
    """

    def __init__(
        self,
        publisher: LogPublisher,
        errorStream: Any = None,
        stdio: Any = sys,
        warningsModule: Any = None,
    ) -> None:
        self._publisher = publisher
        self._stdio = stdio
        self._log = Logger("plait.logger", observer=publisher)
        self._begun: tuple[str, int] | None = None

    def beginLoggingTo(
        self,
        observers: Iterable[LogObserver],
        discardBuffer: bool = False,
        redirectStandardIO: bool = True,
    ) -> None:
        """Send every event to ``observers``; optionally log what is printed to stdio."""
        caller = sys._getframe(1)
        where = (caller.f_code.co_filename, caller.f_lineno)
        if self._begun is not None:
            self._log.warn(
                "Warning: primary log target selected twice at <{fileNow}:{lineNow}> - "
                "previously selected at <{fileThen}:{lineThen}>.  Remove one of the calls "
                "to beginLoggingTo.",
                fileNow=where[0],
                lineNow=where[1],
                fileThen=self._begun[0],
                lineThen=self._begun[1],
            )
        self._begun = where
        for observer in observers:
            self._publisher.addObserver(observer)
        if redirectStandardIO:
            encoding = getattr(self._stdio.stdout, "encoding", None)
            self._stdio.stdout = LoggingFile(Logger("stdout"), LogLevel.info, encoding)
            self._stdio.stderr = LoggingFile(Logger("stderr"), LogLevel.error, encoding)


globalLogBeginner = LogBeginner(globalLogPublisher)
"""The process's `LogBeginner`."""
