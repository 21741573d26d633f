"""Tests for plait.web.template: elements, XML templates, directives, renderElement."""

from __future__ import annotations

import logging
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from zope.interface.verify import verifyObject

from plait.internet.defer import Deferred
from plait.python.failure import Failure
from plait.web import template
from plait.web._constants import NOT_DONE_YET
from plait.web.error import (
    FlattenerError,
    MissingRenderMethod,
    MissingTemplateLoader,
    UnexposedMethodError,
)
from plait.web.iweb import IRenderable, ITemplateLoader
from plait.web.template import (
    CDATA,
    TEMPLATE_NAMESPACE,
    VALID_HTML_TAG_NAMES,
    Comment,
    Element,
    Tag,
    TagLoader,
    XMLFile,
    XMLString,
    flatten,
    flattenString,
    renderElement,
    renderer,
    slot,
    tags,
)

NS = f'xmlns:t="{TEMPLATE_NAMESPACE}"'


def result(d: Deferred[Any]) -> Any:
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, "the Deferred has not fired"
    if isinstance(box[0], Failure):
        box[0].raiseException()
    return box[0]


def flat(root: Any, request: Any = None) -> bytes:
    out = result(flattenString(request, root))
    assert isinstance(out, bytes)
    return out


# -- the facade ------------------------------------------------------------------------------


def test_facade_exports_twisteds_names() -> None:
    twisted_names = {
        "TEMPLATE_NAMESPACE",
        "VALID_HTML_TAG_NAMES",
        "Element",
        "Flattenable",
        "TagLoader",
        "XMLString",
        "XMLFile",
        "renderer",
        "flatten",
        "flattenString",
        "tags",
        "Comment",
        "CDATA",
        "Tag",
        "slot",
        "CharRef",
        "renderElement",
    }
    assert twisted_names <= set(template.__all__)
    for name in template.__all__:
        assert getattr(template, name) is not None
    assert TEMPLATE_NAMESPACE == "http://twistedmatrix.com/ns/twisted.web.template/0.1"


# -- tags ------------------------------------------------------------------------------------


def test_tags_factory() -> None:
    tag = tags.div
    assert isinstance(tag, Tag)
    assert tag.tagName == "div"
    assert tags.div is not tags.div  # a new tag each time
    assert tags.del_.tagName == "del"
    assert tags.transparent.tagName == ""
    assert {"main", "template", "wbr", "table"} <= VALID_HTML_TAG_NAMES
    with pytest.raises(AttributeError, match="unknown tag"):
        _ = tags.notatag
    with pytest.raises(AttributeError):
        _ = tags.xmp


def test_stan_page() -> None:
    page = tags.html(
        tags.head(tags.title("T")),
        tags.body(tags.p("a ", tags.a("link", href="/x?a=1&b=2"), class_="intro"), tags.br()),
    )
    assert flat(page) == (
        b"<html><head><title>T</title></head><body>"
        b'<p class="intro">a <a href="/x?a=1&amp;b=2">link</a></p><br /></body></html>'
    )


# -- Element and renderer --------------------------------------------------------------------

HEADER_TEMPLATE = f"""<div {NS}>
  <div t:render="header" />
  <div id="content">
    <p>Content goes here.</p>
  </div>
  <div t:render="footer" />
</div>"""


class Framed(Element):
    loader = XMLString(HEADER_TEMPLATE)

    @renderer
    def header(self, request: Any, tag: Tag) -> Tag:
        return tag(tags.b("Header."))

    @renderer
    def footer(self, request: Any, tag: Tag) -> Tag:
        return tag(tags.b("Footer."))

    def notExposed(self, request: Any, tag: Tag) -> Tag:
        return tag


def test_element_renders_template_with_renderers() -> None:
    assert flat(Framed()) == (
        b'<div>\n  <div><b>Header.</b></div>\n  <div id="content">\n'
        b"    <p>Content goes here.</p>\n  </div>\n  <div><b>Footer.</b></div>\n</div>"
    )


