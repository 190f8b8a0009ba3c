"""``grid session create / pause / resume / delete`` with a real JupyterLab on this machine."""

from __future__ import annotations

import json
import os
import uuid

import httpx
from test_cli import grid, ok, refused

from jupyter_grid_collab import local_sessions


def record(server, name: str) -> dict:
    with server.client("carol") as c:
        r = c._http.get(f"/sessions/alice/{name}")
        return r.json() if r.status_code == 200 else {"status": f"http {r.status_code}"}


def test_session_lifecycle_from_the_terminal(sqlite_server, tmp_path):
    server = sqlite_server
    home = tmp_path / "alice-grid-home"
    data = tmp_path / "cars"
    data.mkdir()
    (data / "cars.csv").write_text("make,year\n")
    ok(grid(server, "alice", "datastore", "create", str(data), "--name", "cars-lc", home=home))
    name = f"lab-{uuid.uuid4().hex[:6]}"
    env = {"GRID_DATASTORE_ROOT": str(tmp_path / "datastores")}
    # create: a detached JupyterLab, registered, with alice's datastore mounted
    out = ok(grid(server, "alice", "session", "create", name, "--datastore_name", "cars-lc",
                  "--instance_type", "cpu-medium", home=home, env=env))
    assert f"session alice:{name} is running" in out
    login = next(line.split()[-1] for line in out.splitlines() if "open:" in line)
    assert httpx.get(login.replace("/lab?", "/api/status?")).status_code == 200
    assert f"mounted read-only at {tmp_path / 'datastores' / 'cars-lc'}" in out
    rec = record(server, name)
    assert rec["status"] == "running" and rec["instance_type"] == "cpu-medium"
    assert rec["datastores"] == ["alice:cars-lc@1"]
    folder = home / "sessions" / name
    (folder / "notes.txt").write_text("keep me")
    # a teammate cannot delete it: clear message, non-zero exit, nothing changed
    line = refused(grid(server, "bob", "session", "delete", f"alice:{name}"))
    assert f'bob cannot delete alice\'s session "{name}"' in line
    assert record(server, name)["status"] == "running"
    # pause: the server stops, folder and name stay
    running = local_sessions.LocalSession(**json.loads((folder / ".grid-session.json")
                                                       .read_text()))
    ok(grid(server, "alice", "session", "pause", name, home=home))
    assert record(server, name)["status"] == "paused"
    assert not running.alive()
    # resume: running again, same instance type and datastore
    out = ok(grid(server, "alice", "session", "resume", name, home=home, env=env))
    assert "resumed session" in out
    rec = record(server, name)
    assert rec["status"] == "running" and rec["instance_type"] == "cpu-medium"
    assert rec["datastores"] == ["alice:cars-lc@1"]
    # delete: the record goes, the user's files stay
    ok(grid(server, "alice", "session", "delete", name, home=home))
    assert record(server, name)["status"] == "http 404"
    assert (folder / "notes.txt").read_text() == "keep me"
    assert os.path.isdir(folder)


def test_session_create_follows_a_background_attach(sqlite_server, tmp_path):
    """A datastore to download beyond the extension's attach_inline_bytes (set here to 0 in
    the user's Jupyter config, as a user would) is attached as a job the command follows."""
    server = sqlite_server
    home = tmp_path / "alice-grid-home"
    data = tmp_path / "weights"
    data.mkdir()
    (data / "w.bin").write_bytes(os.urandom(100_000))
    ok(grid(server, "alice", "datastore", "create", str(data), "--name", "weights-bg",
            home=home))
    config = tmp_path / "jupyter-config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"GridCollab": {"attach_inline_bytes": 0}}))
    name = f"lab-{uuid.uuid4().hex[:6]}"
    env = {"GRID_DATASTORE_ROOT": str(tmp_path / "datastores"),
           "JUPYTER_CONFIG_DIR": str(config)}
    try:
        result = grid(server, "alice", "session", "create", name, "--datastore_name",
                      "weights-bg", home=home, env=env)
        out = ok(result)
        assert "attaching alice:weights-bg@1: the session downloads" in result.stderr
        mount = tmp_path / "datastores" / "weights-bg"
        assert f"mounted read-only at {mount}" in out
        assert (mount / "w.bin").read_bytes() == (data / "w.bin").read_bytes()
    finally:
        grid(server, "alice", "session", "delete", name, home=home)
