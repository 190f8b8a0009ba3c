"""Team server calls for a job's worker thread, sent through the extension's one async
client on the server's event loop.

Mounting a datastore and copying artifacts into this session are blocking work (links,
copies, hashing, disk writes), so they run on the job runner's threads; what they need from
the team server (file lists, downloads) still goes through the one pooled client, as the
user who asked, and only the network waits happen on the loop. A download's bytes are
pulled from the loop a chunk at a time and hashed and written on the worker thread, so the
loop never hashes or touches the disk.

Once the extension stops, every wait here gives up at once (GridError 503), so no worker
thread outlives the server waiting for a loop that no longer runs.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tornado import web

from ..client import GridError, _path, _raise_for, _seg, download_resumable
from ..models import Artifact, DatastoreFile, parse_reference
from ..references import Ref
from .upstream import TeamAs

T = TypeVar("T")
Progress = Callable[[int], None]
# a download waits at most this long for its headers or for any one chunk
DOWNLOAD_TIMEOUT = 60.0


async def _guarded(awaitable: Awaitable[T]) -> T:
    """The extension's upstream raises tornado HTTPErrors (for handlers); a worker reports
    GridErrors, which a job records with their message."""
    try:
        return await awaitable
    except web.HTTPError as exc:
        raise GridError(exc.log_message or f"HTTP {exc.status_code}", exc.status_code) from None


async def _next_chunk(chunks) -> bytes | None:
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        return None


class BlockingTeam:
    """``TeamAs`` for a worker thread: the calls datastore_mount.py and the artifact fetch
    make, each waited for on the worker while it runs on ``loop``."""

    def __init__(
        self, team: TeamAs, loop: asyncio.AbstractEventLoop, stopping: threading.Event
    ) -> None:
        self.team = team
        self.loop = loop
        self.stopping = stopping

    def wait(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` on the loop and wait for it here (a worker thread only)."""
        if self.stopping.is_set():
            _close(awaitable)
            raise GridError("this Jupyter server is shutting down", 503)
        future = asyncio.run_coroutine_threadsafe(_guarded(awaitable), self.loop)
        while True:
            try:
                return future.result(timeout=1.0)
            except FutureTimeout:
                if self.stopping.is_set():
                    future.cancel()
                    raise GridError("this Jupyter server is shutting down", 503) from None

    # ------------------------------------------------------------- what a mount asks
    def datastore_files(self, ref: str) -> list[DatastoreFile]:
        return self.wait(self.team.datastore_files(ref))

    def datastore(self, ref: str):
        return self.wait(self.team.datastore(ref))

    def download_datastore_file(
        self, ref: str, file: DatastoreFile, dest: str | os.PathLike, progress=None
    ) -> Path:
        r = parse_reference(ref, allow_version=True)
        if r.owner is None:
            raise ValueError("a mount downloads by a reference with its owner")
        path = f"/datastores/{_seg(r.owner)}/{_seg(r.name)}/files/{_path(file.path)}"
        params = {"version": r.version} if r.version else None
        return self.download(path, Path(dest), file.sha256, file.size, progress, params)

    # ------------------------------------------------------------- what a fetch asks
    def download_artifact(
        self, experiment: Ref, artifact: Artifact, dest: str | os.PathLike, progress=None
    ) -> Path:
        if experiment.owner is None:
            raise ValueError("an artifact is downloaded by a reference with its owner")
        path = (
            f"/experiments/{_seg(experiment.owner)}/{_seg(experiment.name)}"
            f"/artifacts/{_path(artifact.path)}"
        )
        return self.download(path, Path(dest), artifact.sha256, artifact.size, progress)

    # ------------------------------------------------------------- streamed download
    def download(
        self,
        path: str,
        dest: Path,
        sha256: str | None,
        size: int | None,
        progress: Progress | None,
        params: dict[str, Any] | None = None,
    ) -> Path:
        """``path``'s bytes into ``dest`` by the client's ``download_resumable`` (.part,
        resume, sha256, rename), each chunk pulled from the loop."""

        @contextmanager
        def open_from(offset: int) -> Iterator[tuple[bool, Iterator[bytes]]]:
            response = self.wait(
                self.team.upstream.send(
                    self.team.user,
                    "GET",
                    path,
                    params=params,
                    headers={"Range": f"bytes={offset}-"} if offset else None,
                    stream=True,
                    timeout=DOWNLOAD_TIMEOUT,
                )
            )
            try:
                if response.status_code >= 400:
                    self.wait(response.aread())
                    _raise_for(response)
                pieces = response.aiter_bytes()
                chunks = iter(lambda: self.wait(_next_chunk(pieces)), None)
                yield response.status_code == 206, chunks
            finally:
                if not self.stopping.is_set():
                    self.wait(response.aclose())

        return download_resumable(dest, sha256, size, progress, open_from)


def _close(awaitable) -> None:
    """A coroutine never awaited is closed, so Python does not warn about it."""
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()
