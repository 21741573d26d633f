"""Tests for plait.web.resource: traversal, render dispatch, error pages, encoding wrapper."""

from __future__ import annotations

from typing import Any

import pytest
from zope.interface.verify import verifyObject

from plait.testing import DummyRequest
from plait.web._constants import NOT_DONE_YET
from plait.web.error import UnsupportedMethod
from plait.web.resource import (
    EncodingResourceWrapper,
    ErrorPage,
    ForbiddenResource,
    IResource,
    NoResource,
    Resource,
    getChildForRequest,
)


class Text(Resource):
    """A resource answering GET with a fixed body."""

    def __init__(self, body: bytes = b"text") -> None:
        super().__init__()
        self.body = body

    def render_GET(self, request: Any) -> bytes:
        return self.body


class Leaf(Text):
    isLeaf = True


def _path(path: bytes) -> list[bytes]:
    """Split a request path into postpath segments the way server.Request does."""
    return path[1:].split(b"/")


def test_resource_provides_iresource() -> None:
    """Resource instances verify against IResource."""
    assert verifyObject(IResource, Resource())


@pytest.mark.parametrize(
    ("path", "segments"),
    [(b"/", [b""]), (b"/a/", [b"a", b""]), (b"//a", [b"", b"a"]), (b"/a", [b"a"])],
)
def test_segment_shapes(path: bytes, segments: list[bytes]) -> None:
    """The request paths of the reference split into these postpaths."""
    assert _path(path) == segments


def test_root_without_empty_child_is_404() -> None:
    """GET / asks the root for its b"" child; a bare Resource has none."""
    root = Resource()
    request = DummyRequest(_path(b"/"))
    found = getChildForRequest(root, request)
    assert isinstance(found, NoResource)
    assert request.prepath == [b""]
    assert request.postpath == []


def test_empty_child_serves_slash() -> None:
    """putChild(b"", r) serves the trailing-slash URL."""
    root, index = Resource(), Text()
    root.putChild(b"", index)
    request = DummyRequest(_path(b"/"))
    assert getChildForRequest(root, request) is index


def test_directory_with_trailing_slash() -> None:
    """/a/ reaches a's b"" child."""
    root, a, index = Resource(), Resource(), Text()
    root.putChild(b"a", a)
    a.putChild(b"", index)
    request = DummyRequest(_path(b"/a/"))
    assert getChildForRequest(root, request) is index
    assert request.prepath == [b"a", b""]


def test_double_slash_looks_up_empty_segment_first() -> None:
    """//a asks the root for b"" and then that child for b"a"."""
    root, empty, a = Resource(), Resource(), Text()
    root.putChild(b"", empty)
    empty.putChild(b"a", a)
    request = DummyRequest(_path(b"//a"))
    assert getChildForRequest(root, request) is a
    assert request.prepath == [b"", b"a"]


def test_leaf_keeps_remaining_postpath() -> None:
    """A leaf stops traversal; the rest of the path stays in postpath."""
    root, leaf = Resource(), Leaf()
    root.putChild(b"leaf", leaf)
    request = DummyRequest([b"leaf", b"x", b"y"])
    assert getChildForRequest(root, request) is leaf
    assert request.prepath == [b"leaf"]
    assert request.postpath == [b"x", b"y"]


def test_leaf_root_is_returned_untouched() -> None:
    """A leaf root consumes nothing."""
    leaf = Leaf()
    request = DummyRequest([b"a"])
    assert getChildForRequest(leaf, request) is leaf
    assert request.postpath == [b"a"]
    assert request.prepath == []


def test_dynamic_children() -> None:
    """getChild is asked for segments without a static child, with the request."""
    seen: list[tuple[bytes, Any]] = []

    class Dynamic(Resource):
        def getChild(self, path: bytes, request: Any) -> Any:
            seen.append((path, request))
            return Text(path)

    request = DummyRequest([b"abc"])
    child = getChildForRequest(Dynamic(), request)
    assert isinstance(child, Text)
    assert child.body == b"abc"
    assert seen == [(b"abc", request)]


