"""Twisted's template how-to ("HTML Templating with twisted.web.template"), section by section.

Each test does what one listing of the how-to does, with templates and code of its own
(the listings are not copied here), through the same public calls the listing makes and
only the ``plait`` import prefix changed: an ``XMLFile(FilePath(...))`` loader, renderers
decorated with ``@renderer``, ``flattenString(None, element)`` whose Deferred has already
fired when it is returned, ``flatten`` writing into a callable. Each asserts the output
shape the how-to documents for that listing.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from plait.internet.defer import Deferred
from plait.python.failure import Failure
from plait.python.filepath import FilePath
from plait.web.template import (
    TEMPLATE_NAMESPACE,
    VALID_HTML_TAG_NAMES,
    Element,
    Tag,
    TagLoader,
    XMLFile,
    XMLString,
    flatten,
    flattenString,
    renderer,
    tags,
)

NS = f'xmlns:t="{TEMPLATE_NAMESPACE}"'

# A page like the how-to's first template: two rendered divs around static content, with
# the indentation kept, since the how-to's outputs show whitespace passing through as is.
PAGE = f"""<html {NS}>
<body>
  <section t:render="top" />
  <main id="body">
    <p>The body stays as written.</p>
  </main>
  <section t:render="bottom" />
</body>
</html>
"""

PAGE_OUTPUT = """<html>
<body>
  <section{topAttrs}>{top}</section>
  <main id="body">
    <p>The body stays as written.</p>
  </main>
  <section{bottomAttrs}>{bottom}</section>
</body>
</html>"""


def page(top: str, bottom: str, topAttrs: str = "", bottomAttrs: str = "") -> bytes:
    """The expected output of PAGE with its two sections filled."""
    return PAGE_OUTPUT.format(
        top=top, bottom=bottom, topAttrs=topAttrs, bottomAttrs=bottomAttrs
    ).encode()


def rendered(root: Any) -> bytes:
    """What the listings print: the result of ``flattenString(None, root)``.

    The listings add a callback and never run the reactor, so the Deferred must have
    fired by the time ``flattenString`` returns.
    """
    box: list[Any] = []
    flattenString(None, root).addBoth(box.append)
    assert box, "flattenString did not fire synchronously"
    if isinstance(box[0], Failure):
        box[0].raiseException()
    assert isinstance(box[0], bytes)
    return box[0]


@pytest.fixture
def templates(tmp_path: Path) -> FilePath:
    """A directory the listings' templates are written to, as a FilePath."""
    return FilePath(str(tmp_path))


def write(directory: FilePath, name: str, text: str) -> FilePath:
    path = directory.child(name)
    path.setContent(text.encode("utf-8"))
    return path


# -- element_1 / render_1: an Element, an XMLFile and two renderers ------------------------


def test_renderers_fill_the_tags_of_an_xml_file(templates: FilePath) -> None:
    class PageElement(Element):
        loader = XMLFile(write(templates, "page.xml", PAGE))

        @renderer
        def top(self, request: Any, tag: Tag) -> Tag:
            return tag("Top.")

        @renderer
        def bottom(self, request: Any, tag: Tag) -> Tag:
            return tag("Bottom.")

    out = rendered(PageElement())
    # The template namespace declaration and the t:render attributes are gone; every
    # other byte of the template is kept.
    assert out == page("Top.", "Bottom.")
    assert b"xmlns" not in out
    assert b"render" not in out


def test_renderers_receive_the_request_given_to_flatten_string(templates: FilePath) -> None:
    # The how-to passes None; whatever is passed is what each renderer sees.
    seen: list[Any] = []

    class Recording(Element):
        loader = XMLString(f'<p {NS} t:render="r" />')

        @renderer
        def r(self, request: Any, tag: Tag) -> Tag:
            seen.append(request)
            return tag

    rendered(Recording())
    marker = object()
    flattenString(marker, Recording())
    assert seen == [None, marker]


# -- element_2: a renderer adding tags built with ``tags`` --------------------------------


def test_renderers_add_child_tags(templates: FilePath) -> None:
    class Bold(Element):
        loader = XMLFile(write(templates, "page.xml", PAGE))

        @renderer
        def top(self, request: Any, tag: Tag) -> Tag:
            return tag(tags.b("Top."))

        @renderer
        def bottom(self, request: Any, tag: Tag) -> Tag:
            return tag(tags.b("Bottom."))

    assert rendered(Bold()) == page("<b>Top.</b>", "<b>Bottom.</b>")


