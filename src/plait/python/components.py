"""Adapters and componentized objects: Twisted's ``twisted.python.components``.

Adapters are kept in a zope.interface `AdapterRegistry` (`getRegistry`).  The first call
to `registerAdapter` also adds a hook to zope.interface so that ``IFoo(obj)`` finds the
adapters registered here; importing this module changes nothing global.
"""

from __future__ import annotations

import pprint
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from zope.interface import declarations, interface
from zope.interface.adapter import AdapterRegistry
from zope.interface.interface import InterfaceClass

__all__ = [
    "ALLOW_DUPLICATES",
    "Adapter",
    "Componentized",
    "ReprableComponentized",
    "getAdapterFactory",
    "getRegistry",
    "proxyForInterface",
    "registerAdapter",
]

ALLOW_DUPLICATES = 0
"""Set to a true value to let `registerAdapter` replace an existing registration."""

_globalRegistry = AdapterRegistry()
_hooked: list[Callable[[InterfaceClass, object], object]] = []


def _lookup1(spec: Any, iface: InterfaceClass) -> Any:
    # lookup1 is delegated to the registry's lookup object at runtime; stubs don't know it.
    return cast(Any, _globalRegistry).lookup1(spec, iface)


def _hook(iface: InterfaceClass, obj: object) -> object:
    factory = _lookup1(declarations.providedBy(obj), iface)
    if factory is None:
        return None
    return factory(obj)


def _installHook() -> None:
    """Let ``IFoo(obj)`` consult this module's registry (done once, on first use)."""
    if not _hooked:
        interface.adapter_hooks.append(_hook)
        _hooked.append(_hook)


def _asSpec(origInterface: Any) -> Any:
    if isinstance(origInterface, InterfaceClass):
        return origInterface
    return cast(Any, declarations).implementedBy(origInterface)


def getRegistry() -> AdapterRegistry:
    """Return the registry that `registerAdapter` fills."""
    return _globalRegistry


def registerAdapter(
    adapterFactory: Callable[[Any], Any] | None,
    origInterface: Any,
    *interfaceClasses: InterfaceClass,
) -> None:
    """Register ``adapterFactory`` to adapt ``origInterface`` (an interface or a class).

    Raises ValueError if an adapter for one of ``interfaceClasses`` is already registered
    from the same origin, unless `ALLOW_DUPLICATES` is true.  Registering ``None``
    as the factory removes a registration (with `ALLOW_DUPLICATES`).
    """
    if not interfaceClasses:
        raise TypeError("registerAdapter needs at least one interface to adapt to")
    required = _asSpec(origInterface)
    for target in interfaceClasses:
        existing = _globalRegistry.registered([required], target)
        if existing is not None and not ALLOW_DUPLICATES:
            raise ValueError(f"an adapter ({existing!r}) was already registered.")
    for target in interfaceClasses:
        _globalRegistry.register([required], target, "", adapterFactory)
    _installHook()


def getAdapterFactory(fromInterface: Any, toInterface: InterfaceClass, default: Any) -> Any:
    """Return the factory adapting ``fromInterface`` (interface or class) to ``toInterface``."""
    factory = _lookup1(_asSpec(fromInterface), toInterface)
    if factory is None:
        return default
    return factory


class Adapter:
    """Base class for adapters: keeps the adapted object as ``original``.

    ``temporaryAdapter = 1`` on a subclass stops `Componentized.getComponent` caching the
    adapter; ``multiComponent`` (true by default) makes a cached adapter also answer for
    every other interface it provides whose registered adapter is its class.
    """

    temporaryAdapter = 0
    multiComponent = 1

    def __init__(self, original: Any) -> None:
        self.original = original

    def __conform__(self, iface: InterfaceClass) -> Any:
        """Let ``IFoo(adapter)`` find what the original object conforms to."""
        conform = getattr(self.original, "__conform__", None)
        if conform is None:
            return None
        return conform(iface)


class _LazyAdapterCache:
    """``Componentized._adapterCache`` made on first use, then a plain instance attribute.

    Most web requests are Componentized and never use a component, so they skip the dict.
    """

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        cache: dict[InterfaceClass, Any] = {}
        instance.__dict__["_adapterCache"] = cache
        return cache


