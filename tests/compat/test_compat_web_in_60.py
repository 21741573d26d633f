"""Twisted's "Twisted Web in 60 seconds" programs, with the plait import prefix, over a socket.

Each program below is written in these tests' own words but keeps exactly the API surface of
its published counterpart (Twisted's ``docs/web/howto/web-in-60/*.rst``): the same imports
with ``plait`` for ``twisted``, the same classes, calls and return types (``str`` from
render included). Only three things differ, all harness: programs listen on port 0 and print
``PORT <n>`` (no free-port race), delays of 5 s are a fraction of a second, and
``cgi.escape`` (gone from Python 3.8) is ``html.escape``.

The ``.rpy`` installments run the way ``twistd web --path DIR`` runs them: a `static.File`
over the directory with ``.rpy`` → `script.ResourceScript`, served by one process.
``docs/compatibility.md`` maps every installment to its test.
"""

from __future__ import annotations

import calendar
import re
import socket
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from compat_support import WAIT, Program, cookieFrom, readResponse, request, startProgram

Start = Callable[..., Program]

ANNOUNCE = 'lambda port: print("PORT", port.getHost().port, flush=True)'


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """``start(source, *args)`` runs a program in tmp_path; stopped after the test."""
    running: list[Program] = []

    def run(source: str, *args: str, name: str = "prog.py") -> Program:
        program = startProgram(textwrap.dedent(source), tmp_path, *args, name=name)
        running.append(program)
        return program

    yield run
    for program in running:
        program.stop()


# -- standalone programs ----------------------------------------------------------------------


def test_dynamic_content(start: Start) -> None:
    program = start(
        f"""
        from plait.internet import reactor, endpoints
        from plait.web.server import Site
        from plait.web.resource import Resource
        import time

        class ClockPage(Resource):
            isLeaf = True
            def render_GET(self, request):
                return "<html><body>%s</body></html>" % (time.ctime(),)

        resource = ClockPage()
        factory = Site(resource)
        endpoint = endpoints.TCP4ServerEndpoint(reactor, 0)
        endpoint.listen(factory).addCallback({ANNOUNCE})
        reactor.run()
        """
    )
    for path in ("/", "/any/where"):
        response = request(program.port, "GET", path)
        assert response.status == 200
        assert re.fullmatch(
            rb"<html><body>\w{3} \w{3} [ \d]\d [\d:]{8} \d{4}</body></html>", response.body
        )
        # a str from render is encoded as UTF-8, and the type says so (Twisted: a 500)
        assert response.header(b"content-type") == b"text/html; charset=utf-8"


def test_static_content_and_static_dispatch(start: Start, tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "notes.txt").write_bytes(b"plain notes\n")
    (served / "page.html").write_bytes(b"<p>page</p>")
    program = start(
        f"""
        import sys
        from plait.web.server import Site
        from plait.web.resource import Resource
        from plait.internet import reactor, endpoints
        from plait.web.static import File

        root = Resource()
        root.putChild("foo", File(sys.argv[1]))
        root.putChild("bar", File(sys.argv[1] + "/missing"))
        root.putChild(b"baz", File(sys.argv[1]))

        factory = Site(root)
        endpoint = endpoints.TCP4ServerEndpoint(reactor, 0)
        endpoint.listen(factory).addCallback({ANNOUNCE})
        reactor.run()
        """,
        str(served),
    )
    listing = request(program.port, "GET", "/foo/")
    assert listing.status == 200
    assert b"notes.txt" in listing.body
    assert b"page.html" in listing.body
    notes = request(program.port, "GET", "/baz/notes.txt")
    assert (notes.status, notes.body) == (200, b"plain notes\n")
    assert notes.value(b"content-type").startswith(b"text/plain")
    page = request(program.port, "GET", "/foo/page.html")
    assert page.header(b"content-type") == b"text/html"
    redirect = request(program.port, "GET", "/foo")
    assert redirect.status in (301, 302)
    assert redirect.value(b"location").endswith(b"/foo/")
    assert request(program.port, "GET", "/bar/").status == 404
    assert request(program.port, "GET", "/nothing").status == 404


