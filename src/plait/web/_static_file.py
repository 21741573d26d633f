"""`File`: a file, or a directory tree, served over HTTP (Twisted's ``static.File``).

What Twisted's ``File`` does, plus what RFC 9110 asks of a file server and what a safe one
does by default: strong ETags and every conditional header, ranges with a cap, symlinks
that leave the served tree refused, dotfiles hidden, ``nosniff``, and the body sent with
``sendfile`` where the connection allows (see `plait.web._sendfile`).
"""

from __future__ import annotations

import errno
import functools
import os
import stat
import warnings
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any

from plait.python.components import Componentized
from plait.python.filepath import FilePath, InsecurePath
from plait.web import _mime
from plait.web._conditional import Outcome, evaluate, if_range_allows, make_etag
from plait.web._constants import NOT_DONE_YET
from plait.web._date import datetimeToString
from plait.web._listing import DirectoryLister, defaultContentTypes
from plait.web._ranges import (
    DEFAULT_MAX_RANGES,
    RangeOutcome,
    content_range,
    multipart_byteranges_plan,
    new_boundary,
    parse_range_header,
    unsatisfied_content_range,
)
from plait.web._sendfile import (
    MultipleRangeStaticProducer,
    NoRangeStaticProducer,
    SingleRangeStaticProducer,
    SmallFileProducer,
    StaticProducer,
    ZeroCopyProducer,
)
from plait.web.resource import ForbiddenResource, IResource, NoResource, Resource
from plait.web.util import redirectTo

__all__ = ["File", "Registry", "addSlash"]

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    # Never block the loop on a FIFO swapped in after the regular-file check.
    | getattr(os, "O_NONBLOCK", 0)
)


class Registry(Componentized):
    """A cache shared by a `File` tree and its ``.rpy`` scripts (``registry`` in a script)."""

    def __init__(self) -> None:
        super().__init__()
        self._pathCache: dict[str, Any] = {}

    def cachePath(self, path: str, rsrc: Any) -> None:
        """Remember *rsrc* as the resource of the script at *path*."""
        self._pathCache[path] = rsrc

    def getCachedPath(self, path: str) -> Any:
        """The resource cached for *path*, or None."""
        return self._pathCache.get(path)


def addSlash(request: Any) -> bytes:
    """The request's URI with ``/`` added to its path, the query kept."""
    path, question, query = bytes(request.uri).partition(b"?")
    url = path + b"/" + question + query
    if url.startswith(b"//"):
        # "//host/x" would send the client to another site; "/.//host/x" resolves to the
        # same path on this one.
        url = b"/." + url
    return url


class _ContentTypes:
    """``File.contentTypes``: the extension table, read from the system on first use."""

    def __get__(self, instance: object, owner: type) -> dict[str, str]:
        return defaultContentTypes()


def _requestHeader(request: Any) -> Callable[[bytes], bytes | None]:
    headers = request.requestHeaders

    def get(name: bytes) -> bytes | None:
        values = headers.getRawHeaders(name)
        if not values:
            return None
        return b", ".join(values)

    return get


