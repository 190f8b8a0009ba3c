"""The extension's handlers in-process with pytest-jupyter (``jp_fetch``, base URL
``/a%40b/``) against a real team server subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path

import pytest
import tornado.httpclient
from traitlets.config import Config

from jupyter_grid_collab import track

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def session_name():
    return f"jp-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def jp_server_config(sqlite_server, tmp_path, session_name):
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"jupyter_grid_collab": True}},
            "GridCollab": {
                "url": sqlite_server.url,
                "api_key": sqlite_server.keys["alice"],
                "session_name": session_name,
                "heartbeat_interval": 1.0,
                "datastore_root": str(tmp_path / "datastores"),
            },
        }
    )


async def _json(jp_fetch, *parts, **kw):
    response = await jp_fetch(*parts, **kw)
    return json.loads(response.body)


async def _error(jp_fetch, *parts, **kw) -> tuple[int, str]:
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch(*parts, **kw)
    return info.value.code, json.loads(info.value.response.body)["message"]


async def test_registers_and_reports_context(jp_fetch, jp_base_url, session_name):
    assert jp_base_url == "/a%40b/"
    for _ in range(100):
        ctx = await _json(jp_fetch, "grid-collab", "api", "context")
        if ctx["session"]["registered"]:
            break
        await asyncio.sleep(0.1)
    assert ctx["session"]["registered"] and ctx["session"]["name"] == session_name
    assert ctx["user"] == {"username": "alice", "visitor": False}
    assert ctx["github"]["login"] == "alice-gh"
    assert ctx["session"]["url"].endswith("/a%40b/")


async def test_proxy_lists_like_the_team_server(jp_fetch, sqlite_server):
    with sqlite_server.client("alice") as alice:
        alice.me()
        name = f"jp-run-{uuid.uuid4().hex[:6]}"
        alice.create_run("python x.py", {"lr": [1, 2]}, name=name)
        direct = alice._http.get("/runs", params={"scope": "team"}).json()
    proxied = await _json(jp_fetch, "grid-collab", "api", "runs", params={"scope": "team"})
    assert [r["id"] for r in proxied["items"]] == [r["id"] for r in direct["items"]]
    run = await _json(jp_fetch, "grid-collab", "api", "runs", "alice", name)
    assert [e["name"] for e in run["experiments"]] == [f"{name}-exp0", f"{name}-exp1"]


async def test_bad_requests_are_clear_4xx(jp_fetch):
    code, message = await _error(jp_fetch, "grid-collab", "api", "credentials")
    assert code == 404 and "through this server" in message
    code, message = await _error(
        jp_fetch,
        "grid-collab",
        "api",
        "datastores",
        "attach",
        method="POST",
        body=json.dumps({"ref": "a:b:c"}),
    )
    assert code == 400 and "malformed" in message
    code, message = await _error(
        jp_fetch,
        "grid-collab",
        "api",
        "artifacts",
        "fetch",
        method="POST",
        body=json.dumps({"ref": "alice:x-exp0", "dest": "../../etc"}),
    )
    assert code == 400 and "escapes" in message
    code, message = await _error(jp_fetch, "grid-collab", "api", "runs", "alice", "nope-404")
    assert code == 404 and "no run alice:nope-404" in message


async def _registered(jp_fetch) -> dict:
    for _ in range(100):
        ctx = await _json(jp_fetch, "grid-collab", "api", "context")
        if ctx["session"]["registered"]:
            return ctx
        await asyncio.sleep(0.1)
    raise AssertionError("the server never registered")


async def test_the_server_process_environment_is_left_as_it_was(jp_fetch, session_name):
    """What kernels and terminals need is handed to them as they start; the extension adds
    nothing to the server's own environment (tests need no fixture to undo it)."""
    # Given a registered session
    await _registered(jp_fetch)
    # Then none of what its kernels get is in this process's environment
    for name in ("GRID_SESSION_NAME", "GRID_SESSION_OWNER", "GRID_SESSION_CREDENTIAL"):
        assert name not in os.environ, name
    assert "GIT_CONFIG_COUNT" not in os.environ
    assert session_name not in os.environ.values()


