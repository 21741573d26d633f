"""static.File over real sockets: nothing outside the served tree, ever; escaped listings."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from plait.web.server import Site
from plait.web.static import File

Serve = Callable[..., Any]

SECRET = b"TOP-SECRET-CONTENT"


def raw_request(server: Any, target: bytes) -> tuple[int, bytes]:
    """GET *target* exactly as given; return the status and the whole response."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    response = b"".join(chunks)
    return int(response.split(b" ", 2)[1]), response


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/www (served) beside tmp/outside (secret), with links from one to the other."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    www = tmp_path / "www"
    www.mkdir()
    (www / "a.txt").write_bytes(b"public a")
    (www / "sub").mkdir()
    (www / "sub" / "b.txt").write_bytes(b"public b")
    (www / "link_out.txt").symlink_to(outside / "secret.txt")
    (www / "link_dir").symlink_to(outside)
    (www / "link_in.txt").symlink_to(www / "a.txt")
    (www / "sub" / "up.txt").symlink_to("../a.txt")
    (www / ".env").write_bytes(SECRET)
    (www / ".git").mkdir()
    (www / ".git" / "config").write_bytes(SECRET)
    (www / ".well-known").mkdir()
    (www / ".well-known" / "security.txt").write_bytes(b"Contact: x")
    return www


