"""The one way to start a Jupyter server with the extension (``jupyter_process``), as
``grid session create`` and the demo use it: a real ``jupyter server`` on 127.0.0.1."""

from __future__ import annotations

import os

import httpx
import pytest

from jupyter_grid_collab.demo.processes import Supervisor
from jupyter_grid_collab.jupyter_process import JupyterLaunch
from jupyter_grid_collab.readiness import ProcessExited


def launch_for(server, tmp_path, **kw) -> JupyterLaunch:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRID_", "JUPYTER_"))}
    env.update(
        GRID_URL=server.url,
        GRID_API_KEY=server.keys["alice"],
        GRID_SESSION_NAME="alice-helper",
        GRID_HOME=str(tmp_path / "grid-home"),
        HOME=str(tmp_path),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
    )
    return JupyterLaunch(**{"root_dir": tmp_path / "root", "env": env, "app": "server", **kw})


def test_port_zero_is_bound_by_jupyter_and_read_back(sqlite_server, tmp_path):
    # Given a launch that lets Jupyter pick its port, under a base URL that needs escaping
    launch = launch_for(sqlite_server, tmp_path, port=0, base_url="/a%40b/")
    # When it starts and is ready
    server = launch.start()
    try:
        server.wait_ready(registered=False)
        # Then it answers where the helper says, to its token (given by environment) only
        assert server.port and server.url == f"http://127.0.0.1:{server.port}/a%40b/"
        assert "--port=0" in server.proc.args
        assert not any(launch.token in arg for arg in server.proc.args)
        assert httpx.get(server.url + "api/status", headers=server.headers).status_code == 200
        assert httpx.get(server.url + "api/status").status_code == 403
    finally:
        server.stop()
    # and once stopped, nothing answers there
    assert server.proc.returncode is not None
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "api/status", timeout=2)


def test_a_server_that_cannot_start_says_why(sqlite_server, tmp_path):
    launch = launch_for(sqlite_server, tmp_path, app="no-such-app")
    server = launch.start()
    with pytest.raises(ProcessExited) as info:
        server.wait_ready(timeout=60)
    # the message names the log and quotes its end: what jupyter said
    assert str(launch.log_path) in str(info.value)
    assert "no-such-app" in str(info.value)


def test_the_demo_supervisor_starts_a_registered_session_and_stops_it(sqlite_server, tmp_path):
    # Given the demo's supervisor
    sup = Supervisor(tmp_path / "demo")
    (tmp_path / "demo").mkdir()
    launch = launch_for(sqlite_server, tmp_path)
    launch.app, launch.env["GRID_SESSION_NAME"] = "lab", "alice-sup"
    try:
        # When it starts JupyterLab with the extension and waits for it
        child, server = sup.start_jupyter("alice-lab", launch)
        sup.wait_jupyter(server, 120)
        # Then the team server lists it as alice's running session at its real URL
        with sqlite_server.client("bob") as bob:
            record = bob._http.get("/sessions/alice/alice-sup").json()
        assert (record["status"], record["url"]) == ("running", server.url)
        # and it is one of the demo's children, logging where the demo keeps its logs
        assert f"{child.proc.pid} alice-lab" in (tmp_path / "demo" / "demo.pids").read_text()
        assert child.log == server.launch.log_path and child.log.stat().st_size > 0
    finally:
        sup.stop_all(timeout=20)
    assert child.proc.poll() is not None
