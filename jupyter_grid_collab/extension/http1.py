"""A lean HTTP/1.1 keep-alive transport under the extension's shared ``httpx.AsyncClient``.

Why: every sidebar or panel listing is one extra hop (browser -> this server -> team server).
Measured on this project's 2-core machine, httpx's default transport (httpcore, anyio, h11)
spends about 1.3-1.8 ms of CPU per small request, more than jupyter_server's own handling,
and per-read overhead caps a proxied download near 250 MB/s. This transport speaks just what
the team server needs, on asyncio streams: a pool of keep-alive connections per origin,
``Content-Length``, chunked and close-delimited bodies, TLS for ``https://`` team servers.
The ``httpx.AsyncClient`` API, its timeouts and its error types stay the same for callers.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar, cast

import httpx

from ..fd_wait import expire

# one recv takes up to this much of what the socket holds (asyncio's default is 256 KiB):
# a proxied download pays the event loop's and httpx's cost once per read. Measured per
# 512 MiB proxied: 256 KiB reads cost the Jupyter server 0.32-0.40 s of CPU, 1 MiB
# 0.27-0.31 s, 2 MiB and 4 MiB 0.25-0.26 s (4 MiB only holding more memory)
RECV_SIZE = 2 << 20
# a streamed body is handed on in the pieces the socket gave, never cut smaller (a cut
# copies both halves)
READ_CHUNK = RECV_SIZE
# received but unread data beyond this pauses the socket (backpressure): what one
# connection holds stays under BUFFER_LIMIT + RECV_SIZE whatever the consumer's pace
BUFFER_LIMIT = 2 * RECV_SIZE
MAX_HEAD = 64 << 10  # status line and headers
# the response extension holding this transport's body (zerocopy.py reads its socket)
BODY_EXTENSION = "grid_collab.http1_body"
NO_BODY_STATUSES = {204, 304}
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
_now = time.monotonic  # the pool's clock (a name of its own, so tests can move it)
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_Origin = tuple[str, str, int]  # scheme, host, port: one pool of connections each


class _Wire(asyncio.Protocol):
    """One connection's socket side. What the socket delivers is kept as the bytes objects
    it arrived in (asyncio's StreamReader copies every byte into one buffer, then again out
    of it: a third of a proxied download's CPU), and the socket is paused while more than
    BUFFER_LIMIT waits unread, so a slow consumer holds memory flat."""

    # set by connection_made, which runs before create_connection hands the protocol over
    transport: asyncio.Transport

    def __init__(self, on_lost: Callable[[], None] | None = None):
        self.on_lost = on_lost  # the pool's count of open connections
        self.idle_since = 0.0
        self.pieces: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        self.error: Exception | None = None
        self._reading_paused = False
        self._writing_paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self.reused = False  # taken from the idle pool (so it may have been closed meanwhile)

    # ---- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        # the plain socket transport reads ``max_size`` per recv; a TLS one has no such knob
        if hasattr(transport, "max_size"):
            transport.max_size = RECV_SIZE

    def data_received(self, data: bytes) -> None:
        self.pieces.append(data)
        self.buffered += len(data)
        if self.buffered > BUFFER_LIMIT and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake()
        if self.on_lost is not None:
            on_lost, self.on_lost = self.on_lost, None
            on_lost()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # ---- used by the transport
    def usable(self) -> bool:
        return not self.eof and not self.transport.is_closing()

    def close(self) -> None:
        self.transport.close()

    def write(self, data: bytes) -> None:
        if self.eof:
            raise ConnectionResetError("the server closed the connection")
        self.transport.write(data)

    async def drain(self) -> None:
        if self._writing_paused and not self.eof:
            self._drained = asyncio.get_running_loop().create_future()
            await self._drained
        if self.eof and self.error is not None:
            raise ConnectionResetError(str(self.error))

    async def read_some(self, most: int, timeout: float | None = None) -> bytes:
        """The next received piece (at most ``most`` bytes); b"" once the server closed.
        TimeoutError when nothing arrives for ``timeout`` seconds: a timer on the wait
        itself, not ``asyncio.wait_for``, which makes a task per call (per piece of a body)."""
        while not self.pieces:
            if self.eof:
                if self.error is not None:
                    raise self.error
                return b""
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = None if timeout is None else loop.call_later(timeout, expire, waiter)
            try:
                await waiter
            finally:
                if timer is not None:
                    timer.cancel()
        piece = self.pieces.popleft()
        if len(piece) > most:
            self.pieces.appendleft(piece[most:])
            piece = piece[:most]
        self.buffered -= len(piece)
        if self._reading_paused and self.buffered <= BUFFER_LIMIT // 2:
            self._reading_paused = False
            self.transport.resume_reading()
        return piece

    def hold(self) -> None:
        """Stop reading the socket: someone else is about to read it (``take``)."""
        if not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()

    def take(self) -> list[bytes]:
        """What was received and not read yet, handed over with the socket after ``hold``."""
        pieces = list(self.pieces)
        self.pieces.clear()
        self.buffered = 0
        return pieces

    def release(self) -> None:
        """Read the socket again after ``hold``, unless too much waits unread."""
        if (
            self._reading_paused
            and self.buffered <= BUFFER_LIMIT // 2
            and not self.transport.is_closing()
        ):
            self._reading_paused = False
            self.transport.resume_reading()

    def unread(self, data: bytes) -> None:
        if data:
            self.pieces.appendleft(data)
            self.buffered += len(data)

    async def read_until(self, separator: bytes, most: int, timeout: float | None) -> bytes:
        """Bytes up to and including ``separator``; IncompleteReadError if the server closes
        first, LimitOverrunError past ``most`` bytes, TimeoutError when nothing arrives for
        ``timeout`` seconds (per wait, as httpx's read timeout is)."""
        got = bytearray()
        start = 0  # where the separator may begin that was not searched yet
        while True:
            found = got.find(separator, start)
            if found >= 0:
                end = found + len(separator)
                self.unread(bytes(got[end:]))
                return bytes(got[:end])
            if len(got) > most:
                raise asyncio.LimitOverrunError("too long", len(got))
            start = max(0, len(got) - len(separator) + 1)
            piece = await self.read_some(1 << 30, timeout)
            if not piece:
                raise asyncio.IncompleteReadError(bytes(got), None)
            got += piece

    async def read_exactly(self, n: int, timeout: float | None) -> bytes:
        got = b""
        while len(got) < n:
            piece = await self.read_some(n - len(got), timeout)
            if not piece:
                raise asyncio.IncompleteReadError(got, n)
            got += piece
        return got


def _check_head(request: httpx.Request) -> None:
    """Refuse header names and values that would split the request: a CR or LF from a
    caller's input would let it write headers (or a second request) of its own."""
    for name, value in request.headers.raw:
        if not _TOKEN.fullmatch(name) or b"\r" in value or b"\n" in value or b"\0" in value:
            raise httpx.LocalProtocolError(
                f"header {name.decode('latin-1')!r} holds a character not allowed in HTTP "
                "headers (CR, LF or NUL)",
                request=request,
            )


def _timeout(request: httpx.Request, kind: str) -> float | None:
    seconds: float | None = request.extensions.get("timeout", {}).get(kind)
    return seconds


_T = TypeVar("_T")


async def _within(
    awaitable: Awaitable[_T],
    seconds: float | None,
    error: type[httpx.TimeoutException],
    request: httpx.Request,
) -> _T:
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except asyncio.TimeoutError:
        raise error(f"no answer within {seconds} s", request=request) from None


class _Head:
    def __init__(self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]]):
        self.status = status
        self.reason = reason
        self.headers = headers
        lowered = {k.lower(): v for k, v in headers}
        self.length = int(lowered[b"content-length"]) if b"content-length" in lowered else None
        self.chunked = b"chunked" in lowered.get(b"transfer-encoding", b"").lower()
        self.keep_alive = lowered.get(b"connection", b"").lower() != b"close"


