"""One resource tree, served by Twisted or by plait: ``python compat_tree.py PREFIX DIR``.

PREFIX is ``twisted`` or ``plait``; every import below goes through it, so both servers run
the very same program (which is the point of plait). DIR holds the files ``/static`` serves.
Prints ``PORT <n>`` once listening on 127.0.0.1.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

PREFIX = sys.argv[1]


def use(name: str) -> Any:
    """Import ``PREFIX.name``."""
    return importlib.import_module(f"{PREFIX}.{name}")


reactor = use("internet.reactor")
endpoints = use("internet.endpoints")
task = use("internet.task")
server = use("web.server")
resource = use("web.resource")
static = use("web.static")
util = use("web.util")
http = use("web.http")

Resource = resource.Resource
LAST_MODIFIED = 1_600_000_000  # 2020-09-13T12:26:40Z


class Text(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"content-type", b"text/plain")
        return b"hello, world\n"


class Form(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b"<form method='POST'><input name='a'></form>"

    def render_POST(self, request: Any) -> bytes:
        pairs = sorted((k, v) for k, values in request.args.items() for v in values)
        return repr(pairs).encode() + b" " + repr(request.content.read()).encode()


class Args(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return repr(sorted(request.args.items())).encode() + b" " + request.path


class Code(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.setResponseCode(402)
        return b"pay"


class Redirect(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return util.redirectTo(b"/text", request)  # type: ignore[no-any-return]


class Cookie(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.addCookie(b"plain", b"1")
        # Twisted wants max_age as bytes or str (plait also takes an int)
        request.addCookie(
            b"full", b"2", path=b"/p", max_age=b"60", domain=b"example.com", secure=True
        )
        request.addCookie(b"strict", b"3", httpOnly=True, sameSite="strict")
        return repr(sorted(request.received_cookies.items())).encode()


class Session(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        session = request.getSession()
        return b"session " + str(len(session.uid)).encode()


class Stream(Resource):
    """NOT_DONE_YET: three writes from later reactor turns, then finish."""

    isLeaf = True

    def render_GET(self, request: Any) -> Any:
        request.setHeader(b"content-type", b"text/plain")

        def step(n: int) -> None:
            if n == 3:
                request.finish()
                return
            request.write(b"part %d\n" % n)
            reactor.callLater(0.01, step, n + 1)

        reactor.callLater(0, step, 0)
        return server.NOT_DONE_YET


class Delayed(Resource):
    """task.deferLater + NOT_DONE_YET, as the web-in-60 example."""

    isLeaf = True

    def render_GET(self, request: Any) -> Any:
        def done(_: object) -> None:
            request.write(b"later")
            request.finish()

        task.deferLater(reactor, 0.01, lambda: None).addCallback(done)
        return server.NOT_DONE_YET


class Conditional(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        if request.setLastModified(LAST_MODIFIED) == http.CACHED:
            return b""
        if request.setETag(b'"v1"') == http.CACHED:
            return b""
        return b"fresh"


class Broken(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        raise ValueError("boom")


class Methods(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b"get"

    def render_POST(self, request: Any) -> bytes:
        return b"post"


def build(directory: str) -> Any:
    root = Resource()
    for name, child in [
        (b"text", Text()),
        (b"form", Form()),
        (b"args", Args()),
        (b"code", Code()),
        (b"redirect", Redirect()),
        (b"cookie", Cookie()),
        (b"session", Session()),
        (b"stream", Stream()),
        (b"delayed", Delayed()),
        (b"conditional", Conditional()),
        (b"broken", Broken()),
        (b"methods", Methods()),
        (b"static", static.File(directory)),
        (b"data", static.Data(b"<p>data</p>", "text/html")),
        (b"moved", util.Redirect(b"/text")),
    ]:
        root.putChild(name, child)
    return root


def main() -> None:
    site = server.Site(build(sys.argv[2]))
    endpoint = endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
    endpoint.listen(site).addCallback(lambda port: print("PORT", port.getHost().port, flush=True))
    reactor.run()


if __name__ == "__main__":
    main()
