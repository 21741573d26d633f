"""Response body encoders for :class:`~plait.web.resource.EncodingResourceWrapper`.

``GzipEncoderFactory`` is re-exported by ``plait.web.server`` (Twisted's home for it).
"""

from __future__ import annotations

import zlib
from typing import Any, Final

from plait.web.iweb import IRequest

__all__ = ["GzipEncoderFactory", "acceptsEncoding"]

_GZIP_NAMES: Final = frozenset({b"gzip", b"x-gzip"})


def _quality(params: list[bytes]) -> float | None:
    """Return the q-value among *params* (1.0 when absent), or None when it is malformed."""
    for param in params:
        name, _, value = param.partition(b"=")
        if name.strip().lower() == b"q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            return q if 0.0 <= q <= 1.0 else None
    return 1.0


def acceptsEncoding(acceptEncoding: bytes, names: frozenset[bytes]) -> bool:
    """Return whether an ``Accept-Encoding`` value accepts one of the codings *names*.

    Follows RFC 9110 section 12.5.3: an entry naming the coding decides (``q=0``
    refuses it); otherwise ``*`` decides; otherwise the coding is not accepted.
    Malformed entries are ignored.
    """
    named: float | None = None
    wildcard: float | None = None
    for entry in acceptEncoding.split(b","):
        coding, *params = entry.split(b";")
        coding = coding.strip().lower()
        if not coding:
            continue
        q = _quality(params)
        if q is None:
            continue
        if coding in names:
            named = q if named is None else max(named, q)
        elif coding == b"*":
            wildcard = q
    decided = named if named is not None else wildcard
    return decided is not None and decided > 0.0


def _addVary(request: IRequest) -> None:
    """Add ``Vary: Accept-Encoding`` unless the response already varies on it (or on ``*``)."""
    headers = request.responseHeaders
    for value in headers.getRawHeaders(b"vary") or ():
        for field in value.split(b","):
            if field.strip().lower() in (b"accept-encoding", b"*"):
                return
    headers.addRawHeader(b"vary", b"Accept-Encoding")


class GzipEncoderFactory:
    """Offers a streaming gzip encoder to requests whose client accepts gzip.

    ``compressLevel`` runs from 1 (fastest) to 9 (smallest output).
    """

    compressLevel: int = 9

    def __init__(self, compressLevel: int | None = None) -> None:
        if compressLevel is not None:
            self.compressLevel = compressLevel

    def encoderForRequest(self, request: IRequest) -> _GzipEncoder | None:
        """Return a gzip encoder if the client accepts gzip and the request is not HEAD.

        The response varies on ``Accept-Encoding`` either way, so ``Vary`` is added
        whatever the answer.
        """
        _addVary(request)
        if request.method == b"HEAD":
            return None
        accept = b",".join(request.requestHeaders.getRawHeaders(b"accept-encoding") or ())
        if not accept or not acceptsEncoding(accept, _GZIP_NAMES):
            return None
        return _GzipEncoder(self.compressLevel, request)


class _GzipEncoder:
    """Compresses one response body as a gzip stream.

    Whether to compress is decided when the first bytes (or the finish) go out,
    because only then are the status and headers the resource chose known: a
    204/304, a body the resource already encoded itself, or a response whose
    headers were already sent passes through as is.
    """

    def __init__(self, compressLevel: int, request: Any) -> None:
        self._compressLevel = compressLevel
        self._request = request
        self._compressor: Any = None
        self._decided = False

    def _decide(self) -> None:
        self._decided = True
        request = self._request
        headers = request.responseHeaders
        code = getattr(request, "code", 200)
        if code in (204, 304) or headers.hasHeader(b"content-encoding"):
            return
        if getattr(request, "startedWriting", False):
            # The headers went out without Content-Encoding: the body must stay as is.
            return
        headers.setRawHeaders(b"content-encoding", [b"gzip"])
        # The length is of the uncompressed body; the server frames the new one.
        headers.removeHeader(b"content-length")
        self._compressor = zlib.compressobj(
            self._compressLevel, zlib.DEFLATED, 16 + zlib.MAX_WBITS
        )

    def encode(self, data: bytes) -> bytes:
        """Return the compressed form of *data* (possibly empty until more arrives)."""
        if not self._decided:
            self._decide()
        if self._compressor is None:
            return data
        return bytes(self._compressor.compress(data))

    def finish(self) -> bytes:
        """Return the rest of the gzip stream; the encoder is done afterwards."""
        if not self._decided:
            self._decide()
        compressor, self._compressor = self._compressor, None
        if compressor is None:
            return b""
        return bytes(compressor.flush())
