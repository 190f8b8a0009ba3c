"""A proxied download's body moved from the team server's socket to the browser's inside the
kernel (Linux ``splice`` through a pipe), without passing through this process.

Why: relaying a body through Python costs two copies per byte (recv into a bytes object,
send out of it); in a profile of a proxied 512 MiB download they were 80 % of the Jupyter
server's CPU (the event loop, httpx and tornado a few %). Spliced, the team server's pages
go to the browser's socket by reference. Used only when both sides are plain TCP (no TLS:
its bytes are not the body's) and the length is known; otherwise the caller copies as
before. What a download promises stays: the headers go out through tornado, the body is
exactly Content-Length bytes or the browser's connection is closed short (a failed
download, never a truncated success), the transport's read timeout holds on each wait for
the team server, and the upstream connection is reused only when its body was read whole.
"""

from __future__ import annotations

import asyncio
import os

import httpx
import tornado.iostream
from tornado import web
from tornado.http1connection import HTTP1Connection

from ..fd_wait import ready as _ready
from .http1 import BODY_EXTENSION, Body

try:
    import fcntl
except ImportError:  # Windows: no splice either
    fcntl = None  # type: ignore[assignment]

# the pipe between the two sockets; 1 MiB is the largest an unprivileged process may ask
# for (/proc/sys/fs/pipe-max-size), 16 times the default
PIPE_SIZE = 1 << 20
_IN = getattr(os, "SPLICE_F_MOVE", 0) | getattr(os, "SPLICE_F_NONBLOCK", 0)
_MORE = getattr(os, "SPLICE_F_MORE", 0)
# bytes moved without a wait before the loop lets other requests run (both sockets ready
# all along would otherwise hold this server's event loop for the whole download)
FAIR_SHARE = 16 << 20
ENABLED = fcntl is not None and hasattr(os, "splice") and hasattr(fcntl, "F_SETPIPE_SZ")


async def relay(handler: web.RequestHandler, response: httpx.Response) -> bool:
    """Send ``response``'s body (its headers already set on ``handler``) by splice. False
    when it cannot be spliced, with none of the body sent: the caller then copies it. True
    once it is handled: sent whole and finished, or the browser went away. A team server
    failing midway raises as the copying read would (httpx errors), with the browser's
    response left unfinished, so tornado closes it short of its Content-Length."""
    body = response.extensions.get(BODY_EXTENSION)
    up_fd = body.socket_fd() if ENABLED and isinstance(body, Body) else None
    connection = handler.request.connection
    if up_fd is None or not isinstance(connection, HTTP1Connection):
        return False
    assert isinstance(body, Body)
    stream = connection.stream
    # exactly IOStream: an SSLIOStream's socket carries TLS records, not the body
    if type(stream) is not tornado.iostream.IOStream or stream.socket is None:
        return False
    length = body.head.length
    # no more is read into this process from here: only what came before is copied
    body.hold()
    try:
        await handler.flush()  # the headers, through tornado
    except tornado.iostream.StreamClosedError:
        return True  # the browser went away; the caller's aclose spends the connection
    # tornado counts what a Content-Length response still owes and refuses to finish short
    # of it; the spliced bytes go past it, so they are counted here (checked first: a
    # tornado that counts otherwise gets the body copied instead)
    if (
        getattr(connection, "_expected_content_remaining", None) != length
        or body.socket_fd() != up_fd
        or stream.socket is None
    ):
        body.release()
        return False
    pieces, left = body.hand_over()
    # descriptors of our own for both sockets: if tornado or asyncio closes theirs meanwhile
    # (the browser or the team server hung up), the number may go to another connection,
    # while ours still name these two sockets
    up = os.dup(up_fd)
    try:
        down = os.dup(stream.socket.fileno())
    except BaseException:
        os.close(up)
        raise
    try:
        # what came with the response head, each piece flushed alone (tornado would join
        # them: a copy of them all)
        while pieces:
            handler.write(pieces.pop(0))
            try:
                await handler.flush()
            except tornado.iostream.StreamClosedError:
                return True
        if connection._expected_content_remaining != left:
            raise RuntimeError("tornado did not count the body's first bytes as sent")
        if left and await _splice(up, down, left, body.read_timeout, response.request) is None:
            connection.close()  # the browser went away
            return True
        connection._expected_content_remaining = 0  # all of it sent, past tornado
        await body.handed_back()
        handler.finish()
        return True
    finally:
        os.close(up)
        os.close(down)


async def _splice(
    up: int, down: int, left: int, timeout: float | None, request: httpx.Request
) -> int | None:
    """Move ``left`` bytes from socket ``up`` to socket ``down`` through a pipe: ``left``
    once done, None when ``down`` was closed by its peer. Only the pipe's turn decides what
    to wait for: with bytes in it, for ``down`` to take more; else for ``up`` to have some
    (a pipe full and a socket with data would both say "ready" and spin)."""
    loop = asyncio.get_running_loop()
    r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        try:
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass  # a smaller pipe only means more calls
        in_pipe = sent = unbroken = 0
        while left or in_pipe:
            got = None
            if left:
                try:
                    got = os.splice(up, w, min(left, PIPE_SIZE), flags=_IN)
                except BlockingIOError:
                    pass  # nothing to read, or the pipe is full
                except OSError as exc:
                    raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from None
                else:
                    if got == 0:
                        raise httpx.RemoteProtocolError(
                            f"the server closed the connection {left} bytes before the end "
                            "of the body",
                            request=request,
                        )
                    left -= got
                    in_pipe += got
            if in_pipe:
                try:
                    out = os.splice(r, down, in_pipe, flags=_IN | (_MORE if left else 0))
                except BlockingIOError:
                    unbroken = 0
                    await _ready(loop.add_writer, loop.remove_writer, down, None)
                    continue
                except OSError:  # EPIPE, ECONNRESET: the browser closed its side
                    return None
                if out == 0:
                    return None
                in_pipe -= out
                sent += out
                unbroken += out
                if unbroken >= FAIR_SHARE:
                    unbroken = 0
                    await asyncio.sleep(0)
            elif got is None:
                unbroken = 0
                try:
                    await _ready(loop.add_reader, loop.remove_reader, up, timeout)
                except TimeoutError:
                    raise httpx.ReadTimeout(
                        f"no data within {timeout} s", request=request
                    ) from None
        return sent
    finally:
        os.close(r)
        os.close(w)
