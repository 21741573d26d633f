"""The base HTTP request: what arrived, and the response being written.

This is Twisted's ``http.Request``: it knows headers, cookies, forms, the response status and
body, conditional helpers and producers, and nothing of resources (``server.Request`` adds
those). It talks to its channel through a small set of methods (``writeResponseHead``,
``writeResponseBody``, ``finishResponse`` and friends), so HTTP/1.x and HTTP/2 channels can
drive the same request objects.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import math
import re
import tempfile
from typing import IO, TYPE_CHECKING, Any, Protocol

from plait.internet.defer import Deferred
from plait.python.failure import Failure
from plait.web import _forms
from plait.web._conditional import if_none_match_matches
from plait.web._date import DateCache, datetimeToString, stringToDatetime
from plait.web._responses import CACHED, NO_BODY_CODES, RESPONSES
from plait.web.http_headers import (
    Headers,
    _cleanValues,
    _encodedNames,
    _encodeName,
    _rememberClean,
)

if TYPE_CHECKING:
    from plait.internet.interfaces import IAddress

__all__ = ["CACHED", "Request", "RequestChannel", "formatSetCookie"]

_log = logging.getLogger("plait.web.http")

# RFC 9112 section 4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
_FORBIDDEN_IN_REASON = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_FORBIDDEN_IN_VALUE = re.compile(rb"[\r\n\x00]")

_DEFAULT_PORTS = {False: 80, True: 443}


class RequestChannel(Protocol):
    """What a request needs from the connection that carries it (HTTP/1.x or HTTP/2)."""

    def writeResponseHead(
        self, request: Request, code: int, reason: bytes, headers: list[tuple[bytes, bytes]]
    ) -> None:
        """Send the status line and headers."""

    def writeResponseBody(self, request: Request, data: bytes) -> None:
        """Send part of the body."""

    def finishResponse(self, request: Request) -> None:
        """End the response; the channel may then go on to the next request."""

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Let *producer* write the body, paused while the transport's buffer is full."""

    def unregisterProducer(self) -> None:
        """Forget the producer."""

    def getPeer(self) -> IAddress:
        """The client's address."""

    def getHost(self) -> IAddress:
        """The local address the request arrived on."""

    def isSecure(self) -> bool:
        """Whether the connection is TLS."""

    def loseConnection(self) -> None:
        """Close the connection once what was written has been sent."""


class _LazyRequestHeaders:
    """``Request.requestHeaders`` until first read: then built, once, from the parsed fields.

    The channel leaves the parser's (name, value) pairs in ``_headerPairs``; a response that
    never looks at a request header (most of them) never builds the mapping. A non-data
    descriptor, so assigning ``request.requestHeaders`` simply replaces it.
    """

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        attributes = instance.__dict__
        headers = Headers._fromPairs(attributes.pop("_headerPairs", ()))
        attributes["requestHeaders"] = headers
        return headers