def test_renderer_sets_attributes_on_its_tag() -> None:
    class WithId(Element):
        loader = XMLString(f'<div {NS} t:render="main" id="old">text</div>')

        @renderer
        def main(self, request: Any, tag: Tag) -> Tag:
            return tag(" more", id="new")

    assert flat(WithId()) == b'<div id="new">text more</div>'


def test_element_interfaces_and_lookup() -> None:
    element = Framed()
    assert verifyObject(IRenderable, element)
    assert verifyObject(ITemplateLoader, Framed.loader)
    assert element.lookupRenderMethod("header") == element.header
    with pytest.raises(MissingRenderMethod) as info:
        element.lookupRenderMethod("notExposed")
    assert info.value.renderName == "notExposed"
    with pytest.raises(MissingRenderMethod):
        element.lookupRenderMethod("nothing")
    with pytest.raises(UnexposedMethodError):
        renderer.get(element, "notExposed")
    assert renderer.get(element, "nothing", 5) == 5


def test_missing_loader() -> None:
    with pytest.raises(MissingTemplateLoader):
        Element().render(None)
    with pytest.raises(FlattenerError) as info:
        flat(Element())
    assert isinstance(info.value._exception, MissingTemplateLoader)


def test_loader_given_to_constructor() -> None:
    element = Element(loader=TagLoader(tags.p("hi")))
    assert flat(element) == b"<p>hi</p>"


def test_missing_render_method_in_template_names_the_line() -> None:
    class Broken(Element):
        loader = XMLString(f"<div {NS}>\n\n  <span t:render='nope' />\n</div>")

    with pytest.raises(FlattenerError) as info:
        flat(Broken())
    assert isinstance(info.value._exception, MissingRenderMethod)
    culprit = info.value._roots[-1]
    assert isinstance(culprit, Tag)
    assert (culprit.tagName, culprit.lineNumber, culprit.columnNumber) == ("span", 3, 2)
    assert "'nope'" in str(info.value)


# -- directives ------------------------------------------------------------------------------


def test_slots_and_attr_directive() -> None:
    class Profile(Element):
        loader = XMLString(
            f"""<div {NS} t:render="person"><h1><t:slot name="name" /></h1>"""
            """<img><t:attr name="src"><t:slot name="pic" />?size=1</t:attr></img>"""
            """<p><t:slot name="bio" default="No bio." /></p></div>"""
        )

        @renderer
        def person(self, request: Any, tag: Tag) -> Tag:
            return tag.fillSlots(name="Ann <3", pic='/p/"a".png')

    assert flat(Profile()) == (
        b'<div><h1>Ann &lt;3</h1><img src="/p/&quot;a&quot;.png?size=1" /><p>No bio.</p></div>'
    )


def test_attr_directive_with_renderer() -> None:
    class Link(Element):
        loader = XMLString(f'<a {NS}><t:attr name="href" t:render="href" />x</a>')

        @renderer
        def href(self, request: Any, tag: Tag) -> Tag:
            return tag("/a?b=1&c=2")

    assert flat(Link()) == b'<a href="/a?b=1&amp;c=2">x</a>'


def test_transparent_directive() -> None:
    class Numbers(Element):
        loader = XMLString(
            f'<ul {NS}><t:transparent t:render="items"><li><t:slot name="n"/></li>'
            "</t:transparent></ul>"
        )

        @renderer
        def items(self, request: Any, tag: Tag) -> Generator[Tag, None, None]:
            for n in range(3):
                yield tag.clone().fillSlots(n=str(n))

    assert flat(Numbers()) == b"<ul><li>0</li><li>1</li><li>2</li></ul>"


def test_iteration_by_cloning() -> None:
    class Widgets(Element):
        loader = XMLString(
            f'<ul {NS}><li t:render="widgets"><t:slot name="widgetName"/></li></ul>'
        )
        names = ("Foo", "Bar", "Baz")

        @renderer
        def widgets(self, request: Any, tag: Tag) -> Generator[Tag, None, None]:
            for name in self.names:
                yield tag.clone().fillSlots(widgetName=name)

    assert flat(Widgets()) == b"<ul><li>Foo</li><li>Bar</li><li>Baz</li></ul>"


