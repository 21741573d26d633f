"""The reactor: Twisted's reactor API as a facade over one asyncio event loop.

``AsyncioReactor`` drives uvloop when it is installed and the stdlib loop otherwise
(``PLAIT_LOOP=asyncio`` forces the stdlib one). It works two ways:

- ``reactor.run()`` owns the loop: it fires the startup triggers, runs the loop until
  ``stop()`` (or SIGINT/SIGTERM), fires the shutdown triggers and returns;
- inside an asyncio program that runs its own loop (``asyncio.run(main())``): a reactor made
  without a loop adopts the running loop the first time it needs one, so ``listenTCP`` and
  ``callLater`` just work from ``async def main()``; see ``docs/asyncio.md``.

``seconds()`` is wall-clock time (``time.time()``), as in Twisted, because Twisted code uses
it for timestamps; delayed calls are scheduled on the loop's monotonic clock, so a wall-clock
jump never makes a timer fire early or late.
"""

from __future__ import annotations

import asyncio
import builtins
import functools
import logging
import signal
import ssl
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from zope.interface import classImplements, implementer

from plait.internet import error
from plait.internet._delayedcall import DelayedCall
from plait.internet._loops import newEventLoop
from plait.internet._ports import Connector, Port, sslContextOf
from plait.internet._systemevents import SystemEvents
from plait.internet._transport import Transport
from plait.internet.defer import Deferred, DeferredList, succeed
from plait.internet.interfaces import (
    IDelayedCall,
    IReactorCore,
    IReactorSSL,
    IReactorTCP,
    IReactorThreads,
    IReactorTime,
    IReactorUNIX,
)

if TYPE_CHECKING:
    from plait.python.threadpool import ThreadPool

__all__ = ["AsyncioReactor", "install"]

_log = logging.getLogger("plait.internet.reactor")

# _delayedcall sits below the interfaces module; the declaration is made where both meet.
classImplements(DelayedCall, IDelayedCall)


