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
from .outcome import Verdict, verdict

log = logging.getLogger("grid_collab.executor")
# retrying a record the database would not take: pauses from 1 s up to 30 s, each attempt
# given up to 60 s, and a log line at most every 5 minutes
FIRST_PAUSE, MAX_PAUSE, ATTEMPT_SECONDS, LOG_EVERY = 1.0, 30.0, 60.0, 300.0


class RunRefused(Exception):
    """The engine will not run this experiment; the message, for its record, says why."""


class Engine(ABC):
    """Starts, waits for and stops launchers."""

    name = "engine"
    # whether launchers outlive the team server and can be found again after a restart
    # (adopt, ended, forget); without, a restart can only fail what was running
    adopts = False

    @abstractmethod
    async def start(self, spec: dict[str, Any], env: dict[str, str]) -> Any:
        """Start a launcher for ``spec`` with ``env``; return a handle."""

    @abstractmethod
    async def wait(self, handle: Any) -> str | None:
        """Wait for the launcher to end; return why it failed, or None if it ended normally."""

    @abstractmethod
    async def stop(self, handle: Any) -> None:
        """Ask the launcher to stop (it SIGTERMs the script, then SIGKILLs after a grace)."""

    async def adopt(self, spec: dict[str, Any]) -> Any | None:
        """A handle on the launcher a previous team server process started for ``spec``,
        if that very launcher still runs."""
        return None

    async def ended(self, spec: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
        """Once ``spec``'s launcher has ended: its outcome file, if any (launcher_files.py),
        and whether a script it left running had to be stopped."""
        return None, False

    async def forget(self, spec: dict[str, Any]) -> None:  # noqa: B027 - optional
        """The record is final: drop what the launcher left for recovery."""

    async def close(self) -> None:  # noqa: B027 - engines without resources keep this
        """Release the engine's resources."""


class Executor:
    """Feeds pending experiments to an engine, never more than ``max_parallel`` at once."""

    def __init__(self, store: Store, engine: Engine, server_url: str, max_parallel: int, pool=None):
        self.store = store
        self.engine = engine
        self.server_url = server_url
        self.max_parallel = max_parallel
        self.pool = pool
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self.queued: set[int] = set()
        self.handles: dict[int, Any] = {}
        # launchers of a previous team server process, still running: watched like ours
        self.adopted: dict[int, tuple[dict, Any]] = {}
        # records the database would not take yet: retried until it does
        self.settling: dict[int, asyncio.Task] = {}
        self._workers: list[asyncio.Task] = []
        self.closing = False

    async def _db(self, fn, *args, **kw):
        return await asyncio.get_running_loop().run_in_executor(self.pool, lambda: fn(*args, **kw))

    async def start(self) -> None:
        """Recover from a previous process, then start the workers."""
        for status in ("running", "pending"):
            for exp_id in await self._db(self.store.launches.launched_experiment_ids, status):
                await self._recover(exp_id, status)
        # adopted launchers first: they run already, so they take their slots
        for exp_id in self.adopted:
            self.enqueue(exp_id)
        for exp_id in await self._db(self.store.launches.pending_experiment_ids):
            if exp_id not in self.settling and exp_id not in self.adopted:
                self.enqueue(exp_id)
        self._workers = [asyncio.ensure_future(self._worker()) for _ in range(self.max_parallel)]
        log.info(
            "executor started: engine %s, up to %d experiments at once",
            self.engine.name,
            self.max_parallel,
        )

    async def _recover(self, exp_id: int, status: str) -> None:
        """An experiment a previous team server process launched and did not see end:
        adopt its launcher if that still runs, else record what its outcome file says."""
        spec = await self._db(self.store.launches.launch_spec, exp_id)
        if spec is None:
            return
        if not self.engine.adopts:
            if status == "running":  # its launcher went with the previous process
                await self._settle(
                    exp_id,
                    spec,
                    verdict(None, "the team server restarted while this experiment ran"),
                )
            return
        handle = await self.engine.adopt(spec)
        if handle is not None:
            # it keeps running and reporting; grid stop reaches it through its handle
            self.adopted[exp_id] = (spec, handle)
            self.handles[exp_id] = handle
            log.info("adopted the running launcher of %s:%s", spec["owner"], spec["experiment"])
            return
        outcome, stopped = await self.engine.ended(spec)
        if status == "pending" and outcome is None and not stopped:
            return  # its launcher died before starting anything: it runs again
        await self._settle(exp_id, spec, verdict(outcome, restarted=True, script_stopped=stopped))

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
                # a database that fails now too is retried in the background: this worker
                # lives on
                await self._settle(
                    exp_id,
                    None,
                    verdict(None, "the executor failed to start it; see the server log"),
                )
            finally:
                self.queued.discard(exp_id)

    async def _run_one(self, exp_id: int) -> None:
        if exp_id in self.adopted:
            spec, handle = self.adopted.pop(exp_id)
            await self._watch(exp_id, spec, handle)
            return
        if self.closing or exp_id in self.settling:
            return  # stays pending: the next start picks it up
        spec = await self._db(self.store.launches.launch_spec, exp_id)
        if spec is None or spec["status"] != "pending":
            return  # deleted or cancelled while queued
        token = await self._db(self.store.launches.issue_experiment_token, exp_id)
        env = {
            "GRID_URL": self.server_url,
            "GRID_EXPERIMENT_TOKEN": token,
            "GRID_EXPERIMENT": f"{spec['owner']}:{spec['experiment']}",
        }
        try:
            handle = await self.engine.start(spec, env)
        except RunRefused as exc:
            await self._db(
                self.store.launches.system_set_status, exp_id, "failed", message=str(exc)
            )
            return
        await self._watch(exp_id, spec, handle)

    async def _watch(self, exp_id: int, spec: dict, handle: Any) -> None:
        self.handles[exp_id] = handle
        try:
            failure = await self.engine.wait(handle)
        finally:
            self.handles.pop(exp_id, None)
        # the launcher reports the final status itself; if that never arrived (crash, full
        # disk, lost node), the record says what its outcome file tells, never "running"
        outcome, stopped = await self.engine.ended(spec)
        await self._settle(exp_id, spec, verdict(outcome, failure, script_stopped=stopped))

    async def _settle(self, exp_id: int, spec: dict | None, decided: Verdict) -> None:
        """Write ``decided`` unless the record is final already; if the database will not
        take it now, keep trying in the background."""
        try:
            await self._write(exp_id, spec, decided)
        except Exception as exc:
            log.warning(
                "cannot record experiment %s as %s yet (%s); retrying in the background",
                _name(exp_id, spec),
                decided.status,
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            )
            self._record_later(exp_id, spec, decided)

    async def _write(self, exp_id: int, spec: dict | None, decided: Verdict) -> None:
        extra = {"message": decided.message}
        if decided.exit_code is not None:
            extra["exit_code"] = decided.exit_code
        if await self._db(
            self.store.launches.system_set_status,
            exp_id,
            decided.status,
            ended_at=decided.ended_at,
            **extra,
        ):
            log.warning(
                "experiment %s recorded %s: %s",
                _name(exp_id, spec),
                decided.status,
                decided.message.splitlines()[0],
            )
        if spec is not None:
            await self.engine.forget(spec)

    def _record_later(self, exp_id: int, spec: dict | None, decided: Verdict) -> None:
        if exp_id not in self.settling:
            self.settling[exp_id] = asyncio.ensure_future(self._keep_trying(exp_id, spec, decided))

    async def _keep_trying(self, exp_id: int, spec: dict | None, decided: Verdict) -> None:
        """Retry a record with growing pauses until the database takes it. Each attempt is
        bounded; the log says so at first and then at most every few minutes. The verdict
        stays in memory meanwhile, and the outcome file on disk until it is written."""
        pause, attempts, last_log = FIRST_PAUSE, 0, 0.0
        loop = asyncio.get_running_loop()
        pending = None
        try:
            while True:
                await asyncio.sleep(pause)
                attempts += 1
                if pending is None:  # never two attempts at once (a hung one keeps going)
                    pending = asyncio.ensure_future(self._write(exp_id, spec, decided))
                try:
                    await asyncio.wait_for(asyncio.shield(pending), ATTEMPT_SECONDS)
                    log.info(
                        "recorded experiment %s after %d retries", _name(exp_id, spec), attempts
                    )
                    return
                except asyncio.TimeoutError:
                    error = f"no answer within {ATTEMPT_SECONDS:.0f}s"
                except Exception as exc:
                    pending, error = None, str(exc)
                if loop.time() - last_log >= LOG_EVERY:
                    last_log = loop.time()
                    log.warning(
                        "still cannot record experiment %s as %s after %d retries "
                        "(%s); trying again",
                        _name(exp_id, spec),
                        decided.status,
                        attempts,
                        error.splitlines()[0] if error else "",
                    )
                pause = min(pause * 2, MAX_PAUSE)
        finally:
            self.settling.pop(exp_id, None)

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
        for task in [*self._workers, *self.settling.values()]:
            task.cancel()  # an unwritten outcome stays in its file for the next start
        await self.engine.close()


def _name(exp_id: int, spec: dict | None) -> str:
    return f"{spec['owner']}:{spec['experiment']}" if spec else f"#{exp_id}"
