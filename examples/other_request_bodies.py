"""Other request bodies: read request.content, here a JSON document.

POST / with a JSON object answers with its keys, sorted; anything else is a 400.
"""

import json
import sys

from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.server import Site


class JSONKeys(Resource):
    isLeaf = True

    def render_POST(self, request):
        request.setHeader(b"content-type", b"application/json")
        try:
            document = json.loads(request.content.read())
        except ValueError:
            request.setResponseCode(400)
            return b'{"error": "the body is not JSON"}'
        if not isinstance(document, dict):
            request.setResponseCode(400)
            return b'{"error": "expected a JSON object"}'
        return json.dumps({"keys": sorted(document)}).encode("utf-8")


resource = JSONKeys()

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
