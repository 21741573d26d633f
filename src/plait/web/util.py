"""Redirects, deferred resources and failure formatting (Twisted's ``twisted.web.util``)."""

from __future__ import annotations

import html
import re
from typing import Any, Final

from plait.python.failure import Failure
from plait.web._constants import NOT_DONE_YET
from plait.web.iweb import IRequest
from plait.web.resource import IResource, Resource, getChildForRequest

__all__ = ["DeferredResource", "ParentRedirect", "Redirect", "formatFailure", "redirectTo"]

_REDIRECT_PAGE: Final = (
    '<!DOCTYPE html>\n<html><head><meta http-equiv="refresh" content="0;URL={url}"></head>'
    '<body><a href="{url}">click here</a></body></html>\n'
)


def redirectTo(URL: bytes, request: IRequest) -> bytes:
    """Answer *request* with a 302 to *URL* and return a small HTML page linking to it.

    Meant to be returned from a render method. *URL* must be bytes (TypeError
    otherwise); it is HTML-escaped in the page.
    """
    if not isinstance(URL, bytes):
        raise TypeError(f"URL must be bytes, not {type(URL).__name__}")
    request.setHeader(b"content-type", b"text/html; charset=utf-8")
    request.redirect(URL)
    url = html.escape(URL.decode("utf-8", "replace"), quote=True)
    return _REDIRECT_PAGE.format(url=url).encode("utf-8")


class Redirect(Resource):
    """A leaf resource redirecting every request to one URL (bytes)."""

    isLeaf = True

    def __init__(self, url: bytes) -> None:
        super().__init__()
        self.url = url

    def render(self, request: IRequest) -> bytes:
        """Redirect, whatever the method."""
        return redirectTo(self.url, request)

    def getChild(self, name: bytes, request: IRequest) -> IResource:
        """Every sub-path redirects too."""
        return self


def _directoryOf(url: bytes) -> bytes:
    """Return *url* cut after its last path slash, dropping any query or fragment."""
    for mark in (b"#", b"?"):
        url = url.partition(mark)[0]
    scheme, sep, rest = url.partition(b"://")
    if not sep:
        scheme, rest = b"", url
    host, slash, path = rest.partition(b"/")
    if not slash:
        path = b""
    path = b"/" + path[: path.rfind(b"/") + 1]
    return (scheme + sep if sep else b"") + host + path


class ParentRedirect(Resource):
    """Redirect to the nearest directory (``/foo/bar?x`` → ``/foo/``), as an absolute URL."""

    isLeaf = True

    def render(self, request: IRequest) -> bytes:
        """Redirect, whatever the method."""
        return redirectTo(_directoryOf(request.prePathURL()), request)


_PENDING: Final = object()


class DeferredResource(Resource):
    """A leaf standing for the resource a Deferred will produce.

    When the Deferred fires, the rest of the request's path is traversed from
    the resource it produced and that resource is rendered; if it fails, the
    request's ``processingFailed`` gets the failure. Every request rendered
    before or after the Deferred fires is answered the same way.
    """

    isLeaf = True

    def __init__(self, d: Any) -> None:
        super().__init__()
        self.d = d
        self._outcome: object = _PENDING
        self._waiting: list[Any] | None = None

    def getChild(self, name: bytes, request: IRequest) -> IResource:
        """Sub-paths are resolved from the produced resource, not here."""
        return self

    def render(self, request: IRequest) -> int:
        """Wait for the Deferred (if need be) and answer with the resource it produced."""
        if self._outcome is _PENDING:
            if self._waiting is None:
                self._waiting = [request]
                self.d.addBoth(self._fired)
            else:
                self._waiting.append(request)
        else:
            self._deliver(request)
        return NOT_DONE_YET

    def _fired(self, result: object) -> None:
        # The outcome is kept for later requests; a failure is reported to each
        # request, so the Deferred itself ends with None rather than unhandled.
        self._outcome = result
        waiting, self._waiting = self._waiting or [], []
        for request in waiting:
            self._deliver(request)

    def _deliver(self, request: Any) -> None:
        # A server.Request (or DummyRequest): IRequest has no render/processingFailed.
        outcome = self._outcome
        if isinstance(outcome, Failure):
            request.processingFailed(outcome)
            return
        try:
            request.render(getChildForRequest(outcome, request))  # type: ignore[arg-type]
        except Exception:
            request.processingFailed(Failure())


_FAILURE_PAGE: Final = (
    '<div class="failure"><p class="error">{type}: {message}</p>'
    '<pre class="traceback">{traceback}</pre></div>\n'
)


# Controls other than TAB/LF/CR are not allowed in HTML text (a NUL is a parse error, and
# pages echoing exception text carry whatever bytes a client sent).
_CONTROLS: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _escapeText(text: str) -> str:
    r"""HTML-escape *text*, showing control characters as ``\xNN``."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m[0]):02x}", html.escape(text))


def formatFailure(myFailure: Failure) -> bytes:
    """Return *myFailure*'s traceback as an HTML fragment, escaped, in ASCII bytes."""
    page = _FAILURE_PAGE.format(
        type=_escapeText(f"{myFailure.type.__module__}.{myFailure.type.__qualname__}"),
        message=_escapeText(myFailure.getErrorMessage()),
        traceback=_escapeText(myFailure.getTraceback()),
    )
    # ASCII with character references keeps the fragment safe in any page encoding.
    return page.encode("ascii", "xmlcharrefreplace")
