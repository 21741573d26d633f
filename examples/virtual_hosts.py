"""Virtual hosts: one server, a different site per host name, plus path aliases.

Browsers resolve every *.localhost name to 127.0.0.1, so with the server on port 8880:

http://blue.localhost:8880/          the blue site
http://red.localhost:8880/           the red site; /latest/ is an alias of /v2/
http://127.0.0.1:8880/               any other host: the default page, listing the sites
http://127.0.0.1:8880/vhost/https/www.example.com:443/...
                                     what a reverse proxy forwards: served as the site for
                                     www.example.com, with URLs built for https://www.example.com

Run: python examples/virtual_hosts.py [PORT]   (default 8880)
or:  curl -H "Host: red.localhost" http://127.0.0.1:8880/latest/
"""

import html
import sys

from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.rewrite import RewriterResource, alias
from plait.web.server import Site
from plait.web.vhost import NameVirtualHost, VHostMonsterResource


class Page(Resource):
    isLeaf = True

    def __init__(self, title):
        super().__init__()
        self.title = title

    def render_GET(self, request):
        here = html.escape(request.prePathURL().decode("ascii", "replace"))
        return (
            f"<html><body><h1>{html.escape(self.title)}</h1>"
            f"<p>This page's URL: {here}</p></body></html>"
        )


class Sites(Resource):
    """The default host's page: links to the named hosts on this server's port."""

    isLeaf = True

    def __init__(self, vhosts):
        super().__init__()
        self.vhosts = vhosts

    def render_GET(self, request):
        port = request.getHost().port
        links = "".join(
            f'<li><a href="http://{html.escape(name.decode())}:{port}/">'
            f"{html.escape(name.decode())}</a></li>"
            for name in sorted(self.vhosts.hosts)
        )
        return f"<html><body><h1>Sites on this server</h1><ul>{links}</ul></body></html>"


blue = Resource()
blue.putChild(b"", Page("The blue site"))

red = Resource()
red.putChild(b"", Page("The red site"))
releases = Resource()
releases.putChild(b"", Page("Red release 2"))
red.putChild(b"v2", releases)
red.putChild(b"v1", Page("Red release 1 (old)"))

vhosts = NameVirtualHost()
vhosts.addHost(b"blue.localhost", blue)
vhosts.addHost(b"red.localhost", RewriterResource(red, alias("latest", "v2")))
vhosts.addHost(b"www.example.com", blue)
vhosts.default = Sites(vhosts)
# Children of the NameVirtualHost are shared by every host.
vhosts.putChild(b"vhost", VHostMonsterResource())
resource = vhosts

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