# -- element_3: calling a tag sets attributes too ------------------------------------------


def test_renderers_set_attributes_while_adding_children(templates: FilePath) -> None:
    class WithIds(Element):
        loader = XMLFile(write(templates, "page.xml", PAGE))

        @renderer
        def top(self, request: Any, tag: Tag) -> Tag:
            return tag(tags.p("Top."), id="top")

        @renderer
        def bottom(self, request: Any, tag: Tag) -> Tag:
            return tag(tags.p("Bottom."), id="bottom")

    assert rendered(WithIds()) == page(
        "<p>Top.</p>", "<p>Bottom.</p>", ' id="top"', ' id="bottom"'
    )


def test_calling_a_tag_mutates_and_returns_it() -> None:
    tag = tags.p
    assert tag("a") is tag
    assert tag("b", class_="c") is tag
    assert tag.children == ["a", "b"]
    assert tag.attributes == {"class": "c"}


def test_there_is_a_tags_attribute_for_each_html_tag() -> None:
    for name in ("p", "b", "div", "ul", "li", "table", "form", "input", "span", "a"):
        assert name in VALID_HTML_TAG_NAMES
        assert getattr(tags, name).tagName == name
    with pytest.raises(AttributeError):
        tags.notarealtag  # noqa: B018 -- the lookup itself is under test


# -- slots-attributes: t:attr whose value is a t:slot, filled by fillSlots -----------------


def test_attr_directive_takes_its_value_from_a_slot(templates: FilePath) -> None:
    # Like the how-to's profile: an image whose src comes from a slot inside t:attr,
    # and a paragraph holding another slot, both filled by the outer tag's renderer.
    template = (
        f'<article {NS}\n    t:render="card"\n    class="card">\n'
        '<img><t:attr name="src"><t:slot name="pictureUrl" /></t:attr></img> \n'
        '<h2><t:slot name="title" /></h2>\n</article>\n'
    )

    class Card(Element):
        loader = XMLFile(write(templates, "card.xml", template))

        @renderer
        def card(self, request: Any, tag: Tag) -> Tag:
            tag.fillSlots(title="Ada", pictureUrl="https://example.test/ada.png")
            return tag

    assert rendered(Card()) == (
        b'<article class="card">\n<img src="https://example.test/ada.png" /> \n'
        b"<h2>Ada</h2>\n</article>"
    )


# -- iteration-1: a generator renderer yields filled clones of its tag ---------------------


ITERATION = f"""<ol {NS}>
    <li t:render="items"><t:slot name="itemName" /></li>
</ol>
"""


def test_iteration_by_yielding_clones(templates: FilePath) -> None:
    class Items(Element):
        loader = XMLFile(write(templates, "items.xml", ITERATION))
        itemData = ("spanner", "sprocket", "flange")

        @renderer
        def items(self, request: Any, tag: Tag) -> Generator[Tag, None, None]:
            for item in self.itemData:
                yield tag.clone().fillSlots(itemName=item)

    # The clones replace the one <li>: they come out back to back, and the whitespace
    # around the original element stays where it was.
    assert rendered(Items()) == (
        b"<ol>\n    <li>spanner</li><li>sprocket</li><li>flange</li>\n</ol>"
    )


def test_a_renderer_may_return_a_list_instead(templates: FilePath) -> None:
    class Items(Element):
        loader = XMLFile(write(templates, "items.xml", ITERATION))

        @renderer
        def items(self, request: Any, tag: Tag) -> list[Tag]:
            return [tag.clone().fillSlots(itemName=n) for n in ("x", "y")]

    assert rendered(Items()) == b"<ol>\n    <li>x</li><li>y</li>\n</ol>"


def test_the_template_is_unchanged_by_rendering(templates: FilePath) -> None:
    class Items(Element):
        loader = XMLFile(write(templates, "items.xml", ITERATION))

        @renderer
        def items(self, request: Any, tag: Tag) -> Generator[Tag, None, None]:
            yield tag.clone().fillSlots(itemName="once")

    element = Items()
    first = rendered(element)
    assert rendered(element) == first
    assert rendered(Items()) == first


# -- subviews-1: each item rendered by an Element of its own, sharing the tag ---------------


