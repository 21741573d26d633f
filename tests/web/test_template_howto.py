"""Twisted's template how-to ("HTML Templating with twisted.web.template"), section by section.

Each test does what one listing of the how-to does, with templates and code of its own
(the listings are not copied here), through the same public calls the listing makes:
an ``XMLFile(FilePath(...))`` loader, renderers decorated with ``@renderer``,
``flattenString(None, element)`` whose Deferred has already fired when it is returned,
``flatten`` writing into a callable. Each asserts the output shape the how-to documents
for that listing.

Every test runs twice: with plait's modules, and with the real Twisted's (a dev-only
dependency) where only the import prefix differs. The expected outputs are written out
here, so Twisted's run shows they are what Twisted documents and does, and plait's run
shows plait does the same.
"""

from __future__ import annotations

from collections.abc import Generator
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

LIBRARIES = ("plait", "twisted")


@pytest.fixture(params=LIBRARIES)
def lib(request: pytest.FixtureRequest) -> SimpleNamespace:
    """The names the listings import, from ``plait.*`` or from ``twisted.*``."""
    prefix = request.param
    template = import_module(f"{prefix}.web.template")
    return SimpleNamespace(
        **{name: getattr(template, name) for name in template.__all__},
        Deferred=import_module(f"{prefix}.internet.defer").Deferred,
        FilePath=import_module(f"{prefix}.python.filepath").FilePath,
    )


NS = 'xmlns:t="http://twistedmatrix.com/ns/twisted.web.template/0.1"'

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


def rendered(lib: Any, root: Any) -> bytes:
    """What the listings print: the result of ``flattenString(None, root)``.

    The listings add a callback and never run the reactor, so the Deferred must have
    fired by the time ``flattenString`` returns.
    """
    box: list[Any] = []
    lib.flattenString(None, root).addBoth(box.append)
    assert box, "flattenString did not fire synchronously"
    if hasattr(box[0], "raiseException"):
        box[0].raiseException()
    assert isinstance(box[0], bytes)
    return box[0]


@pytest.fixture
def templates(lib: Any, tmp_path: Path) -> Any:
    """A directory the listings' templates are written to, as a FilePath."""
    return lib.FilePath(str(tmp_path))


def write(directory: Any, name: str, text: str) -> Any:
    path = directory.child(name)
    path.setContent(text.encode("utf-8"))
    return path


# -- element_1 / render_1: an Element, an XMLFile and two renderers ------------------------


def test_renderers_fill_the_tags_of_an_xml_file(lib: Any, templates: Any) -> None:
    class PageElement(lib.Element):
        loader = lib.XMLFile(write(templates, "page.xml", PAGE))

        @lib.renderer
        def top(self, request: Any, tag: Any) -> Any:
            return tag("Top.")

        @lib.renderer
        def bottom(self, request: Any, tag: Any) -> Any:
            return tag("Bottom.")

    out = rendered(lib, PageElement())
    # The template namespace declaration and the t:render attributes are gone; every
    # other byte of the template is kept.
    assert out == page("Top.", "Bottom.")
    assert b"xmlns" not in out
    assert b"render" not in out


def test_renderers_receive_the_request_given_to_flatten_string(lib: Any, templates: Any) -> None:
    # The how-to passes None; whatever is passed is what each renderer sees.
    seen: list[Any] = []

    class Recording(lib.Element):
        loader = lib.XMLString(f'<p {NS} t:render="r" />')

        @lib.renderer
        def r(self, request: Any, tag: Any) -> Any:
            seen.append(request)
            return tag

    rendered(lib, Recording())
    marker = object()
    lib.flattenString(marker, Recording())
    assert seen == [None, marker]


# -- element_2: a renderer adding tags built with ``tags`` --------------------------------


def test_renderers_add_child_tags(lib: Any, templates: Any) -> None:
    class Bold(lib.Element):
        loader = lib.XMLFile(write(templates, "page.xml", PAGE))

        @lib.renderer
        def top(self, request: Any, tag: Any) -> Any:
            return tag(lib.tags.b("Top."))

        @lib.renderer
        def bottom(self, request: Any, tag: Any) -> Any:
            return tag(lib.tags.b("Bottom."))

    assert rendered(lib, Bold()) == page("<b>Top.</b>", "<b>Bottom.</b>")


