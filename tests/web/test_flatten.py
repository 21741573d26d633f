"""Tests for plait.web._flatten: what flattens to what, escaping, streaming, errors."""

from __future__ import annotations

import asyncio
import enum
import gc
import sys
from collections.abc import Generator
from typing import Any

import pytest
from zope.interface import implementer

from plait.internet.defer import Deferred, succeed
from plait.python.failure import Failure
from plait.web import _flatten
from plait.web._flatten import (
    BUFFER_SIZE,
    escapedCDATA,
    escapedComment,
    escapeForContent,
    flatten,
    flattenString,
)
from plait.web._stan import CDATA, CharRef, Comment, Tag, slot
from plait.web.error import FlattenerError, UnfilledSlot, UnsupportedType
from plait.web.iweb import IRenderable


def result(d: Deferred[Any]) -> Any:
    """The result of an already fired Deferred (raising its failure)."""
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, "the Deferred has not fired"
    if isinstance(box[0], Failure):
        box[0].raiseException()
    return box[0]


def flat(root: Any) -> bytes:
    out = result(flattenString(None, root))
    assert isinstance(out, bytes)
    return out


def failure(root: Any) -> FlattenerError:
    with pytest.raises(FlattenerError) as info:
        result(flattenString(None, root))
    return info.value


# -- each flattenable type -------------------------------------------------------------------


def test_str_is_utf8_and_escaped() -> None:
    assert flat("caf\u00e9 & <b>") == "caf\u00e9 &amp; &lt;b&gt;".encode()


def test_bytes_are_escaped_but_otherwise_kept() -> None:
    assert flat(b"\xff<&>") == b"\xff&lt;&amp;&gt;"


def test_tag_with_attributes_in_insertion_order() -> None:
    tag = Tag("a", {"href": "/x", "class": "y"})("go")
    tag(id="z")
    assert flat(tag) == b'<a href="/x" class="y" id="z">go</a>'


def test_bytes_tag_name_and_attribute_name() -> None:
    assert flat(Tag(b"p", {b"id": b"x"})(b"t")) == b'<p id="x">t</p>'


def test_empty_tags_void_and_not() -> None:
    assert flat(Tag("br")) == b"<br />"
    assert flat(Tag("wbr")) == b"<wbr />"
    assert flat(Tag("img", {"src": "a.png"})) == b'<img src="a.png" />'
    assert flat(Tag("p")) == b"<p></p>"
    assert flat(Tag("div", {"id": "x"})) == b'<div id="x"></div>'
    # A void element given children renders them (as Twisted does).
    assert flat(Tag("br")("x")) == b"<br>x</br>"


def test_transparent_tag_renders_children_only() -> None:
    assert flat(Tag("")("a", Tag("b"))) == b"a<b></b>"


def test_lists_tuples_and_generators() -> None:
    def gen() -> Generator[Any, None, None]:
        yield "a"
        yield Tag("i")("b")

    assert flat(["x", ("y", ["z"]), gen()]) == b"xyza<i>b</i>"
    assert flat([]) == b""


def test_comment_cdata_charref() -> None:
    assert flat(Comment(" note ")) == b"<!-- note -->"
    assert flat(CDATA("a<b")) == b"<![CDATA[a<b]]>"
    assert flat(CharRef(0x2603)) == b"&#9731;"


def test_slot_filled_by_enclosing_tag() -> None:
    tree = Tag("div")(Tag("p")(slot("a")), slot("b")).fillSlots(a="A", b=Tag("i")("B"))
    assert flat(tree) == b"<div><p>A</p><i>B</i></div>"


def test_inner_fill_shadows_outer() -> None:
    tree = Tag("div")(slot("a"), Tag("p")(slot("a")).fillSlots(a="inner")).fillSlots(a="outer")
    assert flat(tree) == b"<div>outer<p>inner</p></div>"


def test_slot_scope_ends_with_its_tag() -> None:
    # Twisted lets a tag's filled slots leak to later siblings; plait scopes them.
    tree = [Tag("p")(slot("a")).fillSlots(a="x"), Tag("p")(slot("a", default="d"))]
    assert flat(tree) == b"<p>x</p><p>d</p>"