YEAR_PAGE = """
    class YearPage(Resource):
        def __init__(self, year):
            Resource.__init__(self)
            self.year = year

        def render_GET(self, request):
            cal = calendar(self.year)
            return b"<html><body><pre>" + cal.encode("utf-8") + b"</pre></body></html>"
"""


def test_dynamic_dispatch(start: Start) -> None:
    program = start(
        f"""
        from plait.web.server import Site
        from plait.web.resource import Resource
        from plait.internet import reactor, endpoints
        from calendar import calendar
        {textwrap.indent(textwrap.dedent(YEAR_PAGE), " " * 8).strip()}

        class Calendar(Resource):
          def getChild(self, name, request):
              return YearPage(int(name))

        root = Calendar()
        factory = Site(root)
        endpoint = endpoints.TCP4ServerEndpoint(reactor, 0)
        endpoint.listen(factory).addCallback({ANNOUNCE})
        reactor.run()
        """
    )
    response = request(program.port, "GET", "/2009")
    assert response.status == 200
    assert calendar.calendar(2009).encode() in response.body
    # The published program punts on errors: int("x") raises, which is a 500 on both servers.
    assert request(program.port, "GET", "/notayear").status == 500


@pytest.mark.parametrize(
    ("imports", "notFound"),
    [
        ("from plait.web.resource import NoResource", "NoResource()"),  # the older text
        ("from plait.web import pages", 'pages.notFound("Not a year", "<b>no</b>")'),  # newer
    ],
)
def test_error_handling(start: Start, imports: str, notFound: str) -> None:
    program = start(
        f"""
        from plait.web.server import Site
        from plait.web.resource import Resource
        from plait.internet import reactor, endpoints
        {imports}
        from calendar import calendar
        {textwrap.indent(textwrap.dedent(YEAR_PAGE), " " * 8).strip()}

        class Calendar(Resource):
            def getChild(self, name, request):
                try:
                    year = int(name)
                except ValueError:
                    return {notFound}
                else:
                    return YearPage(year)

        root = Calendar()
        factory = Site(root)
        endpoint = endpoints.TCP4ServerEndpoint(reactor, 0)
        endpoint.listen(factory).addCallback({ANNOUNCE})
        reactor.run()
        """
    )
    assert request(program.port, "GET", "/1999").status == 200
    missing = request(program.port, "GET", "/nineteen")
    assert missing.status == 404
    assert missing.value(b"content-type").startswith(b"text/html")
    assert b"<b>no</b>" not in missing.body  # plait escapes what error pages echo


def test_custom_codes(start: Start) -> None:
    program = start(
        f"""
        from plait.web.server import Site
        from plait.web.resource import Resource
        from plait.internet import reactor, endpoints

        class PaymentRequired(Resource):
            def render_GET(self, request):
                request.setResponseCode(402)
                return b"<html><body>Please swipe your credit card.</body></html>"

        root = Resource()
        root.putChild(b"buy", PaymentRequired())
        factory = Site(root)
        endpoint = endpoints.TCP4ServerEndpoint(reactor, 0)
        endpoint.listen(factory).addCallback({ANNOUNCE})
        reactor.run()
        """
    )
    response = request(program.port, "GET", "/buy")
    assert response.status == 402
    assert response.reason == b"Payment Required"
    assert response.body == b"<html><body>Please swipe your credit card.</body></html>"


