"""Property test: arbitrary bytes, in arbitrary segmentation, through the real HTTPChannel.

Inputs are drawn from a grammar of request pieces (good requests, sync and async targets,
HEAD, bodies in both framings, Expect, and hostile fragments) mixed with raw random bytes,
then cut at random points. `channel_harness.check` states the invariants.
"""

from __future__ import annotations

import asyncio

from channel_harness import check, drive
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GOOD = [
    b"GET /s HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n",
    b"HEAD /s HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /s HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
    b"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"POST /s HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
    b"GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"GET /s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
]
PIECES = [
    b"\r\n",
    b"\n",
    b"\r",
    b"\x00",
    b" ",
    b"Content-Length: 5\r\n",
    b"Content-Length: -1\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Host: b\r\n",
    b"0\r\n\r\n",
    b"ffffffff\r\n",
    b"5;x\r\n",
    b"GET",
    b"HTTP/1.1",
    b"Expect: 100-continue\r\n",
]

piece = st.one_of(
    st.sampled_from(GOOD),
    st.sampled_from(PIECES),
    st.binary(max_size=16),
)


@st.composite
def segmented(draw: st.DrawFn) -> tuple[list[bytes], bool]:
    data = b"".join(draw(st.lists(piece, max_size=12)))
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=8)))
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    return [c for c in chunks if c], draw(st.booleans())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segmented())
def test_channel_invariants_hold_for_any_input(case: tuple[list[bytes], bool]) -> None:
    chunks, eof = case
    check(asyncio.run(drive(chunks, eof)))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(GOOD[:5]), min_size=1, max_size=8), st.data())
def test_good_requests_are_all_answered_in_order(
    requests: list[bytes], data: st.DataObject
) -> None:
    payload = b"".join(requests)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(payload)), max_size=10)))
    chunks = [payload[a:b] for a, b in zip([0, *cuts], [*cuts, len(payload)], strict=True)]
    run = asyncio.run(drive([c for c in chunks if c]))
    check(run)
    assert len(run.methods) == len(requests)
    assert not run.closed
