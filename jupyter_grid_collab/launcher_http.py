"""The launcher's calls to the team API, over the standard library's ``http.client``.

Why not GridClient: importing it (httpx, which pulls in rich and click) took 80-190 ms, and
all of it lay between the executor starting a launcher and the script's first line. A
launcher makes five calls, each a small JSON exchange or one file streamed, on behalf of
one experiment, so this module makes them with what the interpreter already has.

What it keeps from GridClient: the same requests (``Authorization: token ...``), the team
server's own message in errors, ``status`` None for a server never reached (so
launcher_retry.Patience retries exactly what it retried before), a connect timeout of 10 s,
and downloads written under a ``.part`` name until complete. Each thread keeps one
keep-alive connection (http.client's are not thread-safe), dropped when the server has
closed it meanwhile. No message names the token, and the URL is shown without any
user:password part. The launcher connects straight to GRID_URL: no proxy is taken from the
environment.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import select
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .controls import first_control, visible

API = "/api/v1"
CHUNK = 1 << 20
CONNECT_TIMEOUT = 10.0
UPLOAD_TIMEOUT = 300.0  # a large artifact: the server hashes and stores it before answering
DOWNLOAD_TIMEOUT = 60.0
_EXPERIMENT = re.compile(r"(?P<run>.+)-exp(0|[1-9][0-9]{0,5})\Z")


class ReportError(Exception):
    """A call the team server did not take: ``status`` is its answer (None: not reached)
    and ``message`` its own words, fit to show a person."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


def parse_experiment(text: str) -> tuple[str, str, str]:
    """``owner:<run>-exp<N>`` (as the executor names it) as (owner, experiment, run)."""
    owner, _, name = text.partition(":")
    match = _EXPERIMENT.match(name)
    if not owner or match is None or "/" in name:
        raise ValueError(f"GRID_EXPERIMENT must be owner:<run>-exp<N>, not {text!r}")
    return owner, name, match["run"]


def _seg(value: str) -> str:
    return quote(value, safe="")


def _artifact_path(path: str) -> str:
    """``path`` quoted for the URL; refused (as the team server would) when it holds a
    control character or is too long, so such a file is reported, not fatal."""
    control = first_control(path) or ("U+0009" if "\t" in path else None)
    if control:
        raise ReportError(
            f"path '{visible(path)}' contains a control character ({control}); rename the file",
            400,
        )
    if len(path) > 1024:
        raise ReportError("path is longer than 1024 characters", 400)
    return quote(path, safe="/")


def _closed_by_peer(conn: http.client.HTTPConnection) -> bool:
    # an idle keep-alive socket that reads as ready holds an EOF (the server closed it after
    # its idle timeout) or bytes nobody asked for: either way it cannot carry a request
    return conn.sock is not None and bool(select.select([conn.sock], [], [], 0)[0])


