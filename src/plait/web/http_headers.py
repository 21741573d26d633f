"""HTTP header storage: Twisted's ``twisted.web.http_headers`` API, bytes inside."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Final, TypeVar, overload

__all__ = ["Headers", "InvalidHeaderName"]

_T = TypeVar("_T")

_TOKEN: Final = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE: Final = re.compile(rb"[\r\n\x00]")

# Names whose conventional spelling is not plain Title-Case.
_SPECIAL_NAMES: Final[dict[bytes, bytes]] = {
    b"content-md5": b"Content-MD5",
    b"dnt": b"DNT",
    b"etag": b"ETag",
    b"p3p": b"P3P",
    b"te": b"TE",
    b"www-authenticate": b"WWW-Authenticate",
    b"x-xss-protection": b"X-XSS-Protection",
}
_MAX_CACHED_NAMES: Final = 10000
_canonicalCache: dict[bytes, bytes] = {}


class InvalidHeaderName(ValueError):
    """A header name that is not an RFC 9110 token."""


def _canonicalName(lowered: bytes) -> bytes:
    """The conventional capitalisation of a lower-cased header name (``Content-Type``)."""
    name = _canonicalCache.get(lowered)
    if name is not None:
        return name
    name = _SPECIAL_NAMES.get(lowered)
    if name is None:
        if lowered.startswith(b"sec-websocket-"):
            name = b"-".join(part.capitalize() for part in lowered[14:].split(b"-"))
            name = b"Sec-WebSocket-" + name
        else:
            name = b"-".join(part.capitalize() for part in lowered.split(b"-"))
    if len(_canonicalCache) < _MAX_CACHED_NAMES:
        _canonicalCache[lowered] = name
    return name


# Code asks for the same few header names on every request: remember each name's validated,
# lower-cased form so the hot path is one dict lookup instead of a regex match and a copy.
_encodedNames: dict[bytes | str, bytes] = {}


def _encodeName(name: bytes | str) -> bytes:
    """Validate *name* and return it lower-cased, as bytes (str is encoded ISO-8859-1)."""
    lowered = _encodedNames.get(name)
    if lowered is not None:
        return lowered
    raw = name.encode("iso-8859-1") if isinstance(name, str) else name
    if _TOKEN.fullmatch(raw) is None:
        raise InvalidHeaderName(f"invalid header name: {raw[:64]!r}")
    lowered = raw.lower()
    if len(_encodedNames) < _MAX_CACHED_NAMES:
        _encodedNames[name] = lowered
    return lowered


# Header values (bytes) already found free of CR, LF and NUL: responses repeat the same few
# (content types, cache policies), and a set lookup is far cheaper than the scan. Emptied
# when full, so values that never repeat cost only the scan they would have had anyway.
_cleanValues: set[bytes] = set()
_MAX_CLEAN_VALUES: Final = 1000


def _rememberClean(value: bytes) -> None:
    """Note that the bytes *value* holds no CR, LF or NUL."""
    if len(_cleanValues) >= _MAX_CLEAN_VALUES:
        _cleanValues.clear()
    _cleanValues.add(value)


def _encodeValue(value: bytes | str) -> bytes:
    """Validate *value* and return it as bytes (str is encoded UTF-8)."""
    if type(value) is bytes and value in _cleanValues:
        return value
    raw = value.encode("utf-8") if isinstance(value, str) else value
    if _FORBIDDEN_IN_VALUE.search(raw) is not None:
        raise ValueError(f"header value contains CR, LF or NUL: {raw[:64]!r}")
    if type(raw) is bytes and len(raw) <= 200:
        _rememberClean(raw)
    return raw


class Headers:
    """A case-insensitive, multi-valued, ordered mapping of header names to values.

    Names may be given as bytes or str (ISO-8859-1) and must be tokens; values as bytes or
    str (UTF-8) and may not contain CR, LF or NUL (no response splitting): both raise
    `ValueError` otherwise. Names come out in their canonical form (``Content-Type``).
    """

    __slots__ = ("_rawHeaders",)

    def __init__(self, rawHeaders: Mapping[bytes | str, Sequence[bytes | str]] | None = None):
        self._rawHeaders: dict[bytes, list[bytes]] = {}
        if rawHeaders is not None:
            for name, values in rawHeaders.items():
                self.setRawHeaders(name, values)

    @classmethod
    def _fromPairs(cls, pairs: Iterable[tuple[bytes, bytes]]) -> Headers:
        """Build from (name, value) pairs the HTTP parser already validated (no checks)."""
        self = cls.__new__(cls)
        raw: dict[bytes, list[bytes]] = {}
        for name, value in pairs:
            lowered = name.lower()
            values = raw.get(lowered)
            if values is None:
                raw[lowered] = [value]
            else:
                values.append(value)
        self._rawHeaders = raw
        return self

    def __repr__(self) -> str:
        shown = {_canonicalName(name): values for name, values in self._rawHeaders.items()}
        return f"{type(self).__name__}({shown!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._rawHeaders == other._rawHeaders
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def copy(self) -> Headers:
        """An independent copy of these headers."""
        new = type(self).__new__(type(self))
        new._rawHeaders = {name: list(values) for name, values in self._rawHeaders.items()}
        return new

    def hasHeader(self, name: bytes | str) -> bool:
        """True when a header named *name* (any case) is present."""
        return _encodeName(name) in self._rawHeaders

    def removeHeader(self, name: bytes | str) -> None:
        """Remove every value of the header named *name*; absent names are ignored."""
        self._rawHeaders.pop(_encodeName(name), None)

    def setRawHeaders(self, name: bytes | str, values: Sequence[bytes | str]) -> None:
        """Replace the values of *name* with *values* (a sequence of bytes or str)."""
        if isinstance(values, bytes | str):
            raise TypeError("setRawHeaders takes a sequence of values, not a single value")
        encoded = [_encodeValue(value) for value in values]
        self._rawHeaders[_encodeName(name)] = encoded

    def addRawHeader(self, name: bytes | str, value: bytes | str) -> None:
        """Append *value* to the values of *name*."""
        lowered = _encodeName(name)
        encoded = _encodeValue(value)
        values = self._rawHeaders.get(lowered)
        if values is None:
            self._rawHeaders[lowered] = [encoded]
        else:
            values.append(encoded)

    @overload
    def getRawHeaders(self, name: bytes) -> list[bytes] | None: ...
    @overload
    def getRawHeaders(self, name: bytes, default: _T) -> list[bytes] | _T: ...
    @overload
    def getRawHeaders(self, name: str) -> list[str] | None: ...
    @overload
    def getRawHeaders(self, name: str, default: _T) -> list[str] | _T: ...

    def getRawHeaders(
        self, name: bytes | str, default: object = None
    ) -> list[bytes] | list[str] | object:
        """All values of *name*, or *default*; str values (UTF-8) when *name* is a str."""
        values = self._rawHeaders.get(_encodeName(name))
        if values is None:
            return default
        if isinstance(name, str):
            return [value.decode("utf-8", "replace") for value in values]
        return list(values)

    def getAllRawHeaders(self) -> Iterator[tuple[bytes, list[bytes]]]:
        """Iterate over (canonical name, values) pairs in insertion order."""
        for name, values in self._rawHeaders.items():
            yield _canonicalName(name), list(values)

    def _items(self) -> list[tuple[bytes, bytes]]:
        """Every (canonical name, value) pair in order, ready to serialise."""
        items: list[tuple[bytes, bytes]] = []
        cache = _canonicalCache
        for name, values in self._rawHeaders.items():
            canonical = cache.get(name) or _canonicalName(name)
            if len(values) == 1:
                items.append((canonical, values[0]))
            else:
                items.extend([(canonical, value) for value in values])
        return items