def test_static_child_wins_over_get_child() -> None:
    """getChildWithDefault prefers putChild's children."""

    class Dynamic(Resource):
        def getChild(self, path: bytes, request: Any) -> Any:
            raise AssertionError("getChild should not be called")

    root, static = Dynamic(), Text()
    root.putChild(b"s", static)
    assert root.getChildWithDefault(b"s", DummyRequest([])) is static


def test_put_child_accepts_str() -> None:
    """A str path is stored UTF-8 encoded."""
    root, child = Resource(), Text()
    root.putChild("caf\u00e9", child)
    assert root.children == {"caf\u00e9".encode(): child}


@pytest.mark.parametrize("bad", [1, None, ["a"]])
def test_put_child_rejects_other_types(bad: Any) -> None:
    """Anything but bytes or str is a TypeError."""
    with pytest.raises(TypeError, match="bytes or str"):
        Resource().putChild(bad, Text())


def test_put_child_propagates_server() -> None:
    """putChild copies the parent's server attribute onto the child."""
    root, child = Resource(), Text()
    root.server = marker = object()
    root.putChild(b"c", child)
    assert child.server is marker


def test_render_dispatches_on_method() -> None:
    """render calls render_<METHOD> for the request's method."""

    class Both(Resource):
        def render_GET(self, request: Any) -> bytes:
            return b"get"

        def render_POST(self, request: Any) -> bytes:
            return b"post"

    request = DummyRequest([])
    request.method = b"POST"
    assert Both().render(request) == b"post"
    request.method = b"GET"
    assert Both().render(request) == b"get"


def test_method_lookup_is_case_sensitive() -> None:
    """b"get" is not b"GET"."""
    request = DummyRequest([])
    request.method = b"get"
    with pytest.raises(UnsupportedMethod):
        Text().render(request)


def test_render_table_is_built_once_per_class() -> None:
    """The handlers are resolved on first render and cached on the class."""

    class Counted(Resource):
        def render_GET(self, request: Any) -> bytes:
            return b"1"

    assert "_plaitRenderTable" not in Counted.__dict__
    Counted().render(DummyRequest([]))
    table = Counted.__dict__["_plaitRenderTable"]
    Counted().render(DummyRequest([]))
    assert Counted.__dict__["_plaitRenderTable"] is table
    # A subclass has its own table, which sees its own methods.

    class More(Counted):
        def render_PUT(self, request: Any) -> bytes:
            return b"put"

    request = DummyRequest([])
    request.method = b"PUT"
    assert More().render(request) == b"put"
    assert More.__dict__["_plaitRenderTable"] is not table
    with pytest.raises(UnsupportedMethod):
        Counted().render(request)


def test_overridden_handler_in_subclass_is_used() -> None:
    """A subclass's render_GET replaces its parent's."""

    class Child(Text):
        def render_GET(self, request: Any) -> bytes:
            return b"child"

    assert Child().render(DummyRequest([])) == b"child"
    assert Text().render(DummyRequest([])) == b"text"


def test_static_and_class_method_handlers() -> None:
    """Handlers that are not plain functions keep their binding rules."""

    class Odd(Resource):
        @staticmethod
        def render_GET(request: Any) -> bytes:
            return b"static"

        @classmethod
        def render_POST(cls, request: Any) -> bytes:
            return cls.__name__.encode()

    request = DummyRequest([])
    assert Odd().render(request) == b"static"
    request.method = b"POST"
    assert Odd().render(request) == b"Odd"


def test_unsupported_method_lists_class_methods() -> None:
    """A missing handler raises UnsupportedMethod with the class's methods, GET and HEAD first."""

    class Many(Resource):
        def render_POST(self, request: Any) -> bytes:
            return b""

        def render_GET(self, request: Any) -> bytes:
            return b""

        def render_DELETE(self, request: Any) -> bytes:
            return b""

    request = DummyRequest([])
    request.method = b"PATCH"
    with pytest.raises(UnsupportedMethod) as info:
        Many().render(request)
    assert tuple(info.value.allowedMethods) == (b"GET", b"HEAD", b"POST", b"DELETE")
    assert Many.allowedMethods == (b"GET", b"HEAD", b"POST", b"DELETE")