def test_subviews_render_with_tagloader(templates: FilePath) -> None:
    template = f"""<ol {NS}>
    <li t:render="items"><em t:render="label" /></li>
</ol>
"""

    class Item(Element):
        def __init__(self, loader: Any, label: str) -> None:
            Element.__init__(self, loader)
            self._label = label

        @renderer
        def label(self, request: Any, tag: Tag) -> Tag:
            return tag(self._label)

    class Items(Element):
        loader = XMLFile(write(templates, "subviews.xml", template))
        itemData = ("spanner", "sprocket")

        @renderer
        def items(self, request: Any, tag: Tag) -> Generator[Item, None, None]:
            for item in self.itemData:
                yield Item(TagLoader(tag), item)

    # "label" is found on Item, although Items (which has no such renderer) owns the page.
    assert rendered(Items()) == (
        b"<ol>\n    <li><em>spanner</em></li><li><em>sprocket</em></li>\n</ol>"
    )


# -- transparent: t:transparent leaves no element of its own -------------------------------


def test_transparent_renders_only_its_children(templates: FilePath) -> None:
    template = f"""<p {NS}>
    <t:transparent t:render="first" />
    <t:transparent t:render="second" />
</p>
"""

    class Words(Element):
        loader = XMLFile(write(templates, "transparent.xml", template))

        @renderer
        def first(self, request: Any, tag: Tag) -> Tag:
            return tag("good")

        @renderer
        def second(self, request: Any, tag: Tag) -> Tag:
            return tag("morning")

    assert rendered(Words()) == b"<p>\n    good\n    morning\n</p>"


# -- quoting: strings are escaped wherever they land --------------------------------------


def test_strings_are_quoted_in_text_and_attributes(templates: FilePath) -> None:
    class Quoting(Element):
        loader = XMLFile(write(templates, "page.xml", PAGE))

        @renderer
        def top(self, request: Any, tag: Tag) -> Tag:
            return tag("<<<Top & co>>>!")

        @renderer
        def bottom(self, request: Any, tag: Tag) -> Tag:
            return tag('>>>"Bottom!"<<<', id='<"odd">')

    # '"' is special only in attribute values, so text keeps it as it is.
    assert rendered(Quoting()) == page(
        "&lt;&lt;&lt;Top &amp; co&gt;&gt;&gt;!",
        '&gt;&gt;&gt;"Bottom!"&lt;&lt;&lt;',
        bottomAttrs=' id="&lt;&quot;odd&quot;&gt;"',
    )


# -- wait_for_it: flatten writes what it can before a Deferred, the rest after it ----------


def test_flatten_writes_up_to_a_deferred_then_waits() -> None:
    sample = XMLString(
        f"""
    <div {NS}>
    Before the wait ...
    <span t:render="wait"></span>
    ... after the wait.
    </div>
    """
    )

    class WaitForIt(Element):
        def __init__(self) -> None:
            Element.__init__(self, loader=sample)
            self.deferred: Deferred[str] = Deferred()

        @renderer
        def wait(self, request: Any, tag: Tag) -> Deferred[Tag]:
            return self.deferred.addCallback(lambda aValue: tag("Got: " + repr(aValue)))

    transcript: list[str] = []

    def out(data: bytes) -> None:
        transcript.append(data.decode())

    transcript.append("[[[Rendering.]]]\n")
    it = WaitForIt()
    flatten(None, it, out).addCallback(lambda ignored: transcript.append("[[[Fired.]]]\n"))
    transcript.append("[[[In progress; firing now.]]]\n")
    it.deferred.callback("<v>")
    transcript.append("[[[All done.]]]\n")

    # The shape of the how-to's transcript: everything up to the renderer's tag is out
    # before the Deferred fires, nothing more until it does, the rest (escaped) at once
    # after, then flatten's own Deferred fires.
    assert "".join(transcript) == (
        "[[[Rendering.]]]\n"
        "<div>\n    Before the wait ...\n    "
        "[[[In progress; firing now.]]]\n"
        "<span>Got: '&lt;v&gt;'</span>\n    ... after the wait.\n    </div>"
        "[[[Fired.]]]\n"
        "[[[All done.]]]\n"
    )


# -- formats and DOCTYPEs ------------------------------------------------------------------


def test_doctype_in_template_is_dropped_and_other_namespaces_kept() -> None:
    loader = XMLString(
        '<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" '
        f'{NS}><p t:render="r" /></html>'
    )

    class Page(Element):
        @renderer
        def r(self, request: Any, tag: Tag) -> Tag:
            return tag("x")

    out = rendered(Page(loader))
    assert out == b'<html xmlns="http://www.w3.org/1999/xhtml"><p>x</p></html>'
