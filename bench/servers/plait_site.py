"""plait, the full Resource/Site path: ``python plait_site.py PORT``.

The event loop is plait's default (uvloop when installed); ``PLAIT_LOOP=asyncio`` in the
environment selects the stdlib loop, which is how bench/run.py measures "plait (asyncio)".
"""

import sys

from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.server import Site

BODY = b"Hello, world!\n"


class Hello(Resource):
    isLeaf = True

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain")
        return BODY


def main() -> None:
    port = int(sys.argv[1])
    root = Resource()
    root.putChild(b"", Hello())
    reactor.listenTCP(port, Site(root), backlog=1024, interface="127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main()
