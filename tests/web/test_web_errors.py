"""Tests for plait.web.error."""

from __future__ import annotations

import traceback

import pytest

from plait.web import error


def test_error_int_code_gets_phrase() -> None:
    """An int code is stored as three digits and the message defaults to the phrase."""
    exc = error.Error(404)
    assert exc.status == b"404"
    assert exc.message == b"Not Found"
    assert exc.response is None
    assert str(exc) == "404 Not Found"


def test_error_bytes_code_and_explicit_message() -> None:
    """A bytes code and an explicit message and response are kept as given."""
    exc = error.Error(b"500", b"broken", b"<html/>")
    assert (exc.status, exc.message, exc.response) == (b"500", b"broken", b"<html/>")
    assert str(exc) == "500 broken"


def test_error_unknown_code_has_no_message() -> None:
    """A code without a known phrase leaves the message empty."""
    exc = error.Error(599)
    assert exc.message is None
    assert str(exc) == "599"


@pytest.mark.parametrize("code", [b"4040", b"abc", b"", 12345])
def test_error_rejects_bad_codes(code: int | bytes) -> None:
    """Anything but three digits is refused."""
    with pytest.raises(ValueError, match="Not a valid HTTP status code"):
        error.Error(code)


def test_error_is_a_plain_exception() -> None:
    """Errors are exceptions, not responses: no render method."""
    assert issubclass(error.Error, Exception)
    assert not hasattr(error.Error(404), "render")


def test_page_redirect_location_in_message() -> None:
    """PageRedirect appends the location to the message."""
    exc = error.PageRedirect(302, location=b"/there")
    assert exc.location == b"/there"
    assert exc.message == b"Found to /there"
    assert error.PageRedirect(302).location is None
    assert error.PageRedirect(302).message == b"Found"


def test_infinite_redirection() -> None:
    """InfiniteRedirection also carries the last location."""
    exc = error.InfiniteRedirection(301, location=b"/loop")
    assert exc.message == b"Moved Permanently to /loop"
    assert isinstance(exc, error.Error)


def test_redirect_with_no_location() -> None:
    """RedirectWithNoLocation names the URI it came from."""
    exc = error.RedirectWithNoLocation(302, b"Bad", b"http://x/")
    assert exc.uri == b"http://x/"
    assert exc.message == b"Bad to http://x/"


def test_unsupported_method() -> None:
    """UnsupportedMethod keeps the allowed methods and requires a sequence."""
    exc = error.UnsupportedMethod([b"GET", b"HEAD"])
    assert exc.allowedMethods == [b"GET", b"HEAD"]
    assert "b'GET'" in str(exc)
    with pytest.raises(TypeError):
        error.UnsupportedMethod(object())  # type: ignore[arg-type]


def test_render_errors() -> None:
    """The template errors keep what they were given and describe it."""
    missing = error.MissingRenderMethod("elem", "thing")
    assert isinstance(missing, error.RenderError)
    assert (missing.element, missing.renderName) == ("elem", "thing")
    assert "thing" in repr(missing)
    loader = error.MissingTemplateLoader("elem")
    assert loader.element == "elem"
    assert "no loader" in repr(loader)


class _Tag:
    def __init__(self, tagName: str, filename: str | None = None, lineNumber: int = 0) -> None:
        self.tagName = tagName
        self.filename = filename
        self.lineNumber = lineNumber
        self.columnNumber = 3


def test_flattener_error_names_roots() -> None:
    """FlattenerError's text lists the roots, with template file and line for tags."""
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        tb = traceback.extract_tb(exc.__traceback__)
        failure = error.FlattenerError(
            exc, [_Tag("html"), _Tag("div", "page.xml", 12), b"x" * 50, 7], tb
        )
    text = str(failure)
    assert text.startswith("Exception while flattening:\n")
    assert "Tag <html>" in text
    assert 'File "page.xml", line 12, column 3, in "div"' in text
    assert "<...>" in text
    assert "  7\n" in text
    assert "test_flattener_error_names_roots" in text
    assert text.endswith("RuntimeError: boom\n")


def test_flattener_error_without_roots_or_traceback() -> None:
    """With nothing to show, only the exception line remains."""
    text = str(error.FlattenerError(ValueError("v"), [], None))
    assert text == "Exception while flattening:\nValueError: v\n"


@pytest.mark.parametrize(
    "cls",
    [
        error.SchemeNotSupported,
        error.UnexposedMethodError,
        error.UnfilledSlot,
        error.UnsupportedType,
        error.ExcessiveBufferingError,
        error.UnsupportedSpecialHeader,
    ],
)
def test_simple_exceptions(cls: type[Exception]) -> None:
    """The simple exceptions are raisable and catchable as Exception."""
    with pytest.raises(cls):
        raise cls("x")
