"""Shared fixtures: real team servers on loopback, over SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from teamserver_harness import TeamServerProcess, seeded_server


@pytest.fixture(autouse=True)
def isolated_grid_home(tmp_path, monkeypatch):
    """No test reads the developer's ~/.grid or GRID_* environment."""
    monkeypatch.setenv("GRID_HOME", str(tmp_path / "grid-home"))
    for var in ("GRID_URL", "GRID_API_KEY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def team_server(request, tmp_path_factory):
    """A seeded team server per database backend, shared by the session's tests."""
    with seeded_server(tmp_path_factory.mktemp(f"team-{request.param}"), request.param) as server:
        yield server


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory):
    """A seeded team server on SQLite, for tests that need one backend only."""
    with seeded_server(tmp_path_factory.mktemp("team-sqlite")) as server:
        yield server


@pytest.fixture
def fresh_server(tmp_path):
    """A seeded server of the test's own (restarts, kills, fault injection)."""
    server = TeamServerProcess(tmp_path / "team", extra_args=["--executor", "none"])
    server.seed()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def loop():
    """An event loop of the test's own, for the notebook panel's async code (the widget
    tests drive it by hand, as a kernel's loop would)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def clients(team_server):
    """GridClients for every seeded user of ``team_server``, closed after the test."""
    made = {name: team_server.client(name) for name in team_server.keys}
    for c in made.values():
        c.me()
    yield made
    for c in made.values():
        c.close()


@pytest.fixture(scope="session")
def exec_server(tmp_path_factory):
    """A seeded team server that runs experiments (local executor, 2 at a time)."""
    root = tmp_path_factory.mktemp("exec")
    # world-traversable, so an unprivileged user can reach the mounts in the read-only test
    ds_root = Path(f"/tmp/grid-ds-{uuid.uuid4().hex[:8]}")
    ds_root.mkdir(mode=0o755)
    server = TeamServerProcess(
        root / "team",
        extra_args=["--max-parallel", "2", "--stop-grace", "1", "--datastore-root", str(ds_root)],
    )
    server.seed()
    server.start()
    server.ds_root = ds_root
    yield server
    server.stop()
    subprocess.run(["chmod", "-R", "u+w", str(ds_root)], check=False)
    shutil.rmtree(ds_root, ignore_errors=True)


@pytest.fixture(autouse=True)
def jp_asyncio_loop(request):
    """pytest-jupyter's autouse event loop, but only for tests that use its jp_* fixtures.

    Its plugin (loaded by test_extension_jp.py) applies to the whole session; an event loop
    set around every test fights the loop playwright's sync API runs in the browser tests.
    """
    # (its other fixtures are autouse too and want a loop object; the server app is what
    # needs it installed as the current loop)
    if "jp_serverapp" not in request.fixturenames:
        private = asyncio.new_event_loop()  # not installed: playwright keeps its own
        yield private
        private.close()
        return
    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop(prefer_selector_loop=True)
    yield loop
    loop.close()


@pytest.fixture(autouse=True)
def jp_server_cleanup(request, jp_asyncio_loop):
    """pytest-jupyter's per-test server app cleanup, likewise only where its app ran.
    Elsewhere it made a ServerApp only to clean it up, and inside playwright's running
    loop could not: "coroutine 'ServerApp._cleanup' was never awaited" after each test."""
    yield
    if "jp_serverapp" not in request.fixturenames:
        return
    from jupyter_server.serverapp import ServerApp

    app = ServerApp.instance()
    jp_asyncio_loop.run_until_complete(app._cleanup())
    if hasattr(app, "kernel_manager"):
        app.kernel_manager.context.destroy()
    ServerApp.clear_instance()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 that no CA bundle vouches for."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
