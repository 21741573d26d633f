"""Small wire helpers ``twisted.web.http`` exports: chunk framing and header parsing.

plait's own server frames chunks in `_h1`; these exist so programs and tests written against
Twisted's module-level helpers keep working.
"""

from __future__ import annotations

from urllib.parse import ParseResultBytes
from urllib.parse import urlparse as _stdlibUrlparse

__all__ = ["fromChunk", "parseContentRange", "toChunk", "urlparse"]


def toChunk(data: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """Frame *data* as one HTTP/1.1 chunk: ``(hex size, CRLF, data, CRLF)``."""
    return b"%x" % len(data), b"\r\n", data, b"\r\n"


def fromChunk(data: bytes) -> tuple[bytes, bytes]:
    """Split one chunk off the front of *data*: ``(chunk payload, the bytes after it)``.

    Chunk extensions are not understood. Raises `ValueError` for a malformed chunk.
    """
    size, rest = data.split(b"\r\n", 1)
    # int(x, 16) would accept "+a", " a" and "0x_a": a chunk size is bare hex digits only.
    if not size or size.strip(b"0123456789abcdefABCDEF"):
        raise ValueError(f"invalid chunk size {size!r}")
    length = int(size, 16)
    if rest[length : length + 2] != b"\r\n":
        raise ValueError("chunk must end with CRLF")
    return rest[:length], rest[length + 2 :]


def parseContentRange(header: str) -> tuple[int, int, int | None]:
    """Parse ``bytes START-END/LENGTH`` into ``(start, end, length)``; length ``*`` is None."""
    unit, spec = header.strip().split()
    if unit.lower() != "bytes":
        raise ValueError(f"a range of type {unit!r} is not supported")
    span, total = spec.split("/")
    first, last = span.split("-")
    return int(first), int(last), None if total == "*" else int(total)


def urlparse(url: bytes | str) -> ParseResultBytes:
    """`urllib.parse.urlparse` for bytes only: a `str` URL raises `TypeError`."""
    if isinstance(url, str):
        raise TypeError("url must be bytes, not str")
    return _stdlibUrlparse(url)
