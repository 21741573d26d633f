"""Tests for plait.web._encoders (gzip)."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plait.testing import DummyRequest
from plait.web._encoders import GzipEncoderFactory, acceptsEncoding
from plait.web.resource import EncodingResourceWrapper, Resource

GZIP = frozenset({b"gzip", b"x-gzip"})


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (b"gzip", True),
        (b"GZIP", True),
        (b"deflate, gzip", True),
        (b"gzip;q=0.5", True),
        (b"gzip; q=1.0, identity", True),
        (b"x-gzip", True),
        (b"*", True),
        (b"br, *;q=0.1", True),
        (b"gzip;q=0", False),
        (b"gzip;q=0.000", False),
        (b"gzip;q=0, *", False),
        (b"*;q=0", False),
        (b"deflate, br", False),
        (b"gzipper", False),
        (b"", False),
        (b"gzip;q=abc", False),
        (b"gzip;q=2", False),
        (b"gzip;q=abc, *", True),
        (b",,gzip,,", True),
    ],
)
def test_accepts_encoding(header: bytes, accepted: bool) -> None:
    """Accept-Encoding is read with q-values; an explicit entry beats the wildcard."""
    assert acceptsEncoding(header, GZIP) is accepted


@given(st.binary(max_size=200))
def test_accepts_encoding_never_raises(header: bytes) -> None:
    """Any header value gets an answer."""
    assert acceptsEncoding(header, GZIP) in (True, False)


def _request(accept: bytes | None = b"gzip", method: bytes = b"GET") -> DummyRequest:
    request = DummyRequest([])
    request.method = method
    if accept is not None:
        request.requestHeaders.setRawHeaders(b"accept-encoding", [accept])
    return request


class Big(Resource):
    """A resource with a compressible body and a Content-Length, like a server would set."""

    body = b"hello gzip world " * 500

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"content-length", b"%d" % len(self.body))
        return self.body


def test_round_trip_through_wrapper() -> None:
    """The wrapped body decompresses to the original; headers say gzip."""
    request = _request()
    request.render(EncodingResourceWrapper(Big(), [GzipEncoderFactory()]))
    encoded = b"".join(request.written)
    assert gzip.decompress(encoded) == Big.body
    assert len(encoded) < len(Big.body) // 10
    headers = request.responseHeaders
    assert headers.getRawHeaders(b"content-encoding") == [b"gzip"]
    assert headers.getRawHeaders(b"vary") == [b"Accept-Encoding"]
    assert not headers.hasHeader(b"content-length")


def test_streaming_chunks_round_trip() -> None:
    """Several writes and a finish form one gzip stream."""
    request = _request()
    encoder = GzipEncoderFactory(compressLevel=1).encoderForRequest(request)
    assert encoder is not None
    parts = [b"a" * 1000, b"", b"b" * 70000, b"c"]
    out = b"".join(encoder.encode(part) for part in parts) + encoder.finish()
    assert zlib.decompress(out, 16 + zlib.MAX_WBITS) == b"".join(parts)


def test_compress_level() -> None:
    """compressLevel defaults to 9 and can be set by argument."""
    assert GzipEncoderFactory().compressLevel == 9
    assert GzipEncoderFactory(3).compressLevel == 3


def test_q_zero_refuses() -> None:
    """gzip;q=0 gets the identity body, with Vary still set."""
    request = _request(b"gzip;q=0, deflate")
    request.render(EncodingResourceWrapper(Big(), [GzipEncoderFactory()]))
    assert b"".join(request.written) == Big.body
    assert not request.responseHeaders.hasHeader(b"content-encoding")
    assert request.responseHeaders.getRawHeaders(b"vary") == [b"Accept-Encoding"]
    assert request.responseHeaders.getRawHeaders(b"content-length") == [b"8500"]


def test_no_accept_encoding() -> None:
    """No Accept-Encoding header means no encoding."""
    request = _request(None)
    assert GzipEncoderFactory().encoderForRequest(request) is None
    assert request.responseHeaders.getRawHeaders(b"vary") == [b"Accept-Encoding"]


def test_vary_is_merged_not_duplicated() -> None:
    """An existing Vary naming Accept-Encoding (or *) is left alone; another is extended."""
    request = _request()
    request.responseHeaders.setRawHeaders(b"vary", [b"Cookie, accept-encoding"])
    GzipEncoderFactory().encoderForRequest(request)
    assert request.responseHeaders.getRawHeaders(b"vary") == [b"Cookie, accept-encoding"]
    request = _request()
    request.responseHeaders.setRawHeaders(b"vary", [b"Cookie"])
    GzipEncoderFactory().encoderForRequest(request)
    GzipEncoderFactory().encoderForRequest(request)
    assert request.responseHeaders.getRawHeaders(b"vary") == [b"Cookie", b"Accept-Encoding"]


def test_head_is_not_encoded() -> None:
    """HEAD gets no encoder."""
    assert GzipEncoderFactory().encoderForRequest(_request(method=b"HEAD")) is None


@pytest.mark.parametrize("code", [204, 304])
def test_no_body_statuses_pass_through(code: int) -> None:
    """A 204/304 set by the resource is not encoded."""

    class Empty(Resource):
        def render_GET(self, request: Any) -> bytes:
            request.setResponseCode(code)
            return b""

    request = _request()
    request.render(EncodingResourceWrapper(Empty(), [GzipEncoderFactory()]))
    assert request.written == []
    assert not request.responseHeaders.hasHeader(b"content-encoding")


def test_already_encoded_body_passes_through() -> None:
    """A body the resource encoded itself is not encoded twice."""
    precompressed = gzip.compress(b"data")

    class Precompressed(Resource):
        def render_GET(self, request: Any) -> bytes:
            request.setHeader(b"content-encoding", b"gzip")
            request.setHeader(b"content-length", b"%d" % len(precompressed))
            return precompressed

    request = _request()
    request.render(EncodingResourceWrapper(Precompressed(), [GzipEncoderFactory()]))
    assert b"".join(request.written) == precompressed
    assert request.responseHeaders.getRawHeaders(b"content-encoding") == [b"gzip"]
    assert request.responseHeaders.hasHeader(b"content-length")


def test_finish_without_writes_is_a_valid_empty_stream() -> None:
    """An empty 200 body still forms a valid (empty) gzip stream."""
    request = _request()
    encoder = GzipEncoderFactory().encoderForRequest(request)
    assert encoder is not None
    assert gzip.decompress(encoder.finish()) == b""
    assert encoder.finish() == b""


def test_headers_already_sent_pass_through() -> None:
    """If the headers went out before the encoder was first used, nothing is encoded."""
    request = _request()
    encoder = GzipEncoderFactory().encoderForRequest(request)
    assert encoder is not None
    request.startedWriting = True
    assert encoder.encode(b"plain") == b"plain"
    assert encoder.finish() == b""
    assert not request.responseHeaders.hasHeader(b"content-encoding")
