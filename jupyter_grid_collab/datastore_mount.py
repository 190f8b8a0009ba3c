"""Mount a datastore version read-only at ``<root>/<name>``: the one way runs and sessions
see a datastore.

Each file comes from the team server's content-addressed blob where that is on this
machine (``GRID_BLOB_DIR``), else from a content-addressed cache beside the mounts, filled
once per file by a download checked against its recorded sha256 (so another version or
another mount sharing the file downloads nothing). How a file gets into the mount depends
on who will read it (``consumer_uid``), because a hard link is the very same inode as its
source: whoever can write the mounted file changes the blob (or the cache) itself.

- a **hard link** (O(1)) only where the consumer cannot write that inode: it is not root
  and not the inode's owner (blobs and cached files are 0444, so mode alone stops it);
- else a **reflink** (O(1), a private copy-on-write inode) where the filesystem has them;
- else a **copy**.

A file taken from the team server's blob folder is checked against its sha256 first, as the
team server checks what it sends (teamserver/blob_integrity.py): in O(1) when its stamp says
it was verified and is unchanged since, else by hashing it; a blob whose bytes do not match
(corrupted on disk, or found so by the team server's scrub) is refused with the message the
team server gives for it, and nothing is mounted. A downloaded file is checked as it arrives.

Which way was taken is recorded in the mount's marker and told by ``describe_mount``. The
tree is built in a temporary folder and renamed into place, so a half-built mount is never
visible. Files are 0444 and folders 0555: read-only for anyone but root, and root (or a
copy's owner) changing its own private copy changes nothing outside that mount.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import time
import uuid
from pathlib import Path
from typing import Any, Protocol

from .client import GridError
from .file_clone import clone_or_copy, reflinks_work
from .models import DatastoreFile, parse_reference
from .teamserver.blob_integrity import BlobCorrupted, corrupted, local_verifier


class MountClient(Protocol):
    """What a mount asks the team server: a GridClient in a kernel or a run, the
    extension's worker-thread view of its one async client in a Jupyter server."""

    def datastore_files(self, ref: str) -> list[DatastoreFile]: ...

    def datastore(self, ref: str) -> Any: ...

    def download_datastore_file(
        self, ref: str, file: DatastoreFile, dest: str | os.PathLike, progress: Any = None
    ) -> Path: ...


# What each mounted folder holds is recorded beside the mounts, never inside them, so a
# script listing its datastore sees exactly the datastore's files.
MARKERS = ".grid-mounts"
CACHE = ".grid-cache"
MB = 1_000_000


def _marker(path: Path) -> dict | None:
    try:
        return json.loads((path.parent / MARKERS / f"{path.name}.json").read_text())
    except (OSError, ValueError):
        return None


def _write_marker(path: Path, record: dict) -> None:
    markers = path.parent / MARKERS
    markers.mkdir(exist_ok=True)
    tmp = markers / f".{path.name}.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(record))
    os.replace(tmp, markers / f"{path.name}.json")


def _blob(blob_dir: str, sha256: str) -> Path:
    return Path(blob_dir) / "objects" / sha256[:2] / sha256


def _cached(cache: Path, sha256: str) -> Path:
    return cache / sha256[:2] / sha256


def _consumer(consumer_uid: int | None) -> int:
    return os.geteuid() if consumer_uid is None else consumer_uid


