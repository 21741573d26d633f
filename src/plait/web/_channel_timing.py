"""ChannelTiming: the clocks of one HTTP/1.x connection, held by its `HTTPChannel`.

One self-re-arming timer per connection guards, in turn, the idle time between requests,
the arrival of a request head, and a request body (a silence limit and a minimum average
rate). Beside it runs the send timeout: a client that takes no response bytes for too long is
aborted. After a refused request the channel lingers, reading and dropping input, for a
bounded time. This module decides *when* a limit is crossed; what a passed request deadline
means (close an idle connection, answer 408) is the channel's call.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import sys
import termios
from typing import TYPE_CHECKING

from plait.web._limits import Limits

if TYPE_CHECKING:
    from collections.abc import Callable

    from plait.web._channel import HTTPChannel

__all__ = ["BODY", "HEADERS", "IDLE", "ChannelTiming", "unsent"]

_log = logging.getLogger("plait.web.http")

# What the single connection timer is currently guarding (compared with ``is``).
IDLE = "idle"  # between requests: no byte of the next request yet
HEADERS = "headers"  # part of a request head has arrived; the whole head must follow in time
BODY = "body"  # reading a body, or the application works on a request (no deadline then)


class ChannelTiming:
    """The deadlines of one connection and the single timer that enforces them.

    The channel moves a deadline by assigning `deadline` (and `kind`): the per-request path
    never creates or cancels a timer handle. See `arm` for why that is safe.
    """

    __slots__ = (
        "_channel",
        "bodyBytes",
        "bodyStart",
        "deadline",
        "handle",
        "kind",
        "limits",
        "lingerHandle",
        "loop",
        "sendBuffered",
        "sendDeadline",
        "tick",
    )

    loop: asyncio.AbstractEventLoop

    def __init__(self, channel: HTTPChannel, limits: Limits) -> None:
        self._channel = channel
        self.limits = limits
        self.handle: asyncio.TimerHandle | None = None
        #: When the current `kind` of wait times out; None: nothing to time.
        self.deadline: float | None = None
        self.kind = IDLE
        self.tick = 1.0
        #: Set while the client is not taking response bytes.
        self.sendDeadline: float | None = None
        #: Bytes unsent when the send deadline was last looked at; -1: a sendfile moved some.
        self.sendBuffered = 0
        self.bodyStart: float | None = None
        self.bodyBytes = 0
        self.lingerHandle: asyncio.TimerHandle | None = None

    # One timer per connection, ticking at most every `tick` seconds (the shortest timeout).
    # Moving a deadline is an assignment: a new deadline is never earlier than the next tick,
    # because it is at least `tick` away from now and the timer was armed at most `tick`
    # ago. So the hot path never creates or cancels timer handles.
    def setDeadline(self, seconds: float, kind: str) -> None:
        """Time a wait of *kind* that must end within *seconds*."""
        self.kind = kind
        self.deadline = self.loop.time() + seconds
        if self.handle is None:
            self.arm()

    def arm(self) -> None:
        """Start the timer: at the next tick, or sooner if a deadline falls before it."""
        limits = self.limits
        self.tick = tick = min(limits.header_timeout, limits.idle_timeout, limits.send_timeout)
        deadline = self.deadline
        when = self.loop.time() + tick
        if deadline is not None and deadline < when:
            when = deadline
        send = self.sendDeadline
        if send is not None and send < when:
            when = send
        self.handle = self.loop.call_at(when, self._onTimer)

    def cancel(self) -> None:
        """Drop the current deadline and stop the timer (the send deadline is kept)."""
        self.deadline = None
        handle = self.handle
        if handle is not None:
            self.handle = None
            handle.cancel()

    def stop(self) -> None:
        """The connection is gone: stop the timer and any lingering."""
        self.cancel()
        linger = self.lingerHandle
        if linger is not None:
            self.lingerHandle = None
            linger.cancel()

    def linger(self, close: Callable[[], object]) -> None:
        """Call *close* once `Limits.linger_timeout` has passed (unless `stop` comes first)."""
        self.lingerHandle = self.loop.call_later(self.limits.linger_timeout, close)

    # -- the request body -----------------------------------------------------------------

    def startBody(self) -> None:
        """A request body begins: time its silences and its average rate."""
        self.bodyStart = self.loop.time()
        self.bodyBytes = 0
        self.kind = BODY
        self.deadline = deadline = self.bodyDeadline()
        handle = self.handle
        if handle is None or handle.when() > deadline:
            # Body deadlines may be shorter than the timer's tick: arm for this one.
            if handle is not None:
                handle.cancel()
            self.handle = self.loop.call_at(deadline, self._onTimer)

    def bodyReceived(self, size: int) -> None:
        """*size* more body bytes arrived: push the body deadline back."""
        self.bodyBytes += size
        self.deadline = self.bodyDeadline()  # only ever moves later

    def bodyDeadline(self) -> float:
        """When the body being received times out: silence, or an average rate too low."""
        limits = self.limits
        start = self.bodyStart
        assert start is not None
        deadline = self.loop.time() + limits.body_timeout
        rate = limits.min_body_rate
        if rate > 0:
            # The moment at which the bytes received so far fall below the minimum average
            # rate: a byte-dribbling client cannot hold the connection by never going silent.
            deadline = min(deadline, start + max(limits.body_rate_grace, self.bodyBytes / rate))
        return deadline

    # -- the send timeout -----------------------------------------------------------------

    def sendStalled(self) -> None:
        """The transport's buffer is full: the client must take bytes within the send timeout."""
        self.sendDeadline = self.loop.time() + self.limits.send_timeout
        self.sendBuffered = unsent(self._channel.transport)
        if self.handle is None and not self._channel._lost:
            self.arm()  # closing cancels the timer, yet a close still waits for a flush

    def sendfileStarted(self) -> None:
        """A zero-copy send begins: it is timed like a full buffer, by its progress."""
        self.sendDeadline = self.loop.time() + self.limits.send_timeout
        self.sendBuffered = -1

    def sendProgress(self) -> None:
        """A sendfile moved bytes: the client reads (looked at when the deadline passes)."""
        self.sendBuffered = -1

    def _sendMoved(self) -> bool:
        """Whether fewer bytes wait to be sent than when the send deadline was set.

        Checked only when the deadline passes, so the hot path stays free of it: a stalled
        client is dropped between one and two `Limits.send_timeout` after its last read.
        """
        size = unsent(self._channel.transport)
        last = self.sendBuffered
        moved = last < 0 or size < last
        self.sendBuffered = size
        if moved:
            self.sendDeadline = self.loop.time() + self.limits.send_timeout
        return moved

    def _sendTimedOut(self) -> None:
        channel = self._channel
        _log.info(
            "aborting the connection to %s: it read nothing of the response for %g s",
            channel._peerText(),
            self.limits.send_timeout,
        )
        channel._closing = True
        self.cancel()
        self.sendDeadline = None
        sending = channel._sendfileTask
        if sending is not None:
            # Aborting the transport under the stdlib loop's sendfile corrupts the transport's
            # state (CPython 3.11): stop the send first, abort once it has unwound.
            sending.add_done_callback(self._abortTransport)
            sending.cancel()
            return
        self._abortTransport()

    def _abortTransport(self, _task: object = None) -> None:
        transport = self._channel.transport
        if transport is not None:
            transport.abort()

    # -- the timer ------------------------------------------------------------------------

    def _onTimer(self) -> None:
        self.handle = None
        channel = self._channel
        if channel._lost:
            return
        send = self.sendDeadline
        if send is not None and self.loop.time() >= send and not self._sendMoved():
            self._sendTimedOut()
            return
        if channel._closing:
            if self.sendDeadline is not None:
                self.arm()
            return
        deadline = self.deadline
        if deadline is None or self.loop.time() < deadline:
            self.arm()
            return
        channel._deadlinePassed(self.kind)


def unsent(transport: asyncio.Transport | None) -> int:
    """Bytes written and not yet taken by the client: the transport's buffer and the kernel's.

    The kernel's share matters: a client reading slowly drains the socket's send queue long
    before the socket turns writable again and the transport's own buffer shrinks.
    """
    if transport is None:
        return 0
    size = transport.get_write_buffer_size()
    sock = transport.get_extra_info("socket")
    if sock is not None and _OUTQ is not None:
        try:
            raw = fcntl.ioctl(sock.fileno(), _OUTQ, b"\0\0\0\0")
            size += int.from_bytes(raw, sys.byteorder, signed=True)
        except (OSError, ValueError):
            pass  # not a socket the ioctl knows (UNIX sockets on some systems, a closed one)
    return size


# SIOCOUTQ (Linux's TIOCOUTQ on sockets): bytes in the socket's send queue, not yet acked.
_OUTQ: int | None = getattr(termios, "TIOCOUTQ", None) if sys.platform == "linux" else None
