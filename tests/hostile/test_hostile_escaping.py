"""Every page that echoes input, fed hostile text, answers with that text escaped.

CVE-2024-41810 (redirectTo) and CVE-2022-39348 (NameVirtualHost's 404) were Twisted pages
echoing a URL or a Host header into HTML unescaped. Here every page plait generates from
request data (error pages, traversal 404s, 405/501, the 500 page with tracebacks, redirects,
static directory listings, virtual hosts, the reverse-proxy helper, guard's 401, template
error pages) gets markup, quotes, ``&``, ``</title>``, NUL and bytes that are not UTF-8,
and must come back inert: no tag of ours, no raw entity, no NUL, valid UTF-8.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hostile_support import RunningServer, parseResponses
from zope.interface import implementer

from plait.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
from plait.cred.portal import IRealm, Portal
from plait.web import guard, pages, template, util, vhost
from plait.web.resource import IResource, Resource
from plait.web.server import Site
from plait.web.static import File

# Raw markup: a `<xss` anywhere in a page means something was not escaped.
MARK = "<xss1>\"onx=1 '&xx;</title><xss2>"
# The same, percent-encoded for a request target, with NUL and a lone 0xFF variant.
PCT = "%3Cxss1%3E%22onx=1%20%27%26xx;%3C/title%3E%3Cxss2%3E"
TARGETS = [
    b"/" + PCT.encode(),
    b"/a/" + PCT.encode() + b"%00",
    b"/" + PCT.encode() + b"%ff%fe",
    b"/<xss1>&xx;'\"",  # raw: all VCHAR, so legal in a request target
]


def assertInert(body: bytes, attributes: bool = False) -> None:
    """No tag, entity or NUL of the mark; valid UTF-8. With *attributes*, no raw quote either
    (the page puts the input inside an attribute value, where a quote would end it)."""
    lowered = body.lower()
    assert b"<xss" not in lowered, body[:600]
    assert b"&xx;" not in lowered, body[:600]
    if attributes:
        assert b'"onx' not in lowered, body[:600]
        assert b"'&" not in lowered, body[:600]
    assert b"\x00" not in body
    body.decode("utf-8")


def get(server: RunningServer, target: bytes, headers: bytes = b"", method: bytes = b"GET"):  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        sock.sendall(
            method
            + b" "
            + target
            + b" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
            + headers
            + b"\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    responses = parseResponses(data)
    assert len(responses) == 1, data[:300]
    return responses[0]


def check(
    server: RunningServer, status: int | tuple[int, ...], attributes: bool = False, **kw: Any
) -> None:
    statuses = status if isinstance(status, tuple) else (status,)
    for target in TARGETS:
        response = get(
            server,
            kw.get("prefix", b"") + target,
            kw.get("headers", b""),
            kw.get("method", b"GET"),
        )
        assert response.status in statuses, (target, response.status, response.body[:300])
        assertInert(response.body, attributes)


class Tree(Resource):
    """A root with a few children; everything else is the default 404 of traversal."""

    def __init__(self) -> None:
        super().__init__()
        self.putChild(b"a", Resource())


def test_traversal_404(serve: Any) -> None:
    check(serve(Site(Tree())), 404)


@pytest.mark.parametrize("factory", ["errorPage", "notFound", "forbidden"])
def test_pages_with_hostile_text(serve: Any, factory: str) -> None:
    """The text an application passes in (often built from the request) is escaped."""
    make = getattr(pages, factory)
    resource = make(400, MARK, MARK) if factory == "errorPage" else make(MARK, MARK)
    check(serve(Site(resource)), (400, 403, 404))


class GetOnly(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b"ok"


@pytest.mark.parametrize("method", [b"POST", b"DELETE", b"PROPFIND"])
def test_unsupported_method_pages(serve: Any, method: bytes) -> None:
    check(serve(Site(GetOnly())), (405, 501), method=method)


class Boom(Resource):
    """Raises an exception whose text carries the request's target and the mark."""

    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        raise ValueError(MARK + request.uri.decode("latin-1") + "\x00")


@pytest.mark.parametrize("tracebacks", [True, False])
def test_500_page(serve: Any, tracebacks: bool) -> None:
    site = Site(Boom())
    site.displayTracebacks = tracebacks
    check(serve(site), 500)


class Reflect(Resource):
    """Redirects to the request's own (decoded) target, as a careless app would."""

    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        url = b"/x" + request.path + b"?q=" + MARK.encode()
        return util.redirectTo(url.replace(b"\x00", b""), request)


