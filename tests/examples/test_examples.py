"""Each runnable example, started as a real process and asked what a browser would ask."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx

Start = Callable[..., str]


def test_clock(runExample: Start) -> None:
    base = runExample("clock")
    response = httpx.get(base + "/")
    assert response.status_code == 200
    assert response.text.startswith("<html><body>")
    # time.ctime() has the year at its end.
    assert str(time.gmtime().tm_year) in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_static_dispatch(runExample: Start) -> None:
    base = runExample("static_dispatch")
    assert 'href="hello"' in httpx.get(base + "/").text
    assert httpx.get(base + "/hello").text == "Hello from a static child.\n"
    assert httpx.get(base + "/about/").text == "About this site.\n"
    assert httpx.get(base + "/about/team").text == "The team page.\n"
    assert httpx.get(base + "/nothing").status_code == 404


def test_dynamic_dispatch(runExample: Start) -> None:
    base = runExample("dynamic_dispatch")
    page = httpx.get(base + "/2026")
    assert page.status_code == 200
    assert "2026" in page.text
    assert "January" in page.text
    missing = httpx.get(base + "/<script>")
    assert missing.status_code == 404
    assert "<script>" not in missing.text


def test_error_handling(runExample: Start, tmp_path: Path) -> None:
    base = runExample("error_handling")
    assert "a teapot" in httpx.get(base + "/items/1").text
    missing = httpx.get(base + "/items/%3Cb%3E")
    assert missing.status_code == 404
    assert "<b>" not in missing.text
    broken = httpx.get(base + "/broken")
    assert broken.status_code == 500
    assert "RuntimeError" not in broken.text  # tracebacks stay in the log by default


def test_custom_codes(runExample: Start) -> None:
    response = httpx.get(runExample("custom_codes") + "/")
    assert response.status_code == 402
    assert "subscribers" in response.text


def test_handling_posts(runExample: Start) -> None:
    base = runExample("handling_posts")
    assert '<form method="POST">' in httpx.get(base + "/").text
    response = httpx.post(base + "/", data={"the-field": "<hi & bye>"})
    assert response.status_code == 200
    assert "You submitted: &lt;hi &amp; bye&gt;" in response.text


def test_other_request_bodies(runExample: Start) -> None:
    base = runExample("other_request_bodies")
    response = httpx.post(base + "/", json={"b": 1, "a": 2})
    assert response.json() == {"keys": ["a", "b"]}
    assert httpx.post(base + "/", content=b"not json").status_code == 400


def test_sessions(runExample: Start) -> None:
    base = runExample("sessions")
    with httpx.Client(base_url=base) as browser:
        first = browser.get("/")
        cookie = first.headers["set-cookie"]
        assert cookie.startswith("TWISTED_SESSION=")
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        uid = first.text.rsplit(" ", 1)[1]
        assert len(uid) == 64
        assert browser.get("/").text.endswith(uid)  # the cookie brings the same session back
        assert browser.get("/count").text.endswith(": 1")
        assert browser.get("/count").text.endswith(": 2")
        assert browser.get("/expire").status_code == 200
        assert browser.get("/ended").text == "Sessions ended: 1"
        assert browser.get("/count").text.endswith(": 1")  # a new session starts over


def test_asynchronous(runExample: Start) -> None:
    base = runExample("asynchronous")
    assert "keep you waiting" in httpx.get(base + "/later").text
    assert "Deferred fired" in httpx.get(base + "/deferred").text
    assert "Awaited" in httpx.get(base + "/awaited").text


def test_interrupted_response(runExample: Start) -> None:
    base = runExample("asynchronous")
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        # Leave right after asking: the server still reads the request, starts the slow
        # answer, and then learns that nobody is waiting for it.
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if httpx.get(base + "/interrupted").text.endswith(": 1"):
            break
        time.sleep(0.05)
    assert httpx.get(base + "/interrupted").text == "Interrupted responses so far: 1"


def test_logging_errors(runExample: Start, tmp_path: Path) -> None:
    base = runExample("logging_errors")
    response = httpx.get(base + "/fail", headers={"User-Agent": "tester/1"})
    assert response.status_code == 500
    assert "ValueError" not in response.text
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        err = (tmp_path / "logging_errors.err").read_text()
        out = (tmp_path / "logging_errors.out").read_text()
        if "the backend said no" in err and "tester/1" in out:
            break
        time.sleep(0.05)
    assert "unreliable() failed" in err
    assert "ValueError: the backend said no" in err
    assert '"GET /fail HTTP/1.1" 500' in out
    assert '"tester/1"' in out


def test_examples_site_mounts_everything(runExample: Start) -> None:
    """The site `make run` serves links every example, and each mount answers."""
    base = runExample("site")
    index = httpx.get(base + "/")
    assert index.status_code == 200
    for path in (
        "/clock/",
        "/calendar/",
        "/sessions/",
        "/auth/",
        "/virtual-hosts/",
        "/templates/",
    ):
        assert f'href="{path}"' in index.text
    assert "<html><body>" in httpx.get(base + "/clock/").text
    assert "2026" in httpx.get(base + "/calendar/2026").text
    assert httpx.get(base + "/auth/").status_code == 401
    assert httpx.get(base + "/templates/").status_code == 200
    assert httpx.get(base + "/custom-codes/").status_code == 402
    static = httpx.get(base + "/static/notes.txt", headers={"Range": "bytes=0-4"})
    assert static.status_code == 206
    assert static.content == b"Plain"
    assert "hello.json" in httpx.get(base + "/static/data/").text
