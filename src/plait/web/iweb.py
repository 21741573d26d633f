"""Interfaces of the web layer (Twisted's ``twisted.web.iweb``).

Declarations only: ``zope.interface`` interfaces that resources, requests,
templates, the HTTP client and authentication code implement or consume.
"""

from __future__ import annotations

from typing import Any

from zope.interface import Attribute, Interface

__all__ = [
    "UNKNOWN_LENGTH",
    "IAccessLogFormatter",
    "IAgent",
    "IAgentEndpointFactory",
    "IBodyProducer",
    "IClientRequest",
    "ICredentialFactory",
    "INonQueuedRequestFactory",
    "IPolicyForHTTPS",
    "IRenderable",
    "IRequest",
    "IResponse",
    "ITemplateLoader",
    "IUsernameDigestHash",
]

UNKNOWN_LENGTH = "plait.web.iweb.UNKNOWN_LENGTH"
"""The ``length`` of a body producer or response whose size is not known ahead."""


class IRequest(Interface):
    """An HTTP request as a resource sees it."""

    method = Attribute("The request method as bytes, as sent (e.g. b'GET').")
    uri = Attribute("The full request target as bytes, query included, still encoded.")
    path = Attribute("The request target before any '?', as bytes, still encoded.")
    args = Attribute("Query (and POST form) arguments: a dict of bytes to a list of bytes.")
    prepath = Attribute("Path segments (bytes) already consumed by traversal.")
    postpath = Attribute("Path segments (bytes) not yet consumed by traversal.")
    requestHeaders = Attribute("The request's headers, a Headers instance.")
    content = Attribute("The request body as a readable binary file, positioned at 0.")
    responseHeaders = Attribute("The response's headers, a Headers instance.")

    def getHeader(key: bytes | str) -> bytes | str | None:
        """Return the last value of request header *key*, or None."""

    def getCookie(key: bytes) -> bytes | None:
        """Return the value of the request cookie *key*, or None."""

    def getAllHeaders() -> dict[bytes, bytes]:
        """Return the request headers as a dict of lower-case name to last value."""

    def getRequestHostname() -> bytes:
        """Return the host name the client asked for, without a port."""

    def getHost() -> Any:
        """Return the local address the request arrived on."""

    def getClientAddress() -> Any:
        """Return the address of the peer that sent the request."""

    def getClientIP() -> str | None:
        """Return the peer's IP address as text, or None (deprecated in Twisted)."""

    def getUser() -> bytes:
        """Return the user name from an ``Authorization: Basic`` header, or b''."""

    def getPassword() -> bytes:
        """Return the password from an ``Authorization: Basic`` header, or b''."""

    def isSecure() -> bool:
        """Return whether the request arrived over TLS."""

    def getSession(sessionInterface: Any = None) -> Any:
        """Return the session of this request, creating one if needed."""

    def URLPath() -> Any:
        """Return the URL of this request's prepath as a URLPath."""

    def prePathURL() -> bytes:
        """Return the absolute URL of the resource reached so far."""

    def rememberRootURL() -> None:
        """Remember the current prepath's parent URL as the application root."""

    def getRootURL() -> bytes | None:
        """Return the URL remembered by rememberRootURL."""

    def finish() -> None:
        """Mark the response complete; nothing may be written afterwards."""

    def write(data: bytes) -> None:
        """Write *data* as part of the response body, sending the headers first if needed."""

    def addCookie(
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
        """Add a ``Set-Cookie`` header to the response."""

    def setResponseCode(code: int, message: bytes | None = None) -> None:
        """Set the response status code and, optionally, its reason phrase."""

    def setHeader(k: bytes | str, v: bytes | str) -> None:
        """Set response header *k* to *v*, replacing earlier values."""

    def redirect(url: bytes | str) -> None:
        """Answer with a 302 redirect to *url* (the caller still finishes)."""

    def setLastModified(when: float) -> object:
        """Set ``Last-Modified``; return CACHED when the client's copy is current."""

    def setETag(etag: bytes) -> object:
        """Set ``ETag``; return CACHED when the client's copy matches."""

    def setHost(host: bytes, port: int, ssl: bool = False) -> None:
        """Override the host, port and security the request appears to have arrived on."""


class INonQueuedRequestFactory(Interface):
    """Builds requests for a channel."""

    def __call__(channel: Any) -> IRequest:
        """Return a new request bound to *channel*."""


class IAccessLogFormatter(Interface):
    """Formats one access-log line for a finished request."""

    def __call__(timestamp: str, request: IRequest) -> str:
        """Return the log line for *request*, finished at *timestamp*."""


class ICredentialFactory(Interface):
    """Turns an HTTP ``Authorization`` header into credentials for one auth scheme."""

    scheme = Attribute("The scheme name as bytes, e.g. b'basic'.")

    def getChallenge(request: IRequest) -> dict[str, Any]:
        """Return the parameters of the ``WWW-Authenticate`` challenge for *request*."""

    def decode(response: bytes, request: IRequest) -> Any:
        """Return credentials parsed from the header value *response*; raise on bad input."""


class IUsernameDigestHash(Interface):
    """Credentials that can be checked against a stored HTTP digest hash."""

    username = Attribute("The user name the credentials claim.")

    def checkHash(digestHash: bytes) -> bool:
        """Return whether *digestHash* (the stored HA1) matches these credentials."""


class IBodyProducer(Interface):
    """Produces a request body for the HTTP client."""

    length = Attribute("The body's length in bytes, or UNKNOWN_LENGTH.")

    def startProducing(consumer: Any) -> Any:
        """Start writing the body to *consumer*; return a Deferred firing when done."""

    def pauseProducing() -> None:
        """Stop writing until resumeProducing is called."""

    def resumeProducing() -> None:
        """Resume writing after pauseProducing."""

    def stopProducing() -> None:
        """Stop writing for good; the Deferred from startProducing may not fire."""


class IRenderable(Interface):
    """An object a template can render, with its own named render methods."""

    def lookupRenderMethod(name: str) -> Any:
        """Return the render method called *name* (taking request and tag)."""

    def render(request: IRequest | None) -> Any:
        """Return something flattenable standing for this object."""


class ITemplateLoader(Interface):
    """Loads a template as a list of flattenable objects."""

    def load() -> list[Any]:
        """Return the template's contents."""


class IResponse(Interface):
    """A response received by the HTTP client."""

    version = Attribute("The HTTP version as a tuple such as (b'HTTP', 1, 1).")
    code = Attribute("The status code as an int.")
    phrase = Attribute("The reason phrase as bytes.")
    headers = Attribute("The response headers, a Headers instance.")
    length = Attribute("The body length in bytes, or UNKNOWN_LENGTH.")
    request = Attribute("The IClientRequest this response answers.")
    previousResponse = Attribute("The response that redirected here, or None.")

    def deliverBody(protocol: Any) -> None:
        """Send the body to *protocol*'s dataReceived, then connectionLost."""

    def setPreviousResponse(response: IResponse) -> None:
        """Record the response that led to this one."""


class IClientRequest(Interface):
    """A request sent by the HTTP client."""

    method = Attribute("The method as bytes.")
    absoluteURI = Attribute("The absolute URI as bytes, or None when unknown.")
    headers = Attribute("The request headers, a Headers instance.")


class IAgent(Interface):
    """Issues HTTP requests."""

    def request(
        method: bytes, uri: bytes, headers: Any = None, bodyProducer: IBodyProducer | None = None
    ) -> Any:
        """Send a request; return a Deferred firing with an IResponse."""


class IPolicyForHTTPS(Interface):
    """Chooses the TLS settings for an outgoing connection."""

    def creatorForNetloc(hostname: bytes, port: int) -> Any:
        """Return the TLS client settings for *hostname* and *port*."""


class IAgentEndpointFactory(Interface):
    """Chooses the endpoint an agent connects to for a URI."""

    def endpointForURI(uri: Any) -> Any:
        """Return a client endpoint for *uri*."""
