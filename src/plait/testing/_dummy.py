"""DummyRequest and DummyChannel: test a resource without a server or a socket.

Modelled on Twisted's ``twisted.web.test.requesthelper``: the request records
what a resource does to it (``written``, ``finished``, ``responseCode``,
``responseHeaders``) instead of sending anything.
"""

from __future__ import annotations

import base64
import binascii
import math
import warnings
from collections.abc import Sequence
from io import BytesIO
from typing import Any
from urllib.parse import quote_from_bytes

from zope.interface import implementer

from plait.internet.address import IPv4Address, IPv6Address
from plait.internet.defer import Deferred, ensureDeferred, fail, succeed
from plait.python.failure import Failure
from plait.web._constants import NOT_DONE_YET
from plait.web.http_headers import Headers
from plait.web.iweb import IRequest

__all__ = ["DummyChannel", "DummyRequest"]


class _DummyTransport:
    """A transport that keeps what is written to it in ``written``."""

    disconnecting = False
    disconnected = False

    def __init__(self, peer: Any, host: Any) -> None:
        self.written = BytesIO()
        self.producer: Any = None
        self._peer = peer
        self._host = host

    def write(self, data: bytes) -> None:
        """Record *data*."""
        self.written.write(data)

    def writeSequence(self, data: Sequence[bytes]) -> None:
        """Record each chunk of *data*."""
        for chunk in data:
            self.write(chunk)

    def getPeer(self) -> Any:
        """Return the fake peer address."""
        return self._peer

    def getHost(self) -> Any:
        """Return the fake local address."""
        return self._host

    def loseConnection(self) -> None:
        """Mark the transport closed."""
        self.disconnecting = self.disconnected = True

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Remember *producer*."""
        self.producer = producer

    def unregisterProducer(self) -> None:
        """Forget the producer."""
        self.producer = None


class DummyChannel:
    """A stand-in for an HTTP channel, with a recording ``transport``.

    Its peer is 192.168.1.1:12344 and its local address 10.0.0.1:80 (443 when
    ``secure``), like Twisted's.
    """

    def __init__(self, peer: Any = None, secure: bool = False) -> None:
        self.secure = secure
        host = IPv4Address("TCP", "10.0.0.1", 443 if secure else 80)
        self.transport = _DummyTransport(peer or IPv4Address("TCP", "192.168.1.1", 12344), host)
        self.site: Any = None
        self.requests: list[Any] = []

    def isSecure(self) -> bool:
        """Return whether the channel pretends to be TLS."""
        return self.secure

    def requestDone(self, request: Any) -> None:
        """Record that *request* finished."""
        self.requests.append(request)


@implementer(IRequest)
class DummyRequest:
    """A fake request for unit-testing resources without a server.

    Build it with the path segments still to traverse (``postpath``); set
    ``method``, ``args``, ``content`` or ``requestHeaders`` as the test needs.
    Afterwards look at ``written`` (the body chunks), ``finished`` (how many
    times finish was called), ``responseCode`` and ``responseHeaders``.
    """

    method: bytes = b"GET"
    client: Any = None

    def __init__(self, postpath: Sequence[bytes], session: Any = None, client: Any = None) -> None:
        self.postpath: list[bytes] = list(postpath)
        self.prepath: list[bytes] = []
        self.sitepath: list[bytes] = []
        self.path = b"/" + b"/".join(self.postpath)
        self.uri = self.path
        self.args: dict[bytes, list[bytes]] = {}
        self.content = BytesIO()
        self.requestHeaders = Headers()
        self.responseHeaders = Headers()
        self.received_cookies: dict[bytes, bytes] = {}
        self.cookies: list[bytes] = []
        self.clientproto = b"HTTP/1.0"
        self.code = 200
        self.code_message: bytes | None = None
        self.responseCode: int | None = None
        self.responseMessage: bytes | None = None
        self.written: list[bytes] = []
        self.startedWriting = False
        self.finished = 0
        self.failures: list[Failure] = []
        self.etag: bytes | None = None
        self.lastModified: int | None = None
        self.producer: Any = None
        self.streamingProducer = False
        self.session: Any = None
        self.protoSession = session
        self.channel = DummyChannel()
        self.site: Any = None
        self.appRootURL: bytes | None = None
        self._encoder: Any = None
        self._serverName = b"dummy"
        self._forceSSL = False
        self._finishedDeferreds: list[Deferred[None]] | None = []
        self._lost: Failure | None = None
        if client is not None:
            self.client = client

    # Request headers and arguments.

    def getHeader(self, key: bytes | str) -> Any:
        """Return the last value of request header *key* (str for a str key), or None."""
        values = self.requestHeaders.getRawHeaders(key)
        return values[-1] if values else None

    def getAllHeaders(self) -> dict[bytes, bytes]:
        """Return the request headers as lower-case name → last value."""
        return {
            name.lower(): values[-1] for name, values in self.requestHeaders.getAllRawHeaders()
        }

    def getCookie(self, key: bytes) -> bytes | None:
        """Return the request cookie *key* from ``received_cookies``, or None."""
        return self.received_cookies.get(key)

    def addArg(self, name: bytes, value: bytes) -> None:
        """Set query argument *name* to the single value *value*."""
        self.args[name] = [value]

    # The response.

    def setResponseCode(self, code: int, message: bytes | None = None) -> None:
        """Set the status; it is an error once the body has started."""
        if not isinstance(code, int):
            raise TypeError(f"the status code must be an int, not {type(code).__name__}")
        if self.startedWriting:
            raise RuntimeError("the response code cannot change after the body started")
        self.code = self.responseCode = code
        self.code_message = self.responseMessage = message

    def setHeader(self, name: bytes | str, value: bytes | str) -> None:
        """Set response header *name* to *value*, replacing earlier values."""
        self.responseHeaders.setRawHeaders(name, [value])

    def redirect(self, url: bytes | str) -> None:
        """Answer with a 302 to *url*."""
        self.setResponseCode(302)
        self.setHeader(b"location", url)

    def addCookie(
        self,
        k: bytes | str,
        v: bytes | str,
        expires: bytes | str | None = None,
        domain: bytes | str | None = None,
        path: bytes | str | None = None,
        max_age: bytes | str | int | None = None,
        comment: bytes | str | None = None,
        secure: bool | None = None,
        httpOnly: bool = False,
        sameSite: str | None = None,
    ) -> None:
        """Record a ``Set-Cookie`` value in ``cookies`` (formatted as a real request does)."""
        from plait.web._request import formatSetCookie

        self.cookies.append(
            formatSetCookie(
                k, v, expires, domain, path, max_age, comment, secure, httpOnly, sameSite
            )
        )

    def setLastModified(self, when: float) -> None:
        """Record ``lastModified`` (rounded up, keeping the latest); no 304 logic here."""
        stamp = math.ceil(when)
        if self.lastModified is None or stamp > self.lastModified:
            self.lastModified = stamp

    def setETag(self, etag: bytes) -> None:
        """Record ``etag``; no 304/412 logic here."""
        self.etag = etag

    def write(self, data: bytes) -> None:
        """Append *data* (bytes) to ``written``, through the request's encoder if any."""
        if not isinstance(data, bytes):
            raise TypeError(f"write() takes bytes, not {type(data).__name__}")
        if self.finished:
            raise RuntimeError("write() called after finish()")
        if self._encoder is not None:
            data = self._encoder.encode(data)
        self.startedWriting = True
        if data:
            self.written.append(data)

    def finish(self) -> None:
        """Count the finish and fire the ``notifyFinish`` Deferreds with None."""
        if self._encoder is not None and not self.finished:
            tail = self._encoder.finish()
            if tail:
                self.written.append(tail)
        self.finished += 1
        observers, self._finishedDeferreds = self._finishedDeferreds, None
        for observer in observers or ():
            observer.callback(None)

    def notifyFinish(self) -> Deferred[None]:
        """Return a Deferred firing with None on finish, or failing on processingFailed."""
        if self._lost is not None:
            return fail(self._lost)
        if self._finishedDeferreds is None:
            return succeed(None)
        finished: Deferred[None] = Deferred()
        self._finishedDeferreds.append(finished)
        return finished

    def processingFailed(self, reason: Failure) -> None:
        """Record *reason* in ``failures`` and fail the ``notifyFinish`` Deferreds with it."""
        self.failures.append(reason)
        self._failObservers(reason)

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Pretend the client went away: ``notifyFinish`` Deferreds fail with *reason*."""
        if reason is None:
            from plait.internet.error import ConnectionDone

            reason = Failure(ConnectionDone("the dummy connection was lost"))
        self._lost = reason
        self._failObservers(reason)

    def _failObservers(self, reason: Failure) -> None:
        observers, self._finishedDeferreds = self._finishedDeferreds, None
        for observer in observers or ():
            observer.errback(reason)

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Register *producer*; a pull producer is pumped until it unregisters."""
        if self.producer is not None:
            raise ValueError(f"a producer is already registered: {self.producer!r}")
        self.producer, self.streamingProducer = producer, streaming
        if not streaming:
            while self.producer is producer:
                producer.resumeProducing()

    def unregisterProducer(self) -> None:
        """Forget the producer."""
        self.producer = None

    def render(self, resource: Any) -> None:
        """Render *resource* into this request, as a server would in the simple cases.

        bytes or str (UTF-8) are written and the request finished; NOT_DONE_YET
        leaves that to the resource; a Deferred or coroutine is waited for (it
        must complete without a running event loop, e.g. through Deferreds).
        """
        result = resource.render(self)
        if result is NOT_DONE_YET:
            return
        if isinstance(result, bytes | str):
            self._writeBody(result)
            return
        if isinstance(result, Deferred) or hasattr(result, "send"):
            d = ensureDeferred(result)
            d.addCallbacks(self._writeBody, self.processingFailed)
            return
        raise TypeError(f"render() returned {result!r}, not bytes, str or NOT_DONE_YET")

    def _writeBody(self, body: bytes | str) -> None:
        self.write(body.encode("utf-8") if isinstance(body, str) else body)
        self.finish()

    # Sessions, addresses and URLs.

    def getSession(self, sessionInterface: Any = None) -> Any:
        """Return the session (the one given to the constructor, or a fresh one)."""
        if self.session is None:
            if self.startedWriting:
                raise RuntimeError("a session cannot be started after the body started")
            self.session = self.protoSession or self._newSession()
        if sessionInterface is not None:
            return sessionInterface(self.session)
        return self.session

    def _newSession(self) -> Any:
        from plait.internet.task import Clock
        from plait.web._session import Session

        return Session(site=None, uid=b"0", reactor=Clock())

    def isSecure(self) -> bool:
        """Return whether the request pretends to have arrived over TLS."""
        return self._forceSSL or self.channel.isSecure()

    def getHost(self) -> Any:
        """Return the fake local address (127.0.0.1:80)."""
        return IPv4Address("TCP", "127.0.0.1", 80)

    def getClientAddress(self) -> Any:
        """Return ``client``, or the dummy channel's peer when none was given."""
        if self.client is None:
            return self.channel.transport.getPeer()
        return self.client

    def getClientIP(self) -> str | None:
        """Return the client's IP address (deprecated: use getClientAddress)."""
        warnings.warn(
            "getClientIP is deprecated; use getClientAddress", DeprecationWarning, stacklevel=2
        )
        address = self.getClientAddress()
        if isinstance(address, IPv4Address | IPv6Address):
            return address.host
        return None

    def getRequestHostname(self) -> bytes:
        """Return the host from the ``Host`` header (port stripped), else ``b"dummy"``."""
        host: bytes | None = self.getHeader(b"host")
        if not host:
            return self._serverName
        if host.startswith(b"["):
            return host[1 : host.find(b"]")] if b"]" in host else host
        return host.split(b":", 1)[0]

    def setHost(self, host: bytes, port: int, ssl: bool = False) -> None:
        """Pretend the request was for *host*:*port*, over TLS if *ssl*."""
        self._forceSSL = bool(ssl)
        self._serverName = host
        default = 443 if self.isSecure() else 80
        hostHeader = host if port == default else b"%b:%d" % (host, port)
        self.requestHeaders.setRawHeaders(b"host", [hostHeader])

    def _port(self) -> int:
        host: bytes | None = self.getHeader(b"host")
        if host and not host.endswith(b"]") and b":" in host:
            try:
                return int(host.rsplit(b":", 1)[1])
            except ValueError:
                pass
        return 443 if self.isSecure() else 80

    def prePathURL(self) -> bytes:
        """Return the absolute URL of the resource reached so far."""
        secure = self.isSecure()
        port = self._port()
        hostPart = self.getRequestHostname()
        if port != (443 if secure else 80):
            hostPart += b":%d" % (port,)
        path = b"/".join(
            quote_from_bytes(segment, safe="").encode("ascii") for segment in self.prepath
        )
        return (b"https://" if secure else b"http://") + hostPart + b"/" + path

    def rememberRootURL(self) -> None:
        """Remember the URL of the prepath's parent as the application root."""
        prepath = self.prepath
        self.prepath = prepath[:-1]
        try:
            self.appRootURL = self.prePathURL()
        finally:
            self.prepath = prepath

    def getRootURL(self) -> bytes | None:
        """Return the URL remembered by :meth:`rememberRootURL` (None before)."""
        return self.appRootURL

    def URLPath(self) -> Any:
        """Return :meth:`prePathURL` as a ``plait.python.urlpath.URLPath``."""
        from plait.python.urlpath import URLPath

        return URLPath.fromRequest(self)

    def getUser(self) -> bytes:
        """Return the user name of an ``Authorization: Basic`` header, or b""."""
        return self._basicCredentials()[0]

    def getPassword(self) -> bytes:
        """Return the password of an ``Authorization: Basic`` header, or b""."""
        return self._basicCredentials()[1]

    def _basicCredentials(self) -> tuple[bytes, bytes]:
        header: bytes | None = self.getHeader(b"authorization")
        if not header:
            return b"", b""
        scheme, _, encoded = header.partition(b" ")
        if scheme.lower() != b"basic":
            return b"", b""
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return b"", b""
        user, _, password = decoded.partition(b":")
        return user, password
