"""`DirectoryLister`: the HTML page listing a directory served by `plait.web.static.File`.

Every name is escaped for HTML in the text and percent-encoded in the link (``:`` too, so
a file called ``javascript:x`` is a relative link, never a URL scheme).
"""

from __future__ import annotations

import functools
import html
import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote_from_bytes, unquote

from plait.web import _mime
from plait.web.resource import Resource

__all__ = ["DirectoryLister", "defaultContentTypes"]


@functools.cache
def defaultContentTypes() -> dict[str, str]:
    """The process-wide extension table (`plait.web._mime.loadMimeTypes`), built once."""
    return _mime.loadMimeTypes()


def _text(name: str) -> str:
    """*name* as displayable text: undecodable bytes (surrogate escapes) become U+FFFD."""
    return os.fsencode(name).decode("utf-8", "replace")


class DirectoryLister(Resource):
    """Renders an HTML table of a directory: directories first, then files, each sorted.

    ``DirectoryLister(pathname, dirs=None, contentTypes=None, contentEncodings=None,
    defaultType=None)``; ``dirs`` restricts the listing to those names (as
    `File.directoryListing` passes them, with hidden names already left out).
    """

    template = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>%(header)s</title>
<style>
body { font-family: sans-serif; margin: 0; background-color: #fafafa; }
h1 { padding: 0.3em; margin: 0; background-color: #555; color: white; font-size: 1.3em; }
table { margin: 1em auto; border-collapse: collapse; min-width: 50%%; }
th, td { padding: 0.2em 0.8em; text-align: left; }
.odd { background-color: #eee; }
.even { background-color: #fff; }
</style>
</head>
<body>
<h1>%(header)s</h1>
<table>
<thead><tr><th>Filename</th><th>Size</th><th>Content type</th><th>Content encoding</th></tr>
</thead>
<tbody>
%(tableContent)s</tbody>
</table>
</body>
</html>
"""
    """The page; ``%(header)s`` and ``%(tableContent)s`` are filled in (already escaped)."""

    linePattern = (
        '<tr class="%(class)s"><td><a href="%(href)s">%(text)s</a></td>'
        "<td>%(size)s</td><td>%(type)s</td><td>%(encoding)s</td></tr>\n"
    )
    """One row; every value is escaped before it is put in."""

    def __init__(
        self,
        pathname: str,
        dirs: Sequence[str | bytes] | None = None,
        contentTypes: Mapping[str, str] | None = None,
        contentEncodings: Mapping[str, str] | None = None,
        defaultType: str | None = None,
    ) -> None:
        super().__init__()
        self.path = os.fsdecode(pathname)
        self.dirs = dirs
        self.contentTypes = defaultContentTypes() if contentTypes is None else contentTypes
        self.contentEncodings = (
            _mime.contentEncodings if contentEncodings is None else contentEncodings
        )
        self.defaultType = defaultType or "application/octet-stream"

    def _getFilesAndDirectories(
        self, directory: Sequence[str | bytes]
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """Rows for the sub-directories and for the files of *directory* (a list of names)."""
        dirs: list[dict[str, str]] = []
        files: list[dict[str, str]] = []
        for entry in directory:
            name = os.fsdecode(entry)
            href = html.escape(quote_from_bytes(os.fsencode(name), safe=""), quote=True)
            text = html.escape(_text(name), quote=True)
            child = os.path.join(self.path, name)
            try:
                isdir = os.path.isdir(child)
                size = 0 if isdir else os.path.getsize(child)
            except OSError:
                continue  # gone, or a broken link: nothing to offer
            if isdir:
                row = {"text": text + "/", "href": href + "/", "size": "", "type": "[Directory]"}
                row["encoding"] = ""
                dirs.append(row)
                continue
            kind, encoding = _mime.getTypeAndEncoding(
                name, self.contentTypes, self.contentEncodings, self.defaultType
            )
            files.append(
                {
                    "text": text,
                    "href": href,
                    "size": _mime.formatFileSize(size),
                    "type": html.escape(f"[{kind}]"),
                    "encoding": html.escape(f"[{encoding}]") if encoding else "",
                }
            )
        return dirs, files

    def _buildTableContent(self, elements: list[dict[str, str]]) -> list[str]:
        """The table rows, alternately of class ``odd`` and ``even``."""
        rows = []
        for index, element in enumerate(elements):
            element["class"] = "even" if index % 2 else "odd"
            rows.append(self.linePattern % element)
        return rows

    def render(self, request: Any) -> bytes:
        """The listing page for ``request.uri``."""
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        if self.dirs is None:
            directory: Sequence[str | bytes] = sorted(os.listdir(self.path))
        else:
            directory = self.dirs
        dirs, files = self._getFilesAndDirectories(directory)
        path = bytes(request.uri).split(b"?", 1)[0].decode("utf-8", "replace")
        header = html.escape(f"Directory listing for {unquote(path, errors='replace')}")
        page = self.template % {
            "header": header,
            "tableContent": "".join(self._buildTableContent(dirs + files)),
        }
        return page.encode("utf-8")

    def __repr__(self) -> str:
        return f"<DirectoryLister of {self.path!r}>"

    __str__ = __repr__
