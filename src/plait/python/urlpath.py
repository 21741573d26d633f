"""URLs as paths to walk: Twisted's ``twisted.python.urlpath.URLPath``.

Every part is kept as percent-encoded ASCII bytes.  Navigation methods (`URLPath.child`,
`URLPath.sibling`, `URLPath.parent`, `URLPath.here`) drop the query string unless
``keepQuery`` is true and always drop the fragment; `URLPath.click` resolves a relative
reference as RFC 3986 says.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote_to_bytes, urljoin, urlsplit, urlunsplit

__all__ = ["URLPath"]

# Characters RFC 3986 allows raw in a path segment (pchar), plus "%" so that segments
# which are already percent-encoded are not encoded twice (as Twisted does).
_SEGMENT_SAFE = "!$&'()*+,;=:@~%"
# Characters left alone when turning an IRI or a raw URL into URI form.
_URL_SAFE = _SEGMENT_SAFE + "/?#[]"


def _toBytes(value: bytes | str) -> bytes:
    if isinstance(value, bytes):
        return value
    return quote(value, safe=_URL_SAFE).encode("ascii")


def _quoteSegment(segment: bytes | str) -> bytes:
    raw = segment if isinstance(segment, bytes) else segment.encode("utf-8")
    return quote(raw, safe=_SEGMENT_SAFE).encode("ascii")


class URLPath:
    """A URL, with methods that return the URL of a child, sibling, parent or link."""

    def __init__(
        self,
        scheme: bytes | str = b"",
        netloc: bytes | str = b"localhost",
        path: bytes | str = b"",
        query: bytes | str = b"",
        fragment: bytes | str = b"",
    ) -> None:
        self._scheme = _toBytes(scheme) or b"http"
        self._netloc = _toBytes(netloc)
        path = _toBytes(path)
        # A URL with an authority always has at least the root path.
        self._path = path or b"/"
        self._query = _toBytes(query)
        self._fragment = _toBytes(fragment)

    @property
    def scheme(self) -> bytes:
        """The scheme, e.g. ``b"https"``."""
        return self._scheme

    @property
    def netloc(self) -> bytes:
        """The authority: host, and port if one was given (``b"example.com:8080"``)."""
        return self._netloc

    @property
    def path(self) -> bytes:
        """The percent-encoded path, always starting with ``b"/"``."""
        return self._path

    @property
    def query(self) -> bytes:
        """The query string without its ``?``."""
        return self._query

    @property
    def fragment(self) -> bytes:
        """The fragment without its ``#``."""
        return self._fragment

    @classmethod
    def fromString(cls, url: str) -> URLPath:
        """Parse a text URL; characters not allowed in a URL are percent-encoded as UTF-8."""
        if not isinstance(url, str):
            raise ValueError(f"'url' must be a str, not {type(url).__name__}")
        parts = urlsplit(quote(url, safe=_URL_SAFE))
        return cls(parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment)

    @classmethod
    def fromBytes(cls, url: bytes) -> URLPath:
        """Parse a URL given as bytes."""
        if not isinstance(url, bytes):
            raise ValueError(f"'url' must be bytes, not {type(url).__name__}")
        parts = urlsplit(quote(url, safe=_URL_SAFE))
        return cls(parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment)

    @classmethod
    def fromRequest(cls, request: Any) -> URLPath:
        """The URL of the resource rendering ``request`` (its ``prePathURL()``)."""
        url = request.prePathURL()
        if isinstance(url, str):
            return cls.fromString(url)
        return cls.fromBytes(url)

    def pathList(self, unquote: bool = False, copy: bool = True) -> list[bytes]:
        """The path split on ``/`` (a leading ``b""`` for the root), decoded if ``unquote``."""
        segments = self._path.split(b"/")
        if unquote:
            return [unquote_to_bytes(segment) for segment in segments]
        return segments

    def _withPath(self, segments: list[bytes], keepQuery: bool) -> URLPath:
        query = self._query if keepQuery else b""
        return URLPath(self._scheme, self._netloc, b"/".join(segments), query)

    def sibling(self, path: bytes | str, keepQuery: bool = False) -> URLPath:
        """The URL with its last path segment replaced by ``path`` (quoted)."""
        segments = self.pathList()
        segments[-1] = _quoteSegment(path)
        return self._withPath(segments, keepQuery)

    def child(self, path: bytes | str, keepQuery: bool = False) -> URLPath:
        """The URL one segment deeper, named ``path`` (quoted; ``/`` becomes ``%2F``)."""
        segments = self.pathList()
        if segments[-1] == b"":
            segments[-1] = _quoteSegment(path)
        else:
            segments.append(_quoteSegment(path))
        return self._withPath(segments, keepQuery)

    def parent(self, keepQuery: bool = False) -> URLPath:
        """The URL of the parent directory: ``/a/b`` gives ``/``, ``/a/b/`` gives ``/a/``."""
        segments = self.pathList()
        if segments[-1] == b"":
            if len(segments) > 2:
                del segments[-2]
        else:
            segments.pop()
            if len(segments) > 1:
                segments[-1] = b""
        if len(segments) < 2:
            segments = [b"", b""]
        return self._withPath(segments, keepQuery)

    def here(self, keepQuery: bool = False) -> URLPath:
        """The URL of the current directory: ``/a/b`` gives ``/a/``."""
        segments = self.pathList()
        if segments[-1] != b"":
            segments[-1] = b""
        return self._withPath(segments, keepQuery)

    def click(self, st: bytes | str) -> URLPath:
        """Resolve the (possibly relative) link ``st`` against this URL, as a browser would."""
        reference = st.decode("utf-8") if isinstance(st, bytes) else st
        reference = quote(reference, safe=_URL_SAFE)
        resolved = urljoin(str(self), reference)
        parts = urlsplit(resolved)
        return URLPath(parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment)

    def __str__(self) -> str:
        return urlunsplit(
            (
                self._scheme.decode("ascii"),
                self._netloc.decode("ascii"),
                self._path.decode("ascii"),
                self._query.decode("ascii"),
                self._fragment.decode("ascii"),
            )
        )

    def __repr__(self) -> str:
        return (
            f"URLPath(scheme={self._scheme!r}, netloc={self._netloc!r}, path={self._path!r}, "
            f"query={self._query!r}, fragment={self._fragment!r})"
        )

    def _key(self) -> tuple[bytes, ...]:
        return (self._scheme, self._netloc, self._path, self._query, self._fragment)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, URLPath):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())