@implementer(IReactorCore, IReactorTime, IReactorTCP, IReactorSSL, IReactorUNIX, IReactorThreads)
class AsyncioReactor:
    """Twisted's reactor over an asyncio event loop.

    ``eventloop`` is the loop to drive; without one, the reactor adopts the loop running
    when it is first used, or makes a new one (uvloop where installed) if none is running.
    """

    def __init__(self, eventloop: asyncio.AbstractEventLoop | None = None):
        self._loop = eventloop
        self.running = False
        self._started = False
        self._stopped = True
        self._startedBefore = False
        self._ownsLoop = False
        self._events = SystemEvents()
        self._delayedCalls: dict[DelayedCall, asyncio.TimerHandle] = {}
        self._ports: set[Port] = set()
        self._transports: set[Transport] = set()
        self._signals: list[signal.Signals] = []
        self._whenStopped: list[Deferred[None]] = []
        self.threadpool: ThreadPool | None = None
        self._threadPoolSize = 10
        self.addSystemEventTrigger("during", "startup", self._reallyStartRunning)
        # Stop accepting first (before user cleanups run); drop connections afterwards.
        self.addSystemEventTrigger("before", "shutdown", self._stopListeningAll)
        self.addSystemEventTrigger("during", "shutdown", self._disconnectAll)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} on {self._loop!r}>"

    # -- the loop

    def _getLoop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is not None and (loop.is_running() or self._started):
            return loop
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or loop.is_closed():
            loop = self._loop = running or newEventLoop()
        elif running is not None and running is not loop:
            # The reactor made its own loop (used before asyncio.run started?) but another
            # loop is the one running: follow it if nothing is scheduled on ours yet,
            # rather than leave work on a loop that will never run.
            if self._delayedCalls or self._ports:
                raise RuntimeError(
                    f"{self!r} already has work on a loop that is not running, while "
                    f"{running!r} runs; see docs/asyncio.md"
                )
            if not loop.is_closed():
                loop.close()
            loop = self._loop = running
        return loop

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The asyncio event loop this reactor drives (a plait addition)."""
        return self._getLoop()

    @property
    def _asyncioEventloop(self) -> asyncio.AbstractEventLoop:
        # The attribute name Twisted's asyncio reactor uses; some libraries reach for it.
        return self._getLoop()

    # -- IReactorTime

    def seconds(self) -> float:
        """The current time: ``time.time()``, as Twisted's reactor gives."""
        return time.time()

    def callLater(self, delay: float, callable: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Call ``callable(*args, **kw)`` after ``delay`` seconds; returns an IDelayedCall."""
        if not builtins.callable(callable):
            raise TypeError(f"{callable!r} is not callable")
        if delay < 0:
            raise ValueError(f"delay must not be negative, got {delay}")
        loop = self._getLoop()
        call = DelayedCall(
            time.time() + delay, callable, args, kw, self._cancelCall, self._moveCall, time.time
        )
        self._delayedCalls[call] = loop.call_at(loop.time() + delay, self._runCall, call)
        return call

    def _runCall(self, call: DelayedCall) -> None:
        if call.delayed_time > 0:
            # The call was pushed back (reset/delay) since it was scheduled: re-arm it.
            call.activate_delay()
            loop = self._getLoop()
            later = max(0.0, call.time - time.time())
            self._delayedCalls[call] = loop.call_at(loop.time() + later, self._runCall, call)
            return
        del self._delayedCalls[call]
        call.called = 1
        try:
            call.func(*call.args, **call.kw)
        except Exception:
            _log.exception("Unhandled error in delayed call %r", call)

    def _cancelCall(self, call: DelayedCall) -> None:
        handle = self._delayedCalls.pop(call, None)
        if handle is not None:
            handle.cancel()

    def _moveCall(self, call: DelayedCall) -> None:
        handle = self._delayedCalls.get(call)
        if handle is None:
            return
        handle.cancel()
        loop = self._getLoop()
        sooner = max(0.0, call.time - time.time())
        self._delayedCalls[call] = loop.call_at(loop.time() + sooner, self._runCall, call)

    def getDelayedCalls(self) -> list[Any]:
        """Every delayed call that is scheduled and has not run yet."""
        return list(self._delayedCalls)

    # -- IReactorCore

    def callWhenRunning(self, callable: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Call now if running (returning None), else at startup (returning a trigger id)."""
        if self.running:
            callable(*args, **kw)
            return None
        return self.addSystemEventTrigger("after", "startup", callable, *args, **kw)

    def addSystemEventTrigger(
        self, phase: str, eventType: str, callable: Callable[..., Any], *args: Any, **kw: Any
    ) -> Any:
        """Call ``callable`` in ``phase`` (before/during/after) of ``eventType``."""
        return self._events.add(phase, eventType, callable, args, kw)

    def removeSystemEventTrigger(self, triggerID: Any) -> None:
        """Remove a trigger added with addSystemEventTrigger."""
        self._events.remove(triggerID)

    def fireSystemEvent(self, eventType: str) -> None:
        """Fire ``eventType``'s before, during and after triggers."""
        self._events.fire(eventType)

    def startRunning(self, installSignalHandlers: bool = False) -> None:
        """Mark the reactor started and fire the startup triggers on the loop.

        ``run()`` calls this; call it yourself from ``async def main()`` when the
        application's asyncio loop is already running and you want the startup triggers
        (``callWhenRunning``) to fire and ``stop()`` to run the shutdown triggers.
        """
        if self._started:
            raise error.ReactorAlreadyRunning()
        if self._startedBefore:
            raise error.ReactorNotRestartable()
        loop = self._getLoop()
        self._started = True
        self._stopped = False
        if installSignalHandlers:
            self._installSignalHandlers(loop)
        loop.call_soon(self.fireSystemEvent, "startup")

    def _reallyStartRunning(self) -> None:
        self.running = True

    def run(self, installSignalHandlers: bool = True) -> None:
        """Fire the startup triggers and run the loop until ``stop()`` has shut down."""
        loop = self._getLoop()
        if loop.is_running():
            raise error.ReactorAlreadyRunning(
                "the event loop is already running; call startRunning() instead of run()"
            )
        self.startRunning(installSignalHandlers=installSignalHandlers)
        self._ownsLoop = True
        try:
            loop.run_forever()
        finally:
            self._ownsLoop = False
            self._removeSignalHandlers(loop)

    def stop(self) -> None:
        """Fire the shutdown triggers, then stop the loop if ``run()`` owns it."""
        if self._stopped:
            raise error.ReactorNotRunning("Can't stop reactor that isn't running.")
        self._stopped = True
        self._startedBefore = True
        self._getLoop().call_soon(self._shutdown)

    def _shutdown(self) -> None:
        d = self._events.fire("shutdown")
        d.addBoth(self._finishShutdown)

    def _finishShutdown(self, ignored: object) -> None:
        self.running = False
        self._started = False
        loop = self._getLoop()
        self._removeSignalHandlers(loop)
        if self._ownsLoop:
            # One more iteration lets transports closed at shutdown deliver connectionLost.
            loop.call_soon(loop.stop)
        waiting, self._whenStopped = self._whenStopped, []
        for d in waiting:
            d.callback(None)

    def whenStopped(self) -> Deferred[None]:
        """A Deferred fired once ``stop()`` has run every shutdown trigger (plait addition)."""
        if not self._started and self._startedBefore:
            return succeed(None)
        d: Deferred[None] = Deferred()
        self._whenStopped.append(d)
        return d

    def crash(self) -> None:
        """Stop the loop now, without running the shutdown triggers."""
        self.running = False
        self._started = False
        self._stopped = True
        self._startedBefore = True
        if self._ownsLoop:
            self._getLoop().stop()

    def iterate(self, delay: float = 0) -> None:
        """Run the loop for one iteration (or about ``delay`` seconds); it must not be running."""
        loop = self._getLoop()
        if delay:
            loop.call_later(delay, loop.stop)
        else:
            loop.call_soon(loop.stop)
        loop.run_forever()

    def resolve(self, name: str, timeout: Any = None) -> Deferred[str]:
        """Resolve a host name to its first IP address."""
        loop = self._getLoop()

        async def lookup() -> str:
            try:
                infos = await loop.getaddrinfo(name, None, type=1)
            except OSError as e:
                raise error.DNSLookupError(name, str(e)) from e
            return str(infos[0][4][0])

        return Deferred.fromFuture(asyncio.ensure_future(lookup(), loop=loop))

    def _stopListeningAll(self) -> DeferredList | None:
        stopping = [port.stopListening() for port in list(self._ports)]
        return DeferredList(stopping, consumeErrors=True) if stopping else None

    def _disconnectAll(self) -> None:
        for transport in list(self._transports):
            transport._loseForShutdown()

    # -- signals

    def _installSignalHandlers(self, loop: asyncio.AbstractEventLoop) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._onSignal, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue
            self._signals.append(sig)

    def _removeSignalHandlers(self, loop: asyncio.AbstractEventLoop) -> None:
        signals, self._signals = self._signals, []
        for sig in signals:
            if not loop.is_closed():
                loop.remove_signal_handler(sig)

    def _onSignal(self, sig: signal.Signals) -> None:
        _log.info("Received %s, shutting down.", sig.name)
        if not self._stopped:
            self.stop()

    # -- IReactorTCP, IReactorSSL, IReactorUNIX

    def _listen(self, port: Port) -> Port:
        port.startListening()
        self._ports.add(port)
        return port

    def _forget(self, port: Port) -> None:
        self._ports.discard(port)

    def listenTCP(self, port: int, factory: Any, backlog: int = 50, interface: str = "") -> Port:
        """Listen for TCP connections; a port in use raises CannotListenError now."""
        return self._listen(Port(self, port, factory, backlog, interface))

    def listenSSL(
        self,
        port: int,
        factory: Any,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> Port:
        """Listen for TLS connections; ``contextFactory`` is an SSLContext or has getContext()."""
        context = sslContextOf(contextFactory)
        return self._listen(Port(self, port, factory, backlog, interface, sslContext=context))

    def listenUNIX(
        self,
        address: str,
        factory: Any,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
    ) -> Port:
        """Listen on a UNIX socket path, with file mode ``mode``."""
        return self._listen(Port(self, address, factory, backlog, mode=mode, wantPID=wantPID))

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Connector:
        """Connect to a TCP server; the factory hears how it went."""
        connector = Connector(self, host, port, factory, timeout, bindAddress)
        connector.connect()
        return connector

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: Any,
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Connector:
        """Connect to a TLS server.

        *contextFactory* may be an ``ssl.SSLContext`` or an object with ``getContext()``;
        one that also has ``getClientContext()`` (``CertificateOptions``) gives its client
        side, and one with a ``hostname`` (``optionsForClientTLS``) names the server for SNI
        and certificate checks instead of *host*.
        """
        getClientContext = getattr(contextFactory, "getClientContext", None)
        context = getClientContext() if getClientContext is not None else None
        if not isinstance(context, ssl.SSLContext):
            context = sslContextOf(contextFactory)
        hostname = getattr(contextFactory, "hostname", None)
        connector = Connector(
            self,
            host,
            port,
            factory,
            timeout,
            bindAddress,
            sslContext=context,
            serverHostname=hostname if isinstance(hostname, str) else None,
        )
        connector.connect()
        return connector

    def connectUNIX(
        self, address: str, factory: Any, timeout: float = 30, checkPID: bool = False
    ) -> Connector:
        """Connect to a UNIX socket path."""
        connector = Connector(self, "", 0, factory, timeout, unixPath=address)
        connector.connect()
        return connector

    # -- IReactorThreads

    def callFromThread(self, callable: Callable[..., Any], *args: Any, **kw: Any) -> None:
        """Run ``callable`` in the reactor's thread soon; safe to call from any thread."""
        if kw:
            self._getLoop().call_soon_threadsafe(functools.partial(callable, *args, **kw))
        else:
            self._getLoop().call_soon_threadsafe(callable, *args)

    def getThreadPool(self) -> ThreadPool:
        """The reactor's thread pool (0 to 10 threads), started on first use."""
        if self.threadpool is None:
            from plait.python.threadpool import ThreadPool

            pool = ThreadPool(0, self._threadPoolSize, "PoolThread-plait.internet.reactor")
            pool.start()
            self.threadpool = pool
            self._poolTrigger = self.addSystemEventTrigger(
                "during", "shutdown", self._stopThreadPool
            )
        return self.threadpool

    def _stopThreadPool(self) -> None:
        pool, self.threadpool = self.threadpool, None
        if pool is not None:
            pool.stop()

    def callInThread(self, callable: Callable[..., Any], *args: Any, **kw: Any) -> None:
        """Run ``callable`` in a thread of the reactor's pool."""
        self.getThreadPool().callInThread(callable, *args, **kw)

    def suggestThreadPoolSize(self, size: int) -> None:
        """Set the maximum size of the reactor's thread pool."""
        self._threadPoolSize = size
        if self.threadpool is not None:
            self.threadpool.adjustPoolsize(maxthreads=size)


def install(eventloop: asyncio.AbstractEventLoop | None = None) -> AsyncioReactor:
    """Make an AsyncioReactor the process's reactor (``from plait.internet import reactor``)."""
    name = "plait.internet.reactor"
    if name in sys.modules:
        raise error.ReactorAlreadyInstalledError("reactor already installed")
    reactor = AsyncioReactor(eventloop)
    sys.modules[name] = reactor  # type: ignore[assignment]
    import plait.internet

    plait.internet.reactor = reactor  # type: ignore[attr-defined]
    return reactor
