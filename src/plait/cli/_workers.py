"""The supervisor behind ``--workers N`` and ``--reload``.

The supervisor binds the listening sockets (`_listeners`), then starts workers: the same
``plait web`` command line run again as ``python -m plait``, told through its environment
which sockets to serve and where to report that it is ready. It starts one worker first and
the rest once that one is ready, so a broken site is reported once, not N times.

Afterwards it waits: a worker that exits unexpectedly is replaced (after a second's pause if
it never got ready, so a crashing site does not spin); SIGTERM or SIGINT is passed on to
every worker, which finishes its requests in flight and exits, and workers still running
``--shutdown-timeout`` + 5 seconds later are killed; SIGHUP (or a changed source file under
``--reload``) starts a new generation of workers and retires the old one only once a new
worker is ready, so a change that breaks the site leaves the previous code serving.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from plait.cli._listeners import BoundListener, ListenError, bindListeners, urlFor
from plait.cli._options import WebOptions
from plait.cli._reload import SourceWatcher
from plait.cli._serve import WORKER_ENV, ServeError
from plait.internet.address import fromSockname

__all__ = ["Supervisor", "supervise"]

# A worker that never became ready is started again only after this pause.
_RETRY_PAUSE = 1.0
# Workers still alive this long after the shutdown timeout are killed.
_KILL_GRACE = 5.0
# How often --reload looks at the source files.
_RELOAD_INTERVAL = 0.5


@dataclass
class _Worker:
    proc: subprocess.Popen[bytes]
    generation: int
    ready: bool = False
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.proc.pid


def _describeExit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Supervisor:
    """Starts, watches, replaces and stops the worker processes of one ``plait web``."""

    def __init__(
        self,
        options: WebOptions,
        listeners: list[BoundListener],
        out: IO[str] | None = None,
        err: IO[str] | None = None,
    ) -> None:
        self.options = options
        self.listeners = listeners
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.workers: list[_Worker] = []
        self.generation = 0
        self.everReady = False
        self.stopping = False
        self.exitCode = 0
        self._killAt: float | None = None
        self._retryAt = 0.0
        self._waitingForChange = False
        self._signals: list[int] = []
        self._readyBuffer = b""
        self._watcher: SourceWatcher | None = None
        if options.reload:
            self._watcher = SourceWatcher(options.reloadDirs or [os.getcwd()])
        self._nextScan = time.monotonic() + _RELOAD_INTERVAL

    # -- output

    def _say(self, text: str) -> None:
        print(f"plait web: {text}", file=self.out, flush=True)

    def _complain(self, text: str) -> None:
        print(f"plait web: {text}", file=self.err, flush=True)

    # -- workers

    def _current(self) -> list[_Worker]:
        return [w for w in self.workers if w.generation == self.generation]

    def _spawn(self) -> None:
        settings = {
            "listeners": [
                [p.description, p.fd, p.family, p.host, p.port]
                for p in (listener.plan for listener in self.listeners)
            ],
            "ready": self._readyW,
            "parent": os.getpid(),
        }
        env = dict(os.environ)
        env[WORKER_ENV] = json.dumps(settings)
        fds = [self._readyW, *(p.plan.fd for p in self.listeners if p.plan.fd is not None)]
        command = [sys.executable, "-m", "plait", "web", *self.options.argv]
        proc = subprocess.Popen(command, env=env, pass_fds=fds)
        self.workers.append(_Worker(proc, self.generation))

    def _startMissing(self, now: float) -> None:
        if self.stopping or self._waitingForChange or now < self._retryAt:
            return
        current = self._current()
        missing = self.options.workers - len(current)
        if missing <= 0:
            return
        if not any(w.ready for w in current):
            # Probe with one worker: a site that cannot start is reported once.
            if current:
                return
            missing = 1
        for _ in range(missing):
            self._spawn()

    def _onReady(self, pid: int) -> None:
        for worker in self.workers:
            if worker.pid == pid:
                worker.ready = True
                break
        else:
            return
        self._say(f"worker {pid} ready")
        if worker.generation == self.generation:
            for old in self.workers:
                if old.generation < self.generation:
                    self._signal(old, signal.SIGTERM)
        current = self._current()
        if len(current) == self.options.workers and all(w.ready for w in current):
            if not self.everReady:
                self.everReady = True
                self._announce()
            elif self.generation > 0 and worker.generation == self.generation:
                pids = ", ".join(str(w.pid) for w in current)
                self._say(f"serving with workers {pids}")

    def _announce(self) -> None:
        for listener in self.listeners:
            plan = listener.plan
            secure = plan.description.startswith("ssl:")
            if listener.unixPath is not None:
                where = f"unix:{listener.unixPath}"
            else:
                where = urlFor(fromSockname(listener.sock.getsockname()), secure)
            self._say(f"listening on {where}")
        pids = ", ".join(str(w.pid) for w in self._current())
        self._say(
            f"serving with {self.options.workers} worker(s) (pids {pids}); "
            f"supervisor pid {os.getpid()}; Ctrl-C stops"
        )

    def _onExit(self, worker: _Worker, code: int) -> None:
        self.workers.remove(worker)
        if self.stopping or worker.generation < self.generation:
            return
        how = _describeExit(code)
        if worker.ready:
            self._complain(f"worker {worker.pid} stopped ({how}); starting another")
            return
        if not self.everReady:
            if code != 2:  # 2: the worker already said what is wrong with the options
                self._complain(f"the site did not start ({how})")
            self.exitCode = 2 if code == 2 else 1
            self._beginStop()
        elif self.options.reload:
            self._complain(f"the changed code does not start ({how}); waiting for a change")
            self._waitingForChange = True
        else:
            self._complain(f"worker {worker.pid} failed to start ({how}); retrying")
            self._retryAt = time.monotonic() + _RETRY_PAUSE

    def _signal(self, worker: _Worker, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, sig)

    def _restart(self, why: str) -> None:
        self._say(f"{why}; starting new workers")
        self.generation += 1
        self._waitingForChange = False
        self._retryAt = 0.0

    def _beginStop(self) -> None:
        if self.stopping:
            for worker in self.workers:
                self._signal(worker, signal.SIGKILL)
            return
        self.stopping = True
        self._killAt = time.monotonic() + self.options.shutdownTimeout + _KILL_GRACE
        # Our copies of the sockets must go too, or the kernel would keep queueing
        # connections that no worker will accept once the workers have closed theirs.
        for listener in self.listeners:
            listener.close()
        for worker in self.workers:
            self._signal(worker, signal.SIGTERM)

    # -- the loop

    def _onSignal(self, signum: int, frame: Any) -> None:
        self._signals.append(signum)

    def _timeout(self, now: float) -> float | None:
        moments: list[float] = []
        if self._watcher is not None and not self.stopping:
            moments.append(self._nextScan)
        if self._retryAt > now:
            moments.append(self._retryAt)
        if self._killAt is not None:
            moments.append(self._killAt)
        # Children are reaped on SIGCHLD; the periodic look is a safety net only.
        moments.append(now + 1.0)
        return max(0.0, min(moments) - now)

    def _readReady(self) -> None:
        try:
            data = os.read(self._readyR, 4096)
        except BlockingIOError:
            return
        self._readyBuffer += data
        *lines, self._readyBuffer = self._readyBuffer.split(b"\n")
        for line in lines:
            if line.strip().isdigit():
                self._onReady(int(line))

    def run(self) -> int:
        """Supervise until stopped; the exit status."""
        self._readyR, self._readyW = os.pipe()
        wakeR, wakeW = os.pipe()
        os.set_blocking(wakeW, False)
        os.set_blocking(wakeR, False)
        os.set_blocking(self._readyR, False)
        handled = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD)
        previous: dict[int, Callable[..., Any] | int | None] = {}
        oldWakeup = signal.set_wakeup_fd(wakeW)
        try:
            for sig in handled:
                previous[sig] = signal.signal(sig, self._onSignal)
            self._loop(wakeR)
        finally:
            signal.set_wakeup_fd(oldWakeup)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            for fd in (wakeR, wakeW, self._readyR, self._readyW):
                os.close(fd)
        return self.exitCode

    def _loop(self, wakeR: int) -> None:
        while True:
            now = time.monotonic()
            self._startMissing(now)
            readable, _, _ = select.select([self._readyR, wakeR], [], [], self._timeout(now))
            if wakeR in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(wakeR, 1024)
            if self._readyR in readable:
                self._readReady()
            signals, self._signals = self._signals, []
            for sig in signals:
                if sig in (signal.SIGTERM, signal.SIGINT):
                    if not self.stopping:
                        self._say(f"received {signal.Signals(sig).name}; stopping the workers")
                    self._beginStop()
                elif sig == signal.SIGHUP and not self.stopping:
                    self._restart("received SIGHUP")
            for worker in list(self.workers):
                code = worker.proc.poll()
                if code is not None:
                    self._onExit(worker, code)
            now = time.monotonic()
            if self.stopping:
                if not self.workers:
                    return
                if self._killAt is not None and now >= self._killAt:
                    self._complain("workers still busy after the shutdown timeout; killing them")
                    for worker in self.workers:
                        self._signal(worker, signal.SIGKILL)
                    self._killAt = None
                continue
            if self._watcher is not None and now >= self._nextScan:
                self._nextScan = now + _RELOAD_INTERVAL
                changed = self._watcher.changed()
                if changed:
                    shown = ", ".join(os.path.relpath(p) for p in changed[:3])
                    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
                    self._restart(f"changed: {shown}{more}")


def supervise(options: WebOptions) -> int:
    """Bind the sockets, run the workers until stopped; the exit status."""
    try:
        listeners = bindListeners(options.listen, options.reusePort)
    except ListenError as e:
        raise ServeError(str(e), code=2 if e.usage else 1) from None
    try:
        return Supervisor(options, listeners).run()
    finally:
        for listener in listeners:
            listener.close()
