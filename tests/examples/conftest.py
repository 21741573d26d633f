"""Start an example from examples/ as a real process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _freePort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _waitForPort(port: int, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"example exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"example did not listen on {port} within {timeout}s")


@pytest.fixture
def runExample(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start ``examples/<name>.py PORT``; return its base URL. Stopped after the test."""
    procs: list[subprocess.Popen[bytes]] = []
    files: list[Any] = []

    def start(name: str, *, env: dict[str, str] | None = None) -> str:
        port = _freePort()
        environment = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
        out = open(tmp_path / f"{name}.out", "wb")  # noqa: SIM115 -- closed after the test
        err = open(tmp_path / f"{name}.err", "wb")  # noqa: SIM115
        files.extend((out, err))
        proc = subprocess.Popen(
            [sys.executable, str(EXAMPLES / f"{name}.py"), str(port)],
            stdout=out,
            stderr=err,
            env=environment,
        )
        procs.append(proc)
        _waitForPort(port, proc)
        return f"http://127.0.0.1:{port}"

    yield start
    for proc in procs:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
    for f in files:
        f.close()