def test_unsupported_method_uses_explicit_allowed_methods() -> None:
    """A class or instance allowedMethods attribute is what the exception carries."""

    class Declared(Text):
        allowedMethods = (b"GET", b"OPTIONS")

    request = DummyRequest([])
    request.method = b"PUT"
    with pytest.raises(UnsupportedMethod) as info:
        Declared().render(request)
    assert info.value.allowedMethods == (b"GET", b"OPTIONS")
    instance = Text()
    instance.allowedMethods = [b"GET"]
    with pytest.raises(UnsupportedMethod) as info:
        instance.render(request)
    assert info.value.allowedMethods == [b"GET"]


def test_head_falls_back_to_get() -> None:
    """HEAD renders like GET when the class has render_GET."""
    request = DummyRequest([])
    request.method = b"HEAD"
    assert Text(b"body").render(request) == b"body"
    assert b"HEAD" in Text.allowedMethods


def test_head_without_get_is_unsupported() -> None:
    """Without render_GET, HEAD is not offered (405, not an AttributeError)."""

    class PostOnly(Resource):
        def render_POST(self, request: Any) -> bytes:
            return b""

    request = DummyRequest([])
    request.method = b"HEAD"
    with pytest.raises(UnsupportedMethod) as info:
        PostOnly().render(request)
    assert tuple(info.value.allowedMethods) == (b"POST",)


def test_bare_resource_allows_nothing() -> None:
    """A Resource with no handlers raises with an empty allowed list."""
    with pytest.raises(UnsupportedMethod) as info:
        Resource().render(DummyRequest([]))
    assert tuple(info.value.allowedMethods) == ()


def test_explicit_render_head_is_kept_without_get() -> None:
    """A class's own render_HEAD is used even without render_GET."""

    class HeadOnly(Resource):
        def render_HEAD(self, request: Any) -> bytes:
            return b"head"

    request = DummyRequest([])
    request.method = b"HEAD"
    assert HeadOnly().render(request) == b"head"
    assert HeadOnly.allowedMethods == (b"HEAD",)


HOSTILE = "<script>alert('x')</script> & \"quoted\""


@pytest.mark.parametrize(
    ("page", "code", "brief"),
    [
        (NoResource(HOSTILE), 404, "No Such Resource"),
        (ForbiddenResource(HOSTILE), 403, "Forbidden Resource"),
        (ErrorPage(418, HOSTILE, HOSTILE), 418, None),
    ],
)
def test_error_pages_escape(page: ErrorPage, code: int, brief: str | None) -> None:
    """Error resources set the status and content type and escape what they echo."""
    request = DummyRequest([])
    request.method = b"DELETE"
    request.render(page)
    body = b"".join(request.written)
    assert request.responseCode == code
    assert request.responseHeaders.getRawHeaders(b"content-type") == [b"text/html; charset=utf-8"]
    assert b"<script>" not in body
    assert b"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;" in body
    if brief is not None:
        assert f"<h1>{brief}</h1>".encode() in body
    assert request.finished == 1


def test_error_page_bytes_text_and_children() -> None:
    """bytes brief/detail are decoded; every sub-path returns the same page."""
    page = ErrorPage(400, b"Bad <b>", b"detail")
    assert page.getChildWithDefault(b"anything", DummyRequest([])) is page
    request = DummyRequest([b"x", b"y"])
    found = getChildForRequest(page, request)
    assert found is page
    assert b"Bad &lt;b&gt;" in page.render(DummyRequest([]))


def test_default_get_child_is_no_resource() -> None:
    """Resource.getChild returns a fresh 404 page."""
    child = Resource().getChild(b"x", DummyRequest([]))
    assert isinstance(child, NoResource)
    assert child.code == 404


