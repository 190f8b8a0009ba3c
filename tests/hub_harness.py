"""Run a real JupyterHub 6 as a subprocess on 127.0.0.1 for tests.

The Hub, its proxy (the PyPI ``configurable-http-proxy``) and the single-user servers it
spawns (``SimpleLocalProcessSpawner``, same uid) keep everything inside ``base_dir``: the
config, the sqlite db, the cookie secret, the proxy's pid file and the users' homes. Two
services are defined: "grid-team" (the team server's, no URL: it is reached directly, not
through the proxy) with the "grid-team-service" role, and "test-admin" with the built-in
admin role, which the harness itself uses to mint user tokens, spawn and edit groups. The
config is written by jupyter_grid_collab/hub_config.py, as ``grid-collab demo --hub``'s is.

Tokens stay out of the config file and the logs: the Hub reads them from its environment
(the spawner passes only its ``env_keep`` list and ``Spawner.environment`` on to servers).
"""

from __future__ import annotations

import copy
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from teamserver_harness import free_port

from jupyter_grid_collab.hub_config import (
    ADMIN_TOKEN_ENV,
    DEFAULT_SERVICE_NAME,
    PASSWORD_ENV,
    SERVICE_SCOPES,  # noqa: F401 (the service role's scopes, for tests)
    SERVICE_TOKEN_ENV,
    jupyterhub_config,
)

BIN_DIR = Path(sys.executable).parent

# The teams every Hub test starts with: alice owns "vision", carol is its admin, bob a plain
# member; dave is in "other"; eve (EXTRA_USERS) is in no group at all.
DEFAULT_GROUPS: dict[str, dict] = {
    "vision": {
        "users": ["alice", "bob", "carol"],
        "properties": {"grid_roles": {"alice": "owner", "carol": "admin"}},
    },
    "other": {"users": ["dave"], "properties": {"grid_roles": {"dave": "owner"}}},
}
EXTRA_USERS = ["eve"]

SERVICE_NAME = DEFAULT_SERVICE_NAME
ADMIN_SERVICE = "test-admin"


