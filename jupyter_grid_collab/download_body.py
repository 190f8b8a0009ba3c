"""A download's body from a local file, one writer of it for the team server's blob
downloads and the extension's (when the team server's blobs are on its machine): sent by
the kernel (``os.sendfile``) without passing through this process where it can, else in
chunks read on a worker thread.

Why: sending a file in chunks costs a read into a bytes object and a send out of it for
every byte; on this project's 2-core machine that was 0.22-0.26 s of the team server's CPU
per 512 MiB (0.06 s by sendfile), CPU a proxying Jupyter server and the client then lack.
Used only for plain TCP (an SSL stream's socket carries TLS records, not the body) and a
regular local file; otherwise chunks, at most two of them in memory.

What a download promises stays: the headers go out through tornado; before the last piece
leaves, the file must still be the one verified, else the connection is closed short of its
Content-Length (a failed download, never a complete one with bad bytes); a client that goes
away ends it.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import IO

import tornado.iostream
from tornado import web
from tornado.http1connection import HTTP1Connection

from .fd_wait import ready

ENABLED = hasattr(os, "sendfile")
#: a chunk read when the kernel cannot send the file, and the last bytes read into memory
#: before the file's check when it can
CHUNK = 4 << 20
#: the most one sendfile call sends: the kernel reads the file inside the call, on the event
#: loop, so a cold disk holds the loop for at most this much reading
STEP = 2 << 20
#: bytes sent without a wait before the loop lets other requests run (a fast client would
#: otherwise hold the event loop for the whole download)
FAIR_SHARE = 8 << 20
#: the client closed its side: the download ends; any other error of a first call means
#: this file or socket cannot be sent this way (the caller sends chunks instead)
_PEER_GONE = frozenset({errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.ESHUTDOWN})
#: how often a wait for the client to take more checks whether tornado closed the
#: connection meanwhile (the server stopping): our own descriptor keeps the socket open
CLOSED_CHECK = 5.0


async def send(
    handler: web.RequestHandler,
    f: IO[bytes],
    offset: int,
    count: int,
    still_good: Callable[[], Awaitable[bool]],
    pool: Executor | None = None,
) -> bool:
    """Send ``count`` bytes of ``f`` from ``offset`` as the body (the response's headers
    already set) and finish the response. The last chunk is read into memory first, and
    only then must ``still_good()`` say the file is unchanged, else the connection is
    closed short: no byte read after the check is sent. A client that goes away ends it.
    ``pool`` runs the file reads. True when the kernel sent it, False when chunks did."""
    if await _by_kernel(handler, f, offset, count, still_good, pool):
        return True
    await _by_chunks(handler, f, offset, count, still_good, pool)
    return False


async def _by_kernel(
    handler: web.RequestHandler,
    f: IO[bytes],
    offset: int,
    count: int,
    still_good: Callable[[], Awaitable[bool]],
    pool: Executor | None,
) -> bool:
    """sendfile up to the last CHUNK bytes, which go through tornado. False when it
    cannot be sent this way, with nothing of the body sent (its headers may be)."""
    fd = _regular_fd(f)
    connection = handler.request.connection
    if fd is None or not ENABLED or not isinstance(connection, HTTP1Connection):
        return False
    stream = connection.stream
    if type(stream) is not tornado.iostream.IOStream or stream.socket is None:
        return False
    try:
        await handler.flush()  # the headers, through tornado
    except tornado.iostream.StreamClosedError:
        return True
    # tornado counts what a Content-Length response still owes and refuses to finish short
    # of it; the bytes sent here go past it, so they are counted here (checked first)
    if getattr(connection, "_expected_content_remaining", None) != count or stream.socket is None:
        return False
    # a descriptor of our own: if tornado closes its socket meanwhile, its number may go to
    # another connection, while ours still names this one
    out = os.dup(stream.socket.fileno())
    try:
        head = count - min(CHUNK, count)
        try:
            if not await _sendfile(out, fd, offset, head, stream):
                return True
        except _Unsupported:
            return False  # nothing sent: the caller sends it in chunks
        loop = asyncio.get_running_loop()
        last = await loop.run_in_executor(pool, os.pread, fd, count - head, offset + head)
        if len(last) < count - head or not await still_good():
            connection.close()  # short of Content-Length: a failed download
            return True
        # the last bytes go through tornado, which counts them as all that is left
        connection._expected_content_remaining = len(last)
        handler.write(last)
        handler.finish()
        return True
    finally:
        os.close(out)


async def _by_chunks(
    handler: web.RequestHandler,
    f: IO[bytes],
    offset: int,
    count: int,
    still_good: Callable[[], Awaitable[bool]],
    pool: Executor | None,
) -> None:
    """The next chunk is read while this one drains to the socket (disk and network
    overlap), each flush awaited (backpressure): at most two chunks are held."""
    loop = asyncio.get_running_loop()
    if offset:
        await loop.run_in_executor(pool, f.seek, offset)
    remaining = count
    pending = loop.run_in_executor(pool, f.read, CHUNK)
    try:
        while True:
            chunk = await pending
            if not chunk:
                break
            remaining -= len(chunk)
            if remaining <= 0 and not await still_good():
                handler.request.connection.close()  # type: ignore[union-attr]
                return
            pending = loop.run_in_executor(pool, f.read, CHUNK)
            handler.write(chunk)
            del chunk
            try:
                await handler.flush()
            except tornado.iostream.StreamClosedError:
                return  # the client went away
        handler.finish()
    finally:
        await asyncio.wait([pending])  # never close the file under a running read


async def _sendfile(
    out: int, fd: int, offset: int, left: int, stream: tornado.iostream.IOStream
) -> bool:
    """Send ``left`` bytes; False (the connection closed) when the client went away, the
    server closed the connection, or the file ended early. _Unsupported when the first
    call fails for another reason (a filesystem without sendfile), nothing sent."""
    loop = asyncio.get_running_loop()
    unbroken = 0
    first = True
    while left:
        if stream.closed():
            return False
        try:
            sent = os.sendfile(out, fd, offset, min(left, STEP))
        except BlockingIOError:
            unbroken = 0
            try:
                await ready(loop.add_writer, loop.remove_writer, out, CLOSED_CHECK)
            except TimeoutError:
                pass  # still waiting for the client: check the connection, then again
            continue
        except OSError as exc:
            if first and exc.errno not in _PEER_GONE:
                raise _Unsupported() from exc
            stream.close()  # the client closed its side, or a failure midway
            return False
        first = False
        if sent == 0:  # the file is shorter than verified: never pad, cut short
            stream.close()
            return False
        offset += sent
        left -= sent
        unbroken += sent
        if unbroken >= FAIR_SHARE:
            unbroken = 0
            await asyncio.sleep(0)
    return True


class _Unsupported(Exception):
    """sendfile cannot send this file to this socket."""


def _regular_fd(f: IO[bytes]) -> int | None:
    """``f``'s descriptor when it is a regular file on this machine, else None."""
    try:
        fd = f.fileno()
        return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (AttributeError, OSError, ValueError):
        return None
