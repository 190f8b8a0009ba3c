"""Background jobs of this server (datastore attaches, artifact downloads) by id, kept so
that the panel and the sidebar can poll their progress.

A session can live for weeks: finished jobs are kept only up to a number (a client polls
once more after the end, never much later), so the table does not grow without bound.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable
from typing import Any

from ..client import GridError

Job = dict[str, Any]
# what a job's work may fail with and the user should read: the team server's refusals or
# unreachability, and the disk's errors
JOB_ERRORS = (GridError, OSError)


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
    job["state"] = "done"


class JobTable:
    def __init__(self, keep_finished: int = 100):
        self.keep_finished = keep_finished
        self._jobs: dict[str, Job] = {}  # insertion order: oldest first

    def add(self, job: Job) -> None:
        self._jobs[job["id"]] = job
        finished = [i for i, j in self._jobs.items() if j["state"] != "running"]
        for job_id in finished[: max(0, len(finished) - self.keep_finished)]:
            del self._jobs[job_id]

    def start(self, job: Job, work: Callable[[], None], name: str) -> Job:
        """Add ``job`` and run its ``work`` on a thread of its own; returns the job as it
        starts ("running", even if the work is over at once)."""
        self.add(job)
        answer = dict(job)

        def run() -> None:
            with contextlib.suppress(*JOB_ERRORS):  # recorded in the job
                settle(job, work)

        threading.Thread(target=run, name=f"{name}-{job['id'][:6]}", daemon=True).start()
        return answer

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def __len__(self) -> int:
        return len(self._jobs)
