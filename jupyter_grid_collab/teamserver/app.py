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
from .handlers import meta as m
from .handlers import runs as r
from .hub.service import HubService, HubSettings
from .routes import tornado_routes
from .scrub import DEFAULT_INTERVAL_HOURS, DEFAULT_MB_PER_SECOND, Scrubber
from .store import Store
from .store.metrics import DEFAULT_MAX_METRIC_POINTS
from .store.outputs import DEFAULT_MAX_LOG_MB
from .store.sources import DEFAULT_SOURCE_GRACE_HOURS

log = logging.getLogger("grid_collab.teamserver")

# the team API's routes, from the one route table (routes.py)
ROUTES = tornado_routes()


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
    # metric points kept per experiment (0: no cap), 24 bytes each
    max_metric_points: int = DEFAULT_MAX_METRIC_POINTS
    source_grace_hours: float = DEFAULT_SOURCE_GRACE_HOURS
    # every stored blob hashed again this often (0: never) at most this fast (scrub.py):
    # what a file's stamp cannot see (bit rot) is found and refused before anyone reads it
    scrub_interval_hours: float = DEFAULT_INTERVAL_HOURS
    scrub_mb_per_second: float = DEFAULT_MB_PER_SECOND
    # --team-source jupyterhub: teams, members and sessions come from this Hub (hub/)
    hub: HubSettings | None = None


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
        self.scrubber: Scrubber | None = None
        self.store.outputs.max_log_mb = self.config.max_log_mb
        self.store.metrics.max_points = self.config.max_metric_points
        self.hub = (
            HubService(self.config.hub, self.store, self.db_pool)
            if self.config.hub is not None
            else None
        )

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
            hub=self.hub,
            default_handler_class=m.NotFoundHandler,
        )

    def start_housekeeping(self) -> None:
        self._tasks.append(asyncio.ensure_future(self._housekeeping()))
        if self.hub is not None:
            self.hub.start()
        if self.config.scrub_interval_hours > 0:
            self.scrubber = Scrubber(
                self.blobs.verifier,
                self.config.scrub_interval_hours,
                self.config.scrub_mb_per_second,
            )
            self.scrubber.start()

    async def _housekeeping(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(self.db_pool, self.store.billing.accrue)
                lost = await loop.run_in_executor(
                    self.db_pool, self.store.sessions.mark_lost, self.config.heartbeat_timeout
                )
                if lost:
                    log.info("marked %d session(s) lost after missed heartbeats", lost)
                orphans = await loop.run_in_executor(
                    self.db_pool, self.store.datastores.expire_uploads
                )
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
            self.db_pool,
            self.store.sources.collect_sources,
            self.config.source_grace_hours * 3600.0,
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
        if self.scrubber is not None:
            self.scrubber.stop()
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
