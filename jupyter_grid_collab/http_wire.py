"""One HTTP/1.1 connection over a socket, with nothing from the standard library but
``socket`` (and ``ssl``, which the caller imports, for an https:// server).

Why not ``http.client``: it imports email's header parser and ``ssl`` at its top, 35-55 ms
of CPU on this project's 2-core machine, more than everything else a launcher does before
its script starts, and a third of `grid user`. The team server's answers need none of it:
a status line, headers, and a body framed by Content-Length, by chunks or by the
connection's end. ``lazy_http.Origin`` keeps these connections alive and lends them out.

What a caller sees is what ``http.client`` gave it: ``Connection.request`` and
``getresponse``, a ``Response`` with ``status``, ``reason``, ``read`` and ``isclosed``,
OSError (TimeoutError for a timeout) when the socket fails, ``RemoteDisconnected`` (a
ConnectionResetError) when the server closed a connection without answering, and
``HTTPException`` when its answer cannot be read as HTTP. A body cut short of its length
raises ``IncompleteRead``: it is never handed on as if whole.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

MAX_LINE = 64 << 10  # a status line, a header line or a chunk-size line
MAX_HEADERS = 200  # and as many trailer lines after a chunked body
MAX_INTERIM = 10  # "100 Continue" answers before the real one
#: the most one read of the socket asks for: a Content-Length or chunk size the server
#: claims is never allocated up front, only what arrives
STEP = 1 << 20
#: a body this small goes out in the same send as the head (one packet, not two)
JOIN_BODY = 64 << 10
_NO_BODY = frozenset({204, 304})
_FORBIDDEN_IN_TARGET = frozenset(chr(c) for c in [*range(0x21), 0x7F])
_HEX = frozenset(b"0123456789abcdefABCDEF")


class HTTPException(Exception):
    """The server's answer could not be read as HTTP/1.x."""


class IncompleteRead(HTTPException):
    """The connection ended before the body's announced end."""

    def __init__(self, received: int, expected: int | None):
        more = "" if expected is None else f", {expected} more expected"
        super().__init__(f"the connection ended inside the body ({received} bytes read{more})")


class RemoteDisconnected(ConnectionResetError):
    """The server closed the connection before any byte of an answer: a kept-alive
    connection it had closed meanwhile, or a server that refuses to answer."""


