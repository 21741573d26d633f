"""Deferred and friends: results that arrive later (Twisted's ``twisted.internet.defer``).

The machinery lives in private modules; this module is the public face and holds the small
helpers that turn a plain call into a Deferred.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CoroutineType
from typing import Any, ParamSpec, TypeVar

from plait.internet._deferred import (
    AlreadyCalledError,
    CancelledError,
    Deferred,
    NotACoroutineError,
    TimeoutError,
    fail,
    passthru,
    succeed,
)
from plait.internet._inline import ensureDeferred, inlineCallbacks, returnValue
from plait.python.failure import Failure

__all__ = [
    "AlreadyCalledError",
    "CancelledError",
    "Deferred",
    "NotACoroutineError",
    "TimeoutError",
    "ensureDeferred",
    "execute",
    "fail",
    "inlineCallbacks",
    "maybeDeferred",
    "passthru",
    "returnValue",
    "succeed",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")


def maybeDeferred(f: Callable[_P, Any], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[Any]:
    """Call *f* and return its result as a Deferred, whatever it returned or raised.

    A Deferred is returned as is, a Failure or exception becomes a failed Deferred, a
    coroutine is driven with :meth:`Deferred.fromCoroutine`, an asyncio future is adapted
    with :meth:`Deferred.fromFuture`, anything else becomes a fired Deferred.
    """
    try:
        result = f(*args, **kwargs)
    except BaseException:
        return fail(Failure())
    if isinstance(result, Deferred):
        return result
    if isinstance(result, Failure):
        return fail(result)
    if isinstance(result, CoroutineType):
        return Deferred.fromCoroutine(result)
    if getattr(result, "_asyncio_future_blocking", None) is not None:
        return Deferred.fromFuture(result)
    return succeed(result)


def execute(callable: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]:
    """Call *callable* now and return a Deferred of its result or of the exception it raised."""
    try:
        result = callable(*args, **kwargs)
    except BaseException:
        return fail()
    return succeed(result)
