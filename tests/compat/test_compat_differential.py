"""The same resource tree served by the real Twisted and by plait, and the same bytes sent.

``compat_tree.py`` is one program run twice, once with the ``twisted`` prefix and once with
``plait``, each in its own process on a loopback port. Every request of ``CORPUS`` is sent
to both over a raw socket; the status, the headers that carry meaning (``COMPARED``) and the
body must be equal, except where ``EXPECTED`` says how and why plait differs on purpose.
Every entry of ``EXPECTED`` is checked too: a listed difference that disappears fails the
test, so the table (summarised in ``docs/compatibility.md``) stays true.

Never compared: ``Date`` (the clock), ``Server`` (plait says ``plait/<version>``), and the
session id's value (random).
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from compat_support import WAIT, Program, Response, readResponse

TREE = Path(__file__).with_name("compat_tree.py")

COMPARED = (
    b"content-type",
    b"content-length",
    b"content-range",
    b"content-encoding",
    b"transfer-encoding",
    b"location",
    b"last-modified",
    b"etag",
    b"accept-ranges",
    b"allow",
    b"connection",
)


@dataclass(frozen=True)
class Case:
    """One request of the corpus: a method, a target, extra header lines, a body."""

    method: str
    target: str
    headers: tuple[str, ...] = ()
    body: bytes = b""
    version: str = "HTTP/1.1"

    def raw(self) -> bytes:
        lines = [f"{self.method} {self.target} {self.version}"]
        if self.version == "HTTP/1.1":
            lines += ["Host: 127.0.0.1", "Connection: close"]
        lines += list(self.headers)
        if self.body:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


FORM = "Content-Type: application/x-www-form-urlencoded"
MULTIPART = "Content-Type: multipart/form-data; boundary=BB"
MULTIPART_BODY = (
    b'--BB\r\nContent-Disposition: form-data; name="a"\r\n\r\none\r\n'
    b'--BB\r\nContent-Disposition: form-data; name="f"; filename="f.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\nfile body\r\n--BB--\r\n"
)
LONG_AGO = "Thu, 01 Jan 2015 00:00:00 GMT"
AFTER = "Sun, 13 Sep 2020 12:26:40 GMT"
MTIME = "Fri, 14 Jul 2017 02:40:00 GMT"  # the served files' mtime, 1_500_000_000
FUTURE = "Fri, 01 Jan 2100 00:00:00 GMT"

CORPUS: dict[str, Case] = {
    "get-text": Case("GET", "/text"),
    "head-text": Case("HEAD", "/text"),
    "get-root": Case("GET", "/"),
    "get-missing": Case("GET", "/missing/deeper"),
    "get-args": Case("GET", "/args?b=2&a=1&a=%C3%A9&empty="),
    "get-encoded-path": Case("GET", "/args/x%20y?q=%2F"),
    "get-form": Case("GET", "/form"),
    "post-urlencoded": Case("POST", "/form?q=1", (FORM,), b"a=1&b=two+words&a=%26"),
    "post-multipart": Case("POST", "/form", (MULTIPART,), MULTIPART_BODY),
    "post-other-body": Case("POST", "/form", ("Content-Type: application/json",), b'{"k": 1}'),
    "get-code": Case("GET", "/code"),
    "put-methods": Case("PUT", "/methods", body=b"x"),
    "delete-methods": Case("DELETE", "/methods"),
    "post-text": Case("POST", "/text", (FORM,), b"a=1"),
    "redirectTo": Case("GET", "/redirect"),
    "util-Redirect": Case("GET", "/moved"),
    "cookies": Case("GET", "/cookie", ("Cookie: a=1; b=2",)),
    "session": Case("GET", "/session"),
    "stream-1.1": Case("GET", "/stream"),
    "stream-1.0": Case("GET", "/stream", version="HTTP/1.0"),
    "deferLater": Case("GET", "/delayed"),
    "conditional": Case("GET", "/conditional"),
    "if-modified-since-old": Case("GET", "/conditional", (f"If-Modified-Since: {LONG_AGO}",)),
    "if-modified-since-same": Case("GET", "/conditional", (f"If-Modified-Since: {AFTER}",)),
    "if-none-match": Case("GET", "/conditional", ('If-None-Match: "v1"',)),
    "broken": Case("GET", "/broken"),
    "text-1.0": Case("GET", "/text", version="HTTP/1.0"),
    "data": Case("GET", "/data"),
    "static-file": Case("GET", "/static/a.txt"),
    "static-head": Case("HEAD", "/static/a.txt"),
    "static-html": Case("GET", "/static/b.html"),
    "static-range": Case("GET", "/static/a.txt", ("Range: bytes=2-5",)),
    "static-suffix-range": Case("GET", "/static/a.txt", ("Range: bytes=-4",)),
    "static-bad-range": Case("GET", "/static/a.txt", ("Range: bytes=500-600",)),
    "static-ims-future": Case("GET", "/static/a.txt", (f"If-Modified-Since: {FUTURE}",)),
    "static-ims-exact": Case("GET", "/static/a.txt", (f"If-Modified-Since: {MTIME}",)),
    "static-ims-older": Case("GET", "/static/a.txt", (f"If-Modified-Since: {LONG_AGO}",)),
    "options-text": Case("OPTIONS", "/text"),
    "unknown-method": Case("BREW", "/text"),
    "head-missing": Case("HEAD", "/nothing"),
    "static-dir-redirect": Case("GET", "/static/sub"),
    "static-dir-index": Case("GET", "/static/sub/"),
    "static-missing": Case("GET", "/static/nope.txt"),
    "static-dotdot": Case("GET", "/static/../compat_tree.py"),
    "static-subsecond-mtime": Case("GET", "/static/c.txt"),
}

# What differs, and why, by kind; a case lists the kinds it shows. Keys are what `observed`
# returns: "status", "version", "reason", "body", "set-cookie" or a lower-case header name.
PAGE = {
    "body": "plait's error and redirect pages are its own compact, escaped HTML5 markup",
    "content-length": "follows the body",
}
ETAG = {"etag": "plait's static.File also sends a strong ETag validator; Twisted's sends none"}
HTTP10 = {
    "version": "plait's status line names the version it speaks, HTTP/1.1, as RFC 9110 "
    "2.5 asks; Twisted echoes HTTP/1.0",
    "connection": "plait says Connection: close to a 1.0 client it will not keep alive",
}
METHOD = {
    "status": "405 with Allow for a method RFC 9110 knows but the resource doesn't "
    "render (PUT, DELETE, ...); Twisted answers 501 'Huh?'",
    "reason": "follows the status",
    "allow": "follows the status",
    **PAGE,
}
NOT_MODIFIED = {
    **ETAG,
    "content-length": "a 304 carries no Content-Length in plait (Twisted sends 0, which "
    "RFC 9110 8.6 forbids unless it is the length a 200 would have)",
}
ALLOW = {"allow": "plait answers OPTIONS itself, so it lists OPTIONS in Allow"}

EXPECTED: dict[str, dict[str, str]] = {
    "get-root": PAGE,  # an empty Resource() is a 404 on both
    "get-missing": PAGE,
    "put-methods": METHOD,
    "delete-methods": METHOD,
    "post-text": {**PAGE, **ALLOW},
    "redirectTo": PAGE,
    "util-Redirect": PAGE,
    "broken": {
        **PAGE,
        "content-type": "plait's pages say charset=utf-8",
    },
    "session": {
        "set-cookie": "plait's session cookie is HttpOnly and SameSite=Lax (Secure on TLS)",
    },
    "text-1.0": HTTP10,
    "stream-1.0": HTTP10,
    "static-file": ETAG,
    "static-head": ETAG,
    "static-html": ETAG,
    "static-range": ETAG,
    "static-suffix-range": ETAG,
    "static-dir-index": ETAG,
    "static-dir-redirect": PAGE,
    "static-missing": PAGE,
    "static-dotdot": PAGE,
    "static-ims-older": ETAG,
    "head-missing": {"content-length": "the length of plait's own 404 page"},
    "options-text": {
        "status": "plait answers OPTIONS with 204 and Allow (RFC 9110 9.3.7); Twisted: 501",
        "reason": "follows the status",
        "allow": "follows the status",
        "body": "a 204 has none",
        "content-type": "a 204 has none",
        "content-length": "a 204 has none",
    },
    "unknown-method": {
        "body": "a method plait does not know is refused by the HTTP layer (501) with a "
        "short text/plain body, before any resource is involved",
        "content-type": "text/plain for that short body",
        "content-length": "follows the body",
    },
    "static-ims-exact": NOT_MODIFIED,
    "static-ims-future": NOT_MODIFIED,
    "static-bad-range": {
        **ETAG,
        "reason": "RFC 9110's phrase 'Range Not Satisfiable'",
        "content-type": "plait's empty 416 has no Content-Type (nothing to describe)",
    },
    "static-subsecond-mtime": {
        **ETAG,
        "last-modified": "plait truncates the mtime to the second; Twisted rounds it up, "
        "which can date the file after the response's own Date",
    },
}


def startServer(prefix: str, directory: Path) -> Program:
    return Program([sys.executable, str(TREE), prefix, str(directory)], cwd=directory)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Program]]:
    """Twisted's and plait's server over the same files; stopped at the end."""
    directory = tmp_path_factory.mktemp("served")
    (directory / "a.txt").write_bytes(b"0123456789abcdef\n")
    (directory / "b.html").write_bytes(b"<p>b</p>\n")
    (directory / "sub").mkdir()
    (directory / "sub" / "index.html").write_bytes(b"<p>index</p>\n")
    (directory / "c.txt").write_bytes(b"c\n")
    # Whole-second mtimes, so Last-Modified only differs where a case says it should.
    for path in directory.rglob("*"):
        os.utime(path, (1_500_000_000, 1_500_000_000))
    os.utime(directory / "c.txt", (1_500_000_000.5, 1_500_000_000.5))
    running: dict[str, Program] = {}
    try:
        for prefix in ("twisted", "plait"):
            running[prefix] = startServer(prefix, directory)
        yield running
    finally:
        for program in running.values():
            program.stop()


def send(port: int, case: Case) -> Response:
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(case.raw())
        response, _ = readResponse(sock, head=case.method == "HEAD")
    return response


def cookieShape(value: bytes) -> tuple[Any, ...]:
    """A Set-Cookie value as (name, value, sorted attributes); session ids are blanked."""
    pair, *attrs = [part.strip() for part in value.split(b";")]
    name, _, val = pair.partition(b"=")
    if name.startswith(b"TWISTED_SESSION"):
        val = b"<id>"
    return name, val, tuple(sorted(a.lower() for a in attrs))


def observed(response: Response) -> dict[str, Any]:
    seen: dict[str, Any] = {
        "status": response.status,
        "version": response.version,
        "reason": response.reason,
        "body": response.body,
        "set-cookie": sorted(cookieShape(v) for v in response.all(b"set-cookie")),
    }
    for name in COMPARED:
        seen[name.decode()] = response.all(name)
    # the order of methods in Allow carries no meaning
    seen["allow"] = sorted(m.strip() for v in response.all(b"allow") for m in v.split(b","))
    return seen


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_same_answer(servers: dict[str, Program], name: str) -> None:
    case = CORPUS[name]
    theirs = observed(send(servers["twisted"].port, case))
    ours = observed(send(servers["plait"].port, case))
    expected = EXPECTED.get(name, {})
    differing = {key for key in ours if ours[key] != theirs[key]}
    unexpected = {key: (ours[key], theirs[key]) for key in differing - set(expected)}
    assert unexpected == {}, "plait (left) differs from Twisted (right)"
    assert set(expected) - differing == set(), "an expected difference is gone"
