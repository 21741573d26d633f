"""Differential tests: the same templates rendered by plait and by the real Twisted.

Twisted is a dev-only dependency; plait never imports it. Each case is written once as a
function of the template module (``plait.web.template`` or ``twisted.web.template``) and
rendered by both; the bytes must be equal. Random stan trees (hypothesis) cover the
combinations no one would write by hand.

plait differs from Twisted on purpose in a few places, each pinned by a test below that
shows both outputs, so that a change on either side is noticed:

- ``<wbr>`` is a void element (Twisted's list misspells it ``wbs``);
- filled slots are scoped to the tag that fills them (Twisted lets them leak to the
  tag's later siblings);
- NUL becomes U+FFFD in text and attributes (HTML forbids NUL everywhere);
- comment data HTML would end early is neutralised: a leading ``>`` or ``->`` and
  ``--!>`` (Twisted only handles ``-->`` and a trailing ``-``).

The generated trees avoid exactly these four inputs, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from types import ModuleType
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet import defer as twisted_defer
from twisted.web import template as twisted_template

from plait.internet import defer as plait_defer
from plait.web import template as plait_template

NS = f'xmlns:t="{plait_template.TEMPLATE_NAMESPACE}"'
MODULES = {"plait": plait_template, "twisted": twisted_template}
DEFER = {plait_template: plait_defer, twisted_template: twisted_defer}

Build = Callable[[ModuleType], Any]


def flat(mod: ModuleType, root: Any) -> bytes:
    """``flattenString(None, root)`` with ``mod``; it must fire at once."""
    box: list[Any] = []
    mod.flattenString(None, root).addBoth(box.append)
    assert box, f"{mod.__name__}.flattenString did not fire"
    result = box[0]
    if not isinstance(result, bytes):
        result.raiseException()
    return result  # type: ignore[no-any-return]


def both(build: Build) -> tuple[bytes, bytes]:
    """Render ``build(module)`` with plait and with Twisted."""
    return flat(plait_template, build(plait_template)), flat(
        twisted_template, build(twisted_template)
    )


def assertSame(build: Build) -> bytes:
    ours, theirs = both(build)
    assert ours == theirs
    return ours


# -- hand-written cases --------------------------------------------------------------------


def xmlPage(mod: ModuleType) -> Any:
    """An XML page with every directive: render, slot (with default), attr, transparent."""

    class Page(mod.Element):  # type: ignore[name-defined,misc]
        loader = mod.XMLString(
            "<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE html>\n"
            f'<html {NS} lang="en">\n<head><title t:render="title" /></head>\n'
            '<body t:render="body">\n'
            '  <h1 class="x"><t:slot name="heading" /></h1>\n'
            '  <p><t:slot name="missing" default="a default" /></p>\n'
            '  <ul><li t:render="rows"><a><t:attr name="href">/item/<t:slot name="id" />'
            '?q=1&amp;r=2</t:attr><t:attr name="title" t:render="tip" />'
            '<t:slot name="label" /></a></li></ul>\n'
            '  <t:transparent t:render="note" />\n'
            "  <!-- a comment -->\n"
            "  <![CDATA[ raw <text> & ]]>\n"
            '  <input type="checkbox" checked="checked" /><br /><hr></hr>\n'
            "  &#169; &lt;kept&gt; caf\u00e9 \u2603\n"
            "</body>\n</html>\n"
        )

        @mod.renderer
        def title(self, request: Any, tag: Any) -> Any:
            return tag("Title <& co>")

        @mod.renderer
        def body(self, request: Any, tag: Any) -> Any:
            return tag.fillSlots(heading=["Heading ", mod.tags.em('"quoted"')])

        @mod.renderer
        def rows(self, request: Any, tag: Any) -> Generator[Any, None, None]:
            for i, label in enumerate(("one", "<two>", "thr\u00e9e")):
                yield tag.clone().fillSlots(id=str(i), label=label)

        @mod.renderer
        def tip(self, request: Any, tag: Any) -> Any:
            return tag('tip "', mod.tags.b("bold"))

        @mod.renderer
        def note(self, request: Any, tag: Any) -> Any:
            return tag("note: ", mod.CharRef(0x1F600))

    return Page()


def stanPage(mod: ModuleType) -> Any:
    """A page built from ``tags``, with every flattenable type inside it."""
    d = mod.tags
    defer = DEFER[mod]

    async def coroutine() -> Any:
        return d.i("from a coroutine")

    def generator() -> Generator[Any, None, None]:
        yield "gen "
        yield d.span("erated")

    return d.html(
        d.head(d.meta(charset="utf-8"), d.link(rel="stylesheet", href="/s.css?a=1&b=2")),
        d.body(class_="page", id="top")(
            d.table(
                [d.tr(d.td(str(i)), d.td(f"<{i}>", title=f'"{i}"')) for i in range(20)],
            ),
            d.del_("deleted"),
            (b"bytes <&>", "caf\u00e9"),
            generator(),
            defer.succeed(d.b("already fired")),
            coroutine(),
            mod.Comment(" end -- of -> page - "),
            mod.CDATA("x]]>y"),
            mod.CharRef(9731),
            d.transparent(d.transparent("deep"), d.img(src="a.png", alt="")),
            d.textarea(),
            d.script("if (a < b && c > d) {}", type="text/javascript"),
        ),
    )


def attributeGames(mod: ModuleType) -> Any:
    """Attributes holding slots, tags, lists and renderers' output: escaped twice over."""
    d = mod.tags
    return d.div(
        d.a(href=["/x?", mod.slot("q")], title=d.b("&"))(mod.slot("q")),
        d.p(data_x=d.i(title='"', class_="<c>")("in & out")),
        d.p(x=mod.CharRef(65), y=mod.Comment("c"), z=mod.CDATA("d")),
        d.p(**{"data-empty": ""}),
    ).fillSlots(q='"<&>"')


