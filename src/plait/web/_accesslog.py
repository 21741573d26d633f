"""Access-log lines in the combined log format, and where they go.

Twisted's formatters are kept (``combinedLogFormatter``, ``proxiedLogFormatter``, same text),
including the quoted client address. A line is only formatted when someone will read it: a
log file was given, or the ``plait.access`` logger is enabled for INFO.
"""

from __future__ import annotations

import logging
import time
from typing import IO, Any

from plait.web._date import datetimeToLogString

__all__ = [
    "AccessLog",
    "combinedLogFormatter",
    "datetimeToLogString",
    "proxiedLogFormatter",
]

accessLogger = logging.getLogger("plait.access")


def _escape(value: bytes | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, bytes):
        value = value.decode("iso-8859-1")
    # repr-style escaping keeps control characters out of the log; quotes are escaped too.
    return repr(value)[1:-1].replace('"', '\\"')


def _format(timestamp: str, request: Any, ip: str) -> str:
    referrer = _escape(request.getHeader(b"referer"))
    agent = _escape(request.getHeader(b"user-agent"))
    length = request.sentLength
    return (
        f'"{ip}" - - {timestamp} "{_escape(request.method)} {_escape(request.uri)} '
        f'{_escape(request.clientproto)}" {request.code} {length or "-"} '
        f'"{referrer}" "{agent}"'
    )


def combinedLogFormatter(timestamp: str, request: Any) -> str:
    """Format *request* as a combined-log-format line (Twisted's text, client IP quoted)."""
    address = request.getClientAddress()
    ip = getattr(address, "host", None)
    return _format(timestamp, request, ip if isinstance(ip, str) else "-")


def proxiedLogFormatter(timestamp: str, request: Any) -> str:
    """Like `combinedLogFormatter`, with the client taken from ``X-Forwarded-For``."""
    forwarded = request.getHeader(b"x-forwarded-for")
    ip = forwarded.split(b",")[0].strip().decode("iso-8859-1") if forwarded else "-"
    return _format(timestamp, request, ip)


class AccessLog:
    """Writes one line per finished request to a file or to the ``plait.access`` logger."""

    def __init__(self, logPath: str | None = None, formatter: Any = None) -> None:
        self.formatter = formatter or combinedLogFormatter
        self.logPath = logPath
        self._file: IO[str] | None = None
        self._stampSecond = -1
        self._stamp = ""

    def _timestamp(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._stampSecond:
            self._stampSecond = second
            self._stamp = datetimeToLogString(now)
        return self._stamp

    def enabled(self) -> bool:
        """Whether a line would be written anywhere."""
        return self.logPath is not None or accessLogger.isEnabledFor(logging.INFO)

    def log(self, request: Any) -> None:
        """Write the line for *request*, if anyone reads it."""
        if self.logPath is None:
            if accessLogger.isEnabledFor(logging.INFO):
                accessLogger.info(self.formatter(self._timestamp(), request))
            return
        if self._file is None:
            self._file = open(self.logPath, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        self._file.write(self.formatter(self._timestamp(), request) + "\n")

    def close(self) -> None:
        """Close the log file, if one is open."""
        if self._file is not None:
            self._file.close()
            self._file = None