def test_slot_default() -> None:
    assert flat(Tag("p")(slot("a", default="dflt"))) == b"<p>dflt</p>"
    assert flat(Tag("p")(slot("a", default=""))) == b"<p></p>"
    assert flat(Tag("p")(slot("a", default="dflt")).fillSlots(a="v")) == b"<p>v</p>"


def test_slot_value_of_any_flattenable() -> None:
    tree = Tag("ul")(slot("items")).fillSlots(items=[Tag("li")(str(i)) for i in range(3)])
    assert flat(tree) == b"<ul><li>0</li><li>1</li><li>2</li></ul>"


def test_unfilled_slot_names_slot_and_template_line() -> None:
    error = failure(Tag("div")(slot("title", filename="page.xml", lineNumber=12, columnNumber=4)))
    assert isinstance(error._exception, UnfilledSlot)
    assert error._exception.args == ("title",)
    text = str(error)
    assert "title" in text
    assert 'File "page.xml", line 12, column 4' in text


@implementer(IRenderable)
class Renderable:
    def __init__(self, doc: Any, renderers: dict[str, Any] | None = None) -> None:
        self.doc = doc
        self.renderers = renderers or {}
        self.requests: list[Any] = []

    def lookupRenderMethod(self, name: str) -> Any:
        return self.renderers[name]

    def render(self, request: Any) -> Any:
        self.requests.append(request)
        return self.doc


def test_irenderable_and_render_directive() -> None:
    def shout(request: Any, tag: Tag) -> Tag:
        assert tag.render is None
        return tag("!", id=str(request))

    template = Tag("p", render="shout")("hey")
    thing = Renderable(template, {"shout": shout})
    assert result(flattenString(7, Tag("div")(thing))) == b'<div><p id="7">hey!</p></div>'
    assert thing.requests == [7]
    # The renderer got a clone: the template itself is untouched.
    assert template.children == ["hey"]
    assert template.render == "shout"


def test_nested_renderables_look_up_renderers_on_the_innermost() -> None:
    inner = Renderable(Tag("b", render="r"), {"r": lambda req, tag: tag("inner")})
    outer = Renderable(
        [Tag("i", render="r"), inner, Tag("u", render="r")],
        {"r": lambda req, tag: tag("outer")},
    )
    assert flat(outer) == b"<i>outer</i><b>inner</b><u>outer</u>"


def test_render_directive_outside_renderable_is_an_error() -> None:
    error = failure(Tag("p", render="x"))
    assert isinstance(error._exception, ValueError)
    assert "not contained in any IRenderable" in str(error._exception)


@pytest.mark.parametrize("value", [1, None, 2.5, {"a": 1}, object(), iter([1])])
def test_unsupported_types(value: Any) -> None:
    error = failure(Tag("p")(value))
    assert isinstance(error._exception, UnsupportedType)
    assert "cannot be flattened" in str(error._exception)
    assert type(value).__name__ in str(error._exception)


def test_subclasses_flatten_as_their_base() -> None:
    class Color(enum.StrEnum):
        RED = "r<d"

    class MyTag(Tag):
        pass

    class MyList(list[Any]):
        pass

    class MySlot(slot):
        pass

    class MyComment(Comment):
        pass

    tree = MyList([Color.RED, MyTag("p")("x"), Tag("p")(slot("s")).fillSlots(s=Color.RED)])
    assert flat(tree) == b"r&lt;d<p>x</p><p>r&lt;d</p>"
    tree = Tag("p")(MySlot("s"), MyComment("c"), (b"b",)).fillSlots(s="v")
    assert flat(tree) == b"<p>v<!--c-->b</p>"


# -- escaping: hostile strings in every position ---------------------------------------------

HOSTILE = "x</script><script>alert(1)</script>\"&'-->]]>\0<!--"


def test_hostile_text() -> None:
    out = flat(Tag("p")(HOSTILE))
    assert out == (
        b"<p>x&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"&amp;'--&gt;]]&gt;"
        b"\xef\xbf\xbd&lt;!--</p>"
    )


