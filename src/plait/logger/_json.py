"""Events as JSON: ``jsonFileLogObserver``, ``eventAsJSON`` and reading them back."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import IO, Any

from plait.logger._format import formatEvent, formatTraceback
from plait.logger._levels import InvalidLogLevelError, LogLevel
from plait.logger._observer import FileLogObserver, LogEvent
from plait.python.reflect import qual

__all__ = ["eventAsJSON", "eventFromJSON", "eventsFromJSONLogFile", "jsonFileLogObserver"]

# Keys holding live objects that say nothing useful once serialized.
_SKIPPED = frozenset({"log_logger", "log_trace"})


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def eventAsJSON(event: LogEvent) -> str:
    """Serialize ``event`` as one line of JSON.

    ``log_level`` becomes its name, ``log_failure`` an object with ``type``, ``value``
    and ``traceback``, and ``log_text`` is added (the rendered message, so it survives
    when ``log_format`` refers to values that cannot be serialized).  Other values that
    JSON cannot hold are left out; ``log_source`` is kept as its ``repr``.
    """
    out: dict[str, Any] = {}
    for key, value in event.items():
        if key in _SKIPPED:
            continue
        if key == "log_level" and isinstance(value, LogLevel):
            out[key] = value.name
        elif key == "log_failure":
            out[key] = {
                "type": qual(value.type) if hasattr(value, "type") else None,
                "value": str(getattr(value, "value", value)),
                "traceback": formatTraceback(value),
            }
        elif key == "log_source" and value is not None and not _jsonable(value):
            out[key] = repr(value)
        elif _jsonable(value):
            out[key] = value
    out.setdefault("log_text", formatEvent(event))
    return json.dumps(out, sort_keys=True, separators=(",", ":"))


def eventFromJSON(eventText: str) -> LogEvent:
    """Parse a line written by `eventAsJSON` back into an event."""
    event: LogEvent = json.loads(eventText)
    level = event.get("log_level")
    if isinstance(level, str):
        with contextlib.suppress(InvalidLogLevelError):
            event["log_level"] = LogLevel.levelWithName(level)
    return event


def jsonFileLogObserver(outFile: IO[str], recordSeparator: str = "") -> FileLogObserver:
    r"""An observer writing each event as one JSON object per line.

    Twisted writes an ASCII record separator (``"\\x1e"``) before each object; plait
    writes plain JSON Lines unless that separator is passed.
    """

    def render(event: LogEvent) -> str:
        return f"{recordSeparator}{eventAsJSON(event)}\n"

    return FileLogObserver(outFile, render)


def eventsFromJSONLogFile(
    inFile: IO[str], recordSeparator: str | None = None, bufferSize: int = 4096
) -> Iterator[LogEvent]:
    """Read back the events a `jsonFileLogObserver` wrote (with or without separators)."""
    text = inFile.read()
    if recordSeparator is None:
        recordSeparator = "\x1e" if text.startswith("\x1e") else "\n"
    for chunk in text.split(recordSeparator):
        chunk = chunk.strip()
        if not chunk:
            continue
        try:
            yield eventFromJSON(chunk)
        except ValueError:
            continue
