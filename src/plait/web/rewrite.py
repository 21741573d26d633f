"""Rewrite a request's path before the resource tree sees it (Twisted's ``twisted.web.rewrite``).

A rule is any callable taking the request and changing ``request.postpath`` (and, to keep
it consistent, ``request.path``). `alias` makes the common one: serve one path under
another name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote_from_bytes

from plait.web.resource import IResource, Resource

__all__ = ["RewriterResource", "alias", "tildeToUsers"]

RewriteRule = Callable[[Any], object]


def _segments(path: bytes | str) -> list[bytes]:
    if isinstance(path, str):
        path = path.encode("utf-8")
    return path.strip(b"/").split(b"/")


def _updatePath(request: Any) -> None:
    """Rebuild ``request.path`` from the (decoded) prepath and postpath segments."""
    segments = [*request.prepath, *request.postpath]
    request.path = b"/" + b"/".join(quote_from_bytes(s, safe="").encode("ascii") for s in segments)


class RewriterResource(Resource):
    """Apply ``rewriteRules``, in order, to every request before it reaches ``orig``.

    The wrapper is transparent: the rules see the path segment that led here at the head
    of ``request.postpath``, and ``orig`` then serves the rewritten path as if it stood
    in the wrapper's place.
    """

    def __init__(self, orig: IResource, *rewriteRules: RewriteRule) -> None:
        super().__init__()
        self.resource = orig
        self.rewriteRules = list(rewriteRules)

    def _rewrite(self, request: Any) -> None:
        prepath, postpath = request.prepath, request.postpath
        for rule in self.rewriteRules:
            rule(request)
        # Rules written for Twisted may rebind the lists rather than change them; the
        # tree walk holds the original list objects, so the new contents go into those.
        if request.postpath is not postpath:
            postpath[:] = request.postpath
            request.postpath = postpath
        if request.prepath is not prepath:
            prepath[:] = request.prepath
            request.prepath = prepath

    def getChild(self, path: bytes, request: Any) -> IResource:
        """Rewrite with *path* back at the head of ``postpath``, then continue in ``orig``."""
        request.postpath.insert(0, request.prepath.pop())
        self._rewrite(request)
        if not request.postpath:
            return self.resource  # the rules left nothing to walk: orig itself answers
        name = request.postpath.pop(0)
        request.prepath.append(name)
        return self.resource.getChildWithDefault(name, request)

    def render(self, request: Any) -> object:
        """Rewrite, then let ``orig`` render."""
        self._rewrite(request)
        return self.resource.render(request)


def alias(aliasPath: bytes | str, sourcePath: bytes | str) -> RewriteRule:
    """A rule serving ``sourcePath`` (e.g. ``"docs/current"``) at ``aliasPath`` (``"docs"``).

    Paths are ``/``-separated, relative to where the `RewriterResource` stands; ``str``
    is encoded as UTF-8. Links a resource builds from ``prepath`` point at the source.
    """
    source, aliased = _segments(sourcePath), _segments(aliasPath)

    def rewriter(request: Any) -> None:
        if request.postpath[: len(aliased)] == aliased:
            request.postpath = source + request.postpath[len(aliased) :]
            _updatePath(request)

    return rewriter


def tildeToUsers(request: Any) -> None:
    """A rule serving ``/~name/...`` from ``/users/name/...``."""
    if request.postpath and request.postpath[0][:1] == b"~":
        request.postpath[:1] = [b"users", request.postpath[0][1:]]
        _updatePath(request)
