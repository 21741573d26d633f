"""Error handling: answer a missing thing with a 404 page, and a broken one with a 500.

/items/<n> shows item n if it exists, else the escaped 404 page from plait.web.pages.
/broken raises: the client sees a short 500 page; the traceback goes to the log.
"""

import sys

from plait.internet import reactor
from plait.web import pages
from plait.web.resource import Resource
from plait.web.server import Site

ITEMS = {b"1": "a teapot", b"2": "a kettle"}


class Item(Resource):
    isLeaf = True

    def __init__(self, name):
        super().__init__()
        self.name = name

    def render_GET(self, request):
        return "<p>Item: %s</p>" % ITEMS[self.name]


class Items(Resource):
    def getChild(self, name, request):
        if name in ITEMS:
            return Item(name)
        return pages.notFound("No such item", "There is no item %r." % name.decode("latin-1"))


class Broken(Resource):
    isLeaf = True

    def render_GET(self, request):
        raise RuntimeError("this resource is broken on purpose")


root = Resource()
root.putChild(b"items", Items())
root.putChild(b"broken", Broken())
resource = root

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
