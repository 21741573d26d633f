"""`HTTPAuthSessionWrapper`: a portal in front of a resource tree.

A request without an ``Authorization`` header is logged in anonymously (the realm
decides what an anonymous user sees; with no anonymous checker the portal refuses).
A header of a scheme no factory handles, unreadable credentials or a refused login are
answered 401 with one ``WWW-Authenticate`` challenge per factory; any other error is a
logged 500. On success the avatar (an `IResource`) is traversed and rendered as if it
stood where the wrapper stands, and the realm's ``logout`` runs when the response ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from zope.interface import implementer

from plait.cred.credentials import Anonymous
from plait.cred.error import LoginFailed, Unauthorized
from plait.internet.defer import Deferred
from plait.python.failure import Failure
from plait.web.iweb import ICredentialFactory, IRequest
from plait.web.pages import errorPage
from plait.web.resource import IResource
from plait.web.util import DeferredResource

__all__ = ["HTTPAuthSessionWrapper", "UnauthorizedResource"]

_log = logging.getLogger("plait.web.guard")

# Challenge parameters RFC 7616 defines as bare tokens; every other value is quoted.
_TOKEN_PARAMS = frozenset({b"algorithm", b"stale"})


def _bytes(value: bytes | str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _challengeHeader(scheme: bytes, challenge: dict[str, Any]) -> bytes:
    """Format ``scheme k="v", ...``; refuses values that would break the header line."""
    params = []
    for key, value in challenge.items():
        name, text = _bytes(key), _bytes(value)
        if any(b < 0x20 and b != 0x09 for b in text) or b"\x7f" in text:
            raise ValueError(f"challenge parameter {key!r} contains a control character")
        if name.lower() in _TOKEN_PARAMS and text and b'"' not in text and b" " not in text:
            params.append(name + b"=" + text)
        else:
            quoted = text.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
            params.append(name + b'="' + quoted + b'"')
    return scheme.capitalize() + b" " + b", ".join(params)


@implementer(IResource)
class UnauthorizedResource:
    """The 401 answer: a challenge from each credential factory, for any sub-path."""

    isLeaf = True

    def __init__(self, factories: Sequence[ICredentialFactory]) -> None:
        self._credentialFactories = factories

    def render(self, request: Any) -> bytes:
        """Answer 401 with the challenges; the body is ``Unauthorized`` (empty for HEAD)."""
        request.setResponseCode(401)
        for factory in self._credentialFactories:
            header = _challengeHeader(factory.scheme, factory.getChallenge(request))
            request.responseHeaders.addRawHeader(b"www-authenticate", header)
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        if request.method == b"HEAD":
            return b""
        return b"Unauthorized"

    def getChildWithDefault(self, path: bytes, request: IRequest) -> IResource:
        """Every sub-path is unauthorized too."""
        return self

    def putChild(self, path: bytes | str, child: IResource) -> None:
        """An error page has no children."""
        raise NotImplementedError("UnauthorizedResource has no children")


def _internalError() -> IResource:
    return errorPage(500, "Internal Error", "The server could not process the request.")


@implementer(IResource)
class HTTPAuthSessionWrapper:
    """Authenticate each request through ``portal`` before letting it reach its avatar.

    ``credentialFactories`` (e.g. `BasicCredentialFactory`, `DigestCredentialFactory`)
    decide which ``Authorization`` schemes are accepted and which challenges a 401
    offers, in order of preference. The realm is asked for `IResource` avatars.
    """

    isLeaf = False

    def __init__(self, portal: Any, credentialFactories: Iterable[ICredentialFactory]) -> None:
        self._portal = portal
        self._credentialFactories = list(credentialFactories)

    def render(self, request: Any) -> object:
        """Render the avatar (or the 401 or 500 page) for this request."""
        return self._authorizedResource(request).render(request)

    def getChildWithDefault(self, path: bytes, request: Any) -> IResource:
        """Authenticate, then continue traversal from the avatar at this same segment."""
        # The wrapper is transparent: the avatar sees the segment this step consumed.
        request.postpath.insert(0, request.prepath.pop())
        return self._authorizedResource(request)

    def putChild(self, path: bytes | str, child: IResource) -> None:
        """Children belong to the avatars, not to the wrapper."""
        raise NotImplementedError("put children on the avatar resources instead")

    def _authorizedResource(self, request: Any) -> IResource:
        header = request.getHeader(b"authorization")
        if not header:
            return DeferredResource(self._login(Anonymous(), request))
        scheme, _, rest = header.strip().partition(b" ")
        scheme = scheme.lower()
        candidates = [f for f in self._credentialFactories if f.scheme == scheme]
        for factory in candidates:
            try:
                credentials = factory.decode(rest.strip(), request)
            except LoginFailed:
                continue  # maybe another factory of the same scheme (another algorithm)
            except Exception:
                _log.exception("Unexpected failure from credentials factory %r", factory)
                return _internalError()
            return DeferredResource(self._login(credentials, request))
        return UnauthorizedResource(self._credentialFactories)

    def _login(self, credentials: Any, request: Any) -> Deferred[Any]:
        d: Deferred[Any] = self._portal.login(credentials, None, IResource)
        return d.addCallbacks(self._loginSucceeded, self._loginFailed, callbackArgs=(request,))

    def _loginSucceeded(self, result: tuple[Any, Any, Callable[[], None]], request: Any) -> Any:
        _interface, avatar, logout = result

        def loggedOut(_: object) -> None:
            try:
                logout()
            except Exception:
                _log.exception("logout of %r failed", avatar)

        # Tied to the request rather than to a render, so logout runs exactly once even
        # when traversal below the avatar fails or the client goes away.
        request.notifyFinish().addBoth(loggedOut)
        return avatar

    def _loginFailed(self, failure: Failure) -> IResource:
        if failure.check(Unauthorized, LoginFailed):
            return UnauthorizedResource(self._credentialFactories)
        _log.error("HTTPAuthSessionWrapper: unexpected login error\n%s", failure.getTraceback())
        return _internalError()
