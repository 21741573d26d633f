"""Drive a real `HTTPChannel` over an in-memory transport with arbitrary bytes; check invariants.

Shared by the hypothesis property test and the atheris fuzz target (``fuzz/fuzz_channel.py``).
The invariants: nothing raises out of the channel, nothing is logged at ERROR, every response
is well-formed, responses come in request order and at most one per request, and after an
error response the connection is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from hostile_support import parseResponses

from plait.testing import MemoryTransport
from plait.web.resource import Resource
from plait.web.server import Site


class Numbered(Resource):
    """Answers each request it renders with ``r<n>``, n counting renders; ``/a...`` is async."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.methods: list[bytes] = []

    def render(self, request: Any) -> bytes | Coroutine[Any, Any, bytes]:
        number = len(self.methods)
        self.methods.append(request.method)
        request.renderNumber = number
        body = b"r%d" % number
        if request.path.startswith(b"/a"):
            return self._later(body)
        request.content.read()
        return body

    async def _later(self, body: bytes) -> bytes:
        await asyncio.sleep(0)
        return body


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Run:
    """What one drive produced."""

    output: bytes
    closed: bool
    methods: list[bytes]
    requests: list[Any]
    """Every Request the channel made, in order (one per request head)."""
    errors: list[logging.LogRecord] = field(default_factory=list)


async def drive(chunks: Sequence[bytes], eof: bool = False) -> Run:
    """Feed *chunks* one `data_received` call each (letting the loop run between them)."""
    resource = Numbered()
    site = Site(resource)
    site.displayTracebacks = False
    requests: list[Any] = []
    makeRequest = site.requestFactory

    def recordingFactory(*args: Any, **kwargs: Any) -> Any:
        request = makeRequest(*args, **kwargs)
        requests.append(request)
        return request

    site.requestFactory = recordingFactory
    transport = MemoryTransport()
    channel = site.buildProtocol(None)
    transport.set_protocol(channel)
    handler = _Errors()
    logger = logging.getLogger("plait")
    logger.addHandler(handler)
    try:
        channel.connection_made(transport)
        for chunk in chunks:
            if transport.closed:
                break
            channel.data_received(chunk)
            await _settle(transport, resource)
        if eof and not transport.closed:
            channel.eof_received()
        await _settle(transport, resource)
        channel.connection_lost(None)
        await _settle(transport, resource)
    finally:
        logger.removeHandler(handler)
    return Run(
        bytes(transport.written), transport.closed, resource.methods, requests, handler.records
    )


async def _settle(transport: MemoryTransport, resource: Numbered) -> None:
    """Let the loop run until nothing more happens (async renders finish in a few turns)."""
    quiet = 0
    for _ in range(200):
        before = (len(transport.written), len(resource.methods))
        await asyncio.sleep(0)
        quiet = quiet + 1 if (len(transport.written), len(resource.methods)) == before else 0
        if quiet >= 4:
            return


def check(run: Run) -> None:
    """Assert the invariants on *run* (AssertionError names the broken one)."""
    assert not run.errors, [r.getMessage() for r in run.errors]
    requests = run.requests
    heads = {i for i, request in enumerate(requests) if request.method == b"HEAD"}
    responses = [r for r in parseResponses(run.output, headIndexes=heads) if r.status >= 200]
    assert len(responses) <= len(requests) + 1, "more responses than requests"
    for i, response in enumerate(responses):
        if i < len(requests):
            number = getattr(requests[i], "renderNumber", None)
            if response.status == 200 and i not in heads and number is not None:
                assert response.body == b"r%d" % number, f"response {i} out of order"
        else:
            # One response more than request heads: the error for a head that never parsed.
            assert response.status >= 400, "an answer no request asked for"
        if response.status in (400, 408, 413, 414, 417, 431, 501, 505):
            assert response is responses[-1], "a response after a framing error"
            assert response.header(b"connection") == b"close"
            assert run.closed, "framing in doubt, yet the connection stayed open"
