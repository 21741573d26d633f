"""Logging errors: a failed Deferred is logged with log.err and the client gets a 500.

/fail   the work fails; the traceback goes to the log (stderr here), the client sees a
        short error page. Access lines go to stdout in the combined log format.
"""

import sys

from plait.internet import reactor, task
from plait.python import log
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET, Site


def unreliable():
    raise ValueError("the backend said no")


class Fail(Resource):
    isLeaf = True

    def render_GET(self, request):
        d = task.deferLater(reactor, 0, unreliable)
        d.addErrback(self._failed, request)
        return NOT_DONE_YET

    def _failed(self, failure, request):
        log.err(failure, "unreliable() failed")
        request.setResponseCode(500)
        request.write(b"<html><body>Something went wrong; it has been logged.</body></html>")
        request.finish()


root = Resource()
root.putChild(b"fail", Fail())
resource = root

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    log.startLogging(sys.stderr)
    reactor.listenTCP(port, Site(resource, logPath="/dev/stdout"), interface="127.0.0.1")
    reactor.run()
