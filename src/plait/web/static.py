"""Static content: files, directory trees and in-memory data (Twisted's ``twisted.web.static``).

`File` serves a file or a directory tree (ranges, conditional requests, listings, ``.rpy``
and other processors, ``sendfile``); `Data` serves bytes held in memory; `DirectoryLister`
renders a directory as HTML.
"""

from __future__ import annotations

import os
from typing import Any

from plait.web._listing import DirectoryLister
from plait.web._mime import formatFileSize, getTypeAndEncoding, loadMimeTypes
from plait.web._sendfile import (
    MultipleRangeStaticProducer,
    NoRangeStaticProducer,
    SingleRangeStaticProducer,
    StaticProducer,
    ZeroCopyProducer,
)
from plait.web._static_file import File, Registry, addSlash
from plait.web.resource import NoResource, Resource
from plait.web.util import redirectTo

__all__ = [
    "Data",
    "DirectoryLister",
    "File",
    "MultipleRangeStaticProducer",
    "NoRangeStaticProducer",
    "Redirect",
    "Registry",
    "SingleRangeStaticProducer",
    "StaticProducer",
    "ZeroCopyProducer",
    "addSlash",
    "dangerousPathError",
    "formatFileSize",
    "getTypeAndEncoding",
    "isDangerous",
    "loadMimeTypes",
]


dangerousPathError = NoResource("Invalid request URL.")
"""The 404 resource Twisted's static module answers a path that climbs out of its root with."""


def isDangerous(path: bytes) -> bool:
    """Whether the path segment *path* could climb out of a directory (``..`` or a separator)."""
    return path == b".." or b"/" in path or os.sep.encode() in path


class Data(Resource):
    """A resource serving *data* (bytes) with content type *type*, for GET and HEAD."""

    def __init__(self, data: bytes, type: str | bytes) -> None:
        super().__init__()
        self.data = data
        self.type = type

    def render_GET(self, request: Any) -> bytes:
        """The data, with its Content-Type and Content-Length."""
        kind = self.type.encode("latin-1") if isinstance(self.type, str) else self.type
        request.setHeader(b"content-type", kind)
        request.setHeader(b"content-length", b"%d" % (len(self.data),))
        if request.method == b"HEAD":
            return b""
        return self.data

    render_HEAD = render_GET


class Redirect(Resource):
    """Redirects to the URL of the request it was made for, with a slash added."""

    def __init__(self, request: Any) -> None:
        super().__init__()
        self.url = addSlash(request)

    def render(self, request: Any) -> bytes:
        """Answer 302 to the remembered URL."""
        return redirectTo(self.url, request)