# Resource's ``children`` dict shadows FilePath's children() method, as in Twisted.
class File(Resource, FilePath):  # type: ignore[misc]
    """Serves the file at *path*, or the tree below the directory at *path*.

    ``File(path, defaultType=None, ignoredExts=(), registry=None, allowExt=0, *,
    followSymlinks=False, allowDotfiles=False)``. Files of unknown type go out as
    *defaultType*, ``application/octet-stream`` when it is None. Symbolic links whose
    target is outside the tree are 404 unless *followSymlinks*; names starting with a dot
    are hidden (404, not listed) unless *allowDotfiles* (``.well-known`` is always served).
    """

    if TYPE_CHECKING:
        contentTypes: dict[str, str]
    else:
        contentTypes = _ContentTypes()
    # Twisted's class-level tables, which subclasses and instances replace (never mutate).
    contentEncodings: dict[str, str] = dict(_mime.contentEncodings)  # noqa: RUF012
    processors: dict[str, Callable[[str, Any], Any]] = {}  # noqa: RUF012
    indexNames: list[str] = ["index", "index.html", "index.htm", "index.rpy"]  # noqa: RUF012
    dotfileExceptions: frozenset[str] = frozenset({".well-known"})
    maxRanges: int = DEFAULT_MAX_RANGES
    type: str | None = None
    encoding: str | None = None
    childNotFound: Any = NoResource("File not found.")
    forbidden: Any = ForbiddenResource()
    _rootReal: str | None = None
    _confineAfterOpen: bool = False
    smallFileSize: int = 32 * 1024
    """Files up to this size are read and sent in one write with the response head."""

    def __init__(
        self,
        path: str | bytes | os.PathLike[str],
        defaultType: str | None = None,
        ignoredExts: Sequence[str] | int = (),
        registry: Registry | None = None,
        allowExt: int = 0,
        *,
        followSymlinks: bool = False,
        allowDotfiles: bool = False,
    ) -> None:
        Resource.__init__(self)
        FilePath.__init__(self, path)
        self.defaultType = defaultType
        if isinstance(ignoredExts, int) or allowExt:
            warnings.warn("ignoredExts should receive a list, not a boolean", stacklevel=2)
            self.ignoredExts: list[str] = ["*"] if ignoredExts or allowExt else []
        else:
            self.ignoredExts = list(ignoredExts)
        self.registry = registry if registry is not None else Registry()
        self.followSymlinks = followSymlinks
        self.allowDotfiles = allowDotfiles

    def clonePath(self, path: str, alwaysCreate: bool = False) -> FilePath:
        """A plain `FilePath` (as Twisted's), not another File."""
        return FilePath(path, alwaysCreate)

    def ignoreExt(self, ext: str) -> None:
        """Serve ``name<ext>`` when ``name`` is asked for (``"*"``: any extension)."""
        self.ignoredExts.append(ext)

    # -- the tree ---------------------------------------------------------------------------

    def _rootPath(self) -> str:
        if self._rootReal is None:
            self._rootReal = os.path.realpath(self.path)
        return self._rootReal

    def _allowedPath(self, path: str) -> bool:
        """Whether *path* resolves inside the served tree (always, with followSymlinks)."""
        if self.followSymlinks:
            return True
        root = self._rootPath()
        real = os.path.realpath(path)
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    def _hidden(self, name: str) -> bool:
        return (
            name.startswith(".") and not self.allowDotfiles and name not in self.dotfileExceptions
        )

    def directoryListing(self) -> Any:
        """The `DirectoryLister` for this directory (hidden names left out)."""
        return DirectoryLister(
            self.path, self.listNames(), self.contentTypes, self.contentEncodings, self.defaultType
        )

    def getChild(self, path: bytes | str, request: Any) -> Any:
        """The File (or processor resource) for the child named *path*, else a 404 page.

        ``""`` (a trailing slash) gives the first index file found, else the listing.
        """
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        self.restat(reraise=False)
        if not self.isdir():
            return self.childNotFound
        found: FilePath | None
        if path:
            if self._hidden(path):
                return self.childNotFound
            try:
                found = self.child(path)
            except InsecurePath:
                return self.childNotFound
        else:
            found = self.childSearchPreauth(*self.indexNames)
            if found is None:
                return self.directoryListing()
        if not found.exists():
            found = found.siblingExtensionSearch(*self.ignoredExts)
            if found is None or self._hidden(found.basename()):
                return self.childNotFound
        extension = found.splitext()[1].lower()
        processor = self._processorFor(extension)
        if processor is None and found.isfile() and _fdPaths():
            # A plain file is confined after it is opened, through the descriptor itself:
            # one readlink instead of an lstat per path component, and no window between
            # the check and the open (see render_GET).
            similar = self.createSimilarFile(found.path)
            similar._confineAfterOpen = not self.followSymlinks
            return similar
        if not self._allowedPath(found.path):
            return self.childNotFound
        if processor is not None:
            return IResource(processor(found.path, self.registry))
        return self.createSimilarFile(found.path)

    def _processorFor(self, extension: str) -> Callable[[str, Any], Any] | None:
        # Case-insensitive everywhere: "x.RPY" must never be served as source.
        for ext, processor in self.processors.items():
            if ext.lower() == extension:
                return processor
        return None

    def listNames(self) -> list[str]:
        """The sorted names of this directory that may be served."""
        if not self.isdir():
            return []
        names = sorted(self.listdir())
        return [
            name
            for name in names
            if not self._hidden(name) and self._allowedPath(os.path.join(self.path, name))
        ]

    def listEntities(self) -> list[File]:
        """A File for each of `listNames`."""
        return [self.createSimilarFile(os.path.join(self.path, n)) for n in self.listNames()]

    def createSimilarFile(self, path: str) -> File:
        """A File for *path* configured as this one (and confined to the same tree)."""
        similar = self.__class__(path, self.defaultType, self.ignoredExts, self.registry)
        similar.processors = self.processors
        similar.indexNames = self.indexNames[:]
        similar.childNotFound = self.childNotFound
        similar.forbidden = self.forbidden
        similar.followSymlinks = self.followSymlinks
        similar.allowDotfiles = self.allowDotfiles
        similar._rootReal = self._rootPath()
        for name in ("contentTypes", "contentEncodings", "dotfileExceptions", "maxRanges"):
            if name in vars(self):
                setattr(similar, name, getattr(self, name))
        return similar

    # -- rendering --------------------------------------------------------------------------

    def openForReading(self) -> IO[bytes]:
        """Open the file for reading (subclasses may decrypt, decompress, ...)."""
        fd = os.open(self.path, _OPEN_FLAGS)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise PermissionError(errno.EACCES, "not a regular file", self.path)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def getFileSize(self) -> int:
        """The size of the file in bytes."""
        return self.getsize()

    def _setContentHeaders(self, request: Any, size: int | None = None) -> None:
        """Content-Length, Content-Type and Content-Encoding for the whole file."""
        if size is None:
            size = self.getFileSize()
        request.setHeader(b"content-length", b"%d" % (size,))
        if self.type:
            request.setHeader(b"content-type", self.type.encode("latin-1"))
        if self.encoding:
            request.setHeader(b"content-encoding", self.encoding.encode("latin-1"))

    def render_GET(self, request: Any) -> object:
        """Send the file (or the ranges asked for), answering conditionals and HEAD."""
        self.restat(False)
        if self.type is None:
            self.type, self.encoding = _mime.getTypeAndEncoding(
                self.basename(),
                self.contentTypes,
                self.contentEncodings,
                self.defaultType or "application/octet-stream",
            )
        if not self.exists():
            return self.childNotFound.render(request)
        if self.isdir():
            return self.redirect(request)
        if not self.isfile():
            return self.forbidden.render(request)
        try:
            fileForReading = self.openForReading()
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EPERM):
                return self.forbidden.render(request)
            if e.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                return self.childNotFound.render(request)
            raise
        if self._confineAfterOpen and not self._openedInside(fileForReading):
            fileForReading.close()
            return self.childNotFound.render(request)
        try:
            return self._renderOpen(request, fileForReading)
        except BaseException:
            fileForReading.close()
            raise

    def _openedInside(self, fileForReading: IO[bytes]) -> bool:
        """Whether the file actually opened lies inside the served tree."""
        try:
            real = os.readlink(f"{_fdPaths()}/{fileForReading.fileno()}")
        except (AttributeError, OSError, ValueError):
            real = os.path.realpath(self.path)
        root = self._rootPath()
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    render_HEAD = render_GET

    def _openStat(self, fileForReading: IO[bytes]) -> os.stat_result:
        try:
            return os.fstat(fileForReading.fileno())
        except (AttributeError, OSError, ValueError):
            return FilePath._stat(self)

    def _renderOpen(self, request: Any, fileForReading: IO[bytes]) -> object:
        st = self._openStat(fileForReading)
        size = st.st_size
        mtime = int(st.st_mtime)
        etag = make_etag(size, st.st_mtime_ns, st.st_ino)
        encoded = getattr(request, "_encoder", None) is not None
        if encoded:
            # A response encoder (gzip) changes the bytes: only a weak validator holds.
            etag = b"W/" + etag
        else:
            request.setHeader(b"accept-ranges", b"bytes")
        request.setHeader(b"last-modified", _httpDate(mtime))
        request.setHeader(b"etag", etag)
        request.setHeader(b"x-content-type-options", b"nosniff")
        outcome = evaluate(request.method, _requestHeader(request), etag, mtime)
        if outcome is not Outcome.PROCEED:
            fileForReading.close()
            request.setResponseCode(outcome.code)
            if outcome is Outcome.PRECONDITION_FAILED:
                request.setHeader(b"content-length", b"0")
            request.finish()
            return NOT_DONE_YET
        if request.method == b"HEAD":
            fileForReading.close()
            self._setContentHeaders(request, size)
            request.finish()
            return NOT_DONE_YET
        producer = self.makeProducer(request, fileForReading)
        if producer is None:
            fileForReading.close()
            request.finish()
            return NOT_DONE_YET
        producer.start()
        return NOT_DONE_YET

    def makeProducer(self, request: Any, fileForReading: IO[bytes]) -> StaticProducer | None:
        """Set the status and content headers and return the producer of the body.

        None when there is no body to send (416). The producer's ``start()`` sends it.
        """
        size = self._openStat(fileForReading).st_size
        header = _requestHeader(request)
        rangeValue = header(b"range")
        plan = None
        if (
            rangeValue is not None
            and getattr(request, "_encoder", None) is None
            and if_range_allows(
                header,
                request.responseHeaders.getRawHeaders(b"etag", [None])[-1],
                _lastModified(request),
            )
        ):
            plan = parse_range_header(rangeValue, size, self.maxRanges)
        if plan is None or plan.outcome is RangeOutcome.IGNORE:
            request.setResponseCode(200)
            self._setContentHeaders(request, size)
            return self._producer(request, fileForReading, [(b"", 0, size)])
        if plan.outcome is RangeOutcome.UNSATISFIABLE:
            request.setResponseCode(416)
            request.setHeader(b"content-range", unsatisfied_content_range(size))
            request.setHeader(b"content-length", b"0")
            return None
        request.setResponseCode(206)
        if plan.outcome is RangeOutcome.SINGLE:
            first, last = plan.ranges[0]
            self._setContentHeaders(request, last - first + 1)
            request.setHeader(b"content-range", content_range(first, last, size))
            return self._producer(request, fileForReading, [(b"", first, last - first + 1)])
        boundary = new_boundary()
        heads, closing, length = multipart_byteranges_plan(plan.ranges, size, self.type, boundary)
        request.setHeader(b"content-type", b"multipart/byteranges; boundary=" + boundary)
        request.setHeader(b"content-length", b"%d" % (length,))
        # Each part is a slice of the stored bytes; the encoding is the parts', not the
        # multipart body's.
        request.responseHeaders.removeHeader(b"content-encoding")
        parts = [
            (head, first, last - first + 1)
            for head, (first, last) in zip(heads, plan.ranges, strict=True)
        ]
        return self._producer(request, fileForReading, parts, closing)

    def _producer(
        self,
        request: Any,
        fileForReading: IO[bytes],
        parts: list[tuple[bytes, int, int]],
        closing: bytes = b"",
    ) -> StaticProducer:
        if len(parts) == 1 and not closing and parts[0][2] <= self.smallFileSize:
            _, offset, count = parts[0]
            return SmallFileProducer(request, fileForReading, offset, count)
        if _zeroCopyPossible(request, fileForReading):
            return ZeroCopyProducer(request, fileForReading, parts, closing)
        if len(parts) > 1 or closing:
            return MultipleRangeStaticProducer(request, fileForReading, parts, closing)
        _, offset, count = parts[0]
        if offset == 0:
            return NoRangeStaticProducer(request, fileForReading, count)
        return SingleRangeStaticProducer(request, fileForReading, offset, count)

    def redirect(self, request: Any) -> bytes:
        """Redirect a directory's URL to the same URL with a trailing slash."""
        return redirectTo(addSlash(request), request)

    def __repr__(self) -> str:
        return f"<File at {self.path!r}>"


def _lastModified(request: Any) -> int | None:
    from plait.web._conditional import parse_http_date

    value = request.responseHeaders.getRawHeaders(b"last-modified", [None])[-1]
    return None if value is None else parse_http_date(value)


@functools.lru_cache(maxsize=4096)
def _httpDate(seconds: int) -> bytes:
    """`datetimeToString` remembered per second: files keep their mtimes."""
    return datetimeToString(seconds)


@functools.cache
def _fdPaths() -> str:
    """Where the kernel shows open descriptors as links to their files ("" if nowhere)."""
    for candidate in ("/proc/self/fd", "/dev/fd"):
        try:
            fd = os.open(os.devnull, os.O_RDONLY)
        except OSError:
            return ""
        try:
            if os.readlink(f"{candidate}/{fd}") == os.devnull:
                return candidate
        except OSError:
            continue
        finally:
            os.close(fd)
    return ""


def _zeroCopyPossible(request: Any, fileForReading: IO[bytes]) -> bool:
    if getattr(request, "_encoder", None) is not None:
        return False
    canSendfile = getattr(request.channel, "canSendfile", None)
    if canSendfile is None or not canSendfile():
        return False
    try:
        fileForReading.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True
