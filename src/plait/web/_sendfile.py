"""Getting a file's bytes onto the wire: zero-copy ``sendfile``, or bounded pull producers.

Two ways out, chosen per response by `plait.web.static.File`:

- On a plain TCP (or UNIX) connection the kernel copies the file straight into the socket
  (`send_zero_copy`): the stdlib loop's ``loop.sendfile``, and on uvloop (whose
  ``loop.sendfile`` is not implemented) ``os.sendfile`` on the transport's socket, waiting
  for writability through a private epoll set watched by the loop. `ZeroCopyProducer`
  drives it for a whole response (one range, several ranges with their part headers).
- Anywhere else (TLS, HTTP/2, a response encoder such as gzip, a file object without a
  descriptor) the pull producers read ``bufferSize`` bytes at a time, and only when the
  transport asks for more, so memory never depends on the size of the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
from collections.abc import Callable
from typing import IO, Any

from zope.interface import implementer

from plait.internet.interfaces import IPullProducer, IPushProducer

__all__ = [
    "MultipleRangeStaticProducer",
    "NoRangeStaticProducer",
    "SingleRangeStaticProducer",
    "SmallFileProducer",
    "StaticProducer",
    "ZeroCopyProducer",
    "send_zero_copy",
    "zero_copy_supported",
]

_log = logging.getLogger("plait.web.static")

RangeInfo = list[tuple[bytes, int, int]]
"""Response parts: ``(bytes to write first, file offset, byte count)`` each."""

# One os.sendfile call never asks for more than this: the kernel stops at what the socket
# buffer holds anyway, and a bound keeps a fast client from monopolising the loop.
_MAX_CHUNK = 8 * 1024 * 1024

# The stdlib loop's sendfile reports nothing until it is done, so it is called for this much
# at a time to see progress (the channel's send timeout): at 60 s a client must take at least
# 2 KiB/s, and the per-call overhead stays negligible next to the copy.
_STDLIB_STEP = 128 * 1024


def _is_uvloop(loop: asyncio.AbstractEventLoop) -> bool:
    return type(loop).__module__.startswith("uvloop")


def zero_copy_supported(loop: asyncio.AbstractEventLoop, transport: Any) -> bool:
    """Whether `send_zero_copy` works on *transport* (a plain socket transport of *loop*)."""
    if not hasattr(os, "sendfile") or transport is None:
        return False
    get_extra_info = getattr(transport, "get_extra_info", None)
    if get_extra_info is None or get_extra_info("sslcontext") is not None:
        return False
    if get_extra_info("socket") is None:
        return False
    if _is_uvloop(loop):
        return hasattr(select, "epoll")
    if isinstance(loop, asyncio.BaseEventLoop):
        # What loop.sendfile itself checks: only selector socket transports go native.
        mode = getattr(transport, "_sendfile_compatible", None)
        return getattr(mode, "name", None) == "TRY_NATIVE"
    return False


class _Writability:
    """Waits for sockets to become writable through one epoll set the loop watches.

    uvloop owns its transports' descriptors (``add_writer`` on them is refused), but an
    epoll set is an ordinary readable descriptor: the loop watches the set, the set
    watches the sockets. The set exists only while someone waits.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._epoll: Any = None
        self._waiters: dict[int, asyncio.Future[None]] = {}

    async def wait(self, fd: int) -> None:
        """Return once *fd* can take more bytes (or has failed: the next send will say)."""
        if self._epoll is None:
            self._epoll = select.epoll()
            self._loop.add_reader(self._epoll.fileno(), self._ready)
        waiter = self._loop.create_future()
        self._waiters[fd] = waiter
        try:
            self._epoll.register(fd, select.EPOLLOUT | select.EPOLLONESHOT)
            await waiter
        finally:
            self._waiters.pop(fd, None)
            with contextlib.suppress(OSError):
                self._epoll.unregister(fd)
            if not self._waiters:
                self._close()

    def _ready(self) -> None:
        epoll = self._epoll
        if epoll is None:
            return
        for fd, _events in epoll.poll(0):
            waiter = self._waiters.get(fd)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def _close(self) -> None:
        epoll, self._epoll = self._epoll, None
        if epoll is not None:
            self._loop.remove_reader(epoll.fileno())
            epoll.close()
        _WAITERS.pop(self._loop, None)


_WAITERS: dict[asyncio.AbstractEventLoop, _Writability] = {}


