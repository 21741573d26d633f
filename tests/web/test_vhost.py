"""NameVirtualHost, VirtualHostCollection and VHostMonsterResource through a Site, in memory."""

from __future__ import annotations

from typing import Any

import pytest

from plait.testing import DummyRequest, TestClient
from plait.web.resource import Resource
from plait.web.server import Site
from plait.web.util import redirectTo
from plait.web.vhost import NameVirtualHost, VHostMonsterResource, VirtualHostCollection


class Named(Resource):
    """A leaf saying its name and what traversal left for it."""

    isLeaf = True

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def render_GET(self, request: Any) -> bytes:
        return (
            f"{self.name} prepath={b'/'.join(request.prepath).decode()} "
            f"postpath={b'/'.join(request.postpath).decode()}"
        ).encode()


def tree(name: str) -> Resource:
    root = Resource()
    root.putChild(b"", Named(name + " home"))
    root.putChild(b"page", Named(name + " page"))
    return root


def vhostSite() -> tuple[NameVirtualHost, Site]:
    nvh = NameVirtualHost()
    nvh.addHost(b"example.com", tree("example"))
    nvh.addHost("Other.Example", Named("leaf"))
    nvh.addHost(b"[::1]", Named("v6"))
    return nvh, Site(nvh)


def get(site: Site, host: str, path: str) -> Any:
    return TestClient(site, host=host).get(path)


@pytest.mark.parametrize(
    "host", ["example.com", "EXAMPLE.com", "example.com:8080", "example.com."]
)
def test_host_matching(host: str) -> None:
    _, site = vhostSite()
    assert get(site, host, "/page").text == "example page prepath=page postpath="
    assert get(site, host, "/").text == "example home prepath= postpath="


def test_leaf_host_gets_the_segment_back() -> None:
    _, site = vhostSite()
    assert get(site, "other.example", "/a/b").text == "leaf prepath= postpath=a/b"


def test_ipv6_literal_host() -> None:
    _, site = vhostSite()
    assert get(site, "[::1]:8080", "/x").text == "v6 prepath= postpath=x"
    assert get(site, "[::1]", "/x").text == "v6 prepath= postpath=x"


def test_unknown_host_is_an_escaped_404() -> None:
    _, site = vhostSite()
    # The HTTP layer refuses "<" in Host; what it lets through is still escaped.
    response = get(site, "a'b&c", "/")
    assert response.status_code == 404
    assert "host &quot;a&#x27;b&amp;c&quot; not in vhost map" in response.text


def test_unknown_host_page_escapes_whatever_reaches_it() -> None:
    nvh, _ = vhostSite()
    request = DummyRequest([b""])
    request.requestHeaders.setRawHeaders(b"host", [b"<script>alert(1)</script>"])
    body = nvh.render(request)
    assert isinstance(body, bytes)
    assert request.responseCode == 404
    assert b"<script>" not in body
    assert b"&lt;script&gt;" in body


def test_default_and_remove() -> None:
    nvh, site = vhostSite()
    nvh.default = Named("default")
    assert get(site, "nowhere", "/x").text == "default prepath= postpath=x"
    nvh.removeHost(b"EXAMPLE.COM")
    assert get(site, "example.com", "/x").text == "default prepath= postpath=x"
    with pytest.raises(KeyError):
        nvh.removeHost(b"example.com")


def test_missing_host_header() -> None:
    # HTTP/1.0 may omit Host; a server answers such requests before they get this far
    # only for HTTP/1.1, so a fake request stands in.
    nvh = NameVirtualHost()
    nvh.addHost(b"example.com", Named("example"))
    request = DummyRequest([b"x"])
    assert nvh.render(request) is not None
    assert request.responseCode == 404
    nvh.default = Named("default")
    assert nvh.render(DummyRequest([b"x"])) == b"default prepath= postpath=x"


