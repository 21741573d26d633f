"""Content types and encodings of static files, by file name.

`loadMimeTypes` builds the extension table `plait.web.static.File` uses, without touching
the global state of the stdlib `mimetypes` module (Twisted's version calls
``mimetypes.init``, which rewrites that module's tables for the whole process).

No ``; charset=utf-8`` is added to ``text/*`` types: the table maps a name to a type and
knows nothing of the bytes inside the file, which may be Latin-1, Shift_JIS or anything
else, and a wrong charset is worse than none (the browser's sniffing can still get it
right).  Twisted sends the bare type as well, so the headers stay byte-for-byte the same.
A server that knows its files are UTF-8 can say so by passing types to ``File``.
"""

from __future__ import annotations

import mimetypes
import os
import sys
from collections.abc import Iterable, Mapping

__all__ = [
    "EXTRA_TYPES",
    "contentEncodings",
    "formatFileSize",
    "getTypeAndEncoding",
    "loadMimeTypes",
]

EXTRA_TYPES: Mapping[str, str] = {
    # Twisted's extras, kept so a plait site sends what a Twisted site sent.
    ".conf": "text/plain",
    ".diff": "text/plain",
    ".flac": "audio/x-flac",
    ".java": "text/plain",
    ".oz": "text/x-oz",
    ".swf": "application/x-shockwave-flash",
    ".wml": "text/vnd.wap.wml",
    ".xul": "application/vnd.mozilla.xul+xml",
    ".patch": "text/plain",
    # Plain text that browsers should show rather than download.
    ".log": "text/plain",
    ".ini": "text/plain",
    ".cfg": "text/plain",
    ".md": "text/markdown",  # RFC 7763
    ".markdown": "text/markdown",
    # Today's web: types missing from (or outdated in) the stdlib table of Python 3.11.
    ".js": "text/javascript",  # RFC 9239 made text/javascript the one true type
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",  # browsers refuse to stream-compile any other type
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".apng": "image/apng",
    ".jxl": "image/jxl",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".opus": "audio/ogg",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".ogv": "video/ogg",
    ".webm": "video/webm",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".yaml": "application/yaml",  # RFC 9512
    ".yml": "application/yaml",
    ".toml": "application/toml",
}
"""Types plait adds to (and prefers over) the stdlib's and the system's tables."""

contentEncodings: dict[str, str] = {
    ".gz": "gzip",
    ".br": "br",
    ".zst": "zstd",
    ".bz2": "bzip2",
}
"""File suffixes served as-is with a ``Content-Encoding`` (``x.html.gz`` is gzipped HTML)."""


def _builtin_types() -> dict[str, str]:
    """The stdlib's built-in table (strict and common types), without any system file."""
    table = mimetypes.MimeTypes(filenames=())
    types = {ext.lower(): kind for ext, kind in table.types_map[False].items()}
    types.update((ext.lower(), kind) for ext, kind in table.types_map[True].items())
    return types


def _read_mime_types(locations: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
    """Read mime.types files (``type ext ext ...`` lines, ``#`` comments), later ones winning.

    Files that do not exist are skipped, as Twisted (through ``mimetypes.init``) does.
    """
    types: dict[str, str] = {}
    for location in locations:
        if not os.path.isfile(location):
            continue
        with open(location, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                words = line.split("#", 1)[0].split()
                for ext in words[1:]:
                    types["." + ext.lower().lstrip(".")] = words[0]
    return types


def loadMimeTypes(
    mimetype_locations: Iterable[str | os.PathLike[str]] | None = None,
) -> dict[str, str]:
    """Build a fresh extension -> content type table (keys like ``".html"``, lower-case).

    With no ``mimetype_locations``: the stdlib's built-in table, then the system's
    mime.types files (and the registry on Windows), then `EXTRA_TYPES` on top, since the
    extras exist to correct old system tables.  With ``mimetype_locations``: the built-in
    table, then `EXTRA_TYPES`, then those files on top, since a file the caller names is
    the caller's deliberate choice.
    """
    types = _builtin_types()
    if mimetype_locations is None:
        types.update(_read_mime_types(mimetypes.knownfiles))
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            registry = mimetypes.MimeTypes(filenames=())
            registry.read_windows_registry()
            types.update((e.lower(), t) for e, t in registry.types_map[True].items())
        types.update(EXTRA_TYPES)
    else:
        types.update(EXTRA_TYPES)
        types.update(_read_mime_types(mimetype_locations))
    return types


def getTypeAndEncoding(
    filename: str | bytes,
    types: Mapping[str, str],
    encodings: Mapping[str, str],
    defaultType: str | None,
) -> tuple[str | None, str | None]:
    """The content type and content encoding of ``filename``.

    ``x.html.gz`` -> ``("text/html", "gzip")``; ``x.html`` -> ``("text/html", None)``;
    an unknown extension gets ``defaultType``.  Extensions are matched case-insensitively.
    """
    name = os.fsdecode(filename)
    stem, ext = os.path.splitext(name)
    ext = ext.lower()
    encoding = encodings.get(ext)
    if encoding is not None:
        ext = os.path.splitext(stem)[1].lower()
    return types.get(ext, defaultType), encoding


def formatFileSize(size: int) -> str:
    """A short human size for directory listings: ``512B``, ``3K``, ``12M``, ``2G``.

    Rounds down, in powers of 1024, like Twisted's listing.
    """
    for unit, scale in (("B", 1), ("K", 1024), ("M", 1024**2)):
        if size < scale * 1024:
            return f"{size // scale}{unit}"
    return f"{size // 1024**3}G"