def subviewsAndLoaders(mod: ModuleType) -> Any:
    """Elements inside elements, TagLoader reuse, renderers returning Elements and lists."""

    class Row(mod.Element):  # type: ignore[name-defined,misc]
        def __init__(self, loader: Any, n: int) -> None:
            super().__init__(loader)
            self.n = n

        @mod.renderer
        def cell(self, request: Any, tag: Any) -> Any:
            return [tag.clone()(str(self.n)), tag.clone()(str(self.n * self.n))]

    class Table(mod.Element):  # type: ignore[name-defined,misc]
        loader = mod.XMLString(
            f'<table {NS}><tr t:render="rows"><td t:render="cell" /></tr></table>'
        )

        @mod.renderer
        def rows(self, request: Any, tag: Any) -> Any:
            return [Row(mod.TagLoader(tag), n) for n in range(4)]

    return [Table(), mod.Element(mod.TagLoader(mod.tags.footer("f")))]


def namespaces(mod: ModuleType) -> Any:
    """Namespace declarations other than the template's are kept, prefixes too."""
    return mod.XMLString(
        f'<svg xmlns="http://www.w3.org/2000/svg" {NS} '
        'xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<use xlink:href="#a" /><t:transparent>x</t:transparent>'
        '<g xml:lang="fr"><text>t</text></g></svg>'
    ).load()


def bigPage(mod: ModuleType) -> Any:
    """More than one 64 KiB buffer of output."""
    d = mod.tags
    return d.table([d.tr(d.td(f"row {i} <&>"), d.td(str(i))) for i in range(5000)])


@pytest.mark.parametrize(
    "build", [xmlPage, stanPage, attributeGames, subviewsAndLoaders, namespaces, bigPage]
)
def test_same_bytes(build: Build) -> None:
    out = assertSame(build)
    assert len(out) > 40  # the case rendered something worth comparing


def test_flatten_writes_the_same_before_and_after_a_deferred() -> None:
    # Both flush what they have before waiting: the client sees the same prefix early.
    seen = {}
    for name, mod in MODULES.items():
        d = DEFER[mod].Deferred()
        chunks: list[bytes] = []
        root = mod.tags.div("before ", d, " after")
        done: list[object] = []
        mod.flatten(None, root, chunks.append).addBoth(done.append)
        before = b"".join(chunks)
        assert not done
        d.callback(mod.tags.b("<fired>"))
        assert done == [None]
        seen[name] = (before, b"".join(chunks))
    assert seen["plait"] == seen["twisted"]
    assert seen["plait"] == (b"<div>before ", b"<div>before <b>&lt;fired&gt;</b> after</div>")


