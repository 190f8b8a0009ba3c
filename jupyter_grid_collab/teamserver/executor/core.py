"""The engine-agnostic executor: a queue of pending experiments, at most N at a time.

An engine only knows how to start ``python -m jupyter_grid_collab.launcher`` somewhere
with a few environment variables, wait for it, and stop it. Everything an experiment
does (source, datastore, logs, artifacts, status) happens in the launcher.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any

from ..store import Store

log = logging.getLogger("grid_collab.executor")


class RunRefused(Exception):
    """The engine will not run this experiment; the message, for its record, says why."""


class Engine(ABC):
    """Starts, waits for and stops launchers."""

    name = "engine"

    @abstractmethod
    async def start(self, spec: dict[str, Any], env: dict[str, str]) -> Any:
        """Start a launcher for ``spec`` with ``env``; return a handle."""

    @abstractmethod
    async def wait(self, handle: Any) -> str | None:
        """Wait for the launcher to end; return why it failed, or None if it ended normally."""

    @abstractmethod
    async def stop(self, handle: Any) -> None:
        """Ask the launcher to stop (it SIGTERMs the script, then SIGKILLs after a grace)."""

    async def close(self) -> None:  # noqa: B027 - engines without resources keep this
        """Release the engine's resources."""


class Executor:
    """Feeds pending experiments to an engine, never more than ``max_parallel`` at once."""

    def __init__(self, store: Store, engine: Engine, server_url: str, max_parallel: int,
                 pool=None):
        self.store = store
        self.engine = engine
        self.server_url = server_url
        self.max_parallel = max_parallel
        self.pool = pool
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self.queued: set[int] = set()
        self.handles: dict[int, Any] = {}
        self._workers: list[asyncio.Task] = []
        self.closing = False

    async def _db(self, fn, *args, **kw):
        return await asyncio.get_running_loop().run_in_executor(
            self.pool, lambda: fn(*args, **kw))

    async def start(self) -> None:
        """Recover from a previous process, then start the workers."""
        for exp_id in await self._db(self.store.launched_experiment_ids, "running"):
            # its launcher belonged to a previous team server process and is gone
            await self._db(self.store.system_set_status, exp_id, "failed",
                           message="the team server restarted while this experiment ran")
        for exp_id in await self._db(self.store.pending_experiment_ids):
            self.enqueue(exp_id)
        self._workers = [asyncio.ensure_future(self._worker()) for _ in range(self.max_parallel)]
        log.info("executor started: engine %s, up to %d experiments at once",
                 self.engine.name, self.max_parallel)

    def enqueue(self, experiment_id: int) -> None:
        if experiment_id not in self.queued:
            self.queued.add(experiment_id)
            self.queue.put_nowait(experiment_id)

    def on_run_created(self, run: dict) -> None:
        for exp in run.get("experiments", []):
            if exp["status"] == "pending":
                self.enqueue(exp["id"])

    def on_stop(self, out: dict) -> None:
        """Experiments just cancelled by ``grid stop``: stop their launchers."""
        for exp in out.get("experiments", []):
            handle = self.handles.get(exp["id"])
            if handle is not None and exp["status"] == "cancelled":
                asyncio.ensure_future(self.engine.stop(handle))

    async def _worker(self) -> None:
        while True:
            exp_id = await self.queue.get()
            try:
                await self._run_one(exp_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("experiment %s could not be run", exp_id)
                await self._db(self.store.system_set_status, exp_id, "failed",
                               message="the executor failed to start it; see the server log")
            finally:
                self.queued.discard(exp_id)

    async def _run_one(self, exp_id: int) -> None:
        if self.closing:
            return  # stays pending: the next start picks it up
        spec = await self._db(self.store.launch_spec, exp_id)
        if spec is None or spec["status"] != "pending":
            return  # deleted or cancelled while queued
        token = await self._db(self.store.issue_experiment_token, exp_id)
        env = {"GRID_URL": self.server_url, "GRID_EXPERIMENT_TOKEN": token,
               "GRID_EXPERIMENT": f"{spec['owner']}:{spec['experiment']}"}
        try:
            handle = await self.engine.start(spec, env)
        except RunRefused as exc:
            await self._db(self.store.system_set_status, exp_id, "failed", message=str(exc))
            return
        self.handles[exp_id] = handle
        try:
            failure = await self.engine.wait(handle)
        finally:
            self.handles.pop(exp_id, None)
        # the launcher reports the final status itself; if it could not (crash, lost
        # node), the experiment is failed here, never left running forever
        reason = failure or "the launcher ended without reporting a result"
        if await self._db(self.store.system_set_status, exp_id, "failed", message=reason):
            log.warning("experiment %s:%s failed: %s", spec["owner"], spec["experiment"], reason)

    async def close(self, timeout: float = 20.0) -> None:
        """Stop every launcher and give them ``timeout`` seconds to report (the server must
        still answer then); start nothing new meanwhile."""
        self.closing = True
        for handle in list(self.handles.values()):
            await self.engine.stop(handle)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.handles and loop.time() < deadline:
            await asyncio.sleep(0.1)
        for task in self._workers:
            task.cancel()
        await self.engine.close()
