"""static.File over real sockets: HTTP semantics (ranges, conditionals, HEAD, redirects, types)."""

from __future__ import annotations

import email.utils
import gzip
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from plait.web.server import Site
from plait.web.static import File

Serve = Callable[..., Any]

CONTENT = bytes(range(256)) * 40  # 10240 bytes


def raw_request(
    server: Any, target: bytes, method: bytes = b"GET", extra: bytes = b""
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request with Connection: close, read to EOF: status, headers, body."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(
            method + b" " + target + b" HTTP/1.1\r\nHost: localhost\r\n"
            b"Connection: close\r\n" + extra + b"\r\n"
        )
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(b" ")[1]), headers, body


@pytest.fixture
def root(tmp_path: Path) -> Path:
    top = tmp_path / "www"
    top.mkdir()
    (top / "data.bin").write_bytes(CONTENT)
    (top / "page.html").write_bytes(b"<p>hi</p>")
    (top / "empty.txt").write_bytes(b"")
    (top / "noext").write_bytes(b"<script>alert(1)</script>")
    (top / "style.css.gz").write_bytes(gzip.compress(b"body{}"))
    (top / "app.js.br").write_bytes(b"\x0b\x02\x80body\x03")
    (top / "dir").mkdir()
    (top / "dir" / "index.html").write_bytes(b"index of dir")
    (top / "plain").mkdir()
    (top / "plain" / "x.txt").write_bytes(b"x")
    (top / "report.pdf").write_bytes(b"%PDF-1.4 fake")
    return top


def test_whole_file(serve: Serve, root: Path) -> None:
    """GET sends the bytes with length, type, validators, Accept-Ranges and nosniff."""
    server = serve(Site(File(str(root))))
    response = httpx.get(server.url + "/data.bin")
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["content-length"] == str(len(CONTENT))
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["etag"].startswith('"')
    modified = email.utils.parsedate_to_datetime(response.headers["last-modified"])
    assert int(modified.timestamp()) == int(os.stat(root / "data.bin").st_mtime)
    assert httpx.get(server.url + "/page.html").headers["content-type"] == "text/html"