def test_subviews_take_renderers_from_the_inner_element() -> None:
    class Widget(Element):
        def __init__(self, loader: Any, name: str) -> None:
            super().__init__(loader)
            self.widgetName = name

        @renderer
        def name(self, request: Any, tag: Tag) -> Tag:
            return tag(self.widgetName)

    class Widgets(Element):
        loader = XMLString(f'<ul {NS}><li t:render="widgets"><span t:render="name"/></li></ul>')

        @renderer
        def widgets(self, request: Any, tag: Tag) -> Generator[Widget, None, None]:
            for name in ("A", "B"):
                yield Widget(TagLoader(tag.clone()), name)

    assert flat(Widgets()) == b"<ul><li><span>A</span></li><li><span>B</span></li></ul>"


def test_quoting_in_text_and_attributes() -> None:
    class Quoting(Element):
        loader = XMLString(f'<div {NS}><p t:render="q" /></div>')

        @renderer
        def q(self, request: Any, tag: Tag) -> Tag:
            return tag('<>"', title='<>"')

    assert flat(Quoting()) == b'<div><p title="&lt;&gt;&quot;">&lt;&gt;"</p></div>'


def test_namespaces_comments_cdata_and_doctype() -> None:
    loader = XMLString(
        '<?xml version="1.0"?>\n<!DOCTYPE html>\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml" {NS} xmlns:svg="http://www.w3.org/2000/svg">'
        '<!-- c --><![CDATA[ <raw> ]]><svg:rect svg:x="1" xml:lang="en"/>&amp;&#65;</html>'
    )
    assert flat(loader.load()) == (
        b'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:svg="http://www.w3.org/2000/svg">'
        b'<!-- c --><![CDATA[ <raw> ]]><svg:rect svg:x="1" xml:lang="en"></svg:rect>'
        b"&amp;A</html>"
    )


def test_parsed_positions() -> None:
    doc = XMLString(f'<div {NS}>\n  <p t:render="x">\n<t:slot name="s"/></p></div>').load()
    div = doc[0]
    assert (div.lineNumber, div.columnNumber) == (1, 0)
    p = div.children[1]
    assert (p.tagName, p.render, p.lineNumber, p.columnNumber) == ("p", "x", 2, 2)
    s = p.children[1]
    assert isinstance(s, slot)
    assert (s.name, s.lineNumber) == ("s", 3)


def test_unfilled_slot_in_template_names_slot_and_line() -> None:
    class Page(Element):
        loader = XMLString(f"<html {NS}>\n<body>\n\n<h1><t:slot name='title'/></h1></body></html>")

    with pytest.raises(FlattenerError) as info:
        flat(Page())
    text = str(info.value)
    assert "UnfilledSlot: title" in text
    assert "slot('title', line 4, column 4)" in text


def test_bad_directives_are_load_errors() -> None:
    with pytest.raises(ValueError, match="without a name"):
        XMLString(f"<p {NS}><t:slot /></p>")
    with pytest.raises(ValueError, match="must be inside an element"):
        XMLString(f'<t:attr {NS} name="x" />')
    with pytest.raises(ValueError, match="without a name"):
        XMLString(f"<p {NS}><t:attr>x</t:attr></p>")
    with pytest.raises(ValueError, match="unknown template element"):
        XMLString(f"<p {NS}><t:tranparent /></p>")


def test_xmlstring_accepts_utf8_bytes() -> None:
    assert flat(XMLString("<p>caf\u00e9</p>".encode()).load()) == "<p>caf\u00e9</p>".encode()


def test_external_entities_are_not_loaded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    doc = f'<!DOCTYPE p [<!ENTITY e SYSTEM "file://{secret}">]><p>&e;</p>'
    # The reference is dropped: expat is told not to fetch external entities.
    assert flat(XMLString(doc).load()) == b"<p></p>"


# -- XMLFile ---------------------------------------------------------------------------------


