"""Templates: a guestbook page built with plait.web.template.

A page with a list (the entries, one <li> cloned per entry), a form (which keeps what was
typed when it has to ask again) and a layout shared by every page, filled through slots.
The templates are XML files in examples/templates/: layout.xml (the page, with t:slot
holes the Layout element fills and a t:render="content" where each page's own content
goes) and guestbook.xml (the list and the form). The "about" page is built in Python with
``tags`` instead. Every string put into a page is escaped where it lands.

GET  /        the guestbook: entries, then the form
POST /        sign it; a 303 back to the list, or the form again with an error
GET  /about   a page made from stan (tags.*) in the same layout

Run: python examples/templates.py [PORT]
"""

import sys
import time
from collections import deque

from plait.internet import reactor
from plait.python.filepath import FilePath
from plait.web.resource import Resource
from plait.web.server import Site
from plait.web.template import Element, TagLoader, XMLFile, renderElement, renderer, tags

TEMPLATES = FilePath(__file__).sibling("templates")

# Kept in memory, newest first, and bounded: this is an example, not a database.
ENTRIES = deque(
    [("plait", "Welcome! Sign below; <b>markup</b> shows as typed, never as markup.")],
    maxlen=50,
)

NAV = [("", "Guestbook"), ("about", "About")]


class Layout(Element):
    """The page around any content: title, navigation and footer, filled through slots."""

    loader = XMLFile(TEMPLATES.child("layout.xml"))

    def __init__(self, title, content, current):
        super().__init__()
        self.title = title
        self.body = content
        self.current = current

    @renderer
    def page(self, request, tag):
        return tag.fillSlots(title=self.title, renderedAt=time.strftime("%H:%M:%S"))

    @renderer
    def navLink(self, request, tag):
        # The pages are siblings: a relative href works wherever the example is mounted.
        for href, label in NAV:
            link = tag.clone().fillSlots(href="./" + href, label=label)
            if href == self.current:
                link(class_="current")
            yield link

    @renderer
    def content(self, request, tag):
        return tag(self.body)


class Guestbook(Element):
    """The list of entries and the form to add one."""

    loader = XMLFile(TEMPLATES.child("guestbook.xml"))

    def __init__(self, entries, error="", author="", message=""):
        super().__init__()
        self.entries_ = list(entries)
        self.error_ = error
        self.author = author
        self.message = message

    @renderer
    def summary(self, request, tag):
        count = len(self.entries_)
        return tag(f"{count} {'entry' if count == 1 else 'entries'} so far.")

    @renderer
    def entries(self, request, tag):
        for author, message in self.entries_:
            yield tag.clone().fillSlots(author=author, message=message)

    @renderer
    def form(self, request, tag):
        return tag.fillSlots(author=self.author, message=self.message)

    @renderer
    def error(self, request, tag):
        # Returning "" drops the tag: no empty error paragraph when all is well.
        return tag(self.error_) if self.error_ else ""


class About(Element):
    """A page written in stan, to show the other way to build markup."""

    loader = TagLoader(
        tags.transparent(
            tags.p(
                "Templates are ",
                tags.a("XML files", href="https://docs.twisted.org/en/stable/web/howto/"),
                " with a few directives, or trees of Python objects like this page.",
            ),
            tags.ul(tags.li(render="facts")),
        )
    )

    FACTS = ("t:render calls a @renderer", "t:slot is filled by fillSlots", "all text is escaped")

    @renderer
    def facts(self, request, tag):
        return [tag.clone()(fact) for fact in self.FACTS]


def _field(request, name, limit):
    values = request.args.get(name.encode(), [b""])
    return values[0].decode("utf-8", "replace").strip()[:limit]


class GuestbookPage(Resource):
    """GET shows the guestbook; POST signs it."""

    isLeaf = True

    def render_GET(self, request):
        return renderElement(request, Layout("Guestbook", Guestbook(ENTRIES), ""))

    def render_POST(self, request):
        author = _field(request, "author", 40)
        message = _field(request, "message", 500)
        if not author or not message:
            # Ask again, keeping what was typed (it goes back in through slots, escaped).
            request.setResponseCode(400)
            content = Guestbook(ENTRIES, "Both a name and a message, please.", author, message)
            return renderElement(request, Layout("Guestbook", content, ""))
        ENTRIES.appendleft((author, message))
        # Post/redirect/get: reloading the list does not sign twice.
        request.setResponseCode(303)
        request.setHeader(b"location", request.uri)
        return b""


class AboutPage(Resource):
    """The stan page in the same layout."""

    isLeaf = True

    def render_GET(self, request):
        return renderElement(request, Layout("About", About(), "about"))


root = Resource()
root.putChild(b"", GuestbookPage())
root.putChild(b"about", AboutPage())
resource = root

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
