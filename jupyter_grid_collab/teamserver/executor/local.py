"""The local engine: each launcher is a subprocess on the team server's machine.

The launcher runs as the team server's user; the script it starts runs as the team's
runner uid (sandbox.py), or the engine refuses the experiment where it cannot isolate it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from .core import Engine, RunRefused
from .sandbox import Sandbox


class LocalEngine(Engine):
    """Launchers as subprocesses; their output goes to a per-experiment file for debugging."""

    name = "local"

    def __init__(self, sandbox: Sandbox, datastore_root: Path | None, blob_dir: str | None,
                 stop_grace: float = 10.0):
        self.sandbox = sandbox
        self.datastore_root = datastore_root
        self.blob_dir = blob_dir
        self.stop_grace = stop_grace

    async def start(self, spec: dict[str, Any], env: dict[str, str]) -> Any:
        if self.sandbox.refusal:
            raise RunRefused(self.sandbox.refusal)
        full_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("GRID_API_KEY", "GRID_COLLAB_"))}
        work = self.sandbox.experiment_dir(spec)
        full_env.update(env, GRID_WORK_DIR=str(work), GRID_STOP_GRACE=str(self.stop_grace),
                        **self.sandbox.launcher_env(spec))
        datastores = self.sandbox.datastore_dir(spec) or self.datastore_root
        if datastores:
            full_env["GRID_DATASTORE_ROOT"] = str(datastores)
        if self.blob_dir:
            full_env["GRID_BLOB_DIR"] = self.blob_dir
        # beside the work folder, in a folder the runner may pass but not write: a runner
        # cannot make it a link to one of the team server's files
        log = os.open(work.with_name(f"{work.name}.launcher.log"),
                      os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        try:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "jupyter_grid_collab.launcher", env=full_env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)
        finally:
            os.close(log)

    async def wait(self, handle: Any) -> str | None:
        code = await handle.wait()
        if code < 0:
            return f"the launcher was killed by signal {-code}"
        return None if code in (0, 2) else f"the launcher exited with code {code}"

    async def stop(self, handle: Any) -> None:
        if handle.returncode is None:
            try:
                handle.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
