""".rpy resource scripts served by static.File over real sockets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from plait.web.script import ResourceScript, ResourceScriptDirectory, ResourceScriptWrapper
from plait.web.server import Site
from plait.web.static import File

Serve = Callable[..., Any]

# The shape of Twisted's published examples (hello.rpy, rpy-scripts.rst, report.rpy), with
# the import prefix changed.
HELLO = """
from plait.web import static
import time

now = time.ctime()
d = "<HTML><BODY><H1>Hello World, It is Now {now}</H1><UL>".format(now=now)
for i in range(10):
    d += "<LI>{i}".format(i=i)
d += "</UL></BODY></HTML>"
resource = static.Data(d.encode("utf8"), 'text/html')
"""

CLOCK = """
import time

from plait.web.resource import Resource

class ClockPage(Resource):
    isLeaf = True
    def render_GET(self, request):
        return b"<html><body>" + time.ctime().encode("utf-8") + b"</body></html>"

resource = ClockPage()
"""

REPORT = '''
from plait.web.resource import Resource

class ReportResource(Resource):
    def render_GET(self, request):
        path = request.path
        host = request.getHost().host
        port = request.getHost().port
        url = request.prePathURL()
        uri = request.uri
        secure = (request.isSecure() and "securely") or "insecurely"
        return ("""<HTML><BODY><UL>
    <LI>The path to me is %(path)s
    <LI>The host I'm on is %(host)s
    <LI>The port I'm on is %(port)s
    <LI>I was accessed %(secure)s
    <LI>A URL to me is %(url)s
    <LI>My URI to me is %(uri)s
    </UL></BODY></HTML>""" % vars())

resource = ReportResource()
'''

COUNTER = """
from plait.web import static

runs = registry.getCachedPath("runs") or [0]
registry.cachePath("runs", runs)
runs[0] += 1
cache()
resource = static.Data(b"run %d from %s" % (runs[0], __file__.encode()), "text/plain")
"""

BROKEN = """
resource = None
raise ValueError("script exploded")
"""


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    for name, body in {
        "hello.rpy": HELLO,
        "clock.rpy": CLOCK,
        "report.rpy": REPORT,
        "counter.rpy": COUNTER,
        "broken.rpy": BROKEN,
        "empty.rpy": "x = 1\n",
        "SHOUT.RPY": CLOCK,
    }.items():
        (tmp_path / name).write_text(body)
    return tmp_path


def _site(path: Path) -> Site:
    root = File(str(path))
    root.processors = {".rpy": ResourceScript}
    return Site(root)


def test_examples_run(serve: Serve, scripts: Path) -> None:
    server = serve(_site(scripts))
    hello = httpx.get(server.url + "/hello.rpy")
    assert hello.status_code == 200
    assert hello.headers["content-type"] == "text/html"
    assert "Hello World, It is Now" in hello.text
    assert "<LI>9" in hello.text
    clock = httpx.get(server.url + "/clock.rpy")
    assert clock.text.startswith("<html><body>")
    report = httpx.get(server.url + "/report.rpy?x=1")
    assert "I was accessed insecurely" in report.text
    assert f"The port I'm on is {server.port}" in report.text
    assert "My URI to me is b'/report.rpy?x=1'" in report.text


def test_upper_case_extension_is_still_a_script(serve: Serve, scripts: Path) -> None:
    """x.RPY must never be served as its source."""
    server = serve(_site(scripts))
    response = httpx.get(server.url + "/SHOUT.RPY")
    assert response.text.startswith("<html><body>")
    assert "import time" not in response.text


def test_registry_and_cache(serve: Serve, scripts: Path) -> None:
    """cache() keeps the resource: the script body runs once for many requests."""
    server = serve(_site(scripts))
    bodies = {httpx.get(server.url + "/counter.rpy").text for _ in range(3)}
    assert bodies == {f"run 1 from {scripts / 'counter.rpy'}"}


def test_error_in_script_is_500_with_logged_traceback(
    serve: Serve, scripts: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    server = serve(_site(scripts))
    response = httpx.get(server.url + "/broken.rpy")
    assert response.status_code == 500
    assert "script exploded" not in response.text  # tracebacks are not shown by default
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "ValueError: script exploded" in logged
    assert "broken.rpy" in logged
    assert httpx.get(server.url + "/clock.rpy").status_code == 200


def test_script_without_resource(serve: Serve, scripts: Path) -> None:
    server = serve(_site(scripts))
    response = httpx.get(server.url + "/empty.rpy")
    assert response.status_code == 500
    assert "resource" in response.text


def test_without_the_processor_a_script_is_a_plain_file(serve: Serve, scripts: Path) -> None:
    server = serve(Site(File(str(scripts))))
    response = httpx.get(server.url + "/clock.rpy")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"


def test_resource_script_wrapper_as_root(serve: Serve, scripts: Path) -> None:
    server = serve(Site(ResourceScriptWrapper(str(scripts / "clock.rpy"))))
    assert httpx.get(server.url + "/").text.startswith("<html><body>")
    assert httpx.get(server.url + "/any/path").text.startswith("<html><body>")


def test_resource_script_directory(serve: Serve, scripts: Path) -> None:
    (scripts / "nested").mkdir()
    (scripts / "nested" / "hello").write_text(HELLO)
    server = serve(Site(ResourceScriptDirectory(str(scripts))))
    assert "Hello World" in httpx.get(server.url + "/nested/hello").text
    assert httpx.get(server.url + "/").status_code == 404
    assert httpx.get(server.url + "/missing").status_code == 404
    assert httpx.get(server.url + "/nested/%2e%2e/clock.rpy").status_code == 404