def could_write(st: os.stat_result, uid: int) -> bool:
    """Whether ``uid`` could write (or chmod and then write) the inode ``st`` describes.
    Conservative: any group or other write bit counts, whatever the groups."""
    return uid == 0 or st.st_uid == uid or bool(st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _local_blob(blob_dir: str | None, sha256: str) -> Path | None:
    """The team server's blob when this process can read it (blob folders may be private to
    the team server's user), else None."""
    if not blob_dir:
        return None
    blob = _blob(blob_dir, sha256)
    return blob if os.access(blob, os.R_OK) else None


class CorruptedBlob(GridError):
    """A datastore file whose blob on this machine does not match its sha256: it is not
    mounted, and neither is the datastore. 500, as the team server answers for it."""

    status = 500


def _unverified_bytes(blob_dir: str, file) -> int:
    """What checking the local blob of ``file`` will hash: nothing when its stamp says it
    was verified and is unchanged since (O(1)), else the whole file."""
    return 0 if local_verifier(blob_dir).known_good(file.sha256) else file.size


def _files_digest(files) -> str:
    """One hash of a version's file list: a mount of the same list is the same content."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.path):
        digest.update(f"{f.path}\0{f.sha256}\0{f.size}\n".encode())
    return digest.hexdigest()


def _mounted_already(files, root: Path, consumer: int) -> bool:
    """Whether a mount of exactly these files for this consumer is in place under ``root``
    (mounting it again reuses it and moves nothing)."""
    digest = _files_digest(files)
    for marker in (root / MARKERS).glob("*.json"):
        try:
            how = json.loads(marker.read_text()).get("how") or {}
        except (OSError, ValueError):
            continue
        if (
            how.get("files_digest") == digest
            and how.get("consumer_uid") == consumer
            and (root / marker.name[: -len(".json")]).is_dir()
        ):
            return True
    return False


def bytes_to_fetch(
    files, root: Path, blob_dir: str | None = None, consumer_uid: int | None = None
) -> int:
    """How many bytes mounting ``files`` under ``root`` for ``consumer_uid`` would move, as
    ``mount_datastore``'s ``progress`` will count them: downloads (files neither among the
    team server's blobs on this machine nor in the local cache), checks (blobs on this
    machine not verified since they last changed, which are hashed first) and copies (files
    the consumer could write through a hard link, where reflinks are not to be had); none
    when such a mount is in place already."""
    consumer = _consumer(consumer_uid)
    if _mounted_already(files, root, consumer):
        return 0
    cache = root / CACHE
    try:
        root.mkdir(parents=True, exist_ok=True)  # where the reflink probe runs
    except OSError:
        pass  # then no probe: copies are counted, the mount itself says why it cannot
    total = 0
    for f in files:
        source = _local_blob(blob_dir, f.sha256)
        if source is None:
            source = _cached(cache, f.sha256)
            if not source.exists():
                total += f.size
                # it will be cached as this process's own 0444 file
                writable = consumer in (0, os.geteuid())
                if writable and not reflinks_work(root):
                    total += f.size
                continue
        elif blob_dir:
            total += _unverified_bytes(blob_dir, f)
        try:
            st = source.stat()
        except OSError:
            continue
        if could_write(st, consumer) and not reflinks_work(root, source):
            total += f.size
    return total


class _Tally:
    """How the files of one mount got there, for its marker and for ``describe_mount``."""

    def __init__(self, consumer: int, files_digest: str):
        self.consumer = consumer
        self.files_digest = files_digest
        self.files = {"link": 0, "reflink": 0, "copy": 0}
        self.copied = 0
        self.downloaded = 0
        self.copy_reason = "hard links are not possible here"
        # files that are the team server's blobs themselves: a reuse checks those blobs
        self.linked_blobs: list[str] = []

    def record(self) -> dict:
        return {
            "files": self.files,
            "linked_blobs": self.linked_blobs,
            "copied_bytes": self.copied,
            "downloaded_bytes": self.downloaded,
            "consumer_uid": self.consumer,
            "files_digest": self.files_digest,
            "copy_reason": self.copy_reason,
            "text": describe(self.files, self.copied, self.downloaded, self.copy_reason),
        }


def describe(files: dict, copied: int, downloaded: int, copy_reason: str) -> str:
    """One line saying how a mount was made: "hard links (O(1))", "reflinks (O(1))", "copied
    N MB: this consumer could write hard links", or a mix of them."""
    parts = {
        "link": "hard links (O(1))",
        "reflink": "reflinks (O(1))",
        "copy": f"copied {_mb(copied)}: {copy_reason}",
    }
    used = [k for k in ("link", "reflink", "copy") if files.get(k)]
    if not used:
        text = "empty (no files)"
    elif len(used) == 1:
        text = parts[used[0]]
    else:
        text = "; ".join(f"{parts[k]} for {files[k]} file{'s' * (files[k] != 1)}" for k in used)
    if downloaded:
        text += f"; {_mb(downloaded)} downloaded into the local cache first"
    return text


