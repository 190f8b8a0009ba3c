"""Real Jupyter servers with the extension, as subprocesses on 127.0.0.1, for tests."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from teamserver_harness import TeamServerProcess

BASE_URL = "/a%40b/"  # a base URL that needs escaping, so base-URL bugs fail tests


@dataclass
class JupyterProcess:
    """One user's Jupyter server (``jupyter server`` or ``jupyter lab``) with the extension."""

    user: str
    team: TeamServerProcess
    home: Path
    session_name: str
    app: str = "server"
    extra_env: dict[str, str] = field(default_factory=dict)
    extra_args: list[str] = field(default_factory=list)
    # 0: Jupyter binds a free port and start() reads it back from the server's runtime
    # file (no port picked here and released, which another process could take meanwhile);
    # a restart keeps the port it got, so the session's URL stays
    port: int = 0
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    # hand the token over as JUPYTER_TOKEN (as `grid session create` does), not as an argument
    token_in_env: bool = False
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{BASE_URL}"

    @property
    def root(self) -> Path:
        return self.home / "root"

    @property
    def datastore_root(self) -> Path:
        return self.home / "datastores"

    @property
    def log_path(self) -> Path:
        return self.home / "jupyter.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRID_", "JUPYTER_"))}
        env.update(
            GRID_URL=self.team.url,
            GRID_API_KEY=self.team.keys[self.user],
            GRID_SESSION_NAME=self.session_name,
            GRID_HOME=str(self.home / "grid-home"),
            GRID_DATASTORE_ROOT=str(self.datastore_root),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTER_DATA_DIR=str(self.home / "data"),
            HOME=str(self.home),
        )
        if self.token_in_env:
            env["JUPYTER_TOKEN"] = self.token
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 60.0, registered: bool = True) -> JupyterProcess:
        """Start and wait until Jupyter answers and (by default) has registered."""
        self.root.mkdir(parents=True, exist_ok=True)
        # world-traversable so the read-only checks can run as an unprivileged user
        self.home.chmod(0o755)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                self.app,
                "--no-browser",
                "--allow-root",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                f"--ServerApp.base_url={BASE_URL}",
                *([] if self.token_in_env else [f"--IdentityProvider.token={self.token}"]),
                f"--ServerApp.root_dir={self.root}",
                "--GridCollab.heartbeat_interval=2",
                *self.extra_args,
            ],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root,
        )
        deadline = time.monotonic() + timeout
        started = time.time()
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter exited: {self.log_path.read_text()[-3000:]}")
            if not self.port:
                self.port = self._bound_port(started)
                if not self.port:
                    time.sleep(0.1)
                    continue
            try:
                if not registered and self.get("api/status", timeout=2).status_code == 200:
                    return self
                ctx = self.get("grid-collab/api/context", timeout=2)
                if ctx.status_code == 200 and ctx.json()["session"]["registered"]:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"jupyter did not register in time: {self.log_path.read_text()[-3000:]}")

    def _bound_port(self, started: float) -> int:
        """The port this server bound, from its runtime file (0 until it has written it)."""
        path = self.home / "runtime" / f"jpserver-{self.proc.pid}.json"
        try:
            if path.stat().st_mtime < started - 1:  # a killed server's with the same pid
                return 0
            info = json.loads(path.read_text())
        except (OSError, ValueError):
            return 0
        return int(info.get("port") or 0) if info.get("pid") == self.proc.pid else 0

    def owner_client(self, **kw) -> httpx.Client:
        """An HTTP client logged in with the owner's token."""
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"token {self.token}"}, **kw
        )

    def get(self, path: str, **kw) -> httpx.Response:
        with self.owner_client() as c:
            return c.get(path, **kw)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def visit(
    team: TeamServerProcess,
    visitor: str,
    owner: str,
    session: str,
    client: httpx.Client | None = None,
) -> tuple[httpx.Client, httpx.Response, str]:
    """``visitor`` opens ``owner``'s session: get a ticket from the team server, follow it
    in a fresh cookie jar. Returns (browser client, landing response, ticket URL)."""
    with team.client(visitor) as c:
        opened = c._http.post(f"/sessions/{owner}/{session}/open").json()
    browser = client or httpx.Client()
    landing = browser.get(opened["url"], follow_redirects=False)
    return browser, landing, opened["url"]


def xsrf_headers(browser: httpx.Client) -> dict[str, str]:
    return {"X-XSRFToken": browser.cookies.get("_xsrf", "")}
