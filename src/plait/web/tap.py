"""Build the site ``plait web`` serves (the counterpart of Twisted's ``twisted.web.tap``).

`makeRoot` turns parsed options (`plait.cli._options.WebOptions`) into a root resource as
``twistd web`` does: a `~plait.web.static.File` for ``--path`` (``.rpy`` and ``.epy``
processors included), ``Class()`` for ``--class``, a `~plait.web.script.ResourceScriptWrapper`
for ``--resource-script``, and a small page saying plait works when nothing was chosen.
`makeSite` wraps the root in a `~plait.web.server.Site` with the access log, the extra
headers, the tracebacks setting and the limits. The static and script modules are imported
only when a root needs them.
"""

from __future__ import annotations

import html
import os
import sys
from typing import TYPE_CHECKING, Any

from plait._version import __version__
from plait.web.resource import Resource

if TYPE_CHECKING:
    from plait.cli._options import WebOptions
    from plait.web.server import Site

__all__ = ["BuildError", "DefaultPage", "makeRoot", "makeSite"]


class BuildError(Exception):
    """The site cannot be built from the options; the message is one line for the user."""


class DefaultPage(Resource):
    """The page served when no root was chosen: plait works, and how to serve something."""

    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        """A short HTML page with the version and the next steps."""
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        body = (
            "<!DOCTYPE html><html><head><title>plait works</title></head><body>"
            f"<h1>plait works</h1><p>plait {html.escape(__version__)} is serving this page "
            "because no site was given.</p><ul>"
            "<li><code>plait web --path DIR</code> serves the files in DIR</li>"
            "<li><code>plait web --class mymodule.Root</code> serves a resource class</li>"
            "<li><code>plait web --help</code> lists every option</li>"
            "</ul></body></html>"
        )
        return body.encode("utf-8")

    render_HEAD = render_GET


class _AddHeadersResource(Resource):
    """Adds fixed headers to every response, then hands traversal to the real root."""

    def __init__(self, original: Any, headers: list[tuple[bytes, bytes]]) -> None:
        super().__init__()
        self.original = original
        self.headers = headers

    def getChildWithDefault(self, path: bytes, request: Any) -> Any:
        """Add the headers, then traverse the original root."""
        for name, value in self.headers:
            request.responseHeaders.addRawHeader(name, value)
        if getattr(self.original, "isLeaf", False):
            # A leaf root renders the whole path itself: give back the segment just taken.
            request.postpath.insert(0, request.prepath.pop())
            return self.original
        return self.original.getChildWithDefault(path, request)


def _named(option: str, name: str) -> Any:
    from plait.python.reflect import namedAny

    # As twistd does: modules in the current folder can be named.
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return namedAny(name)
    except Exception as e:
        raise BuildError(f"{option}: cannot import {name!r}: {e}") from None


def _fileRoot(options: WebOptions) -> Any:
    from plait.web import script
    from plait.web.static import File

    assert options.path is not None
    root = File(os.path.abspath(options.path))
    processors: dict[str, Any] = {".rpy": script.ResourceScript, ".epy": script.PythonScript}
    for ext, name in options.processors.items():
        processors[ext] = _named("--processor", name)
    root.processors = processors
    if options.mimeType is not None:
        root.defaultType = options.mimeType
    if options.allowIgnoreExt:
        root.ignoreExt("*")
    for ext in options.ignoreExt:
        root.ignoreExt(ext)
    if options.index:
        root.indexNames = list(options.index)
    return root


def makeRoot(options: WebOptions) -> Any:
    """The root resource the options ask for; `BuildError` if it cannot be made."""
    if options.wsgi is not None:
        raise BuildError(
            "--wsgi is not available yet: plait has no WSGI container (plait.web.wsgi) so far"
        )
    if options.path is not None:
        return _fileRoot(options)
    if options.className is not None:
        factory = _named("--class", options.className)
        try:
            return factory()
        except Exception as e:
            raise BuildError(
                f"--class: {options.className}() failed: {type(e).__name__}: {e}"
            ) from None
    if options.resourceScript is not None:
        from plait.web.script import ResourceScriptWrapper

        return ResourceScriptWrapper(os.path.abspath(options.resourceScript))
    return DefaultPage()


def makeSite(options: WebOptions) -> Site:
    """The Site serving `makeRoot`'s resource with the options' log, headers and limits."""
    from plait.web.server import Site

    root = makeRoot(options)
    if options.addHeaders:
        headers = [(n.encode("utf-8"), v.encode("utf-8")) for n, v in options.addHeaders]
        root = _AddHeadersResource(root, headers)
    logPath = options.logfile
    if logPath == "-":
        logPath = "/dev/stdout"
    elif logPath is not None:
        try:
            open(logPath, "a").close()  # the Site opens it at the first request: fail now
        except OSError as e:
            raise BuildError(f"--logfile: cannot write {logPath!r}: {e.strerror}") from None
    site = Site(root, logPath=logPath, limits=options.limits)
    site.displayTracebacks = options.displayTracebacks
    return site