class Connection:
    """One connection to ``host:port``; ``sock`` is None until ``connect`` and after
    ``close``. One request at a time: its response is read (or the connection closed)
    before the next is sent."""

    def __init__(self, host: str, port: int | None, context: ssl.SSLContext | None = None):
        self.host = host
        self.port = port or (443 if context is not None else 80)
        self.context = context
        self.timeout: float | None = None  # for connecting; the socket's own after that
        self.sock: socket.socket | None = None
        self._reader: io.BufferedReader | None = None
        self._method = "GET"  # the last request's: a HEAD's answer has no body
        netloc = f"[{host}]" if ":" in host else host
        default = 443 if context is not None else 80
        self._host_header = netloc if self.port == default else f"{netloc}:{self.port}"

    def connect(self) -> None:
        # an ASCII host as bytes: a str makes getaddrinfo load the "idna" codec (~1.5 ms)
        host: str | bytes = self.host.encode("ascii") if self.host.isascii() else self.host
        # (typeshed says str; getaddrinfo, which create_connection calls, takes bytes too)
        sock = socket.create_connection((host, self.port), self.timeout)  # type: ignore[arg-type]
        try:
            # a request's head and a small body leave at once, not after a delayed ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.context is not None:
                sock = self.context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def close(self) -> None:
        sock, reader, self.sock, self._reader = self.sock, self._reader, None, None
        if reader is not None:
            reader.close()
        if sock is not None:
            sock.close()

    def request(
        self,
        method: str,
        target: str,
        body: bytes | Iterable[bytes] | None = None,
        headers: Mapping[str, bytes] | None = None,
    ) -> None:
        """Send a request. ``headers`` are already checked for CR, LF and NUL
        (lazy_http._encoded); a bytes body gets its Content-Length, an iterable one is sent
        chunked unless the caller gave its length."""
        if self.sock is None:
            self.connect()
        assert self.sock is not None
        if _FORBIDDEN_IN_TARGET.intersection(target) or _FORBIDDEN_IN_TARGET.intersection(method):
            raise ValueError("a request target or method holds a space or a control character")
        self._method = method
        given = {name.lower() for name in headers or ()}
        head = [f"{method} {target} HTTP/1.1\r\n".encode("ascii")]
        if "host" not in given:
            head.append(b"Host: %s\r\n" % _ascii_host(self._host_header))
        for name, value in (headers or {}).items():
            head.append(b"%s: %s\r\n" % (name.encode("ascii"), value))
        chunked = False
        if isinstance(body, bytes):
            if "content-length" not in given:
                head.append(b"Content-Length: %d\r\n" % len(body))
        elif body is not None:
            chunked = "content-length" not in given
            if chunked:
                head.append(b"Transfer-Encoding: chunked\r\n")
        elif method in ("POST", "PUT", "PATCH") and "content-length" not in given:
            head.append(b"Content-Length: 0\r\n")
        head.append(b"\r\n")
        out = b"".join(head)
        if isinstance(body, bytes) and len(body) <= JOIN_BODY:
            self.sock.sendall(out + body)
            return
        self.sock.sendall(out)
        if isinstance(body, bytes):
            self.sock.sendall(body)
        elif body is not None:
            for piece in body:
                if chunked and piece:
                    self.sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                elif piece:
                    self.sock.sendall(piece)
            if chunked:
                self.sock.sendall(b"0\r\n\r\n")

    def getresponse(self) -> Response:
        """The answer's status and headers; its body is read through the ``Response``.

        Each answer is read through a buffer of its own, as ``http.client`` does: bytes a
        server sent past the end of one answer are dropped with that buffer, never read as
        the next answer (those still in the socket make lazy_http drop the connection)."""
        if self.sock is None:
            raise RemoteDisconnected("the connection is closed")
        if self._reader is not None:
            self._reader.close()
        reader = self._reader = self.sock.makefile("rb")
        for _ in range(MAX_INTERIM + 1):
            line = reader.readline(MAX_LINE + 1)
            if not line:
                raise RemoteDisconnected("the server closed the connection without answering")
            version, status, reason = _status_line(line)
            headers = _headers(reader)
            if not 100 <= status < 200 or status == 101:
                return Response(self, self._method, version, status, reason, headers)
            # an interim answer ("100 Continue") precedes the real one
        raise HTTPException(f"the server sent more than {MAX_INTERIM} interim answers")


