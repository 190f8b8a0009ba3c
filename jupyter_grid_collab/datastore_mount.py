"""Mount a datastore version read-only at ``<root>/<name>``: the one way runs and sessions
see a datastore.

Where the team server's blobs are on this machine each file is a hard link to its
content-addressed blob (O(1) per file, no copy); elsewhere each file is downloaded once
into a content-addressed cache beside the mounts (checked against its recorded sha256)
and hard-linked from there, so another version or another mount sharing the file costs
nothing. The tree is built in a temporary folder and
renamed into place, so a half-built mount is never visible. Files are 0444 and folders
0555: read-only for anyone but root.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
import uuid
from pathlib import Path

from .client import GridClient
from .models import parse_reference

# What each mounted folder holds is recorded beside the mounts, never inside them, so a
# script listing its datastore sees exactly the datastore's files.
MARKERS = ".grid-mounts"
CACHE = ".grid-cache"


def _marker(path: Path) -> dict | None:
    try:
        return json.loads((path.parent / MARKERS / f"{path.name}.json").read_text())
    except (OSError, ValueError):
        return None


def _write_marker(path: Path, ident: dict) -> None:
    markers = path.parent / MARKERS
    markers.mkdir(exist_ok=True)
    tmp = markers / f".{path.name}.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(ident))
    os.replace(tmp, markers / f"{path.name}.json")


def _blob(blob_dir: str, sha256: str) -> Path:
    return Path(blob_dir) / "objects" / sha256[:2] / sha256


def _cached(cache: Path, sha256: str) -> Path:
    return cache / sha256[:2] / sha256


def bytes_to_fetch(files, root: Path, blob_dir: str | None = None) -> int:
    """How many bytes mounting ``files`` under ``root`` would download: those neither among
    the team server's blobs on this machine nor already in the local cache."""
    cache = root / CACHE
    return sum(f.size for f in files
               if not (blob_dir and _blob(blob_dir, f.sha256).exists())
               and not _cached(cache, f.sha256).exists())


def _link_or_download(client: GridClient, ref: str, file, dest: Path,
                      blob_dir: str | None, cache: Path, progress=None) -> None:
    if blob_dir:
        blob = _blob(blob_dir, file.sha256)
        try:
            os.link(blob, dest)
            return
        except OSError:
            pass  # another filesystem, or no such blob here: use the local cache
    cached = _cached(cache, file.sha256)
    if not cached.exists():
        # downloaded under a name of its own (concurrent mounts may fetch the same file)
        # and checked against the sha256 first: the cache only holds complete, verified files
        tmp = cached.with_name(f".{file.sha256}.{uuid.uuid4().hex}")
        client.download_datastore_file(ref, file, tmp, progress)
        os.chmod(tmp, 0o444)
        os.replace(tmp, cached)
    try:
        os.link(cached, dest)
    except OSError:
        shutil.copyfile(cached, dest)  # a cache on another filesystem: copy


def make_read_only(root: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o444)
        os.chmod(dirpath, 0o555)


def remove_mount(path: Path) -> None:
    """Remove a mounted tree (its folders are read-only, so make them writable first)."""
    for dirpath, _dirs, _files in os.walk(path):
        os.chmod(dirpath, 0o755)
    shutil.rmtree(path, ignore_errors=True)


def mount_datastore(client: GridClient, ref: str, root: Path,
                    blob_dir: str | None = None, progress=None, files=None) -> Path:
    """Mount ``owner:name@version`` under ``root``; returns the folder to read from.
    ``progress(n)`` hears of every n bytes downloaded; ``files`` is the version's file list
    when the caller has it already.

    ``<root>/<name>`` is used unless it already holds another version or another
    owner's datastore of that name; then ``<root>/<name>@<owner>-v<version>``.
    """
    r = parse_reference(ref, allow_version=True)
    if files is None:
        files = client.datastore_files(ref)
    version = r.version or client.datastore(ref).version
    ident = {"owner": r.owner, "name": r.name, "version": version}
    root.mkdir(parents=True, exist_ok=True)
    for target in (root / r.name, root / f"{r.name}@{r.owner}-v{version}"):
        if not target.exists():
            break
        if _marker(target) == ident:
            return target
    else:
        return target  # both names taken by this very version: unreachable in practice
    tmp = root / f".{r.name}.{uuid.uuid4().hex}.tmp"
    tmp.mkdir()
    try:
        pinned = f"{r.owner}:{r.name}@{version}"
        for f in files:
            dest = tmp / f.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            _link_or_download(client, pinned, f, dest, blob_dir, root / CACHE, progress)
        make_read_only(tmp)
        os.chmod(tmp, 0o755)
        os.rename(tmp, target)
        os.chmod(target, 0o555)
        _write_marker(target, ident)
    except OSError as exc:
        remove_mount(tmp)
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            # a concurrent mount took the name; wait briefly for its marker
            for _ in range(50):
                if _marker(target) == ident:
                    return target
                time.sleep(0.1)
        raise
    except BaseException:
        remove_mount(tmp)
        raise
    return target
