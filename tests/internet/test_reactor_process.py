"""The process's reactor: importing plait.internet.reactor, PLAIT_LOOP, and signals.

Each test runs a small program in a subprocess, so the global reactor of the test process
is never touched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest


def runScript(script: str, env: dict[str, str] | None = None) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(("choice", "expected"), [("", "uvloop"), ("asyncio", "asyncio")])
def test_import_installs_the_reactor(choice: str, expected: str) -> None:
    out = runScript(
        """
        import sys
        import plait.internet
        assert not hasattr(plait.internet, "reactor")
        from plait.internet import reactor
        from plait.internet.asyncioreactor import AsyncioReactor, install
        from plait.internet._loops import loopName
        from plait.internet.error import ReactorAlreadyInstalledError
        import plait.internet.reactor as again
        print(type(reactor).__name__, again is reactor,
              sys.modules["plait.internet.reactor"] is reactor, loopName(reactor.loop))
        try:
            install()
        except ReactorAlreadyInstalledError:
            print("refused")
        """,
        {"PLAIT_LOOP": choice},
    )
    assert out == ["AsyncioReactor", "True", "True", expected, "refused"]


def test_install_before_import_uses_the_given_loop() -> None:
    out = runScript(
        """
        import asyncio
        from plait.internet import asyncioreactor
        loop = asyncio.new_event_loop()
        installed = asyncioreactor.install(loop)
        from plait.internet import reactor
        print(reactor is installed, reactor.loop is loop)
        """
    )
    assert out == ["True", "True"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_reactor_and_runs_shutdown_triggers(sig: signal.Signals) -> None:
    script = textwrap.dedent(
        """
        import sys
        from plait.internet import reactor
        from plait.internet.defer import Deferred

        def slowCleanup():
            d = Deferred()
            reactor.callLater(0.05, d.callback, None)
            print("before shutdown", flush=True)
            return d

        reactor.addSystemEventTrigger("before", "shutdown", slowCleanup)
        reactor.addSystemEventTrigger("after", "shutdown", print, "after shutdown")
        reactor.callWhenRunning(print, "ready", flush=True)
        reactor.run()
        print("exited run", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert out.splitlines() == ["before shutdown", "after shutdown", "exited run"]