def _writability(loop: asyncio.AbstractEventLoop) -> _Writability:
    waiter = _WAITERS.get(loop)
    if waiter is None:
        waiter = _WAITERS[loop] = _Writability(loop)
    return waiter


async def send_zero_copy(
    loop: asyncio.AbstractEventLoop,
    transport: Any,
    file: IO[bytes],
    offset: int,
    count: int,
    progress: Callable[[], None] | None = None,
) -> None:
    """Send *count* bytes of *file* from *offset* on *transport*, kernel to kernel.

    Bytes already written to the transport go out first; *progress* is called whenever
    some bytes have gone. Raises `ConnectionError` when the peer goes away and `EOFError`
    when the file ends early (it shrank while being sent); either way the caller must
    drop the connection, since the framing is lost.
    """
    if not _is_uvloop(loop):
        while count:
            step = min(count, _STDLIB_STEP)
            if transport.is_closing():
                raise ConnectionResetError("the connection closed during sendfile")
            try:
                sent = await loop.sendfile(transport, file, offset, step, fallback=False)
            except asyncio.SendfileNotAvailableError as exc:
                # What asyncio raises when the step's very first os.sendfile fails: support
                # was checked beforehand, so the socket itself failed (a reset peer).
                raise ConnectionResetError(f"sendfile failed: {exc}") from exc
            if sent != step:
                raise EOFError(f"file ended with {count - sent} bytes still to send")
            offset += step
            count -= step
            if progress is not None:
                progress()
        return
    fd = transport.get_extra_info("socket").fileno()
    source = file.fileno()
    writable = _writability(loop)
    # What was written through the transport (headers, part boundaries) must leave first.
    while transport.get_write_buffer_size():
        await writable.wait(fd)
    while count:
        if transport.is_closing():
            raise ConnectionResetError("the connection closed during sendfile")
        try:
            sent = os.sendfile(fd, source, offset, min(count, _MAX_CHUNK))
        except BlockingIOError:
            await writable.wait(fd)
            continue
        if sent == 0:
            raise EOFError(f"file ended with {count} bytes still to send")
        offset += sent
        count -= sent
        if progress is not None:
            progress()
        if count:
            await writable.wait(fd)


class StaticProducer:
    """Base of the file body producers: holds the request and the open file."""

    bufferSize = 65536
    """Bytes read per `resumeProducing` (Twisted's ``FileDescriptor.bufferSize``)."""

    def __init__(self, request: Any, fileObject: IO[bytes]) -> None:
        self.request: Any = request
        self.fileObject = fileObject

    def start(self) -> None:
        """Register with the request and begin sending."""
        raise NotImplementedError(self.start)

    def resumeProducing(self) -> None:
        """Write the next block."""
        raise NotImplementedError(self.resumeProducing)

    def stopProducing(self) -> None:
        """Stop for good: close the file and forget the request."""
        self.fileObject.close()
        self.request = None

    def _finish(self) -> None:
        request, self.request = self.request, None
        self.fileObject.close()
        if request is not None:
            request.unregisterProducer()
            request.finish()


@implementer(IPullProducer)
class _RangesProducer(StaticProducer):
    """A pull producer sending parts (prefix, offset, count) of the file in order."""

    def __init__(
        self, request: Any, fileObject: IO[bytes], parts: RangeInfo, closing: bytes = b""
    ) -> None:
        super().__init__(request, fileObject)
        self._parts = list(parts)
        self._closing = closing
        self._index = -1
        self._left = 0

    def start(self) -> None:
        """Register as a pull producer; the request pulls blocks as the socket drains."""
        self.request.registerProducer(self, False)

    def resumeProducing(self) -> None:
        """Write one block (and a part header where a part begins)."""
        request = self.request
        if request is None:
            return
        while not self._left:
            self._index += 1
            if self._index == len(self._parts):
                if self._closing:
                    request.write(self._closing)
                self._finish()
                return
            prefix, offset, self._left = self._parts[self._index]
            self.fileObject.seek(offset)
            if prefix:
                request.write(prefix)
                return
        data = self.fileObject.read(min(self.bufferSize, self._left))
        if not data:
            # The file shrank under us: the declared length cannot be met.
            _log.warning("%r ended early while being sent", self.fileObject)
            self._left = 0
            self._parts = self._parts[: self._index + 1]
            self._closing = b""
            self._finish()
            return
        self._left -= len(data)
        request.write(data)