class Response:
    """An answer whose body is read from its connection, once."""

    def __init__(
        self,
        conn: Connection,
        method: str,
        version: str,
        status: int,
        reason: str,
        headers: dict[str, str],
    ):
        assert conn._reader is not None
        self._conn: Connection | None = conn
        self._reader = conn._reader
        self.status, self.reason, self.headers = status, reason, headers
        # chunked only when it is the last coding; any other coding is delimited by the
        # connection's end, and a Transfer-Encoding overrides a Content-Length (RFC 9112)
        coding = headers.get("transfer-encoding")
        self.chunked = coding is not None and coding.lower().rsplit(",", 1)[-1].strip() == "chunked"
        self.length: int | None = None
        if method == "HEAD" or status in _NO_BODY or 100 <= status < 200:
            self.length = 0
        elif coding is None and "content-length" in headers:
            text = headers["content-length"]
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise HTTPException(f"the server sent a malformed Content-Length: {text[:40]!r}")
            self.length = int(text)
        connection = headers.get("connection", "").lower()
        # a body delimited by the connection's end leaves nothing to keep alive, nor does a
        # switch of protocols (101: never asked for here)
        self.will_close = (
            "close" in connection
            or (version == "HTTP/1.0" and "keep-alive" not in connection)
            or (self.length is None and not self.chunked)
            or status == 101
        )
        self._chunk_left = 0  # of the current chunk, chunked only
        self._done = False
        if self.length == 0:
            self._finish()

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def isclosed(self) -> bool:
        """Whether the body has been read to its end (then the connection may carry the
        next request, unless the server said it closes it)."""
        return self._done

    def read(self, amount: int | None = None) -> bytes:
        """Up to ``amount`` bytes of the body (at most STEP at a time; all of what is left
        when None); b"" at its end. IncompleteRead when the connection ends first."""
        if self._done:
            return b""
        if amount is None:  # all of it, in steps: only what arrives is held
            parts = []
            while piece := self.read(STEP):
                parts.append(piece)
            return b"".join(parts)
        if self.chunked:
            return self._read_chunked(amount)
        if self.length is None:  # until the server closes the connection
            data = self._reader.read1(min(amount, STEP))
            if not data:
                self._finish()
            return data
        want = min(amount, self.length, STEP)
        data = self._reader.read(want)
        self.length -= len(data)
        if len(data) < want:
            self._fail(len(data))
        if self.length == 0:
            self._finish()
        return data

    def close(self) -> None:
        """Done with the answer: a body not read to its end spends the connection."""
        if not self._done:
            self._done = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _read_chunked(self, amount: int) -> bytes:
        """Up to ``amount`` bytes of the current chunk (the next one when it is done)."""
        if self._chunk_left == 0:
            size = self._chunk_size()
            if size == 0:
                self._trailers()
                self._finish()
                return b""
            self._chunk_left = size
        take = min(amount, self._chunk_left, STEP)
        data = self._reader.read(take)
        if len(data) < take:
            self._fail(len(data))
        self._chunk_left -= take
        if self._chunk_left == 0 and self._reader.read(2) != b"\r\n":
            self.close()
            raise HTTPException("the server sent a chunk without the CRLF that ends it")
        return data

    def _chunk_size(self) -> int:
        line = self._reader.readline(MAX_LINE + 1)
        if not line:
            self._fail(0)
        digits = line.split(b";", 1)[0].strip()
        # hexadecimal digits only (int() would take "-1" or "0x10"), and fewer than 16 of
        # them, so no size overflows a read
        if not 0 < len(digits) < 16 or not _HEX.issuperset(digits):
            self.close()
            raise HTTPException(f"the server sent a malformed chunk size: {line[:40]!r}")
        return int(digits, 16)

    def _trailers(self) -> None:
        """The trailer lines after the last chunk, up to the empty line that ends them."""
        for _ in range(MAX_HEADERS + 1):
            line = self._reader.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n"):
                return
            if not line:
                self._fail(0)
        self.close()
        raise HTTPException(f"the server sent more than {MAX_HEADERS} trailer lines")

    def _finish(self) -> None:
        self._done = True
        if self.will_close and self._conn is not None:
            self._conn.close()
        self._conn = None

    def _fail(self, received: int) -> None:
        expected = self.length
        self.close()
        raise IncompleteRead(received, expected)


def _ascii_host(host: str) -> bytes:
    # the "idna" codec costs an import of ~1.5 ms (stringprep, unicodedata): only for a
    # host that needs it (likewise in connect)
    return host.encode("ascii") if host.isascii() else host.encode("idna")


def _status_line(line: bytes) -> tuple[str, int, str]:
    if len(line) > MAX_LINE:
        raise HTTPException("the server's status line is too long")
    text = line.decode("latin-1").rstrip("\r\n")
    version, _, rest = text.partition(" ")
    code, _, reason = rest.partition(" ")
    # ASCII digits: "\xb2" decodes to a superscript two, which str.isdigit takes
    three_digits = len(code) == 3 and code.isascii() and code.isdigit()
    if version not in ("HTTP/1.1", "HTTP/1.0") or not three_digits:
        raise HTTPException(f"the server did not answer in HTTP/1.x: {text[:80]!r}")
    return version, int(code), reason.strip()


def _headers(reader: io.BufferedReader) -> dict[str, str]:
    """The header lines up to the empty one, by lowercased name (repeats joined by ", ")."""
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        line = reader.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise HTTPException("a header line of the server's answer is too long")
        if line in (b"\r\n", b"\n"):
            return headers
        if not line:
            raise HTTPException("the connection ended inside the answer's headers")
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise HTTPException(f"the server sent a malformed header line: {line[:80]!r}")
        key, value = name.lower(), value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    raise HTTPException(f"the server's answer has more than {MAX_HEADERS} headers")
