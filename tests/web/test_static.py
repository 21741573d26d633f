"""plait.web.static without a server: the facade, Data, File's configuration and producers."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from plait.web import static
from plait.web._listing import defaultContentTypes
from plait.web.http_headers import Headers
from plait.web.resource import NoResource
from plait.web.static import (
    Data,
    DirectoryLister,
    File,
    MultipleRangeStaticProducer,
    NoRangeStaticProducer,
    Registry,
    SingleRangeStaticProducer,
    addSlash,
    isDangerous,
)


class FakeRequest:
    """Just what the code under test touches."""

    def __init__(self, method: bytes = b"GET", uri: bytes = b"/") -> None:
        self.method = method
        self.uri = uri
        self.requestHeaders = Headers()
        self.responseHeaders = Headers()
        self.written: list[bytes] = []
        self.finished = 0
        self.code = 200
        self.producer: Any = None
        self.channel = None

    def setHeader(self, name: bytes, value: bytes) -> None:
        self.responseHeaders.setRawHeaders(name, [value])

    def setResponseCode(self, code: int) -> None:
        self.code = code

    def redirect(self, url: bytes) -> None:
        self.code = 302
        self.setHeader(b"location", url)

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def finish(self) -> None:
        self.finished += 1

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        assert not streaming
        self.producer = producer

    def unregisterProducer(self) -> None:
        self.producer = None

    def pump(self) -> None:
        while self.producer is not None:
            self.producer.resumeProducing()


def test_facade_exports_twisteds_names() -> None:
    for name in (
        "File",
        "Data",
        "DirectoryLister",
        "Registry",
        "Redirect",
        "isDangerous",
        "loadMimeTypes",
        "getTypeAndEncoding",
        "formatFileSize",
        "StaticProducer",
        "NoRangeStaticProducer",
        "SingleRangeStaticProducer",
        "MultipleRangeStaticProducer",
    ):
        assert hasattr(static, name), name
        assert name in static.__all__


def test_is_dangerous() -> None:
    assert isDangerous(b"..")
    assert isDangerous(b"a/b")
    assert not isDangerous(b"a.b")
    assert not isDangerous(b"...")


def test_data_get_and_head() -> None:
    resource = Data(b"payload", "text/plain")
    request = FakeRequest()
    assert resource.render(request) == b"payload"
    assert request.responseHeaders.getRawHeaders(b"content-type") == [b"text/plain"]
    assert request.responseHeaders.getRawHeaders(b"content-length") == [b"7"]
    head = FakeRequest(b"HEAD")
    assert resource.render(head) == b""
    assert head.responseHeaders.getRawHeaders(b"content-length") == [b"7"]


def test_registry_caches_paths() -> None:
    registry = Registry()
    assert registry.getCachedPath("/x") is None
    marker = object()
    registry.cachePath("/x", marker)
    assert registry.getCachedPath("/x") is marker


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (b"/a", b"/a/"),
        (b"/a?x=1&y", b"/a/?x=1&y"),
        (b"/a?", b"/a/?"),
        (b"//evil.example/a", b"/.//evil.example/a/"),
    ],
)
def test_add_slash(uri: bytes, expected: bytes) -> None:
    assert addSlash(FakeRequest(uri=uri)) == expected


def test_content_types_are_loaded_once() -> None:
    assert File.contentTypes is defaultContentTypes()
    assert File("/").contentTypes is File.contentTypes
    assert File.contentTypes[".html"] == "text/html"


def test_boolean_ignored_exts_warns() -> None:
    with pytest.warns(UserWarning, match="ignoredExts should receive a list"):
        f = File("/", ignoredExts=1)  # type: ignore[arg-type]
    assert f.ignoredExts == ["*"]


def test_create_similar_file_keeps_the_configuration(tmp_path: Path) -> None:
    root = File(str(tmp_path), "text/plain", [".x"], followSymlinks=True, allowDotfiles=True)
    root.processors = {".rpy": lambda path, registry: NoResource()}
    root.indexNames = ["home.html"]
    root.contentTypes = {".a": "text/a"}
    similar = root.createSimilarFile(str(tmp_path / "sub"))
    assert isinstance(similar, File)
    assert similar.defaultType == "text/plain"
    assert similar.ignoredExts == [".x"]
    assert similar.registry is root.registry
    assert similar.processors is root.processors
    assert similar.indexNames == ["home.html"]
    assert similar.indexNames is not root.indexNames
    assert similar.followSymlinks
    assert similar.allowDotfiles
    assert similar.contentTypes == {".a": "text/a"}
    assert similar._rootPath() == os.path.realpath(tmp_path)


def test_child_is_a_plain_filepath(tmp_path: Path) -> None:
    from plait.python.filepath import FilePath

    child = File(str(tmp_path)).child("x")
    assert type(child) is FilePath


def test_get_child_and_listing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"a")
    (tmp_path / ".hidden").write_bytes(b"h")
    (tmp_path / "d").mkdir()
    root = File(str(tmp_path))
    assert root.listNames() == ["a.txt", "d"]
    assert isinstance(root.getChild(b"a.txt", FakeRequest()), File)
    assert root.getChild(b".hidden", FakeRequest()) is root.childNotFound
    assert root.getChild(b"..", FakeRequest()) is root.childNotFound
    assert root.getChild(b"a/b", FakeRequest()) is root.childNotFound
    listing = root.getChild(b"", FakeRequest())
    assert isinstance(listing, DirectoryLister)
    assert listing.dirs == ["a.txt", "d"]
    assert [f.basename() for f in root.listEntities()] == ["a.txt", "d"]


def test_directory_renders_a_redirect(tmp_path: Path) -> None:
    request = FakeRequest(uri=b"/d?q=1")
    body = File(str(tmp_path)).render(request)
    assert request.code == 302
    assert request.responseHeaders.getRawHeaders(b"location") == [b"/d/?q=1"]
    assert isinstance(body, bytes)


def test_no_range_producer_writes_blocks_and_finishes() -> None:
    data = bytes(range(256)) * 1000
    request = FakeRequest()
    handle = io.BytesIO(data)
    producer = NoRangeStaticProducer(request, handle)
    producer.bufferSize = 1000
    producer.start()
    request.pump()
    assert b"".join(request.written) == data
    assert max(len(chunk) for chunk in request.written) == 1000
    assert request.finished == 1
    assert handle.closed


def test_single_range_producer() -> None:
    data = bytes(range(256))
    request = FakeRequest()
    producer = SingleRangeStaticProducer(request, io.BytesIO(data), 10, 5)
    producer.start()
    request.pump()
    assert b"".join(request.written) == data[10:15]
    assert request.finished == 1


def test_multiple_range_producer_writes_part_headers() -> None:
    data = bytes(range(256))
    request = FakeRequest()
    parts = [(b"--A\r\n\r\n", 0, 2), (b"\r\n--A\r\n\r\n", 100, 3)]
    producer = MultipleRangeStaticProducer(request, io.BytesIO(data), parts, b"\r\n--A--\r\n")
    producer.start()
    request.pump()
    assert b"".join(request.written) == (
        b"--A\r\n\r\n" + data[0:2] + b"\r\n--A\r\n\r\n" + data[100:103] + b"\r\n--A--\r\n"
    )
    assert request.finished == 1


def test_stop_producing_closes_the_file() -> None:
    request = FakeRequest()
    handle = io.BytesIO(b"x" * 100_000)
    producer = NoRangeStaticProducer(request, handle)
    producer.start()
    producer.resumeProducing()
    producer.stopProducing()
    assert handle.closed
    producer.resumeProducing()  # a late pull does nothing
    assert request.finished == 0


def test_a_file_that_shrinks_ends_the_response() -> None:
    request = FakeRequest()
    producer = SingleRangeStaticProducer(request, io.BytesIO(b"short"), 0, 100)
    producer.start()
    request.pump()
    assert b"".join(request.written) == b"short"
    assert request.finished == 1