@dataclass
class HubProcess:
    """A JupyterHub subprocess, its temp dir, its log, and the tokens tests use."""

    base_dir: Path
    # extra environment for every single-user server (e.g. the team server's URL)
    environment: dict[str, str] = field(default_factory=dict)
    groups: dict[str, dict] = field(default_factory=lambda: copy.deepcopy(DEFAULT_GROUPS))
    extra_users: list[str] = field(default_factory=lambda: list(EXTRA_USERS))
    port: int = 0
    hub_port: int = 0
    proxy_api_port: int = 0
    password: str = field(default_factory=lambda: secrets.token_hex(12), repr=False)
    service_token: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    admin_token: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    # in the environment of the Hub, its proxy, its servers and their kernels: stop() finds
    # whatever is left of them by it
    marker: str = field(default_factory=lambda: secrets.token_hex(8))
    proc: subprocess.Popen | None = None
    _user_tokens: dict[str, str] = field(default_factory=dict, repr=False)
    _http: httpx.Client | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/hub/api"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "hub.log"

    @property
    def users(self) -> list[str]:
        names = {u for g in self.groups.values() for u in g.get("users", [])}
        return sorted(names | set(self.extra_users))

    def write_config(self) -> Path:
        path = self.base_dir / "jupyterhub_config.py"
        path.write_text(
            jupyterhub_config(
                state_dir=self.base_dir,
                bind_url=self.url,
                hub_bind_url=f"http://127.0.0.1:{self.hub_port}",
                proxy_api_url=f"http://127.0.0.1:{self.proxy_api_port}",
                groups=self.groups,
                users=self.users,
                environment={**self.environment, "GRID_HUB_HARNESS": self.marker},
                allow_root=os.geteuid() == 0,
                service_name=SERVICE_NAME,
                admin_service=ADMIN_SERVICE,
                proxy_command=[str(BIN_DIR / "configurable-http-proxy")],
                singleuser_command=[str(BIN_DIR / "jupyterhub-singleuser")],
                title="A throwaway Hub for one test run (tests/hub_harness.py).",
            )
        )
        return path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "GRID_"))}
        env["PATH"] = f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}"
        env.update(
            {
                "GRID_HUB_HARNESS": self.marker,
                SERVICE_TOKEN_ENV: self.service_token,
                ADMIN_TOKEN_ENV: self.admin_token,
                PASSWORD_ENV: self.password,
            }
        )
        return env

    def start(self, timeout: float = 60.0) -> HubProcess:
        """Start the Hub and wait until its API answers through the proxy."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        for attr in ("port", "hub_port", "proxy_api_port"):
            if not getattr(self, attr):
                setattr(self, attr, free_port())
        config = self.write_config()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(BIN_DIR / "jupyterhub"), "-f", str(config)],
            cwd=self.base_dir,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited: {self._log_tail()}")
            try:
                # through the proxy, and with the admin token: the route and roles are in
                if self.api("GET", "/user", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"jupyterhub did not answer in time: {self._log_tail()}")

    def _log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def _marked_pids(self) -> list[int]:
        """Processes whose environment carries this Hub's marker (the Hub, its proxy, its
        servers, their kernels), wherever they have gone since."""
        needle = f"GRID_HUB_HARNESS={self.marker}".encode()
        pids = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry.name}/environ", "rb") as f:
                    if needle in f.read().split(b"\0"):
                        pids.append(int(entry.name))
            except OSError:
                continue
        return pids

    def stop(self) -> None:
        """Stop the Hub (which stops its servers and proxy), then end whatever is left."""
        if self._http is not None:
            self._http.close()
            self._http = None
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            left = self._marked_pids()
            for pid in left:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 5
            while left and time.monotonic() < deadline:
                time.sleep(0.1)
                left = self._marked_pids()
            if not left:
                return

    # REST API

    def api(self, method: str, path: str, token: str | None = None, **kw) -> httpx.Response:
        """Call ``/hub/api{path}`` with ``token`` (default: the admin token; "" for none)."""
        if self._http is None:
            self._http = httpx.Client(timeout=30)
        token = self.admin_token if token is None else token
        headers = dict(kw.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"token {token}"
        return self._http.request(method, self.api_url + path, headers=headers, **kw)

    def _ok(self, r: httpx.Response, what: str) -> httpx.Response:
        if r.status_code >= 400:
            raise RuntimeError(f"{what}: {r.status_code} {r.text[:500]}")
        return r

    def new_token(self, user: str, **body) -> str:
        """A new personal API token for ``user`` (default scopes: the "token" role, i.e.
        ``inherit``: everything the user may do). ``body`` adds e.g. ``scopes``."""
        body.setdefault("note", "hub harness")
        r = self._ok(self.api("POST", f"/users/{user}/tokens", json=body), f"token for {user}")
        return r.json()["token"]

    def user_token(self, user: str) -> str:
        """``user``'s personal API token, minted once per user."""
        if user not in self._user_tokens:
            self._user_tokens[user] = self.new_token(user)
        return self._user_tokens[user]

    @staticmethod
    def _server_path(user: str, server_name: str) -> str:
        return f"/users/{user}/servers/{server_name}" if server_name else f"/users/{user}/server"

    def server_model(self, user: str, server_name: str = "") -> dict | None:
        """The Hub's model of ``user``'s server (None when it does not run)."""
        r = self._ok(self.api("GET", f"/users/{user}"), f"user {user}")
        return r.json().get("servers", {}).get(server_name)

    def spawn(
        self, user: str, server_name: str = "", token: str | None = None, timeout: float = 90
    ) -> str:
        """Start ``user``'s server (with ``token``, default the admin's), wait until the
        Hub calls it ready, and return its full URL (http://127.0.0.1:PORT/user/u/name/)."""
        path = self._server_path(user, server_name)
        self._ok(self.api("POST", path, token=token), f"spawn {user}/{server_name}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.server_model(user, server_name)
            if model is None:
                raise RuntimeError(f"{user}/{server_name} failed to start: {self._log_tail()}")
            if model["ready"]:
                return self.url + model["url"]
            time.sleep(0.2)
        raise RuntimeError(f"{user}/{server_name} not ready in time: {self._log_tail()}")

    def stop_server(
        self,
        user: str,
        server_name: str = "",
        remove: bool = False,
        token: str | None = None,
        timeout: float = 60,
    ) -> None:
        """Stop ``user``'s server and wait until it is gone (``remove``: delete the named
        server from the Hub too)."""
        path = self._server_path(user, server_name)
        body = {"json": {"remove": True}} if remove else {}
        self._ok(self.api("DELETE", path, token=token, **body), f"stop {user}/{server_name}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server_model(user, server_name) is None:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{user}/{server_name} did not stop in time")

    def server_environ(self, user: str, server_name: str = "") -> dict[str, str]:
        """The environment of ``user``'s running single-user server process (as the Hub
        gave it: JUPYTERHUB_API_TOKEN etc.), read from /proc (same uid here)."""
        for pid in self._marked_pids():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                raw = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
            if b"jupyterhub-singleuser" not in cmdline:
                continue
            env = dict(
                item.decode(errors="replace").split("=", 1)
                for item in raw.split(b"\0")
                if b"=" in item
            )
            if (
                env.get("JUPYTERHUB_USER") == user
                and env.get("JUPYTERHUB_SERVER_NAME", "") == server_name
            ):
                return env
        raise LookupError(f"no running server process for {user}/{server_name}")

    def add_to_group(self, group: str, user: str) -> None:
        self._ok(
            self.api("POST", f"/groups/{group}/users", json={"users": [user]}),
            f"add {user} to {group}",
        )

    def remove_from_group(self, group: str, user: str) -> None:
        self._ok(
            self.api("DELETE", f"/groups/{group}/users", json={"users": [user]}),
            f"remove {user} from {group}",
        )


@contextmanager
def running_hub(
    base_dir: Path, environment: dict | None = None, groups: dict[str, dict] | None = None
) -> Iterator[HubProcess]:
    """A started Hub in ``base_dir`` (default groups unless ``groups``), stopped after."""
    hub = HubProcess(
        base_dir,
        environment=dict(environment or {}),
        groups=copy.deepcopy(groups if groups is not None else DEFAULT_GROUPS),
    )
    try:
        hub.start()
        yield hub
    finally:
        hub.stop()
