"""Background jobs of this server (datastore attaches, artifact downloads) by id, kept so
that the panel and the sidebar can poll their progress.

The work of every job runs on one bounded pool of worker threads (``JobRunner``): a burst of
requests queues behind it instead of starting a thread each. A job waiting for a worker
already reports "running" (with nothing done yet), so clients poll it like any other.

A session can live for weeks: finished jobs are kept only up to a number (a client polls
once more after the end, never much later), so the table does not grow without bound.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..client import GridError

Job = dict[str, Any]
# what a job's work may fail with and the user should read: the team server's refusals or
# unreachability, and the disk's errors
JOB_ERRORS = (GridError, OSError)

log = logging.getLogger("grid_collab.extension")


def new_job(**fields: Any) -> Job:
    return {"id": uuid.uuid4().hex, "state": "running", "bytes_done": 0, "error": None, **fields}


def progress_of(job: Job) -> Callable[[int], None]:
    """A download progress callback that counts into the job."""

    def progress(n: int) -> None:
        job["bytes_done"] += n

    return progress


def settle(job: Job, work: Callable[[], None]) -> None:
    """Run ``work``: the job is done when it returns; failed, with the message, when it
    raises (the error goes on to the caller)."""
    try:
        work()
    except JOB_ERRORS as exc:
        job.update(state="failed", error=getattr(exc, "message", None) or str(exc))
        raise
    except Exception as exc:
        # a bug, not the user's doing: the job still ends (a poller never waits forever)
        job.update(state="failed", error=f"internal error ({type(exc).__name__}); see the log")
        raise
    job["state"] = "done"


class JobRunner:
    """The bounded pool every job's blocking work runs on; shut down with the extension."""

    def __init__(self, max_workers: int):
        self.max_workers = max_workers
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grid-job")

    def submit(self, job: Job, work: Callable[[], None]) -> None:
        """Run ``work`` for ``job`` when a worker is free; its errors end up in the job."""

        def run() -> None:
            try:
                settle(job, work)
            except JOB_ERRORS:
                pass  # recorded in the job
            except Exception:
                log.exception("grid-collab: background job %s failed", job["id"])

        self._pool.submit(run)

    async def run(self, job: Job, work: Callable[[], None]) -> None:
        """Run ``work`` for ``job`` on a worker and wait for it; its errors reach the caller."""
        await asyncio.get_running_loop().run_in_executor(self._pool, settle, job, work)

    def shutdown(self) -> None:
        """Drop queued work; running work ends on its own (see bridge.py: it stops waiting
        on the team server once the extension stops)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


class JobTable:
    def __init__(self, runner: JobRunner | None = None, keep_finished: int = 100):
        self.runner = runner
        self.keep_finished = keep_finished
        self._jobs: dict[str, Job] = {}  # insertion order: oldest first

    def add(self, job: Job) -> None:
        self._jobs[job["id"]] = job
        finished = [i for i, j in self._jobs.items() if j["state"] != "running"]
        for job_id in finished[: max(0, len(finished) - self.keep_finished)]:
            del self._jobs[job_id]

    def start(self, job: Job, work: Callable[[], None]) -> Job:
        """Add ``job`` and queue its ``work`` on the runner; returns the job as it starts
        ("running", even if the work is over at once)."""
        if self.runner is None:
            raise RuntimeError("this job table has no runner to start work on")
        self.add(job)
        answer = dict(job)
        self.runner.submit(job, work)
        return answer

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def __len__(self) -> int:
        return len(self._jobs)