def test_empty_file(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    response = httpx.get(server.url + "/empty.txt")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "0"


def test_unknown_type_is_octet_stream_unless_default_given(serve: Serve, root: Path) -> None:
    """A file without a known extension is never sniffed into HTML."""
    server = serve(Site(File(str(root))))
    response = httpx.get(server.url + "/noext")
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["x-content-type-options"] == "nosniff"
    other = serve(Site(File(str(root), defaultType="text/plain")))
    assert httpx.get(other.url + "/noext").headers["content-type"] == "text/plain"


def test_precompressed_files_keep_their_bytes(serve: Serve, root: Path) -> None:
    """x.css.gz is gzip-encoded CSS, sent untouched whatever Accept-Encoding says."""
    server = serve(Site(File(str(root))))
    status, headers, body = raw_request(server, b"/style.css.gz")
    assert status == 200
    assert headers[b"content-type"] == b"text/css"
    assert headers[b"content-encoding"] == b"gzip"
    assert body == (root / "style.css.gz").read_bytes()
    status, headers, body = raw_request(server, b"/app.js.br")
    assert headers[b"content-type"] == b"text/javascript"
    assert headers[b"content-encoding"] == b"br"
    assert body == (root / "app.js.br").read_bytes()


def test_head_has_the_headers_of_get(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    for name in (b"/data.bin", b"/page.html", b"/style.css.gz", b"/empty.txt"):
        get_status, get_headers, _ = raw_request(server, name)
        head_status, head_headers, head_body = raw_request(server, name, b"HEAD")
        assert head_status == get_status == 200
        assert head_body == b""
        get_headers.pop(b"date")
        head_headers.pop(b"date")
        assert head_headers == get_headers


# -- ranges -------------------------------------------------------------------------------------


def test_single_ranges(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    size = len(CONTENT)
    cases = {
        "bytes=0-0": (0, 0),
        "bytes=10-19": (10, 19),
        "bytes=10000-": (10000, size - 1),
        "bytes=-100": (size - 100, size - 1),
        "bytes=-99999": (0, size - 1),
        "bytes=100-99999": (100, size - 1),
        "bytes= 5-6": (5, 6),
        "bytes=5-6,": (5, 6),
    }
    for value, (first, last) in cases.items():
        response = httpx.get(server.url + "/data.bin", headers={"range": value})
        assert response.status_code == 206, value
        assert response.headers["content-range"] == f"bytes {first}-{last}/{size}", value
        assert response.content == CONTENT[first : last + 1], value
        assert response.headers["content-length"] == str(last - first + 1)
        assert response.headers["content-type"] == "application/octet-stream"


def _parts(response: httpx.Response) -> list[tuple[str, bytes]]:
    kind = response.headers["content-type"]
    assert kind.startswith("multipart/byteranges; boundary=")
    boundary = kind.split("boundary=", 1)[1].encode()
    body = response.content
    assert body.endswith(b"\r\n--" + boundary + b"--\r\n")
    parts = []
    for chunk in body.split(b"--" + boundary)[1:-1]:
        head, _, data = chunk.partition(b"\r\n\r\n")
        fields = dict(line.split(b": ", 1) for line in head.strip(b"\r\n").split(b"\r\n") if line)
        parts.append((fields[b"Content-Range"].decode(), data.removesuffix(b"\r\n")))
        assert fields[b"Content-Type"] == b"text/html"
    return parts


def test_multiple_ranges_as_multipart(serve: Serve, root: Path) -> None:
    """Several ranges: multipart/byteranges with an exact Content-Length, in file order."""
    (root / "big.html").write_bytes(CONTENT)
    server = serve(Site(File(str(root))))
    response = httpx.get(server.url + "/big.html", headers={"range": "bytes=500-599,0-9,-5"})
    assert response.status_code == 206
    assert int(response.headers["content-length"]) == len(response.content)
    size = len(CONTENT)
    assert _parts(response) == [
        (f"bytes 0-9/{size}", CONTENT[0:10]),
        (f"bytes 500-599/{size}", CONTENT[500:600]),
        (f"bytes {size - 5}-{size - 1}/{size}", CONTENT[-5:]),
    ]


def test_overlapping_ranges_are_coalesced(serve: Serve, root: Path) -> None:
    (root / "big.html").write_bytes(CONTENT)
    server = serve(Site(File(str(root))))
    response = httpx.get(server.url + "/big.html", headers={"range": "bytes=0-10,5-20,100-110"})
    assert response.status_code == 206
    size = len(CONTENT)
    assert _parts(response) == [
        (f"bytes 0-20/{size}", CONTENT[0:21]),
        (f"bytes 100-110/{size}", CONTENT[100:111]),
    ]
    touching = httpx.get(server.url + "/big.html", headers={"range": "bytes=0-9,10-19"})
    assert touching.status_code == 206
    assert touching.headers["content-range"] == f"bytes 0-19/{size}"
    assert touching.content == CONTENT[:20]


def test_too_many_ranges_get_the_whole_file(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    many = ",".join(f"{i * 100}-{i * 100 + 1}" for i in range(File.maxRanges + 1))
    response = httpx.get(server.url + "/data.bin", headers={"range": "bytes=" + many})
    assert response.status_code == 200
    assert response.content == CONTENT
    allowed = ",".join(f"{i * 100}-{i * 100 + 1}" for i in range(File.maxRanges))
    assert (
        httpx.get(server.url + "/data.bin", headers={"range": "bytes=" + allowed}).status_code
        == 206
    )


@pytest.mark.parametrize(
    "value",
    [
        "bytes=+1-2",
        "bytes=1_0-20",
        "bytes=5-2",
        "items=0-1",
        "bytes=",
        "bytes=a-b",
        "0-1",
        "bytes=-",
    ],
)
def test_malformed_ranges_are_ignored(serve: Serve, root: Path, value: str) -> None:
    server = serve(Site(File(str(root))))
    response = httpx.get(server.url + "/data.bin", headers={"range": value})
    assert response.status_code == 200
    assert response.content == CONTENT
    assert "content-range" not in response.headers


def test_unsatisfiable_range_is_416(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    for value in ("bytes=10240-", "bytes=99999-100000", "bytes=-0", "bytes=20000-,30000-30001"):
        response = httpx.get(server.url + "/data.bin", headers={"range": value})
        assert response.status_code == 416, value
        assert response.headers["content-range"] == f"bytes */{len(CONTENT)}"
        assert response.content == b""


def test_range_on_head_is_ignored(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    status, headers, body = raw_request(server, b"/data.bin", b"HEAD", b"Range: bytes=0-1\r\n")
    assert status == 200
    assert headers[b"content-length"] == b"%d" % len(CONTENT)
    assert body == b""


def test_if_range(serve: Serve, root: Path) -> None:
    """A current validator honours the Range; a stale one gets the whole file."""
    server = serve(Site(File(str(root))))
    first = httpx.get(server.url + "/data.bin")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for validator in (etag, modified):
        response = httpx.get(
            server.url + "/data.bin", headers={"range": "bytes=0-3", "if-range": validator}
        )
        assert response.status_code == 206
        assert response.content == CONTENT[:4]
    for stale in ('"other"', "W/" + etag, "Mon, 01 Jan 2001 00:00:00 GMT", "garbage"):
        response = httpx.get(
            server.url + "/data.bin", headers={"range": "bytes=0-3", "if-range": stale}
        )
        assert response.status_code == 200, stale
        assert response.content == CONTENT


# -- conditionals --------------------------------------------------------------------------------


def test_if_modified_since(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    modified = httpx.get(server.url + "/data.bin").headers["last-modified"]
    response = httpx.get(server.url + "/data.bin", headers={"if-modified-since": modified})
    assert response.status_code == 304
    assert response.content == b""
    assert "etag" in response.headers
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert (
        httpx.get(server.url + "/data.bin", headers={"if-modified-since": older}).status_code
        == 200
    )
    assert (
        httpx.get(server.url + "/data.bin", headers={"if-modified-since": "nonsense"}).status_code
        == 200
    )


def test_if_none_match(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    etag = httpx.get(server.url + "/data.bin").headers["etag"]
    for value in (etag, f'"a", {etag}, "b"', "W/" + etag, "*", f'"x",W/{etag}'):
        response = httpx.get(server.url + "/data.bin", headers={"if-none-match": value})
        assert response.status_code == 304, value
        assert response.headers["etag"] == etag
    for value in ('"other"', '"a", "b"', 'W/"other"'):
        response = httpx.get(server.url + "/data.bin", headers={"if-none-match": value})
        assert response.status_code == 200, value
    # If-None-Match wins over If-Modified-Since (RFC 9110 section 13.2.2).
    modified = httpx.get(server.url + "/data.bin").headers["last-modified"]
    response = httpx.get(
        server.url + "/data.bin",
        headers={"if-none-match": '"other"', "if-modified-since": modified},
    )
    assert response.status_code == 200


def test_if_match_and_if_unmodified_since(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    first = httpx.get(server.url + "/data.bin")
    etag = first.headers["etag"]
    assert httpx.get(server.url + "/data.bin", headers={"if-match": etag}).status_code == 200
    assert httpx.get(server.url + "/data.bin", headers={"if-match": "*"}).status_code == 200
    for value in ('"other"', "W/" + etag):
        response = httpx.get(server.url + "/data.bin", headers={"if-match": value})
        assert response.status_code == 412, value
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    response = httpx.get(server.url + "/data.bin", headers={"if-unmodified-since": old})
    assert response.status_code == 412
    current = first.headers["last-modified"]
    response = httpx.get(server.url + "/data.bin", headers={"if-unmodified-since": current})
    assert response.status_code == 200


def test_validators_change_when_the_file_changes(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    etag = httpx.get(server.url + "/data.bin").headers["etag"]
    (root / "data.bin").write_bytes(CONTENT[::-1])
    os.utime(root / "data.bin", ns=(10**18, 10**18))
    response = httpx.get(server.url + "/data.bin", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response.content == CONTENT[::-1]
    assert response.headers["etag"] != etag


# -- directories -------------------------------------------------------------------------------


def test_directory_redirect_keeps_the_query(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    response = httpx.get(server.url + "/dir?a=1&b=%20", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/dir/?a=1&b=%20"
    assert httpx.get(server.url + "/dir", follow_redirects=True).text == "index of dir"


def test_redirect_never_leaves_the_site(serve: Serve, root: Path) -> None:
    """A path starting with // must not turn into a protocol-relative Location."""
    from plait.web.resource import Resource

    top = Resource()
    top.putChild(b"", File(str(root)))
    server = serve(Site(top))
    status, headers, _ = raw_request(server, b"//dir?q=1")
    assert status == 302
    assert headers[b"location"] == b"/.//dir/?q=1"
    assert str(httpx.URL(server.url + "/x").join("/.//dir/")) == server.url + "//dir/"


def test_index_files_and_listing(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    assert httpx.get(server.url + "/dir/").text == "index of dir"
    listing = httpx.get(server.url + "/plain/")
    assert listing.status_code == 200
    assert listing.headers["content-type"] == "text/html; charset=utf-8"
    assert '<a href="x.txt">x.txt</a>' in listing.text
    custom = File(str(root))
    custom.indexNames = ["page.html"]
    other = serve(Site(custom))
    assert httpx.get(other.url + "/").text == "<p>hi</p>"


def test_ignored_extensions(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root), ignoredExts=[".pdf"])))
    response = httpx.get(server.url + "/report")
    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 fake"
    assert response.headers["content-type"] == "application/pdf"
    star = File(str(root))
    star.ignoreExt("*")
    other = serve(Site(star))
    assert httpx.get(other.url + "/page").text == "<p>hi</p>"
    assert httpx.get(serve(Site(File(str(root)))).url + "/report").status_code == 404


def test_missing_file_is_404(serve: Serve, root: Path) -> None:
    server = serve(Site(File(str(root))))
    assert httpx.get(server.url + "/nope.txt").status_code == 404
    assert httpx.get(server.url + "/data.bin/child").status_code == 404
    assert httpx.get(server.url + "/plain/x.txt/").status_code == 404


def test_behind_a_gzip_wrapper(serve: Serve, root: Path) -> None:
    """With a response encoder the body is re-encoded: no ranges, a weak ETag, right bytes."""
    from plait.web.resource import EncodingResourceWrapper
    from plait.web.server import GzipEncoderFactory

    (root / "big.html").write_bytes(CONTENT)
    from plait.web.resource import Resource

    top = Resource()
    wrapped = EncodingResourceWrapper(File(str(root / "big.html")), [GzipEncoderFactory()])
    top.putChild(b"big.html", wrapped)
    server = serve(Site(top))
    status, headers, body = raw_request(
        server, b"/big.html", extra=b"Accept-Encoding: gzip\r\nRange: bytes=0-9\r\n"
    )
    assert status == 200
    assert headers[b"content-encoding"] == b"gzip"
    assert headers[b"etag"].startswith(b'W/"')
    assert b"accept-ranges" not in headers
    assert gzip.decompress(_dechunk(body)) == CONTENT


def _dechunk(body: bytes) -> bytes:
    out = b""
    while True:
        size, _, rest = body.partition(b"\r\n")
        length = int(size, 16)
        if not length:
            return out
        out += rest[:length]
        body = rest[length + 2 :]