def test_redirect_page(serve: Any) -> None:
    check(serve(Site(Reflect())), 302, attributes=True)


@pytest.fixture
def listingRoot(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    hostile = root / "<xss1>\"onx=1 '&xx;"
    hostile.mkdir(parents=True)
    (hostile / "<xss2>&xx;'\".txt").write_bytes(b"x")
    (root / "&lt;&amp;xx;&quot;<xss3>.html").write_bytes(b"x")
    os.mkdir(os.path.join(os.fsencode(root), b"\xff\xfe-not-utf8"))
    (root / "dir").mkdir()
    return root


def test_static_directory_listings(serve: Any, listingRoot: Path) -> None:
    server = serve(Site(File(str(listingRoot))))
    for target in (b"/", b"/%3Cxss1%3E%22onx=1%20%27%26xx;/", b"/%ff%fe-not-utf8/"):
        response = get(server, target)
        assert response.status == 200, (target, response.status)
        assertInert(response.body, attributes=True)
    for target in TARGETS:
        response = get(server, target)
        assert response.status in (400, 404), (target, response.status)
        assertInert(response.body)


def test_vhost_unknown_host(serve: Any) -> None:
    root = vhost.NameVirtualHost()
    root.addHost(b"known.example", GetOnly())
    server = serve(Site(root))
    # <, > and " are not allowed in Host (RFC 3986 reg-name): those are refused as 400 by
    # the parser; what passes is sub-delims and pct-encoding, echoed in the 404 page.
    echoed: list[bool] = []
    for host in (b"a&xx;b'c", b"%3Cxss1%3E", b"x!$&'()*+,;=y", b"[::1]:1"):
        with server.connect() as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        response = parseResponses(data)[0]
        assert response.status in (400, 404), (host, response.status)
        assertInert(response.body)
        echoed.append(response.status == 404 and b"xx;" in response.body)
    assert any(echoed), "no hostile Host reached the page that echoes it"


def test_vhost_monster_errors(serve: Any) -> None:
    root = Resource()
    root.putChild(b"vhost.rpy", vhost.VHostMonsterResource())
    check(serve(Site(root)), (400, 404), prefix=b"/vhost.rpy/" + PCT.encode() + b"/")
    check(serve(Site(root)), (400, 404), prefix=b"/vhost.rpy/http")
    check(serve(Site(root)), (400, 404), prefix=b"/vhost.rpy/http/" + PCT.encode())


@implementer(IRealm)
class Realm:
    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        return IResource, GetOnly(), lambda: None


@pytest.mark.parametrize(
    "authorization",
    [
        b"",
        b"Authorization: Basic " + PCT.encode() + b"\r\n",
        b"Authorization: Basic PHhzczE+OjxzY3JpcHQ+\r\n",  # <xss1>:<script> decoded
        b'Authorization: Digest username="<xss1>", realm="&xx;"\r\n',
        b"Authorization: <xss1> &xx;\r\n",
    ],
)
def test_guard_401(serve: Any, authorization: bytes) -> None:
    checker = InMemoryUsernamePasswordDatabaseDontUse(user=b"pw")
    factories = [
        guard.BasicCredentialFactory(b"realm"),
        guard.DigestCredentialFactory(b"md5", b"realm"),
    ]
    wrapper = guard.HTTPAuthSessionWrapper(Portal(Realm(), [checker]), factories)
    check(serve(Site(wrapper)), (400, 401), headers=authorization)


class BrokenElement(template.Element):
    """A template whose renderer raises with hostile text in the exception."""

    loader = template.TagLoader(template.tags.p(render="broken"))

    @template.renderer
    def broken(self, request: Any, tag: Any) -> Any:
        raise ValueError(MARK + request.uri.decode("latin-1") + "\x00\x07")


class TemplatePage(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> Any:
        return template.renderElement(request, BrokenElement())


@pytest.mark.parametrize("tracebacks", [True, False])
def test_template_error_page(serve: Any, tracebacks: bool) -> None:
    site = Site(TemplatePage())
    site.displayTracebacks = tracebacks
    server = serve(site)
    for target in TARGETS:
        with server.connect() as sock:
            sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        # The page has started (200) before the renderer fails: the error is appended to it.
        response = parseResponses(data)[0]
        assert response.status in (200, 500)
        assertInert(response.body)
