"""Finding objects by dotted name, and naming objects: Twisted's ``twisted.python.reflect``."""

from __future__ import annotations

import importlib
import traceback
import types
from typing import Any

__all__ = [
    "InvalidName",
    "ModuleNotFound",
    "ObjectNotFound",
    "fullyQualifiedName",
    "namedAny",
    "namedClass",
    "namedModule",
    "namedObject",
    "prefixedMethodNames",
    "prefixedMethods",
    "qual",
    "requireModule",
    "safe_repr",
    "safe_str",
]


class InvalidName(ValueError):
    """The string given is not a dotted Python name, or names nothing."""


class ModuleNotFound(InvalidName):
    """No module of the name given (or of its first segment) can be imported."""


class ObjectNotFound(InvalidName, AttributeError):
    """A module was found, but an attribute along the dotted path is missing.

    It is also an ``AttributeError``, which is what Twisted raises in that case, so code
    written against Twisted that catches ``AttributeError`` keeps working.
    """


def _checkName(name: str) -> list[str]:
    if not isinstance(name, str) or not name:
        raise InvalidName("Empty module name")
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        raise InvalidName(
            "name must be a string giving a '.'-separated list of Python identifiers, "
            f"not {name!r}"
        )
    return parts


def _isMissing(error: ModuleNotFoundError, moduleName: str) -> bool:
    """Whether ``error`` says ``moduleName`` itself (or a parent) is absent.

    An ImportError raised *inside* an existing module is a bug in that module and must
    propagate unchanged rather than be reported as "not found".
    """
    missing = error.name or ""
    return missing == moduleName or moduleName.startswith(missing + ".")


def namedModule(name: str) -> types.ModuleType:
    """Import and return the module called ``name`` (e.g. ``"os.path"``)."""
    _checkName(name)
    return importlib.import_module(name)


def requireModule(name: str, default: Any = None) -> Any:
    """Import and return the module ``name``, or return ``default`` if it cannot be imported."""
    try:
        return namedModule(name)
    except ImportError:
        return default


def _prefixedFunctions(cls: type, prefix: str) -> dict[str, str]:
    # Bases first, so a subclass's definition wins; only plain functions count, as in
    # Twisted (a staticmethod or a callable attribute is not a "method" here).
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object:
            continue
        for name, value in vars(klass).items():
            if type(value) is types.FunctionType and name.startswith(prefix) and name != prefix:
                found[name[len(prefix) :]] = name
    return found


def prefixedMethodNames(classObj: type, prefix: str) -> list[str]:
    """Names, without ``prefix``, of the methods of ``classObj`` and its bases that have it.

    ``prefixedMethodNames(MyResource, "render_")`` gives ``["GET", "POST", ...]``.
    """
    return list(_prefixedFunctions(classObj, prefix))


def prefixedMethods(obj: object, prefix: str = "") -> list[Any]:
    """The bound methods of ``obj`` whose names start with ``prefix``."""
    return [getattr(obj, name) for name in _prefixedFunctions(type(obj), prefix).values()]


def namedObject(name: str) -> Any:
    """Return the attribute named by the last segment of ``name`` from the module before it."""
    parts = _checkName(name)
    if len(parts) < 2:
        raise InvalidName(f"{name!r} names a module, not an object inside one")
    module = namedModule(".".join(parts[:-1]))
    return getattr(module, parts[-1])


def namedAny(name: str) -> Any:
    """Return the module, class, function or attribute named by the dotted ``name``.

    The longest importable module prefix is imported and the rest is looked up by
    attribute access.  Raises `ModuleNotFound` when not even the first segment is a
    module, `ObjectNotFound` when an attribute along the path is missing, and
    `InvalidName` for a malformed name.
    """
    parts = _checkName(name)
    module: types.ModuleType | None = None
    consumed = 0
    for index in range(len(parts), 0, -1):
        candidate = ".".join(parts[:index])
        try:
            module = importlib.import_module(candidate)
        except ModuleNotFoundError as error:
            if not _isMissing(error, candidate):
                raise
            continue
        consumed = index
        break
    if module is None:
        raise ModuleNotFound(f"No module named {parts[0]!r}")
    obj: Any = module
    for index in range(consumed, len(parts)):
        try:
            obj = getattr(obj, parts[index])
        except AttributeError as error:
            found = ".".join(parts[:index])
            raise ObjectNotFound(
                f"{found!r} has no attribute {parts[index]!r} (looking up {name!r})"
            ) from error
    return obj


def namedClass(name: str) -> type:
    """Return the class named by ``name``; `InvalidName` if it names something else."""
    obj = namedAny(name)
    if not isinstance(obj, type):
        raise InvalidName(f"{name!r} is not a class")
    return obj


def qual(clazz: type) -> str:
    """Return the fully qualified name of a class, e.g. ``"builtins.dict"``.

    Nested classes are named by their ``__qualname__`` (``"mod.Outer.Inner"``), where
    Twisted writes only the innermost name.
    """
    return f"{clazz.__module__}.{clazz.__qualname__}"


def fullyQualifiedName(obj: object) -> str:
    """Return the dotted name of a module, class, function or (bound) method."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    if isinstance(obj, type):
        return qual(obj)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if name is None:
        return qual(type(obj))
    if isinstance(obj, types.MethodType):
        return f"{fullyQualifiedName(obj.__func__)}"
    module = getattr(obj, "__module__", None)
    if module is None:
        owner = getattr(obj, "__self__", None)
        if owner is not None and not isinstance(owner, types.ModuleType):
            # Builtin methods bound to an instance: name them after the instance's class.
            ownerType = type(owner)
            prefix = (
                ownerType.__qualname__ if ownerType.__module__ == "builtins" else qual(ownerType)
            )
            return f"{prefix}.{getattr(obj, '__name__', name)}"
        return str(name)
    if module == "builtins":
        return str(name)
    return f"{module}.{name}"


def _failed(obj: object, what: str) -> str:
    try:
        className = type(obj).__qualname__
    except Exception:  # pragma: no cover - a class without a name is beyond pathological
        className = "<unknown>"
    return f"<{className} instance at 0x{id(obj):x} with {what} error:\n {traceback.format_exc()}>"


def safe_repr(obj: object) -> str:
    """``repr(obj)``, or a description of the object and the error if ``repr`` raises."""
    try:
        return repr(obj)
    except Exception:
        return _failed(obj, "repr")


def safe_str(obj: object) -> str:
    """``str(obj)`` (bytes decoded as UTF-8 where possible), never raising."""
    if isinstance(obj, bytes):
        try:
            return obj.decode("utf-8")
        except UnicodeDecodeError:
            return repr(obj)
    try:
        return str(obj)
    except Exception:
        return _failed(obj, "str")
