"""The reactor's life cycle: run, stop, crash, system event triggers, callWhenRunning."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import uvloop

from plait.internet import error
from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import Deferred
from plait.internet.interfaces import IReactorCore, IReactorTCP, IReactorThreads


@pytest.fixture(params=["uvloop", "asyncio"])
def reactor(request: pytest.FixtureRequest) -> Iterator[AsyncioReactor]:
    loop = uvloop.new_event_loop() if request.param == "uvloop" else asyncio.new_event_loop()
    reactor = AsyncioReactor(loop)
    try:
        yield reactor
    finally:
        if reactor.threadpool is not None:
            reactor.threadpool.stop()
        loop.close()


def test_provides_interfaces(reactor: AsyncioReactor) -> None:
    for iface in (IReactorCore, IReactorTCP, IReactorThreads):
        assert iface.providedBy(reactor)


def test_run_fires_startup_then_stop_fires_shutdown(reactor: AsyncioReactor) -> None:
    events: list[Any] = []
    for phase in ("before", "during", "after"):
        reactor.addSystemEventTrigger(phase, "startup", events.append, f"{phase} startup")
        reactor.addSystemEventTrigger(phase, "shutdown", events.append, f"{phase} shutdown")
    reactor.callWhenRunning(lambda: events.append(("running", reactor.running)))
    reactor.callWhenRunning(reactor.stop)
    assert not reactor.running
    reactor.run(installSignalHandlers=False)
    assert events == [
        "before startup",
        "during startup",
        "after startup",
        ("running", True),
        "before shutdown",
        "during shutdown",
        "after shutdown",
    ]
    assert not reactor.running


def test_callWhenRunning_while_running_calls_at_once(reactor: AsyncioReactor) -> None:
    calls: list[str] = []

    def started() -> None:
        assert reactor.callWhenRunning(calls.append, "inner") is None
        calls.append("after inner")
        reactor.stop()

    reactor.callWhenRunning(started)
    reactor.run(installSignalHandlers=False)
    assert calls == ["inner", "after inner"]


def test_before_shutdown_deferred_delays_shutdown(reactor: AsyncioReactor) -> None:
    events: list[str] = []

    def slowCleanup() -> Deferred[None]:
        d: Deferred[None] = Deferred()

        def finish() -> None:
            events.append("cleanup finished")
            d.callback(None)

        reactor.callLater(0.02, finish)
        events.append("cleanup started")
        return d

    reactor.addSystemEventTrigger("before", "shutdown", slowCleanup)
    reactor.addSystemEventTrigger("during", "shutdown", events.append, "during")
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "after")
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert events == ["cleanup started", "cleanup finished", "during", "after"]


def test_failing_before_trigger_is_logged_and_shutdown_continues(
    reactor: AsyncioReactor, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    def broken() -> Deferred[None]:
        d: Deferred[None] = Deferred()
        reactor.callLater(0, d.errback, RuntimeError("cleanup broke"))
        return d

    def raising() -> None:
        raise KeyError("sync trigger broke")

    reactor.addSystemEventTrigger("before", "shutdown", broken)
    reactor.addSystemEventTrigger("before", "shutdown", raising)
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "after")
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert events == ["after"]
    assert "cleanup broke" in caplog.text
    assert "sync trigger broke" in caplog.text


def test_remove_trigger(reactor: AsyncioReactor) -> None:
    events: list[str] = []
    triggerID = reactor.addSystemEventTrigger("during", "shutdown", events.append, "removed")
    reactor.addSystemEventTrigger("during", "shutdown", events.append, "kept")
    reactor.removeSystemEventTrigger(triggerID)
    with pytest.raises(ValueError, match="no system event trigger"):
        reactor.removeSystemEventTrigger(triggerID)
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert events == ["kept"]


def test_bad_phase(reactor: AsyncioReactor) -> None:
    with pytest.raises(KeyError):
        reactor.addSystemEventTrigger("sometime", "shutdown", lambda: None)


def test_fireSystemEvent_custom_event(reactor: AsyncioReactor) -> None:
    events: list[str] = []
    reactor.addSystemEventTrigger("after", "custom", events.append, "after")
    reactor.addSystemEventTrigger("before", "custom", events.append, "before")
    reactor.fireSystemEvent("custom")
    assert events == ["before", "after"]
    reactor.fireSystemEvent("never-registered")


def test_stop_when_not_running(reactor: AsyncioReactor) -> None:
    with pytest.raises(error.ReactorNotRunning):
        reactor.stop()


def test_stop_twice_and_restart(reactor: AsyncioReactor) -> None:
    errors: list[Exception] = []

    def stopTwice() -> None:
        reactor.stop()
        try:
            reactor.stop()
        except error.ReactorNotRunning as e:
            errors.append(e)

    reactor.callWhenRunning(stopTwice)
    reactor.run(installSignalHandlers=False)
    assert len(errors) == 1
    with pytest.raises(error.ReactorNotRestartable):
        reactor.run(installSignalHandlers=False)


def test_crash_skips_shutdown_triggers(reactor: AsyncioReactor) -> None:
    events: list[str] = []
    reactor.addSystemEventTrigger("before", "shutdown", events.append, "shutdown")
    reactor.callWhenRunning(reactor.crash)
    reactor.run(installSignalHandlers=False)
    assert events == []
    assert not reactor.running


def test_whenStopped_fires_after_the_after_phase(reactor: AsyncioReactor) -> None:
    events: list[str] = []
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "after")

    def started() -> None:
        reactor.whenStopped().addCallback(lambda _: events.append("whenStopped"))
        reactor.stop()

    reactor.callWhenRunning(started)
    reactor.run(installSignalHandlers=False)
    assert events == ["after", "whenStopped"]
    assert reactor.whenStopped().called


def test_run_refuses_a_running_loop(reactor: AsyncioReactor) -> None:
    async def main() -> None:
        with pytest.raises(error.ReactorAlreadyRunning):
            reactor.run()

    reactor.loop.run_until_complete(main())


def test_iterate_runs_ready_calls(reactor: AsyncioReactor) -> None:
    ran: list[int] = []
    reactor.callLater(0, ran.append, 1)
    reactor.iterate()
    assert ran == [1]


def test_resolve_localhost(reactor: AsyncioReactor) -> None:
    # Only localhost: tests send no traffic beyond loopback, not even DNS queries.
    results: list[Any] = []

    def started() -> None:
        reactor.resolve("localhost").addBoth(results.append).addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(started)
    reactor.callLater(30, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert results in (["127.0.0.1"], ["::1"])
