"""Resource scripts: Python files that define a resource (Twisted's ``twisted.web.script``).

A ``.rpy`` file is Python run in a fresh namespace holding ``registry`` (the `Registry` of
the File tree it lives in), ``cache()``/``recache()`` and ``__file__``; it must bind
``resource``. `File` runs it through its ``processors`` (``{".rpy": ResourceScript}``), once
per request unless the script calls ``cache()``. An exception in a script is a 500 with
the traceback logged, as for any error in rendering.
"""

from __future__ import annotations

import errno
import html
import logging
import os
from typing import Any

from plait._version import __version__
from plait.python.filepath import FilePath, InsecurePath
from plait.web._constants import NOT_DONE_YET
from plait.web._static_file import Registry
from plait.web.resource import ErrorPage, NoResource, Resource

__all__ = [
    "AlreadyCached",
    "CacheScanner",
    "PythonScript",
    "ResourceScript",
    "ResourceScriptDirectory",
    "ResourceScriptWrapper",
    "noRsrc",
    "rpyNoResource",
]

_log = logging.getLogger("plait.web.script")

rpyNoResource = (
    'You forgot to assign to the variable "resource" in your script, for example: '
    "resource = MyResource()"
)
"""The explanation shown when a script binds no ``resource``."""

noRsrc = ErrorPage(500, "Whoops! Internal Error", rpyNoResource)
"""What a script that binds no ``resource`` serves."""


class AlreadyCached(Exception):
    """Raised by ``cache()`` in a script whose resource is cached already (internal)."""


class CacheScanner:
    """Gives a script ``cache()`` and ``recache()``: keep its resource in the registry."""

    def __init__(self, path: str, registry: Any) -> None:
        self.path = path
        self.registry = registry
        self.doCache = 0

    def cache(self) -> None:
        """Use the cached resource if there is one (the rest of the script is skipped)."""
        cached = self.registry.getCachedPath(self.path)
        if cached is not None:
            raise AlreadyCached(cached)
        self.recache()

    def recache(self) -> None:
        """Cache the resource this run of the script makes."""
        self.doCache = 1


def _run(path: str, namespace: dict[str, Any]) -> None:
    with open(path, "rb") as source:
        code = compile(source.read(), path, "exec", dont_inherit=True)
    exec(code, namespace, namespace)


def ResourceScript(path: str, registry: Any) -> Any:
    """Run the script at *path* and return the ``resource`` it binds."""
    scanner = CacheScanner(path, registry)
    namespace: dict[str, Any] = {
        "__file__": os.fsdecode(path),
        "resource": noRsrc,
        "registry": registry,
        "cache": scanner.cache,
        "recache": scanner.recache,
    }
    try:
        _run(path, namespace)
    except AlreadyCached as cached:
        return cached.args[0]
    rsrc = namespace["resource"]
    if scanner.doCache and rsrc is not noRsrc:
        registry.cachePath(path, rsrc)
    return rsrc


class ResourceScriptWrapper(Resource):
    """Runs the script at *path* for every request (``plait web --resource-script``)."""

    def __init__(self, path: str, registry: Any = None) -> None:
        super().__init__()
        self.path = path
        self.registry = registry if registry is not None else Registry()

    def render(self, request: Any) -> object:
        """Render the script's resource."""
        return ResourceScript(self.path, self.registry).render(request)

    def getChildWithDefault(self, path: bytes, request: Any) -> Any:
        """The child of the script's resource; the resource itself if it is a leaf.

        (Twisted asks a leaf for a child too, so a leaf script answers 404 below its URL.)
        """
        rsrc = ResourceScript(self.path, self.registry)
        if getattr(rsrc, "isLeaf", False):
            request.postpath.insert(0, request.prepath.pop())
            return rsrc
        return rsrc.getChildWithDefault(path, request)


class ResourceScriptDirectory(Resource):
    """Serves every file below directory *pathname* as a resource script."""

    def __init__(self, pathname: str, registry: Any = None) -> None:
        super().__init__()
        self.path = pathname
        self.registry = registry if registry is not None else Registry()

    def getChild(self, path: bytes, request: Any) -> Any:
        """A script, or a sub-directory; 404 for anything else (or outside the directory)."""
        name = os.fsdecode(path)
        if name.startswith("."):
            return NoResource()
        try:
            child = FilePath(self.path).child(name)
        except InsecurePath:
            return NoResource()
        if child.isdir():
            return ResourceScriptDirectory(child.path, self.registry)
        if child.exists():
            return ResourceScript(child.path, self.registry)
        return NoResource()

    def render(self, request: Any) -> object:
        """The directory itself is not a script: 404."""
        return NoResource().render(request)


class PythonScript(Resource):
    """A ``.epy`` file: Python run per request with ``request`` in scope; it writes the body."""

    isLeaf = True

    def __init__(self, filename: str, registry: Any) -> None:
        super().__init__()
        self.filename = filename
        self.registry = registry

    def render(self, request: Any) -> object:
        """Run the script, then finish the request (a 500 if the script raised)."""
        request.setHeader(b"x-powered-by", f"plait/{__version__}".encode("ascii"))
        namespace = {"request": request, "__file__": self.filename, "registry": self.registry}
        try:
            _run(self.filename, namespace)
        except FileNotFoundError:
            return NoResource("File not found.").render(request)
        except OSError as e:
            if e.errno != errno.EACCES:
                raise
            return ErrorPage(403, "Forbidden Resource", "Sorry, resource is forbidden.").render(
                request
            )
        except Exception:
            _log.exception("error in script %s", self.filename)
            if request.startedWriting:
                request.loseConnection()
                return NOT_DONE_YET
            request.setResponseCode(500)
            name = html.escape(os.path.basename(self.filename))
            request.write(f"<p>Error in script {name}.</p>".encode())
        request.finish()
        return NOT_DONE_YET
