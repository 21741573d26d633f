"""``server.Request``: the request that walks the resource tree and renders the result.

This is the one place where errors become responses: an exception in traversal or
rendering, an unsupported method, or a render result of the wrong type each end here as
a status code and a short page (the traceback only when ``site.displayTracebacks``).
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Coroutine
from typing import Any
from urllib.parse import quote_from_bytes, unquote_to_bytes

from plait._version import __version__
from plait.internet.defer import CancelledError, Deferred
from plait.python.components import Componentized
from plait.python.failure import Failure
from plait.web._constants import NOT_DONE_YET
from plait.web._request import Request as _HTTPRequest
from plait.web.error import UnsupportedMethod

__all__ = ["Request", "version"]

version = f"plait/{__version__}".encode("ascii")
"""The default ``Server`` header value."""

_log = logging.getLogger("plait.web.server")

# Methods registered with IANA by RFC 9110 (and PATCH, RFC 5789): a resource that lacks one
# answers 405 with Allow, since the server knows the method (Twisted answers 501 "Huh?").
_KNOWN_METHODS = frozenset(
    (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"CONNECT", b"OPTIONS", b"TRACE", b"PATCH")
)

_PROCESSING_FAILED = (
    b"<!DOCTYPE html>\n<html><head><title>500 - Internal Server Error</title></head>"
    b"<body><h1>Internal Server Error</h1><p>The server could not process the request.</p>"
    b"</body></html>\n"
)


class Request(Componentized, _HTTPRequest):
    """A request served by a `Site`: traversal, rendering, sessions (``server.Request``)."""

    site: Any = None
    sitepath: list[bytes]
    prepath: list[bytes]
    postpath: list[bytes]
    appRootURL: bytes | None = None
    _encoder: Any = None
    _insecureSession: Any = None
    _secureSession: Any = None
    _renderPending: Any = None

    def __init__(self, channel: Any, queued: object = None) -> None:
        _HTTPRequest.__init__(self, channel)
        # Componentized.__init__ is not called: its adapter cache is made on first use.
        self.sitepath = []
        self.prepath = []
        self.postpath = []
        site = getattr(channel, "site", None)
        if site is not None:
            self.site = site
            self._serverHeader = getattr(site, "serverHeader", version)
        else:
            self._serverHeader = version

    # -- traversal and rendering ------------------------------------------------------------

    def process(self) -> None:
        """Find the resource for this request and render it."""
        site = self.site
        if site is None:
            self.site = site = self.channel.site
        path = self.path
        if path == b"*":
            self._serverWideOptions()
            return
        self.prepath = []
        if path.find(b"%") >= 0:  # (not `in`: bytes.__contains__ tries int first, slowly)
            self.postpath = [unquote_to_bytes(segment) for segment in path[1:].split(b"/")]
        else:
            self.postpath = path[1:].split(b"/")
        try:
            resource = site.getResourceFor(self)
            self.render(resource)
        except Exception:
            self.processingFailed(Failure())

    def _serverWideOptions(self) -> None:
        if self.method == b"OPTIONS":
            self.setResponseCode(200)
            self.setHeader(b"content-length", b"0")
        else:
            self.setResponseCode(405)
            self.setHeader(b"allow", b"OPTIONS")
            self.setHeader(b"content-length", b"0")
        self.finish()

    def render(self, resrc: Any) -> None:
        """Render *resrc* and send what it returns."""
        try:
            body = resrc.render(self)
        except UnsupportedMethod as exc:
            self._unsupportedMethod(exc)
            return
        self._renderResult(body, False)

    def _renderResult(self, body: Any, awaited: bool) -> None:
        if self.finished or self._disconnected:
            return
        kind = type(body)
        if kind is bytes:
            if self._encoder is None:
                # _writeWhole, inlined for the most common render result.
                raw = self.responseHeaders._rawHeaders  # a known-valid name: skip the checks
                if b"content-length" not in raw:
                    raw[b"content-length"] = [b"%d" % len(body)]
                self._writeWholeAndFinish(body)
            else:
                self._writeWhole(body)
        elif kind is str:
            if not self.responseHeaders.hasHeader(b"content-type"):
                self.responseHeaders.setRawHeaders(b"content-type", [b"text/html; charset=utf-8"])
            self._writeWhole(body.encode("utf-8"))
        elif body is NOT_DONE_YET:
            return
        elif isinstance(body, Deferred):
            self._await(body)
        elif isinstance(body, Coroutine):
            self._awaitCoroutine(body)
        elif isinstance(body, asyncio.Future):
            self._await(Deferred.fromFuture(body))
        elif body is None and awaited:
            if not self.finished:
                self.finish()
        else:
            self._badRenderResult(body)

    def _writeWhole(self, body: bytes) -> None:
        raw = self.responseHeaders._rawHeaders  # a known-valid name: skip the checks
        if self._encoder is not None:
            self.write(body)
            self.finish()
            return
        if b"content-length" not in raw:
            raw[b"content-length"] = [b"%d" % len(body)]
        self._writeWholeAndFinish(body)

    def _await(self, d: Deferred[Any]) -> None:
        self._renderPending = d
        d.addCallbacks(self._awaitedResult, self._awaitedFailure)

    def _awaitCoroutine(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self._await(Deferred.fromCoroutine(coro))
            return
        task = asyncio.ensure_future(coro)
        self._renderPending = task
        task.add_done_callback(self._taskDone)

    def _taskDone(self, task: asyncio.Future[Any]) -> None:
        self._renderPending = None
        if task.cancelled():
            if not self._disconnected:
                self.processingFailed(Failure(CancelledError("render task was cancelled")))
            return
        exc = task.exception()
        if exc is not None:
            self.processingFailed(Failure(exc, type(exc), exc.__traceback__))
        else:
            self._renderResult(task.result(), True)

    def _awaitedResult(self, result: Any) -> None:
        self._renderPending = None
        try:
            self._renderResult(result, True)
        except Exception:
            self.processingFailed(Failure())

    def _awaitedFailure(self, failure: Failure) -> None:
        self._renderPending = None
        if self._disconnected and failure.check(CancelledError, asyncio.CancelledError):
            return  # we cancelled it because the client went away
        self.processingFailed(failure)

    def connectionLost(self, reason: Failure) -> None:
        """The client went away: cancel the render still running for it."""
        pending = self._renderPending
        super().connectionLost(reason)
        if pending is not None:
            self._renderPending = None
            pending.cancel()

    def _badRenderResult(self, body: Any) -> None:
        _log.error(
            "%r returned %s from render; expected bytes, str, NOT_DONE_YET, a Deferred or a "
            "coroutine",
            self,
            type(body).__name__,
        )
        detail = (
            "<p>The resource returned an object of type "
            f"<code>{html.escape(type(body).__name__)}</code> from render.</p>"
            if self.site is not None and self.site.displayTracebacks
            else ""
        )
        self._sendErrorPage(500, "Internal Server Error", detail)

    def _unsupportedMethod(self, exc: UnsupportedMethod) -> None:
        allowed = list(exc.allowedMethods)
        if b"GET" in allowed and b"HEAD" not in allowed:
            allowed.append(b"HEAD")
        if b"OPTIONS" not in allowed:
            allowed.append(b"OPTIONS")
        allow = b", ".join(allowed)
        method = self.method
        if method == b"OPTIONS":
            self.setResponseCode(204)
            self.setHeader(b"allow", allow)
            self.finish()
            return
        if method in _KNOWN_METHODS:
            self.setHeader(b"allow", allow)
            self._sendErrorPage(
                405,
                "Method Not Allowed",
                f"<p>Your browser approached me (at {html.escape(self._uriText())}) with the "
                f"method &quot;{html.escape(method.decode('latin-1'))}&quot;. I only allow "
                f"the method{'s' if len(allowed) > 1 else ''} "
                f"{html.escape(allow.decode('latin-1'))} here.</p>",
            )
            return
        self._sendErrorPage(
            501,
            "Not Implemented",
            f"<p>The method &quot;{html.escape(method.decode('latin-1'))}&quot; is not "
            "implemented by this server.</p>",
        )

    def _uriText(self) -> str:
        return self.uri.decode("latin-1")

    def _sendErrorPage(self, code: int, brief: str, detail: str) -> None:
        body = (
            f"<!DOCTYPE html>\n<html><head><title>{code} - {html.escape(brief)}</title></head>"
            f"<body><h1>{html.escape(brief)}</h1>{detail}</body></html>\n"
        ).encode()
        self.setResponseCode(code)
        self._encoder = None
        self.responseHeaders.setRawHeaders(b"content-type", [b"text/html; charset=utf-8"])
        self.responseHeaders.setRawHeaders(b"content-length", [b"%d" % len(body)])
        self.write(body)
        self.finish()

    def processingFailed(self, reason: Failure) -> None:
        """Log *reason* and answer 500 (with the traceback if ``site.displayTracebacks``)."""
        _log.error(
            "Exception rendering %s %s:\n%s",
            self.method.decode("latin-1"),
            self._uriText(),
            reason.getTraceback(),
        )
        if self._disconnected or self.finished:
            return
        if self.startedWriting:
            # The status line is gone already: closing is the only honest signal left.
            self.channel.loseConnection()
            return
        site = self.site
        if site is not None and site.displayTracebacks:
            from plait.web.util import formatFailure

            body = formatFailure(reason)
            self.setResponseCode(500)
            self._encoder = None
            self.responseHeaders.setRawHeaders(b"content-type", [b"text/html; charset=utf-8"])
            self.responseHeaders.setRawHeaders(b"content-length", [b"%d" % len(body)])
            self.write(body)
            self.finish()
            return
        self.setResponseCode(500)
        self._encoder = None
        self.responseHeaders.setRawHeaders(b"content-type", [b"text/html; charset=utf-8"])
        self.responseHeaders.setRawHeaders(b"content-length", [b"%d" % len(_PROCESSING_FAILED)])
        self.write(_PROCESSING_FAILED)
        self.finish()

    # -- writing, with the encoder (gzip) applied ------------------------------------------------

    def write(self, data: bytes) -> None:
        """Write body bytes, through the response encoder if one was chosen."""
        encoder = self._encoder
        if encoder is not None and data:
            data = encoder.encode(data)
            if not data and self.startedWriting:
                return
        _HTTPRequest.write(self, data)

    def finish(self) -> None:
        """Flush the encoder, then finish the response."""
        encoder = self._encoder
        if encoder is not None and not self.finished and not self._disconnected:
            self._encoder = None
            tail = encoder.finish()
            if tail:
                _HTTPRequest.write(self, tail)
        _HTTPRequest.finish(self)

    # -- URLs -------------------------------------------------------------------------------

    def _prePathURL(self, prepath: list[bytes]) -> bytes:
        secure = self.isSecure()
        port = getattr(self.getHost(), "port", None)
        default = 443 if secure else 80
        hostport = b"" if port in (None, default) else b":%d" % port
        hostname = self.getRequestHostname()
        if b":" in hostname:
            hostname = b"[" + hostname + b"]"  # an IPv6 literal
        prefix = (b"https://" if secure else b"http://") + hostname + hostport + b"/"
        return prefix + b"/".join(quote_from_bytes(s, safe="").encode("ascii") for s in prepath)

    def prePathURL(self) -> bytes:
        """The absolute URL of the resource being rendered (up to the consumed segments)."""
        return self._prePathURL(self.prepath)

    def URLPath(self) -> Any:
        """`prePathURL` as a ``plait.python.urlpath.URLPath``."""
        from plait.python.urlpath import URLPath

        return URLPath.fromBytes(self.prePathURL())

    def rememberRootURL(self) -> None:
        """Remember the URL of the parent of the current resource as the application root."""
        self.appRootURL = self._prePathURL(self.prepath[:-1])

    def getRootURL(self) -> bytes | None:
        """The URL remembered by `rememberRootURL`."""
        return self.appRootURL

    def sibLink(self, name: bytes) -> bytes:
        """A relative link to a sibling of the current resource."""
        if self.postpath:
            return (len(self.postpath) * b"../") + name
        return name

    def childLink(self, name: bytes) -> bytes:
        """A relative link to a child of the current resource."""
        lpp = len(self.postpath)
        if lpp > 1:
            return ((lpp - 1) * b"../") + name
        if lpp == 1:
            return name
        if self.prepath and self.prepath[-1]:
            return self.prepath[-1] + b"/" + name
        return name

    # -- sessions ---------------------------------------------------------------------------

    def getSession(self, sessionInterface: Any = None, forceNotSecure: bool = False) -> Any:
        """The session of this client, made (with its cookie) if it has none.

        The cookie is HttpOnly and SameSite=Lax, and Secure on TLS. Unlike Twisted, a
        session found through its cookie is touched, so an active session does not expire.
        """
        secure = self.isSecure() and not forceNotSecure
        attribute = "_secureSession" if secure else "_insecureSession"
        session = getattr(self, attribute)
        site = self.site
        if session is not None and session.uid not in site.sessions:
            session = None  # expired while this request was being served
        if session is None:
            cookieName = site._sessionCookieName(secure, self.sitepath)
            uid = self.getCookie(cookieName)
            if uid:
                session = site.sessions.get(uid)
            if session is None:
                session = site.makeSession()
                self.addCookie(
                    cookieName,
                    session.uid,
                    path=b"/",
                    secure=secure,
                    httpOnly=True,
                    sameSite=b"lax",
                )
            setattr(self, attribute, session)
        session.touch()
        if sessionInterface is not None:
            return session.getComponent(sessionInterface)
        return session

    @property
    def session(self) -> Any:
        """The session already fetched by `getSession` for this security level, or None."""
        return self._secureSession if self.isSecure() else self._insecureSession
