"""Choosing the event loop: uvloop when it is installed, the stdlib loop otherwise.

``PLAIT_LOOP=asyncio`` in the environment forces the stdlib loop (to compare behaviour or
to debug); ``PLAIT_LOOP=uvloop`` insists on uvloop and fails if it is missing.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

__all__ = ["loopFactory", "loopName", "newEventLoop"]


def loopFactory() -> Callable[[], asyncio.AbstractEventLoop]:
    """The callable making new event loops, per ``PLAIT_LOOP`` and the installed packages."""
    choice = os.environ.get("PLAIT_LOOP", "").strip().lower()
    if choice in ("asyncio", "stdlib"):
        return asyncio.new_event_loop
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def newEventLoop() -> asyncio.AbstractEventLoop:
    """A new, not yet running, event loop of the chosen kind."""
    return loopFactory()()


def loopName(loop: asyncio.AbstractEventLoop) -> str:
    """``"uvloop"`` or ``"asyncio"``: which implementation ``loop`` is."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