def test_children_are_shared_by_every_host() -> None:
    nvh, site = vhostSite()
    nvh.putChild(b"shared", Named("shared"))
    assert get(site, "example.com", "/shared").text.startswith("shared")
    assert get(site, "other.example", "/shared").text.startswith("shared")


def test_rendering_a_leaf_nvh() -> None:
    nvh, _ = vhostSite()
    nvh.isLeaf = True
    assert get(Site(nvh), "other.example", "/q").text == "leaf prepath= postpath=q"


def test_collection() -> None:
    nvh, _ = vhostSite()
    collection = VirtualHostCollection(nvh)
    assert {name for name, _ in collection.listStaticEntities()} == {
        b"example.com",
        b"other.example",
        b"::1",
    }
    collection.reallyPutEntity(b"new.example", Named("new"))
    assert isinstance(collection.getStaticEntity("NEW.example"), Named)
    collection.delEntity(b"new.example")
    assert collection.getStaticEntity(b"new.example") is None


# -- VHostMonsterResource --------------------------------------------------------------------


class Where(Resource):
    """Shows how the request looks after the monster rewrote it."""

    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b" ".join(
            [
                request.getRequestHostname(),
                str(request.getHost().port).encode(),
                b"secure" if request.isSecure() else b"plain",
                request.uri,
                request.path,
                request.prePathURL(),
                b"/".join(request.postpath),
            ]
        )


class GoHome(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return redirectTo(request.prePathURL() + b"/../", request)


def monsterSite() -> Site:
    root = Resource()
    root.putChild(b"vhost", VHostMonsterResource())
    root.putChild(b"where", Where())
    root.putChild(b"home", GoHome())
    return Site(root)


def test_monster_rewrites_host_scheme_and_path() -> None:
    response = get(monsterSite(), "backend", "/vhost/https/example.com:8443/where/a%2Fb?q=1")
    assert response.text == (
        "example.com 8443 secure /where/a%2Fb?q=1 /where/a%2Fb https://example.com:8443/where a/b"
    )


def test_monster_default_ports() -> None:
    site = monsterSite()
    assert get(site, "backend", "/vhost/http/example.com/where").text.startswith(
        "example.com 80 plain /where /where http://example.com/where"
    )
    assert get(site, "backend", "/vhost/https/example.com/where").text.startswith(
        "example.com 443 secure /where /where https://example.com/where"
    )


def test_monster_ipv6_host() -> None:
    text = get(monsterSite(), "backend", "/vhost/http/[2001:db8::1]:81/where").text
    assert text.startswith("2001:db8::1 81 plain /where /where http://[2001:db8::1]:81/where")


def test_monster_http_over_tls_is_not_secure() -> None:
    client = TestClient(monsterSite(), host="backend", secure=True)
    assert " plain " in client.get("/vhost/http/example.com/where").text


def test_monster_redirects_point_at_the_public_host() -> None:
    response = get(monsterSite(), "backend", "/vhost/https/example.com/home")
    assert response.status_code == 302
    assert response.header("location") == "https://example.com/home/../"


def test_monster_root() -> None:
    site = monsterSite()
    assert get(site, "backend", "/vhost/http/example.com").status_code == 404  # root has no b""


@pytest.mark.parametrize(
    "segment",
    [
        "exa<mple.com",
        "example.com:0",
        "example.com:99999",
        "example.com:8o",
        "[zz]:80",
        "[::1]x",
        "-a",
    ],
)
def test_monster_refuses_malformed_hosts(segment: str) -> None:
    response = get(monsterSite(), "backend", f"/vhost/http/{segment}/where")
    assert response.status_code == 400
    assert "<mple" not in response.text


def test_monster_unknown_scheme() -> None:
    response = get(monsterSite(), "backend", "/vhost/gopher/example.com/where")
    assert response.status_code == 404


def test_module_has_twisteds_public_names() -> None:
    import twisted.web.vhost

    from plait.web import vhost

    public = {n for n in vars(twisted.web.vhost) if n[0].isupper() and n[0] != "_"}
    assert public <= set(vhost.__all__)
