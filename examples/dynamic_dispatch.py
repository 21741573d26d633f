"""Dynamic dispatch: getChild builds a child for any segment, here a year.

/2026 shows a small calendar for 2026; a segment that is not a year is a 404.
"""

import calendar
import html
import sys

from plait.internet import reactor
from plait.web import pages
from plait.web.resource import Resource
from plait.web.server import Site


class YearPage(Resource):
    isLeaf = True

    def __init__(self, year):
        super().__init__()
        self.year = year

    def render_GET(self, request):
        text = calendar.TextCalendar().formatyear(self.year)
        return "<html><body><pre>%s</pre></body></html>" % html.escape(text)


class Calendar(Resource):
    def getChild(self, name, request):
        try:
            year = int(name)
        except ValueError:
            return pages.notFound("Not a year", "Try a path like /2026.")
        if not 1 <= year <= 9999:
            return pages.notFound("Out of range", "Years run from 1 to 9999.")
        return YearPage(year)


resource = Calendar()

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8880
    reactor.listenTCP(port, Site(resource), interface="127.0.0.1")
    reactor.run()
