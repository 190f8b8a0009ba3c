"""Run a real team server as a subprocess on 127.0.0.1 for tests and benchmarks."""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PG_ADMIN_URL = os.environ.get("GRID_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

# The team every test shares: alice owns "vision", carol is its admin, bob a plain
# user; dave is in another team; root is the site admin (in no team).
SEED_USERS = {
    "alice": dict(email="alice@example.com", github_login="alice-gh"),
    "bob": dict(email="bob@example.com", github_login="bob-gh"),
    "carol": dict(email="carol@example.com", github_login=None),
    "dave": dict(email="dave@example.com", github_login="dave-gh"),
    "root": dict(email=None, github_login=None, site_admin=True),
}
SEED_MEMBERS = [
    ("vision", "alice", "owner"),
    ("vision", "bob", "user"),
    ("vision", "carol", "admin"),
    ("other", "dave", "owner"),
]


def free_port() -> int:
    """A port free now (bound, read, released: another process may take it before the server
    binds it), for what cannot bind port 0 and say which it got (a Ray head's ports)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_pg_database() -> str:
    """A fresh, empty PostgreSQL database for one server; returns its URL."""
    import psycopg

    name = f"gridtest_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _listening_port(log_path: Path, offset: int) -> int:
    """The port in the server's "listening on http://HOST:PORT" line, written past
    ``offset`` of its log (0 until it is there)."""
    with open(log_path, "rb") as f:
        f.seek(offset)
        found = re.search(rb"grid-collab-server listening on http://[^:\s]+:(\d+)", f.read())
    return int(found.group(1)) if found else 0


@dataclass
class TeamServerProcess:
    """A team server subprocess, its data dir, its log, and the seeded users' API keys."""

    data_dir: Path
    db: str | None = None
    # 0: the server binds a free port and start() reads it from the line it prints; a
    # restart (kill -9, upgrades) keeps that port, so clients and sessions keep its URL
    port: int = 0
    extra_args: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    # where the local executor's work folders live: in /tmp, because runner uids must pass
    # through every folder above them and pytest's own folders are 0700
    work_root: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    # what runs the server's module: a test may put e.g. setpriv in front
    python: list[str] = field(default_factory=lambda: [sys.executable])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server-stderr.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["GRID_COLLAB_DATA_DIR"] = str(self.data_dir)
        if self.db:
            env["GRID_COLLAB_DB"] = self.db
        env.update(self.extra_env)
        return env

    def admin(self, *args: str) -> str:
        """Run ``grid-collab-server admin ...`` (the real command) and return its stdout."""
        out = subprocess.run(
            [sys.executable, "-m", "jupyter_grid_collab.teamserver.cli", "admin", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if out.returncode != 0:
            raise RuntimeError(f"admin {args[0]} failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def seed(self) -> None:
        """Create the shared users, teams and keys directly in the data dir (as admin does)."""
        from jupyter_grid_collab.teamserver.cli import open_store

        store = open_store(str(self.data_dir), self.db)
        for name, info in SEED_USERS.items():
            store.teams.create_user(
                name, info.get("email"), info.get("github_login"), info.get("site_admin", False)
            )
            self.keys[name] = store.teams.create_key(name)
        store.teams.create_team("vision", "alice")
        store.teams.create_team("other", "dave")
        for team, user, role in SEED_MEMBERS:
            if role != "owner" or user not in ("alice", "dave"):
                store.teams.set_member(None, team, user, role)
        store.teams.add_credits("vision", 1000)
        store.teams.add_credits("other", 1000)
        store.engine.dispose()

    def start(self, timeout: float = 30.0) -> TeamServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        log_start = log.tell()
        runs_locally = "--executor" not in self.extra_args or "local" in self.extra_args
        if self.work_root is None and runs_locally and "--work-root" not in self.extra_args:
            self.work_root = Path(tempfile.mkdtemp(prefix="grid-runs-"))
            atexit.register(shutil.rmtree, self.work_root, True)
        work = ["--work-root", str(self.work_root)] if self.work_root else []
        self.proc = subprocess.Popen(
            [
                *self.python,
                "-m",
                "jupyter_grid_collab.teamserver.cli",
                "--port",
                str(self.port),
                *work,
                *self.extra_args,
            ],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"team server exited: {self.log_path.read_text()[-2000:]}")
            if not self.port:
                self.port = _listening_port(self.log_path, log_start)
                if not self.port:
                    time.sleep(0.1)
                    continue
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("team server did not answer in time")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def client(self, user: str | None, api_key: str | None = None, **kw):
        from jupyter_grid_collab.client import GridClient

        return GridClient(self.url, api_key or (self.keys.get(user) if user else None), **kw)


@contextmanager
def seeded_server(base_dir: Path, backend: str = "sqlite") -> Iterator[TeamServerProcess]:
    """A seeded team server without an executor (tests move experiments by hand) on
    ``backend``; on PostgreSQL its own database, dropped afterwards."""
    db = create_pg_database() if backend == "postgresql" else None
    server = TeamServerProcess(base_dir, db=db, extra_args=["--executor", "none"])
    try:
        server.seed()
        server.start()
        yield server
    finally:
        server.stop()
        if db:
            drop_pg_database(db)
