"""plait.web.tap: the Site that ``plait web`` builds from its options."""

from __future__ import annotations

from pathlib import Path

import pytest

from plait.cli._options import parseWebOptions
from plait.testing import DummyRequest
from plait.web.tap import BuildError, DefaultPage, makeRoot, makeSite


def test_default_root_is_the_plait_works_page() -> None:
    root = makeRoot(parseWebOptions([]))
    assert isinstance(root, DefaultPage)
    body = root.render_GET(DummyRequest([b""]))
    assert b"plait works" in body


def test_path_root_is_a_file_with_script_processors(tmp_path: Path) -> None:
    from plait.web import script
    from plait.web.static import File

    root = makeRoot(parseWebOptions(["--path", str(tmp_path), "--mime-type", "text/x-a"]))
    assert isinstance(root, File)
    assert root.path == str(tmp_path)
    assert root.processors[".rpy"] is script.ResourceScript
    assert root.defaultType == "text/x-a"


def test_site_settings(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    options = parseWebOptions(
        ["--display-tracebacks", "--max-headers", "7", "--logfile", str(log)]
    )
    site = makeSite(options)
    assert site.displayTracebacks is True
    assert site.limits.max_headers == 7
    assert site.logPath == str(log)


def test_wsgi_is_a_clear_error() -> None:
    with pytest.raises(BuildError, match="--wsgi is not available yet"):
        makeRoot(parseWebOptions(["--wsgi", "a.app"]))
