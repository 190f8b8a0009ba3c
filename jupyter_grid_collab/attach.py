"""``attach_datastore("alice:mnist")`` from a notebook: mount a datastore read-only in this
session and record it on the session, the same way the sidebar and panel do."""

from __future__ import annotations

import os
from pathlib import Path

from .client import GridClient
from .datastore_mount import mount_datastore
from .launcher import default_datastore_root


def attach_datastore(
    ref: str, *, session: str | None = None, client: GridClient | None = None
) -> str:
    """Mount ``[user:]name[@version]``; returns the folder to read from."""
    own = client is None
    client = client or GridClient()
    try:
        client.whoami()
        session = session or os.environ.get("GRID_SESSION_NAME")
        owner = os.environ.get("GRID_SESSION_OWNER")
        # record it on this session only when this session is mine
        target = session if session and owner in (None, client.whoami()) else None
        info = client.attach_datastore(ref, session=target)
        root = Path(os.environ.get("GRID_DATASTORE_ROOT") or default_datastore_root())
        path = mount_datastore(client, info["reference"], root, os.environ.get("GRID_BLOB_DIR"))
        return str(path)
    finally:
        if own:
            client.close()
