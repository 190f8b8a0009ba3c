"""``attach_datastore("alice:mnist")`` from a notebook: mount a datastore read-only in this
session and record it on the session, the same way the sidebar and panel do."""

from __future__ import annotations

import os
from pathlib import Path

from .client import GridClient
from .datastore_mount import mount_datastore
from .launcher import default_datastore_root
from .models import DatastoreFile


def attach_datastore(
    ref: str, *, session: str | None = None, client: GridClient | None = None
) -> str:
    """Mount ``[user:]name[@version]``; returns the folder to read from."""
    own = client is None
    client = client or GridClient()
    try:
        me = client.whoami()
        session = session or os.environ.get("GRID_SESSION_NAME")
        owner = os.environ.get("GRID_SESSION_OWNER")
        # record it on this session only when this session is mine (the team server records
        # it as it answers: the one account of what a session mounts)
        target = session if session and owner in (None, me) else None
        info = client.attach_datastore(ref, session=target)
        # the answer lists the version's files: the mount asks the team server nothing more
        # than the downloads of files not on this machine
        files = [DatastoreFile.from_json(f) for f in info["files"]]
        root = Path(os.environ.get("GRID_DATASTORE_ROOT") or default_datastore_root())
        blob_dir = os.environ.get("GRID_BLOB_DIR")
        path = mount_datastore(client, info["reference"], root, blob_dir, files=files)
        return str(path)
    finally:
        if own:
            client.close()