# -- element_3: calling a tag sets attributes too ------------------------------------------


def test_renderers_set_attributes_while_adding_children(lib: Any, templates: Any) -> None:
    class WithIds(lib.Element):
        loader = lib.XMLFile(write(templates, "page.xml", PAGE))

        @lib.renderer
        def top(self, request: Any, tag: Any) -> Any:
            return tag(lib.tags.p("Top."), id="top")

        @lib.renderer
        def bottom(self, request: Any, tag: Any) -> Any:
            return tag(lib.tags.p("Bottom."), id="bottom")

    assert rendered(lib, WithIds()) == page(
        "<p>Top.</p>", "<p>Bottom.</p>", ' id="top"', ' id="bottom"'
    )


def test_calling_a_tag_mutates_and_returns_it(lib: Any) -> None:
    tag = lib.tags.p
    assert tag("a") is tag
    assert tag("b", class_="c") is tag
    assert tag.children == ["a", "b"]
    assert tag.attributes == {"class": "c"}


def test_there_is_a_tags_attribute_for_each_html_tag(lib: Any) -> None:
    for name in ("p", "b", "div", "ul", "li", "table", "form", "input", "span", "a"):
        assert name in lib.VALID_HTML_TAG_NAMES
        assert getattr(lib.tags, name).tagName == name
    with pytest.raises(AttributeError):
        lib.tags.notarealtag  # noqa: B018 -- the lookup itself is under test


# -- slots-attributes: t:attr whose value is a t:slot, filled by fillSlots -----------------


def test_attr_directive_takes_its_value_from_a_slot(lib: Any, templates: Any) -> None:
    # Like the how-to's profile: an image whose src comes from a slot inside t:attr,
    # and a paragraph holding another slot, both filled by the outer tag's renderer.
    template = (
        f'<article {NS}\n    t:render="card"\n    class="card">\n'
        '<img><t:attr name="src"><t:slot name="pictureUrl" /></t:attr></img> \n'
        '<h2><t:slot name="title" /></h2>\n</article>\n'
    )

    class Card(lib.Element):
        loader = lib.XMLFile(write(templates, "card.xml", template))

        @lib.renderer
        def card(self, request: Any, tag: Any) -> Any:
            tag.fillSlots(title="Ada", pictureUrl="https://example.test/ada.png")
            return tag

    assert rendered(lib, Card()) == (
        b'<article class="card">\n<img src="https://example.test/ada.png" /> \n'
        b"<h2>Ada</h2>\n</article>"
    )


# -- iteration-1: a generator renderer yields filled clones of its tag ---------------------


ITERATION = f"""<ol {NS}>
    <li t:render="items"><t:slot name="itemName" /></li>
</ol>
"""


def test_iteration_by_yielding_clones(lib: Any, templates: Any) -> None:
    class Items(lib.Element):
        loader = lib.XMLFile(write(templates, "items.xml", ITERATION))
        itemData = ("spanner", "sprocket", "flange")

        @lib.renderer
        def items(self, request: Any, tag: Any) -> Generator[Any, None, None]:
            for item in self.itemData:
                yield tag.clone().fillSlots(itemName=item)

    # The clones replace the one <li>: they come out back to back, and the whitespace
    # around the original element stays where it was.
    assert rendered(lib, Items()) == (
        b"<ol>\n    <li>spanner</li><li>sprocket</li><li>flange</li>\n</ol>"
    )


def test_a_renderer_may_return_a_list_instead(lib: Any, templates: Any) -> None:
    class Items(lib.Element):
        loader = lib.XMLFile(write(templates, "items.xml", ITERATION))

        @lib.renderer
        def items(self, request: Any, tag: Any) -> list[Any]:
            return [tag.clone().fillSlots(itemName=n) for n in ("x", "y")]

    assert rendered(lib, Items()) == b"<ol>\n    <li>x</li><li>y</li>\n</ol>"


def test_the_template_is_unchanged_by_rendering(lib: Any, templates: Any) -> None:
    class Items(lib.Element):
        loader = lib.XMLFile(write(templates, "items.xml", ITERATION))

        @lib.renderer
        def items(self, request: Any, tag: Any) -> Generator[Any, None, None]:
            yield tag.clone().fillSlots(itemName="once")

    element = Items()
    first = rendered(lib, element)
    assert rendered(lib, element) == first
    assert rendered(lib, Items()) == first


