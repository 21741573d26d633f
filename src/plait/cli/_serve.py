"""Serve the site in this process: alone, or as one worker of a supervisor.

Alone, each ``--listen`` description becomes an endpoint from `serverFromString`. As a worker
(the supervisor sets ``PLAIT_WORKER`` in its environment), the listening sockets were bound by
the supervisor and this process adopts them, tells the supervisor it is ready through a pipe,
and stops if the supervisor disappears. Either way SIGTERM/SIGINT shut down gracefully.
"""

from __future__ import annotations

import json
import os
from typing import Any

from plait.cli._listeners import ListenerPlan, adoptListener, urlFor
from plait.cli._options import WebOptions
from plait.cli._shutdown import drainOnShutdown

__all__ = ["WORKER_ENV", "ServeError", "serve", "workerSettings"]

WORKER_ENV = "PLAIT_WORKER"
"""Set by the supervisor for its workers: JSON with the listener plans and the ready pipe."""


class ServeError(Exception):
    """The server cannot start; ``code`` is the exit status, the message one line."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _endpoint(reactor: Any, description: str) -> Any:
    from plait.internet.endpoints import serverFromString

    try:
        return serverFromString(reactor, description)
    except ValueError as e:
        raise ServeError(f"--listen {description}: {e}", code=2) from None


def _listen(endpoint: Any, description: str, site: Any) -> Any:
    from plait.internet.error import CannotListenError

    result: list[Any] = []
    endpoint.listen(site).addBoth(result.append)
    outcome = result[0] if result else None
    failure = getattr(outcome, "value", None)
    if isinstance(failure, CannotListenError):
        reason = failure.socketError
        text = getattr(reason, "strerror", None) or str(reason)
        raise ServeError(f"cannot listen on {description}: {text}")
    if isinstance(failure, BaseException):
        raise ServeError(f"cannot listen on {description}: {failure}")
    return outcome


def _watchParent(reactor: Any, parent: int) -> None:
    from plait.internet.task import LoopingCall

    def check() -> None:
        # Reparented: the supervisor died without stopping us; do not serve unsupervised.
        if os.getppid() != parent and reactor.running:
            reactor.stop()

    LoopingCall(check).start(1.0, now=False)


def serve(options: WebOptions, worker: dict[str, Any] | None = None) -> int:
    """Build the site, listen, run the reactor until SIGTERM/SIGINT; the exit status."""
    from plait.internet import reactor
    from plait.web.tap import makeSite

    site = makeSite(options)
    ports: list[tuple[Any, bool]] = []
    if worker is None:
        endpoints = [_endpoint(reactor, description) for description in options.listen]
        try:
            for description, endpoint in zip(options.listen, endpoints, strict=True):
                port = _listen(endpoint, description, site)
                ports.append((port, description.startswith("ssl:")))
        except ServeError:
            for port, _ in ports:
                port.stopListening()
            reactor.iterate()  # let the ports that did start close their sockets
            raise
    else:
        for raw in worker["listeners"]:
            plan = ListenerPlan(*raw)
            try:
                port = adoptListener(reactor, plan, site)
            except (OSError, ValueError) as e:
                raise ServeError(f"cannot listen on {plan.description}: {e}") from None
            ports.append((port, plan.description.startswith("ssl:")))

    drainOnShutdown(reactor, [site], options.shutdownTimeout)
    if worker is None:

        def announce() -> None:
            # Said once the reactor runs, so its SIGTERM/SIGINT handlers are in place.
            for port, secure in ports:
                print(f"plait web: listening on {urlFor(port.getHost(), secure)}", flush=True)
            pid = os.getpid()
            print(f"plait web: serving {_what(options)} (pid {pid}); Ctrl-C stops", flush=True)

        reactor.callWhenRunning(announce)
    else:
        readyFd = int(worker["ready"])
        parent = int(worker["parent"])

        def ready() -> None:
            os.write(readyFd, f"{os.getpid()}\n".encode("ascii"))
            os.close(readyFd)

        reactor.callWhenRunning(ready)
        reactor.callWhenRunning(_watchParent, reactor, parent)
    reactor.run()
    return 0


def _what(options: WebOptions) -> str:
    if options.path is not None:
        return f"the files in {os.path.abspath(options.path)}"
    if options.className is not None:
        return f"{options.className}()"
    if options.resourceScript is not None:
        return f"the script {options.resourceScript}"
    return "the default page"


def workerSettings() -> dict[str, Any] | None:
    """The supervisor's settings for this worker, if this process is one."""
    text = os.environ.get(WORKER_ENV)
    if not text:
        return None
    settings: dict[str, Any] = json.loads(text)
    # Our own children (a --class that runs subprocesses) are not workers.
    del os.environ[WORKER_ENV]
    return settings
