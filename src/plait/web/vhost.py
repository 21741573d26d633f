"""Name-based virtual hosts and reverse-proxy host rewriting (Twisted's ``twisted.web.vhost``).

`NameVirtualHost` picks a resource tree by the request's ``Host`` header;
`VHostMonsterResource` lets a reverse proxy tell the site which host and scheme the
client really asked for, by encoding them in the proxied URL. Everything echoed from the
request into a page is HTML-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from plait.web.iweb import IRequest
from plait.web.pages import errorPage, notFound
from plait.web.resource import IResource, Resource

__all__ = ["NameVirtualHost", "VHostMonsterResource", "VirtualHostCollection"]


def _hostKey(host: bytes | str) -> bytes:
    """Normalise a host name or Host header: lower case, no port, no brackets, no final dot."""
    if isinstance(host, str):
        host = host.encode("idna") if not host.isascii() else host.encode("ascii")
    host = host.strip().lower()
    if host.startswith(b"["):
        # An IPv6 literal: "[::1]" or "[::1]:8080".
        end = host.find(b"]")
        return host[1:end] if end > 0 else host
    if host.count(b":") == 1:
        host = host.partition(b":")[0]
    return host[:-1] if host.endswith(b".") else host


class NameVirtualHost(Resource):
    """Serve a different resource tree for each host name a request asks for.

    Host names match case-insensitively, without the port (``Example.COM:8080`` is
    ``example.com``). A request for an unknown host gets `default` if it is set, else a
    404 naming the host. Children added with ``putChild`` are shared by every host.
    """

    default: IResource | None = None
    """The resource for requests whose host has no entry (None: a 404)."""

    def __init__(self) -> None:
        super().__init__()
        self.hosts: dict[bytes, IResource] = {}

    def addHost(self, name: bytes | str, resrc: IResource) -> None:
        """Serve ``resrc`` for requests to host ``name`` (e.g. ``b"www.example.com"``)."""
        self.hosts[_hostKey(name)] = resrc

    def removeHost(self, name: bytes | str) -> None:
        """Stop serving host ``name`` (KeyError if it was not added)."""
        del self.hosts[_hostKey(name)]

    def _getResourceForRequest(self, request: IRequest) -> IResource:
        header = request.getHeader(b"host")
        if not header:
            return self.default or notFound()
        host = _hostKey(header)
        found = self.hosts.get(host, self.default)
        if found is None:
            name = host.decode("ascii", "replace")
            # ErrorPage escapes the text, so a hostile Host header stays inert.
            return notFound("Not Found", f"host {name!r} not in vhost map")
        return found

    def render(self, request: IRequest) -> object:
        """Render the requested host's resource."""
        return self._getResourceForRequest(request).render(request)

    def getChild(self, path: bytes, request: IRequest) -> IResource:
        """Continue traversal in the requested host's tree."""
        resrc = self._getResourceForRequest(request)
        if resrc.isLeaf:
            # A leaf host answers for the whole path, this segment included.
            request.postpath.insert(0, request.prepath.pop())
            return resrc
        return resrc.getChildWithDefault(path, request)


class VirtualHostCollection:
    """A dict-like view of a `NameVirtualHost`'s hosts, for configuration tools."""

    def __init__(self, nvh: NameVirtualHost) -> None:
        self.nvh = nvh

    def listStaticEntities(self) -> Iterable[tuple[bytes, IResource]]:
        """The ``(host, resource)`` pairs."""
        return self.nvh.hosts.items()

    def getStaticEntity(self, name: bytes | str) -> IResource | None:
        """The resource for host ``name``, or None."""
        return self.nvh.hosts.get(_hostKey(name))

    def reallyPutEntity(self, name: bytes | str, entity: IResource) -> None:
        """Add (or replace) host ``name``."""
        self.nvh.addHost(name, entity)

    def delEntity(self, name: bytes | str) -> None:
        """Remove host ``name``."""
        self.nvh.removeHost(name)


_HOSTNAME = re.compile(rb"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,252})")
_IPV6 = re.compile(rb"\[[0-9A-Fa-f:.]{2,45}\]")


def _parseHostPort(segment: bytes, secure: bool) -> tuple[bytes, int] | None:
    """Split ``host[:port]`` (host may be ``[v6]``); None unless both are well-formed."""
    if segment.startswith(b"["):
        end = segment.find(b"]") + 1
        host, rest = segment[:end], segment[end:]
        if not _IPV6.fullmatch(host) or (rest and not rest.startswith(b":")):
            return None
        host, port = host[1:-1], rest[1:]
    else:
        host, _, port = segment.partition(b":")
        if not _HOSTNAME.fullmatch(host):
            return None
    if not port:
        return host, 443 if secure else 80
    if not port.isdigit() or len(port) > 5 or not 0 < int(port) < 65536:
        return None
    return host, int(port)


class _HostResource(Resource):
    """The ``host:port`` step of a VHostMonster URL: rewrite the request, restart traversal."""

    def __init__(self, secure: bool) -> None:
        super().__init__()
        self.secure = secure

    def getChild(self, path: bytes, request: Any) -> IResource:
        """Take the host from *path*, then walk the site again from its root."""
        parsed = _parseHostPort(path, self.secure)
        if parsed is None:
            return errorPage(400, "Bad Request", "The proxied host name or port is malformed.")
        host, port = parsed
        request.setHost(host, port, int(self.secure))
        if not self.secure:
            # setHost cannot say "not TLS" when the proxy itself talks TLS to us.
            request.isSecure = lambda: False
        # Drop everything up to and including host:port from path and uri, keeping the
        # rest exactly as sent (still percent-encoded), so links are made for the client.
        consumed = len(request.prepath)
        rawSegments = request.path[1:].split(b"/")
        request.path = b"/" + b"/".join(rawSegments[consumed:])
        _, mark, query = request.uri.partition(b"?")
        request.uri = request.path + mark + query
        # In place: the tree walk that called us holds these very lists.
        del request.prepath[:]
        if not request.postpath:
            request.postpath.append(b"")  # ".../host:port" means the root, like "/"
        resource: IResource = request.site.getResourceFor(request)
        return resource


class VHostMonsterResource(Resource):
    """Make a site behind a reverse proxy see the host and scheme the client used.

    Put it at e.g. ``/vhost`` and have the proxy forward ``https://example.com/x`` to
    ``http://backend/vhost/https/example.com:443/x``: the request is then served as
    ``/x`` with ``Host: example.com``, ``isSecure()`` true, and URLs built for it
    (redirects, ``prePathURL``) point at the public address.
    """

    def getChild(self, path: bytes, request: IRequest) -> IResource:
        """``http`` or ``https``, then the host step; anything else is a 404."""
        if path == b"http":
            return _HostResource(secure=False)
        if path == b"https":
            return _HostResource(secure=True)
        return notFound("Not Found", "The proxied scheme must be http or https.")