# -- subviews-1: each item rendered by an Element of its own, sharing the tag ---------------


def test_subviews_render_with_tagloader(lib: Any, templates: Any) -> None:
    template = f"""<ol {NS}>
    <li t:render="items"><em t:render="label" /></li>
</ol>
"""

    class Item(lib.Element):
        def __init__(self, loader: Any, label: str) -> None:
            lib.Element.__init__(self, loader)
            self._label = label

        @lib.renderer
        def label(self, request: Any, tag: Any) -> Any:
            return tag(self._label)

    class Items(lib.Element):
        loader = lib.XMLFile(write(templates, "subviews.xml", template))
        itemData = ("spanner", "sprocket")

        @lib.renderer
        def items(self, request: Any, tag: Any) -> Generator[Item, None, None]:
            for item in self.itemData:
                yield Item(lib.TagLoader(tag), item)

    # "label" is found on Item, although Items (which has no such renderer) owns the page.
    assert rendered(lib, Items()) == (
        b"<ol>\n    <li><em>spanner</em></li><li><em>sprocket</em></li>\n</ol>"
    )


# -- transparent: t:transparent leaves no element of its own -------------------------------


def test_transparent_renders_only_its_children(lib: Any, templates: Any) -> None:
    template = f"""<p {NS}>
    <t:transparent t:render="first" />
    <t:transparent t:render="second" />
</p>
"""

    class Words(lib.Element):
        loader = lib.XMLFile(write(templates, "transparent.xml", template))

        @lib.renderer
        def first(self, request: Any, tag: Any) -> Any:
            return tag("good")

        @lib.renderer
        def second(self, request: Any, tag: Any) -> Any:
            return tag("morning")

    assert rendered(lib, Words()) == b"<p>\n    good\n    morning\n</p>"


# -- quoting: strings are escaped wherever they land --------------------------------------


def test_strings_are_quoted_in_text_and_attributes(lib: Any, templates: Any) -> None:
    class Quoting(lib.Element):
        loader = lib.XMLFile(write(templates, "page.xml", PAGE))

        @lib.renderer
        def top(self, request: Any, tag: Any) -> Any:
            return tag("<<<Top & co>>>!")

        @lib.renderer
        def bottom(self, request: Any, tag: Any) -> Any:
            return tag('>>>"Bottom!"<<<', id='<"odd">')

    # '"' is special only in attribute values, so text keeps it as it is.
    assert rendered(lib, Quoting()) == page(
        "&lt;&lt;&lt;Top &amp; co&gt;&gt;&gt;!",
        '&gt;&gt;&gt;"Bottom!"&lt;&lt;&lt;',
        bottomAttrs=' id="&lt;&quot;odd&quot;&gt;"',
    )


# -- wait_for_it: flatten writes what it can before a Deferred, the rest after it ----------


def test_flatten_writes_up_to_a_deferred_then_waits(lib: Any) -> None:
    sample = lib.XMLString(
        f"""
    <div {NS}>
    Before the wait ...
    <span t:render="wait"></span>
    ... after the wait.
    </div>
    """
    )

    class WaitForIt(lib.Element):
        def __init__(self) -> None:
            lib.Element.__init__(self, loader=sample)
            self.deferred: Any = lib.Deferred()

        @lib.renderer
        def wait(self, request: Any, tag: Any) -> Any:
            return self.deferred.addCallback(lambda aValue: tag("Got: " + repr(aValue)))

    transcript: list[str] = []

    def out(data: bytes) -> None:
        transcript.append(data.decode())

    transcript.append("[[[Rendering.]]]\n")
    it = WaitForIt()
    lib.flatten(None, it, out).addCallback(lambda ignored: transcript.append("[[[Fired.]]]\n"))
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


def test_doctype_in_template_is_dropped_and_other_namespaces_kept(lib: Any) -> None:
    loader = lib.XMLString(
        '<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" '
        f'{NS}><p t:render="r" /></html>'
    )

    class Page(lib.Element):
        @lib.renderer
        def r(self, request: Any, tag: Any) -> Any:
            return tag("x")

    out = rendered(lib, Page(loader))
    assert out == b'<html xmlns="http://www.w3.org/1999/xhtml"><p>x</p></html>'
