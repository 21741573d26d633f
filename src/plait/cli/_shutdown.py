"""Graceful shutdown: stop taking requests, let those in flight finish, then close.

`drainOnShutdown` adds a "before shutdown" trigger to the reactor. The reactor's own
"before" trigger has already stopped every listening port when it runs (it was added when
the reactor was made), so no new connection arrives; this trigger tells every open HTTP
channel to take no further request (idle keep-alive connections close at once), then waits
until the channels have closed or the timeout has passed, and aborts what is left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from plait.internet.defer import Deferred

__all__ = ["drainChannels", "drainOnShutdown"]

_log = logging.getLogger("plait.cli")

# How often the open channels are counted while draining. Each check is a set union over
# a few factories, so a short interval costs nothing and keeps the exit prompt.
_CHECK_INTERVAL = 0.05


def _openChannels(factories: Iterable[Any]) -> set[Any]:
    channels: set[Any] = set()
    for factory in factories:
        channels.update(getattr(factory, "openChannels", ()))
    return channels


def drainChannels(reactor: Any, factories: list[Any], timeout: float) -> Deferred[None]:
    """Drain the channels of *factories*; fires once all are closed or *timeout* passed."""
    done: Deferred[None] = Deferred()
    drained: set[Any] = set()
    deadline = reactor.seconds() + timeout

    def drainNew(channels: set[Any]) -> None:
        for channel in channels - drained:
            drained.add(channel)
            drain = getattr(channel, "drain", None)
            if drain is not None:
                drain()
            else:
                channel.loseConnection()

    def check() -> None:
        channels = _openChannels(factories)
        drainNew(channels)  # connections accepted just before the ports closed
        channels = _openChannels(factories)
        if not channels:
            done.callback(None)
            return
        if reactor.seconds() >= deadline:
            _log.warning(
                "aborting %d connection(s) still busy after the %g s shutdown timeout",
                len(channels),
                timeout,
            )
            for channel in channels:
                transport = getattr(channel, "transport", None)
                if transport is not None:
                    transport.abort()
            done.callback(None)
            return
        reactor.callLater(_CHECK_INTERVAL, check)

    _log.info(
        "shutting down: %d open connection(s); requests in flight may take up to %g s",
        len(_openChannels(factories)),
        timeout,
    )
    check()
    return done


def drainOnShutdown(reactor: Any, factories: list[Any], timeout: float) -> Any:
    """Add the graceful-shutdown trigger to *reactor*; returns the trigger id."""
    return reactor.addSystemEventTrigger(
        "before", "shutdown", drainChannels, reactor, factories, timeout
    )
