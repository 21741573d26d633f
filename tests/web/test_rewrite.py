"""RewriterResource, alias and tildeToUsers through a Site, in memory."""

from __future__ import annotations

from typing import Any

from plait.testing import DummyRequest, TestClient
from plait.web.resource import Resource
from plait.web.rewrite import RewriterResource, alias, tildeToUsers
from plait.web.server import Site


class Show(Resource):
    isLeaf = True

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def render_GET(self, request: Any) -> bytes:
        return b"%s prepath=%s postpath=%s path=%s" % (
            self.name.encode(),
            b"/".join(request.prepath),
            b"/".join(request.postpath),
            request.path,
        )


def docsTree() -> Resource:
    docs = Resource()
    current = Resource()
    current.putChild(b"intro", Show("intro"))
    docs.putChild(b"current", current)
    docs.putChild(b"old", Show("old"))
    root = Resource()
    root.putChild(b"docs", docs)
    root.putChild(b"users", Show("users"))
    return root


def site(*rules: Any, mount: bool = False) -> Site:
    rewriter = RewriterResource(docsTree(), *rules)
    if not mount:
        return Site(rewriter)
    root = Resource()
    root.putChild(b"site", rewriter)
    return Site(root)


def test_alias() -> None:
    client = TestClient(site(alias("latest", "docs/current")))
    response = client.get("/latest/intro")
    assert response.text == "intro prepath=docs/current/intro postpath= path=/docs/current/intro"
    # Paths that do not match are untouched.
    assert client.get("/docs/old/x").text == "old prepath=docs/old postpath=x path=/docs/old/x"


def test_alias_with_bytes_and_slashes() -> None:
    client = TestClient(site(alias(b"/latest/", b"/docs/current/")))
    assert client.get("/latest/intro").text.startswith("intro ")


def test_rules_apply_in_order() -> None:
    client = TestClient(site(alias("l", "latest"), alias("latest", "docs/current")))
    assert client.get("/l/intro").text.startswith("intro ")


def test_rewriter_mounted_below_the_root() -> None:
    client = TestClient(site(alias("latest", "docs/current"), mount=True))
    text = client.get("/site/latest/intro").text
    assert text == "intro prepath=site/docs/current/intro postpath= path=/site/docs/current/intro"


def test_tilde_to_users() -> None:
    client = TestClient(site(tildeToUsers))
    assert (
        client.get("/~bob/pics").text
        == "users prepath=users postpath=bob/pics path=/users/bob/pics"
    )
    assert client.get("/docs/old").text.startswith("old ")


def test_rewritten_path_is_quoted() -> None:
    client = TestClient(site(tildeToUsers))
    assert client.get("/~b%2Fo%20b/x").text.endswith("path=/users/b%2Fo%20b/x")


def test_rule_consuming_everything_renders_the_original() -> None:
    def swallow(request: Any) -> None:
        request.postpath = []

    class Root(Resource):
        def render_GET(self, request: Any) -> bytes:
            return b"root itself"

    response = TestClient(Site(RewriterResource(Root(), swallow))).get("/anything")
    assert response.text == "root itself"


def test_render_applies_the_rules() -> None:
    seen: list[list[bytes]] = []
    rewriter = RewriterResource(Show("leaf"), lambda request: seen.append(list(request.postpath)))
    request = DummyRequest([b"a"])
    assert rewriter.render(request) == b"leaf prepath= postpath=a path=/a"
    assert seen == [[b"a"]]
    assert rewriter.rewriteRules
    assert rewriter.resource.name == "leaf"  # type: ignore[attr-defined]


def test_module_has_twisteds_public_names() -> None:
    import twisted.web.rewrite

    from plait.web import rewrite

    public = {
        n for n, v in vars(twisted.web.rewrite).items() if callable(v) and not n.startswith("_")
    } - {"resource"}
    assert public <= set(rewrite.__all__)
