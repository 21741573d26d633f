"""Run the real ``plait web`` command as a subprocess and read what it says.

``plaitWeb(*args, cwd=...)`` starts ``python -m plait web ARGS`` and returns a `Running`
whose ``expect(pattern)`` waits (bounded) for a line on stdout or stderr; ``start`` also waits
for the "listening on" line and returns the URL. Every process is stopped by its PID after
the test (SIGTERM, then SIGKILL), workers included.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

# A module the tests serve with --class / --processor; written into each test's folder.
SITE_MODULE = '''
import os
import sys
import time

from plait.internet import reactor
from plait.web.resource import Resource
from plait.web.server import NOT_DONE_YET


class Pid(Resource):
    isLeaf = True

    def render_GET(self, request):
        if request.args.get(b"block"):
            # Keep this worker's loop busy so other connections must go to another worker.
            print(f"blocking {os.getpid()}", flush=True)
            time.sleep(float(request.args[b"block"][0]))
        return str(os.getpid()).encode()


class Slow(Resource):
    """Answers after about a second; says on stdout when a request arrives."""

    isLeaf = True

    def render_GET(self, request):
        print("slow request started", flush=True)

        def finish():
            request.write(b"slow done")
            request.finish()

        reactor.callLater(float(request.args.get(b"after", [b"1"])[0]), finish)
        return NOT_DONE_YET


class Hang(Resource):
    """Never answers."""

    isLeaf = True

    def render_GET(self, request):
        print("hanging request started", flush=True)
        return NOT_DONE_YET


class Boom(Resource):
    isLeaf = True

    def render_GET(self, request):
        raise ZeroDivisionError("boom in a test resource")


class Upper(Resource):
    """A --processor: serves the file it was made for in upper case."""

    isLeaf = True

    def __init__(self, path, registry):
        super().__init__()
        self.path = path

    def render_GET(self, request):
        with open(self.path, "rb") as f:
            return f.read().upper()
'''


class Running:
    """A started ``plait web`` process and the lines it printed."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        self.url = ""
        self.readers = [
            threading.Thread(target=self._read, args=(name, stream), daemon=True)
            for name, stream in (("out", proc.stdout), ("err", proc.stderr))
        ]
        for reader in self.readers:
            reader.start()

    def _read(self, name: str, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.put((name, line.rstrip("\n")))
        self.lines.put((name, ""))  # end of stream marker

    def expect(
        self, pattern: str, timeout: float = 20.0, stream: str | None = None
    ) -> re.Match[str]:
        """Wait for a line matching *pattern* (on *stream*: "out"/"err", or either)."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line matching {pattern!r}; saw {self.seen!r}")
            try:
                name, line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append((name, line))
            if stream is not None and name != stream:
                continue
            match = regex.search(line)
            if match:
                return match

    def wait(self, timeout: float = 20.0) -> int:
        """Wait for the process to exit; its exit status."""
        return self.proc.wait(timeout)

    def output(self) -> list[tuple[str, str]]:
        """Every line seen so far plus whatever is queued."""
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return [entry for entry in self.seen if entry[1]]


def _childrenOf(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def stopProcess(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM *proc* (and, if it does not exit, SIGKILL it and its children) by PID."""
    children = _childrenOf(proc.pid)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


@dataclass
class PlaitWeb:
    """Starts ``plait web`` processes for one test."""

    folder: Path
    started: list[Running] = field(default_factory=list)

    def run(
        self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> Running:
        """Start ``python -m plait web ARGS`` (in the test's folder by default)."""
        environment = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
        environment.pop("PLAIT_WORKER", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "plait", "web", *args],
            cwd=cwd or self.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        running = Running(proc)
        self.started.append(running)
        return running

    def start(self, *args: str, **kw: Any) -> Running:
        """`run`, then wait for the first "listening on" line; ``url`` is its address."""
        if not any(a.startswith(("--listen", "--https")) for a in args):
            args = ("--listen", "tcp:0:interface=127.0.0.1", *args)
        running = self.run(*args, **kw)
        match = running.expect(r"listening on (\S+)")
        running.url = match.group(1).rstrip("/")
        return running

    def stopAll(self) -> None:
        for running in self.started:
            stopProcess(running.proc)
            for reader in running.readers:
                reader.join(10)  # EOF once the process and its workers are gone
            if not any(reader.is_alive() for reader in running.readers):
                for stream in (running.proc.stdout, running.proc.stderr):
                    if stream is not None:
                        stream.close()


@pytest.fixture
def plaitWeb(tmp_path: Path) -> Iterator[PlaitWeb]:
    """Run ``plait web`` in *tmp_path*, where ``testsite.py`` holds the test resources."""
    (tmp_path / "testsite.py").write_text(SITE_MODULE)
    runner = PlaitWeb(tmp_path)
    try:
        yield runner
    finally:
        runner.stopAll()


Start = Callable[..., Running]
