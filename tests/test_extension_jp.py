"""The extension's handlers in-process with pytest-jupyter (``jp_fetch``, base URL
``/a%40b/``) against a real team server subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import pytest
import tornado.httpclient
from traitlets.config import Config

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture(autouse=True)
def restore_environ():
    """The extension exports GRID_* and git settings for its kernels: keep them in here."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


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