class FakeRequest:
    """Just what ``renderElement`` uses."""

    def __init__(self, mod: ModuleType) -> None:
        self.mod = mod
        self.written: list[bytes] = []
        self.finished = 0

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def finish(self) -> None:
        self.finished += 1

    def notifyFinish(self) -> Any:
        return DEFER[self.mod].Deferred()


def test_render_element_writes_the_same() -> None:
    out = {}
    for name, mod in MODULES.items():
        request = FakeRequest(mod)
        assert mod.renderElement(request, xmlPage(mod)) == 1  # NOT_DONE_YET
        assert request.finished == 1
        out[name] = b"".join(request.written)
    assert out["plait"] == out["twisted"]
    assert out["plait"].startswith(b"<!DOCTYPE html>\n<html lang=")


def test_render_element_error_page_is_the_same(caplog: pytest.LogCaptureFixture) -> None:
    # Twisted reports the error through its own logger; only the page is compared.
    from twisted.logger import globalLogPublisher

    twistedEvents: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(twistedEvents.append)
    try:
        out = {}
        for name, mod in MODULES.items():

            class Broken(mod.Element):  # type: ignore[name-defined,misc]
                loader = mod.XMLString(f'<p {NS}>ok <b t:render="boom" /></p>')

                @mod.renderer
                def boom(self, request: Any, tag: Any) -> Any:
                    raise RuntimeError("boom")

            request = FakeRequest(mod)
            mod.renderElement(request, Broken())
            assert request.finished == 1
            out[name] = b"".join(request.written)
    finally:
        globalLogPublisher.removeObserver(twistedEvents.append)
    assert out["plait"] == out["twisted"]
    assert b"An error occurred while rendering the response." in out["plait"]
    assert any(e.get("log_failure") is not None for e in twistedEvents)
    assert "boom" in caplog.text


# -- the intended differences --------------------------------------------------------------


def test_difference_wbr_is_void() -> None:
    ours, theirs = both(lambda mod: mod.tags.p("long", mod.tags.wbr(), "word"))
    assert theirs == b"<p>long<wbr></wbr>word</p>"
    assert ours == b"<p>long<wbr />word</p>"


def test_difference_filled_slots_do_not_leak_to_siblings() -> None:
    def build(mod: ModuleType) -> Any:
        return mod.tags.div(
            mod.tags.p(mod.slot("s")).fillSlots(s="filled"),
            mod.tags.p(mod.slot("s", default="default")),
        )

    ours, theirs = both(build)
    assert theirs == b"<div><p>filled</p><p>filled</p></div>"
    assert ours == b"<div><p>filled</p><p>default</p></div>"


def test_difference_nul_becomes_replacement_character() -> None:
    ours, theirs = both(lambda mod: mod.tags.p("a\0b", title="c\0d"))
    assert theirs == b'<p title="c\x00d">a\x00b</p>'
    assert ours == '<p title="c\ufffdd">a\ufffdb</p>'.encode()


@pytest.mark.parametrize(
    ("data", "twisted", "plait"),
    [
        (">x", b"<!-->x-->", b"<!-- >x-->"),
        ("->x", b"<!--->x-->", b"<!-- ->x-->"),
        ("a--!>b", b"<!--a--!>b-->", b"<!--a--!&gt;b-->"),
    ],
)
def test_difference_comments_that_html_would_end_early(
    data: str, twisted: bytes, plait: bytes
) -> None:
    ours, theirs = both(lambda mod: mod.Comment(data))
    assert theirs == twisted
    assert ours == plait


def test_the_same_where_comments_were_already_safe() -> None:
    assertSame(lambda mod: [mod.Comment("a-->b"), mod.Comment("ends-"), mod.Comment("--")])


# -- random trees --------------------------------------------------------------------------

