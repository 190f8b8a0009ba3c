"""The local engine: each launcher is a subprocess on the team server's machine."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from .core import Engine


class LocalEngine(Engine):
    """Launchers as subprocesses; their output goes to a per-experiment file for debugging."""

    name = "local"

    def __init__(self, work_root: Path, datastore_root: Path | None, blob_dir: str | None,
                 stop_grace: float = 10.0):
        self.work_root = work_root
        self.datastore_root = datastore_root
        self.blob_dir = blob_dir
        self.stop_grace = stop_grace

    async def start(self, spec: dict[str, Any], env: dict[str, str]) -> Any:
        full_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("GRID_API_KEY", "GRID_COLLAB_"))}
        full_env.update(env, GRID_WORK_ROOT=str(self.work_root),
                        GRID_STOP_GRACE=str(self.stop_grace))
        if self.datastore_root:
            full_env["GRID_DATASTORE_ROOT"] = str(self.datastore_root)
        if self.blob_dir:
            full_env["GRID_BLOB_DIR"] = self.blob_dir
        logs = self.work_root / spec["owner"] / spec["experiment"]
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / "launcher.log", "ab") as out:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "jupyter_grid_collab.launcher", env=full_env,
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True)

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
