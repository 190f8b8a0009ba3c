"""Starting a Jupyter server (``jupyter lab`` or ``jupyter server``) with the grid-collab
extension and waiting until it is ready: one way for ``grid session create``, the demo
and the test harness.

The token goes by environment (``JUPYTER_TOKEN``), never on a command line another user
can read in ``ps``. The port the server really listens on is read back from the runtime
file it writes (``jpserver-<pid>.json``), so ``port=0`` lets it bind any free port with no
race. (The extension still takes its own URL before Jupyter binds, so until it reads it
afterwards, callers that need the session registered under the right URL leave ``port``
as None: a free port is picked here, and the runtime file confirms it.)
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .readiness import http_ok, wait_until

CONTEXT = "grid-collab/api/context"


@dataclass
class JupyterLaunch:
    """What to start: which app, where, as whom (``env`` holds the GRID_* settings)."""

    root_dir: Path
    env: dict[str, str]
    #: its stdout and stderr (default: jupyter.log in root_dir)
    log: Path | None = None
    app: str = "lab"  # or "server"
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    #: 0: Jupyter binds a free one (read back by wait_ready); else that port, no retries
    port: int = 0
    base_url: str = "/"
    extra_args: list[str] = field(default_factory=list)
    cwd: Path | None = None
    #: a process group of its own: Ctrl-C in the terminal does not reach it, and it can
    #: be stopped with everything it started
    new_session: bool = True

    @property
    def log_path(self) -> Path:
        return self.log or self.root_dir / "jupyter.log"

    def runtime_dir(self) -> Path:
        """Where the server writes its runtime file (JUPYTER_RUNTIME_DIR, else this user's)."""
        if self.env.get("JUPYTER_RUNTIME_DIR"):
            return Path(self.env["JUPYTER_RUNTIME_DIR"])
        from jupyter_core.paths import jupyter_runtime_dir

        return Path(jupyter_runtime_dir())

    def argv(self, port: int) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "jupyter",
            self.app,
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            # never serve somewhere other than asked: on a clash, fail and say so
            "--ServerApp.port_retries=0",
            f"--ServerApp.base_url={self.base_url}",
            f"--ServerApp.root_dir={self.root_dir}",
        ]
        if os.geteuid() == 0:
            argv.append("--allow-root")
        return argv + list(self.extra_args)

    def environment(self) -> dict[str, str]:
        # the runtime dir is set, not guessed: the server writes its file where we look
        return dict(self.env, JUPYTER_TOKEN=self.token, JUPYTER_RUNTIME_DIR=str(self.runtime_dir()))

    def start(self, popen: Callable[..., subprocess.Popen[bytes]] | None = None) -> JupyterServer:
        """Start the server (``popen``, e.g. a supervisor's, instead of subprocess.Popen)
        and return at once; ``JupyterServer.wait_ready`` waits for it."""
        port = self.port
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.time()
        argv, env, cwd = self.argv(port), self.environment(), self.cwd or self.root_dir
        if popen is not None:
            proc = popen(argv, env=env, cwd=cwd, start_new_session=self.new_session)
        else:
            with open(self.log_path, "ab") as out:
                proc = subprocess.Popen(
                    argv,
                    env=env,
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=self.new_session,
                )
        return JupyterServer(self, proc, started, port or None)


@dataclass
class JupyterServer:
    """A started Jupyter server; ``port`` is known once ``wait_ready`` has read it back."""

    launch: JupyterLaunch
    proc: subprocess.Popen[bytes]
    started: float
    port: int | None = None

    @property
    def url(self) -> str:
        """Its URL with the base URL, ending in a slash."""
        if self.port is None:
            raise RuntimeError("the server's port is not known before wait_ready()")
        return f"http://127.0.0.1:{self.port}{self.launch.base_url}"

    @property
    def token(self) -> str:
        return self.launch.token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.launch.token}"}

    def runtime_file(self) -> Path:
        # ``python -m jupyter lab`` execs jupyter-lab: the server keeps the pid we started
        return self.launch.runtime_dir() / f"jpserver-{self.proc.pid}.json"

    def _listening_port(self) -> int | None:
        path = self.runtime_file()
        # a file left by a killed server that had the same pid is not this one's
        if path.stat().st_mtime < self.started - 1:
            return None
        info = json.loads(path.read_text())
        return int(info["port"]) if info.get("pid") == self.proc.pid and info["port"] else None

    def wait_ready(
        self,
        timeout: float = 120.0,
        registered: bool = True,
        should_stop: Callable[[], bool] | None = None,
    ) -> JupyterServer:
        """Wait until it listens and answers (and, by default, has registered with the team
        server as a session). Raises readiness.NotReady (ProcessExited if it died) or
        readiness.Stopped when ``should_stop()`` says so."""
        deadline = time.monotonic() + timeout
        what, proc, log = f"jupyter {self.launch.app}", self.proc, self.launch.log_path
        self.port = wait_until(
            self._listening_port,
            timeout=timeout,
            what=what,
            proc=proc,
            log=log,
            should_stop=should_stop,
        )
        if registered:
            probe = http_ok(self.url + CONTEXT, self.headers, _registered)
        else:
            probe = http_ok(self.url + "api/status", self.headers)
        left = max(1.0, deadline - time.monotonic())
        wait_until(probe, timeout=left, what=what, proc=proc, log=log, should_stop=should_stop)
        return self

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (the extension marks the session stopped on its way out), then SIGKILL."""
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _registered(response: httpx.Response) -> bool:
    return bool(response.json()["session"]["registered"])
