"""Asynchronous responses: answer later, without blocking anyone else.

/later      NOT_DONE_YET, then write and finish from reactor.callLater
/deferred   a Deferred from task.deferLater, the page written when it fires
/awaited    plait's own way: an async def render method that awaits
/slow       a response that takes 2 seconds; if the client leaves first, the
            notifyFinish errback cancels the pending call (interrupted responses)
"""

import asyncio
import sys

from plait.internet import reactor, task
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET, Site


class Later(Resource):
    isLeaf = True

    def _finishLater(self, request):
        request.write(b"<html><body>Sorry to keep you waiting.</body></html>")
        request.finish()

    def render_GET(self, request):
        reactor.callLater(0.1, self._finishLater, request)
        return NOT_DONE_YET


class Deferred(Resource):
    isLeaf = True

    def render_GET(self, request):
        d = task.deferLater(reactor, 0.1, lambda: request)
        d.addCallback(self._render)
        return NOT_DONE_YET

    def _render(self, request):
        request.write(b"<html><body>The Deferred fired.</body></html>")
        request.finish()


class Awaited(Resource):
    isLeaf = True

    async def render_GET(self, request):
        await asyncio.sleep(0.1)
        return b"<html><body>Awaited, then answered.</body></html>"


INTERRUPTED = []


class Slow(Resource):
    isLeaf = True

    def render_GET(self, request):
        call = reactor.callLater(2, self._finish, request)
        request.notifyFinish().addErrback(self._interrupted, call)
        return NOT_DONE_YET

    def _finish(self, request):
        request.write(b"<html><body>Finally.</body></html>")
        request.finish()

    def _interrupted(self, failure, call):
        call.cancel()
        INTERRUPTED.append(failure)


class Interrupted(Resource):
    isLeaf = True

    def render_GET(self, request):
        return ("Interrupted responses so far: %d" % len(INTERRUPTED)).encode()


root = Resource()
root.putChild(b"later", Later())
root.putChild(b"deferred", Deferred())
root.putChild(b"awaited", Awaited())
root.putChild(b"slow", Slow())
root.putChild(b"interrupted", Interrupted())
resource = root

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
