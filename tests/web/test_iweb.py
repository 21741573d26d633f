"""Tests for plait.web.iweb."""

from __future__ import annotations

from zope.interface import Interface, implementer
from zope.interface.verify import verifyObject

from plait.web import iweb


def test_interfaces_are_interfaces() -> None:
    """Every exported I-name is a zope interface."""
    names = [name for name in iweb.__all__ if name.startswith("I")]
    assert len(names) == 13
    for name in names:
        assert issubclass(getattr(iweb, name), Interface), name


def test_renderable_can_be_implemented_and_verified() -> None:
    """A class declaring IRenderable with the right methods verifies."""

    @implementer(iweb.IRenderable)
    class Thing:
        def lookupRenderMethod(self, name: str) -> object:
            return name

        def render(self, request: object) -> object:
            return "x"

    assert verifyObject(iweb.IRenderable, Thing())
    assert iweb.IRenderable.providedBy(Thing())


def test_irequest_declares_twisted_names() -> None:
    """IRequest names the attributes and methods Twisted's IRequest has."""
    for name in [
        "method",
        "uri",
        "args",
        "prepath",
        "postpath",
        "getHeader",
        "write",
        "finish",
        "setResponseCode",
        "setHeader",
        "redirect",
        "getSession",
        "prePathURL",
    ]:
        assert name in iweb.IRequest, name


def test_unknown_length_is_a_marker() -> None:
    """UNKNOWN_LENGTH is a distinct, stable marker."""
    assert isinstance(iweb.UNKNOWN_LENGTH, str)
    assert iweb.UNKNOWN_LENGTH == "plait.web.iweb.UNKNOWN_LENGTH"
