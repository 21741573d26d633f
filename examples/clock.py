"""A page generated on every request: the current time.

Run: python examples/clock.py [PORT]   (default 8880), then open http://127.0.0.1:8880/
"""

import sys
import time

from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.server import Site


class ClockPage(Resource):
    isLeaf = True

    def render_GET(self, request):
        # A str is fine: plait encodes it as UTF-8 (Twisted insists on bytes).
        return "<html><body>%s</body></html>" % (time.ctime(),)


resource = ClockPage()

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