class Request:
    """An HTTP request, and the response to it (Twisted's ``twisted.web.http.Request``)."""

    # Class-level defaults keep __init__ short: the hot path builds one of these per request.
    method: bytes = b"GET"
    uri: bytes = b""
    path: bytes = b""
    clientproto: bytes = b"HTTP/1.1"
    code: int = 200
    code_message: bytes = b"OK"
    startedWriting: int = 0
    finished: int = 0
    sentLength: int = 0
    chunked: int = 0
    etag: bytes | None = None
    lastModified: float | None = None
    producer: Any = None
    defaultContentType: bytes | None = b"text/html"
    _serverHeader: bytes | None = None  # server.Request sends its Site's Server value
    _receivedCookies: dict[bytes, bytes] | None = None
    _disconnected: bool = False
    _forceSSL: int = 0
    _host: IAddress | None = None
    _client: IAddress | None = None
    _bodyLength: int | None = None
    queued = 0
    _headerPairs: list[tuple[bytes, bytes]]  # left by the channel, see _LazyRequestHeaders
    if TYPE_CHECKING:
        requestHeaders: Headers
    else:
        requestHeaders = _LazyRequestHeaders()

    def __init__(self, channel: Any, queued: object = None) -> None:
        self.channel = channel
        self.responseHeaders = Headers()
        self.cookies: list[bytes] = []
        self.args: dict[bytes, list[bytes]] = {}
        self.files: dict[bytes, list[_forms.UploadedFile]] = {}
        self.notifications: list[Deferred[None]] = []
        self.content: IO[bytes] = _EMPTY_BODY

    # -- what the channel calls --------------------------------------------------------------

    def gotLength(self, length: int | None) -> None:
        """Prepare to receive a body of *length* bytes (None: unknown, chunked)."""
        self._bodyLength = length
        if length == 0:
            self.content = io.BytesIO()
            return
        threshold = self._bodyInMemoryThreshold()
        # These files live as long as the request; the channel closes them when it ends.
        if length is not None and length < threshold:
            self.content = io.BytesIO()
        elif length is None:
            self.content = tempfile.SpooledTemporaryFile(max_size=threshold)  # noqa: SIM115
        else:
            self.content = tempfile.TemporaryFile()  # noqa: SIM115

    def _bodyInMemoryThreshold(self) -> int:
        limits = getattr(self.channel, "limits", None)
        return int(getattr(limits, "body_in_memory_threshold", 100_000))

    def handleContentChunk(self, data: bytes) -> None:
        """Append *data* to the request body."""
        if self.content is _EMPTY_BODY:
            self.gotLength(None)
        self.content.write(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        """The whole request has arrived: parse what needs parsing and call `process`."""
        self.method = command
        self.uri = path
        self.clientproto = version
        content = self.content
        if content is not _EMPTY_BODY:
            content.seek(0)
        qpos = path.find(b"?")
        if qpos >= 0:
            self.path = path[:qpos]
            self.args = _forms.parse_qs(path[qpos + 1 :])
        else:
            self.path = path
        if command == b"POST" and content is not _EMPTY_BODY and not self._parseForm():
            return
        self.process()

    def _parseForm(self) -> bool:
        ctype = self.requestHeaders.getRawHeaders(b"content-type")
        if not ctype:
            return True
        mime = ctype[-1].split(b";", 1)[0].strip().lower()
        try:
            if mime == b"application/x-www-form-urlencoded":
                self.args.update(_forms.parse_urlencoded(self.content.read()))
            elif mime == b"multipart/form-data":
                fields, files = _forms.parse_multipart(ctype[-1], self.content)
                self.args.update(fields)
                self.files = files
            else:
                return True
        except _forms.FormError as exc:
            _log.info("bad form body from %s: %s", self._clientText(), exc)
            self._respondBadRequest(str(exc))
            return False
        finally:
            self.content.seek(0)
        return True

    def _respondBadRequest(self, reason: str) -> None:
        body = f"Bad Request: {reason}\n".encode("utf-8", "replace")
        self.setResponseCode(400)
        self.responseHeaders.setRawHeaders(b"content-type", [b"text/plain; charset=utf-8"])
        self.responseHeaders.setRawHeaders(b"connection", [b"close"])
        self.setHeader(b"content-length", b"%d" % len(body))
        self.write(body)
        self.finish()

    def process(self) -> None:
        """Handle the request; subclasses (``server.Request``) override this."""
        self.setResponseCode(501)
        self.finish()

    def connectionLost(self, reason: Failure) -> None:
        """The connection went away before the response finished."""
        if self.finished:
            return
        self._disconnected = True
        producer = self.producer
        if producer is not None:
            self.producer = None
            try:
                producer.stopProducing()
            except Exception:
                _log.exception("producer failed to stop after the client went away")
        notifications, self.notifications = self.notifications, []
        for d in notifications:
            d.errback(reason)

    def _releaseBody(self) -> None:
        """Close the body file (a temporary file holds a descriptor) once the request is over."""
        content = self.content
        if content is not _EMPTY_BODY:
            content.close()
        for uploads in self.files.values():
            for upload in uploads:
                upload.file.close()

    def noLongerQueued(self) -> None:
        """Kept for compatibility with Twisted; requests are never queued."""

    # -- request data --------------------------------------------------------------------------

    def getHeader(self, key: bytes | str) -> Any:
        """The last value of request header *key*, or None (str if *key* is a str)."""
        values = self.requestHeaders.getRawHeaders(key)
        if values:
            return values[-1]
        return None

    def getAllHeaders(self) -> dict[bytes, bytes]:
        """All request headers as ``{lower-case name: last value}``."""
        return {
            name.lower(): values[-1] for name, values in self.requestHeaders.getAllRawHeaders()
        }

    @property
    def received_cookies(self) -> dict[bytes, bytes]:
        """The request's cookies, ``{name: value}`` as raw bytes (parsed on first use)."""
        cookies = self._receivedCookies
        if cookies is None:
            self._receivedCookies = cookies = {}
            self.parseCookies()
        return cookies

    @received_cookies.setter
    def received_cookies(self, cookies: dict[bytes, bytes]) -> None:
        self._receivedCookies = cookies

    def parseCookies(self) -> None:
        """Fill ``received_cookies`` from the Cookie headers (raw bytes, later ones win)."""
        cookies = self._receivedCookies
        if cookies is None:
            self._receivedCookies = cookies = {}
        for header in self.requestHeaders.getRawHeaders(b"cookie", []):
            for part in header.split(b";"):
                name, sep, value = part.partition(b"=")
                if sep:
                    cookies[name.strip()] = value.strip()

    def getCookie(self, key: bytes) -> bytes | None:
        """The value of request cookie *key*, or None."""
        return self.received_cookies.get(key)

    def getRequestHostname(self) -> bytes:
        """The host the client asked for (Host header without port), else the local address."""
        host = self.getHeader(b"host")
        if host:
            if host[:1] == b"[":
                return bytes(host.split(b"]", 1)[0][1:])
            return bytes(host.rsplit(b":", 1)[0]) if b":" in host else bytes(host)
        local = self.getHost()
        return str(getattr(local, "host", "")).encode("ascii", "replace")

    def getHost(self) -> IAddress:
        """The local address the request arrived on."""
        if self._host is None:
            self._host = self.channel.getHost()
        return self._host

    def getClientAddress(self) -> IAddress:
        """The client's address."""
        if self._client is None:
            self._client = self.channel.getPeer()
        return self._client

    def getClientIP(self) -> str | None:
        """The client's IP address, or None (deprecated in Twisted; prefer getClientAddress)."""
        return getattr(self.getClientAddress(), "host", None)

    def _clientText(self) -> str:
        return str(getattr(self.getClientAddress(), "host", "-"))

    def isSecure(self) -> bool:
        """Whether the request came over TLS (or `setHost` said so)."""
        if self._forceSSL:
            return True
        channel = self.channel
        return bool(channel is not None and channel.isSecure())

    def setHost(self, host: bytes, port: int, ssl: int = 0) -> None:
        """Pretend the request was made to *host*:*port* (used behind reverse proxies)."""
        from plait.internet.address import IPv4Address

        self._forceSSL = ssl
        default = port == _DEFAULT_PORTS[bool(ssl)]
        hostHeader = host if default else b"%s:%d" % (host, port)
        self.requestHeaders.setRawHeaders(b"host", [hostHeader])
        self._host = IPv4Address("TCP", host.decode("ascii", "replace"), port)

    def _basicAuth(self) -> tuple[bytes, bytes]:
        cached: tuple[bytes, bytes] | None = getattr(self, "_basicAuthCache", None)
        if cached is not None:
            return cached
        result = (b"", b"")
        header = self.getHeader(b"authorization")
        if header:
            scheme, _, encoded = header.partition(b" ")
            if scheme.lower() == b"basic":
                try:
                    decoded = base64.b64decode(encoded.strip(), validate=True)
                except (binascii.Error, ValueError):
                    decoded = b""
                user, sep, password = decoded.partition(b":")
                if sep:
                    result = (user, password)
        self._basicAuthCache = result
        return result

    def getUser(self) -> bytes:
        """The user name from ``Authorization: Basic``, or ``b""``."""
        return self._basicAuth()[0]

    def getPassword(self) -> bytes:
        """The password from ``Authorization: Basic``, or ``b""``."""
        return self._basicAuth()[1]

    @property
    def transport(self) -> Any:
        """The connection's transport, as a Twisted ITCPTransport."""
        channel = self.channel
        view = getattr(channel, "twistedTransport", None)
        return view if view is not None else getattr(channel, "transport", None)

    # -- the response --------------------------------------------------------------------------

    def setResponseCode(self, code: int, message: bytes | str | None = None) -> None:
        """Set the status code, and the reason phrase (defaults to the standard one)."""
        if not isinstance(code, int):
            raise TypeError("HTTP response code must be int")
        self.code = code
        if message is not None:
            if isinstance(message, str):
                message = message.encode("ascii")
            if _FORBIDDEN_IN_REASON.search(message) is not None:
                # Refused here, in the application's call, rather than when the head is
                # framed: by then the failure could only drop the connection (RFC 9112 s4).
                raise ValueError("reason phrase must not contain CR, LF, NUL or other controls")
            self.code_message = message
        else:
            self.code_message = RESPONSES.get(code, b"Unknown Status")

    def setHeader(self, name: bytes | str, value: bytes | str) -> None:
        """Set response header *name* to *value*, replacing earlier values."""
        headers = self.responseHeaders
        if type(value) is bytes and value in _cleanValues and type(headers) is Headers:
            # A value already known to be clean (the same few recur): only the name is left
            # to check, and Headers' own cache does that.
            lowered = _encodedNames.get(name)
            headers._rawHeaders[_encodeName(name) if lowered is None else lowered] = [value]
            return
        headers.setRawHeaders(name, [value])

    def redirect(self, url: bytes | str) -> None:
        """Answer 302 with a Location; the caller still has to finish the request."""
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
        sameSite: bytes | str | None = None,
    ) -> None:
        """Queue a ``Set-Cookie`` header; CR, LF, NUL and ``;`` in any part become spaces."""
        self.cookies.append(
            formatSetCookie(
                k, v, expires, domain, path, max_age, comment, secure, httpOnly, sameSite
            )
        )

    def setLastModified(self, when: float) -> object:
        """Set Last-Modified; answer 304 and return `CACHED` if the client's copy is current.

        Per RFC 9110 §13.1.3 If-Modified-Since is only honoured for GET and HEAD (Twisted
        applies it to every method).
        """
        when = math.ceil(when)
        if self.lastModified is None or when > self.lastModified:
            self.lastModified = when
        if self.method not in (b"GET", b"HEAD"):
            return None
        if self.requestHeaders.hasHeader(b"if-none-match"):
            return None  # RFC 9110 §13.1.3: If-None-Match takes precedence
        ims = self.getHeader(b"if-modified-since")
        if ims:
            try:
                since = stringToDatetime(ims.split(b";", 1)[0].strip())
            except ValueError:
                return None
            if since >= self.lastModified:
                self.setResponseCode(304)
                return CACHED
        return None

    def setETag(self, etag: bytes | str) -> object:
        """Set the ETag; answer 304 (GET/HEAD) or 412 and return `CACHED` on a match.

        ``If-None-Match`` is parsed as RFC 9110's comma-separated list with weak comparison
        (Twisted splits on whitespace and ignores ``W/``).
        """
        if isinstance(etag, str):
            etag = etag.encode("ascii")
        if etag[:1] != b'"' and etag[:2] != b"W/":
            etag = b'"' + etag + b'"'
        self.etag = etag
        header = self.getHeader(b"if-none-match")
        if header and if_none_match_matches(header, etag):
            self.setResponseCode(304 if self.method in (b"GET", b"HEAD") else 412)
            return CACHED
        return None

    def write(self, data: bytes) -> None:
        """Write part of the response body; the first call sends the status line and headers."""
        if self.finished:
            raise RuntimeError(
                "Request.write called on a request after Request.finish was called."
            )
        if self._disconnected:
            return
        if not self.startedWriting:
            # Marked as started only once the head is framed: if framing refuses it (a bad
            # header or reason), processingFailed can still answer with a 500.
            self.channel.writeResponseHead(
                self, self.code, self.code_message, self._responseHeaders()[0]
            )
            self.startedWriting = 1
        if data:
            self.sentLength += len(data)
            self.channel.writeResponseBody(self, data)

    def _responseHeaders(self) -> tuple[list[tuple[bytes, bytes]], bool]:
        """The response headers (Server, Date, the user's, ours) and whether all are safe.

        Safe means: the name is a token and the value is bytes without CR, LF or NUL.
        `Headers` guarantees it for its own pairs; the values taken from elsewhere (Server,
        the default Content-Type, ETag, Set-Cookie: all settable by the application) are
        checked here, so a False answer sends the list through the framing's full checks.
        """
        headers = self.responseHeaders
        # Names below are known-valid and lower-case, so the dict is read directly: this runs
        # on every response.
        raw = headers._rawHeaders
        trusted = type(headers) is Headers
        items: list[tuple[bytes, bytes]] = []
        server = self._serverHeader
        if server and b"server" not in raw:
            items.append((b"Server", server))
            if type(server) is not bytes or server not in _cleanValues:
                trusted = trusted and _isClean(server, True)
        if b"date" not in raw:
            # RFC 9110 §6.6.1: an origin server with a clock must send Date.
            items.append((b"Date", _dateHeader()))
        contentType = self.defaultContentType
        if (
            contentType is not None
            and b"content-type" not in raw
            and self.code not in NO_BODY_CODES
            and raw.get(b"content-length") != [b"0"]
        ):
            raw[b"content-type"] = [contentType]
            if type(contentType) is not bytes or contentType not in _cleanValues:
                trusted = trusted and _isClean(contentType, True)
        items += headers._items()
        if self.lastModified is not None and b"last-modified" not in raw:
            items.append((b"Last-Modified", datetimeToString(self.lastModified)))
        etag = self.etag
        if etag is not None and b"etag" not in raw:
            items.append((b"ETag", etag))
            trusted = trusted and _isClean(etag, False)
        cookies = self.cookies
        if cookies:
            for cookie in cookies:
                items.append((b"Set-Cookie", cookie))
                trusted = trusted and _isClean(cookie, False)
        return items, trusted

    def _writeWholeAndFinish(self, body: bytes) -> None:
        """Send a response whose whole body is known now, and finish.

        One framing pass and one transport write instead of write() + finish(): most
        responses take this path.
        """
        channel = self.channel
        whole = getattr(channel, "writeWholeResponse", None)
        if (
            whole is None
            or self.startedWriting
            or self.finished
            or self._disconnected
            or self.producer is not None
        ):
            self.write(body)
            self.finish()
            return
        self.startedWriting = 1
        self.sentLength = len(body)
        self.finished = 1
        headers, trusted = self._responseHeaders()
        try:
            if trusted:
                whole(self, self.code, self.code_message, headers, body, True)
            else:
                whole(self, self.code, self.code_message, headers, body)
        except ValueError:
            # Framing refused the head before anything was sent: let processingFailed answer.
            self.startedWriting = self.finished = self.sentLength = 0
            raise
        notifications = self.notifications
        if notifications:
            self.notifications = []
            for d in notifications:
                d.callback(None)

    def finish(self) -> None:
        """End the response: send what remains and fire `notifyFinish`'s Deferreds."""
        if self._disconnected:
            raise RuntimeError(
                "Request.finish called on a request after its connection was lost; "
                "use Request.notifyFinish to keep track of this."
            )
        if self.finished:
            _log.warning("Request.finish called twice on %r", self)
            return
        if not self.startedWriting:
            # Nothing written: an empty body, so say so unless the status forbids a body.
            if self.code not in NO_BODY_CODES and not self.responseHeaders.hasHeader(
                b"content-length"
            ):
                self.responseHeaders.setRawHeaders(b"content-length", [b"0"])
            self.write(b"")
        if self.producer is not None:
            _log.warning("producer %r still registered when %r finished", self.producer, self)
            self.unregisterProducer()
        self.finished = 1
        self.channel.finishResponse(self)
        notifications, self.notifications = self.notifications, []
        for d in notifications:
            d.callback(None)

    def notifyFinish(self) -> Deferred[None]:
        """A Deferred that fires with None when the response finishes, or fails on disconnect."""
        d: Deferred[None] = Deferred()
        if self.finished:
            d.callback(None)
        elif self._disconnected:
            from plait.internet.error import ConnectionLost

            d.errback(Failure(ConnectionLost("connection lost before the response finished")))
        else:
            self.notifications.append(d)
        return d

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Register a producer for the body (push if *streaming*, else pull)."""
        if self.producer is not None:
            raise ValueError(
                f"registering producer {producer!r} before previous one ({self.producer!r}) "
                "was unregistered"
            )
        self.producer = producer
        if self._disconnected:
            producer.stopProducing()
            return
        self.channel.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Forget the producer registered with `registerProducer`."""
        if self.producer is None:
            return
        self.producer = None
        self.channel.unregisterProducer()

    def loseConnection(self) -> None:
        """Close the connection this request arrived on."""
        self.channel.loseConnection()

    def getClientAddressText(self) -> str:
        """The client's host as text, ``-`` for non-IP clients (used by access logs)."""
        return self._clientText()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} at 0x{id(self):x} method={self.method.decode('latin-1')} "
            f"uri={self.uri.decode('latin-1')} clientproto={self.clientproto.decode('latin-1')}>"
        )


