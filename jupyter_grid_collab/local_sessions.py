"""Sessions started on this machine by ``grid session create``: a detached JupyterLab with
the extension, in its own folder under ~/.grid/sessions/<name>/, so the extension
registers it with the team server.

``pause`` stops the server but keeps the folder and name; ``resume`` starts it again in
the same folder; ``delete`` stops it. The user's files in the folder are never removed.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from .credentials import grid_home
from .job_poll import JobFailed, follow_job
from .jupyter_process import JupyterLaunch
from .readiness import NotReady, ProcessExited

STATE = ".grid-session.json"


class LocalSessionError(RuntimeError):
    """The local server could not be started or stopped; the message says why."""


@dataclass
class LocalSession:
    name: str
    folder: str
    pid: int
    port: int
    token: str
    instance_type: str | None = None
    team: str | None = None
    datastores: list[str] = field(default_factory=list)
    visitors: str | None = None  # "view" | "full"; None: the extension's default (full)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def login_url(self) -> str:
        return f"{self.base_url}lab?token={self.token}"

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        try:  # the pid may have been reused: check it is our jupyter
            cmdline = Path(f"/proc/{self.pid}/cmdline").read_bytes()
        except OSError:
            return True
        return b"jupyter" in cmdline


def folder_for(name: str) -> Path:
    return grid_home() / "sessions" / name


def load(name: str) -> LocalSession | None:
    try:
        return LocalSession(**json.loads((folder_for(name) / STATE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _save(session: LocalSession) -> None:
    path = Path(session.folder) / STATE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the token
    with os.fdopen(fd, "w") as f:
        json.dump(asdict(session), f)


def start(
    name: str,
    url: str,
    api_key: str,
    *,
    instance_type: str | None = None,
    team: str | None = None,
    visitors: str | None = None,
    timeout: float = 120.0,
) -> LocalSession:
    """Start the session's JupyterLab, detached, and wait until it has registered.

    The key and token go by environment, never on a visible command line; the extension
    takes both out of the environment before any kernel or terminal starts, and uses the
    key only to register."""
    existing = load(name)
    if existing and existing.alive():
        raise LocalSessionError(f"session {name!r} is already running here at {existing.base_url}")
    folder = folder_for(name)
    env = dict(os.environ, GRID_URL=url, GRID_API_KEY=api_key, GRID_SESSION_NAME=name)
    if instance_type:
        env["GRID_INSTANCE_TYPE"] = instance_type
    if team:
        env["GRID_TEAM"] = team
    if visitors:
        env["GRID_SESSION_VISITORS"] = visitors
    launch = JupyterLaunch(root_dir=folder, env=env, log=folder / "jupyter.log")
    server = launch.start()
    session = LocalSession(
        name=name,
        folder=str(folder),
        pid=server.proc.pid,
        port=server.port or 0,
        token=launch.token,
        instance_type=instance_type,
        team=team,
        datastores=existing.datastores if existing else [],
        visitors=visitors,
    )
    _save(session)  # saved at once: `grid session delete` can stop a server still starting
    try:
        server.wait_ready(timeout)
    except ProcessExited as exc:
        raise LocalSessionError(f"JupyterLab did not start: {exc}") from None
    except NotReady:
        stop(session)
        raise LocalSessionError(
            f"JupyterLab did not register with the team server within "
            f"{timeout:.0f}s; see {launch.log_path}"
        ) from None
    if server.port != session.port:
        session.port = server.port or 0
        _save(session)
    return session


def attach(session: LocalSession, ref: str, on_download=None) -> dict:
    """Attach a datastore through the session's own extension (mounted there).
    ``on_download(job)`` hears once when the server must download it first, in the
    background, before mounting."""
    info = attach_at(session.base_url, session.token, ref, on_download)
    if info["reference"] not in session.datastores:
        session.datastores.append(info["reference"])
        _save(session)
    return info


def attach_at(
    base_url: str, token: str, ref: str, on_download=None, wait_registered: float = 0.0
) -> dict:
    """Attach a datastore through the extension of the Jupyter server at ``base_url``
    (``token`` lets its owner in: a server's own token, or a person's JupyterHub token for
    their Hub server). A server that answers 503 (not yet its team's session) is asked
    again for up to ``wait_registered`` seconds."""
    api = f"{base_url}grid-collab/api/datastores/attach"
    headers = {"Authorization": f"token {token}"}
    deadline = time.monotonic() + wait_registered
    while True:
        try:
            r = httpx.post(api, json={"ref": ref}, headers=headers, timeout=600)
        except httpx.HTTPError as exc:
            raise LocalSessionError(
                f"cannot reach the session at {base_url} to attach {ref}: {exc}"
            ) from None
        if r.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    if r.status_code not in (200, 202):
        try:
            message = r.json().get("message", r.text)
        except ValueError:
            message = f"{r.status_code} {r.reason_phrase}"
        raise LocalSessionError(message)
    info = r.json()
    if info["state"] == "running" and on_download:
        on_download(info)

    def fetch(job_id: str) -> dict:
        try:
            return httpx.get(f"{api}/{job_id}", headers=headers, timeout=60).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise LocalSessionError(
                f"lost track of attaching {ref} in the session at {base_url}: {exc}"
            ) from None

    try:  # a large download first: the server works on it in the background
        return follow_job(info, fetch, failed="the session gave no reason")
    except JobFailed as exc:
        raise LocalSessionError(f"attaching {ref} failed: {exc}") from None


def resume(name: str, url: str, api_key: str) -> LocalSession:
    """Start a paused session again with its instance type, team, visitors mode and
    datastores."""
    previous = load(name)
    if previous is None:
        raise LocalSessionError(f"session {name!r} was not created on this machine")
    session = start(
        name,
        url,
        api_key,
        instance_type=previous.instance_type,
        team=previous.team,
        visitors=previous.visitors,
    )
    for ref in list(previous.datastores):
        attach(session, ref)
    return session


def stop(session: LocalSession, timeout: float = 30.0) -> None:
    """Stop the server (the extension marks the session stopped on its way out)."""
    if not session.alive():
        return
    try:
        os.killpg(session.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and session.alive():
        time.sleep(0.2)
    if session.alive():
        os.killpg(session.pid, signal.SIGKILL)
