"""Where the team server URL and the user's API key come from.

Order: explicit arguments, then env ``GRID_URL`` / ``GRID_API_KEY``, then
``~/.grid/credentials.json`` (``$GRID_HOME/credentials.json`` when GRID_HOME is set),
written by ``grid login`` with mode 0600.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8765"


def grid_home() -> Path:
    return Path(os.environ.get("GRID_HOME") or Path.home() / ".grid")


def credentials_path() -> Path:
    return grid_home() / "credentials.json"


@dataclass
class Credentials:
    url: str
    api_key: str | None

    def __repr__(self) -> str:  # never show the key, even in a debugger or traceback
        return f"Credentials(url={self.url!r}, api_key={'<set>' if self.api_key else None})"


def load_credentials(url: str | None = None, api_key: str | None = None) -> Credentials:
    """Resolve the URL and key from arguments, env, then the credentials file."""
    stored: dict = {}
    path = credentials_path()
    if (url is None or api_key is None) and path.exists():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            stored = {}
    url = url or os.environ.get("GRID_URL") or stored.get("url") or DEFAULT_URL
    api_key = api_key or os.environ.get("GRID_API_KEY") or stored.get("api_key")
    return Credentials(url=url.rstrip("/"), api_key=api_key)


def save_credentials(url: str, api_key: str) -> Path:
    """Write the credentials file with mode 0600 (created that way, never world-readable)."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url.rstrip("/"), "api_key": api_key}, f)
    os.replace(tmp, path)
    return path
