"""Bad bytes are never served as good: a blob is checked against its sha256 before the
team server sends it, without re-hashing it on every read.

A blob is content-addressed, so its name is its sha256. What was verified is remembered
as a stamp of the file: (inode, size, mtime_ns, ctime_ns). Any write through the file API
changes mtime and ctime, and user space cannot set ctime back, so an unchanged stamp means
unchanged bytes (a disk flipping bits under the filesystem is beyond what a stamp sees).
A blob whose stamp is unknown or differs is hashed in full, once, on a worker thread; the
stamp of a blob just written is known without that, from the hash taken while writing.

Stamps live in memory (bounded, least recently used dropped first) and, for a local
store, in an append-only file beside the objects, so a restart does not re-hash every
blob on its first read. A hard link to a blob (a datastore mount) changes its ctime, so
the next read after a mount re-hashes that blob once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from typing import IO, Any

from .errors import DomainError

log = logging.getLogger("grid_collab.teamserver")

CHUNK = 4 << 20
STAMP_FILE = "verified-stamps"
DEFAULT_CAPACITY = 16384  # about 3 MB of stamps

Stamp = tuple


def local_stamp(fd: int) -> Stamp:
    """The stamp of an open local file: (inode, size, mtime_ns, ctime_ns); a Jupyter server
    reading a blob from disk stamps it so too, to compare with ``BlobVerifier.header``."""
    st = os.fstat(fd)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def same_bytes(now: Stamp, verified: Stamp) -> bool:
    """Whether a file stamped ``verified`` still holds those bytes by ``now``: inode, size
    and mtime. Its ctime alone changes when a datastore mount hard-links it."""
    return now[:3] == verified[:3]


def _line(sha: str, stamp: Stamp) -> str:
    """One verified stamp as the stamp file holds it (``_load`` reads it back)."""
    return f"{sha} {' '.join(map(str, stamp))}\n"


class BlobCorrupted(DomainError):
    """A stored file is not the bytes its sha256 names (or is gone): the fault is the team
    server's storage, not the request, and asking again will not help until an admin
    restores the file (re-uploading the same bytes also restores it)."""


class Stamps:
    """sha256 -> (stamp, good), bounded; good ones also appended to ``path`` when given."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, path: str | None = None):
        self.capacity = capacity
        self.path = path
        self._items: OrderedDict[str, tuple[Stamp, bool]] = OrderedDict()
        self._lock = threading.Lock()
        self._appended = 0
        if path:
            self._load()

    def _load(self) -> None:
        try:
            with open(self.path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 5 and all(p.isdigit() for p in parts[1:]):
                        self._items[parts[0]] = (tuple(int(p) for p in parts[1:]), True)
                        self._items.move_to_end(parts[0])
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:  # unreadable: every blob is simply re-hashed
            log.warning(
                "blob stamps in %s not loaded (%s); blobs are re-hashed on first read",
                self.path,
                exc,
            )
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        self._rewrite()  # drop what the file held beyond the bound

    def get(self, sha: str) -> tuple[Stamp, bool] | None:
        with self._lock:
            hit = self._items.get(sha)
            if hit is not None:
                self._items.move_to_end(sha)
            return hit

    def put(self, sha: str, stamp: Stamp, good: bool) -> None:
        with self._lock:
            self._items[sha] = (stamp, good)
            self._items.move_to_end(sha)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
            if self.path and good and len(stamp) == 4:
                self._append(sha, stamp)

    def forget(self, sha: str) -> None:
        with self._lock:
            self._items.pop(sha, None)

    def _append(self, sha: str, stamp: Stamp) -> None:
        self._appended += 1
        if self._appended > 2 * self.capacity:
            self._rewrite()  # the log only grows: rewrite it from memory now and then
            return
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a") as f:
                f.write(_line(sha, stamp))
        except OSError as exc:  # only a cost: that blob is re-hashed after a restart
            log.warning("blob stamp not persisted to %s: %s", self.path, exc)

    def _rewrite(self) -> None:
        if not self.path:
            return
        self._appended = 0
        tmp = f"{self.path}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                for sha, (stamp, good) in self._items.items():
                    if good and len(stamp) == 4:
                        f.write(_line(sha, stamp))
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("blob stamps not rewritten to %s: %s", self.path, exc)


class BlobVerifier:
    """Opens blobs for sending only once their bytes are known to match their sha256."""

    def __init__(self, store, stamps: Stamps):
        self.store = store
        self.stamps = stamps
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    # ------------------------------------------------------------- stamps
    def _stamp_of(self, f: IO[bytes], sha: str) -> Stamp:
        if self.store.is_local:
            return local_stamp(f.fileno())
        # remote objects: no inode or ctime, but their ETag (or modification time) changes
        # with any overwrite
        info = self.store.fs.info(self.store.object_path(sha))
        return (
            "remote",
            int(info.get("size") or 0),
            str(info.get("ETag") or info.get("LastModified") or info.get("mtime") or ""),
        )

    @staticmethod
    def header(stamp: Stamp) -> str:
        """The stamp as sent in ``X-Grid-Blob-Stamp``: a Jupyter server reading the same
        file from disk compares its own fstat with it (inode:size:mtime_ns:ctime_ns)."""
        return ":".join(map(str, stamp))

    def vouch(self, sha: str) -> None:
        """Remember a blob just written from bytes hashed on the way in as verified."""
        try:
            with self._open(sha) as f:
                self.stamps.put(sha, self._stamp_of(f, sha), True)
        except OSError:
            pass  # then it is hashed on its first read

    def forget(self, sha: str) -> None:
        self.stamps.forget(sha)

    # ------------------------------------------------------------- verification
    def _open(self, sha: str) -> IO[bytes]:
        if self.store.is_local:
            return open(self.store.object_path(sha), "rb")
        return self.store.fs.open(self.store.object_path(sha), "rb")

    def _lock(self, sha: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(sha, threading.Lock())

    def _release(self, sha: str, lock: threading.Lock) -> None:
        with self._locks_lock:
            if self._locks.get(sha) is lock and not lock.locked():
                del self._locks[sha]

    def _hash(self, f: IO[bytes]) -> str:
        digest = hashlib.sha256()
        f.seek(0)
        while chunk := f.read(CHUNK):
            digest.update(chunk)
        f.seek(0)
        return digest.hexdigest()

    def is_good(self, sha: str, what: str) -> bool:
        """Whether the stored blob matches its name (hashing it if its stamp is unknown)."""
        try:
            self.open_verified(sha, what)[0].close()
            return True
        except BlobCorrupted:
            return False

    def open_verified(self, sha: str, what: str, size: int | None = None) -> tuple[Any, Stamp]:
        """Open the blob for reading, positioned at 0, once its bytes are known to be
        ``sha``; returns (file, stamp). Raises BlobCorrupted (and logs it) when they are
        not or the file is gone; ``what`` names it for a person ("the stored file x.csv of
        alice:points@2"). Blocking: call it on a worker thread."""
        try:
            f = self._open(sha)
        except FileNotFoundError:
            log.error("blob %s (%s) is missing from the blob store", sha, what)
            raise BlobCorrupted(
                f"{what} is missing on the team server; ask an admin to restore it"
            ) from None
        try:
            stamp = self._stamp_of(f, sha)
            if size is not None and stamp[1] != size:
                self._bad(sha, what, stamp, f"{stamp[1]} bytes where {size} were stored")
            if self.stamps.get(sha) == (stamp, True):
                return f, stamp  # the common case: verified before, unchanged since
            lock = self._lock(sha)
            try:
                with lock:  # one hash per blob however many ask at once
                    stamp = self._verify(f, sha, what, stamp)
            finally:
                self._release(sha, lock)
            return f, stamp
        except BaseException:
            f.close()
            raise

    def _verify(
        self, f: IO[bytes], sha: str, what: str, stamp: Stamp, retried: bool = False
    ) -> Stamp:
        """Hash ``f`` unless ``stamp`` is known good; returns the stamp now verified."""
        known = self.stamps.get(sha)
        if known is not None and known[0] == stamp:
            if known[1]:
                return stamp  # verified by another request while this one waited
            self._bad(sha, what, stamp, "already found corrupted, unchanged since")
        actual = self._hash(f)
        after = self._stamp_of(f, sha)
        if after != stamp:
            # a datastore mount hard-linking the blob changes its ctime and nothing else:
            # check once more; anything else changing under the hash is a write: refuse
            if retried or not same_bytes(after, stamp):
                self._bad(sha, what, stamp, "it changed while being checked")
            return self._verify(f, sha, what, after, retried=True)
        if actual != sha:
            self.stamps.put(sha, stamp, False)
            self._bad(sha, what, stamp, f"its bytes hash to {actual}")
        self.stamps.put(sha, stamp, True)
        return stamp

    def _bad(self, sha: str, what: str, stamp: Stamp, why: str) -> None:
        log.error("blob %s (%s) failed its sha256 check: %s; refusing to serve it", sha, what, why)
        raise BlobCorrupted(
            f"{what} is corrupted on the team server (sha256 mismatch); ask an admin to restore it"
        )

    def still(self, f: IO[bytes], sha: str, stamp: Stamp) -> bool:
        """Whether the open blob is unchanged since it was verified, checked before the last
        chunk of a download leaves, so a write during the download fails it. Inode, size and
        mtime only: a mount hard-linking the blob meanwhile changes its ctime, and must not
        fail a download (the next read re-hashes it, ctime included)."""
        try:
            return same_bytes(self._stamp_of(f, sha), stamp)
        except OSError:
            return False
