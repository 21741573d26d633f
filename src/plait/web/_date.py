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
    "stringToDatetime",
    "timegm",
]

_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_MONTH_NUMBER: Final = {name.lower(): number for number, name in enumerate(_MONTHS, 1)}
_LONG_WEEKDAYS: Final = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip


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


def _clock(text: str) -> tuple[int, int, int]:
    parts = text.split(":")
    if len(parts) != 3 or not all(len(p) == 2 and p.isdigit() and p.isascii() for p in parts):
        raise ValueError(f"bad time of day: {text!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def _number(text: str, digits: tuple[int, ...]) -> int:
    if len(text) not in digits or not (text.isdigit() and text.isascii()):
        raise ValueError(f"bad number in date: {text!r}")
    return int(text)


def _month(text: str) -> int:
    number = _MONTH_NUMBER.get(text.lower())
    if number is None:
        raise ValueError(f"bad month: {text!r}")
    return number


def stringToDatetime(dateString: bytes | str) -> int:
    """Parse an HTTP date (IMF-fixdate, RFC 850 or asctime form) to seconds since the epoch.

    Raises ValueError for anything else.
    """
    text = dateString.decode("ascii") if isinstance(dateString, bytes) else dateString
    parts = text.split()
    if len(parts) == 6 and parts[0].endswith(","):
        # IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        if parts[0][:-1].lower() not in {d.lower() for d in _WEEKDAYS} or parts[5] != "GMT":
            raise ValueError(f"not an HTTP date: {text!r}")
        day = _number(parts[1], (1, 2))
        month = _month(parts[2])
        year = _number(parts[3], (4,))
        hour, minute, second = _clock(parts[4])
    elif len(parts) == 4 and parts[0].endswith(","):
        # RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        if parts[0][:-1].lower() not in _LONG_WEEKDAYS or parts[3] != "GMT":
            raise ValueError(f"not an HTTP date: {text!r}")
        pieces = parts[1].split("-")
        if len(pieces) != 3:
            raise ValueError(f"not an HTTP date: {text!r}")
        day = _number(pieces[0], (1, 2))
        month = _month(pieces[1])
        year = _number(pieces[2], (2, 4))
        if year < 100:
            # RFC 9110 section 5.6.7: a two-digit year more than 50 years in the future
            # is the most recent past year with the same last two digits.
            century = time.gmtime().tm_year // 100 * 100
            year += century
            if year > time.gmtime().tm_year + 50:
                year -= 100
        hour, minute, second = _clock(parts[2])
    elif len(parts) == 5:
        # asctime: Sun Nov  6 08:49:37 1994
        if parts[0].lower() not in {d.lower() for d in _WEEKDAYS}:
            raise ValueError(f"not an HTTP date: {text!r}")
        month = _month(parts[1])
        day = _number(parts[2], (1, 2))
        hour, minute, second = _clock(parts[3])
        year = _number(parts[4], (4,))
    else:
        raise ValueError(f"not an HTTP date: {text!r}")
    return timegm(year, month, day, hour, minute, second)


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
