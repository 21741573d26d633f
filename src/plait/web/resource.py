"""Resources and the resource tree (Twisted's ``twisted.web.resource``).

A :class:`Resource` answers requests through ``render_<METHOD>`` methods and
finds its children with :meth:`Resource.getChildWithDefault`;
:func:`getChildForRequest` walks the tree along the request's path. The error
resources escape everything they echo (Twisted's do not).
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable, Sequence
from types import FunctionType
from typing import TYPE_CHECKING, Any, Final, Protocol, overload

from zope.interface import Attribute, Interface, implementer

from plait.web.error import UnsupportedMethod
from plait.web.iweb import IRequest

__all__ = [
    "EncodingResourceWrapper",
    "ErrorPage",
    "ForbiddenResource",
    "IResource",
    "NoResource",
    "Resource",
    "getChildForRequest",
]


class IResource(Interface):
    """A web resource: something that renders a request and may have children."""

    isLeaf = Attribute("True if the resource consumes the rest of the path itself.")

    def getChildWithDefault(name: bytes, request: IRequest) -> IResource:
        """Return the child for path segment *name* (a static child or a dynamic one)."""

    def putChild(path: bytes | str, child: IResource) -> None:
        """Register *child* under the single, unencoded path segment *path*."""

    def render(request: IRequest) -> object:
        """Answer *request*: bytes, str, NOT_DONE_YET, a Deferred or an awaitable."""


def getChildForRequest(resource: IResource, request: IRequest) -> IResource:
    """Walk from *resource* along ``request.postpath`` and return the resource found.

    Each step moves one segment from ``postpath`` to ``prepath``; a leaf stops the
    walk and leaves the remaining segments in ``postpath`` for it to interpret.
    """
    # The lists are read from the request on every step: a resource may replace them
    # (``request.postpath = [...]``) as well as change them in place, as Twisted allows.
    while request.postpath and not resource.isLeaf:
        name = request.postpath.pop(0)
        request.prepath.append(name)
        resource = resource.getChildWithDefault(name, request)
    return resource


_Handler = Callable[[Any, Any], object]


class _RenderTable:
    """The ``render_<METHOD>`` handlers of one class, resolved once."""

    __slots__ = ("allowed", "handlers")

    def __init__(self, handlers: dict[bytes, _Handler], allowed: tuple[bytes, ...]) -> None:
        self.handlers = handlers
        self.allowed = allowed


# The table lives in each class's own __dict__ under this name, built on first use.
_TABLE: Final = "_plaitRenderTable"


def _handlerFor(cls: type, name: str) -> _Handler | None:
    """Return a ``(resource, request)`` callable for the attribute *name* of *cls*.

    None when the class sets it to None (Twisted's way of switching a method off).
    """
    attribute = next(vars(klass)[name] for klass in cls.__mro__ if name in vars(klass))
    if attribute is None:
        return None
    if isinstance(attribute, FunctionType):
        return attribute

    # Static/class methods and other descriptors keep their binding rules.
    def viaGetattr(resource: Any, request: Any) -> object:
        return getattr(resource, name)(request)

    return viaGetattr


def _buildRenderTable(cls: type) -> _RenderTable:
    """Collect *cls*'s ``render_*`` methods into a table keyed by method bytes."""
    names: dict[str, None] = {}
    for klass in reversed(cls.__mro__):
        names.update(dict.fromkeys(n for n in vars(klass) if n.startswith("render_")))
    handlers: dict[bytes, _Handler] = {}
    for name in names:
        method = name[len("render_") :]
        if not method.isascii() or not method:
            continue
        handler = _handlerFor(cls, name)
        if handler is not None:
            handlers[method.encode("ascii")] = handler
    # HEAD falls back to GET only where there is a GET to fall back to: a resource
    # with only render_POST answers HEAD with 405, not with an AttributeError.
    if handlers.get(b"HEAD") is _defaultRenderHead and b"GET" not in handlers:
        del handlers[b"HEAD"]
    first = [m for m in (b"GET", b"HEAD") if m in handlers]
    allowed = (*first, *(m for m in handlers if m not in first))
    return _RenderTable(handlers, allowed)


def _renderTable(cls: type) -> _RenderTable:
    """Return *cls*'s render table, building and storing it the first time."""
    table: _RenderTable | None = cls.__dict__.get(_TABLE)
    if table is None:
        table = _buildRenderTable(cls)
        setattr(cls, _TABLE, table)
    return table


class _AllowedMethods:
    """Read-only default for ``allowedMethods``: the methods the class can render.

    A non-data descriptor, so a subclass attribute or an instance assignment
    replaces it.
    """

    @overload
    def __get__(self, instance: None, owner: type) -> tuple[bytes, ...]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> tuple[bytes, ...]: ...
    def __get__(self, instance: object, owner: type) -> tuple[bytes, ...]:
        return _renderTable(owner).allowed


@implementer(IResource)
class Resource:
    """A web resource: override ``render_GET``, ``render_POST``, ... and add children.

    The ``render_<METHOD>`` methods of a class are looked up once, the first time
    one of its instances renders; methods added to the class afterwards are not
    seen.
    """

    isLeaf: bool = False
    """When true, traversal stops here and the rest of the path stays in ``postpath``."""

    server: Any = None
    """The Site serving this resource, copied from the parent by putChild."""

    if TYPE_CHECKING:
        allowedMethods: Sequence[bytes]
    else:
        allowedMethods = _AllowedMethods()

    def __init__(self) -> None:
        self.children: dict[bytes, IResource] = {}

    def getChild(self, path: bytes, request: IRequest) -> IResource:
        """Return a dynamic child for *path*; by default a 404 page."""
        return NoResource()

    def getChildWithDefault(self, path: bytes, request: IRequest) -> IResource:
        """Return the static child registered for *path*, else :meth:`getChild`'s answer."""
        child = self.children.get(path)
        if child is None:
            return self.getChild(path, request)
        return child

    def putChild(self, path: bytes | str, child: IResource) -> None:
        """Register *child* under the path segment *path* (bytes, or str encoded as UTF-8).

        ``putChild(b"", child)`` serves the URL with a trailing slash.
        """
        if isinstance(path, str):
            path = path.encode("utf-8")
        elif not isinstance(path, bytes):
            raise TypeError(f"a path segment must be bytes or str, not {type(path).__name__}")
        self.children[path] = child
        # A child with __slots__ (or a read-only server) simply does not learn it.
        with contextlib.suppress(AttributeError):
            child.server = self.server  # type: ignore[attr-defined]

    def render(self, request: IRequest) -> object:
        """Call ``render_<METHOD>`` for ``request.method``.

        Raises :class:`~plait.web.error.UnsupportedMethod` with ``allowedMethods``
        when the class has no handler for the method.
        """
        cls = type(self)
        table: _RenderTable | None = cls.__dict__.get(_TABLE)
        if table is None:
            table = _renderTable(cls)
        handler = table.handlers.get(request.method)
        if handler is None:
            raise UnsupportedMethod(self.allowedMethods)
        return handler(self, request)

    def render_HEAD(self, request: IRequest) -> object:
        """Answer HEAD like GET; the server drops the body. Only used if GET exists."""
        return self.render_GET(request)  # type: ignore[attr-defined]


_defaultRenderHead: Final = Resource.__dict__["render_HEAD"]

_ERROR_PAGE: Final = (
    "<!DOCTYPE html>\n<html><head><title>{code} - {brief}</title></head>"
    "<body><h1>{brief}</h1><p>{detail}</p></body></html>\n"
)


def _text(value: str | bytes | object) -> str:
    """Return *value* as text ready to be escaped."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class ErrorPage(Resource):
    """A resource answering every request, and every sub-path, with an HTML error page.

    ``brief`` is the title and heading, ``detail`` the paragraph; both are
    HTML-escaped, so they may safely contain text taken from the request.
    """

    def __init__(self, status: int, brief: str | bytes, detail: str | bytes) -> None:
        super().__init__()
        self.code = status
        self.brief = brief
        self.detail = detail

    def render(self, request: IRequest) -> bytes:
        """Set the status and content type and return the page, whatever the method."""
        request.setResponseCode(self.code)
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        page = _ERROR_PAGE.format(
            code=int(self.code),
            brief=html.escape(_text(self.brief)),
            detail=html.escape(_text(self.detail)),
        )
        return page.encode("utf-8")

    def getChild(self, path: bytes, request: IRequest) -> IResource:
        """Every sub-path gets the same page."""
        return self


class NoResource(ErrorPage):
    """A 404 "No Such Resource" page."""

    def __init__(self, message: str | bytes = "Sorry. No luck finding that resource.") -> None:
        super().__init__(404, "No Such Resource", message)


class ForbiddenResource(ErrorPage):
    """A 403 "Forbidden Resource" page."""

    def __init__(self, message: str | bytes = "Sorry, resource is forbidden.") -> None:
        super().__init__(403, "Forbidden Resource", message)


class _EncoderFactory(Protocol):
    """What EncodingResourceWrapper needs of an encoder factory."""

    def encoderForRequest(self, request: IRequest) -> Any:
        """Return an encoder for *request*'s response, or None to leave it alone."""


@implementer(IResource)
class EncodingResourceWrapper:
    """Wrap a resource so that its response body is encoded (e.g. gzip) when the client agrees.

    Encoding applies only when this wrapper is the resource that renders: its
    children are the wrapped resource's children, unwrapped. *encoders* are
    tried in order; the first whose ``encoderForRequest`` returns an encoder wins.
    """

    def __init__(self, original: IResource, encoders: Sequence[_EncoderFactory]) -> None:
        self.original = original
        self._encoders = list(encoders)

    @property
    def isLeaf(self) -> bool:
        """The wrapped resource's ``isLeaf``."""
        return bool(self.original.isLeaf)

    def getEncoder(self, request: IRequest) -> Any:
        """Return the first encoder offered for *request*, or None."""
        for factory in self._encoders:
            encoder = factory.encoderForRequest(request)
            if encoder is not None:
                return encoder
        return None

    def getChildWithDefault(self, name: bytes, request: IRequest) -> IResource:
        """Delegate to the wrapped resource (the child is not wrapped)."""
        return self.original.getChildWithDefault(name, request)

    def putChild(self, path: bytes | str, child: IResource) -> None:
        """Register *child* on the wrapped resource."""
        self.original.putChild(path, child)

    def render(self, request: IRequest) -> object:
        """Choose an encoder for the request, then let the wrapped resource render."""
        # A server that already asked getEncoder (as Twisted's does) keeps its choice.
        if getattr(request, "_encoder", None) is None:
            encoder = self.getEncoder(request)
            if encoder is not None:
                request._encoder = encoder  # type: ignore[attr-defined]
        return self.original.render(request)