FORM_PROGRAM = """
    from plait.web.server import Site
    from plait.web.resource import Resource
    from plait.internet import reactor, endpoints

    import html

    class FormPage(Resource):
        def render_GET(self, request):
            return (b"<!DOCTYPE html><html><head><meta charset='utf-8'>"
                    b"<title></title></head><body>"
                    b"<form method='POST'><input name='the-field'></form>")

        def render_POST(self, request):
            RENDER_POST

    root = Resource()
    root.putChild(b"form", FormPage())
    factory = Site(root)
    endpoint = endpoints.TCP4ServerEndpoint(reactor, 0)
    endpoint.listen(factory).addCallback(ANNOUNCE)
    reactor.run()
"""


def test_handling_posts(start: Start) -> None:
    body = """args = request.args[b"the-field"][0].decode("utf-8")
            escapedArgs = html.escape(args)
            return (b"<!DOCTYPE html><html><head><meta charset='utf-8'>"
                    b"<title></title></head><body>"
                    b"You submitted: " + escapedArgs.encode('utf-8'))"""
    source = FORM_PROGRAM.replace("RENDER_POST", body).replace("ANNOUNCE", ANNOUNCE)
    program = start(source)
    form = request(program.port, "GET", "/form")
    assert b"<form method='POST'>" in form.body
    urlencoded = request(
        program.port,
        "POST",
        "/form",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"the-field=caf%C3%A9+%3Cb%3E",
    )
    assert urlencoded.body.endswith("You submitted: café &lt;b&gt;".encode())
    boundary = "xYzZY"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="the-field"\r\n\r\n'
        f"multi & part\r\n--{boundary}--\r\n"
    ).encode()
    posted = request(
        program.port,
        "POST",
        "/form",
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        multipart,
    )
    assert posted.body.endswith(b"You submitted: multi &amp; part")
    # the query string feeds request.args for any method
    query = request(program.port, "POST", "/form?the-field=from+query", body=b"")
    assert query.body.endswith(b"You submitted: from query")


def test_other_request_bodies(start: Start) -> None:
    body = """content = request.content.read().decode("utf-8")
            escapedContent = html.escape(content)
            return (b'<html><body>You submitted: ' +
                    escapedContent.encode("utf-8") +
                    b'</body></html>')"""
    source = FORM_PROGRAM.replace("RENDER_POST", body).replace("ANNOUNCE", ANNOUNCE)
    program = start(source)
    raw = b'{"json": "<raw>"}'
    response = request(program.port, "POST", "/form", {"Content-Type": "application/json"}, raw)
    assert (
        response.body
        == b"<html><body>You submitted: {&quot;json&quot;: &quot;&lt;raw&gt;&quot;}</body></html>"
    )
    big = b"x" * 300_000  # large enough to be spooled to a file by either server
    large = request(program.port, "POST", "/form", {"Content-Type": "text/plain"}, big)
    assert large.body == b"<html><body>You submitted: " + big + b"</body></html>"
    # PUT has no render_PUT here: plait answers 405 with Allow (Twisted: 501)
    put = request(program.port, "PUT", "/form", body=b"x")
    assert put.status == 405
    assert set(put.value(b"allow").split(b", ")) >= {b"GET", b"POST"}


def test_session_endings(start: Start) -> None:
    program = start(
        """
        from plait.web.server import Site, Session
        from plait.web.resource import Resource
        from plait.internet import reactor

        class ShortSession(Session):
            sessionTimeout = 0.5

        class ExpirationLogger(Resource):
            sessions = set()

            def render_GET(self, request):
                session = request.getSession()
                if session.uid not in self.sessions:
                    self.sessions.add(session.uid)
                    session.notifyOnExpire(lambda: self._expired(session.uid))
                return ""

            def _expired(self, uid):
                print("Session", uid, "has expired.", flush=True)
                self.sessions.remove(uid)

        rootResource = Resource()
        rootResource.putChild("logme", ExpirationLogger())
        factory = Site(rootResource)
        factory.sessionFactory = ShortSession

        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        print("PORT", port.getHost().port, flush=True)
        reactor.run()
        """
    )
    response = request(program.port, "GET", "/logme")
    assert response.status == 200
    assert response.body == b""
    uid = cookieFrom(response, b"TWISTED_SESSION").split("=", 1)[1]
    program.waitFor(rf"^Session b'{uid}' has expired\.$")
    again = request(program.port, "GET", "/logme", {"Cookie": f"TWISTED_SESSION={uid}"})
    assert cookieFrom(again, b"TWISTED_SESSION") != f"TWISTED_SESSION={uid}"


