"""Site: the factory that serves a resource tree (Twisted's ``server.Site``)."""

from __future__ import annotations

import secrets
from typing import Any

from plait.web._factory import HTTPFactory
from plait.web._server_request import Request, version
from plait.web._session import Session
from plait.web.resource import getChildForRequest

__all__ = ["Site"]


class Site(HTTPFactory):
    """Serves the tree under *resource*: each request is traversed and rendered.

    ``Site(resource, requestFactory=None, logPath=None, timeout=60, logFormatter=None,
    reactor=None, limits=None)``. Attributes: ``displayTracebacks`` (show tracebacks in 500
    pages; off by default), ``sessionFactory``, ``sessions``, ``serverHeader`` (the
    ``Server`` value; ``None`` sends none), ``sessionCookieName`` and
    ``secureSessionCookieName`` (Twisted's names by default, so existing clients and
    load-balancer rules keep working).
    """

    counter = 0
    requestFactory: Any = Request
    displayTracebacks = False
    sessionFactory: Any = Session
    sessionCheckTime = 1800
    serverHeader: bytes | None = version
    sessionCookieName = b"TWISTED_SESSION"
    secureSessionCookieName = b"TWISTED_SECURE_SESSION"
    isLeaf = 0

    def __init__(
        self,
        resource: Any,
        requestFactory: Any = None,
        *args: Any,
        parsePOSTFormSubmission: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sessions: dict[bytes, Any] = {}
        self.resource = resource
        if requestFactory is not None:
            self.requestFactory = requestFactory
        self._parsePOSTFormSubmission = parsePOSTFormSubmission

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.resource!r}>"

    def _sessionCookieName(self, secure: bool, sitepath: list[bytes]) -> bytes:
        base = self.secureSessionCookieName if secure else self.sessionCookieName
        return b"_".join([base, *sitepath])

    def makeSession(self) -> Any:
        """Make a new session with an unguessable id and start its expiry timer."""
        uid = secrets.token_hex(32).encode("ascii")
        self.counter += 1
        session = self.sessions[uid] = self.sessionFactory(self, uid)
        session.startCheckingExpiration()
        return session

    def getSession(self, uid: bytes) -> Any:
        """The session with id *uid* (KeyError if there is none)."""
        return self.sessions[uid]

    def getResourceFor(self, request: Any) -> Any:
        """Walk the tree from the root along ``request.postpath``."""
        request.site = self
        request.sitepath = request.prepath[:]
        return getChildForRequest(self.resource, request)

    def getChildWithDefault(self, pathEl: bytes, request: Any) -> Any:
        """A Site used as a resource delegates to its root."""
        request.site = self
        return self.resource.getChildWithDefault(pathEl, request)

    def render(self, request: Any) -> bytes:
        """A Site rendered as a resource redirects to its root URL."""
        request.redirect(request.prePathURL() + b"/")
        request.finish()
        return b""

    def acceptableProtocols(self) -> list[bytes]:
        """The protocols this site offers through ALPN."""
        return [b"http/1.1"]

    def _bodyLimitFor(self, request: Any) -> int:
        """The request-body limit for *request*, decided before its body is read.

        The deepest resource reachable through ``putChild`` children alone (no ``getChild``
        call, so nothing runs before the body arrives) may set ``maxRequestBodySize``; the
        site's ``limits.max_body_bytes`` applies otherwise.
        """
        limit = self.limits.max_body_bytes
        node = self.resource
        found = getattr(node, "maxRequestBodySize", None)
        if found is not None:
            limit = found
        path = request.uri.split(b"?", 1)[0]
        for segment in path[1:].split(b"/"):
            if getattr(node, "isLeaf", False):
                break
            children = getattr(node, "children", None)
            if not children:
                break
            node = children.get(segment)
            if node is None:
                break
            found = getattr(node, "maxRequestBodySize", None)
            if found is not None:
                limit = found
        return int(limit)
