"""The team server application: routes, thread pools and periodic housekeeping."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import tornado.web

from .blobs import BlobStore
from .executor.sandbox import DEFAULT_UID_BASE
from .handlers import blobs as b
from .handlers import datastores as d
from .handlers import meta as m
from .handlers import runs as r
from .handlers import sessions as s
from .handlers import teams as t
from .store import Store
from .store.outputs import DEFAULT_MAX_LOG_MB
from .store.sources import DEFAULT_SOURCE_GRACE_HOURS

log = logging.getLogger("grid_collab.teamserver")

_U = r"([^/]+)"  # one path segment (owner, name, team, action)
_P = r"(.+)"  # a file path inside an artifact set or datastore

ROUTES = [
    (r"/api/v1/health", m.HealthHandler),
    (r"/api/v1/openapi.json", m.OpenAPIHandler),
    (r"/api/v1/me", t.MeHandler),
    (r"/api/v1/users", t.UsersHandler),
    (r"/api/v1/teams", t.TeamsHandler),
    (rf"/api/v1/teams/{_U}", t.TeamHandler),
    (rf"/api/v1/teams/{_U}/members", t.MembersHandler),
    (rf"/api/v1/teams/{_U}/members/{_U}", t.MemberHandler),
    (rf"/api/v1/teams/{_U}/credits", t.CreditsHandler),
    (rf"/api/v1/teams/{_U}/ledger", t.LedgerHandler),
    (rf"/api/v1/teams/{_U}/audit", t.AuditHandler),
    (r"/api/v1/credentials", s.CredentialsHandler),
    (rf"/api/v1/credentials/{_U}", s.CredentialHandler),
    (r"/api/v1/sessions", s.SessionsHandler),
    (rf"/api/v1/sessions/{_U}/{_U}", s.SessionHandler),
    (rf"/api/v1/sessions/{_U}/{_U}/git-credential", s.SessionGitCredentialHandler),
    (rf"/api/v1/sessions/{_U}/{_U}/open", s.SessionOpenHandler),
    (r"/api/v1/visits/redeem", s.TicketRedeemHandler),
    (r"/api/v1/visits", s.VisitsHandler),
    (rf"/api/v1/visits/{_U}", s.VisitsHandler),
    (rf"/api/v1/sessions/{_U}/{_U}/{_U}", s.SessionActionHandler),
    (r"/api/v1/runs", r.RunsHandler),
    (rf"/api/v1/runs/{_U}/{_U}", r.RunHandler),
    (rf"/api/v1/runs/{_U}/{_U}/artifacts", b.ArtifactsHandler),
    (rf"/api/v1/runs/{_U}/{_U}/source", b.RunSourceHandler),
    (rf"/api/v1/runs/{_U}/{_U}/{_U}", r.RunActionHandler),
    (rf"/api/v1/experiments/{_U}/{_U}", r.ExperimentHandler),
    (rf"/api/v1/experiments/{_U}/{_U}/logs", r.LogsHandler),
    (rf"/api/v1/experiments/{_U}/{_U}/artifacts", b.ArtifactsHandler),
    (rf"/api/v1/experiments/{_U}/{_U}/artifacts/{_P}", b.ArtifactHandler),
    (rf"/api/v1/experiments/{_U}/{_U}/{_U}", r.ExperimentActionHandler),
    (r"/api/v1/datastores", d.DatastoresHandler),
    (rf"/api/v1/datastores/{_U}/{_U}", d.DatastoreHandler),
    (rf"/api/v1/datastores/{_U}/{_U}/files", d.DatastoreFilesHandler),
    (rf"/api/v1/datastores/{_U}/{_U}/files/{_P}", b.DatastoreFileHandler),
    (rf"/api/v1/datastores/{_U}/{_U}/attach", d.DatastoreAttachHandler),
    (r"/api/v1/uploads", d.UploadsHandler),
    (rf"/api/v1/uploads/{_U}", d.UploadHandler),
    (rf"/api/v1/uploads/{_U}/commit", d.UploadCommitHandler),
    (rf"/api/v1/uploads/{_U}/files/{_P}", b.UploadFileHandler),
    (r"/api/v1/sources", b.SourcesHandler),
    (r"/api/.*", m.NotFoundHandler),
]


@dataclass
class ServerConfig:
    """Settings of one team server process."""

    heartbeat_timeout: float = 90.0
    tick_seconds: float = 30.0
    max_upload_bytes: int = 64 << 30
    db_threads: int = 8
    # how long a visit to a teammate's session lasts: the team server's decision, not the
    # session's (a session's server acts for its visitors while the visit lasts)
    visit_hours: float = 8.0
    # how the local engine runs experiments (executor/sandbox.py): "auto" runs each team's
    # as an unprivileged uid of its own where the server is root, else refuses them
    runner_isolation: str = "auto"
    runner_uid_base: int = DEFAULT_UID_BASE
    runner_python: str = "auto"
    runner_network: str = "host"  # "none": isolated scripts reach no network at all
    work_root: Path | None = None  # default: data_dir_paths()["runs"]
    # log bytes kept per experiment (0: no cap), and how long a source no run uses is kept
    max_log_mb: float = DEFAULT_MAX_LOG_MB
    source_grace_hours: float = DEFAULT_SOURCE_GRACE_HOURS


@dataclass
class TeamServer:
    """The running application and its housekeeping tasks."""

    store: Store
    blobs: BlobStore
    config: ServerConfig = field(default_factory=ServerConfig)

    def __post_init__(self) -> None:
        self.db_pool = ThreadPoolExecutor(self.config.db_threads, thread_name_prefix="grid-db")
        self.io_pool = ThreadPoolExecutor(4, thread_name_prefix="grid-io")
        self.log_notifier = r.LogNotifier()
        self.run_listeners: list = []
        self.stop_listeners: list = []
        self._tasks: list[asyncio.Task] = []
        self.store.max_log_mb = self.config.max_log_mb

    def drop_blobs(self, shas: list[str]) -> None:
        """Delete blobs the store reported as no longer referenced."""
        for sha in shas:
            self.blobs.delete(sha)

    def make_app(self) -> tornado.web.Application:
        return tornado.web.Application(
            ROUTES,
            store=self.store,
            blobs=self.blobs,
            db_pool=self.db_pool,
            io_pool=self.io_pool,
            log_notifier=self.log_notifier,
            drop_blobs=self.drop_blobs,
            on_run_created=lambda run: [f(run) for f in self.run_listeners],
            on_stop=lambda out: [f(out) for f in self.stop_listeners],
            max_upload_bytes=self.config.max_upload_bytes,
            max_visit_seconds=self.config.visit_hours * 3600.0,
            default_handler_class=m.NotFoundHandler,
        )

    def start_housekeeping(self) -> None:
        self._tasks.append(asyncio.ensure_future(self._housekeeping()))

    async def _housekeeping(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(self.db_pool, self.store.accrue)
                lost = await loop.run_in_executor(
                    self.db_pool, self.store.mark_lost, self.config.heartbeat_timeout
                )
                if lost:
                    log.info("marked %d session(s) lost after missed heartbeats", lost)
                orphans = await loop.run_in_executor(self.db_pool, self.store.expire_uploads)
                await loop.run_in_executor(self.io_pool, self.drop_blobs, orphans)
                await self._collect_sources()
            except Exception:  # housekeeping must survive a passing database error
                log.exception("housekeeping failed; retrying at the next tick")
            await asyncio.sleep(self.config.tick_seconds)

    async def _collect_sources(self) -> None:
        """Sources no run uses, past their grace period: records, then blobs no one else
        references (1000 records a pass, so one pass never holds the database long)."""
        loop = asyncio.get_running_loop()
        removed, orphans = await loop.run_in_executor(
            self.db_pool, self.store.collect_sources, self.config.source_grace_hours * 3600.0
        )
        await loop.run_in_executor(self.io_pool, self.drop_blobs, orphans)
        if removed:
            log.info(
                "collected %d run source(s) no run used within %g h (%d blob(s) freed)",
                removed,
                self.config.source_grace_hours,
                len(orphans),
            )

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        self.db_pool.shutdown(wait=False)
        self.io_pool.shutdown(wait=False)
        self.store.engine.dispose()


def data_dir_paths(data_dir: Path) -> dict[str, Path]:
    return {
        "db": data_dir / "team.db",
        "blobs": data_dir / "blobs",
        "secret": data_dir / "secret.key",
        "log": data_dir / "server.log",
        # beside the data folder, never in it: runner uids pass through to their own work
        # folders, while the data folder stays private to the team server's user
        "runs": data_dir.parent / f"{data_dir.name}-runs",
    }
