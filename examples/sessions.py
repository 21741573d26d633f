"""Sessions: basics, storing objects in the session, and session endings.

/          shows this browser's session id (made on the first visit, kept in a cookie)
/count     counts this session's visits, stored through an adapter on the session
/expire    ends the session now; an expiry callback records it in /ended
/ended     how many sessions have ended so far
"""

import sys

from zope.interface import Attribute, Interface, implementer

from plait.internet import reactor
from plait.python.components import registerAdapter
from plait.web.resource import Resource
from plait.web.server import Session, Site


class ICounter(Interface):
    value = Attribute("How many times this session visited /count.")


@implementer(ICounter)
class Counter:
    def __init__(self, session):
        self.value = 0


registerAdapter(Counter, Session, ICounter)

ENDED = []


class ShowSession(Resource):
    isLeaf = True

    def render_GET(self, request):
        session = request.getSession()
        return b"Your session id is " + session.uid


class Count(Resource):
    isLeaf = True

    def render_GET(self, request):
        counter = ICounter(request.getSession())
        counter.value += 1
        return ("Visits to this page in this session: %d" % counter.value).encode()


class Expire(Resource):
    isLeaf = True

    def render_GET(self, request):
        session = request.getSession()
        session.notifyOnExpire(lambda: ENDED.append(session.uid))
        session.expire()
        return b"Your session has ended."


class Ended(Resource):
    isLeaf = True

    def render_GET(self, request):
        return ("Sessions ended: %d" % len(ENDED)).encode()


root = Resource()
root.putChild(b"", ShowSession())
root.putChild(b"count", Count())
root.putChild(b"expire", Expire())
root.putChild(b"ended", Ended())
resource = root

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
