"""How the panel reaches the team: through this Jupyter server's extension when the kernel
runs inside one (same context and visitor state as the sidebar), else straight to the team
server with the user's credentials. Both are an AsyncGridClient."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..client import AsyncGridClient

EXTENSION_API = "/grid-collab/api"


@dataclass
class Connection:
    """The panel's client, which way it goes, and the URL to name in messages."""

    client: AsyncGridClient
    via: str  # "extension" or "team server"
    where: str

    @classmethod
    def extension(cls, jupyter_url: str, token: str | None) -> Connection:
        """Through a Jupyter server's grid-collab API (``jupyter_url`` includes its base URL)."""
        client = AsyncGridClient(jupyter_url, token or None, api_prefix=EXTENSION_API)
        return cls(client, "extension", jupyter_url)

    @classmethod
    def team_server(cls, url: str | None = None, api_key: str | None = None) -> Connection:
        """Straight to the team server; URL and key as for ``grid`` when not given."""
        client = AsyncGridClient(url, api_key)
        return cls(client, "team server", client.url)


def _where(url: str) -> tuple[int | None, str]:
    parts = urlsplit(url)
    return parts.port, parts.path.rstrip("/")


def own_jupyter_server() -> dict | None:
    """The running-server record (URL and token) of the Jupyter server hosting this kernel.

    The extension exports only its URL (GRID_JUPYTER_URL); the token comes from the server's
    runtime file, readable only by the OS user the server runs as. A kernel started by some
    other launcher falls back to matching its parent process."""
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return None
    servers = list(list_running_servers())
    wanted = os.environ.get("GRID_JUPYTER_URL")
    if wanted:
        for server in servers:
            if _where(server.get("url", "")) == _where(wanted):
                return server
    parent = os.getppid()
    for server in servers:
        if server.get("pid") == parent:
            return server
    return None


def connect(url: str | None = None, api_key: str | None = None) -> Connection:
    """The extension when this kernel runs in a Jupyter server with it and no explicit
    team server was asked for; otherwise the team server."""
    if url is None and api_key is None and os.environ.get("GRID_SESSION_NAME"):
        server = own_jupyter_server()
        if server:
            return Connection.extension(server["url"], server.get("token"))
    return Connection.team_server(url, api_key)
