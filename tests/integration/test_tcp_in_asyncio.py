"""Serving from ``async def main()`` on an asyncio loop the application runs itself."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvloop

from plait.internet.asyncioreactor import AsyncioReactor
from plait.internet.defer import Deferred
from plait.internet.protocol import Factory, Protocol
from plait.internet.threads import deferToThreadPool

RUNNERS: dict[str, Callable[[Coroutine[Any, Any, Any]], Any]] = {
    "asyncio.run": asyncio.run,
    "uvloop.run": uvloop.run,
}


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


async def echoOnce(port: int, message: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(message)
    answer = await reader.readexactly(len(message))
    writer.close()
    await writer.wait_closed()
    return answer


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_listen_without_run(runner: str) -> None:
    async def main() -> tuple[bytes, bool]:
        reactor = AsyncioReactor()  # no loop given: it adopts the running one
        assert reactor.loop is asyncio.get_running_loop()
        port = reactor.listenTCP(0, Factory.forProtocol(Echo), interface="127.0.0.1")
        answer = await echoOnce(port.getHost().port, b"no run()")
        await port.stopListening()
        return answer, reactor.running

    answer, running = RUNNERS[runner](main())
    assert answer == b"no run()"
    assert running is False


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_startRunning_and_stop_inside_main(runner: str) -> None:
    events: list[str] = []

    async def main() -> None:
        reactor = AsyncioReactor()
        started: Deferred[None] = Deferred()
        reactor.callWhenRunning(started.callback, None)
        reactor.addSystemEventTrigger("before", "shutdown", events.append, "before shutdown")
        reactor.startRunning()
        await started
        assert reactor.running
        port = reactor.listenTCP(0, Factory.forProtocol(Echo), interface="127.0.0.1")
        events.append((await echoOnce(port.getHost().port, b"ping")).decode())
        total = await deferToThreadPool(reactor, reactor.getThreadPool(), sum, [1, 2, 3])
        events.append(str(total))
        reactor.stop()
        await reactor.whenStopped()
        assert not reactor.running
        assert reactor.threadpool is None  # stopped at shutdown
        assert not port.connected  # closed at shutdown
        # The loop is the application's: it keeps running after the reactor stopped.
        await asyncio.sleep(0)
        events.append("main goes on")

    RUNNERS[runner](main())
    assert events == ["ping", "6", "before shutdown", "main goes on"]


def test_global_reactor_in_asyncio_run() -> None:
    # The documented pattern (docs/asyncio.md), with the process's global reactor.
    script = textwrap.dedent(
        """
        import asyncio
        from plait.internet import reactor
        from plait.internet.protocol import Factory, Protocol

        class Echo(Protocol):
            def dataReceived(self, data):
                self.transport.write(data)

        async def main():
            port = reactor.listenTCP(0, Factory.forProtocol(Echo), interface="127.0.0.1")
            reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
            writer.write(b"global")
            answer = await reader.readexactly(6)
            print(answer.decode(), reactor.loop is asyncio.get_running_loop())
            writer.close()
            await port.stopListening()

        asyncio.run(main())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["global", "True"]


def test_reactor_used_before_asyncio_run_follows_the_running_loop() -> None:
    reactor = AsyncioReactor()
    early = reactor.loop  # touched at "import time": the reactor makes a loop of its own

    async def main() -> bool:
        call = reactor.callLater(0, lambda: None)
        adopted = reactor.loop is asyncio.get_running_loop()
        call.cancel()
        return adopted

    assert asyncio.run(main()) is True
    assert early.is_closed()


def test_work_stranded_on_an_idle_loop_is_an_error() -> None:
    reactor = AsyncioReactor(asyncio.new_event_loop())
    call = reactor.callLater(10, lambda: None)

    async def main() -> None:
        with pytest.raises(RuntimeError, match="not running"):
            reactor.callLater(0, lambda: None)

    asyncio.run(main())
    call.cancel()
    reactor.loop.close()
