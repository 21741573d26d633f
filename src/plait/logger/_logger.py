"""``Logger``: emits Twisted-style events with lazily formatted ``{name}`` messages."""

from __future__ import annotations

import sys
import time
from typing import Any, cast

from plait.logger._bridge import globalLogPublisher
from plait.logger._levels import InvalidLogLevelError, LogLevel
from plait.logger._observer import LogObserver

__all__ = ["Logger"]


def _namespaceFromCallingContext() -> str:
    """The ``__name__`` of the module that called ``Logger()``."""
    return str(sys._getframe(2).f_globals.get("__name__", "__main__"))


class Logger:
    """Emits log events for one namespace (by default, the calling module's name).

    ``Logger().info("{count} items", count=3)`` makes an event whose ``log_format`` is
    rendered only when something reads it.  As a class attribute, ``log = Logger()``
    is a descriptor: ``self.log`` is a Logger whose namespace is ``module.ClassName``
    and whose ``source`` is the instance (the class, if read from the class).

    Events go to ``observer``, by default `globalLogPublisher`, which turns each into
    one stdlib `logging.LogRecord` on the logger ``plait.<namespace>``.
    """

    def __init__(
        self,
        namespace: str | None = None,
        source: object = None,
        observer: LogObserver | None = None,
    ) -> None:
        if namespace is None:
            namespace = _namespaceFromCallingContext()
        self.namespace = namespace
        self.source = source
        self.observer: LogObserver = observer if observer is not None else globalLogPublisher

    def __get__(self, instance: object, owner: type | None = None) -> Logger:
        if owner is None:
            owner = type(instance)
        source: object = owner if instance is None else instance
        return type(self)(f"{owner.__module__}.{owner.__name__}", source, observer=self.observer)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.namespace!r}>"

    def emit(self, level: LogLevel, format: str | None = None, **kwargs: Any) -> None:
        """Emit an event at ``level``; ``kwargs`` become event keys usable in ``format``."""
        # Checked at run time too: a wrong level is reported rather than raised.
        if not isinstance(cast(object, level), LogLevel):
            from plait.python.failure import Failure

            self.failure(
                "Got invalid log level {invalidLevel!r}.",
                Failure(InvalidLogLevelError(level)),
                level=LogLevel.error,
                invalidLevel=level,
                invalidFormat=format,
            )
            return
        event = kwargs
        event.update(
            log_logger=self,
            log_level=level,
            log_namespace=self.namespace,
            log_source=self.source,
            log_format=format,
            log_time=time.time(),
        )
        trace = event.get("log_trace")
        if isinstance(trace, list):
            trace.append((self, self.observer))
        self.observer(event)

    def failure(
        self,
        format: str,
        failure: Any = None,
        level: LogLevel = LogLevel.critical,
        **kwargs: Any,
    ) -> None:
        """Log a Failure (default: the exception being handled) with its traceback."""
        if failure is None:
            from plait.python.failure import Failure

            failure = Failure()
        self.emit(level, format, log_failure=failure, **kwargs)

    def debug(self, format: str | None = None, **kwargs: Any) -> None:
        """Emit at `LogLevel.debug`."""
        self.emit(LogLevel.debug, format, **kwargs)

    def info(self, format: str | None = None, **kwargs: Any) -> None:
        """Emit at `LogLevel.info`."""
        self.emit(LogLevel.info, format, **kwargs)

    def warn(self, format: str | None = None, **kwargs: Any) -> None:
        """Emit at `LogLevel.warn`."""
        self.emit(LogLevel.warn, format, **kwargs)

    def error(self, format: str | None = None, **kwargs: Any) -> None:
        """Emit at `LogLevel.error`."""
        self.emit(LogLevel.error, format, **kwargs)

    def critical(self, format: str | None = None, **kwargs: Any) -> None:
        """Emit at `LogLevel.critical`."""
        self.emit(LogLevel.critical, format, **kwargs)
