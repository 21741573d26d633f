"""Filesystem paths as objects: Twisted's ``twisted.python.filepath.FilePath``.

A `FilePath` holds an absolute path and caches the result of ``stat`` (`FilePath.restat`
refreshes it, `FilePath.changed` forgets it).  `FilePath.child` is the safe way to go
down one level from a name that came off the network: it refuses anything that is not
a single plain name (see its docstring).  Paths are ``str``; ``bytes`` given to the
constructor or to `FilePath.child` are decoded with `os.fsdecode`.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

__all__ = ["FilePath", "InsecurePath", "LinkError", "UnlistableError"]

_WINDOWS = sys.platform == "win32"


class InsecurePath(Exception):
    """A child name would leave its parent directory, or is not a plain name."""


class LinkError(Exception):
    """Walking the tree found a symbolic link loop."""


class UnlistableError(OSError):
    """A directory could not be listed; ``originalException`` says why."""

    def __init__(self, originalException: OSError) -> None:
        super().__init__(originalException.errno, originalException.strerror)
        self.originalException = originalException
        self.filename = originalException.filename


def _text(path: str | bytes | os.PathLike[str]) -> str:
    if isinstance(path, bytes):
        return os.fsdecode(path)
    return os.fspath(path)


# What FilePath._statinfo holds after a stat that found nothing.
_MISSING: Any = 0


class FilePath:
    """An absolute filesystem path with methods to inspect, walk and change it."""

    sep = os.sep

    def __init__(self, path: str | bytes | os.PathLike[str], alwaysCreate: bool = False) -> None:
        self.path: str = os.path.abspath(_text(path))
        self.alwaysCreate = alwaysCreate
        self._statinfo: os.stat_result | None = None

    # -- construction of related paths ----------------------------------------------------

    def clonePath(self, path: str, alwaysCreate: bool = False) -> FilePath:
        """A path object of the same class for ``path``."""
        return type(self)(path, alwaysCreate)

    def _contains(self, path: str) -> bool:
        base = self.path.rstrip(self.sep) + self.sep
        return path == self.path or path.startswith(base)

    def child(self, path: str | bytes) -> FilePath:
        r"""The child called ``path``, which must be one plain name.

        Raises `InsecurePath` for ``""``, ``"."``, ``".."``, a name containing ``/`` or
        ``\\`` (both refused on every OS, since a name from a URL may have been meant for
        Windows), a NUL byte, a ``:`` on Windows, or anything that would end up outside
        this directory.  Symbolic links inside the directory are followed by the
        filesystem as usual; the check is on the path's text.
        """
        name = _text(path)
        if name in ("", ".", ".."):
            raise InsecurePath(f"{name!r} is not a child name")
        if "/" in name or "\\" in name or self.sep in name:
            raise InsecurePath(f"{name!r} contains one or more directory separators")
        if "\x00" in name:
            raise InsecurePath(f"{name!r} contains a NUL byte")
        if _WINDOWS and ":" in name:
            raise InsecurePath(f"{name!r} contains a colon")
        newpath = os.path.abspath(os.path.join(self.path, name))
        if not self._contains(newpath) or newpath == self.path:
            raise InsecurePath(f"{newpath!r} is not a child of {self.path!r}")
        return self.clonePath(newpath)

    def preauthChild(self, path: str | bytes) -> FilePath:
        """A descendant from a relative path that may contain separators (trusted input).

        Still raises `InsecurePath` if the result would be outside this directory.
        """
        relative = _text(path)
        if "\x00" in relative:
            raise InsecurePath(f"{relative!r} contains a NUL byte")
        newpath = os.path.abspath(os.path.join(self.path, os.path.normpath(relative)))
        if not self._contains(newpath):
            raise InsecurePath(f"{newpath!r} is not a child of {self.path!r}")
        return self.clonePath(newpath)

    def childSearchPreauth(self, *paths: str) -> FilePath | None:
        """The first of the (trusted) relative ``paths`` that exists, or None."""
        for candidate in paths:
            found = self.preauthChild(candidate)
            if found.exists():
                return found
        return None

    def sibling(self, path: str | bytes) -> FilePath:
        """The child ``path`` of this path's parent (same checks as `child`)."""
        return self.parent().child(path)

    def siblingExtension(self, ext: str) -> FilePath:
        """This path with ``ext`` appended: ``/a/b`` gives ``/a/b.ext``."""
        return self.clonePath(self.path + ext)

    def siblingExtensionSearch(self, *exts: str) -> FilePath | None:
        """The first existing path of this path plus one of ``exts``; ``"*"`` matches any."""
        for ext in exts:
            if not ext and self.exists():
                return self
            if ext == "*":
                base = self.basename()
                for name in self.parent().listdir():
                    if name.startswith(base + "."):
                        return self.sibling(name)
                continue
            candidate = self.siblingExtension(ext)
            if candidate.exists():
                return candidate
        return None

    def descendant(self, segments: Iterable[str | bytes]) -> FilePath:
        """The path reached by `child` for each of ``segments`` in turn."""
        result = self
        for segment in segments:
            result = result.child(segment)
        return result

    def parent(self) -> FilePath:
        """The containing directory (the root is its own parent)."""
        return self.clonePath(self.dirname())

    def parents(self) -> Iterator[FilePath]:
        """Every ancestor, nearest first, up to the root."""
        current = self
        while True:
            above = current.parent()
            if above.path == current.path:
                return
            yield above
            current = above

    def segmentsFrom(self, ancestor: FilePath) -> list[str]:
        """The names leading from ``ancestor`` down to this path (ValueError if unrelated)."""
        if not isinstance(ancestor, FilePath) or not self._isDescendantOf(ancestor):
            raise ValueError(f"{ancestor!r} is not a parent of {self!r}")
        relative = os.path.relpath(self.path, ancestor.path)
        if relative == os.curdir:
            return []
        return relative.split(self.sep)

    def _isDescendantOf(self, ancestor: FilePath) -> bool:
        return ancestor._contains(self.path)

    def temporarySibling(self, extension: str = "") -> FilePath:
        """A new, unused sibling name; opening it creates it (and fails if it exists)."""
        name = f"{secrets.token_hex(8)}{self.basename()}{extension}"
        sibling = self.sibling(name)
        sibling.requireCreate(True)
        return sibling

    # -- names ----------------------------------------------------------------------------

    def basename(self) -> str:
        """The last path component (``""`` for the root)."""
        return os.path.basename(self.path)

    def dirname(self) -> str:
        """The path of the containing directory, as a string."""
        return os.path.dirname(self.path)

    def splitext(self) -> tuple[str, str]:
        """``(root, ext)`` as `os.path.splitext` gives them."""
        return os.path.splitext(self.path)

    def isabs(self) -> bool:
        """Always true: a FilePath is absolute."""
        return True

    def realpath(self) -> FilePath:
        """This path with every symbolic link resolved; `LinkError` on a loop."""
        try:
            resolved = os.path.realpath(self.path, strict=False)
        except OSError as error:  # pragma: no cover - realpath(strict=False) rarely raises
            raise LinkError(str(error)) from error
        if os.path.islink(resolved):
            raise LinkError(f"cyclical link at {self.path!r}")
        return self.clonePath(resolved)

    # -- stat -----------------------------------------------------------------------------

    def restat(self, reraise: bool = True) -> None:
        """Refresh the cached ``stat``; if it fails, remember "missing" and maybe re-raise."""
        try:
            self._statinfo = os.stat(self.path)
        except OSError:
            self._statinfo = _MISSING
            if reraise:
                raise

    def changed(self) -> None:
        """Forget the cached ``stat`` (the file was changed behind our back)."""
        self._statinfo = None

    def _stat(self) -> os.stat_result:
        st = self._statinfo
        if not st:
            self.restat()
            st = self._statinfo
        assert st  # restat() raised otherwise
        return st

    def _statOrNone(self) -> os.stat_result | None:
        if self._statinfo is None:
            self.restat(False)
        return self._statinfo or None

    def exists(self) -> bool:
        """Whether something is at this path (a broken symlink counts as absent)."""
        return self._statOrNone() is not None

    def isdir(self) -> bool:
        """Whether this is a directory (or a link to one)."""
        st = self._statOrNone()
        return st is not None and stat.S_ISDIR(st.st_mode)

    def isfile(self) -> bool:
        """Whether this is a regular file (or a link to one)."""
        st = self._statOrNone()
        return st is not None and stat.S_ISREG(st.st_mode)

    def isBlockDevice(self) -> bool:
        """Whether this is a block device."""
        st = self._statOrNone()
        return st is not None and stat.S_ISBLK(st.st_mode)

    def isSocket(self) -> bool:
        """Whether this is a UNIX socket."""
        st = self._statOrNone()
        return st is not None and stat.S_ISSOCK(st.st_mode)

    def islink(self) -> bool:
        """Whether this path is itself a symbolic link (never cached)."""
        return os.path.islink(self.path)

    def getsize(self) -> int:
        """Size in bytes."""
        return self._stat().st_size

    def getModificationTime(self) -> float:
        """Last modification time, seconds since the epoch."""
        return self._stat().st_mtime

    def getStatusChangeTime(self) -> float:
        """Last status change time, seconds since the epoch."""
        return self._stat().st_ctime

    def getAccessTime(self) -> float:
        """Last access time, seconds since the epoch."""
        return self._stat().st_atime

    def getInodeNumber(self) -> int:
        """The inode number."""
        return self._stat().st_ino

    def getDevice(self) -> int:
        """The device the file is on."""
        return self._stat().st_dev

    def getNumberOfHardLinks(self) -> int:
        """How many hard links point at the file."""
        return self._stat().st_nlink

    def getUserID(self) -> int:
        """The owner's user id."""
        return self._stat().st_uid

    def getGroupID(self) -> int:
        """The owner's group id."""
        return self._stat().st_gid

    def getPermissions(self) -> int:
        """The permission bits (``0o644`` and so on) of the mode."""
        return stat.S_IMODE(self._stat().st_mode)

    # -- directories ----------------------------------------------------------------------

    def listdir(self) -> list[str]:
        """The names in this directory."""
        return os.listdir(self.path)

    def children(self) -> list[FilePath]:
        """The entries of this directory; `UnlistableError` if it cannot be listed."""
        try:
            names = self.listdir()
        except OSError as error:
            raise UnlistableError(error) from error
        return [self.child(name) for name in names]

    def walk(self, descend: Callable[[FilePath], bool] | None = None) -> Iterator[FilePath]:
        """This path and everything below it, depth first.

        ``descend(path)`` may veto entering a directory.  Raises `LinkError` when a
        symbolic link leads back into a directory being walked.
        """
        yield self
        if not self.isdir():
            return
        seen = {os.path.realpath(self.path)}
        yield from self._walkBelow(descend, seen)

    def _walkBelow(
        self, descend: Callable[[FilePath], bool] | None, seen: set[str]
    ) -> Iterator[FilePath]:
        for child in self.children():
            yield child
            if not child.isdir() or (descend is not None and not descend(child)):
                continue
            real = os.path.realpath(child.path)
            if child.islink() and real in seen:
                raise LinkError(f"cycle in file graph at {child.path!r}")
            yield from child._walkBelow(descend, seen | {real})

    def globChildren(self, pattern: str) -> list[FilePath]:
        """Children matching the shell pattern ``pattern``."""
        matches = glob.glob(os.path.join(glob.escape(self.path), pattern))
        return [self.clonePath(match) for match in sorted(matches)]

    def makedirs(self, ignoreExistingDirectory: bool = False) -> None:
        """Create this directory and its missing parents.

        An existing directory is an error unless ``ignoreExistingDirectory``.
        """
        try:
            os.makedirs(self.path)
        except FileExistsError:
            if not (ignoreExistingDirectory and os.path.isdir(self.path)):
                raise
        finally:
            self.changed()

    def createDirectory(self) -> None:
        """Create this directory (its parent must exist)."""
        os.mkdir(self.path)
        self.changed()

    # -- contents -------------------------------------------------------------------------

    def requireCreate(self, val: bool = True) -> None:
        """Make `open` create the file, failing if it exists."""
        self.alwaysCreate = val

    def create(self) -> IO[bytes]:
        """Exclusively create the file and open it for reading and writing."""
        flags = os.O_EXCL | os.O_CREAT | os.O_RDWR | getattr(os, "O_BINARY", 0)
        fd = os.open(self.path, flags, 0o666)
        self.changed()
        return os.fdopen(fd, "w+b")

    def open(self, mode: str = "r") -> IO[bytes]:
        """Open the file in binary mode (``"r"``, ``"w"``, ``"a"``, with ``"+"`` allowed)."""
        if self.alwaysCreate:
            if "a" in mode:
                raise ValueError("Appending is not supported when alwaysCreate is set")
            return self.create()
        mode = mode.replace("b", "")
        handle = open(self.path, mode + "b")  # noqa: SIM115 - the caller owns the file
        if mode != "r":
            self.changed()
        return handle

    def getContent(self) -> bytes:
        """The whole file's bytes."""
        with self.open() as f:
            return f.read()

    def setContent(self, content: bytes, ext: str = ".new") -> None:
        """Replace the file's contents atomically (write a sibling, then rename over)."""
        sibling = self.temporarySibling(ext)
        try:
            with sibling.open("w") as f:
                f.write(content)
            os.replace(sibling.path, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(sibling.path)
            raise
        finally:
            self.changed()

    def touch(self) -> None:
        """Create the file if missing, and set its times to now."""
        with contextlib.suppress(OSError):
            self.open("a").close()
        os.utime(self.path, None)
        self.changed()

    def remove(self) -> None:
        """Delete the file, or the directory and everything in it (links are not followed)."""
        if self.isdir() and not self.islink():
            for child in self.children():
                child.remove()
            os.rmdir(self.path)
        else:
            os.remove(self.path)
        self.changed()

    def linkTo(self, linkFilePath: FilePath) -> None:
        """Make ``linkFilePath`` a symbolic link to this path."""
        os.symlink(self.path, linkFilePath.path)
        linkFilePath.changed()

    def copyTo(self, destination: FilePath, followLinks: bool = True) -> None:
        """Copy this file or directory tree to ``destination``.

        With ``followLinks`` false, symbolic links are copied as links.
        """
        if self.islink() and not followLinks:
            os.symlink(os.readlink(self.path), destination.path)
        elif self.isdir():
            if not destination.exists():
                destination.createDirectory()
            for child in self.children():
                child.copyTo(destination.child(child.basename()), followLinks)
        elif self.isfile():
            with self.open() as source, destination.open("w") as target:
                shutil.copyfileobj(source, target)
        else:
            raise OSError(errno.EINVAL, "Only copying of files and directories is supported")
        destination.changed()

    def moveTo(self, destination: FilePath, followLinks: bool = True) -> None:
        """Move this path to ``destination`` (copy and delete across filesystems)."""
        try:
            os.rename(self.path, destination.path)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            self.copyTo(destination, followLinks)
            self.remove()
        finally:
            self.changed()
            destination.changed()

    # -- comparison -----------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FilePath):
            return NotImplemented
        return self.path == other.path

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FilePath):
            return NotImplemented
        return self.path < other.path

    def __hash__(self) -> int:
        return hash((FilePath, self.path))

    def __repr__(self) -> str:
        return f"FilePath({self.path!r})"

    def __fspath__(self) -> str:
        return self.path
