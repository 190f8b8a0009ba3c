"""The team server's HTTP server: bounded connections that stalled clients cannot exhaust.

Anyone who can reach the port can open connections and send half a request head, no key
needed. Plain tornado keeps such a connection for an hour and accepts until the process
runs out of file descriptors, then logs the failed accept on every loop turn. Here:

- a connection waiting for a request head (new, or kept alive between requests) is closed
  after ``idle_timeout``; a request body must arrive within ``body_timeout``;
- at most ``max_connections`` are open. At the cap, the connection that has waited longest
  for a head is closed to make room (a stalled client never crowds out a real one); only
  when every connection is busy with a request is the newcomer turned away;
- accept errors (out of descriptors) pause accepting for a moment instead of spinning, and
  are logged at most once per ``LOG_EVERY`` seconds with a count of what was not logged.
"""

from __future__ import annotations

import errno
import logging
import resource
import socket
import time
from typing import Any

import click
import tornado.httpserver
from tornado import httputil
from tornado.ioloop import IOLoop
from tornado.netutil import _DEFAULT_BACKLOG

log = logging.getLogger("grid_collab.teamserver")

LOG_EVERY = 10.0
ACCEPT_PAUSE = 0.5
#: descriptors kept for everything but client connections (database, blobs, launchers)
FD_RESERVE = 256


def connection_limit_options(f):
    """The ``grid-collab-server`` flags that bound connections."""
    for option in reversed(
        [
            click.option(
                "--max-connections",
                default=1000,
                show_default=True,
                type=int,
                envvar="GRID_COLLAB_MAX_CONNECTIONS",
                help="Client connections open at once; at the cap the one idle longest "
                "is closed (lowered to fit the process's file descriptor limit).",
            ),
            click.option(
                "--idle-timeout",
                default=30.0,
                show_default=True,
                type=float,
                envvar="GRID_COLLAB_IDLE_TIMEOUT",
                help="Seconds a connection may take to send a request head, new or "
                "kept alive between requests.",
            ),
            click.option(
                "--body-timeout",
                default=60.0,
                show_default=True,
                type=float,
                envvar="GRID_COLLAB_BODY_TIMEOUT",
                help="Seconds to send a JSON request body (streamed uploads of "
                "authenticated callers are not bound by it).",
            ),
        ]
    ):
        f = option(f)
    return f


