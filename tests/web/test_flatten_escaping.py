"""Tests for plait.web._escaping: what a real HTML parser reads back from escaped text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plait.web._escaping import (
    checkName,
    escapeAttribute,
    escapedCDATA,
    escapedComment,
    escapeForContent,
)


class Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def read(markup: bytes) -> Reader:
    reader = Reader()
    reader.feed(markup.decode("utf-8"))
    reader.close()
    return reader


text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]))


@given(text)
def test_text_reads_back_as_itself(value: str) -> None:
    reader = read(b"<p>" + escapeForContent(value) + b"</p>")
    assert [t for t, _ in reader.tags] == ["p"]
    assert "".join(reader.text) == value.replace("\0", "\ufffd")


@given(text)
def test_attribute_reads_back_as_itself(value: str) -> None:
    reader = read(b'<p title="' + escapeAttribute(value) + b'"></p>')
    assert reader.tags == [("p", [("title", value.replace("\0", "\ufffd"))])]


@given(text)
def test_comment_stays_one_comment(value: str) -> None:
    reader = read(b"<!--" + escapedComment(value) + b"--><p></p>")
    assert len(reader.comments) == 1
    assert [t for t, _ in reader.tags] == ["p"]
    assert "".join(reader.text) == ""


@given(text)
def test_cdata_round_trips_through_its_sections(value: str) -> None:
    escaped = escapedCDATA(value)
    # Undo the splitting: every "]]><![CDATA[" joins two sections back together.
    assert escaped.replace(b"]]]]><![CDATA[>", b"]]>") == value.replace("\0", "\ufffd").encode(
        "utf-8"
    )
    assert escaped.count(b"]]>") == escaped.count(b"<![CDATA[")


@pytest.mark.parametrize("name", ["div", "data-x", "xml:lang", "aria-label", "@click", "h1"])
def test_good_names(name: str) -> None:
    assert checkName(name, "tag") == name
    assert checkName(name.encode(), "tag") == name
