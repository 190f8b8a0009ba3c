"""Background jobs of this server (datastore attaches, artifact downloads) by id, kept so
that the panel and the sidebar can poll their progress.

A session can live for weeks: finished jobs are kept only up to a number (a client polls
once more after the end, never much later), so the table does not grow without bound.
"""

from __future__ import annotations

from typing import Any

Job = dict[str, Any]


class JobTable:
    def __init__(self, keep_finished: int = 100):
        self.keep_finished = keep_finished
        self._jobs: dict[str, Job] = {}  # insertion order: oldest first

    def add(self, job: Job) -> None:
        self._jobs[job["id"]] = job
        finished = [i for i, j in self._jobs.items() if j["state"] != "running"]
        for job_id in finished[:max(0, len(finished) - self.keep_finished)]:
            del self._jobs[job_id]

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def __len__(self) -> int:
        return len(self._jobs)