def bounded_connections(
    max_connections: int, idle_timeout: float, body_timeout: float
) -> dict[str, Any]:
    """The server's connection settings, with the cap fitted under the descriptor limit
    (raised to its hard maximum first): running out of descriptors is what froze it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard and hard != resource.RLIM_INFINITY:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    fit = max(16, soft - FD_RESERVE) if soft != resource.RLIM_INFINITY else max_connections
    if max_connections > fit:
        log.warning(
            "--max-connections %d lowered to %d: the process may open %d files",
            max_connections,
            fit,
            soft,
        )
    return {
        "max_connections": max(1, min(max_connections, fit)),
        "idle_timeout": max(0.1, idle_timeout),
        "body_timeout": max(0.1, body_timeout),
    }


class ThrottledLog:
    """One log line per ``every`` seconds per kind; the rest are counted, then reported."""

    def __init__(self, every: float = LOG_EVERY):
        self.every = every
        self._last: dict[str, float] = {}
        self._dropped: dict[str, int] = {}

    def warning(self, kind: str, message: str, *args: Any) -> None:
        now = time.monotonic()
        if now - self._last.get(kind, -self.every) < self.every:
            self._dropped[kind] = self._dropped.get(kind, 0) + 1
            return
        dropped = self._dropped.pop(kind, 0)
        self._last[kind] = now
        suffix = f" ({dropped} more like this in the last {self.every:.0f} s)" if dropped else ""
        log.warning(message + suffix, *args)


class _Tracked(httputil.HTTPMessageDelegate):
    """Wraps a request's delegate to tell the server when its head has arrived: from then
    until tornado asks for the connection's next request (after the response is written),
    the connection is busy, never evicted."""

    def __init__(self, inner: httputil.HTTPMessageDelegate, server: GuardedHTTPServer, conn: Any):
        self.inner, self.server, self.conn = inner, server, conn

    def headers_received(self, start_line, headers):
        self.server._busy(self.conn)
        return self.inner.headers_received(start_line, headers)

    def data_received(self, chunk):
        return self.inner.data_received(chunk)

    def finish(self) -> None:
        self.inner.finish()

    def on_connection_close(self) -> None:
        self.inner.on_connection_close()


class GuardedHTTPServer(tornado.httpserver.HTTPServer):
    """``HTTPServer`` with a connection cap, stalled-client eviction and a calm accept loop."""

    def initialize(
        self,
        *args: Any,
        max_connections: int = 1000,
        idle_timeout: float = 30.0,
        body_timeout: float = 60.0,
        **kwargs: Any,
    ) -> None:
        super().initialize(
            *args, idle_connection_timeout=idle_timeout, body_timeout=body_timeout, **kwargs
        )
        self.max_connections = max(1, max_connections)
        # connections waiting for a request head, oldest first (a dict as an ordered set)
        self._waiting: dict[Any, None] = {}
        self.evicted = 0
        self.refused = 0
        self.throttled = ThrottledLog()

    # ------------------------------------------------------------- accepting
    def add_sockets(self, sockets) -> None:
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = self._accept_from(sock)

    def _accept_from(self, sock: socket.socket):
        loop = IOLoop.current()
        state = {"removed": False}

        def resume() -> None:
            if not state["removed"]:
                loop.add_handler(sock, on_readable, IOLoop.READ)

        def on_readable(_fd, _events) -> None:
            for _ in range(_DEFAULT_BACKLOG):
                try:
                    conn, address = sock.accept()
                except BlockingIOError:
                    return
                except ConnectionAbortedError:
                    continue
                except OSError as exc:
                    # out of descriptors (EMFILE/ENFILE) or memory: the socket stays
                    # readable, so retrying now would spin and log on every loop turn
                    self.throttled.warning(
                        "accept",
                        "cannot accept connections (%s); pausing %.1f s",
                        errno.errorcode.get(exc.errno, exc.errno),
                        ACCEPT_PAUSE,
                    )
                    loop.remove_handler(sock)
                    loop.call_later(ACCEPT_PAUSE, resume)
                    return
                self._handle_connection(conn, address)

        def remove() -> None:
            if not state["removed"]:
                state["removed"] = True
                loop.remove_handler(sock)

        loop.add_handler(sock, on_readable, IOLoop.READ)
        return remove

    def handle_stream(self, stream, address) -> None:
        if len(self._connections) >= self.max_connections and not self._evict_oldest_waiting():
            self.refused += 1
            self.throttled.warning(
                "refused",
                "%d connections open, all busy: turning new ones away (--max-connections)",
                len(self._connections),
            )
            stream.close()
            return
        super().handle_stream(stream, address)

    # ------------------------------------------------------------- connection states
    def start_request(self, server_conn, request_conn):
        # a new connection, or one whose last response is written: it waits for a head
        self._waiting.pop(server_conn, None)
        self._waiting[server_conn] = None  # at the young end
        return _Tracked(super().start_request(server_conn, request_conn), self, server_conn)

    def _busy(self, conn) -> None:
        self._waiting.pop(conn, None)

    def _evict_oldest_waiting(self) -> bool:
        for conn in self._waiting:
            del self._waiting[conn]
            self._connections.discard(conn)
            self.evicted += 1
            self.throttled.warning(
                "evicted",
                "%d connections open: closed the one idle longest to make room (--max-connections)",
                len(self._connections) + 1,
            )
            conn.stream.close()
            return True
        return False

    def on_close(self, server_conn) -> None:
        self._waiting.pop(server_conn, None)
        self._connections.discard(server_conn)  # an evicted one left the set already
