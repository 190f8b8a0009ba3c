"""Copy a run's or an experiment's artifacts into this session's file tree, in the
background: the team server lists them as the user who asks (it decides and audits), and the
runner downloads them, as that user, under ``<dest>/<run>/<experiment>/<path>``."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from tornado import web

from ..client import GridError
from ..models import split_experiment_name
from ..references import EXPERIMENT, Ref
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
        GridError) and start downloading them into ``dest``; returns the running job."""
        team = self.upstream.as_user(user)
        ref = ref.owned(user.username)
        artifacts = await team.artifacts_of(ref, match)
        job = new_job(
            files_total=len(artifacts),
            files_done=0,
            bytes_total=sum(a.size for a in artifacts),
            dest=str(dest.relative_to(self.root)) if dest != self.root else ".",
            files=[],
        )
        progress = progress_of(job)
        blocking = BlockingTeam(team, asyncio.get_running_loop(), self.stopping)

        def fetch() -> None:
            for art in artifacts:
                if not (art.experiment and art.path and ref.owner):
                    raise GridError("the team server listed an artifact without its experiment")
                # an artifact always belongs to an experiment, named <run>-exp<N>
                run, _ = split_experiment_name(art.experiment)
                local = dest / run / art.experiment / art.path
                if local.exists() and local.stat().st_size == art.size:
                    progress(art.size)
                else:
                    experiment = Ref(EXPERIMENT, art.experiment, ref.owner)
                    blocking.download_artifact(experiment, art, local, progress)
                job["files_done"] += 1
                job["files"].append(str(local.relative_to(self.root)))

        return self.jobs.start(job, fetch)
