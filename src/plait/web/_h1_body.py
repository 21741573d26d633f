"""The chunked request-body decoder of `plait.web._h1` (RFC 9112 section 7.1), sans-IO.

`ChunkedDecoder` consumes bytes from the front of the connection's receive buffer and says
what they amount to: a `Data` event, the end of the message, a need for more bytes, or a
`BadRequest`. It keeps only its position in the chunked grammar between calls, so its
decisions never depend on how the input was segmented; what a failure or the end of the
message does to the connection is left to `H1Connection`.
"""

from __future__ import annotations

import re
from typing import Final

from plait.web._events import NEED_DATA, BadRequest, Data, EndOfMessage, Sentinel
from plait.web._limits import Limits

__all__ = ["END_OF_MESSAGE", "ChunkedDecoder"]

END_OF_MESSAGE: Final = EndOfMessage()
"""The one `EndOfMessage` event (frozen and field-less, so one instance serves all)."""

_CHUNK_LINE: Final = re.compile(
    rb"([0-9A-Fa-f]{1,16})"
    rb"(?:[ \t]*;[ \t]*[-!#$%&'*+.^_`|~0-9A-Za-z]+"
    rb"(?:[ \t]*=[ \t]*(?:[-!#$%&'*+.^_`|~0-9A-Za-z]+"
    rb'|"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"))?)*'
)
_FIELD_LINE: Final = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+:[\t \x21-\x7e\x80-\xff]*")

# Where the decoder stands in the chunked grammar.
_SIZE_LINE: Final = 0
_CHUNK_DATA: Final = 1
_DATA_CRLF: Final = 2
_TRAILERS: Final = 3


class ChunkedDecoder:
    """Decodes one chunked request body, chunk-size lines, data, CRLFs and trailer section."""

    __slots__ = ("_chunkLeft", "_received", "_state", "_trailerBytes")

    def __init__(self) -> None:
        self._state = _SIZE_LINE
        self._chunkLeft = 0
        self._trailerBytes = 0
        self._received = 0

    def decode(
        self, buf: bytearray, limits: Limits, maxBody: int | None
    ) -> Data | BadRequest | EndOfMessage | Sentinel:
        """Consume what *buf* holds of the body; the next event or `NEED_DATA`.

        Returns `END_OF_MESSAGE` once the trailer section has ended, and a `BadRequest` for
        malformed framing or a body larger than *maxBody* (None: unlimited).
        """
        while True:
            state = self._state
            if state == _SIZE_LINE:
                maxLine = 17 + limits.max_chunk_ext_bytes
                lf = buf.find(b"\n", 0, maxLine + 1)
                if lf < 0:
                    if len(buf) > maxLine:
                        return BadRequest(status=400, reason="chunk line too long")
                    return NEED_DATA
                if lf == 0 or buf[lf - 1] != 0x0D:
                    return BadRequest(status=400, reason="bare LF in chunked body")
                match = _CHUNK_LINE.fullmatch(buf, 0, lf - 1)
                if match is None:
                    return BadRequest(status=400, reason="invalid chunk line")
                size = int(match[1], 16)
                del buf[: lf + 1]
                if size == 0:
                    self._state = _TRAILERS
                    continue
                if maxBody is not None and self._received + size > maxBody:
                    return BadRequest(status=413, reason="request body too large")
                self._chunkLeft = size
                self._state = _CHUNK_DATA
            elif state == _CHUNK_DATA:
                if not buf:
                    return NEED_DATA
                left = self._chunkLeft
                if len(buf) <= left:
                    data = bytes(buf)
                    buf.clear()
                else:
                    data = bytes(buf[:left])
                    del buf[:left]
                self._chunkLeft = left - len(data)
                self._received += len(data)
                if not self._chunkLeft:
                    self._state = _DATA_CRLF
                return Data(data=data)
            elif state == _DATA_CRLF:
                if buf[:2] == b"\r\n":
                    del buf[:2]
                    self._state = _SIZE_LINE
                    continue
                if not buf or buf == b"\r":
                    return NEED_DATA
                return BadRequest(status=400, reason="missing CRLF after chunk data")
            else:  # the trailer section, ended by an empty line
                room = limits.max_trailer_bytes - self._trailerBytes
                lf = buf.find(b"\n")
                if lf < 0 or lf + 1 > room:
                    if lf >= 0 or len(buf) > room:
                        return BadRequest(status=431, reason="trailer section too large")
                    return NEED_DATA
                if lf == 0 or buf[lf - 1] != 0x0D:
                    return BadRequest(status=400, reason="bare LF in trailer section")
                if lf == 1:
                    del buf[:2]
                    return END_OF_MESSAGE
                if _FIELD_LINE.fullmatch(buf, 0, lf - 1) is None:
                    return BadRequest(status=400, reason="invalid trailer field")
                del buf[: lf + 1]
                self._trailerBytes += lf + 1
