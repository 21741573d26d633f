"""Twisted Web from PyPI, the same tree as plait_site.py: ``python twisted_site.py PORT``.

``--asyncio`` installs Twisted's asyncio reactor (on the stdlib loop) instead of the
platform default (epoll on Linux). The Site keeps Twisted's defaults, access log included.
"""

import sys


def main() -> None:
    args = sys.argv[1:]
    if "--asyncio" in args:
        args.remove("--asyncio")
        from twisted.internet import asyncioreactor

        asyncioreactor.install()
    port = int(args[0])

    from twisted.internet import reactor
    from twisted.web.resource import Resource
    from twisted.web.server import Site

    body = b"Hello, world!\n"

    class Hello(Resource):
        isLeaf = True

        def render_GET(self, request):
            request.setHeader(b"content-type", b"text/plain")
            return body

    root = Resource()
    root.putChild(b"", Hello())
    reactor.listenTCP(port, Site(root), backlog=1024, interface="127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main()
