"""The launcher's calls to the team API, over a plain socket (http_wire.py).

Why not GridClient: importing it (httpx, which pulls in rich and click) took 80-190 ms, and
all of it lay between the executor starting a launcher and the script's first line. A
launcher makes five calls, each a small JSON exchange or one file streamed, on behalf of
one experiment, so this module makes them with what the interpreter already has.

What it keeps from GridClient: the same requests (``Authorization: token ...``), the team
server's own message in errors, ``status`` None for a server never reached (so
launcher_retry.Patience retries exactly what it retried before), a connect timeout of 10 s,
and downloads written under a ``.part`` name until complete. Its connections are
GridClient's own transport (lazy_http.Origin): kept alive, lent to one thread at a time,
dropped when the server has closed them meanwhile. No message names the token, and the URL
is shown without any user:password part. The launcher connects straight to GRID_URL: no
proxy is taken from the environment.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .controls import first_control, visible
from .http_wire import HTTPException, Response
from .lazy_http import Origin

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


class TeamServer:
    """The team server as one experiment's launcher sees it (its token is scoped to that
    experiment)."""

    def __init__(self, url: str, token: str, experiment: str, timeout: float = 60.0):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("GRID_URL must be an http:// or https:// URL")
        self._origin = Origin(url)
        host, port = self._origin.host, self._origin.port
        netloc = f"[{host}]" if ":" in host else host
        netloc += f":{port}" if port else ""
        self.url = f"{parts.scheme}://{netloc}{self._origin.path}"  # no user:password
        self._prefix = self._origin.path + API
        self._headers = {"Authorization": f"token {token}", "User-Agent": "jupyter-grid-collab"}
        self.timeout = timeout
        self.owner, self.experiment, self.run_name = parse_experiment(experiment)
        self._exp_path = f"/experiments/{_seg(self.owner)}/{_seg(self.experiment)}"
        self._run_path = f"/runs/{_seg(self.owner)}/{_seg(self.run_name)}"

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

    def append_metrics(self, points: list[dict[str, Any]]) -> Any:
        return self._json("POST", self._exp_path + "/metrics", {"points": points})

    def download_source(self, dest: Path) -> Path:
        """The run's source snapshot into ``dest``; ReportError 404 when it has none."""
        part = dest.with_name(dest.name + ".part")
        with self._exchange("GET", self._run_path + "/source", None, {}, DOWNLOAD_TIMEOUT) as got:
            self._check(got)
            try:
                with open(part, "wb") as f:  # our disk failing is an OSError, not the server's
                    # a connection ending before the announced length raises (IncompleteRead)
                    while chunk := self._read(got, CHUNK):
                        f.write(chunk)
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
        with (
            open(source, "rb") as f,
            self._exchange("PUT", url, _at_most(f, size), headers, UPLOAD_TIMEOUT) as got,
        ):
            return self._answer(got)

    def close(self) -> None:
        self._origin.close()

    # ------------------------------------------------------------------ plumbing
    def _json(self, method: str, path: str, payload: Any = None) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        with self._exchange(method, path, body, headers, self.timeout) as got:
            return self._answer(got)

    def _read(self, response: Response, amount: int | None = None) -> bytes:
        try:
            return response.read(amount)
        except (OSError, HTTPException) as exc:
            raise self._lost(exc) from None

    def _answer(self, response: Response) -> Any:
        data = self._read(response)
        if response.status >= 400:
            raise _refusal(response, data)
        if response.status == 204 or not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            raise ReportError("the team server's answer is not JSON", 502) from None

    def _check(self, response: Response) -> None:
        if response.status >= 400:
            raise _refusal(response, self._read(response))

    @contextmanager
    def _exchange(
        self,
        method: str,
        path: str,
        body: bytes | Iterator[bytes] | None,
        headers: dict[str, str],
        timeout: float,
    ) -> Iterator[Response]:
        """Send one request; its response, unread, for the ``with`` block to read. Its
        connection serves the next request if the block read the answer to the end."""
        try:
            conn, response = self._origin.send(
                method,
                self._prefix + path,
                body,
                {**self._headers, **headers},
                timeout,
                min(timeout, CONNECT_TIMEOUT),
            )
        except (OSError, HTTPException) as exc:
            raise self._lost(exc) from None
        try:
            yield response
        finally:
            self._origin.release(conn, response)

    def _lost(self, exc: BaseException) -> ReportError:
        """The connection failed (refused, reset, timed out): status None, so the call may
        be retried (on a new connection: a response not read to the end drops its own)."""
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


def _refusal(response: Response, data: bytes) -> ReportError:
    """The team server's answer >= 400 as an error with its own message."""
    try:
        message = json.loads(data).get("message") or response.reason
    except (ValueError, AttributeError):
        message = f"{response.status} {response.reason}"
    return ReportError(str(message), response.status)
