"""Handling POSTs: a form, and request.args with what was submitted.

GET / shows the form; POST / echoes the "the-field" value, HTML-escaped.
"""

import html
import sys

from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.server import Site


class FormPage(Resource):
    isLeaf = True

    def render_GET(self, request):
        return (
            b'<html><body><form method="POST">'
            b'<input name="the-field" type="text" /><input type="submit" />'
            b"</form></body></html>"
        )

    def render_POST(self, request):
        values = request.args.get(b"the-field", [b""])
        text = values[0].decode("utf-8", "replace")
        return "<html><body>You submitted: %s</body></html>" % html.escape(text)


resource = FormPage()

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
