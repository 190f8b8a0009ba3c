"""The spliced download (extension/zerocopy.py) in-process with pytest-jupyter, where the
extension's transport can be looked at: a plain download is spliced, not copied, and a
browser hanging up hands its upstream connection back to the pool's count."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from traitlets.config import Config

from jupyter_grid_collab import track
from jupyter_grid_collab.extension import zerocopy

pytest_plugins = ["pytest_jupyter.jupyter_server"]
pytestmark = pytest.mark.skipif(not zerocopy.ENABLED, reason="splice is Linux only")

MIB = 1 << 20


@pytest.fixture
def jp_server_config(sqlite_server, tmp_path):
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"jupyter_grid_collab": True}},
            "GridCollab": {
                "url": sqlite_server.url,
                "api_key": sqlite_server.keys["alice"],
                "session_name": f"zc-{uuid.uuid4().hex[:6]}",
                "heartbeat_interval": 1.0,
                "datastore_root": str(tmp_path / "datastores"),
            },
        }
    )


def _artifact(server, tmp_path: Path, size: int) -> tuple[dict[str, str], str]:
    """An artifact of alice's: (the download's query, its sha256)."""
    data = os.urandom(size)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    with server.client("alice") as c:
        c.me()
        name = f"zcjp-{uuid.uuid4().hex[:6]}"
        with track.start_run(name, {"lr": 0.1}, client=c) as run:
            run.log_file(path, "big.bin")
    return {"ref": f"alice:{name}-exp0", "path": "big.bin"}, hashlib.sha256(data).hexdigest()


def _transport(jp_serverapp):
    (app,) = jp_serverapp.extension_manager.extension_apps["jupyter_grid_collab"]
    return app.client.http._transport


def _in_use(transport) -> int:
    """Connections the transport counts as open that are not idle in its pool."""
    return transport._open - sum(len(idle) for idle in transport._idle.values())


async def _settles(check, seconds: float = 15.0) -> bool:
    for _ in range(int(seconds / 0.1)):
        if check():
            return True
        await asyncio.sleep(0.1)
    return check()


async def test_a_plain_download_is_spliced_and_a_hang_up_frees_its_connection(
    jp_fetch,
    jp_serverapp,
    jp_http_port,
    jp_base_url,
    jp_auth_header,
    sqlite_server,
    tmp_path,
    monkeypatch,
):
    query, sha = _artifact(sqlite_server, tmp_path, 24 * MIB)
    target = f"grid-collab/api/artifacts/download?{urlencode(query)}"
    calls = []
    real_splice = os.splice

    def counting(*args, **kw):
        calls.append(1)
        return real_splice(*args, **kw)

    monkeypatch.setattr(zerocopy.os, "splice", counting)
    # When the owner downloads it over plain HTTP from a plain HTTP team server
    response = await jp_fetch(
        "grid-collab", "api", "artifacts", "download", params=query, request_timeout=120
    )
    # Then the bytes are exact and they went through splice
    assert hashlib.sha256(response.body).hexdigest() == sha
    assert len(calls) >= 2
    transport = _transport(jp_serverapp)
    # When a browser reads a little of it and hangs up, three times
    for _ in range(3):
        reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
        auth = "".join(f"{k}: {v}\r\n" for k, v in jp_auth_header.items())
        writer.write(
            f"GET {jp_base_url}{target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode()
        )
        got = 0
        while got < 2 * MIB:
            piece = await reader.read(1 << 16)
            assert piece
            got += len(piece)
        writer.transport.abort()
        await asyncio.sleep(0.2)
    # Then each upstream connection was closed and counted out of the pool: none is held
    # outside it (but for a heartbeat's, for a moment); a leak would hold three for good
    # and, at the cap, stall the proxy
    assert await _settles(lambda: _in_use(transport) <= 0), _in_use(transport)
