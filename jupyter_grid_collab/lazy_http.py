"""HTTP and TLS for the team API's clients, paid for only by a process that uses them.

Importing httpx costs 45-120 ms, more than everything else `grid user` does. So a small
JSON exchange (GridClient's API calls, the launcher's reports) goes over a plain socket
instead (``Origin``, speaking HTTP/1.1 by http_wire.py: not even ``http.client``, whose
imports cost 35-55 ms more); httpx is imported (``httpx()``) only for what needs it:
streamed downloads and uploads, the async client, a caller's own httpx transport, and a
proxy named in the environment.

And httpx builds a new SSL context for every client, loading the whole CA bundle each time
(20-35 ms per client, even for an http:// URL that never speaks TLS); here a process has one
context per kind, built the first time a client needs it, by httpx's rules.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import ssl

    from .http_wire import Connection, Response

_lock = threading.Lock()
_contexts: dict[tuple[str | None, ...], ssl.SSLContext] = {}

#: what httpx's pool does: a connection idle this long is closed, not reused, so a request
#: seldom meets a connection the server is closing at that very moment (the team server
#: closes idle ones after 30 s)
KEEPALIVE_EXPIRY = 5.0
MAX_IDLE = 8  # idle connections kept per origin; more threads make (and close) their own
#: requests sent again on a new connection when a kept-alive one turns out closed: sending
#: these twice does nothing twice (a POST or DELETE that reached the server may have run)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


def httpx() -> ModuleType:
    """The httpx module, imported on first use without its command line."""
    loaded = sys.modules.get("httpx")
    if loaded is not None:
        return loaded
    # httpx's __init__ imports its own command line (httpx._main) whenever click and rich
    # are installed, as they are for `grid`: click, rich and pygments, about 50 ms that no
    # client uses. Marked absent, httpx keeps a stub `httpx.main` instead; the mark goes
    # straight after, so an explicit `import httpx._main` still works.
    blocked = "httpx._main" not in sys.modules
    if blocked:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx as module
    finally:
        if blocked and sys.modules.get("httpx._main", False) is None:
            del sys.modules["httpx._main"]
    return module


def ssl_context(url: str) -> ssl.SSLContext:
    """This process's one SSL context for clients of ``url``.

    https: the context httpx would build (``SSL_CERT_FILE`` when set, else ``SSL_CERT_DIR``,
    else certifi's bundle), built once per such setting; certificates are verified.
    http: a context that verifies against no CA at all, so it costs nothing to build and
    any TLS it were ever asked for (an https proxy from the environment) is refused,
    never trusted. Sharing is safe: httpcore only sets ALPN on it, always to http/1.1
    since no client here speaks HTTP/2, and http_wire sets nothing."""
    if url[:6].lower() == "https:":
        key: tuple[str | None, ...] = (
            "https",
            os.environ.get("SSL_CERT_FILE"),
            os.environ.get("SSL_CERT_DIR"),
        )
    else:
        key = ("http",)
    context = _contexts.get(key)
    if context is None:
        with _lock:  # two threads' first clients must not both load the bundle
            context = _contexts.get(key)
            if context is None:
                context = _contexts[key] = _build(key)
    return context


def _build(key: tuple[str | None, ...]) -> ssl.SSLContext:
    import ssl

    if key[0] != "https":
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, hostname checked
    # httpx.create_ssl_context(), without importing httpx
    cafile, capath = key[1], key[2]
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    if capath:
        return ssl.create_default_context(capath=capath)
    try:
        import certifi
    except ImportError:  # httpx needs certifi; a launcher without it trusts the system's CAs
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def proxied() -> bool:
    """Whether httpx would send requests through a proxy named in the environment (or, on
    macOS and Windows, the system's settings): those requests stay on httpx."""
    if sys.platform in ("darwin", "win32"):
        from urllib.request import getproxies

        found = getproxies()
        return any(found.get(scheme) for scheme in ("http", "https", "all"))
    # urllib's getproxies_environment(), which is all httpx reads here; any spelling counts,
    # which at worst leaves a request on httpx that would have gone direct anyway
    wanted = ("http_proxy", "https_proxy", "all_proxy")
    return any(value and name.lower() in wanted for name, value in os.environ.items())


class UnsafeHeader(ValueError):
    """A header that would split the request (CR, LF or NUL): refused before sending. The
    message names the header, never its value (an API key, a secret)."""


class Origin:
    """Keep-alive ``http_wire`` connections to one server (``scheme://host[:port]``), each
    lent to one thread at a time: ``send`` one request, read its answer, ``release``.

    A user:password in the URL is not sent (httpx would send it as Basic auth: GridClient
    leaves such a URL to httpx). No proxy is read from the environment: callers that honour
    one check ``proxied()`` first."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a team server URL is http:// or https://HOST[:PORT][/PATH]")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port  # ValueError when it is no number
        self.path = parts.path.rstrip("/")
        self._context = ssl_context(url) if self.https else None
        self._idle: list[tuple[Connection, float]] = []
        self._lock = threading.Lock()
        self._closed = False  # close() was called: a connection in use is not kept after

    def send(
        self,
        method: str,
        target: str,
        body: bytes | Iterable[bytes] | None,
        headers: Mapping[str, str],
        timeout: float,
        connect_timeout: float,
    ) -> tuple[Connection, Response]:
        """Send one request; the connection and its response, unread (hand both to
        ``release``). Raises OSError (TimeoutError for a timeout) or http_wire's
        HTTPException when the server is not reached or answers nothing, UnsafeHeader."""
        encoded = _encoded(headers)
        replayable = method in IDEMPOTENT and (body is None or isinstance(body, bytes))
        conn, reused = self._take()
        while True:
            try:
                if conn.sock is None:
                    conn.timeout = connect_timeout
                    conn.connect()
                assert conn.sock is not None
                conn.sock.settimeout(timeout)
                conn.request(method, target, body=body, headers=encoded)
                return conn, conn.getresponse()
            except ConnectionError:  # reset, broken pipe, or closed before any answer
                conn.close()
                # a kept-alive connection the server had closed: once more on a new one
                if reused and replayable:
                    conn, reused = self._connection(), False
                    continue
                raise
            except BaseException:
                conn.close()
                raise

    def release(self, conn: Connection, response: Response) -> None:
        """Keep ``conn`` for the next request if its answer was read to the end (else what
        is left of it would be read as the next answer: it is closed)."""
        if not response.isclosed() or conn.sock is None:
            conn.close()
            return
        with self._lock:
            if len(self._idle) < MAX_IDLE and not self._closed:
                self._idle.append((conn, time.monotonic()))
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections, and each one in use once its answer is read."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.close()

    def _take(self) -> tuple[Connection, bool]:
        """An idle connection still fit to carry a request (and True), or a new one."""
        while True:
            with self._lock:
                if not self._idle:
                    break
                conn, since = self._idle.pop()
            if time.monotonic() - since < KEEPALIVE_EXPIRY and not _closed_by_peer(conn):
                return conn, True
            conn.close()
        return self._connection(), False

    def _connection(self) -> Connection:
        from .http_wire import Connection

        return Connection(self.host, self.port, self._context)


def _encoded(headers: Mapping[str, str]) -> dict[str, bytes]:
    # ASCII, as httpx insists (a non-ASCII key fails with UnicodeEncodeError there too);
    # nothing after this looks at header values again
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n\0") or not name:
            raise UnsafeHeader(
                f"header {name.strip()!r} holds a character not allowed in HTTP headers "
                "(CR, LF or NUL)"
            )
    return {name: value.encode("ascii") for name, value in headers.items()}


def _closed_by_peer(conn: Connection) -> bool:
    # an idle keep-alive socket that reads as ready holds an EOF (the server closed it after
    # its idle timeout) or bytes nobody asked for: either way it cannot carry a request
    if conn.sock is None:
        return False
    import select

    return bool(select.select([conn.sock], [], [], 0)[0])