def _parse_head(raw: bytes, request: httpx.Request) -> _Head:
    lines = raw.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise httpx.RemoteProtocolError("the server sent a malformed status line", request=request)
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise httpx.RemoteProtocolError("the server sent a malformed header", request=request)
        headers.append((name.strip(), value.strip()))
        if name.strip().lower() == b"content-length" and not value.strip().isdigit():
            raise httpx.RemoteProtocolError(
                "the server sent a malformed Content-Length", request=request
            )
    return _Head(int(parts[1]), parts[2] if len(parts) > 2 else b"", headers)


class Body(httpx.AsyncByteStream):
    """A response body read straight off the connection; the connection goes back to the
    pool only when the body was read to its end and the server keeps it alive."""

    def __init__(
        self,
        transport: Http1Transport,
        key: _Origin,
        conn: _Wire,
        head: _Head,
        request: httpx.Request,
        empty: bool,
    ):
        self.transport, self.key, self.head = transport, key, head
        self.conn: _Wire | None = conn  # None once closed
        self.request = request
        self.empty = empty
        self.done = False
        self.started = False  # iterated or handed over: its bytes are someone's already

    def socket_fd(self) -> int | None:
        """The plain TCP socket this body can be read from directly (its length known, not
        a byte of it read yet, no TLS in between), else None."""
        wire = self.conn
        if (
            wire is None
            or self.started
            or self.empty
            or self.head.chunked
            or self.head.length is None
            or not wire.usable()
        ):
            return None
        transport = wire.transport
        if transport.get_extra_info("sslcontext") is not None:
            return None
        if transport.get_extra_info("ssl_object") is not None:
            return None
        sock = transport.get_extra_info("socket")
        if sock is None or sock.type != socket.SOCK_STREAM:
            return None
        return cast(int, sock.fileno())

    def hold(self) -> None:
        """Stop reading the socket while the caller decides whether to take it over
        (``hand_over``) or not (``release``)."""
        assert self.conn is not None
        self.conn.hold()

    def release(self) -> None:
        """Read on as before ``hold``: the body is iterated as usual."""
        if self.conn is not None:
            self.conn.release()

    def hand_over(self) -> tuple[list[bytes], int]:
        """After ``hold``: (the body's bytes received already, how many more the socket
        holds). The caller reads exactly those off ``socket_fd()``, then calls
        ``handed_back``; if it cannot, ``aclose`` closes the connection (mid-body)."""
        assert self.conn is not None and self.head.length is not None
        self.started = True
        pieces = self.conn.take()
        got = sum(len(p) for p in pieces)
        if got > self.head.length:  # bytes past the body: the server's, not ours to send
            extra = b"".join(pieces)
            pieces = [extra[: self.head.length]]
            self.conn.unread(extra[self.head.length :])
            got = self.head.length
        return pieces, self.head.length - got

    async def handed_back(self) -> None:
        """The caller read the whole body off the socket: the connection may be reused."""
        if self.conn is not None:
            self.conn.release()
        self.done = True
        await self.aclose()

    @property
    def read_timeout(self) -> float | None:
        return _timeout(self.request, "read")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        read_timeout = _timeout(self.request, "read")
        wire = self.conn
        if wire is None or self.started:
            raise httpx.StreamClosed()
        self.started = True
        try:
            if self.empty:
                pass
            elif self.head.chunked:
                async for piece in self._chunks(wire, read_timeout):
                    yield piece
            elif self.head.length is not None:
                left = self.head.length
                while left:
                    piece = await wire.read_some(min(left, READ_CHUNK), read_timeout)
                    if not piece:
                        raise httpx.RemoteProtocolError(
                            f"the server closed the connection {left} bytes before the end "
                            "of the body",
                            request=self.request,
                        )
                    left -= len(piece)
                    yield piece
            else:  # delimited by the server closing the connection
                self.head.keep_alive = False
                while piece := await wire.read_some(READ_CHUNK, read_timeout):
                    yield piece
            self.done = True
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            raise httpx.RemoteProtocolError(
                "the server broke off or garbled a chunked body", request=self.request
            ) from None
        except TimeoutError:  # before OSError, its base
            raise httpx.ReadTimeout(
                f"no data within {read_timeout} s", request=self.request
            ) from None
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=self.request) from None
        finally:
            if self.done:
                await self.aclose()

    async def _chunks(self, wire: _Wire, timeout: float | None) -> AsyncIterator[bytes]:
        while True:
            size_line = await wire.read_until(b"\r\n", MAX_HEAD, timeout)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise httpx.RemoteProtocolError(
                    "the server sent a malformed chunk size", request=self.request
                ) from None
            if size == 0:
                # trailers, if any, end with an empty line
                while await wire.read_until(b"\r\n", MAX_HEAD, timeout) != b"\r\n":
                    pass
                return
            left = size
            while left:
                piece = await wire.read_some(min(left, READ_CHUNK), timeout)
                if not piece:
                    raise httpx.RemoteProtocolError(
                        "the server closed the connection inside a chunk", request=self.request
                    )
                left -= len(piece)
                yield piece
            await wire.read_exactly(2, timeout)

    async def aclose(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        if self.done and self.head.keep_alive:
            self.transport._release(self.key, conn)
        else:
            conn.close()  # the rest of the body is unread: this connection is spent


class Http1Transport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive, one pool of idle connections per origin, at most
    ``max_connections`` open at once (a request beyond waits for one, up to the client's
    pool timeout: ``httpx.Limits`` does not reach a custom transport)."""

    def __init__(
        self,
        *,
        max_connections: int = 100,
        max_idle_per_origin: int = 32,
        keepalive_expiry: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.max_connections = max(1, max_connections)
        self.max_idle = max_idle_per_origin
        # a pooled connection idle longer is closed, not reused: the team server closes
        # idle ones after --idle-timeout (30 s), and a request sent as it does so is lost
        self.keepalive_expiry = keepalive_expiry
        self.ssl_context = ssl_context
        self._idle: dict[_Origin, list[_Wire]] = {}
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()  # requests waiting for room
        self._closed = False

    def _tls(self) -> ssl.SSLContext:
        # made once: loading the CA bundle costs 20-35 ms per context
        if self.ssl_context is None:
            self.ssl_context = ssl.create_default_context()
        return self.ssl_context

    def _release(self, key: _Origin, conn: _Wire) -> None:
        idle = self._idle.setdefault(key, [])
        if self._closed or len(idle) >= self.max_idle or not conn.usable():
            conn.close()
        else:
            conn.idle_since = _now()
            idle.append(conn)
            self._notify()

    def _lost(self) -> None:
        self._open -= 1
        self._notify()

    def _notify(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _take(self, key: _Origin) -> _Wire | None:
        idle = self._idle.get(key)
        now = _now()
        while idle:
            conn = idle.pop()
            if conn.usable() and now - conn.idle_since < self.keepalive_expiry:
                conn.reused = True
                return conn
            conn.close()
        return None

    async def _checkout(self, key: _Origin, request: httpx.Request) -> _Wire:
        """An idle connection to ``key``, or a new one while fewer than the cap are open."""
        deadline = _timeout(request, "pool")
        loop = asyncio.get_running_loop()
        until = None if deadline is None else loop.time() + deadline
        while True:
            conn = self._take(key)
            if conn is not None:
                return conn
            if self._open < self.max_connections:
                return await self._connect(key, request)
            if self._close_one_idle():
                continue  # an idle connection to another origin made room
            left = None if until is None else until - loop.time()
            if left is not None and left <= 0:
                raise httpx.PoolTimeout(
                    f"all {self.max_connections} connections are busy", request=request
                )
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, left)
            except asyncio.TimeoutError:
                pass

    def _close_one_idle(self) -> bool:
        for idle in self._idle.values():
            if idle:
                idle.pop(0).close()
                return True
        return False

    async def _connect(self, key: _Origin, request: httpx.Request) -> _Wire:
        scheme, host, port = key
        tls = self._tls() if scheme == "https" else None
        loop = asyncio.get_running_loop()
        released = False

        def lost() -> None:  # once per connection, however it ends
            nonlocal released
            if not released:
                released = True
                self._lost()

        self._open += 1  # counted from the start, so concurrent connects respect the cap
        try:
            _, wire = await _within(
                loop.create_connection(
                    lambda: _Wire(lost), host, port, ssl=tls, server_hostname=host if tls else None
                ),
                _timeout(request, "connect"),
                httpx.ConnectTimeout,
                request,
            )
        except OSError as exc:
            lost()
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None
        except BaseException:
            lost()
            raise
        return wire

    async def _send_request(self, conn: _Wire, request: httpx.Request) -> None:
        url = request.url
        head = [request.method.encode("ascii"), b" ", url.raw_path, b" HTTP/1.1\r\n"]
        for name, value in request.headers.raw:
            head += [name, b": ", value, b"\r\n"]
        head.append(b"\r\n")
        conn.write(b"".join(head))
        chunked = request.headers.get("transfer-encoding", "").lower() == "chunked"
        write_timeout = _timeout(request, "write")
        stream = request.stream
        if not isinstance(stream, httpx.AsyncByteStream):  # an httpx.Client's, not ours
            raise TypeError("this transport sends only an httpx.AsyncClient's requests")
        async for piece in stream:
            if not piece:
                continue
            if chunked:
                conn.write(b"%x\r\n" % len(piece))
                conn.write(piece)
                conn.write(b"\r\n")
            else:
                conn.write(piece)
            await _within(conn.drain(), write_timeout, httpx.WriteTimeout, request)
        if chunked:
            conn.write(b"0\r\n\r\n")
        await _within(conn.drain(), write_timeout, httpx.WriteTimeout, request)

    async def _read_head(self, conn: _Wire, request: httpx.Request) -> _Head:
        timeout = _timeout(request, "read")
        while True:
            try:
                raw = await conn.read_until(b"\r\n\r\n", MAX_HEAD, timeout)
            except TimeoutError:
                raise httpx.ReadTimeout(f"no answer within {timeout} s", request=request) from None
            except asyncio.IncompleteReadError as exc:
                if not exc.partial:
                    raise _Stale() from None
                raise httpx.RemoteProtocolError(
                    "the server closed the connection inside the response head", request=request
                ) from None
            except asyncio.LimitOverrunError:
                raise httpx.RemoteProtocolError(
                    "the response head is too large", request=request
                ) from None
            if len(raw) > MAX_HEAD:
                raise httpx.RemoteProtocolError("the response head is too large", request=request)
            head = _parse_head(raw[:-4], request)
            if head.status != 100:  # an interim "100 Continue" precedes the real answer
                return head

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise httpx.ConnectError("the transport is closed", request=request)
        url = request.url
        key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        _check_head(request)
        # sent again on a new connection only when sending twice cannot do anything twice:
        # a POST (clone, attach) or a DELETE (stop) that reached the server may have run
        replayable = request.method in IDEMPOTENT and isinstance(request.stream, httpx.ByteStream)
        conn = await self._checkout(key, request)
        while True:
            try:
                await self._send_request(conn, request)
                head = await self._read_head(conn, request)
                break
            except (_Stale, ConnectionError) as exc:
                conn.close()
                # a kept-alive connection the server had already closed: once more on a new
                # one, when the request can be sent again
                if conn.reused and replayable:
                    conn = await self._checkout(key, request)
                    continue
                raise httpx.RemoteProtocolError(
                    (
                        "the server closed the connection without answering"
                        if isinstance(exc, _Stale)
                        else (str(exc) or type(exc).__name__)
                    )
                    + (
                        ""
                        if replayable
                        else f"; the {request.method} was not sent again, "
                        "as it may have taken effect"
                    ),
                    request=request,
                ) from None
            except OSError as exc:
                conn.close()
                raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from None
            except BaseException:
                conn.close()
                raise
        empty = (
            request.method == "HEAD" or head.status in NO_BODY_STATUSES or 100 <= head.status < 200
        )
        body = Body(self, key, conn, head, request, empty)
        return httpx.Response(
            head.status,
            headers=head.headers,
            stream=body,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": head.reason,
                BODY_EXTENSION: body,
            },
        )

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


class _Stale(Exception):
    """A reused connection turned out closed before any byte of the answer came back."""