def test_hostile_attribute() -> None:
    out = flat(Tag("p", {"title": HOSTILE}))
    assert out.count(b'"') == 2
    assert b"<script" not in out
    assert b"\0" not in out
    assert out == (
        b"<p title=\"x&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;'--&gt;"
        b']]&gt;\xef\xbf\xbd&lt;!--"></p>'
    )


def test_hostile_attribute_as_bytes() -> None:
    out = flat(Tag("p", {"title": HOSTILE.encode()}))
    assert out.count(b'"') == 2
    assert b"<" not in out[3:-5]


def test_hostile_comment_cannot_end_it() -> None:
    for data in (HOSTILE, "-->", "--!>", ">", "->", "a-", "--->"):
        out = flat(Comment(data))
        assert out.startswith(b"<!--")
        assert out.endswith(b"-->")
        body = out[4:-3]
        assert b"-->" not in body
        assert b"--!>" not in body
        assert not body.startswith((b">", b"->"))
        assert not body.endswith(b"-")
        assert b"\0" not in body
    assert escapedComment("a-->b-") == b"a--&gt;b- "


def test_hostile_cdata_cannot_end_it() -> None:
    out = flat(CDATA(HOSTILE))
    assert out.startswith(b"<![CDATA[")
    assert out.endswith(b"]]>")
    # Every ]]> in the output ends a section that the next one reopens.
    sections = out.split(b"]]>")
    assert all(s.startswith((b"<![CDATA[", b">")) for s in sections[:-1])
    assert escapedCDATA("a]]>b") == b"a]]]]><![CDATA[>b"
    assert b"\0" not in out


def test_hostile_slot_values_in_text_and_attribute() -> None:
    tree = Tag("a", {"href": slot("u")})(slot("t")).fillSlots(u=HOSTILE, t=HOSTILE)
    out = flat(tree)
    openTag, rest = out.split(b">", 1)
    assert openTag.count(b'"') == 2
    assert rest.count(b"<") == 1  # only </a>


def test_tags_comments_and_cdata_inside_attributes_are_escaped() -> None:
    value = [Tag("b", {"x": '"'})("&"), Comment("c"), CDATA("d"), CharRef(65), "\"'"]
    out = flat(Tag("p", {"title": value}))
    assert out == (
        b'<p title="&lt;b x=&quot;&amp;quot;&quot;&gt;&amp;amp;&lt;/b&gt;&lt;!--c--&gt;'
        b"&lt;![CDATA[d]]&gt;&amp;#65;&quot;'\"></p>"
    )


def test_attribute_holding_tag_with_tag_attribute() -> None:
    # Two levels of attribute escaping, as Twisted produces.
    inner = Tag("i", {"t": Tag("b")("&")})
    assert flat(Tag("p", {"a": inner})) == (
        b'<p a="&lt;i t=&quot;&amp;lt;b&amp;gt;&amp;amp;amp;&amp;lt;/b&amp;gt;'
        b'&quot;&gt;&lt;/i&gt;"></p>'
    )


@pytest.mark.parametrize("name", ["a b", 'a"', "a>", "a/", "a=b", "a\0", "\u00e9", "a\x7f"])
def test_invalid_tag_and_attribute_names_are_refused(name: str) -> None:
    error = failure(Tag(name))
    assert isinstance(error._exception, ValueError)
    error = failure(Tag("p", {name: "v"}))
    assert isinstance(error._exception, ValueError)


def test_empty_attribute_name_is_refused() -> None:
    assert isinstance(failure(Tag("p", {"": "v"}))._exception, ValueError)


def test_escape_for_content() -> None:
    assert escapeForContent("<&>\"'") == b"&lt;&amp;&gt;\"'"
    assert escapeForContent(b"<") == b"&lt;"


# -- Deferreds, coroutines, futures ----------------------------------------------------------


def test_fired_deferred_is_flattened_synchronously() -> None:
    assert flat(Tag("p")(succeed(Tag("b")("x")))) == b"<p><b>x</b></p>"


