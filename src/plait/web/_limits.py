"""Every limit and timeout of plait's HTTP server, in one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The knobs that keep one client from holding or exhausting the server.

    Pass an instance to ``HTTPFactory``/``Site`` (``limits=Limits(max_body_bytes=...)``);
    `dataclasses.replace` derives a variant. Sizes are in bytes, times in seconds.
    """

    # Twisted: totalHeadersSize = 16384; nginx: large_client_header_buffers 4 x 8k;
    # Node.js: --max-http-header-size 16384. 16 KiB fits real browsers' cookies.
    max_header_bytes: int = 16384
    """Request line plus header block, CRLFs included; more is refused with 431."""

    # Twisted allows 500; Apache's LimitRequestFields and Node.js's maxHeadersCount both
    # default to 100, which no browser or well-known client comes near, and each header
    # costs a Python object on every request.
    max_headers: int = 100
    """Number of header fields in one request; more is refused with 431."""

    # nginx's default request-line buffer is 8 KiB; Apache's LimitRequestLine is 8190.
    # RFC 9112 section 3 recommends supporting at least 8000 octets.
    max_request_target: int = 8192
    """Length of the request target; a longer one is refused with 414."""

    # Twisted has no body limit; nginx's client_max_body_size is 1 MiB, Django's upload
    # limit for in-memory data 2.5 MiB. 64 MiB allows ordinary uploads out of the box.
    max_body_bytes: int = 64 * 1024 * 1024
    """Request body size. A larger Content-Length is refused with 413 before the body is
    read; a chunked body is refused with 413 as soon as it grows past the limit.
    Overridable per request before its body is read (`H1Connection.set_max_body`)."""

    # Twisted: HTTPFactory timeout = 60 s; nginx keepalive_timeout = 75 s.
    idle_timeout: float = 60.0
    """How long an idle connection (between requests) is kept open."""

    # nginx client_header_timeout = 60 s; Apache mod_reqtimeout header=20-40; Twisted has none.
    header_timeout: float = 20.0
    """Deadline for receiving the complete request head once its first byte arrived;
    past it the client gets 408 and the connection closes (stops slowloris)."""

    # A rate rather than a deadline: a deadline would kill honest large uploads on slow
    # links, while a rate bounds how long a byte-dribbling client holds a connection.
    # Apache mod_reqtimeout: body=20,MinRate=500.
    body_timeout: float = 60.0
    """Longest silence while a request body is being received; past it the client gets
    408 and the connection closes."""

    min_body_rate: float = 512.0
    """Minimum average body rate (bytes/s), enforced once `body_rate_grace` seconds have
    passed since the body started; a slower client gets 408 and the connection closes.
    0 disables the check."""

    body_rate_grace: float = 10.0
    """Seconds of body upload before `min_body_rate` is enforced."""

    # nginx: lingering_timeout 5 s. Closing with unread input sends RST, which can destroy
    # the error response before the client reads it; a short half-closed read avoids that.
    linger_timeout: float = 2.0
    """After refusing a request whose client may still be sending, how long the connection
    stays half-closed (our side done, the client's late bytes read and dropped)."""

    # nginx send_timeout = 60 s (between two successive writes); Twisted has none, so a
    # client that stops reading holds its connection, and the response's memory, forever.
    send_timeout: float = 60.0
    """How long a response may make no progress because the client does not read (the
    transport's buffer stays full, or a sendfile moves no byte); past it the connection
    is aborted."""

    # Twisted has no count limit and pauses reading past 16 KiB of buffered pipeline data.
    max_pipelined_requests: int = 16
    """Complete requests buffered behind the one being answered before reading pauses."""

    max_pipeline_bytes: int = 65536
    """Bytes buffered behind the request being answered before reading pauses."""

    # Twisted caps the whole chunk-size line at 1024 bytes; extensions carry nothing
    # plait uses, so a small bound costs nothing.
    max_chunk_ext_bytes: int = 1024
    """Length of the chunk extensions on one chunk-size line; more is refused with 400."""

    # Twisted: _maxTrailerHeadersSize = 65536. Trailers are dropped, so keep them small.
    max_trailer_bytes: int = 16384
    """Size of the trailer section of a chunked body; more is refused with 431."""

    # Twisted: BytesIO below 100000 bytes, a temporary file above.
    body_in_memory_threshold: int = 100_000
    """Request bodies up to this size stay in memory; larger ones spool to a temp file."""

    def __post_init__(self) -> None:
        for name in (
            "max_header_bytes",
            "max_headers",
            "max_request_target",
            "max_body_bytes",
            "max_pipelined_requests",
            "max_pipeline_bytes",
            "max_chunk_ext_bytes",
            "max_trailer_bytes",
            "body_in_memory_threshold",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"Limits.{name} must not be negative")
        for name in (
            "idle_timeout",
            "header_timeout",
            "body_timeout",
            "body_rate_grace",
            "linger_timeout",
            "send_timeout",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive")
        if self.min_body_rate < 0:
            raise ValueError("Limits.min_body_rate must not be negative")
