"""HTTP dates: IMF-fixdate output, the three RFC 9110 input formats, a per-second cache."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from typing import Final

__all__ = [
    "DateCache",
    "datetimeToLogString",
    "datetimeToString",
    "parseHTTPDate",
    "stringToDatetime",
    "timegm",
]

_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_MONTH_NUMBER: Final = {name.encode(): number for number, name in enumerate(_MONTHS, 1)}
_SHORT_DAYS: Final = frozenset(day.encode() for day in _WEEKDAYS)
_LONG_DAYS: Final = frozenset(
    (b"Monday", b"Tuesday", b"Wednesday", b"Thursday", b"Friday", b"Saturday", b"Sunday")
)


def timegm(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """Seconds since the epoch for a UTC date and time (ValueError if out of range)."""
    if not (1 <= month <= 12 and 1 <= day <= 31 and 0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError("date out of range")
    if not 0 <= second <= 60:  # 60: a leap second, as RFC 9110's grammar allows
        raise ValueError("date out of range")
    if day > calendar.monthrange(year, month)[1]:
        raise ValueError("day out of range for month")
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


def datetimeToString(msSinceEpoch: float | None = None) -> bytes:
    """Format a time (seconds since the epoch, now by default) as an IMF-fixdate."""
    if msSinceEpoch is None:
        msSinceEpoch = time.time()
    t = time.gmtime(msSinceEpoch)
    return (
        f"{_WEEKDAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    ).encode("ascii")


def datetimeToLogString(msSinceEpoch: float | None = None) -> str:
    """Format a time as in the combined access log: ``[10/Jun/2026:14:05:09 +0000]``."""
    if msSinceEpoch is None:
        msSinceEpoch = time.time()
    t = time.gmtime(msSinceEpoch)
    return (
        f"[{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year:04d}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000]"
    )


def parseHTTPDate(value: bytes | str, strict: bool = True) -> int | None:
    """Parse an HTTP-date (RFC 9110 §5.6.7) into seconds since the epoch; None if invalid.

    Reads the preferred IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``) and the two obsolete
    forms recipients must still accept: RFC 850 (``Sunday, 06-Nov-94 08:49:37 GMT``) and
    asctime (``Sun Nov  6 08:49:37 1994``). *strict* follows the grammar to the letter
    (case-sensitive names, two-digit days, two-digit RFC 850 years), as conditional requests
    need; ``strict=False`` also takes any case, one-digit days and four-digit RFC 850 years,
    as Twisted's ``stringToDatetime`` does.
    """
    if isinstance(value, str):
        if not value.isascii():
            return None
        value = value.encode("ascii")
    parts = value.split()
    if not strict:
        parts = [part.capitalize() for part in parts]
    dayDigits = (2,) if strict else (1, 2)
    gmt = b"GMT" if strict else b"Gmt"  # what "GMT" looks like after capitalize()
    if len(parts) == 6 and parts[0].endswith(b",") and parts[0][:-1] in _SHORT_DAYS:
        _, day, month, year, clock, zone = parts
        if zone != gmt:
            return None
        return _timestamp(
            _digits(year, (4,)), _MONTH_NUMBER.get(month), _digits(day, dayDigits), _clock(clock)
        )
    if len(parts) == 4 and parts[0].endswith(b",") and parts[0][:-1] in _LONG_DAYS:
        _, date, clock, zone = parts
        pieces = date.split(b"-")
        if zone != gmt or len(pieces) != 3:
            return None
        fullYear = _digits(pieces[2], (2,) if strict else (2, 4))
        if fullYear is None:
            return None
        if fullYear < 100:
            # RFC 9110: a two-digit year more than 50 years in the future is in the past century.
            thisYear = time.gmtime().tm_year
            fullYear += thisYear - thisYear % 100
            if fullYear > thisYear + 50:
                fullYear -= 100
        monthName = pieces[1] if strict else pieces[1].capitalize()
        return _timestamp(
            fullYear, _MONTH_NUMBER.get(monthName), _digits(pieces[0], dayDigits), _clock(clock)
        )
    if len(parts) == 5 and parts[0] in _SHORT_DAYS:
        _, month, day, clock, year = parts
        return _timestamp(
            _digits(year, (4,)), _MONTH_NUMBER.get(month), _digits(day, (1, 2)), _clock(clock)
        )
    return None


def _digits(text: bytes, counts: tuple[int, ...]) -> int | None:
    if len(text) not in counts or not text.isdigit():
        return None
    return int(text)


def _clock(text: bytes) -> tuple[int, int, int] | None:
    parts = text.split(b":")
    if len(parts) != 3:
        return None
    hour, minute, second = (_digits(part, (2,)) for part in parts)
    if hour is None or minute is None or second is None:
        return None
    return hour, minute, second


def _timestamp(
    year: int | None, month: int | None, day: int | None, clock: tuple[int, int, int] | None
) -> int | None:
    if year is None or month is None or day is None or clock is None or year < 1:
        return None
    try:
        return timegm(year, month, day, *clock)
    except ValueError:
        return None


def stringToDatetime(dateString: bytes | str) -> int:
    """Parse an HTTP date (IMF-fixdate, RFC 850 or asctime form) to seconds since the epoch.

    Lenient as Twisted's is about case and digit counts (see `parseHTTPDate`); raises
    ValueError for anything that is not a date.
    """
    seconds = parseHTTPDate(dateString, strict=False)
    if seconds is None:
        raise ValueError(f"not an HTTP date: {dateString!r}")
    return seconds


class DateCache:
    """The current ``Date`` header value, formatted at most once per second.

    *clock* returns seconds since the epoch (``time.time`` by default; tests pass a fake).
    """

    __slots__ = ("_clock", "_second", "_value")

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._second = -1
        self._value = b""

    def __call__(self) -> bytes:
        """The IMF-fixdate for the current second."""
        second = int(self._clock())
        if second != self._second:
            self._value = datetimeToString(second)
            self._second = second
        return self._value