TRAVERSALS = [
    b"/../outside/secret.txt",
    b"/sub/../../outside/secret.txt",
    b"/%2e%2e/outside/secret.txt",
    b"/%2E%2E/outside/secret.txt",
    b"/.%2e/outside/secret.txt",
    b"/%2e./outside/secret.txt",
    b"/..%2foutside%2fsecret.txt",
    b"/sub/..%2F..%2Foutside%2Fsecret.txt",
    b"/%2e%2e%2foutside%2fsecret.txt",
    b"/..%5coutside%5csecret.txt",
    b"/..\\outside\\secret.txt",
    b"/sub%5c..%5c..%5coutside%5csecret.txt",
    b"/a.txt%00.png",
    b"/%00",
    b"/sub/%00/../a.txt",
    b"/%2fetc%2fpasswd",
    b"//etc/passwd",
    b"/%252e%252e/outside/secret.txt",
    b"/%c0%ae%c0%ae/outside/secret.txt",
    b"/link_dir/secret.txt",
    b"/link_out.txt",
    b"/.env",
    b"/.git/config",
    b"/%2eenv",
    b"/sub/%2e%2e/.env",
    b"/./.env",
    b"/%ff%fe",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_is_refused(serve: Serve, tree: Path, target: bytes) -> None:
    """Every shape of escape is a 400 or 404 (never 500) and never shows the secret."""
    server = serve(Site(File(str(tree))))
    status, response = raw_request(server, target)
    assert status in (400, 404), (target, response[:200])
    assert SECRET not in response


def test_traversal_below_a_mounted_file(serve: Serve, tree: Path) -> None:
    from plait.web.resource import Resource

    top = Resource()
    top.putChild(b"static", File(str(tree / "sub")))
    server = serve(Site(top))
    for target in (b"/static/../a.txt", b"/static/%2e%2e/a.txt", b"/static/..%2fa.txt"):
        status, response = raw_request(server, target)
        assert status in (400, 404), target
        assert b"public a" not in response
    assert raw_request(server, b"/static/b.txt")[0] == 200


def test_symlinks_inside_the_tree_are_served(serve: Serve, tree: Path) -> None:
    server = serve(Site(File(str(tree))))
    assert httpx.get(server.url + "/link_in.txt").content == b"public a"
    assert httpx.get(server.url + "/sub/up.txt").content == b"public a"


def test_symlinks_out_of_the_tree_need_follow_symlinks(serve: Serve, tree: Path) -> None:
    server = serve(Site(File(str(tree), followSymlinks=True)))
    assert httpx.get(server.url + "/link_out.txt").content == SECRET
    assert httpx.get(server.url + "/link_dir/secret.txt").content == SECRET
    listing = httpx.get(server.url + "/").text
    assert "link_out.txt" in listing
    strict = serve(Site(File(str(tree))))
    listing = httpx.get(strict.url + "/").text
    assert "link_out.txt" not in listing
    assert "link_dir" not in listing
    assert "link_in.txt" in listing


def test_a_served_root_that_is_a_symlink_still_works(serve: Serve, tree: Path) -> None:
    alias = tree.parent / "alias"
    alias.symlink_to(tree)
    server = serve(Site(File(str(alias))))
    assert httpx.get(server.url + "/sub/b.txt").content == b"public b"
    assert httpx.get(server.url + "/link_out.txt").status_code == 404


def test_dotfiles_are_hidden_unless_allowed(serve: Serve, tree: Path) -> None:
    server = serve(Site(File(str(tree))))
    assert httpx.get(server.url + "/.env").status_code == 404
    assert httpx.get(server.url + "/.git/config").status_code == 404
    assert httpx.get(server.url + "/.well-known/security.txt").content == b"Contact: x"
    listing = httpx.get(server.url + "/").text
    assert ".env" not in listing
    assert ".git" not in listing
    allowed = serve(Site(File(str(tree), allowDotfiles=True)))
    assert httpx.get(allowed.url + "/.env").content == SECRET
    assert ".env" in httpx.get(allowed.url + "/").text


def test_unreadable_file_is_403(serve: Serve, tree: Path) -> None:
    """A file the server may not open is Forbidden (the check does not depend on uid 0)."""

    class Locked(File):
        def openForReading(self) -> IO[bytes]:
            if self.basename() == "a.txt":
                raise PermissionError(errno.EACCES, "Permission denied", self.path)
            return super().openForReading()

    server = serve(Site(Locked(str(tree))))
    response = httpx.get(server.url + "/a.txt")
    assert response.status_code == 403
    assert b"public a" not in response.content
    assert httpx.get(server.url + "/sub/b.txt").status_code == 200


def test_fifo_is_never_opened(serve: Serve, tree: Path) -> None:
    """A FIFO in the tree would block the loop if opened: it is refused."""
    import os

    os.mkfifo(tree / "pipe")
    server = serve(Site(File(str(tree))))
    assert httpx.get(server.url + "/pipe", timeout=5).status_code == 403


# -- listing escaping ---------------------------------------------------------------------------

NASTY = ["<script>&\"'.txt", "with space.txt", "100%.txt", "a%2fb.txt", "ünïcode.txt", "x:y.txt"]


def test_listing_escapes_every_name(serve: Serve, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for name in NASTY:
        (tmp_path / "d" / name).write_bytes(name.encode())
    (tmp_path / "d" / "<b>dir").mkdir()
    server = serve(Site(File(str(tmp_path / "d"))))
    page = httpx.get(server.url + "/").text
    assert "<script>" not in page
    assert "<b>dir" not in page
    assert "&lt;script&gt;&amp;&quot;&#x27;.txt" in page
    assert 'href="%3Cscript%3E%26%22%27.txt"' in page
    assert 'href="with%20space.txt"' in page
    assert 'href="100%25.txt"' in page
    assert 'href="a%252fb.txt"' in page
    assert 'href="x%3Ay.txt"' in page
    assert 'href="%3Cb%3Edir/"' in page
    # Each link leads to its file.
    for name in NASTY:
        href = page.split(">" + _escaped(name) + "<", 1)[0].rsplit('href="', 1)[1].rstrip('"')
        response = httpx.get(server.url + "/" + href)
        assert response.status_code == 200, name
        assert response.content == name.encode()


def _escaped(name: str) -> str:
    import html

    return html.escape(name, quote=True)


def test_listing_title_is_escaped(serve: Serve, tmp_path: Path) -> None:
    (tmp_path / "<i>").mkdir()
    server = serve(Site(File(str(tmp_path))))
    page = httpx.get(server.url + "/%3Ci%3E/").text
    assert "<i>" not in page
    assert "Directory listing for /&lt;i&gt;/" in page
