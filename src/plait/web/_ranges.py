"""Byte-range requests (RFC 9110 section 14), as pure functions.

`parse_range_header` turns a ``Range`` field value and a representation size into a
`RangePlan`: ignore the header (serve the whole representation with 200), answer 416, or
serve one range or several (``multipart/byteranges``) with 206.  `multipart_byteranges_plan`
computes every byte of multipart framing up front so a server can stream the parts straight
from the file, and know the exact ``Content-Length`` before sending the first byte.

Ranges are ``(first, last)`` pairs of *inclusive* byte offsets, as HTTP writes them:
``bytes=0-0`` is the pair ``(0, 0)`` and selects one byte.

Policy against abuse (the shape of CVE-2011-3192, where Apache answered hundreds of small
overlapping ranges with a response many times the size of the file):

- more than ``max_ranges`` range specs in one header: ignored, the whole file is served;
- overlapping and adjacent ranges are coalesced, so the parts never repeat a byte;
- ranges whose requested lengths add up to more than the representation (which can only
  happen when they overlap) are a shape no honest client sends: ignored as well.

With those rules a multipart response is never larger than the file plus ``max_ranges``
part headers.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass

__all__ = [
    "DEFAULT_MAX_RANGES",
    "IGNORE",
    "UNSATISFIABLE",
    "RangeOutcome",
    "RangePlan",
    "content_range",
    "multipart_byteranges_plan",
    "new_boundary",
    "parse_range_header",
    "unsatisfied_content_range",
]

# Apache answered CVE-2011-3192 with a MaxRanges knob (default 200).  Real clients (media
# players, PDF readers, download resumers) ask for one range, occasionally a handful; 16
# leaves room for those while keeping the worst-case multipart overhead (16 part headers)
# small.  Beyond the cap we serve the whole file, which RFC 9110 section 14.2 permits.
DEFAULT_MAX_RANGES = 16

# Numbers longer than this are clipped without being converted: int() of a huge digit string
# is quadratic (and refused beyond 4300 digits), and no file has a 20-digit size.
_MAX_DIGITS = 19

_OWS = b" \t"


class RangeOutcome(enum.Enum):
    """What the server should do with a ``Range`` header."""

    IGNORE = "ignore"
    """Serve the whole representation with 200, as if there were no ``Range`` header."""
    UNSATISFIABLE = "unsatisfiable"
    """Answer 416 with ``Content-Range: bytes */size``."""
    SINGLE = "single"
    """Answer 206 with one ``Content-Range`` and the bytes of ``ranges[0]``."""
    MULTIPLE = "multiple"
    """Answer 206 with a ``multipart/byteranges`` body, one part per range."""


@dataclass(frozen=True, slots=True)
class RangePlan:
    """The decision for one ``Range`` header: an outcome and its sorted, disjoint ranges."""

    outcome: RangeOutcome
    ranges: tuple[tuple[int, int], ...] = ()

    @property
    def length(self) -> int:
        """The number of representation bytes the ranges select (framing excluded)."""
        return sum(last - first + 1 for first, last in self.ranges)


IGNORE = RangePlan(RangeOutcome.IGNORE)
"""The plan that says: serve the whole representation."""
UNSATISFIABLE = RangePlan(RangeOutcome.UNSATISFIABLE)
"""The plan that says: answer 416."""


def _number(digits: bytes, cap: int) -> int | None:
    """Parse ``1*DIGIT`` strictly, clipping values above ``cap``; None when not digits."""
    # bytes.isdigit() is ASCII-only, so signs, underscores, spaces and non-ASCII digits,
    # all of which int() would accept, are refused here.
    if not digits or not digits.isdigit():
        return None
    significant = digits.lstrip(b"0")
    if len(significant) > _MAX_DIGITS:
        return cap
    return min(int(significant or b"0"), cap)


def _magnitude(digits: bytes) -> tuple[int, bytes]:
    """A sort key for digit strings that orders them numerically, however long."""
    significant = digits.lstrip(b"0")
    return len(significant), significant


def _parse_specs(range_set: bytes, max_ranges: int) -> list[tuple[int | None, int | None]] | None:
    """Split a range-set into (first, last) specs; None when malformed or too many.

    ``(None, n)`` is a suffix range of length ``n``; ``(a, None)`` is open-ended.  Values
    are clipped to a large cap here; `_resolve` clips them to the representation.
    """
    cap = 10**_MAX_DIGITS
    specs: list[tuple[int | None, int | None]] = []
    for element in range_set.split(b","):
        element = element.strip(_OWS)
        if not element:
            # RFC 9110 section 5.6.1: recipients accept empty list elements.
            continue
        if len(specs) == max_ranges:
            return None
        first_text, dash, last_text = element.partition(b"-")
        if not dash:
            return None
        if not first_text:
            suffix = _number(last_text, cap)
            if suffix is None:
                return None
            specs.append((None, suffix))
            continue
        first = _number(first_text, cap)
        if first is None:
            return None
        if not last_text:
            specs.append((first, None))
            continue
        last = _number(last_text, cap)
        if last is None or _magnitude(last_text) < _magnitude(first_text):
            return None
        specs.append((first, last))
    return specs or None


def _resolve(spec: tuple[int | None, int | None], size: int) -> tuple[int, int] | None:
    """Turn one spec into an inclusive range within ``[0, size)``; None if unsatisfiable."""
    first, last = spec
    if first is None:
        assert last is not None
        if last == 0 or size == 0:
            return None
        return (max(size - last, 0), size - 1)
    if first >= size:
        return None
    if last is None or last >= size:
        return (first, size - 1)
    return (first, last)


def _coalesce(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort ranges and merge those that overlap or touch."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def parse_range_header(value: bytes, size: int, max_ranges: int = DEFAULT_MAX_RANGES) -> RangePlan:
    """Decide how to answer the ``Range`` field ``value`` for a representation of ``size`` bytes.

    Never raises on any ``value``: every malformed, foreign-unit or abusive header is
    `IGNORE` (serve the whole representation).  The caller is responsible for If-Range
    (see `plait.web._conditional.if_range_allows`) and for only applying this to GET.
    """
    if size < 0:
        raise ValueError(f"size must not be negative, not {size}")
    unit, equals, range_set = value.partition(b"=")
    if not equals or unit.strip(_OWS).lower() != b"bytes":
        return IGNORE
    specs = _parse_specs(range_set, max_ranges)
    if specs is None:
        return IGNORE
    satisfiable: list[tuple[int, int]] = []
    for spec in specs:
        resolved = _resolve(spec, size)
        if resolved is not None:
            satisfiable.append(resolved)
    if not satisfiable:
        if size == 0 and any(first is None and last for first, last in specs):
            # RFC 9110 section 14.1.1: on an empty representation a non-zero suffix range is
            # satisfiable, but no Content-Range can describe zero bytes: send the (empty)
            # whole.
            return IGNORE
        return UNSATISFIABLE
    if sum(last - first + 1 for first, last in satisfiable) > size:
        return IGNORE
    merged = _coalesce(satisfiable)
    if len(merged) == 1:
        return RangePlan(RangeOutcome.SINGLE, (merged[0],))
    return RangePlan(RangeOutcome.MULTIPLE, tuple(merged))


def content_range(first: int, last: int, size: int) -> bytes:
    """The ``Content-Range`` value for the inclusive range ``first``-``last`` of ``size``."""
    if not 0 <= first <= last < size:
        raise ValueError(f"range {first}-{last} is not within a representation of {size}")
    return b"bytes %d-%d/%d" % (first, last, size)


def unsatisfied_content_range(size: int) -> bytes:
    """The ``Content-Range`` value of a 416 response: ``bytes */size``."""
    return b"bytes */%d" % (size,)


def new_boundary() -> bytes:
    """A fresh random multipart boundary (32 hex digits, never found by chance in a file)."""
    return secrets.token_hex(16).encode("ascii")


_BOUNDARY_CHARS = frozenset(
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? "
)


def multipart_byteranges_plan(
    ranges: tuple[tuple[int, int], ...] | list[tuple[int, int]],
    size: int,
    content_type: bytes | str | None,
    boundary: bytes,
) -> tuple[list[bytes], bytes, int]:
    """Frame a ``multipart/byteranges`` body without touching the data.

    Returns ``(part_headers, closing, content_length)``: the server writes
    ``part_headers[i]`` followed by the bytes of ``ranges[i]`` for each range, then
    ``closing``; ``content_length`` is the exact length of all of that.  The response's
    ``Content-Type`` is ``multipart/byteranges; boundary=<boundary>``.
    """
    if not 1 <= len(boundary) <= 70 or not set(boundary) <= _BOUNDARY_CHARS:
        raise ValueError(f"invalid multipart boundary {boundary!r} (RFC 2046 section 5.1.1)")
    if boundary.endswith(b" "):
        raise ValueError("a multipart boundary must not end with a space")
    if isinstance(content_type, str):
        content_type = content_type.encode("latin-1")
    if content_type is not None and (b"\r" in content_type or b"\n" in content_type):
        raise ValueError(f"content type {content_type!r} contains a line break")
    type_line = b"Content-Type: " + content_type + b"\r\n" if content_type else b""
    headers: list[bytes] = []
    total = 0
    for index, (first, last) in enumerate(ranges):
        head = b"".join(
            [
                b"\r\n" if index else b"",
                b"--",
                boundary,
                b"\r\n",
                type_line,
                b"Content-Range: ",
                content_range(first, last, size),
                b"\r\n\r\n",
            ]
        )
        headers.append(head)
        total += len(head) + last - first + 1
    closing = b"\r\n--" + boundary + b"--\r\n"
    return headers, closing, total + len(closing)