async def test_a_kernel_gets_the_sessions_environment(jp_fetch, jp_serverapp, session_name):
    """A kernel started through the API finds the session's team server, name, credential
    file and git helper, though none of them is in the server's environment."""
    await _registered(jp_fetch)
    # When the owner starts a kernel and asks it for its environment
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({}))
    kernel_id = json.loads(response.body)["id"]
    client = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    out: list[str] = []
    try:
        await client.wait_for_ready(timeout=60)
        await client.execute_interactive(
            "import os, json; print(json.dumps(dict(os.environ)))",
            timeout=60,
            output_hook=lambda msg: (
                out.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None
            ),
        )
    finally:
        client.stop_channels()
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")
    env = json.loads("".join(out))
    # Then it has what `grid`, TeamPanel and git need in a session
    assert env["GRID_SESSION_NAME"] == session_name and env["GRID_SESSION_OWNER"] == "alice"
    assert Path(env["GRID_SESSION_CREDENTIAL"]).is_file()
    assert "jupyter_grid_collab.git_credential" in env["GIT_CONFIG_VALUE_1"]
    assert "GRID_API_KEY" not in env
    assert "GRID_SESSION_NAME" not in os.environ  # and the server's own is unchanged


async def _follow(jp_fetch, kind: str, job: dict) -> dict:
    for _ in range(300):
        if job["state"] != "running":
            return job
        await asyncio.sleep(0.1)
        job = await _json(jp_fetch, "grid-collab", "api", kind, "fetch", job["id"])
    raise AssertionError(f"the job never ended: {job}")


async def test_a_run_named_like_explore_is_fetched_as_a_run(jp_fetch, sqlite_server, jp_root_dir):
    """``cifar-explore`` contains "-exp" but is a run: its artifacts arrive (the anchored
    rule, not a substring, tells a run from an experiment), and naming the kind works too."""
    # Given bob's run whose name contains "-exp" without being an experiment
    run = f"c{uuid.uuid4().hex[:5]}-cifar-explore"
    src = Path(jp_root_dir).parent / "weights.txt"
    src.write_text("w")
    with sqlite_server.client("bob") as bob:
        bob.me()
        with track.start_run(run, {"lr": 0.1}, client=bob) as tracked:
            tracked.log_file(src, "model/w.txt")
    await _registered(jp_fetch)
    for body in ({"ref": f"bob:{run}"}, {"ref": f"bob:{run}", "kind": "run"}):
        # When alice fetches its artifacts into her session
        response = await jp_fetch(
            "grid-collab",
            "api",
            "artifacts",
            "fetch",
            method="POST",
            body=json.dumps({**body, "dest": "results"}),
        )
        assert response.code == 202
        job = await _follow(jp_fetch, "artifacts", json.loads(response.body))
        # Then the run's one artifact lands under results/<owner>/<run>/<experiment>/
        assert job["state"] == "done" and job["files_done"] == 1, job
        landed = Path(jp_root_dir) / "results" / "bob" / run / f"{run}-exp0" / "model" / "w.txt"
        assert landed.read_text() == "w"
    # and a kind that contradicts the name is refused before anything is asked
    code, message = await _error(
        jp_fetch,
        "grid-collab",
        "api",
        "artifacts",
        "fetch",
        method="POST",
        body=json.dumps({"ref": f"bob:{run}", "kind": "experiment"}),
    )
    assert code == 400 and "names a run, not an experiment" in message


async def test_an_attach_is_recorded_on_the_session_by_the_team_server(
    jp_fetch, sqlite_server, session_name, tmp_path
):
    """One call attaches and records: the session's record lists the datastore as soon as
    the attach answers (no heartbeat needed), and the context shows that record."""
    # Given bob's datastore
    data = tmp_path / "upload"
    data.mkdir()
    (data / "x.csv").write_text("1,2\n")
    name = f"jp-ds-{uuid.uuid4().hex[:6]}"
    with sqlite_server.client("bob") as bob:
        bob.me()
        bob.upload_datastore(name, data)
    await _registered(jp_fetch)
    # When alice attaches it in her session
    info = await _json(
        jp_fetch,
        "grid-collab",
        "api",
        "datastores",
        "attach",
        method="POST",
        body=json.dumps({"ref": f"bob:{name}"}),
    )
    # Then it is mounted, the team server's record of the session lists it at once
    assert info["state"] == "done" and (Path(info["path"]) / "x.csv").read_text() == "1,2\n"
    with sqlite_server.client("carol") as carol:
        record = carol._http.get(f"/sessions/alice/{session_name}").json()
    assert record["datastores"] == [f"bob:{name}@1"]
    # and the context shows the same record
    ctx = await _json(jp_fetch, "grid-collab", "api", "context")
    assert ctx["session"]["datastores"] == [f"bob:{name}@1"]
