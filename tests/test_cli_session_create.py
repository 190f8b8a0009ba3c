"""``grid session create / pause / resume / delete`` with a real JupyterLab on this machine."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

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
    out = ok(
        grid(
            server,
            "alice",
            "session",
            "create",
            name,
            "--datastore_name",
            "cars-lc",
            "--instance_type",
            "cpu-medium",
            home=home,
            env=env,
        )
    )
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
    running = local_sessions.LocalSession(**json.loads((folder / ".grid-session.json").read_text()))
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
    ok(grid(server, "alice", "datastore", "create", str(data), "--name", "weights-bg", home=home))
    config = tmp_path / "jupyter-config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"GridCollab": {"attach_inline_bytes": 0}})
    )
    name = f"lab-{uuid.uuid4().hex[:6]}"
    env = {"GRID_DATASTORE_ROOT": str(tmp_path / "datastores"), "JUPYTER_CONFIG_DIR": str(config)}
    try:
        result = grid(
            server,
            "alice",
            "session",
            "create",
            name,
            "--datastore_name",
            "weights-bg",
            home=home,
            env=env,
        )
        out = ok(result)
        assert "attaching alice:weights-bg@1: the session downloads" in result.stderr
        mount = tmp_path / "datastores" / "weights-bg"
        assert f"mounted read-only at {mount}" in out
        assert (mount / "w.bin").read_bytes() == (data / "w.bin").read_bytes()
    finally:
        grid(server, "alice", "session", "delete", name, home=home)


def test_session_create_for_view_only_visitors_keeps_the_key_out_of_the_session(
    sqlite_server, tmp_path
):
    """--visitors view reaches the session record and the listing; the key and token the
    command hands the server by environment are gone from it (and so from every kernel and
    terminal) once it runs, and `grid` inside the session works with its credential."""
    server = sqlite_server
    home = tmp_path / "alice-grid-home"
    name = f"lab-{uuid.uuid4().hex[:6]}"
    out = ok(
        grid(
            server,
            "alice",
            "session",
            "create",
            name,
            "--visitors",
            "view",
            home=home,
            env={"GRID_DATASTORE_ROOT": str(tmp_path / "datastores")},
        )
    )
    try:
        assert "visitors: view only" in out
        assert record(server, name)["visitors"] == "view"
        listing = ok(grid(server, "bob", "session", "--global", "alice"))
        assert "Visitors" in listing
        assert next(line for line in listing.splitlines() if name in line).count("view") == 1
        local = local_sessions.LocalSession(
            **json.loads((home / "sessions" / name / local_sessions.STATE).read_text())
        )
        assert local.visitors == "view"
        environ = open(f"/proc/{local.pid}/environ", "rb").read()
        assert server.keys["alice"].encode() not in environ
        assert local.token.encode() not in environ
        # what a terminal there has: the session's URL, name and credential file, no key
        env = dict(item.split("=", 1) for item in environ.decode().split("\0") if "=" in item)
        inside = {
            "GRID_URL": env["GRID_URL"],
            "GRID_SESSION_NAME": name,
            "GRID_SESSION_CREDENTIAL": str(_credential_file(env, name)),
        }
        empty = tmp_path / "empty-home"
        assert name in ok(grid(server, None, "session", home=empty, env=inside))
        line = refused(
            grid(
                server, None, "credential", "set", "github", input="ghp_x\n", home=empty, env=inside
            )
        )
        assert "cannot change members, roles, credits, API keys or GitHub credentials" in line
    finally:
        grid(server, "alice", "session", "delete", name, home=home)


def _credential_file(env: dict[str, str], name: str) -> Path:
    """The session credential file the server of session ``name`` wrote in its runtime
    folder (the one kernels and terminals there find through GRID_SESSION_CREDENTIAL)."""
    from jupyter_core.paths import jupyter_runtime_dir

    root = Path(env.get("JUPYTER_RUNTIME_DIR") or jupyter_runtime_dir())
    for path in root.glob("grid-collab-git-*/helper.json"):
        if json.loads(path.read_text()).get("session") == name:
            return path
    raise AssertionError(f"no session credential file for {name} in {root}")
