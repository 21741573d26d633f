"""``STDLibLogObserver``: Twisted's observer that forwards events to stdlib ``logging``."""

from __future__ import annotations

from zope.interface import implementer

from plait.logger._bridge import isDeliveringFromStdlib, publishToStdlib
from plait.logger._observer import ILogObserver, LogEvent

__all__ = ["STDLibLogObserver"]


@implementer(ILogObserver)
class STDLibLogObserver:
    """Sends events to the stdlib logger ``name`` (default: by namespace, under ``plait``).

    Events published through `globalLogPublisher` are already in stdlib logging, so when
    this observer is added there it lets those pass rather than log them twice; it
    forwards only events given to it directly (``Logger(observer=...)``).
    """

    def __init__(self, name: str | None = None, stackDepth: int = 0) -> None:
        self.name = name

    def __call__(self, event: LogEvent) -> None:
        """Forward ``event`` unless it came from stdlib logging in the first place."""
        if isDeliveringFromStdlib():
            return
        publishToStdlib(event, self.name)
