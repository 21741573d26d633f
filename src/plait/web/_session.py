"""Server-side sessions (Twisted's ``server.Session``): an id, a timeout, components."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from plait.python.components import Componentized

__all__ = ["Session"]

_log = logging.getLogger("plait.web.server")


class Session(Componentized):
    """A user's session: lives in ``site.sessions`` until it expires or is expired.

    ``sessionTimeout`` seconds without `touch` expire it; `notifyOnExpire` callbacks run
    then. Adapters registered with ``plait.python.components.registerAdapter`` give
    per-session state through `getComponent`.
    """

    sessionTimeout: float = 900
    _expireCall: Any = None

    def __init__(self, site: Any, uid: bytes, reactor: Any = None) -> None:
        super().__init__()
        if reactor is None:
            reactor = getattr(site, "_reactor", None)
        if reactor is None:
            from plait.internet import reactor as globalReactor

            reactor = globalReactor
        self._reactor = reactor
        self.site = site
        self.uid = uid
        self.expireCallbacks: list[Callable[[], object]] = []
        self.sessionNamespaces: dict[str, Any] = {}
        self.lastModified = reactor.seconds()

    def startCheckingExpiration(self) -> None:
        """Start the expiry timer (`Site.makeSession` does this)."""
        self._expireCall = self._reactor.callLater(self.sessionTimeout, self.expire)

    def notifyOnExpire(self, callback: Callable[[], object]) -> None:
        """Call *callback* (with no arguments) when the session expires."""
        self.expireCallbacks.append(callback)

    def expire(self) -> None:
        """End the session now: forget it and run the expiry callbacks."""
        sessions = getattr(self.site, "sessions", None)
        if sessions is not None:
            sessions.pop(self.uid, None)
        callbacks, self.expireCallbacks = self.expireCallbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                _log.exception("session expiry callback %r failed", callback)
        call, self._expireCall = self._expireCall, None
        if call is not None and call.active():
            call.cancel()

    def touch(self) -> None:
        """Mark the session used now, pushing its expiry back."""
        self.lastModified = self._reactor.seconds()
        call = self._expireCall
        if call is not None and call.active():
            call.reset(self.sessionTimeout)
