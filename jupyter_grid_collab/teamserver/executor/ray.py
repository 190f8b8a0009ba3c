"""The Ray engine: each launcher becomes a job on an existing Ray cluster, submitted through
Ray's job REST API (no Ray client library needed in the team server).

More machines in the cluster mean more experiments in parallel, with no scheduler of our
own. The launcher fetches the source and datastore from the team server itself, so Ray's
100 MiB working-dir upload limit never applies.
"""

from __future__ import annotations

import asyncio
import shlex
import uuid
from typing import Any

import httpx

from .core import Engine

TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")
# all a Ray job is given: where the team server is, its experiment and its experiment-scoped
# token (nothing of the team server's own environment or settings); the launcher keeps the
# token from the script
JOB_ENV = ("GRID_URL", "GRID_EXPERIMENT_TOKEN", "GRID_EXPERIMENT")
POLL_SECONDS = 1.0


class RayEngine(Engine):
    """Jobs on a Ray cluster: submit, poll until terminal, stop."""

    name = "ray"

    def __init__(self, address: str, datastore_root: str | None = None, python: str = "python"):
        self.address = address.rstrip("/")
        self.datastore_root = datastore_root
        self.python = python
        self.http = httpx.AsyncClient(base_url=self.address, timeout=30.0)

    async def start(self, spec: dict[str, Any], env: dict[str, str]) -> Any:
        job_id = f"grid-{spec['owner']}-{spec['experiment']}-{uuid.uuid4().hex[:6]}"
        env_vars = {k: env[k] for k in JOB_ENV if k in env}
        if self.datastore_root:
            env_vars["GRID_DATASTORE_ROOT"] = self.datastore_root
        body = {
            "entrypoint": shlex.join([self.python, "-m", "jupyter_grid_collab.launcher"]),
            "submission_id": job_id,
            "runtime_env": {"env_vars": env_vars},
            "metadata": {"grid_owner": spec["owner"], "grid_experiment": spec["experiment"]},
        }
        response = await self.http.post("/api/jobs/", json=body)
        if response.status_code >= 400:
            raise RuntimeError(
                f"Ray refused the job ({response.status_code}): {response.text[:300]}"
            )
        return job_id

    async def _info(self, job_id: str) -> dict[str, Any] | None:
        try:
            response = await self.http.get(f"/api/jobs/{job_id}")
        except httpx.TransportError:
            return None
        if response.status_code == 404:
            return {"status": "FAILED", "message": "Ray no longer knows this job"}
        return response.json() if response.status_code < 400 else None

    async def wait(self, handle: Any) -> str | None:
        unreachable_since: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            info = await self._info(handle)
            if info is None:
                # the head is unreachable: give it a while, then fail rather than hang forever
                unreachable_since = unreachable_since or loop.time()
                if loop.time() - unreachable_since > 120:
                    return "the Ray cluster stopped answering about this job"
            else:
                unreachable_since = None
                if info.get("status") in TERMINAL:
                    if info["status"] == "SUCCEEDED":
                        return None
                    reason = info.get("message") or info["status"].lower()
                    code = info.get("driver_exit_code")
                    return f"Ray job {info['status'].lower()}: {reason}" + (
                        f" (exit code {code})" if code is not None else ""
                    )
            await asyncio.sleep(POLL_SECONDS)

    async def stop(self, handle: Any) -> None:
        try:
            await self.http.post(f"/api/jobs/{handle}/stop")
        except httpx.TransportError:
            pass

    async def close(self) -> None:
        await self.http.aclose()
