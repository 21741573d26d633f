"""Conditional requests (RFC 9110 section 13), as pure functions.

`evaluate` applies the preconditions in the order of RFC 9110 section 13.2.2 and says
whether to proceed, answer 304 or answer 412; `if_range_allows` decides whether a
``Range`` header may be honoured; `make_etag` builds a strong validator for a file.

Headers are read through a callable ``get_header(name) -> bytes | None`` (lower-case
names), so any header container fits.  When a field appears on several lines the caller
joins them with ``", "``, as RFC 9110 section 5.3 allows.

A malformed entity-tag list (``If-Match``/``If-None-Match``) matches nothing: for
``If-Match`` that fails the precondition (412), for ``If-None-Match`` it lets the request
through.  An invalid date in ``If-Modified-Since`` or ``If-Unmodified-Since`` makes the
field ignored, as the RFC requires.
"""

from __future__ import annotations

import calendar
import enum
import functools
import hashlib
import time
from collections.abc import Callable

__all__ = [
    "Outcome",
    "evaluate",
    "if_range_allows",
    "make_etag",
    "parse_entity_tags",
    "parse_http_date",
]

GetHeader = Callable[[bytes], "bytes | None"]


class Outcome(enum.Enum):
    """The verdict of the preconditions of a request."""

    PROCEED = None
    """Preconditions hold (or there are none): handle the request normally."""
    NOT_MODIFIED = 304
    """Answer 304 Not Modified (GET and HEAD only)."""
    PRECONDITION_FAILED = 412
    """Answer 412 Precondition Failed."""

    @property
    def code(self) -> int | None:
        """The status code to answer with, or None to proceed."""
        value: int | None = self.value
        return value


# An entity tag is (weak, opaque-tag including its quotes).
EntityTag = tuple[bool, bytes]


def _etagc_ok(byte: int) -> bool:
    # etagc = %x21 / %x23-7E / obs-text: anything visible but DQUOTE, and no whitespace.
    return byte == 0x21 or 0x23 <= byte <= 0x7E or byte >= 0x80


def _parse_entity_tag(value: bytes, pos: int) -> tuple[EntityTag, int] | None:
    """Parse one entity-tag at ``value[pos:]``; return it and the position after it."""
    weak = value.startswith(b"W/", pos)
    if weak:
        pos += 2
    if pos >= len(value) or value[pos] != 0x22:
        return None
    end = value.find(b'"', pos + 1)
    if end < 0:
        return None
    opaque = value[pos : end + 1]
    if not all(_etagc_ok(byte) for byte in opaque[1:-1]):
        return None
    return (weak, opaque), end + 1


def parse_entity_tags(value: bytes) -> list[EntityTag] | None:
    """Parse ``1#entity-tag`` into ``(weak, opaque-tag)`` pairs; None when malformed.

    The opaque tag keeps its quotes, so ``W/"x"`` gives ``(True, b'"x"')``.  Entity tags
    may contain commas, so this scans rather than splitting on them.
    """
    tags: list[EntityTag] = []
    pos = 0
    length = len(value)
    while True:
        while pos < length and value[pos] in b" \t,":
            pos += 1
        if pos == length:
            return tags or None
        parsed = _parse_entity_tag(value, pos)
        if parsed is None:
            return None
        tag, pos = parsed
        tags.append(tag)
        while pos < length and value[pos] in b" \t":
            pos += 1
        if pos < length and value[pos] != 0x2C:
            return None


def _own_tag(etag: bytes | None) -> EntityTag | None:
    if etag is None:
        return None
    parsed = _parse_entity_tag(etag, 0)
    if parsed is None or parsed[1] != len(etag):
        raise ValueError(f"not an entity-tag: {etag!r} (did you forget the quotes?)")
    return parsed[0]


def _strong_match(a: EntityTag, b: EntityTag) -> bool:
    return not a[0] and not b[0] and a[1] == b[1]


