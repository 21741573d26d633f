"""``Element``: a piece of a page with a template and the render methods it may call."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from zope.interface import implementer

from plait.web.error import MissingRenderMethod, MissingTemplateLoader, UnexposedMethodError
from plait.web.iweb import IRenderable, ITemplateLoader

if TYPE_CHECKING:
    from plait.web._flatten import Flattenable
    from plait.web._stan import Tag

__all__ = ["Element", "Expose", "renderer"]

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., object])
_NO_DEFAULT: Any = object()


class Expose:
    """A decorator that marks methods as reachable through it, and nothing else.

    ``renderer`` is one: a template can only call methods decorated with it, so a
    template cannot reach arbitrary methods of its element.
    """

    def __call__(self, f: _F, /, *more: Callable[..., object]) -> _F:
        """Expose ``f`` (and any further functions given); return ``f``."""
        for function in (f, *more):
            exposedThrough: list[Expose] = getattr(function, "exposedThrough", [])
            if self not in exposedThrough:
                exposedThrough.append(self)
            function.exposedThrough = exposedThrough  # type: ignore[attr-defined]
        return f

    @overload
    def get(self, instance: object, methodName: str) -> Callable[..., Any]: ...

    @overload
    def get(self, instance: object, methodName: str, default: _T) -> Callable[..., Any] | _T: ...

    def get(self, instance: object, methodName: str, default: object = _NO_DEFAULT) -> object:
        """Return ``instance``'s method ``methodName`` if exposed through this decorator.

        Otherwise return ``default``, or raise ``UnexposedMethodError`` when none is given.
        """
        method = getattr(instance, methodName, None)
        if self not in getattr(method, "exposedThrough", ()):
            if default is _NO_DEFAULT:
                raise UnexposedMethodError(self, methodName)
            return default
        return method


renderer = Expose()
renderer.__doc__ = """Decorate an Element's method to make it a render method for its templates.

A render method takes ``(self, request, tag)`` and returns something flattenable,
typically ``tag`` filled with children or slots; a template calls it with
``t:render="name"``.
"""


@implementer(IRenderable)
class Element:
    """A renderable with a template (``loader``) and ``@renderer`` methods for it.

    ``loader`` may be given to the constructor or set as a class attribute.
    """

    loader: ITemplateLoader | None = None

    def __init__(self, loader: ITemplateLoader | None = None) -> None:
        if loader is not None:
            self.loader = loader

    def lookupRenderMethod(self, name: str) -> Callable[[Any, Tag], Flattenable]:
        """Return the ``@renderer`` method called ``name``, or raise ``MissingRenderMethod``."""
        method = renderer.get(self, name, None)
        if method is None:
            raise MissingRenderMethod(self, name)
        return method

    def render(self, request: Any) -> Flattenable:
        """Return the loaded template, or raise ``MissingTemplateLoader`` if there is none."""
        loader = self.loader
        if loader is None:
            raise MissingTemplateLoader(self)
        return loader.load()
