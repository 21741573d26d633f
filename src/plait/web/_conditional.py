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

import enum
import functools
import hashlib
from collections.abc import Callable

from plait.web._date import parseHTTPDate

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


def parse_http_date(value: bytes) -> int | None:
    """Parse an HTTP-date (RFC 9110 section 5.6.7) into POSIX seconds; None if invalid.

    The strict grammar of `plait.web._date.parseHTTPDate`: IMF-fixdate, RFC 850 and asctime.
    """
    return parseHTTPDate(value, strict=True)


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


def if_none_match_matches(value: bytes, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` *value* names *etag* (weak comparison; ``*`` matches).

    A malformed list matches nothing, so the request goes through (RFC 9110 §13.1.2).
    """
    try:
        own = _own_tag(etag)
    except ValueError:
        own = None
    return not _if_none_match(value, own, True)


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
