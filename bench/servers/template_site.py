"""The template page through ``renderElement``: ``python template_site.py PORT [--twisted]``.

Without ``--twisted`` it is plait (``plait.web.template``, plait's default loop, uvloop);
with it, the same code on Twisted Web (``twisted.web.template``, default reactor). Only the
import prefix differs: the page is bench/servers/_page.py.
"""

import importlib
import sys


def main() -> None:
    args = sys.argv[1:]
    prefix = "plait"
    if "--twisted" in args:
        args.remove("--twisted")
        prefix = "twisted"
    port = int(args[0])
    from _page import page_element

    template = importlib.import_module(f"{prefix}.web.template")
    resource = importlib.import_module(f"{prefix}.web.resource")
    server = importlib.import_module(f"{prefix}.web.server")
    reactor = importlib.import_module(f"{prefix}.internet.reactor")
    page = page_element(template)

    class PageResource(resource.Resource):
        isLeaf = True

        def render_GET(self, request):
            request.setHeader(b"content-type", b"text/html; charset=utf-8")
            return template.renderElement(request, page())

    reactor.listenTCP(port, server.Site(PageResource()), backlog=1024, interface="127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main()
