"""Custom response codes: setResponseCode before returning the body.

/ answers 402 Payment Required with a short explanation.
"""

import sys

from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.server import Site


class PayWall(Resource):
    isLeaf = True

    def render_GET(self, request):
        request.setResponseCode(402)
        return b"<p>This page is for subscribers only.</p>"


resource = PayWall()

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