def test_access_logging(start: Start, tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "index.html").write_bytes(b"<p>index</p>")
    logPath = tmp_path / "access-logging-demo.log"
    program = start(
        """
        import sys
        from plait.web.http import proxiedLogFormatter
        from plait.web.server import Site
        from plait.web.static import File
        from plait.internet import reactor

        resource = File(sys.argv[1])
        factory = Site(resource, logPath=sys.argv[2].encode(), logFormatter=proxiedLogFormatter)
        port = reactor.listenTCP(0, factory)
        print("PORT", port.getHost().port, flush=True)
        reactor.run()
        """,
        str(served),
        str(logPath),
    )
    response = request(
        program.port,
        "GET",
        "/index.html",
        {"X-Forwarded-For": "203.0.113.9, 127.0.0.1", "User-Agent": "compat/1", "Referer": "/r"},
    )
    assert response.status == 200
    program.stop()  # the line is written when the response finishes; stopping settles it
    line = logPath.read_text()
    assert re.fullmatch(
        r'"203\.0\.113\.9" - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] '
        r'"GET /index\.html HTTP/1\.1" 200 12 "/r" "compat/1"\n',
        line,
    ), line


# -- .rpy installments, served the way `twistd web --path DIR` serves them ----------------------

DRIVER = f"""
import sys
from plait.internet import reactor, endpoints
from plait.python import log
from plait.web import script, server, static, vhost

log.startLogging(sys.stdout)
root = static.File(sys.argv[1])
root.processors = {{".rpy": script.ResourceScript, ".epy": script.PythonScript}}
root.putChild("vhost", vhost.VHostMonsterResource())
site = server.Site(root)
endpoints.TCP4ServerEndpoint(reactor, 0).listen(site).addCallback({ANNOUNCE})
reactor.run()
"""

DELAYED = """
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET
from plait.internet import reactor
IMPORTS

class DelayedResource(Resource):
    def _delayedRender(self, request):
        request.write(b"<html><body>Sorry to keep you waiting.</body></html>")
        request.finish()
METHODS
resource = DelayedResource()
"""