_MONTHS = {
    name: index
    for index, name in enumerate(
        b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
        start=1,
    )
}
_SHORT_DAYS = {b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"}
_LONG_DAYS = {
    b"Monday",
    b"Tuesday",
    b"Wednesday",
    b"Thursday",
    b"Friday",
    b"Saturday",
    b"Sunday",
}


def _digits(text: bytes, count: int) -> int | None:
    if len(text) != count or not text.isdigit():
        return None
    return int(text)


def _clock(text: bytes) -> tuple[int, int, int] | None:
    parts = text.split(b":")
    if len(parts) != 3:
        return None
    values = [_digits(part, 2) for part in parts]
    hour, minute, second = values
    if hour is None or minute is None or second is None:
        return None
    return hour, minute, second


def _timestamp(
    year: int | None, month: int | None, day: int | None, clock: tuple[int, int, int] | None
) -> int | None:
    if year is None or month is None or day is None or clock is None:
        return None
    hour, minute, second = clock
    # Leap second 60 is in the grammar (time-of-day allows it).
    if hour > 23 or minute > 59 or second > 60 or year < 1:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


def parse_http_date(value: bytes) -> int | None:
    """Parse an HTTP-date (RFC 9110 section 5.6.7) into POSIX seconds; None if invalid.

    Accepts the preferred IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``) and the two
    obsolete forms recipients must still read: RFC 850 (``Sunday, 06-Nov-94 08:49:37
    GMT``) and asctime (``Sun Nov  6 08:49:37 1994``).
    """
    parts = value.strip(b" \t").split()
    if len(parts) == 6 and parts[0].endswith(b",") and parts[0][:-1] in _SHORT_DAYS:
        _, day, month, year, clock, zone = parts
        if zone != b"GMT":
            return None
        return _timestamp(_digits(year, 4), _MONTHS.get(month), _digits(day, 2), _clock(clock))
    if len(parts) == 4 and parts[0].endswith(b",") and parts[0][:-1] in _LONG_DAYS:
        _, date, clock, zone = parts
        pieces = date.split(b"-")
        if zone != b"GMT" or len(pieces) != 3:
            return None
        short_year = _digits(pieces[2], 2)
        if short_year is None:
            return None
        # RFC 9110: a two-digit year more than 50 years in the future is in the past century.
        this_year = time.gmtime().tm_year
        full_year = this_year - this_year % 100 + short_year
        if full_year > this_year + 50:
            full_year -= 100
        return _timestamp(full_year, _MONTHS.get(pieces[1]), _digits(pieces[0], 2), _clock(clock))
    if len(parts) == 5 and parts[0] in _SHORT_DAYS:
        _, month, day, clock, year = parts
        if not 1 <= len(day) <= 2:
            return None
        return _timestamp(
            _digits(year, 4), _MONTHS.get(month), _digits(day, len(day)), _clock(clock)
        )
    return None


def _if_match(value: bytes, own: EntityTag | None, exists: bool) -> bool:
    if value.strip(b" \t") == b"*":
        return exists
    tags = parse_entity_tags(value)
    if tags is None or own is None:
        return False
    return any(_strong_match(tag, own) for tag in tags)


def _if_none_match(value: bytes, own: EntityTag | None, exists: bool) -> bool:
    """True when the condition holds, i.e. no listed tag (weakly) matches."""
    if value.strip(b" \t") == b"*":
        return not exists
    tags = parse_entity_tags(value)
    if tags is None or own is None:
        return True
    return all(tag[1] != own[1] for tag in tags)


def evaluate(
    method: bytes,
    get_header: GetHeader,
    etag: bytes | None,
    last_modified: int | None,
    *,
    exists: bool = True,
) -> Outcome:
    """Evaluate the preconditions of a request in RFC 9110 section 13.2.2's order.

    ``etag`` is the selected representation's entity tag with its quotes (``b'"abc"'``,
    or ``b'W/"abc"'`` for a weak one), None when it has none; ``last_modified`` is its
    modification time in whole POSIX seconds, None when unknown.  ``exists`` is False when
    the target has no current representation (``If-Match: *`` fails, ``If-None-Match: *``
    holds).  Range and If-Range (step 5) are left to the caller: see `if_range_allows`.
    """
    own = _own_tag(etag)
    safe = method in (b"GET", b"HEAD")
    # Step 1 and 2: If-Match, else If-Unmodified-Since.
    if_match = get_header(b"if-match")
    if if_match is not None:
        if not _if_match(if_match, own, exists):
            return Outcome.PRECONDITION_FAILED
    else:
        unmodified_since = get_header(b"if-unmodified-since")
        if unmodified_since is not None and last_modified is not None:
            date = parse_http_date(unmodified_since)
            if date is not None and last_modified > date:
                return Outcome.PRECONDITION_FAILED
    # Step 3 and 4: If-None-Match, else If-Modified-Since (GET and HEAD only).
    if_none_match = get_header(b"if-none-match")
    if if_none_match is not None:
        if not _if_none_match(if_none_match, own, exists):
            return Outcome.NOT_MODIFIED if safe else Outcome.PRECONDITION_FAILED
    elif safe and last_modified is not None:
        modified_since = get_header(b"if-modified-since")
        if modified_since is not None:
            date = parse_http_date(modified_since)
            if date is not None and last_modified <= date:
                return Outcome.NOT_MODIFIED
    return Outcome.PROCEED


def if_range_allows(get_header: GetHeader, etag: bytes | None, last_modified: int | None) -> bool:
    """Whether a ``Range`` header may be honoured given ``If-Range`` (RFC 9110 s13.1.5).

    True when there is no ``If-Range``; with an entity tag, only a strong match with
    ``etag``; with a date, only an exact match with ``last_modified``.  Anything else (a
    weak tag, a stale validator, an unparseable value) means: send the whole
    representation.  Only meaningful when the request has a ``Range`` header: RFC 9110
    tells servers to ignore ``If-Range`` without one.
    """
    value = get_header(b"if-range")
    if value is None:
        return True
    value = value.strip(b" \t")
    if value.startswith((b'"', b"W/")):
        own = _own_tag(etag)
        parsed = _parse_entity_tag(value, 0)
        if own is None or parsed is None or parsed[1] != len(value):
            return False
        return _strong_match(parsed[0], own)
    date = parse_http_date(value)
    return date is not None and last_modified is not None and date == last_modified


@functools.lru_cache(maxsize=4096)  # the same files are asked for again and again
def make_etag(size: int, mtime_ns: int, inode: int) -> bytes:
    """A strong, quoted entity tag for a file from its size, mtime and inode.

    The three numbers are hashed rather than printed, so the tag does not disclose inode
    numbers (the reason Apache dropped the inode from its default); any change of the file
    (rewritten in place, replaced by rename, touched) changes the tag.
    """
    digest = hashlib.blake2b(b"%d:%d:%d" % (size, mtime_ns, inode), digest_size=12)
    return b'"' + digest.hexdigest().encode("ascii") + b'"'