class TeamServer:
    """The team server as one experiment's launcher sees it (its token is scoped to that
    experiment)."""

    def __init__(self, url: str, token: str, experiment: str, timeout: float = 60.0):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("GRID_URL must be an http:// or https:// URL")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        netloc = f"[{self._host}]" if ":" in self._host else self._host
        netloc += f":{self._port}" if self._port else ""
        self.url = f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"  # no user:password
        self._prefix = parts.path.rstrip("/") + API
        self._headers = {"Authorization": f"token {token}", "User-Agent": "jupyter-grid-collab"}
        self.timeout = timeout
        self.owner, self.experiment, self.run_name = parse_experiment(experiment)
        self._exp_path = f"/experiments/{_seg(self.owner)}/{_seg(self.experiment)}"
        self._run_path = f"/runs/{_seg(self.owner)}/{_seg(self.run_name)}"
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the five calls
    def run(self) -> dict[str, Any]:
        """The experiment's run, with its experiments (the API's JSON)."""
        data = self._json("GET", self._run_path)
        if not isinstance(data, dict):
            raise ReportError("the team server answered the run with something else", 502)
        return data

    def report_status(
        self, status: str, exit_code: int | None = None, message: str | None = None
    ) -> Any:
        body = {"status": status, "exit_code": exit_code, "message": message}
        return self._json(
            "POST", self._exp_path + "/status", {k: v for k, v in body.items() if v is not None}
        )

    def append_logs(self, lines: list[dict[str, Any]]) -> Any:
        return self._json("POST", self._exp_path + "/logs", {"lines": lines})

    def download_source(self, dest: Path) -> Path:
        """The run's source snapshot into ``dest``; ReportError 404 when it has none."""
        part = dest.with_name(dest.name + ".part")
        response = self._exchange("GET", self._run_path + "/source", None, {}, DOWNLOAD_TIMEOUT)
        self._check(response)
        try:
            with open(part, "wb") as f:  # our disk failing is an OSError, not the server's
                while chunk := self._read(response, CHUNK):
                    f.write(chunk)
            if response.length:  # the connection ended before the announced length
                raise self._lost(http.client.IncompleteRead(b"", response.length))
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        os.replace(part, dest)
        return dest

    def upload_artifact(self, path: str, source: str) -> Any:
        """Store the file ``source`` as artifact ``path`` of this experiment."""
        import hashlib  # here, after the script started: its OpenSSL load costs ~2 ms

        url = f"{self._exp_path}/artifacts/{_artifact_path(path)}"
        digest = hashlib.sha256()
        with open(source, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            while chunk := f.read(CHUNK):
                digest.update(chunk)
        headers = {
            "X-Content-Sha256": digest.hexdigest(),
            "Content-Length": str(size),
            "Content-Type": "application/octet-stream",
        }
        with open(source, "rb") as f:
            response = self._exchange("PUT", url, _at_most(f, size), headers, UPLOAD_TIMEOUT)
            return self._answer(response)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()

    # ------------------------------------------------------------------ plumbing
    def _json(self, method: str, path: str, payload: Any = None) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        return self._answer(self._exchange(method, path, body, headers, self.timeout))

    def _read(self, response: http.client.HTTPResponse, amount: int | None = None) -> bytes:
        try:
            return response.read(amount)
        except (OSError, http.client.HTTPException) as exc:
            raise self._lost(exc) from None

    def _answer(self, response: http.client.HTTPResponse) -> Any:
        data = self._read(response)
        if response.status >= 400:
            raise _refusal(response, data)
        if response.status == 204 or not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            raise ReportError("the team server's answer is not JSON", 502) from None

    def _check(self, response: http.client.HTTPResponse) -> None:
        if response.status >= 400:
            raise _refusal(response, self._read(response))

    def _exchange(
        self,
        method: str,
        path: str,
        body: bytes | Iterator[bytes] | None,
        headers: dict[str, str],
        timeout: float,
    ) -> http.client.HTTPResponse:
        """Send one request on this thread's connection; its response, unread."""
        conn = self._connection()
        try:
            if _closed_by_peer(conn):
                conn.close()
            if conn.sock is None:
                conn.timeout = min(timeout, CONNECT_TIMEOUT)
                conn.connect()
            assert conn.sock is not None
            conn.sock.settimeout(timeout)
            all_headers = {**self._headers, **headers}
            conn.request(method, self._prefix + path, body=body, headers=all_headers)
            return conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            raise self._lost(exc) from None

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._https:
                conn = http.client.HTTPSConnection(self._host, self._port, context=_tls())
            else:
                conn = http.client.HTTPConnection(self._host, self._port)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _lost(self, exc: BaseException) -> ReportError:
        """The connection failed (refused, reset, timed out): drop it; status None, so the
        call may be retried."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        kind = "timed out" if isinstance(exc, TimeoutError) else "refused or failed"
        return ReportError(
            f"cannot reach the team server at {self.url}: connection {kind} "
            f"({type(exc).__name__}); is it running, and is GRID_URL right?"
        )


def _at_most(f: Any, size: int) -> Iterator[bytes]:
    # never more than the Content-Length announced, whatever the script appends meanwhile
    # (more bytes would be read as the start of the next request)
    left = size
    while left > 0:
        chunk = f.read(min(CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def _refusal(response: http.client.HTTPResponse, data: bytes) -> ReportError:
    """The team server's answer >= 400 as an error with its own message."""
    try:
        message = json.loads(data).get("message") or response.reason
    except (ValueError, AttributeError):
        message = f"{response.status} {response.reason}"
    return ReportError(str(message), response.status)


def _tls() -> Any:
    """A verifying TLS context, built only for an https:// team server: the CA bundle
    SSL_CERT_FILE / SSL_CERT_DIR name, else certifi's (as httpx did), else the system's."""
    import ssl

    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    if cafile is None and capath is None:
        try:
            import certifi

            cafile = certifi.where()
        except ImportError:
            pass
    return ssl.create_default_context(cafile=cafile, capath=capath)
