"""HTTPFactory: builds an HTTPChannel per connection and holds what they share."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from plait.web._accesslog import AccessLog, accessLogger, combinedLogFormatter
from plait.web._channel import HTTPChannel
from plait.web._limits import Limits

__all__ = ["HTTPFactory"]


class HTTPFactory:
    """A factory of HTTP/1.x channels (Twisted's ``twisted.web.http.HTTPFactory``).

    :param logPath: append access-log lines to this file; ``None`` sends them to the
        ``plait.access`` logger at INFO.
    :param timeout: the idle timeout between requests, in seconds (``Limits.idle_timeout``).
    :param logFormatter: formats access-log lines (default: combined log format).
    :param reactor: kept for compatibility; plait's channels use the running asyncio loop.
    :param limits: every limit of the server (header size, body size, timeouts...).
    """

    protocol: Any = HTTPChannel
    noisy = False
    numPorts = 0

    def __init__(
        self,
        logPath: str | None = None,
        timeout: float | None = None,
        logFormatter: Any = None,
        reactor: Any = None,
        limits: Limits | None = None,
    ) -> None:
        if limits is None:
            limits = Limits()
        if timeout is not None:
            limits = dataclasses.replace(limits, idle_timeout=float(timeout))
        self.limits = limits
        self._reactor = reactor
        self._accessLog = AccessLog(logPath, logFormatter or combinedLogFormatter)
        self._channels: set[HTTPChannel] = set()

    @property
    def openChannels(self) -> frozenset[HTTPChannel]:
        """The connections currently open (for graceful shutdown and tests)."""
        return frozenset(self._channels)

    @property
    def timeOut(self) -> float:
        """The idle timeout in seconds (Twisted's name)."""
        return self.limits.idle_timeout

    @property
    def logPath(self) -> str | None:
        """Where access-log lines go (None: the ``plait.access`` logger)."""
        return self._accessLog.logPath

    @property
    def logFormatter(self) -> Any:
        """The access-log line formatter."""
        return self._accessLog.formatter

    @logFormatter.setter
    def logFormatter(self, formatter: Any) -> None:
        self._accessLog.formatter = formatter

    def requestFactory(self, channel: Any) -> Any:
        """Build the Request for a new request on *channel* (plain http.Request here)."""
        from plait.web._request import Request

        return Request(channel)

    def buildProtocol(self, addr: Any) -> HTTPChannel:
        """A new channel for a connection from *addr*."""
        return self.protocol(self)  # type: ignore[no-any-return]

    def log(self, request: Any) -> None:
        """Write the access-log line for a finished request."""
        accessLog = self._accessLog
        if accessLog.logPath is None and not accessLogger.isEnabledFor(logging.INFO):
            return  # no reader: the usual case, decided here without another call
        accessLog.log(request)

    def doStart(self) -> None:
        """Called when the factory starts listening on a port."""
        self.numPorts += 1
        if self.numPorts == 1:
            self.startFactory()

    def doStop(self) -> None:
        """Called when the factory stops listening on a port."""
        if self.numPorts > 0:
            self.numPorts -= 1
            if self.numPorts == 0:
                self.stopFactory()

    def startFactory(self) -> None:
        """Hook: the first port started listening."""

    def stopFactory(self) -> None:
        """Hook: the last port stopped listening; closes the access log file."""
        self._accessLog.close()
