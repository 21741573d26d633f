"""Tests for plait.web._mime: the extension table, encodings and file sizes."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import pytest

from plait.web._mime import (
    EXTRA_TYPES,
    contentEncodings,
    formatFileSize,
    getTypeAndEncoding,
    loadMimeTypes,
)


@pytest.fixture(scope="module")
def types() -> dict[str, str]:
    return loadMimeTypes()


@pytest.mark.parametrize(
    ("ext", "expected"),
    [
        (".html", "text/html"),
        (".txt", "text/plain"),
        (".css", "text/css"),
        (".png", "image/png"),
        (".conf", "text/plain"),
        (".diff", "text/plain"),
        (".patch", "text/plain"),
        (".java", "text/plain"),
        (".log", "text/plain"),
        (".md", "text/markdown"),
        (".wasm", "application/wasm"),
        (".webp", "image/webp"),
        (".avif", "image/avif"),
        (".mjs", "text/javascript"),
        (".js", "text/javascript"),
        (".woff2", "font/woff2"),
        (".flac", "audio/x-flac"),
    ],
)
def test_known_types(types: dict[str, str], ext: str, expected: str) -> None:
    assert types[ext] == expected


def test_keys_are_lower_case_extensions(types: dict[str, str]) -> None:
    assert all(key.startswith(".") and key == key.lower() for key in types)
    assert len(types) > 100


def test_tables_are_fresh_and_global_state_is_untouched() -> None:
    before = dict(mimetypes.types_map)
    first = loadMimeTypes()
    first[".html"] = "changed/by-test"
    assert loadMimeTypes()[".html"] == "text/html"
    assert mimetypes.types_map == before


def test_explicit_locations_win_and_missing_files_are_skipped(tmp_path: Path) -> None:
    table = tmp_path / "mime.types"
    table.write_text(
        "# a comment line\n"
        "application/x-plait-test   plaittest PTX  # trailing comment\n"
        "text/x-custom-markdown md\n"
        "\n"
    )
    types = loadMimeTypes([tmp_path / "missing.types", table])
    assert types[".plaittest"] == "application/x-plait-test"
    assert types[".ptx"] == "application/x-plait-test"
    assert types[".md"] == "text/x-custom-markdown"
    # the extras still apply where the named file is silent
    assert types[".wasm"] == EXTRA_TYPES[".wasm"]
    assert ".plaittest" not in loadMimeTypes([tmp_path / "missing.types"])


def test_later_locations_win(tmp_path: Path) -> None:
    first, second = tmp_path / "a.types", tmp_path / "b.types"
    first.write_text("text/x-first foo\n")
    second.write_text("text/x-second foo\n")
    assert loadMimeTypes([str(first), str(second)])[".foo"] == "text/x-second"


def test_content_encodings() -> None:
    assert contentEncodings == {".gz": "gzip", ".br": "br", ".zst": "zstd", ".bz2": "bzip2"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("x.html", ("text/html", None)),
        ("x.html.gz", ("text/html", "gzip")),
        ("x.css.br", ("text/css", "br")),
        ("x.js.zst", ("text/javascript", "zstd")),
        ("x.txt.bz2", ("text/plain", "bzip2")),
        ("X.HTML.GZ", ("text/html", "gzip")),
        (b"x.html.gz", ("text/html", "gzip")),
        ("archive.tar.gz", ("application/x-tar", "gzip")),
        ("x.unknownext", ("application/x-default", None)),
        ("x.gz", ("application/x-default", "gzip")),
        ("noext", ("application/x-default", None)),
        (".bashrc", ("application/x-default", None)),
        ("dir.d/noext", ("application/x-default", None)),
    ],
)
def test_get_type_and_encoding(
    types: dict[str, str], name: str | bytes, expected: tuple[str | None, str | None]
) -> None:
    assert getTypeAndEncoding(name, types, contentEncodings, "application/x-default") == expected


def test_get_type_and_encoding_default_may_be_none(types: dict[str, str]) -> None:
    assert getTypeAndEncoding("x.nope", types, contentEncodings, None) == (None, None)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0B"),
        (1, "1B"),
        (1023, "1023B"),
        (1024, "1K"),
        (1536, "1K"),
        (1024**2 - 1, "1023K"),
        (1024**2, "1M"),
        (5 * 1024**2 + 1, "5M"),
        (1024**3 - 1, "1023M"),
        (1024**3, "1G"),
        (3 * 1024**4, "3072G"),
    ],
)
def test_format_file_size(size: int, expected: str) -> None:
    assert formatFileSize(size) == expected