class NoRangeStaticProducer(_RangesProducer):
    """Sends the whole file."""

    def __init__(self, request: Any, fileObject: IO[bytes], size: int | None = None) -> None:
        if size is None:
            fileObject.seek(0, os.SEEK_END)
            size = fileObject.tell()
        super().__init__(request, fileObject, [(b"", 0, size)])


class SingleRangeStaticProducer(_RangesProducer):
    """Sends *size* bytes of the file from *offset*."""

    def __init__(self, request: Any, fileObject: IO[bytes], offset: int, size: int) -> None:
        super().__init__(request, fileObject, [(b"", offset, size)])
        self.offset = offset
        self.size = size


class MultipleRangeStaticProducer(_RangesProducer):
    """Sends several ranges, each after its part header; *rangeInfo* as Twisted's."""

    def __init__(
        self, request: Any, fileObject: IO[bytes], rangeInfo: RangeInfo, closing: bytes = b""
    ) -> None:
        super().__init__(request, fileObject, rangeInfo, closing)
        self.rangeInfo = rangeInfo


class SmallFileProducer(StaticProducer):
    """Sends a small file (or range) in one write together with the response head.

    For a few KiB, reading the bytes costs less than setting up ``sendfile`` or pulling
    blocks: the response goes out as one transport write, like a resource returning bytes.
    """

    def __init__(self, request: Any, fileObject: IO[bytes], offset: int, size: int) -> None:
        super().__init__(request, fileObject)
        self.offset = offset
        self.size = size

    def start(self) -> None:
        """Read the bytes, send them and finish the request."""
        request, self.request = self.request, None
        fileObject = self.fileObject
        try:
            if self.offset:
                fileObject.seek(self.offset)
            data = fileObject.read(self.size)
        finally:
            fileObject.close()
        if request is None:
            return
        if len(data) != self.size:
            # The file changed size under us: the declared length cannot be met.
            _log.warning("%r ended early while being sent", fileObject)
        whole = getattr(request, "_writeWhole", None)  # server.Request: applies any encoder
        if whole is not None and len(data) == self.size:
            whole(data)
            return
        request.write(data)
        request.finish()

    def resumeProducing(self) -> None:
        """Nothing to do: `start` sends everything."""


@implementer(IPushProducer)
class ZeroCopyProducer(StaticProducer):
    """Sends parts of the file with the channel's ``sendfile``; the kernel does the copying."""

    _task: asyncio.Task[None] | None = None

    def __init__(
        self, request: Any, fileObject: IO[bytes], parts: RangeInfo, closing: bytes = b""
    ) -> None:
        super().__init__(request, fileObject)
        self._parts = parts
        self._closing = closing

    def start(self) -> None:
        """Start sending in a task of the connection's loop."""
        request = self.request
        request.notifyFinish().addErrback(self._clientGone)
        self._task = task = asyncio.ensure_future(self._run(request))
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        # Here rather than in _run: a task cancelled before its first step never runs it.
        self.fileObject.close()
        if not task.cancelled() and task.exception() is not None:
            _log.error("sending %r failed", self.fileObject, exc_info=task.exception())

    async def _run(self, request: Any) -> None:
        channel = request.channel
        try:
            request.write(b"")  # the status line and headers, now
            for prefix, offset, count in self._parts:
                if prefix:
                    request.write(prefix)
                if count:
                    await channel.sendfile(request, self.fileObject, offset, count)
                    # Bytes the kernel sent never pass request.write: count them for the
                    # access log, as Twisted's File (which writes them) does.
                    request.sentLength += count
            if self._closing:
                request.write(self._closing)
            if self.request is not None:
                self.request = None
                request.finish()
        except (ConnectionError, EOFError, asyncio.CancelledError) as exc:
            _log.debug("sendfile of %r ended early: %r", self.fileObject, exc)
            self.request = None

    def _clientGone(self, reason: object) -> None:
        self.stopProducing()

    def pauseProducing(self) -> None:
        """Nothing to do: the kernel only sends what the socket takes."""

    def resumeProducing(self) -> None:
        """Nothing to do: see `pauseProducing`."""

    def stopProducing(self) -> None:
        """Cancel the transfer (the file is closed when the task unwinds)."""
        self.request = None
        task = self._task
        if task is not None and not task.done():
            task.cancel()
