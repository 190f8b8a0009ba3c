"""``grid-collab demo --hub``: the demo team under a real JupyterHub on 127.0.0.1.

The Hub (its config from ``jupyter_grid_collab.hub_config``, DummyAuthenticator with a
random password, SimpleLocalProcessSpawner, named servers) keeps its config, sqlite
database, cookie secret, pid files and the users' homes in ``<dir>/hub``. Its group "demo"
is the team (alice owner, bob admin, carol user); dave owns "other-lab". The team server
runs beside it as its external service "grid-team" (the demo starts and stops it, as in
the plain demo: it must outlive the experiment launchers, which report their end to it),
with ``--team-source jupyterhub``: it reads the groups and the servers from the Hub.

Once the team exists (the team server's first sync), it gets credits, and each person's
Hub token (minted through the Hub's API with the demo's admin service token) submits the
same work as the plain demo. alice's default server is started, so there is a live
session: ``alice:default``.

The Hub starts its proxy and the single-user servers in process sessions of their own;
stopping the Hub stops them, and ``Supervisor.stop_all`` kills whatever of them is left
(they are the Hub's descendants when Ctrl-C comes).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
import httpx

from ..hub_config import (
    ADMIN_TOKEN_ENV,
    DEFAULT_SERVICE_NAME,
    PASSWORD_ENV,
    SERVICE_TOKEN_ENV,
    jupyterhub_config,
)
from ..readiness import free_port
from ..teamserver.cli import open_store
from .cli import _line, _runs_folder, _wait_for_runs, team_server_argv
from .processes import Child, Supervisor
from .seed import FAILING, LIVE, PEOPLE, SWEEP, TEAM, Person, seed_work

ADMIN_SERVICE = "grid-demo-admin"
OTHER_TEAM = "other-lab"
GROUPS: dict[str, dict[str, Any]] = {
    TEAM: {
        "users": [name for name, role, _ in PEOPLE if role],
        "properties": {"grid_roles": {n: r for n, r, _ in PEOPLE if r and r != "user"}},
    },
    OTHER_TEAM: {"users": ["dave"], "properties": {"grid_roles": {"dave": "owner"}}},
}
HUB_PROGRAMS = ("jupyterhub", "jupyterhub-singleuser", "configurable-http-proxy")
SYNC_SECONDS = 1.0


def _program(name: str) -> str:
    """``name`` beside this Python (its virtualenv's bin), else on PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise click.ClickException(
            f"grid-collab demo --hub needs {', '.join(HUB_PROGRAMS)}: "
            'pip install "jupyter_grid_collab[hub]"'
        )
    return found