def test_deferred_keeps_its_own_result() -> None:
    d = succeed("v")
    flat(d)
    assert result(d) == "v"


def test_unfired_deferred_suspends_and_streams() -> None:
    d: Deferred[Any] = Deferred()
    writes: list[bytes] = []
    done = flatten(None, Tag("div")("before", d, "after"), writes.append)
    assert writes == [b"<div>before"]
    assert not done.called
    d.callback(Tag("i")("<v>"))
    assert writes == [b"<div>before", b"<i>&lt;v&gt;</i>after</div>"]
    assert result(done) is None


def test_deferred_inside_attribute_and_slot_context_survives_suspension() -> None:
    d: Deferred[Any] = Deferred()
    tree = Tag("div")(
        Tag("a", {"href": ["/x?", d]})(slot("s")),
        slot("s"),
    ).fillSlots(s="S")
    writes: list[bytes] = []
    done = flatten(None, tree, writes.append)
    # Only the document's buffer goes out before waiting: the attribute's start is held.
    assert writes == [b'<div><a href="']
    d.callback('"q"')
    assert result(done) is None
    assert b"".join(writes) == b'<div><a href="/x?&quot;q&quot;">S</a>S</div>'


def test_failed_deferred_is_a_flattener_error() -> None:
    d: Deferred[Any] = Deferred()
    done = flattenString(None, Tag("p")(d))
    d.errback(RuntimeError("boom"))
    with pytest.raises(FlattenerError) as info:
        result(done)
    assert isinstance(info.value._exception, RuntimeError)
    # The original Deferred keeps its failure for anyone else; consume it.
    d.addErrback(lambda f: None)


def test_cancelling_flatten_cancels_what_it_waits_on() -> None:
    cancelled: list[bool] = []
    d: Deferred[Any] = Deferred(lambda _: cancelled.append(True))
    done = flattenString(None, [d, "never"])
    done.cancel()
    assert cancelled == [True]
    errors: list[Failure] = []
    done.addErrback(errors.append)
    assert len(errors) == 1
    d.addErrback(lambda f: None)


def test_cancelling_flatten_leaves_no_unhandled_cancellation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # renderElement cancels when the client leaves: the CancelledError this puts in the
    # renderer's Deferred is the flattener's doing, and must not be logged as unhandled.
    d: Deferred[Any] = Deferred()
    done = flattenString(None, [d, "never"])
    done.addErrback(lambda f: None)
    done.cancel()
    box: list[Any] = []
    d.addBoth(box.append)
    assert box == [None]
    del d, done
    gc.collect()
    assert "Unhandled error" not in caplog.text


def test_renderer_returning_deferred_that_fires_later() -> None:
    later: Deferred[Any] = Deferred()
    thing = Renderable(Tag("p", render="wait"), {"wait": lambda req, tag: later})
    done = flattenString(None, thing)
    assert not done.called
    later.callback(Tag("span")("ok"))
    assert result(done) == b"<span>ok</span>"


def test_coroutine_renderer_with_asyncio() -> None:
    async def slow(request: Any, tag: Tag) -> Tag:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        loop.call_soon(ready.set_result, None)
        await ready
        return tag("async")

    thing = Renderable(Tag("p", render="slow"), {"slow": slow})

    async def main() -> bytes:
        done = flattenString(None, Tag("div")(thing, "!"))
        assert not done.called  # it had to wait for the loop
        return await done.asFuture(asyncio.get_running_loop())

    assert asyncio.run(main()) == b"<div><p>async</p>!</div>"


def test_coroutine_awaiting_a_deferred() -> None:
    d: Deferred[str] = Deferred()

    async def value() -> str:
        return await d + "!"

    done = flattenString(None, Tag("p")(value()))
    assert not done.called
    d.callback("v")
    assert result(done) == b"<p>v!</p>"


def test_asyncio_future() -> None:
    async def main() -> bytes:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        loop.call_soon(future.set_result, "f")
        return await flattenString(None, Tag("p")(future)).asFuture(loop)

    assert asyncio.run(main()) == b"<p>f</p>"


