"""Copy a run's or an experiment's artifacts into this session's file tree, in the
background: the team server lists them as the user who asks (it decides and audits), and the
runner downloads them, as that user, under ``<dest>/<owner>/<run>/<experiment>/<path>``
(artifact_layout.py), skipping files already complete."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from tornado import web

from ..artifact_layout import is_complete, landing_folder, place
from ..references import Ref
from .bridge import BlockingTeam
from .jobs import Job, JobRunner, JobTable, new_job, progress_of
from .upstream import Upstream


class FetchService:
    """Artifact downloads into this server's root folder, and their jobs."""

    def __init__(
        self, upstream: Upstream, runner: JobRunner, root_dir: str, stopping: threading.Event
    ) -> None:
        self.upstream = upstream
        self.jobs = JobTable(runner)
        self.root = Path(root_dir).resolve()
        self.stopping = stopping

    def resolve_dest(self, dest: Any) -> Path:
        """A destination inside this server's root folder; anything escaping it is refused."""
        if not isinstance(dest, str) or "\x00" in dest:
            raise web.HTTPError(400, "dest must be a folder path inside the server's root")
        root = self.root
        target = (
            (root / dest.lstrip("/")).resolve() if not os.path.isabs(dest) else Path(dest).resolve()
        )
        if target != root and root not in target.parents:
            raise web.HTTPError(400, f"dest {dest!r} escapes the server's root folder")
        return target

    async def start(self, user, ref: Ref, dest: Path, match: str | None = None) -> Job:
        """List ``ref``'s artifacts as ``user`` (the team server's refusal raises its
        GridError; two artifacts that would write one file, a DownloadClash) and start
        downloading them into ``dest``; returns the running job, whose paths are relative
        to this server's root, as the file browser shows them."""
        team = self.upstream.as_user(user)
        ref = ref.owned(user.username)
        base = dest.relative_to(self.root)
        plan = place(base, [(str(ref), a) for a in await team.artifacts_of(ref, match)])
        job = new_job(
            files_total=len(plan),
            files_done=0,
            bytes_total=sum(p.artifact.size for p in plan),
            dest=base.as_posix(),
            # where this reference's files land: the sidebar and the panel say so
            folder=landing_folder(base, ref).as_posix(),
            files=[],
        )
        progress = progress_of(job)
        blocking = BlockingTeam(team, asyncio.get_running_loop(), self.stopping)

        def fetch() -> None:
            for p in plan:
                local = self.root / p.dest
                if is_complete(local, p.artifact):
                    progress(p.artifact.size)
                else:
                    blocking.download_artifact(p.experiment, p.artifact, local, progress)
                job["files_done"] += 1
                job["files"].append(p.dest.as_posix())

        return self.jobs.start(job, fetch)
