"""Log levels: Twisted's ``LogLevel`` constants, each tied to a stdlib ``logging`` level."""

from __future__ import annotations

import enum
import logging

__all__ = ["InvalidLogLevelError", "LogLevel"]


class InvalidLogLevelError(Exception):
    """Someone tried to log at something that is not a `LogLevel`."""

    def __init__(self, level: object) -> None:
        super().__init__(str(level))
        self.level = level


class LogLevel(enum.Enum):
    """Severity of a log event, ordered: ``debug < info < warn < error < critical``.

    A member's ``value`` is the matching stdlib level number (``LogLevel.warn.value ==
    logging.WARNING``), which is the level of the `logging.LogRecord` plait makes.
    """

    debug = logging.DEBUG
    info = logging.INFO
    warn = logging.WARNING
    error = logging.ERROR
    critical = logging.CRITICAL

    @classmethod
    def levelWithName(cls, name: str) -> LogLevel:
        """Return the level called ``name``; `InvalidLogLevelError` if there is none."""
        try:
            return cls[name]
        except KeyError:
            raise InvalidLogLevelError(name) from None

    @classmethod
    def iterconstants(cls) -> list[LogLevel]:
        """All levels, least severe first."""
        return list(cls)

    @classmethod
    def fromStdlib(cls, levelno: int) -> LogLevel:
        """The `LogLevel` for a stdlib level number (custom numbers round down)."""
        best = cls.debug
        for level in cls:
            if level.value <= levelno:
                best = level
        return best

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, LogLevel):
            return NotImplemented
        return self.value < other.value

    def __le__(self, other: object) -> bool:
        if not isinstance(other, LogLevel):
            return NotImplemented
        return self.value <= other.value

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, LogLevel):
            return NotImplemented
        return self.value > other.value

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, LogLevel):
            return NotImplemented
        return self.value >= other.value

    def __repr__(self) -> str:
        return f"<LogLevel={self.name}>"