def test_coroutine_raising() -> None:
    async def broken() -> str:
        raise KeyError("k")

    error = failure(Tag("p")(broken()))
    assert isinstance(error._exception, KeyError)


# -- streaming, depth, errors ----------------------------------------------------------------


def test_output_is_written_in_bounded_chunks() -> None:
    writes: list[bytes] = []
    rows = [Tag("tr")(Tag("td")("x" * 100)) for _ in range(5000)]
    result(flatten(None, Tag("table")(rows), writes.append))
    assert len(writes) > 5
    # Each write is one buffer: at least BUFFER_SIZE except the last, never far beyond it.
    assert all(BUFFER_SIZE <= len(w) < BUFFER_SIZE + 200 for w in writes[:-1])
    joined = b"".join(writes)
    assert joined.startswith(b"<table><tr><td>xxx")
    assert joined.count(b"<tr>") == 5000


def test_first_chunk_is_written_before_the_generator_finishes() -> None:
    writes: list[bytes] = []
    seen: list[int] = []

    def rows() -> Generator[Any, None, None]:
        for _i in range(3000):
            seen.append(len(writes))
            yield Tag("p")("y" * 100)

    result(flatten(None, rows(), writes.append))
    assert seen[-1] > 0  # writes happened while the generator still ran


def test_deep_tree_does_not_recurse() -> None:
    depth = sys.getrecursionlimit() * 20
    root = tip = Tag("div")
    for _ in range(depth):
        child = Tag("div")
        tip(child)
        tip = child
    tip("bottom")
    out = flat(root)
    assert out.count(b"<div>") == depth + 1
    assert b"bottom" in out


def test_deeply_nested_lists_and_renderers() -> None:
    nested: Any = "x"
    for _ in range(sys.getrecursionlimit() * 5):
        nested = [nested]
    assert flat(nested) == b"x"


def test_error_roots_and_partial_output_already_written() -> None:
    def bad(request: Any, tag: Tag) -> Any:
        raise ZeroDivisionError("nope")

    template = Tag("body", filename="t.xml", lineNumber=2, columnNumber=0)(
        Tag("p", render="bad", filename="t.xml", lineNumber=3, columnNumber=4)
    )
    thing = Renderable(template, {"bad": bad})
    error = failure(thing)
    assert isinstance(error._exception, ZeroDivisionError)
    assert error._roots[0] is thing
    assert template in error._roots
    text = str(error)
    assert 'File "t.xml", line 3, column 4, in "p"' in text
    assert "ZeroDivisionError: nope" in text
    assert error._traceback
    assert error._traceback[-1].name == "bad"


def test_write_failure_is_reported() -> None:
    def write(data: bytes) -> None:
        raise OSError("disk full")

    with pytest.raises(FlattenerError) as info:
        result(flatten(None, "x", write))
    assert isinstance(info.value._exception, OSError)


def test_name_caches_are_bounded() -> None:
    for i in range(_flatten._CACHE_LIMIT + 50):
        flat(Tag(f"x{i}", {f"a{i}": "v"}))
    assert len(_flatten._tagInfo) <= _flatten._CACHE_LIMIT
    assert len(_flatten._attrPrefix) <= _flatten._CACHE_LIMIT
    gc.collect()


def test_attribute_made_of_text_and_slots() -> None:
    href = Tag("")("/item/", slot("id"), b"?q=", slot("q", default='"d"'))
    tree = Tag("a", {"href": href, "title": slot("id")})("x").fillSlots(id="<1>")
    assert flat(tree) == b'<a href="/item/&lt;1&gt;?q=&quot;d&quot;" title="&lt;1&gt;">x</a>'


def test_unfilled_slot_in_attribute_is_an_error() -> None:
    error = failure(Tag("a", {"href": Tag("")("/", slot("missing"))}))
    assert isinstance(error._exception, UnfilledSlot)


def test_slot_in_attribute_holding_markup_is_escaped() -> None:
    tree = Tag("a", {"title": slot("s")}).fillSlots(s=Tag("b")("&"))
    assert flat(tree) == b'<a title="&lt;b&gt;&amp;amp;&lt;/b&gt;"></a>'