RPY = {
    "clock.rpy": """
        import time

        from plait.web.resource import Resource

        class ClockPage(Resource):
            isLeaf = True
            def render_GET(self, request):
                return b"<html><body>" + time.ctime().encode("utf-8") + b"</body></html>"

        resource = ClockPage()
    """,
    "asynchronous.rpy": DELAYED.replace("IMPORTS", "").replace(
        "METHODS",
        """
    def render_GET(self, request):
        reactor.callLater(0.3, self._delayedRender, request)
        return NOT_DONE_YET
""",
    ),
    "deferred.rpy": DELAYED.replace(
        "IMPORTS", "from plait.internet.task import deferLater"
    ).replace(
        "METHODS",
        """
    def render_GET(self, request):
        d = deferLater(reactor, 0.3, lambda: request)
        d.addCallback(self._delayedRender)
        return NOT_DONE_YET
""",
    ),
    "interrupted.rpy": DELAYED.replace("IMPORTS", "").replace(
        "METHODS",
        """
    def _responseFailed(self, err, call):
        call.cancel()
        print("interrupted: cancelled", call.cancelled, flush=True)

    def render_GET(self, request):
        call = reactor.callLater(0.3, self._delayedRender, request)
        request.notifyFinish().addErrback(self._responseFailed, call)
        return NOT_DONE_YET
""",
    ),
    "logging.rpy": DELAYED.replace("IMPORTS", "from plait.python.log import err").replace(
        "METHODS",
        """
    def _responseFailed(self, failure, call):
        call.cancel()
        err(failure, b"Async response demo interrupted response")

    def render_GET(self, request):
        call = reactor.callLater(0.3, self._delayedRender, request)
        request.notifyFinish().addErrback(self._responseFailed, call)
        return NOT_DONE_YET
""",
    ),
    "session.rpy": """
        from plait.web.resource import Resource

        class ShowSession(Resource):
            def render_GET(self, request):
                return b'Your session id is: ' + request.getSession().uid

        class ExpireSession(Resource):
            def render_GET(self, request):
                request.getSession().expire()
                return b'Your session has been expired.'

        resource = ShowSession()
        resource.putChild("expire", ExpireSession())
    """,
    "counter.rpy": """
        cache()

        from zope.interface import Interface, Attribute, implementer
        from plait.python.components import registerAdapter
        from plait.web.server import Session
        from plait.web.resource import Resource

        class ICounter(Interface):
            value = Attribute("An int value which counts up once per page view.")

        @implementer(ICounter)
        class Counter(object):
            def __init__(self, session):
                self.value = 0

        registerAdapter(Counter, Session, ICounter)

        class CounterResource(Resource):
            def render_GET(self, request):
                session = request.getSession()
                counter = ICounter(session)
                counter.value += 1
                return "Visit #%d for you!" % (counter.value,)

        resource = CounterResource()
    """,
    # docs/web/examples/hello.rpy: static.Data built by the script
    "hello.rpy": """
        from plait.web import static
        import time

        now = time.ctime()
        d = "<HTML><HEAD><TITLE>Hello Rpy</TITLE>\\n"
        d += "<H1>Hello World, It is Now %s</H1>\\n<UL>\\n" % now
        for i in range(10):
            d += "<LI>%d" % i
        d += "</UL></BODY></HTML>\\n"
        resource = static.Data(d.encode("utf8"), 'text/html')
    """,
    # docs/web/examples/report.rpy.py: what a request knows about where it arrived
    "report.rpy": """
        from plait.web.resource import Resource

        class ReportResource(Resource):
            def render_GET(self, request):
                path = request.path
                host = request.getHost().host
                port = request.getHost().port
                url = request.prePathURL()
                uri = request.uri
                secure = (request.isSecure() and "securely") or "insecurely"
                return ("path=%(path)s host=%(host)s port=%(port)s %(secure)s "
                        "url=%(url)s uri=%(uri)s" % vars())

        resource = ReportResource()
    """,
    # docs/web/examples/web.py serves .epy files through script.PythonScript
    "page.epy": """
        request.setHeader(b"content-type", b"text/plain")
        request.write(b"epy says hi to " + request.getClientAddress().host.encode())
        request.finish()
    """,
}


@pytest.fixture(scope="module")
def rpyServer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Program]:
    """One server for every script (as one `twistd web --path` would be); stopped at the end."""
    base = tmp_path_factory.mktemp("rpy")
    scripts = base / "scripts"
    scripts.mkdir()
    for name, source in RPY.items():
        (scripts / name).write_text(textwrap.dedent(source), encoding="utf-8")
    program = startProgram(DRIVER, base, str(scripts), name="driver.py")
    yield program
    program.stop()


def test_rpy_script(rpyServer: Program) -> None:
    response = request(rpyServer.port, "GET", "/clock.rpy")
    assert response.status == 200
    assert response.body.startswith(b"<html><body>")


