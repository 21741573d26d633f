"""The examples site that `make run` serves at http://127.0.0.1:8080.

Every "Twisted Web in 60 seconds" example in this folder, mounted under its own path, with
an index page linking to them.

Run: python examples/site.py [PORT]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import asynchronous
import clock
import custom_codes
import dynamic_dispatch
import error_handling
import handling_posts
import http_auth
import other_request_bodies
import sessions
import static_dispatch
import templates
import virtual_hosts

from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.server import Site
from plait.web.static import File

MOUNTS = [
    ("clock", clock.resource, "a page generated on every request"),
    ("static-dispatch", static_dispatch.resource, "children registered with putChild"),
    ("calendar", dynamic_dispatch.resource, "children made by getChild (try /calendar/2026)"),
    ("errors", error_handling.resource, "404 and 500 pages (try /errors/items/1)"),
    ("custom-codes", custom_codes.resource, "a 402 response"),
    ("form", handling_posts.resource, "a form handled with request.args"),
    ("json", other_request_bodies.resource, "POST a JSON object, get its keys"),
    ("sessions", sessions.resource, "sessions, adapters and session endings"),
    ("async", asynchronous.resource, "/async/later, /async/deferred, /async/awaited"),
    ("auth", http_auth.resource, "Digest login: joe/blow or alice/wonderland"),
    ("virtual-hosts", virtual_hosts.resource, "NameVirtualHost; try Host: red.localhost"),
    ("templates", templates.resource, "a guestbook: a list, a form and a slot-filled layout"),
    (
        "static",
        File(os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")),
        "a folder served by static.File (ranges, ETags, listings)",
    ),
]


class Index(Resource):
    isLeaf = True

    def render_GET(self, request):
        items = "".join(
            f'<li><a href="/{path}/">/{path}/</a>: {what}</li>' for path, _, what in MOUNTS
        )
        return (
            "<!DOCTYPE html><html><head><title>plait examples</title></head><body>"
            f"<h1>plait examples</h1><ul>{items}</ul></body></html>"
        )


def build():
    root = Resource()
    root.putChild(b"", Index())
    for path, resource, _ in MOUNTS:
        root.putChild(path.encode("ascii"), resource)
    return Site(root)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    reactor.listenTCP(port, build(), interface="127.0.0.1")
    print(f"plait examples site: http://127.0.0.1:{port}/", flush=True)
    reactor.run()
