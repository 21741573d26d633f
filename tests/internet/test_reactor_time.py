"""The reactor's clock: callLater ordering, cancel, reset, delay, getDelayedCalls, seconds."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest
import uvloop

from plait.internet import error
from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.interfaces import IDelayedCall, IReactorTime


@pytest.fixture(params=["uvloop", "asyncio"])
def reactor(request: pytest.FixtureRequest) -> Iterator[AsyncioReactor]:
    loop = uvloop.new_event_loop() if request.param == "uvloop" else asyncio.new_event_loop()
    reactor = AsyncioReactor(loop)
    try:
        yield reactor
    finally:
        loop.close()


def runFor(reactor: AsyncioReactor, seconds: float) -> None:
    """Run the reactor until ``seconds`` from now (bounded: the stop is a timer itself)."""
    reactor.callLater(seconds, reactor.stop)
    reactor.run(installSignalHandlers=False)


def test_provides_interfaces(reactor: AsyncioReactor) -> None:
    assert IReactorTime.providedBy(reactor)
    call = reactor.callLater(1, lambda: None)
    assert IDelayedCall.providedBy(call)
    call.cancel()


def test_seconds_is_wall_clock(reactor: AsyncioReactor) -> None:
    before = time.time()
    now = reactor.seconds()
    assert before <= now <= time.time()


def test_calls_run_in_time_order(reactor: AsyncioReactor) -> None:
    order: list[str] = []
    reactor.callLater(0.03, order.append, "c")
    reactor.callLater(0.01, order.append, "a")
    reactor.callLater(0, order.append, "now")
    reactor.callLater(0.02, lambda **kw: order.append(kw["x"]), x="b")
    runFor(reactor, 0.06)
    assert order == ["now", "a", "b", "c"]
    assert reactor.getDelayedCalls() == []


def test_cancel(reactor: AsyncioReactor) -> None:
    ran: list[str] = []
    call = reactor.callLater(0.01, ran.append, "cancelled")
    kept = reactor.callLater(0.01, ran.append, "kept")
    assert set(reactor.getDelayedCalls()) == {call, kept}
    call.cancel()
    assert not call.active()
    assert reactor.getDelayedCalls() == [kept]
    with pytest.raises(error.AlreadyCancelled):
        call.cancel()
    runFor(reactor, 0.03)
    assert ran == ["kept"]
    assert not kept.active()
    assert kept.called
    with pytest.raises(error.AlreadyCalled):
        kept.cancel()
    with pytest.raises(error.AlreadyCalled):
        kept.reset(1)


def test_reset_later_and_sooner(reactor: AsyncioReactor) -> None:
    order: list[str] = []
    later = reactor.callLater(0.01, order.append, "reset later")
    reactor.callLater(0.03, order.append, "middle")
    sooner = reactor.callLater(1000, order.append, "reset sooner")
    before = later.getTime()
    later.reset(0.05)
    assert later.getTime() > before + 0.03
    sooner.reset(0.02)
    assert sooner.getTime() < reactor.seconds() + 1
    runFor(reactor, 0.08)
    assert order == ["reset sooner", "middle", "reset later"]


def test_delay(reactor: AsyncioReactor) -> None:
    order: list[str] = []
    delayed = reactor.callLater(0.01, order.append, "delayed")
    reactor.callLater(0.02, order.append, "other")
    when = delayed.getTime()
    delayed.delay(0.03)
    assert delayed.getTime() == pytest.approx(when + 0.03)
    runFor(reactor, 0.07)
    assert order == ["other", "delayed"]


def test_error_in_a_call_is_logged_and_the_reactor_goes_on(
    reactor: AsyncioReactor, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[int] = []

    def boom() -> None:
        raise ZeroDivisionError("boom")

    reactor.callLater(0, boom)
    reactor.callLater(0.01, ran.append, 1)
    with caplog.at_level(logging.ERROR, logger="plait.internet.reactor"):
        runFor(reactor, 0.02)
    assert ran == [1]
    assert "ZeroDivisionError" in caplog.text


def test_bad_arguments(reactor: AsyncioReactor) -> None:
    with pytest.raises(TypeError):
        reactor.callLater(1, "not callable")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        reactor.callLater(-1, lambda: None)
