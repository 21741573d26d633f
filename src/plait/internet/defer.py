"""Deferred and friends: results that arrive later (Twisted's ``twisted.internet.defer``).

This module is the public face; the machinery lives in ``_deferred`` (the Deferred
itself), ``_inline`` (driving coroutines and ``inlineCallbacks`` generators) and
``_defer_util`` (combining Deferreds, and Deferred-based lock, semaphore and queue).
"""

from plait.internet._defer_util import (
    FAILURE,
    SUCCESS,
    DeferredList,
    DeferredLock,
    DeferredQueue,
    DeferredSemaphore,
    FailureGroup,
    FirstError,
    QueueOverflow,
    QueueUnderflow,
    gatherResults,
    race,
)
from plait.internet._deferred import (
    AlreadyCalledError,
    CancelledError,
    Deferred,
    NotACoroutineError,
    TimeoutError,
    execute,
    fail,
    getDebugging,
    maybeDeferred,
    passthru,
    setDebugging,
    succeed,
)
from plait.internet._inline import ensureDeferred, inlineCallbacks, returnValue
from plait.python.failure import Failure

__all__ = [
    "FAILURE",
    "SUCCESS",
    "AlreadyCalledError",
    "CancelledError",
    "Deferred",
    "DeferredList",
    "DeferredLock",
    "DeferredQueue",
    "DeferredSemaphore",
    "Failure",
    "FailureGroup",
    "FirstError",
    "NotACoroutineError",
    "QueueOverflow",
    "QueueUnderflow",
    "TimeoutError",
    "ensureDeferred",
    "execute",
    "fail",
    "gatherResults",
    "getDebugging",
    "inlineCallbacks",
    "maybeDeferred",
    "passthru",
    "race",
    "returnValue",
    "setDebugging",
    "succeed",
]