@pytest.mark.parametrize("script", ["asynchronous.rpy", "deferred.rpy"])
def test_asynchronous_responses_do_not_block_each_other(rpyServer: Program, script: str) -> None:
    socks = [
        socket.create_connection(("127.0.0.1", rpyServer.port), timeout=WAIT) for _ in range(3)
    ]
    try:
        for sock in socks:
            sock.sendall(f"GET /{script} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        # the three are answered after one delay each, concurrently; a fourth request to
        # another resource is served at once meanwhile
        assert request(rpyServer.port, "GET", "/clock.rpy").status == 200
        for sock in socks:
            response, _ = readResponse(sock)
            assert response.status == 200
            assert response.body == b"<html><body>Sorry to keep you waiting.</body></html>"
    finally:
        for sock in socks:
            sock.close()


def _interrupt(port: int, script: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(f"GET /{script} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        # wait until the render has run (the clock answer on the same connection would be
        # pipelined behind it), so close a second connection's request instead
        assert request(port, "GET", "/clock.rpy").status == 200


def test_interrupted_response_cancels_the_delayed_call(rpyServer: Program) -> None:
    _interrupt(rpyServer.port, "interrupted.rpy")
    rpyServer.waitFor(r"interrupted: cancelled (1|True)$")
    # a full request still gets its page after the delay
    assert request(rpyServer.port, "GET", "/interrupted.rpy").body.endswith(
        b"waiting.</body></html>"
    )
    assert "Traceback" not in rpyServer.output


def test_logging_errors(rpyServer: Program) -> None:
    _interrupt(rpyServer.port, "logging.rpy")
    rpyServer.waitFor(r"Async response demo interrupted response")
    rpyServer.waitFor(r"ConnectionDone|ConnectionLost|connection", timeout=5)


def test_session_basics(rpyServer: Program) -> None:
    first = request(rpyServer.port, "GET", "/session.rpy")
    cookie = cookieFrom(first, b"TWISTED_SESSION")
    uid = cookie.split("=", 1)[1]
    assert first.body == f"Your session id is: {uid}".encode()
    same = request(rpyServer.port, "GET", "/session.rpy", {"Cookie": cookie})
    assert same.body == first.body
    assert same.all(b"set-cookie") == []
    expired = request(rpyServer.port, "GET", "/session.rpy/expire", {"Cookie": cookie})
    assert expired.body == b"Your session has been expired."
    fresh = request(rpyServer.port, "GET", "/session.rpy", {"Cookie": cookie})
    assert cookieFrom(fresh, b"TWISTED_SESSION") != cookie


def test_session_store(rpyServer: Program) -> None:
    first = request(rpyServer.port, "GET", "/counter.rpy")
    assert first.body == b"Visit #1 for you!"
    cookie = cookieFrom(first, b"TWISTED_SESSION")
    bodies = [
        request(rpyServer.port, "GET", "/counter.rpy", {"Cookie": cookie}).body for _ in range(2)
    ]
    assert bodies == [b"Visit #2 for you!", b"Visit #3 for you!"]
    assert request(rpyServer.port, "GET", "/counter.rpy").body == b"Visit #1 for you!"


def test_hello_rpy(rpyServer: Program) -> None:
    response = request(rpyServer.port, "GET", "/hello.rpy")
    assert response.header(b"content-type") == b"text/html"
    assert b"<H1>Hello World, It is Now " in response.body
    assert b"<LI>9</UL>" in response.body


def test_report_rpy(rpyServer: Program) -> None:
    port = rpyServer.port
    body = request(port, "GET", "/report.rpy?x=1").body.decode()
    assert body == (
        f"path=b'/report.rpy' host=127.0.0.1 port={port} insecurely "
        f"url=b'http://127.0.0.1:{port}/report.rpy' uri=b'/report.rpy?x=1'"
    )


def test_web_py_epy_and_vhost_monster(rpyServer: Program) -> None:
    epy = request(rpyServer.port, "GET", "/page.epy")
    assert epy.body == b"epy says hi to 127.0.0.1"
    # VHostMonsterResource: the request is served as if it came to https://example.com:443
    body = request(rpyServer.port, "GET", "/vhost/https/example.com:443/report.rpy").body
    assert b"insecurely" not in body
    assert b"url=b'https://example.com/report.rpy'" in body