class _Encoder:
    def __init__(self) -> None:
        self.finished = False

    def encode(self, data: bytes) -> bytes:
        return data.upper()

    def finish(self) -> bytes:
        self.finished = True
        return b"!"


class _Factory:
    def __init__(self, encoder: _Encoder | None) -> None:
        self.encoder = encoder
        self.asked: list[Any] = []

    def encoderForRequest(self, request: Any) -> _Encoder | None:
        self.asked.append(request)
        return self.encoder


def test_encoding_wrapper_picks_first_offered_encoder() -> None:
    """The first factory returning an encoder wins; later ones are not asked."""
    first, second, third = _Factory(None), _Factory(_Encoder()), _Factory(_Encoder())
    wrapper = EncodingResourceWrapper(Text(b"abc"), [first, second, third])
    request = DummyRequest([])
    request.render(wrapper)
    assert request._encoder is second.encoder
    assert request.written == [b"ABC", b"!"]
    assert len(first.asked) == 1
    assert len(second.asked) == 1
    assert third.asked == []


def test_encoding_wrapper_without_encoder() -> None:
    """With no encoder offered the body passes through."""
    wrapper = EncodingResourceWrapper(Text(b"abc"), [_Factory(None)])
    request = DummyRequest([])
    request.render(wrapper)
    assert request._encoder is None
    assert request.written == [b"abc"]


def test_encoding_wrapper_keeps_an_encoder_already_chosen() -> None:
    """A server that already set request._encoder keeps it."""
    factory = _Factory(_Encoder())
    request = DummyRequest([])
    request._encoder = chosen = _Encoder()
    EncodingResourceWrapper(Text(), [factory]).render(request)
    assert request._encoder is chosen
    assert factory.asked == []


def test_encoding_wrapper_does_not_wrap_children() -> None:
    """Children come from the original, unwrapped; putChild and isLeaf delegate."""
    original, child = Resource(), Text()
    wrapper = EncodingResourceWrapper(original, [])
    wrapper.putChild(b"c", child)
    assert original.children == {b"c": child}
    assert wrapper.getChildWithDefault(b"c", DummyRequest([])) is child
    assert wrapper.isLeaf is False
    assert EncodingResourceWrapper(Leaf(), []).isLeaf is True
    assert verifyObject(IResource, wrapper)


def test_not_done_yet_passes_through() -> None:
    """A handler returning NOT_DONE_YET leaves the request open."""

    class Later(Resource):
        def render_GET(self, request: Any) -> int:
            return NOT_DONE_YET

    request = DummyRequest([])
    request.render(Later())
    assert request.finished == 0
    assert request.written == []


def test_handler_set_to_none_is_switched_off() -> None:
    """A subclass can switch an inherited method off by setting it to None."""

    class NoPost(Resource):
        def render_GET(self, request: Any) -> bytes:
            return b"get"

        def render_POST(self, request: Any) -> bytes:
            return b"post"

    class Sub(NoPost):
        render_POST = None  # type: ignore[assignment]

    request = DummyRequest([])
    request.method = b"POST"
    with pytest.raises(UnsupportedMethod) as info:
        Sub().render(request)
    assert tuple(info.value.allowedMethods) == (b"GET", b"HEAD")


def test_traversal_follows_replaced_path_lists() -> None:
    """A resource that assigns new postpath/prepath lists mid-walk is honoured."""

    class Leaf(Resource):
        isLeaf = True

    leaf = Leaf()

    class Rewriting(Resource):
        def getChild(self, path: bytes, request: Any) -> Any:
            request.postpath = [b"target", *request.postpath]
            request.prepath = [b"rewritten"]
            return self

        def getChildWithDefault(self, path: bytes, request: Any) -> Any:
            if path == b"target":
                return leaf
            return self.getChild(path, request)

    request = DummyRequest([b"anything", b"rest"])
    found = getChildForRequest(Rewriting(), request)
    assert found is leaf
    assert request.prepath == [b"rewritten", b"target"]
    assert request.postpath == [b"rest"]
