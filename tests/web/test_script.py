"""plait.web.script without a server: running scripts, caching, the wrappers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from plait.web.resource import ErrorPage, NoResource, Resource
from plait.web.script import (
    AlreadyCached,
    CacheScanner,
    ResourceScript,
    ResourceScriptDirectory,
    ResourceScriptWrapper,
    noRsrc,
)
from plait.web.static import Data, Registry


def test_resource_script_binds_resource_and_globals(tmp_path: Path) -> None:
    script = tmp_path / "s.rpy"
    script.write_text(
        "from plait.web.static import Data\n"
        "resource = Data(repr((__file__, registry is not None, callable(cache),"
        " callable(recache))).encode(), 'text/plain')\n"
    )
    rsrc = ResourceScript(str(script), Registry())
    assert isinstance(rsrc, Data)
    assert rsrc.data == repr((str(script), True, True, True)).encode()


def test_script_without_resource_gives_the_error_page(tmp_path: Path) -> None:
    script = tmp_path / "s.rpy"
    script.write_text("x = 1\n")
    rsrc = ResourceScript(str(script), Registry())
    assert rsrc is noRsrc
    assert isinstance(rsrc, ErrorPage)
    assert rsrc.code == 500


def test_cache_and_recache(tmp_path: Path) -> None:
    script = tmp_path / "s.rpy"
    script.write_text("cache()\nfrom plait.web.resource import Resource\nresource = Resource()\n")
    registry = Registry()
    first = ResourceScript(str(script), registry)
    assert ResourceScript(str(script), registry) is first
    script.write_text(
        "recache()\nfrom plait.web.resource import Resource\nresource = Resource()\n"
    )
    other = ResourceScript(str(script), registry)
    assert other is not first
    assert registry.getCachedPath(str(script)) is other


def test_cache_scanner() -> None:
    registry = Registry()
    scanner = CacheScanner("/p", registry)
    assert scanner.doCache == 0
    scanner.cache()
    assert scanner.doCache == 1
    registry.cachePath("/p", "cached")
    with pytest.raises(AlreadyCached) as raised:
        CacheScanner("/p", registry).cache()
    assert raised.value.args == ("cached",)


def test_errors_propagate(tmp_path: Path) -> None:
    script = tmp_path / "s.rpy"
    script.write_text("raise KeyError('boom')\n")
    with pytest.raises(KeyError):
        ResourceScript(str(script), Registry())
    script.write_text("def (:\n")
    with pytest.raises(SyntaxError):
        ResourceScript(str(script), Registry())


def test_wrapper_reruns_the_script(tmp_path: Path) -> None:
    script = tmp_path / "s.rpy"
    script.write_text("from plait.web.static import Data\nresource = Data(b'1', 'text/plain')\n")
    wrapper = ResourceScriptWrapper(str(script))
    assert isinstance(wrapper.registry, Registry)

    class Req:
        method = b"GET"

        def __init__(self) -> None:
            self.prepath = [b"x"]
            self.postpath: list[bytes] = []

        def setHeader(self, name: bytes, value: bytes) -> None:
            pass

    assert wrapper.render(Req()) == b"1"
    script.write_text("from plait.web.static import Data\nresource = Data(b'2', 'text/plain')\n")
    assert wrapper.render(Req()) == b"2"


def test_script_directory_confines_names(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "s").write_text(
        "from plait.web.resource import Resource\nresource = Resource()\n"
    )
    (tmp_path / "outside").write_text("raise SystemExit('must not run')\n")
    directory = ResourceScriptDirectory(str(tmp_path / "sub"))
    request: Any = None
    assert isinstance(directory.getChild(b"s", request), Resource)
    for name in (b"..", b"../outside", b"a/b", b".hidden", b"missing", b"\x00"):
        assert isinstance(directory.getChild(name, request), NoResource), name
    nested = ResourceScriptDirectory(str(tmp_path)).getChild(b"sub", request)
    assert isinstance(nested, ResourceScriptDirectory)
