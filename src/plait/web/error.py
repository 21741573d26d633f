"""Exceptions of the web layer (Twisted's ``twisted.web.error``).

These are plain exceptions, never responses: ``server.Request`` is the one place
that turns them into HTTP answers.
"""

from __future__ import annotations

import traceback as _traceback
from collections.abc import Sequence
from typing import Any, cast

from plait.web._responses import RESPONSES

__all__ = [
    "Error",
    "ExcessiveBufferingError",
    "FlattenerError",
    "InfiniteRedirection",
    "MissingRenderMethod",
    "MissingTemplateLoader",
    "PageRedirect",
    "RedirectWithNoLocation",
    "RenderError",
    "SchemeNotSupported",
    "UnexposedMethodError",
    "UnfilledSlot",
    "UnsupportedMethod",
    "UnsupportedSpecialHeader",
    "UnsupportedType",
]


def _phrase(status: bytes) -> bytes | None:
    """Return the reason phrase of a three-digit status, or None when it is unknown."""
    return RESPONSES.get(int(status))


class Error(Exception):
    """An HTTP error: a status code, a short message and optionally a whole page.

    ``code`` is an ``int`` or three ASCII digits; ``message`` defaults to the
    status's reason phrase. The normalised code is kept as bytes in ``status``.
    """

    status: bytes
    message: bytes | None
    response: bytes | None

    def __init__(
        self, code: int | bytes, message: bytes | None = None, response: bytes | None = None
    ) -> None:
        status = b"%d" % (code,) if isinstance(code, int) else bytes(code)
        if len(status) != 3 or not status.isdigit():
            raise ValueError(f"Not a valid HTTP status code: {code!r}")
        message = message or _phrase(status)
        super().__init__(code, message, response)
        self.status = status
        self.message = message
        self.response = response

    def __str__(self) -> str:
        text = self.status
        if self.message:
            text += b" " + self.message
        return text.decode("ascii", "backslashreplace")


class PageRedirect(Error):
    """A request was answered with a redirect to ``location``."""

    location: bytes | None

    def __init__(
        self,
        code: int | bytes,
        message: bytes | None = None,
        response: bytes | None = None,
        location: bytes | None = None,
    ) -> None:
        super().__init__(code, message, response)
        if self.message and location:
            self.message += b" to " + location
        self.location = location


class InfiniteRedirection(Error):
    """Redirects kept coming past the limit; the last one pointed at ``location``."""

    location: bytes | None

    def __init__(
        self,
        code: int | bytes,
        message: bytes | None = None,
        response: bytes | None = None,
        location: bytes | None = None,
    ) -> None:
        super().__init__(code, message, response)
        if self.message and location:
            self.message += b" to " + location
        self.location = location


class RedirectWithNoLocation(Error):
    """A redirect response for ``uri`` arrived without a ``Location`` header."""

    message: bytes
    uri: bytes

    def __init__(self, code: int | bytes, message: bytes, uri: bytes) -> None:
        super().__init__(code, message)
        self.message = (self.message or b"") + b" to " + uri
        self.uri = uri


class UnsupportedMethod(Exception):
    """A resource has no handler for the request's method.

    ``allowedMethods`` is the sequence of methods it does support; the server
    answers 405 with an ``Allow`` header, or 501 for a method it does not know.
    """

    allowedMethods: Sequence[bytes] = ()

    def __init__(self, allowedMethods: Sequence[bytes], *args: object) -> None:
        if not isinstance(cast(object, allowedMethods), Sequence):
            raise TypeError("the first argument must be a sequence of the supported methods")
        super().__init__(allowedMethods, *args)
        self.allowedMethods = allowedMethods

    def __str__(self) -> str:
        return f"Expected one of {self.allowedMethods!r}"


class SchemeNotSupported(Exception):
    """A URI's scheme is not one the client supports."""


class RenderError(Exception):
    """Rendering a template element failed."""


class MissingRenderMethod(RenderError):
    """A template names a render method the element does not provide."""

    def __init__(self, element: object, renderName: str) -> None:
        super().__init__(element, renderName)
        self.element = element
        self.renderName = renderName

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}: {self.element!r} had no render method named "
            f"{self.renderName!r}"
        )


class MissingTemplateLoader(RenderError):
    """An element was rendered without a template loader."""

    def __init__(self, element: object) -> None:
        super().__init__(element)
        self.element = element

    def __repr__(self) -> str:
        return f"{type(self).__name__}: {self.element!r} had no loader"


class UnexposedMethodError(Exception):
    """A method was looked up that was not exposed to templates."""


class UnfilledSlot(Exception):
    """A template slot was flattened before being filled."""


class UnsupportedType(Exception):
    """The flattener was given an object it cannot flatten."""


class ExcessiveBufferingError(Exception):
    """A producer pushed more data than the consumer is willing to buffer."""


class UnsupportedSpecialHeader(Exception):
    """An HTTP/2 request carried a pseudo-header plait does not recognise."""


def _formatRoot(obj: object) -> str:
    """Describe one element of a flattening stack, compactly and in ASCII."""
    if isinstance(obj, bytes | str):
        if len(obj) > 40:
            # Long text is cut in the middle: its ends identify it well enough.
            if isinstance(obj, bytes):
                return ascii(obj[:20] + b"<...>" + obj[-20:])
            return ascii(obj[:20] + "<...>" + obj[-20:])
        return ascii(obj)
    tagName = getattr(obj, "tagName", None)
    if isinstance(tagName, str):
        filename = getattr(obj, "filename", None)
        if filename is None:
            return f"Tag <{tagName}>"
        line = getattr(obj, "lineNumber", None)
        column = getattr(obj, "columnNumber", None)
        where = f'File "{filename}", line {line}'
        if column is not None:
            where += f", column {column}"
        return f'{where}, in "{tagName}"'
    return ascii(obj)


class FlattenerError(Exception):
    """An exception raised while flattening, with the stack of objects being flattened.

    ``roots`` runs from the outermost object to the innermost; ``traceback`` is a
    list of frame summaries (as from ``traceback.extract_tb``) or None.
    """

    def __init__(self, exception: BaseException, roots: Sequence[Any], traceback: Any) -> None:
        super().__init__(exception, roots, traceback)
        self._exception = exception
        self._roots = list(roots)
        self._traceback = traceback

    def __repr__(self) -> str:
        parts = ["Exception while flattening:\n"]
        if self._roots:
            parts.append("".join(f"  {_formatRoot(root)}\n" for root in self._roots))
        if self._traceback:
            lines = (
                line
                for entry in _traceback.format_list(self._traceback)
                for line in entry.splitlines()
            )
            parts.append("\n".join(lines) + "\n")
        parts.append(f"{type(self._exception).__name__}: {self._exception}\n")
        return "".join(parts)

    def __str__(self) -> str:
        return repr(self)
