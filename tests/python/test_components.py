from collections.abc import Iterator
from typing import Any

import pytest
from zope.interface import Attribute, Interface, implementer
from zope.interface.verify import verifyObject

from plait.python import components
from plait.python.components import (
    Adapter,
    Componentized,
    getAdapterFactory,
    getRegistry,
    proxyForInterface,
    registerAdapter,
)


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    """Undo every registration a test makes in the global registry."""
    registry = getRegistry()
    before = set(_registrations())
    yield
    for required, provided, name, _value in set(_registrations()) - before:
        registry.unregister(required, provided, name)


def _registrations() -> Iterator[tuple[Any, ...]]:
    for required, provided, name, value in getRegistry().allRegistrations():
        yield (tuple(required), provided, name, value)


class ICounter(Interface):
    value = Attribute("how many times")

    def increment() -> int:
        """Add one and return the new value."""


class IName(Interface):
    def name() -> str:
        """The name."""


class Counter:
    def __init__(self, original: object) -> None:
        self.original = original
        self.value = 0

    def increment(self) -> int:
        self.value += 1
        return self.value


class Session(Componentized):
    pass


def test_storing_objects_in_the_session_pattern() -> None:
    registerAdapter(Counter, Session, ICounter)
    session = Session()
    counter = session.getComponent(ICounter)
    assert isinstance(counter, Counter)
    assert counter.original is session
    assert counter.increment() == 1
    # Cached: the same object comes back, by getComponent and by calling the interface.
    assert session.getComponent(ICounter) is counter
    assert ICounter(session) is counter
    assert ICounter(session).increment() == 2
    # A different session has its own state.
    assert ICounter(Session()).value == 0


def test_getComponent_default_when_no_adapter() -> None:
    session = Session()
    marker = object()
    assert session.getComponent(IName) is None
    assert session.getComponent(IName, marker) is marker
    with pytest.raises(TypeError):
        IName(session)


class Temporary(Counter):
    temporaryAdapter = 1


def test_temporary_adapter_is_not_cached() -> None:
    registerAdapter(Temporary, Session, ICounter)
    session = Session()
    first = session.getComponent(ICounter)
    assert isinstance(first, Temporary)
    assert session.getComponent(ICounter) is not first


def test_duplicate_registration_raises_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    registerAdapter(Counter, Session, ICounter)
    with pytest.raises(ValueError, match="already registered"):
        registerAdapter(Temporary, Session, ICounter)
    assert getAdapterFactory(Session, ICounter, None) is Counter
    monkeypatch.setattr(components, "ALLOW_DUPLICATES", 1)
    registerAdapter(Temporary, Session, ICounter)
    assert getAdapterFactory(Session, ICounter, None) is Temporary


def test_registerAdapter_needs_an_interface() -> None:
    with pytest.raises(TypeError):
        registerAdapter(Counter, Session)


class Plain:
    pass


@implementer(IName)
class PlainNamer:
    def __init__(self, original: Plain) -> None:
        self.original = original

    def name(self) -> str:
        return "plain"


def test_adapt_plain_objects_and_interfaces() -> None:
    registerAdapter(PlainNamer, Plain, IName)
    assert getAdapterFactory(Plain, IName, None) is PlainNamer
    assert getAdapterFactory(Session, IName, "nope") == "nope"
    adapted = IName(Plain())
    assert isinstance(adapted, PlainNamer)
    assert adapted.name() == "plain"

    class IOther(Interface):
        pass

    # Adapting from an interface applies to everything providing it.
    registerAdapter(lambda o: ("other", o), IName, IOther)
    namer = PlainNamer(Plain())
    assert IOther(namer) == ("other", namer)


def test_object_providing_interface_is_its_own_component() -> None:
    @implementer(IName)
    class Named(Componentized):
        def name(self) -> str:
            return "self"

    named = Named()
    assert named.getComponent(IName) is named


def test_set_unset_remove_component() -> None:
    session = Session()
    counter = Counter(session)
    session.setComponent(ICounter, counter)
    session.setComponent(IName, counter)
    assert session.getComponent(ICounter) is counter
    session.unsetComponent(IName)
    assert session.getComponent(IName) is None
    with pytest.raises(KeyError):
        session.unsetComponent(IName)
    session.setComponent(IName, counter)
    assert set(session.removeComponent(counter)) == {ICounter, IName}
    assert session.getComponent(ICounter) is None


@implementer(ICounter, IName)
class Both(Adapter):
    value = 0

    def increment(self) -> int:
        self.value += 1
        return self.value

    def name(self) -> str:
        return "both"


def test_addComponent_respects_registered_adapter_class() -> None:
    registerAdapter(Both, Session, ICounter)
    session = Session()
    both = Both(session)
    session.addComponent(both)
    # Registered adapter for ICounter is Both, for IName there is none.
    assert session.getComponent(ICounter) is both
    assert session.getComponent(IName) is None
    session.addComponent(both, ignoreClass=1)
    assert session.getComponent(IName) is both


def test_multiComponent_adapter_installs_for_its_other_interfaces() -> None:
    registerAdapter(Both, Session, ICounter, IName)
    session = Session()
    counter = session.getComponent(ICounter)
    assert isinstance(counter, Both)
    assert counter.original is session
    assert session.getComponent(IName) is counter


def test_addAdapter_and_setAdapter_and_locate() -> None:
    registerAdapter(Both, Session, ICounter)
    session = Session()
    assert session.locateAdapterClass(Session, ICounter, None) is Both
    added = session.addAdapter(Both)
    assert session.getComponent(ICounter) is added
    session.setAdapter(IName, Counter)
    assert isinstance(session.getComponent(IName), Counter)


def test_adapter_conform_delegates_to_original() -> None:
    registerAdapter(Counter, Session, ICounter)
    session = Session()
    wrapper = Adapter(session)
    assert wrapper.original is session
    assert ICounter(wrapper) is session.getComponent(ICounter)
    assert Adapter(object()).__conform__(ICounter) is None


class IStack(Interface):
    size = Attribute("number of items")

    def push(item: object) -> None:
        """Push."""

    def pop() -> object:
        """Pop."""


@implementer(IStack)
class Stack:
    def __init__(self) -> None:
        self.items: list[object] = []
        self.size = 0

    def push(self, item: object) -> None:
        self.items.append(item)
        self.size += 1

    def pop(self) -> object:
        self.size -= 1
        return self.items.pop()


def test_proxyForInterface_forwards_methods_and_attributes() -> None:
    proxyClass = proxyForInterface(IStack)
    stack = Stack()
    proxy = proxyClass(stack)
    assert proxy.original is stack
    assert IStack.providedBy(proxy)
    assert verifyObject(IStack, proxy)
    proxy.push(1)
    assert stack.items == [1]
    assert proxy.size == 1
    proxy.size = 7
    assert stack.size == 7
    del proxy.size
    assert not hasattr(stack, "size")
    assert "Proxy for" in proxyClass.__name__


def test_proxyForInterface_subclass_overrides_and_calls_base() -> None:
    class LoudStack(proxyForInterface(IStack, "wrapped")):  # type: ignore[misc]
        def push(self, item: object) -> None:
            proxyClassPush(self, f"loud {item}")

    proxyClassPush = LoudStack.__mro__[1].push
    stack = Stack()
    loud = LoudStack(stack)
    assert loud.wrapped is stack
    loud.push("x")
    assert stack.items == ["loud x"]
    assert loud.pop() == "loud x"
