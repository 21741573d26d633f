"""Tests for plait.web._stan: the stan document model."""

from __future__ import annotations

import pytest

from plait.web._stan import CDATA, CharRef, Comment, Tag, slot, voidElements


def test_call_appends_children_and_sets_attributes() -> None:
    tag = Tag("div")
    result = tag("a", Tag("b"), id="x", class_="c", data_x="1")
    assert result is tag
    assert tag.children[0] == "a"
    assert isinstance(tag.children[1], Tag)
    assert tag.attributes == {"id": "x", "class": "c", "data_x": "1"}
    tag("more")
    assert len(tag.children) == 3


def test_render_keyword_sets_renderer_not_attribute() -> None:
    tag = Tag("p")(render="name")
    assert tag.render == "name"
    assert "render" not in tag.attributes
    with pytest.raises(TypeError, match="must be str"):
        Tag("p")(render=Tag("x"))


def test_fill_slots_accumulates_and_returns_tag() -> None:
    tag = Tag("p")
    assert tag.slotData is None
    assert tag.fillSlots(a="1") is tag
    tag.fillSlots(b="2", a="3")
    assert tag.slotData == {"a": "3", "b": "2"}


def test_deep_clone_copies_children_attributes_and_slots() -> None:
    inner = Tag("span")("x")
    attr = Tag("em")
    original = Tag("div", render="r", filename="f.xml", lineNumber=3, columnNumber=4)(
        inner, [Tag("i")], ("t",), title=attr
    ).fillSlots(s=Tag("b"))
    copy = original.clone()
    assert copy is not original
    assert copy.tagName == "div"
    assert copy.render == "r"
    assert (copy.filename, copy.lineNumber, copy.columnNumber) == ("f.xml", 3, 4)
    assert copy.children[0] is not inner
    assert isinstance(copy.children[0], Tag)
    assert copy.children[0].children == ["x"]
    # Lists and tuples come back as new lists of clones.
    assert isinstance(copy.children[1], list)
    assert copy.children[1][0] is not original.children[1][0]  # type: ignore[index]
    assert copy.children[2] == ["t"]
    assert copy.attributes["title"] is not attr
    assert copy.slotData is not None
    assert original.slotData is not None
    assert copy.slotData["s"] is not original.slotData["s"]
    copy.children.append("new")
    assert "new" not in original.children


def test_shallow_clone_shares_children() -> None:
    inner = Tag("span")
    original = Tag("div")(inner)
    copy = original.clone(deep=False)
    assert copy.children is not original.children
    assert copy.children[0] is inner


def test_clone_of_generator_warns_and_shares_it() -> None:
    gen = (x for x in "ab")
    tag = Tag("div")(gen)
    with pytest.warns(DeprecationWarning, match="generator"):
        copy = tag.clone()
    assert copy.children[0] is gen


def test_clear_removes_children() -> None:
    tag = Tag("div")("a", "b")
    assert tag.clear() is tag
    assert tag.children == []


def test_reprs() -> None:
    assert repr(Tag("p")) == "Tag('p')"
    assert repr(Tag("p", {"a": "b"})("c")) == "Tag('p', attributes={'a': 'b'}, children=['c'])"
    assert repr(slot("name")) == "slot('name')"
    located = slot("title", filename="page.xml", lineNumber=7, columnNumber=2)
    assert repr(located) == "slot('title', File \"page.xml\", line 7, column 2)"
    assert repr(Comment("x")) == "Comment('x')"
    assert repr(CDATA("x")) == "CDATA('x')"
    assert repr(CharRef(10)) == "CharRef(10)"


def test_slot_fields() -> None:
    s = slot("n", default="d", filename="f", lineNumber=1, columnNumber=2)
    assert (s.name, s.default, s.filename, s.lineNumber, s.columnNumber) == (
        "n",
        "d",
        "f",
        1,
        2,
    )
    assert s.children == []


def test_void_elements_include_wbr() -> None:
    # Twisted misspells it "wbs"; plait renders <wbr /> as HTML says.
    assert "wbr" in voidElements
    assert "wbs" not in voidElements
    assert {"br", "img", "input", "meta", "link", "hr", "source", "track"} <= voidElements
    assert "p" not in voidElements