class FakeFilePath:
    """The FilePath surface XMLFile uses: ``path`` and ``open()``."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.opened = 0

    def open(self, mode: str = "r") -> Any:
        self.opened += 1
        return open(self.path, "rb")


def write_template(tmp_path: Path) -> Path:
    path = tmp_path / "page.xml"
    path.write_text(f'<p {NS}>\n<t:slot name="missing" /></p>', encoding="utf-8")
    return path


def test_xmlfile_from_filepath_like_is_lazy_and_cached(tmp_path: Path) -> None:
    path = write_template(tmp_path)
    fp = FakeFilePath(path)
    loader = XMLFile(fp)
    assert fp.opened == 0
    first = loader.load()
    assert loader.load() is first
    assert fp.opened == 1
    assert first[0].filename == str(path)
    assert repr(loader).startswith("<XMLFile of ")


@pytest.mark.parametrize("kind", [str, Path])
def test_xmlfile_from_path(tmp_path: Path, kind: Any) -> None:
    path = write_template(tmp_path)
    element = Element(loader=XMLFile(kind(path)))
    with pytest.raises(FlattenerError) as info:
        flat(element)
    # The error points into the file.
    assert f'File "{path}", line 2' in str(info.value)


def test_xmlfile_from_open_file(tmp_path: Path) -> None:
    path = tmp_path / "t.xml"
    path.write_bytes(b"<p>x</p>")
    with path.open("rb") as f:
        assert flat(Element(loader=XMLFile(f))) == b"<p>x</p>"


# -- Deferreds in templates ------------------------------------------------------------------


def test_wait_for_it() -> None:
    sample = XMLString(
        f'<div {NS}>Before waiting ...<span t:render="wait"></span>... after waiting.</div>'
    )

    class WaitForIt(Element):
        def __init__(self) -> None:
            super().__init__(loader=sample)
            self.deferred: Deferred[str] = Deferred()

        @renderer
        def wait(self, request: Any, tag: Tag) -> Deferred[Tag]:
            return self.deferred.addCallback(lambda value: tag("A value: " + repr(value)))

    events: list[Any] = []
    it = WaitForIt()
    flatten(None, it, events.append).addCallback(lambda _: events.append("done"))
    events.append("in progress")
    it.deferred.callback("<value>")
    assert events == [
        b"<div>Before waiting ...",
        "in progress",
        b"<span>A value: '&lt;value&gt;'</span>... after waiting.</div>",
        "done",
    ]


# -- renderElement ---------------------------------------------------------------------------


class FakeSite:
    def __init__(self, displayTracebacks: bool) -> None:
        self.displayTracebacks = displayTracebacks


class FakeRequest:
    def __init__(self, displayTracebacks: bool | None = None) -> None:
        self.written: list[bytes] = []
        self.finished = 0
        self.finishNotifiers: list[Deferred[None]] = []
        if displayTracebacks is not None:
            self.site = FakeSite(displayTracebacks)

    def write(self, data: bytes) -> None:
        assert not self.finished
        self.written.append(data)

    def finish(self) -> None:
        self.finished += 1
        for d in self.finishNotifiers:
            d.callback(None)

    def notifyFinish(self) -> Deferred[None]:
        d: Deferred[None] = Deferred()
        self.finishNotifiers.append(d)
        return d

    def loseConnection(self) -> None:
        for d in self.finishNotifiers:
            d.errback(ConnectionError("gone"))

    @property
    def body(self) -> bytes:
        return b"".join(self.written)


class Greeting(Element):
    loader = XMLString(f'<p {NS} t:render="greet" />')

    def __init__(self, outcome: Any = "hello") -> None:
        super().__init__()
        self.outcome = outcome

    @renderer
    def greet(self, request: Any, tag: Tag) -> Any:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return tag(self.outcome)


def test_render_element_writes_doctype_body_and_finishes() -> None:
    request = FakeRequest()
    assert renderElement(request, Greeting()) is NOT_DONE_YET
    assert request.written[:2] == [b"<!DOCTYPE html>", b"\n"]
    assert request.body == b"<!DOCTYPE html>\n<p>hello</p>"
    assert request.finished == 1


def test_render_element_custom_or_no_doctype() -> None:
    request = FakeRequest()
    renderElement(request, Greeting(), doctype=None)
    assert request.body == b"<p>hello</p>"
    request = FakeRequest()
    renderElement(request, Greeting(), doctype=b"<!DOCTYPE x>")
    assert request.body == b"<!DOCTYPE x>\n<p>hello</p>"


def test_render_element_waits_for_deferred() -> None:
    d: Deferred[str] = Deferred()
    request = FakeRequest()
    renderElement(request, Greeting(d))
    assert request.finished == 0
    d.callback("later")
    assert request.body == b"<!DOCTYPE html>\n<p>later</p>"
    assert request.finished == 1


@pytest.mark.parametrize("displayTracebacks", [None, False])
def test_render_element_error_without_tracebacks(
    displayTracebacks: bool | None, caplog: pytest.LogCaptureFixture
) -> None:
    request = FakeRequest(displayTracebacks)
    with caplog.at_level(logging.ERROR, logger="plait.web.template"):
        renderElement(request, Greeting(RuntimeError("secret <detail>")))
    assert request.body == (
        b"<!DOCTYPE html>\n"
        b'<div style="font-size:800%;background-color:#FFF;color:#F00">'
        b"An error occurred while rendering the response.</div>"
    )
    assert request.finished == 1
    assert "An error occurred while rendering the response." in caplog.text
    assert "secret <detail>" in caplog.text


def test_render_element_error_with_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    request = FakeRequest(True)
    with caplog.at_level(logging.ERROR, logger="plait.web.template"):
        renderElement(request, Greeting(RuntimeError("secret <detail>")))
    body = request.body.decode()
    assert request.finished == 1
    assert "plait.web.error.FlattenerError" in body
    assert "RuntimeError" in body
    assert "secret &lt;detail&gt;" in body
    assert "<detail>" not in body
    assert "greet" in body  # the renderer's frame is in the traceback
    assert "RuntimeError" in caplog.text


def test_render_element_custom_fail_element() -> None:
    seen: list[Failure] = []

    def failElement(failure: Failure) -> Any:
        seen.append(failure)
        return TagLoader(tags.p("custom")).load()[0]

    request = FakeRequest(True)
    renderElement(request, Greeting(ValueError("x")), _failElement=failElement)
    assert request.body == b"<!DOCTYPE html>\n<p>custom</p>"
    assert isinstance(seen[0].value, FlattenerError)
    assert request.finished == 1


def test_render_element_stops_when_the_client_goes_away() -> None:
    d: Deferred[str] = Deferred()
    request = FakeRequest()
    renderElement(request, Greeting(d))
    request.loseConnection()
    assert request.finished == 0
    written = len(request.written)
    d.addErrback(lambda f: None)
    assert len(request.written) == written


# -- differential: the same stan with Twisted ------------------------------------------------


def test_same_bytes_as_twisted() -> None:
    tw = pytest.importorskip("twisted.web.template")

    def build(mod: Any) -> Any:
        class Page(mod.Element):
            loader = mod.XMLString(
                f'<html {NS}><body t:render="body"><h1><t:slot name="title"/></h1>'
                '<table><tr t:render="rows"><td class="c"><t:slot name="a"/></td>'
                '<td><a><t:attr name="href">/i/<t:slot name="a"/></t:attr>'
                '<t:slot name="b"/></a></td></tr></table><!-- end --><br/><hr/></body></html>'
            )

            @mod.renderer
            def body(self, request: Any, tag: Any) -> Any:
                return tag.fillSlots(title='T & "t" <x>')

            @mod.renderer
            def rows(self, request: Any, tag: Any) -> Any:
                for i in range(5):
                    yield tag.clone().fillSlots(a=str(i), b=mod.tags.em(f"<{i}>", title='"'))

        return mod.tags.transparent(Page(), mod.CharRef(9731), mod.CDATA("a]]>b"))

    ours = flat(build(template))
    box: list[Any] = []
    tw.flattenString(None, build(tw)).addBoth(box.append)
    assert ours == box[0]


def test_comment_and_cdata_classes_exported() -> None:
    assert flat([Comment("c"), CDATA("d")]) == b"<!--c--><![CDATA[d]]>"