def _env(**extra: str) -> dict[str, str]:
    """This environment without grid's or Jupyter's (a JupyterHub's) settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRID_", "JUPYTER"))}
    env.update(extra)
    return env


class HubDemo:
    """The Hub, the team server, their ports and the demo's secrets."""

    def __init__(self, sup: Supervisor, root: Path, port: int) -> None:
        self.sup = sup
        self.root = root
        self.hub_dir = root / "hub"
        self.data_dir = root / "team-server"
        self.url = f"http://127.0.0.1:{port}"  # the team server
        self.hub_url = f"http://127.0.0.1:{free_port()}"
        self.password = f"demo-{secrets.token_hex(4)}"
        self.service_token = secrets.token_hex(32)
        self.admin_token = secrets.token_hex(32)
        self.tokens: dict[str, str] = {}
        self._http = httpx.Client(timeout=30)

    def hub_api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """``/hub/api{path}`` with the demo's admin service token; raises on an error."""
        headers = {"Authorization": f"token {self.admin_token}"}
        r = self._http.request(method, f"{self.hub_url}/hub/api{path}", headers=headers, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"the Hub refused {method} {path}: {r.status_code} {r.text[:300]}")
        return r

    def start_hub(self, server_env: dict[str, str]) -> Child:
        self.hub_dir.mkdir(parents=True, exist_ok=True)
        config = self.hub_dir / "jupyterhub_config.py"
        config.write_text(
            jupyterhub_config(
                state_dir=self.hub_dir,
                bind_url=self.hub_url,
                hub_bind_url=f"http://127.0.0.1:{free_port()}",
                proxy_api_url=f"http://127.0.0.1:{free_port()}",
                groups=GROUPS,
                grid_url=self.url,
                environment=server_env,
                allow_root=os.geteuid() == 0,
                service_name=DEFAULT_SERVICE_NAME,
                admin_service=ADMIN_SERVICE,
                proxy_command=[_program("configurable-http-proxy")],
                singleuser_command=[_program("jupyterhub-singleuser")],
                title="The JupyterHub of grid-collab demo --hub.",
            )
        )
        bin_dir = str(Path(sys.executable).parent)
        env = _env(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        env.update(
            {
                SERVICE_TOKEN_ENV: self.service_token,
                ADMIN_TOKEN_ENV: self.admin_token,
                PASSWORD_ENV: self.password,
            }
        )
        return self.sup.start(
            "jupyterhub", [_program("jupyterhub"), "-f", str(config)], env, self.hub_dir
        )

    def start_team_server(self, runs: Path) -> Child:
        port = self.url.rsplit(":", 1)[1]
        argv = team_server_argv(
            self.data_dir,
            port,
            runs,
            "--team-source",
            "jupyterhub",
            "--hub-sync-seconds",
            f"{SYNC_SECONDS:g}",
        )
        env = _env(
            GRID_HOME=str(self.root / "home" / "server"),
            JUPYTERHUB_API_URL=f"{self.hub_url}/hub/api",
            JUPYTERHUB_API_TOKEN=self.service_token,
            JUPYTERHUB_SERVICE_NAME=DEFAULT_SERVICE_NAME,
        )
        return self.sup.start("team-server", argv, env, self.root, stop_last=True)

    def mint_tokens(self) -> None:
        """A Hub token for each person (default scopes: all they may do, the team server
        included), as they would make one at <hub>/hub/token."""
        for name, _, _ in PEOPLE:
            body = {"note": "grid-collab demo", "expires_in": 7 * 24 * 3600}
            r = self.hub_api("POST", f"/users/{name}/tokens", json=body)
            self.tokens[name] = r.json()["token"]

    def wait_for_team(self, stop: threading.Event, timeout: float = 60.0) -> None:
        """Until the team server's sync has made the Hub's group "demo" a team."""
        headers = {"Authorization": f"token {self.tokens['alice']}"}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stop.is_set():
            try:
                r = self._http.get(f"{self.url}/api/v1/me", headers=headers)
                if r.status_code == 200 and TEAM in {t["name"] for t in r.json()["teams"]}:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        if not stop.is_set():
            raise RuntimeError(f"the team server did not mirror the Hub's group {TEAM!r} in time")

    def add_credits(self) -> None:
        """Hub teams start with none: what runs cost is the team server's to account."""
        store = open_store(str(self.data_dir), None)
        try:
            store.teams.add_credits(TEAM, 1000)
            store.teams.add_credits(OTHER_TEAM, 100)
        finally:
            store.engine.dispose()

    def request_server(self, user: str) -> None:
        """Ask the Hub to start ``user``'s default server (``wait_server`` waits for it)."""
        self.hub_api("POST", f"/users/{user}/server")

    def wait_server(self, user: str, stop: threading.Event, timeout: float = 120.0) -> str | None:
        """``user``'s default server's URL once the Hub calls it ready (None on Ctrl-C)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stop.is_set():
            model = self.hub_api("GET", f"/users/{user}").json()["servers"].get("")
            if model is None:
                raise RuntimeError(
                    f"{user}'s server failed to start (see {self.root / 'logs' / 'jupyterhub.log'})"
                )
            if model["ready"]:
                return f"{self.hub_url}{model['url']}"
            time.sleep(0.3)
        if stop.is_set():
            return None
        raise RuntimeError(f"{user}'s server did not start in {timeout:.0f}s")

    def wait_for_session(self, ref: str, stop: threading.Event, timeout: float = 30.0) -> None:
        """Until the team server lists ``ref`` as a running session of the team."""
        headers = {"Authorization": f"token {self.tokens['alice']}"}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stop.is_set():
            r = self._http.get(f"{self.url}/api/v1/sessions?scope=team", headers=headers)
            if r.status_code == 200 and any(
                f"{s['owner']}:{s['name']}" == ref and s["status"] == "running"
                for s in r.json()["items"]
            ):
                return
            time.sleep(0.3)
        if not stop.is_set():
            raise RuntimeError(f"the team server does not list {ref} as running")

    def close(self) -> None:
        self._http.close()


def start_hub_demo(
    sup: Supervisor, root: Path, port: int, spawn: bool, stop: threading.Event
) -> str | None:
    """Start it all (``spawn``: alice's server too) and print the guide; what the ready
    line says, or None when Ctrl-C came first."""
    for name in HUB_PROGRAMS:
        _program(name)
    demo = HubDemo(sup, root, port)
    try:
        return _start(demo, spawn, stop)
    finally:
        demo.close()


def _start(demo: HubDemo, spawn: bool, stop: threading.Event) -> str | None:
    sup, root = demo.sup, demo.root
    runs = _runs_folder(root)
    hub = demo.start_hub(
        {
            "GRID_DATASTORE_ROOT": str(root / "datastores"),
            "GRID_BLOB_DIR": str(demo.data_dir / "blobs"),
        }
    )
    # through the proxy, with the admin token: its routes and the roles are in place
    admin = {"Authorization": f"token {demo.admin_token}"}
    sup.wait_http(hub, f"{demo.hub_url}/hub/api/user", 90, headers=admin)
    click.echo(f"JupyterHub: {demo.hub_url} (log: {hub.log})")
    click.echo(
        f"its group {TEAM!r} is the team: alice (owner), bob (admin), carol (user); "
        f"dave owns {OTHER_TEAM!r}"
    )
    server = demo.start_team_server(runs)
    demo.mint_tokens()
    if spawn:
        demo.request_server("alice")  # it comes up while the team server starts the runs
    sup.wait_http(server, f"{demo.url}/api/v1/health", 60)
    click.echo(f"team server: {demo.url}, the Hub's service {DEFAULT_SERVICE_NAME!r}")
    click.echo(f"   (log: {server.log})")
    if os.geteuid() == 0:
        click.echo(f"runs: each team's as an unprivileged uid of its own, in {runs}")
    else:
        click.echo("runs: as you, not isolated (isolation needs root; every demo user is you)")
    demo.wait_for_team(stop)
    if stop.is_set():
        return None
    demo.add_credits()
    click.echo("uploading datastore 'points' (2 versions), starting runs with Hub tokens ...")
    seed_work(demo.url, {n: Person(n, r, demo.tokens[n]) for n, r, _ in PEOPLE}, root)
    server_url = None
    if spawn:
        server_url = demo.wait_server("alice", stop)
        if server_url is None:
            return None
        demo.wait_for_session("alice:default", stop)
        click.echo(f"alice's Hub server is up, listed as session alice:default: {server_url}")
    _wait_for_runs(demo.url, demo.tokens["alice"], stop)
    if stop.is_set():
        return None
    _print_guide(demo, server_url)
    return f"JupyterHub {demo.hub_url}, password {demo.password}; team server {demo.url}"


OWN_COMMANDS = {
    "alice": [
        (f"grid status {SWEEP}", "your sweep: four experiments and their parameters"),
        ("grid session --global", "your Hub server, the session alice:default"),
    ],
    "bob": [
        (f"grid status {FAILING}", "your run that failed (exit 1)"),
        (f"grid logs {FAILING}", "why: the loss diverged"),
    ],
    "carol": [
        (f"grid logs {LIVE} --follow", "your live experiment (Ctrl-C to leave)"),
        ("grid session delete alice:default", "refused: only alice or an admin may"),
    ],
    "dave": [
        ("grid session --global", f"none of team {TEAM}'s sessions"),
        (f"grid teams {TEAM}", "refused: he is not a member"),
    ],
}


def _print_guide(demo: HubDemo, server_url: str | None) -> None:
    roles = {name: role for name, role, _ in PEOPLE}
    guide: dict[str, Any] = {
        "hub": demo.hub_url,
        "password": demo.password,
        "team_server": demo.url,
        "dir": str(demo.root),
        "users": {},
    }
    click.echo(
        f"\nLog in at {demo.hub_url}/hub/login as alice, bob, carol or dave, password "
        f"{demo.password}.\nEach export line has that person's Hub token (logged in, make "
        f"your own at {demo.hub_url}/hub/token)."
    )
    for name, token in demo.tokens.items():
        role = roles[name]
        where = f"{role} of team {TEAM}" if role else f"outside team {TEAM}, owner of {OTHER_TEAM}"
        server = server_url if name == "alice" else None
        click.echo(f"== {name} ({where})")
        click.echo(f"   log in: {demo.hub_url}/hub/login  user {name}, password {demo.password}")
        if server:
            click.echo(f"   your server (running): {server}")
        click.echo(f"   export GRID_URL={demo.url} GRID_API_KEY={token}")
        for command, why in OWN_COMMANDS[name]:
            if server_url or "alice:default" not in command + why:
                click.echo(_line(command, why))
        guide["users"][name] = {"role": role, "api_key": token, "server": server}
    click.echo(f"\nAs any member of team {TEAM} (alice, bob, carol; paste their export line):")
    for command, why in [
        (
            "grid session --global",
            "alice's Hub server alice:default, running" if server_url else "no server runs",
        ),
        ("grid history --global", "every run: alice's sweep, bob's failing run, carol's"),
        (f"grid teams {TEAM}", "members and roles, from the Hub's group"),
    ]:
        click.echo(_line(command, why))
    click.echo(
        f"\nTo stop everything: Ctrl-C here (pids in {demo.root / 'demo.pids'}). "
        f"Tokens and URLs are also in {demo.root / 'demo.json'}"
    )
    fd = os.open(demo.root / "demo.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:  # holds the tokens
        json.dump(guide, f, indent=2)
