"""One plait process serving every kind of request the soak mixes: ``python ... PORT DIR``.

- ``GET /``: the 14-byte hello-world body;
- ``POST /form``: a small urlencoded form, echoed back (``name=... count=...``);
- ``GET /static/...``: files of DIR through ``plait.web.static.File``;
- ``GET /page``: the 100-row template page (bench/servers/_page.py) via ``renderElement``;
- anything else: plait's 404 page.

The soft limit on open files is raised to the hard limit first, so the same script can hold
ten thousand connections (bench/load_bench.py).
"""

import resource
import sys

from _page import page_element

from plait.internet import reactor
from plait.web import template
from plait.web.resource import Resource
from plait.web.server import Site
from plait.web.static import File

BODY = b"Hello, world!\n"


class Hello(Resource):
    isLeaf = True

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain")
        return BODY


class Form(Resource):
    isLeaf = True

    def render_POST(self, request):
        name = request.args.get(b"name", [b""])[0]
        count = request.args.get(b"count", [b""])[0]
        request.setHeader(b"content-type", b"text/plain")
        return b"form: name=%s count=%s\n" % (name, count)


class PageResource(Resource):
    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self._page = page_element(template)

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        return template.renderElement(request, self._page())


def main() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    port, root = int(sys.argv[1]), sys.argv[2]
    site_root = Resource()
    site_root.putChild(b"", Hello())
    site_root.putChild(b"form", Form())
    site_root.putChild(b"static", File(root))
    site_root.putChild(b"page", PageResource())
    reactor.listenTCP(port, Site(site_root), backlog=4096, interface="127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main()
