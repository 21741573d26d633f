"""HTTP authentication: a portal, a realm handing out one resource per user, and guard.

Users: joe (password "blow") and alice (password "wonderland"). Browsers are challenged
for Digest (SHA-256 first, MD5 for older browsers); the password never crosses the wire.

/          "Hello, <user>" and how many times that user has logged out so far
/whoami    the user name, as plain text

Run: python examples/http_auth.py [PORT]   (default 8880), then open http://127.0.0.1:8880/
or:  curl --digest -u joe:blow http://127.0.0.1:8880/whoami
"""

import html
import sys

from zope.interface import implementer

from plait.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
from plait.cred.portal import IRealm, Portal
from plait.internet import reactor
from plait.web.guard import DigestCredentialFactory, HTTPAuthSessionWrapper
from plait.web.resource import IResource, Resource
from plait.web.server import Site

LOGOUTS = {}


class UserHome(Resource):
    isLeaf = True

    def __init__(self, user):
        super().__init__()
        self.user = user

    def render_GET(self, request):
        name = html.escape(self.user.decode("utf-8", "replace"))
        count = LOGOUTS.get(self.user, 0)
        return f"<html><body><h1>Hello, {name}</h1><p>Logouts so far: {count}</p></body></html>"


class WhoAmI(Resource):
    isLeaf = True

    def __init__(self, user):
        super().__init__()
        self.user = user

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return self.user


@implementer(IRealm)
class UserRealm:
    """Each authenticated user gets a small tree of their own."""

    def requestAvatar(self, avatarId, mind, *interfaces):
        if IResource not in interfaces:
            raise NotImplementedError()
        home = Resource()
        home.putChild(b"", UserHome(avatarId))
        home.putChild(b"whoami", WhoAmI(avatarId))

        def logout():
            LOGOUTS[avatarId] = LOGOUTS.get(avatarId, 0) + 1

        return IResource, home, logout


checker = InMemoryUsernamePasswordDatabaseDontUse(joe="blow", alice="wonderland")
portal = Portal(UserRealm(), [checker])
# The factories remember the nonces they issued: create them once, at import.
resource = HTTPAuthSessionWrapper(
    portal,
    [
        DigestCredentialFactory("sha-256", "plait examples"),
        DigestCredentialFactory("md5", "plait examples"),
    ],
)

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