TEXT = st.text(alphabet="ab <>&\"'-=/;\n\u00e9\u2603\U0001f600", max_size=12)
NAMES = st.sampled_from(["p", "div", "span", "a", "td", "br", "img", "input", "em", "x-y"])
ATTRS = st.sampled_from(["class", "href", "title", "data-v", "aria-label"])
SLOTS = ("s1", "s2", "s3")


def _safeComment(text: str) -> bool:
    return not text.startswith((">", "->")) and "--!>" not in text


leaves = st.one_of(
    st.tuples(st.just("text"), TEXT),
    st.tuples(st.just("bytes"), TEXT),
    st.tuples(st.just("slot"), st.sampled_from(SLOTS)),
    st.tuples(st.just("comment"), TEXT.filter(_safeComment)),
    st.tuples(st.just("cdata"), TEXT),
    st.tuples(st.just("charref"), st.integers(min_value=32, max_value=0x10FFFF)),
)
attributeValues = st.one_of(
    st.tuples(st.just("text"), TEXT),
    st.tuples(st.just("slot"), st.sampled_from(SLOTS)),
    st.tuples(st.just("mixed"), TEXT, st.sampled_from(SLOTS)),
)


ATTRIBUTE_DICTS = st.dictionaries(ATTRS, attributeValues, max_size=3)


def _branches(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    kids = st.lists(children, max_size=4)
    return st.one_of(
        st.tuples(
            st.just("tag"), NAMES, st.dictionaries(ATTRS, attributeValues, max_size=3), kids
        ),
        st.tuples(st.just("transparent"), kids),
        st.tuples(st.just("list"), kids),
        st.tuples(st.just("generator"), kids),
        st.tuples(st.just("deferred"), kids),
        st.tuples(st.just("element"), kids),
    )


trees = st.recursive(leaves, _branches, max_leaves=30)


def materialise(mod: ModuleType, node: Any) -> Any:
    """Turn a neutral tree description into stan of ``mod``."""
    kind = node[0]
    if kind == "text":
        return node[1]
    if kind == "bytes":
        return node[1].encode("utf-8")
    if kind == "slot":
        return mod.slot(node[1])
    if kind == "comment":
        return mod.Comment(node[1])
    if kind == "cdata":
        return mod.CDATA(node[1])
    if kind == "charref":
        return mod.CharRef(node[1])
    if kind == "mixed":
        return mod.tags.transparent(node[1], mod.slot(node[2]))
    children = [materialise(mod, child) for child in node[-1]]
    if kind == "tag":
        attributes = {name: materialise(mod, value) for name, value in node[2].items()}
        return mod.Tag(node[1], attributes=attributes, children=children)
    if kind == "transparent":
        return mod.tags.transparent(*children)
    if kind == "list":
        return tuple(children) if len(children) % 2 else children
    if kind == "generator":
        return (child for child in children)
    if kind == "deferred":
        return DEFER[mod].succeed(children)
    assert kind == "element"
    return mod.Element(mod.TagLoader(mod.tags.transparent(*children)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, fills=st.fixed_dictionaries(dict.fromkeys(SLOTS, TEXT)))
def test_random_trees_render_the_same(tree: Any, fills: dict[str, str]) -> None:
    # Slots are filled once, at the root, so scoping (an intended difference) never shows.
    assertSame(lambda mod: mod.tags.transparent(materialise(mod, tree)).fillSlots(**fills))


def test_the_two_sides_are_different_implementations() -> None:
    # Guards against the comparisons above silently rendering with one library twice.
    assert plait_template.Tag is not twisted_template.Tag
    assert plait_template.flatten.__module__.startswith("plait.")
    assert twisted_template.flatten.__module__.startswith("twisted.")


XML_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(text=XML_TEXT, value=XML_TEXT)
def test_random_xml_text_and_attributes_render_the_same(text: str, value: str) -> None:
    # What the XML parser hands over (entities resolved, attribute values normalised)
    # and how it is escaped again must agree.
    source = (
        f'<p {NS} title="{escape(value, {chr(34): "&quot;"})}">'
        f"{escape(text)}<t:transparent>{escape(value)}</t:transparent></p>"
    )
    assertSame(lambda mod: mod.XMLString(source).load())
