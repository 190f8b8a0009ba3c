"""The local engine: each launcher is a subprocess on the team server's machine.

The launcher runs as the team server's user; the script it starts runs as the team's
runner uid (sandbox.py), or the engine refuses the experiment where it cannot isolate it.

Launchers run in sessions of their own, so they outlive a team server that crashes; the
pidfile the engine writes beside each launcher's log lets the next team server process find
and adopt the very same launcher (pid and start time), and the launcher's outcome file lets
it learn how a script ended whose launcher could not report (launcher_files.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...launcher_files import (
    OUTCOME_ENV,
    LauncherFiles,
    alive,
    proc_start,
    process_group,
    read_json,
    write_json,
)
from ...runner import SECRET_PREFIXES
from .core import Engine, RunRefused
from .sandbox import Sandbox

log = logging.getLogger("grid_collab.executor")
# how often an adopted launcher (not our child: no wait() for it) is checked
POLL_SECONDS = 0.5


@dataclass
class Launcher:
    """A launcher process: one this team server started (``proc``), or one a previous team
    server process started and this one adopted (no ``proc``: it is polled)."""

    pid: int
    start: int | None
    files: LauncherFiles
    proc: asyncio.subprocess.Process | None = None

    def running(self) -> bool:
        if self.proc is not None:
            return self.proc.returncode is None
        return alive(self.pid, self.start)


def _pid(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class LocalEngine(Engine):
    """Launchers as subprocesses; their output goes to a per-experiment file for debugging,
    beside it their pidfile and outcome file (launcher_files.py)."""

    name = "local"
    adopts = True

    def __init__(
        self,
        sandbox: Sandbox,
        datastore_root: Path | None,
        blob_dir: str | None,
        stop_grace: float = 10.0,
    ):
        self.sandbox = sandbox
        self.datastore_root = datastore_root
        self.blob_dir = blob_dir
        self.stop_grace = stop_grace

    def _files(self, spec: dict[str, Any]) -> LauncherFiles:
        # beside the work folder, in a folder the runner may pass but not write: a runner
        # can neither make them links to the team server's files nor forge them
        return LauncherFiles.beside(self.sandbox.experiment_dir(spec))

    async def start(self, spec: dict[str, Any], env: dict[str, str]) -> Any:
        if self.sandbox.refusal:
            raise RunRefused(self.sandbox.refusal)
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(SECRET_PREFIXES)}
        work = self.sandbox.experiment_dir(spec)
        files = LauncherFiles.beside(work)
        files.clear()  # an earlier experiment of the same name (a deleted run) left them
        full_env.update(
            env,
            GRID_WORK_DIR=str(work),
            GRID_STOP_GRACE=str(self.stop_grace),
            **{OUTCOME_ENV: str(files.outcome)},
            **self.sandbox.launcher_env(spec),
        )
        datastores = self.sandbox.datastore_dir(spec) or self.datastore_root
        if datastores:
            full_env["GRID_DATASTORE_ROOT"] = str(datastores)
        if self.blob_dir:
            full_env["GRID_BLOB_DIR"] = self.blob_dir
        log_fd = os.open(files.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "jupyter_grid_collab.launcher",
                env=full_env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_fd,
                stderr=log_fd,
                # "-m" puts the working folder first on sys.path: never the server's own
                # (a module planted there would run in the launcher, as the server's user)
                cwd="/",
                start_new_session=True,
            )
        finally:
            os.close(log_fd)
        handle = Launcher(proc.pid, proc_start(proc.pid), files, proc)
        # so that a team server started after this one crashed finds it, and knows it is
        # this very process (pid and start time) and not whatever reuses its pid later
        try:
            write_json(
                files.pidfile,
                {
                    "experiment_id": spec["experiment_id"],
                    "experiment": f"{spec['owner']}:{spec['experiment']}",
                    "pid": handle.pid,
                    "start": handle.start,
                },
            )
        except OSError as exc:
            log.warning(
                "cannot write %s (%s): a restart will not adopt this launcher", files.pidfile, exc
            )
        return handle

    async def wait(self, handle: Any) -> str | None:
        if handle.proc is None:  # adopted: not our child, so poll (its exit code is lost)
            while handle.running():
                await asyncio.sleep(POLL_SECONDS)
            return None
        code = await handle.proc.wait()
        if code < 0:
            return f"the launcher was killed by signal {-code}"
        if code == 3:
            return "the launcher could not report its result"
        return None if code in (0, 2) else f"the launcher exited with code {code}"

    async def stop(self, handle: Any) -> None:
        # the launcher SIGTERMs its script's process group, then SIGKILLs it after the grace
        if handle.running():
            try:
                os.kill(handle.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    async def adopt(self, spec: dict[str, Any]) -> Any | None:
        files = self._files(spec)
        info = read_json(files.pidfile) or {}
        pid, start = _pid(info.get("pid")), info.get("start")
        if info.get("experiment_id") != spec["experiment_id"] or not alive(pid, start):
            return None
        return Launcher(pid, start, files)

    async def ended(self, spec: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
        files = self._files(spec)
        outcome = read_json(files.outcome)
        # only the outcome of the launcher this experiment's pidfile names counts: a file
        # an earlier experiment of the same name left behind does not
        pidfile = read_json(files.pidfile) or {}
        launcher = (outcome or {}).get("launcher") or {}
        if pidfile.get("experiment_id") != spec["experiment_id"] or (
            launcher.get("pid"),
            launcher.get("start"),
        ) != (pidfile.get("pid"), pidfile.get("start")):
            outcome = None
        return outcome, _stop_orphan(outcome)

    async def forget(self, spec: dict[str, Any]) -> None:
        self._files(spec).clear()


def _stop_orphan(outcome: dict[str, Any] | None) -> bool:
    """SIGKILL what is left of a script whose launcher is gone (nobody would stop it, or
    report it); True when something was."""
    script = (outcome or {}).get("script") or {}
    pgid = _pid(script.get("pid"))
    if pgid is None:
        return False
    leader = proc_start(pgid)
    if leader is not None and leader != script.get("start"):
        return False  # that pid is someone else's now: the script's group is long gone
    # the kernel gives no new process a pid still in use as a process group's id, so a
    # group of that id whose leader has exited is still the script's
    members = process_group(pgid)
    if not members:
        return False
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True
