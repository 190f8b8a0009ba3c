"""``grid-collab demo --hub`` end to end: the real demo under a real JupyterHub, alice's
Hub server listed by the real ``grid`` CLI with her Hub token, then Ctrl-C and nothing of
it left running. Also what ``jupyter_grid_collab.hub_config`` writes, for both kinds of
service."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from jupyter_grid_collab.hub_config import (
    ADMIN_TOKEN_ENV,
    PASSWORD_ENV,
    SERVICE_SCOPES,
    SERVICE_TOKEN_ENV,
    jupyterhub_config,
    team_server_command,
)
from jupyter_grid_collab.teamserver.hub.service import DEFAULT_SERVICE_NAME

BIN = Path(sys.executable).parent
READY = "grid-collab demo is ready"


def load_config(text: str, environ: dict[str, str]) -> dict:
    """The settings a ``jupyterhub_config.py`` makes, run as the Hub runs it."""
    settings: dict = {}

    class Section:
        def __init__(self, name: str):
            self.__dict__["_name"] = name

        def __setattr__(self, key, value):
            settings[f"{self._name}.{key}"] = value

    class Config:
        def __getattr__(self, name):
            return Section(name)

    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        exec(compile(text, "jupyterhub_config.py", "exec"), {"get_config": Config})
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return settings


BASE = dict(
    state_dir="/srv/hub",
    bind_url="http://127.0.0.1:8000",
    hub_bind_url="http://127.0.0.1:8081",
    proxy_api_url="http://127.0.0.1:8001",
    groups={"demo": {"users": ["alice", "bob"], "properties": {"grid_roles": {"alice": "owner"}}}},
)


def test_external_service_reads_its_tokens_from_the_environment():
    text = jupyterhub_config(
        **BASE,
        users=["dave"],
        grid_url="http://127.0.0.1:9000",
        allow_root=True,
        admin_service="some-admin",
    )
    secrets = {SERVICE_TOKEN_ENV: "s" * 32, ADMIN_TOKEN_ENV: "a" * 32, PASSWORD_ENV: "pw-123"}
    for value in secrets.values():
        assert value not in text
    c = load_config(text, secrets)
    assert c["JupyterHub.services"] == [
        {"name": DEFAULT_SERVICE_NAME, "api_token": "s" * 32},
        {"name": "some-admin", "api_token": "a" * 32},
    ]
    assert c["DummyAuthenticator.password"] == "pw-123"
    assert c["Authenticator.allowed_users"] == {"alice", "bob", "dave"}
    assert c["JupyterHub.load_groups"] == BASE["groups"]
    assert c["Spawner.environment"] == {"GRID_URL": "http://127.0.0.1:9000"}
    assert c["Spawner.args"] == ["--allow-root"]
    assert c["JupyterHub.db_url"] == "sqlite:////srv/hub/jupyterhub.sqlite"
    assert c["JupyterHub.load_roles"] == [
        {"name": "user", "scopes": ["self", "access:services!service=grid-team"]},
        {"name": "grid-team-service", "scopes": SERVICE_SCOPES, "services": ["grid-team"]},
        {"name": "admin", "services": ["some-admin"]},
    ]


def test_managed_service_has_a_command_and_no_token_of_ours():
    command = team_server_command(
        port=9000, data_dir="/srv/team", hub_public_url="http://127.0.0.1:8000", sync_seconds=5
    )
    assert command[:5] == [
        "grid-collab-server",
        "--team-source",
        "jupyterhub",
        "--hub-sync-seconds",
        "5",
    ]
    text = jupyterhub_config(
        **BASE,
        service_name="team",
        managed_command=command,
        managed_environment={"GRID_HOME": "/srv/team/home"},
        dummy_password=False,
    )
    c = load_config(text, {})  # no secret needed: the Hub makes the service's token
    assert c["JupyterHub.services"] == [
        {"name": "team", "command": command, "environment": {"GRID_HOME": "/srv/team/home"}}
    ]
    assert "DummyAuthenticator.password" not in c and "JupyterHub.authenticator_class" not in c
    assert c["JupyterHub.load_roles"][0]["scopes"] == ["self", "access:services!service=team"]
    assert c["JupyterHub.load_roles"][1]["services"] == ["team"]


# ----------------------------------------------------------------- the demo itself


def start_demo(folder: Path) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRID_", "JUPYTER"))}
    proc = subprocess.Popen(
        [str(BIN / "grid-collab"), "demo", "--hub", "--dir", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    printed = []
    deadline = time.monotonic() + 150
    assert proc.stdout is not None
    for line in proc.stdout:
        printed.append(line)
        if READY in line:
            return proc, "".join(printed)
        if time.monotonic() > deadline:
            proc.send_signal(signal.SIGINT)
            raise AssertionError("".join(printed))
    raise AssertionError("the demo ended before it was ready:\n" + "".join(printed))


def started_from(folder: Path) -> list[str]:
    """Living processes naming the demo's folder (or its runs' folder) in their command
    line, working directory or environment: the Hub, its proxy (in the Hub's folder), the
    single-user servers and their kernels (in their homes), the team server, the runs."""
    roots = [str(folder), os.path.realpath(folder / "runs")]
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z":
                continue
            cwd = os.readlink(proc / "cwd")
            cmdline, environ = (proc / "cmdline").read_bytes(), (proc / "environ").read_bytes()
        except OSError:
            continue
        if any(r.encode() in cmdline or cwd.startswith(r) or r.encode() in environ for r in roots):
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{proc.name}: {command}")
    return found


def grid_sessions(team_server: str, token: str, home: Path) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRID_", "JUPYTER"))}
    env.update(GRID_URL=team_server, GRID_API_KEY=token, GRID_HOME=str(home), HOME=str(home))
    out = subprocess.run(
        [str(BIN / "grid"), "session", "--global", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.timeout(240)
def test_hub_demo_lists_alices_hub_server_and_stops_clean(tmp_path):
    folder = tmp_path / "demo"
    started = time.monotonic()
    proc, printed = start_demo(folder)
    try:
        ready_after = time.monotonic() - started
        guide = json.loads((folder / "demo.json").read_text())
        assert oct((folder / "demo.json").stat().st_mode & 0o777) == "0o600"
        hub, password = guide["hub"], guide["password"]
        # the ready line and the guide: the Hub, the password, each person's log-in and env
        assert f"JupyterHub {hub}, password {password}" in printed
        for user in ("alice", "bob", "carol", "dave"):
            assert f"log in: {hub}/hub/login  user {user}, password {password}" in printed
            token = guide["users"][user]["api_key"]
            assert f"export GRID_URL={guide['team_server']} GRID_API_KEY={token}" in printed
        # the Hub's state is in the demo's folder, and no secret in its config
        config = (folder / "hub" / "jupyterhub_config.py").read_text()
        assert (folder / "hub" / "jupyterhub.sqlite").exists()
        assert password not in config
        assert not any(u["api_key"] in config for u in guide["users"].values())
        alice = guide["users"]["alice"]
        assert alice["role"] == "owner" and alice["server"] == f"{hub}/user/alice/"

        # the token is alice's on the Hub too, and her server runs there
        me = httpx.get(
            f"{hub}/hub/api/user",
            headers={"Authorization": f"token {alice['api_key']}"},
            timeout=30,
        ).json()
        assert me["name"] == "alice" and me["servers"][""]["ready"] is True

        # the real CLI with alice's Hub token: her Hub server is a running session of demo
        listed = {
            f"{s['owner']}:{s['name']}": s
            for s in grid_sessions(guide["team_server"], alice["api_key"], tmp_path / "alice")
        }
        session = listed["alice:default"]
        assert session["status"] == "running", session
        assert session["team"] == "demo"
        assert session["instance_type"] == "jupyterhub"
        assert session["url"] == f"{hub}/user/alice/"
        # dave, outside the team, sees none of it
        dave = grid_sessions(
            guide["team_server"], guide["users"]["dave"]["api_key"], tmp_path / "dave"
        )
        assert all(s["owner"] == "dave" for s in dave), dave

        running = started_from(folder)
        for part in (
            "jupyterhub -f",
            "configurable-http-proxy",
            "jupyterhub-singleuser",
            "train.py",
        ):
            assert any(part in p for p in running), (part, running)
    except BaseException:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=90)
        shutil.rmtree(os.path.realpath(folder / "runs"), ignore_errors=True)
        raise

    stop_started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, rest
    assert "stopped" in rest
    deadline = time.monotonic() + 20
    while strays := started_from(folder):
        assert time.monotonic() < deadline, f"still running: {strays}"
        time.sleep(0.3)
    stopped_after = time.monotonic() - stop_started
    shutil.rmtree(os.path.realpath(folder / "runs"), ignore_errors=True)
    print(f"ready after {ready_after:.1f}s, stopped in {stopped_after:.1f}s")