class Componentized:
    """An object assembled from components, one per interface, found by adaptation.

    ``getComponent(IFoo)`` returns the component set for IFoo, or else adapts this
    object with the adapter registered for its class and keeps the result (unless the
    adapter is a ``temporaryAdapter``).  ``IFoo(componentized)`` does the same.
    """

    if TYPE_CHECKING:
        _adapterCache: dict[InterfaceClass, Any]
    else:
        _adapterCache = _LazyAdapterCache()

    def __init__(self) -> None:
        self._adapterCache = {}

    def locateAdapterClass(self, klass: type, interfaceClass: InterfaceClass, default: Any) -> Any:
        """Return the adapter factory registered from ``klass`` to ``interfaceClass``."""
        return getAdapterFactory(klass, interfaceClass, default)

    def setAdapter(
        self, interfaceClass: InterfaceClass, adapterClass: Callable[[Any], Any]
    ) -> None:
        """Make ``adapterClass(self)`` the component for ``interfaceClass``."""
        self.setComponent(interfaceClass, adapterClass(self))

    def addAdapter(self, adapterClass: Callable[[Any], Any], ignoreClass: int = 0) -> Any:
        """Create ``adapterClass(self)``, add it with `addComponent`, and return it."""
        adapter = adapterClass(self)
        self.addComponent(adapter, ignoreClass)
        return adapter

    def setComponent(self, interfaceClass: InterfaceClass, component: Any) -> None:
        """Make ``component`` the answer to ``getComponent(interfaceClass)``."""
        self._adapterCache[interfaceClass] = component

    def addComponent(self, component: Any, ignoreClass: int = 0) -> None:
        """Install ``component`` for the interfaces it provides.

        Without ``ignoreClass``, only for those interfaces whose adapter registered for
        this object's class is the component's own class.
        """
        for iface in declarations.providedBy(component):
            if (
                ignoreClass
                or self.locateAdapterClass(type(self), iface, None) == component.__class__
            ):
                self._adapterCache[iface] = component

    def unsetComponent(self, interfaceClass: InterfaceClass) -> None:
        """Forget the component for ``interfaceClass`` (KeyError if there is none)."""
        del self._adapterCache[interfaceClass]

    def removeComponent(self, component: Any) -> list[InterfaceClass]:
        """Forget ``component`` wherever it is installed; return those interfaces."""
        removed = [iface for iface, value in self._adapterCache.items() if value is component]
        for iface in removed:
            del self._adapterCache[iface]
        return removed

    def getComponent(self, interface: InterfaceClass, default: Any = None) -> Any:
        """Return the component for ``interface``, adapting (and caching) if needed."""
        try:
            return self._adapterCache[interface]
        except KeyError:
            pass
        adapter = self._adapt(interface)
        if adapter is None:
            return default
        if not getattr(adapter, "temporaryAdapter", 0):
            self._adapterCache[interface] = adapter
            if getattr(adapter, "multiComponent", 0):
                self.addComponent(adapter)
        return adapter

    def _adapt(self, iface: InterfaceClass) -> Any:
        if cast(Any, iface).providedBy(self):
            return self
        factory = _lookup1(declarations.providedBy(self), iface)
        if factory is not None:
            return factory(self)
        # Adapters registered elsewhere (other registries' hooks) still get their say.
        for hook in interface.adapter_hooks:
            if hook is _hook:
                continue
            adapter = hook(iface, self)
            if adapter is not None:
                return adapter
        return None

    def __conform__(self, interface: InterfaceClass) -> Any:
        """Make ``IFoo(self)`` answer with `getComponent`."""
        return self.getComponent(interface)


class ReprableComponentized(Componentized):
    """A `Componentized` whose repr lists its components, for debugging."""

    def __repr__(self) -> str:
        return pprint.pformat(self._adapterCache) + "\n"


class _ProxiedClassMethod:
    """What ``ProxyClass.method`` is when read from the class, for ``Base.method(self)``."""

    def __init__(self, methodName: str, originalAttribute: str) -> None:
        self.methodName = self.__name__ = methodName
        self.originalAttribute = originalAttribute

    def __call__(self, oself: Any, *args: Any, **kw: Any) -> Any:
        original = getattr(oself, self.originalAttribute)
        return getattr(original, self.methodName)(*args, **kw)


class _ProxyDescriptor:
    """Forwards reads, writes and deletes of one attribute to the proxied object."""

    def __init__(self, attributeName: str, originalAttribute: str) -> None:
        self.attributeName = attributeName
        self.originalAttribute = originalAttribute

    def __get__(self, oself: Any, owner: type | None = None) -> Any:
        if oself is None:
            return _ProxiedClassMethod(self.attributeName, self.originalAttribute)
        return getattr(getattr(oself, self.originalAttribute), self.attributeName)

    def __set__(self, oself: Any, value: Any) -> None:
        setattr(getattr(oself, self.originalAttribute), self.attributeName, value)

    def __delete__(self, oself: Any) -> None:
        delattr(getattr(oself, self.originalAttribute), self.attributeName)


def proxyForInterface(iface: InterfaceClass, originalAttribute: str = "original") -> type:
    """Return a class whose instances forward everything ``iface`` names to a wrapped object.

    ``Proxy(obj)`` stores ``obj`` as ``originalAttribute``; subclass it to override a
    few methods of an interface and delegate the rest.
    """

    def __init__(self: Any, original: Any) -> None:
        setattr(self, originalAttribute, original)

    contents: dict[str, Any] = {"__init__": __init__}
    for name in iface.names(all=True):
        contents[name] = _ProxyDescriptor(name, originalAttribute)
    proxy = type(f"(Proxy for {iface.__module__}.{iface.__name__})", (object,), contents)
    # Through Any: mypy-zope can only check classImplements on statically known classes.
    classImplements: Any = declarations.classImplements
    classImplements(proxy, iface)
    return proxy