class _EmptyBody(io.BytesIO):
    """The shared, read-only body of requests that carry none."""

    def write(self, data: Any) -> int:
        raise ValueError("this request has no body to write to")


_EMPTY_BODY: IO[bytes] = _EmptyBody()


def _isClean(value: object, remember: bool) -> bool:
    """Whether *value* is bytes without CR, LF or NUL (kept in `_cleanValues` if *remember*)."""
    if type(value) is not bytes or _FORBIDDEN_IN_VALUE.search(value) is not None:
        return False
    if remember:
        _rememberClean(value)
    return True


_dateHeader = DateCache()


def formatSetCookie(
    k: bytes | str,
    v: bytes | str,
    expires: bytes | str | None = None,
    domain: bytes | str | None = None,
    path: bytes | str | None = None,
    max_age: bytes | str | int | None = None,
    comment: bytes | str | None = None,
    secure: bool | None = None,
    httpOnly: bool = False,
    sameSite: bytes | str | None = None,
) -> bytes:
    """The value of a ``Set-Cookie`` header (the arguments of `Request.addCookie`).

    CR, LF, NUL and ``;`` in any part become spaces, so no value can split the header or
    smuggle an attribute; ``sameSite`` must be lax, strict or none (none needs *secure*).
    """
    parts = [_cookiePart(k) + b"=" + _cookiePart(v)]
    if expires is not None:
        parts.append(b"Expires=" + _cookiePart(expires))
    if domain is not None:
        parts.append(b"Domain=" + _cookiePart(domain))
    if path is not None:
        parts.append(b"Path=" + _cookiePart(path))
    if max_age is not None:
        parts.append(
            b"Max-Age=" + _cookiePart(str(max_age) if isinstance(max_age, int) else max_age)
        )
    if comment is not None:
        parts.append(b"Comment=" + _cookiePart(comment))
    if secure:
        parts.append(b"Secure")
    if httpOnly:
        parts.append(b"HttpOnly")
    if sameSite is not None:
        same = _cookiePart(sameSite).lower()
        if same not in (b"lax", b"strict", b"none"):
            raise ValueError("Invalid value for sameSite: " + repr(sameSite))
        if same == b"none" and not secure:
            raise ValueError("sameSite=none requires the cookie to be secure")
        parts.append(b"SameSite=" + same)
    return b"; ".join(parts)


def _cookiePart(value: bytes | str) -> bytes:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return value.translate(_COOKIE_SANITIZE)


_COOKIE_SANITIZE = bytes.maketrans(b"\r\n\x00;", b"    ")


def _headerItems(headers: Headers) -> list[tuple[bytes, bytes]]:
    return headers._items()
