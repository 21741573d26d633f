"""Size limits answered at the right moment: 413 before a body is read, 431 and 414 as soon
as the head or target is too large, and Expect handled without inviting refused bodies."""

from __future__ import annotations

from typing import Any

import pytest
from hostile_support import SEGMENTATIONS, Echo, assertRefused, attack, parseResponses

from plait.web.http import Limits
from plait.web.server import Site


@pytest.fixture
def site() -> Site:
    return Site(Echo(), limits=Limits(max_body_bytes=1000, max_header_bytes=2048))


def test_ten_gigabyte_body_is_refused_from_the_head_alone(serve: Any, site: Site) -> None:
    server = serve(site)
    with server.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000000\r\n\r\n")
        sock.settimeout(10)
        data = b""
        while chunk := sock.recv(65536):  # the answer comes with no body byte sent
            data += chunk
    assert [r.status for r in parseResponses(data)] == [413]


def test_expect_continue_is_not_sent_for_a_refused_body(serve: Any, site: Site) -> None:
    server = serve(site)
    with server.connect() as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n"
        )
        sock.settimeout(10)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in data


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_chunked_body_over_the_limit_is_413(serve: Any, site: Site, segmentation: str) -> None:
    payload = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    payload += b"200\r\n" + b"x" * 512 + b"\r\n" + b"300\r\n" + b"y" * 768 + b"\r\n0\r\n\r\n"
    assertRefused(attack(serve(site), payload, segmentation), 413)


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_unsupported_expectation_is_417(serve: Any, site: Site, segmentation: str) -> None:
    payload = b"POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx"
    assertRefused(attack(serve(site), payload, segmentation), 417)


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_huge_head_is_431(serve: Any, site: Site, segmentation: str) -> None:
    payload = b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X-Pad: " + b"p" * 8000 + b"\r\n\r\n"
    outcome = attack(serve(site), payload, segmentation)
    assertRefused(outcome, 431)
    if segmentation == "bytewise":
        assert outcome.sentBeforeAnswer < len(payload)  # refused before the head ended


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_long_target_is_414(serve: Any, segmentation: str) -> None:
    site = Site(Echo(), limits=Limits(max_request_target=100))
    payload = b"GET /" + b"t" * 300 + b" HTTP/1.1\r\nHost: a\r\n\r\n"
    assertRefused(attack(serve(site), payload, segmentation), 414)