def _mb(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= 10 * MB else f"{n / MB:.1f} MB"


def describe_mount(path: str | os.PathLike) -> str | None:
    """How the mount at ``path`` was made (see ``describe``), or None if not known."""
    marker = _marker(Path(path))
    how = (marker or {}).get("how")
    return how.get("text") if isinstance(how, dict) else None


def _place(source: Path, dest: Path, tally: _Tally, progress) -> str:
    """Put ``source``'s bytes at ``dest`` the cheapest way that is safe for the consumer;
    returns the way ("link", "reflink" or "copy")."""
    st = source.stat()
    if could_write(st, tally.consumer):
        tally.copy_reason = "this consumer could write hard links"
    else:
        try:
            os.link(source, dest)
            tally.files["link"] += 1
            return "link"
        except OSError:
            pass  # another filesystem, or links refused (protected_hardlinks): clone or copy
    how, copied = clone_or_copy(source, dest, progress)
    tally.files[how] += 1
    tally.copied += copied
    return how


def _place_blob(
    blob_dir: str, blob: Path, ref: str, file, dest: Path, tally: _Tally, progress
) -> None:
    """Put the team server's blob of ``file`` at ``dest`` once its bytes are known to match
    its sha256: O(1) for a blob verified and unchanged since, else hashed (``progress``
    hears of it). Raises CorruptedBlob for one that does not match or that was written to
    while being mounted; OSError when it cannot be read here."""
    verifier = local_verifier(blob_dir)
    what = f"the stored file {file.path} of {ref}"
    f, stamp = _open_verified(verifier, file, what, progress)
    with f:
        if _place(blob, dest, tally, progress) == "link":
            tally.linked_blobs.append(file.path)
        # still the verified bytes (a hard link just made changes only the blob's ctime,
        # and is remembered as verified, so no one hashes it again for that); a write
        # meanwhile changed its mtime: what was linked or copied may be half of it. (Only
        # the server's user or root can write a blob; this is against accidents, and a
        # writer who also puts the mtime back is beyond a stamp, as on the team server.)
        if not verifier.linked(file.sha256, f, stamp):
            raise CorruptedBlob(corrupted(what, "it changed while being mounted"))


def _open_verified(verifier, file, what: str, progress=None):
    try:
        return verifier.open_verified(file.sha256, what, file.size, progress)
    except BlobCorrupted as exc:
        raise CorruptedBlob(exc.message) from None


def _links_still_good(
    target: Path, marker: dict | None, files, blob_dir: str | None, ref: str
) -> bool:
    """Whether a mount kept from an earlier attach or run may be handed out again: the files
    it hard-linked are the team server's blobs themselves, so each must still be that blob
    and still match its sha256 (O(1) each while verified and unchanged). Raises
    CorruptedBlob for a blob found corrupted since (by a read, a mount or the scrub); False
    for a mount whose blob was replaced since (a corrupted blob restored by an upload of
    the same bytes: the mount still holds the corrupted inode), which is then not reused."""
    how = (marker or {}).get("how") or {}
    # a mount made before mounts listed their linked blobs: any file may be one
    listed = how.get("linked_blobs")
    if not (listed if listed is not None else (how.get("files") or {}).get("link")):
        return True
    if not blob_dir:
        return False  # made with the blobs at hand: cannot check them without
    verifier = local_verifier(blob_dir)
    for file in files:
        if listed is not None and file.path not in listed:
            continue
        blob = _local_blob(blob_dir, file.sha256)
        try:
            same = blob is not None and os.stat(blob).st_ino == os.stat(target / file.path).st_ino
        except OSError:
            same = False
        if not same:
            if listed is None:
                continue  # (an older mount: a copy, or a link to the local cache)
            return False
        f, _ = _open_verified(verifier, file, f"the stored file {file.path} of {ref}")
        f.close()
    return True


def _fill_cache(client: MountClient, ref: str, file, cache: Path, tally: _Tally, progress) -> Path:
    cached = _cached(cache, file.sha256)
    if not cached.exists():
        # downloaded under a name of its own (concurrent mounts may fetch the same file)
        # and checked against the sha256 first: the cache only holds complete, verified files
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{file.sha256}.{uuid.uuid4().hex}")
        client.download_datastore_file(ref, file, tmp, progress)
        os.chmod(tmp, 0o444)
        os.replace(tmp, cached)
        tally.downloaded += file.size
    return cached


def _mount_file(
    client: MountClient,
    ref: str,
    file,
    dest: Path,
    blob_dir: str | None,
    cache: Path,
    tally: _Tally,
    progress=None,
) -> None:
    blob = _local_blob(blob_dir, file.sha256)
    if blob is not None and blob_dir:
        try:
            _place_blob(blob_dir, blob, ref, file, dest, tally, progress)
            return
        except OSError:
            dest.unlink(missing_ok=True)  # unreadable after all: use the local cache
    _place(_fill_cache(client, ref, file, cache, tally, progress), dest, tally, progress)


def make_read_only(root: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            path = os.path.join(dirpath, name)
            # a hard-linked blob is 0444 already; a chmod would still change its ctime,
            # which the team server's verified stamp of that blob includes
            if stat.S_IMODE(os.lstat(path).st_mode) != 0o444:
                os.chmod(path, 0o444)
        os.chmod(dirpath, 0o555)


def remove_mount(path: Path) -> None:
    """Remove a mounted tree (its folders are read-only, so make them writable first)."""
    for dirpath, _dirs, _files in os.walk(path):
        os.chmod(dirpath, 0o755)
    shutil.rmtree(path, ignore_errors=True)


def _reusable(marker: dict | None, ident: dict, consumer: int) -> bool:
    """An existing mount serves this consumer when it is the same version and was made for
    this very uid: a consumer that could write its files (root, or the owner of its copies)
    may have changed them, and another consumer must not read that as the datastore."""
    if not marker or any(marker.get(k) != v for k, v in ident.items()):
        return False
    how = marker.get("how")
    # a mount made before mounts said how may hold hard links anyone could write
    return isinstance(how, dict) and how.get("consumer_uid") == consumer


def mount_datastore(
    client: MountClient,
    ref: str,
    root: Path,
    blob_dir: str | None = None,
    progress=None,
    files=None,
    *,
    consumer_uid: int | None = None,
) -> Path:
    """Mount ``owner:name@version`` under ``root`` for ``consumer_uid`` (the uid that will
    read it; None: this process's effective uid); returns the folder to read from.
    ``progress(n)`` hears of every n bytes downloaded or copied; ``files`` is the version's
    file list when the caller has it already. ``describe_mount(path)`` says how it was made.

    ``<root>/<name>`` is used unless it already holds another version, another owner's
    datastore of that name, or a mount made for another consumer; then
    ``<root>/<name>@<owner>-v<version>``, then that with ``-uid<consumer>``.
    """
    r = parse_reference(ref, allow_version=True)
    if files is None:
        files = client.datastore_files(ref)
    version = r.version or client.datastore(ref).version
    consumer = _consumer(consumer_uid)
    ident = {"owner": r.owner, "name": r.name, "version": version}
    pinned = f"{r.owner}:{r.name}@{version}"
    root.mkdir(parents=True, exist_ok=True)
    names = [
        r.name,
        f"{r.name}@{r.owner}-v{version}",
        f"{r.name}@{r.owner}-v{version}-uid{consumer}",
    ]
    for target in (root / n for n in names):
        if not target.exists():
            break
        marker = _marker(target)
        if _reusable(marker, ident, consumer) and _links_still_good(
            target, marker, files, blob_dir, pinned
        ):
            return target
    else:
        raise FileExistsError(
            errno.EEXIST,
            f"cannot mount {ref} under {root}: {', '.join(names)} are all taken by other mounts",
        )
    tmp = root / f".{r.name}.{uuid.uuid4().hex}.tmp"
    tmp.mkdir()
    tally = _Tally(consumer, _files_digest(files))
    try:
        for f in files:
            dest = tmp / f.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            _mount_file(client, pinned, f, dest, blob_dir, root / CACHE, tally, progress)
        make_read_only(tmp)
        os.chmod(tmp, 0o755)
        os.rename(tmp, target)
        os.chmod(target, 0o555)
        _write_marker(target, {**ident, "how": tally.record()})
    except OSError as exc:
        remove_mount(tmp)
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            # a concurrent mount took the name; wait briefly for its marker
            for _ in range(50):
                if _reusable(_marker(target), ident, consumer):
                    return target
                time.sleep(0.1)
        raise
    except BaseException:
        remove_mount(tmp)
        raise
    return target
