"""Static dispatch: children registered once with putChild, looked up by path segment.

/            an index page linking to the children
/hello       a greeting
/about/      a page with its own child, /about/team
"""

import sys

from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.server import Site


class Text(Resource):
    isLeaf = True

    def __init__(self, text):
        super().__init__()
        self.text = text

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return self.text.encode("utf-8")


class Index(Resource):
    def render_GET(self, request):
        return b'<a href="hello">hello</a> <a href="about/">about</a>'


root = Resource()
root.putChild(b"", Index())
root.putChild(b"hello", Text("Hello from a static child.\n"))
about = Resource()
about.putChild(b"", Text("About this site.\n"))
about.putChild("team", Text("The team page.\n"))  # str names work too
root.putChild(b"about", about)

resource = root

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
