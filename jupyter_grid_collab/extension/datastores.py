"""Attach a datastore version to this session: the team server allows it and records it on
the session's record (one call, as the user who asks), then it is mounted read-only here.

Mounting never makes a request wait on copying a large datastore: when more than
``inline_bytes`` must be downloaded or copied, the request answers with a job that the
runner finishes in the background.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from ..client import GridError
from ..datastore_mount import bytes_to_fetch, describe_mount, mount_datastore
from ..models import DatastoreFile, parse_reference
from .bridge import BlockingTeam
from .jobs import Job, JobRunner, JobTable, new_job, progress_of
from .session import SessionRegistrar
from .upstream import Upstream


class AttachService:
    """Datastore attaches of this session, and the jobs of those still mounting."""

    def __init__(
        self,
        upstream: Upstream,
        registrar: SessionRegistrar,
        runner: JobRunner,
        root: Path,
        blob_dir: str | None,
        inline_bytes: int,
        stopping: threading.Event,
    ) -> None:
        self.upstream = upstream
        self.registrar = registrar
        self.runner = runner
        self.jobs = JobTable(runner)
        self.root = root
        self.blob_dir = blob_dir or None
        self.inline_bytes = inline_bytes
        self.stopping = stopping
        # one mount at a time: two attaches of one datastore must not race for its folder
        self._mount_lock = threading.Lock()

    async def attach(self, user, ref: Any) -> Job:
        """Attach ``ref`` (``[owner:]name[@version]``, the user's own when bare) as ``user``.
        The job is done (its path set) when mounted in time, else running.

        Raises ReferenceError for a malformed reference, the team server's GridError when
        it refuses, GridError/OSError (the message naming the datastore) when mounting fails.
        """
        parsed = parse_reference(ref, allow_version=True)
        team = self.upstream.as_user(user)
        # recorded on this session's record by the team server, as the one who attached it;
        # a server not registered (yet) has no record to put it on
        session = self.registrar.name if self.registrar.secret else None
        # parsed once: client.py's calls take a Reference as well (their hint says str)
        info = await team.attach_datastore(parsed, session=session)  # type: ignore[arg-type]
        self.registrar.record_changed()
        reference = info["reference"]
        files = [DatastoreFile.from_json(f) for f in info["files"]]
        pending = await asyncio.to_thread(bytes_to_fetch, files, self.root, self.blob_dir)
        job = new_job(
            reference=reference,
            size=info["size"],
            file_count=info["file_count"],
            bytes_total=pending,
            path=None,
            hint=None,
        )
        blocking = BlockingTeam(team, asyncio.get_running_loop(), self.stopping)

        def mount() -> None:
            with self._mount_lock:
                path = mount_datastore(
                    blocking, reference, self.root, self.blob_dir, progress_of(job), files
                )
            # say how: hard links are O(1); a consumer that could write them gets copies
            how = describe_mount(path)
            job.update(
                path=str(path),
                how=how,
                hint=f"read it in code as {str(path)!r} (read-only" + (f"; {how})" if how else ")"),
            )

        if pending > self.inline_bytes:
            return self.jobs.start(job, mount)
        try:
            await self.runner.run(job, mount)
        except GridError as exc:
            raise GridError(f"could not mount {reference}: {exc.message}", exc.status) from None
        return dict(job)
