"""Following a background job of the Jupyter extension (an attach that downloads first, an
artifact download) to its end: one loop for ``grid session create --datastore``, ``grid
session resume`` and the notebook panel, sync and async. (The sidebar's twin is
``untilDone`` in labextension/src/follow.ts.)

A job is the extension's JSON: ``{"id", "state": "running" | "done" | "failed", "error",
...progress}``; ``GET <path>/<id>`` answers its current state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

Job = dict[str, Any]
#: seconds between two looks at a running job: a progress bar moves, the server is not busy
INTERVAL = 0.5


class JobFailed(RuntimeError):
    """The job ended without success; ``job`` is its last state, the message its error."""

    def __init__(self, job: Job, failed: str):
        super().__init__(job.get("error") or failed)
        self.job = job


def _end(job: Job, failed: str) -> Job:
    if job["state"] != "done":
        raise JobFailed(job, failed)
    return job


def follow_job(
    job: Job,
    fetch: Callable[[str], Job],
    on_running: Callable[[Job], None] | None = None,
    failed: str = "the job failed",
    interval: float = INTERVAL,
) -> Job:
    """Poll ``fetch(job_id)`` while the job runs, telling ``on_running`` each running state
    (the first included); its final state, or JobFailed with its error (else ``failed``)."""
    while job["state"] == "running":
        if on_running is not None:
            on_running(job)
        time.sleep(interval)
        job = fetch(job["id"])
    return _end(job, failed)


async def follow_job_async(
    job: Job,
    fetch: Callable[[str], Awaitable[Job]],
    on_running: Callable[[Job], None] | None = None,
    failed: str = "the job failed",
    interval: float = INTERVAL,
) -> Job:
    """``follow_job`` for an event loop (the panel): the loop is never blocked."""
    while job["state"] == "running":
        if on_running is not None:
            on_running(job)
        await asyncio.sleep(interval)
        job = await fetch(job["id"])
    return _end(job, failed)
