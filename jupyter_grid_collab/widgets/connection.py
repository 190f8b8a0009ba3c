"""How the panel reaches the team: through this Jupyter server's extension when the kernel
runs inside one (same context and visitor state as the sidebar), else straight to the team
server with the user's credentials. Both are an AsyncGridClient."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..client import AsyncGridClient


@dataclass
class Connection:
    client: AsyncGridClient
    via: str  # "extension" or "team server"
    where: str  # the URL, for messages


def _own_jupyter_server() -> dict | None:
    """The Jupyter server that started this kernel (its runtime file names its pid)."""
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return None
    parent = os.getppid()
    for server in list_running_servers():
        if server.get("pid") == parent:
            return server
    return None


def connect(url: str | None = None, api_key: str | None = None) -> Connection:
    if url is None and api_key is None:
        server = _own_jupyter_server()
        if server and os.environ.get("GRID_SESSION_NAME"):
            return Connection(AsyncGridClient(server["url"], server.get("token") or None,
                                              api_prefix="/grid-collab/api"),
                              "extension", server["url"])
    client = AsyncGridClient(url, api_key)
    return Connection(client, "team server", client.url)
