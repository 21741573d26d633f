"""Turning event dicts into text: ``formatEvent``, ``eventAsText`` and friends."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from plait.python.reflect import safe_repr, safe_str

__all__ = [
    "eventAsText",
    "extractField",
    "formatEvent",
    "formatEventAsClassicLogText",
    "formatTime",
    "formatTraceback",
    "timeFormat",
    "timeFormatRFC3339",
]

timeFormat = "%Y-%m-%dT%H:%M:%S%z"
"""The default ``strftime`` format of timestamps in text logs."""

timeFormatRFC3339 = timeFormat
"""Twisted's name for the RFC 3339 ``strftime`` format (the default, `timeFormat`)."""


class _EventFormatter(string.Formatter):
    """PEP 3101 formatting whose field names are keys of the event.

    A field ending in ``()`` is called, as Twisted allows (``"{request.getHost()}"``).
    """

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, int):
            raise KeyError(f"positional field {{{key}}} in a log format")
        return kwargs[key]

    def get_field(
        self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> tuple[Any, str]:
        call = field_name.endswith("()")
        if call:
            field_name = field_name[:-2]
        value, first = super().get_field(field_name, args, kwargs)
        if call:
            value = value()
        return value, first


_formatter = _EventFormatter()


def extractField(field: str, event: Mapping[str, Any]) -> Any:
    """The value the format field *field* (``"key"``, ``"obj.attr"``, ``"seq[0]!r"``) names.

    A conversion (``!r``, ``!s``, ``!a``) gives a string; a missing key raises `KeyError`.
    """
    [(_, name, _spec, conversion)] = _formatter.parse("{" + field + "}")
    if name is None:
        raise KeyError(field)
    value, _ = _formatter.get_field(name, (), event)
    return _formatter.convert_field(value, conversion) if conversion else value


def formatEvent(event: Mapping[str, Any]) -> str:
    """Render the event's ``log_format`` with the event's own keys as the fields.

    Events from the legacy ``plait.python.log`` API (``message`` or ``format`` keys, no
    ``log_format``) are rendered the way that API does.  Never raises: a broken format
    gives a line saying so.
    """
    try:
        fmt = event.get("log_format")
        if fmt is None:
            return _legacyText(event)
        if isinstance(fmt, bytes):
            fmt = fmt.decode("utf-8", "replace")
        if not isinstance(fmt, str):
            return f"Log format must be str, not {type(fmt).__name__}"
        return _formatter.vformat(fmt, (), event)
    except Exception as error:
        return f"Unable to format event {safe_repr(dict(event))}: {safe_str(error)}"


def _legacyText(event: Mapping[str, Any]) -> str:
    message = event.get("message")
    if message:
        return " ".join(safe_str(part) for part in message)
    fmt = event.get("format")
    if isinstance(fmt, str):
        return fmt % event
    return ""


def formatTraceback(failure: Any) -> str:
    """The failure's traceback text, or a note saying why it could not be had."""
    try:
        return str(failure.getTraceback())
    except Exception as error:
        return f"(UNABLE TO OBTAIN TRACEBACK FROM EVENT): {safe_str(error)}"


def formatTime(when: float | None, timeFormat: str | None = timeFormat, default: str = "-") -> str:
    """Local time of the POSIX timestamp ``when``, with its UTC offset; ``default`` if None."""
    if timeFormat is None or when is None:
        return default
    return datetime.fromtimestamp(when).astimezone().strftime(timeFormat)


def _formatSystem(event: Mapping[str, Any]) -> str:
    system = event.get("log_system")
    if system is not None:
        return safe_str(system)
    namespace = event.get("log_namespace", "-")
    level = event.get("log_level")
    levelName = getattr(level, "name", None) or "-"
    return f"{namespace}#{levelName}"


def eventAsText(
    event: Mapping[str, Any],
    includeTraceback: bool = True,
    includeTimestamp: bool = True,
    includeSystem: bool = True,
    formatTime: Any = formatTime,
) -> str:
    """One event as text: ``"<time> [<system>] <message>"`` plus any failure's traceback.

    The system is ``log_system`` if set, else ``"<namespace>#<level>"``.
    """
    text = formatEvent(event)
    if includeTraceback and "log_failure" in event:
        text = "\n".join((text, formatTraceback(event["log_failure"])))
    if not text:
        return text
    prefix = ""
    if includeTimestamp:
        prefix += formatTime(event.get("log_time")) + " "
    if includeSystem:
        prefix += f"[{_formatSystem(event)}] "
    return prefix + text


def formatEventAsClassicLogText(
    event: Mapping[str, Any], formatTime: Any = formatTime
) -> str | None:
    """One event as a classic Twisted log line (continuation lines indented), or None."""
    text = eventAsText(event, formatTime=formatTime)
    if not text:
        return None
    return text.rstrip("\n").replace("\n", "\n\t") + "\n"
