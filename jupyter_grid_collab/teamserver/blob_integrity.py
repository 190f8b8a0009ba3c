"""Bad bytes are never served as good: a blob is checked against its sha256 before the
team server sends it, or a datastore mount on its machine hands it to a run or a notebook,
without re-hashing it every time.

A blob is content-addressed, so its name is its sha256. What was verified is remembered
as a stamp of the file (blob_stamps.py): an unchanged stamp means unchanged bytes. A blob
whose stamp is unknown or differs is hashed in full, once, on a worker thread; the stamp
of a blob just written is known without that, from the hash taken while writing. What a
stamp cannot see (bits flipped under the filesystem) the scrub finds (scrub.py, ``rescan``):
it re-hashes every blob at a bounded pace and marks one that fails bad, so it is refused
from then on, before anyone reads it.

A hard link to a blob (a datastore mount) changes its ctime; the mount that made it
re-stamps the blob (``linked``), so neither the next mount nor the server hashes it again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from typing import IO, Any, Literal, Protocol

from .blob_stamps import STAMP_FILE, Stamp, Stamps, local_stamp, same_bytes
from .errors import DomainError

__all__ = [
    "CHUNK",
    "STAMP_FILE",
    "BlobCorrupted",
    "BlobVerifier",
    "Stamp",
    "Stamps",
    "Verdict",
    "local_stamp",
    "local_verifier",
    "same_bytes",
]

log = logging.getLogger("grid_collab.teamserver")

CHUNK = 4 << 20

#: told the size of each chunk hashed: a mount's progress, the scrub's pace
OnChunk = Callable[[int], None]
#: what the scrub found of one blob (``BlobVerifier.rescan``)
Verdict = Literal["good", "bad", "still bad", "unknown"]


class BlobCorrupted(DomainError):
    """A stored file is not the bytes its sha256 names (or is gone): the fault is the team
    server's storage, not the request, and asking again will not help until an admin
    restores the file (re-uploading the same bytes also restores it)."""


def corrupted(what: str, why: str = "sha256 mismatch") -> str:
    """What a person reads about a blob whose bytes do not match its sha256."""
    return f"{what} is corrupted on the team server ({why}); ask an admin to restore it"


class BlobFiles(Protocol):
    """Where blobs are: the team server's BlobStore, or its folder seen from a mount."""

    is_local: bool
    root: str

    @property
    def fs(self) -> Any: ...

    def object_path(self, sha: str) -> str: ...


class LocalBlobFolder:
    """The team server's local blob folder, as a process on its machine reads it (a
    datastore mount, the scrub command): objects only, nothing it writes but stamps."""

    is_local = True
    fs = None

    def __init__(self, root: str):
        self.root = root

    def object_path(self, sha: str) -> str:
        return os.path.join(self.root, "objects", sha[:2], sha)


_LOCAL: dict[str, BlobVerifier] = {}
_LOCAL_LOCK = threading.Lock()


def local_verifier(blob_dir: str) -> BlobVerifier:
    """This process's verifier of the team server's blob folder ``blob_dir`` on this machine,
    sharing the server's verdicts through its stamp file (one per folder and process)."""
    with _LOCAL_LOCK:
        verifier = _LOCAL.get(blob_dir)
        if verifier is None:
            stamps = Stamps(path=os.path.join(blob_dir, STAMP_FILE), keeper=False)
            verifier = _LOCAL[blob_dir] = BlobVerifier(LocalBlobFolder(blob_dir), stamps)
        return verifier


class BlobVerifier:
    """Opens blobs for sending only once their bytes are known to match their sha256."""

    def __init__(self, store: BlobFiles, stamps: Stamps):
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

    def known_good(self, sha: str) -> bool:
        """Whether the local blob was verified and is unchanged since: opening it costs no
        hash (O(1): one stat)."""
        self.stamps.refresh()
        try:
            st = os.stat(self.store.object_path(sha))
        except OSError:
            return False
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        return self.stamps.get(sha) == (stamp, True)

    def linked(self, sha: str, f: IO[bytes], verified: Stamp) -> bool:
        """After this process hard-linked the open, verified blob ``f``: whether its bytes
        are still the verified ones (inode, size, mtime), and if so its new stamp (the link
        changed its ctime) is remembered as verified, so no one hashes it again for that."""
        now = self._stamp_of(f, sha)
        if not same_bytes(now, verified):
            return False
        if now != verified:
            self.stamps.put(sha, now, True)
        return True

    # ------------------------------------------------------------- verification
    def _open(self, sha: str) -> IO[bytes]:
        if self.store.is_local:
            return open(self.store.object_path(sha), "rb")
        f: IO[bytes] = self.store.fs.open(self.store.object_path(sha), "rb")
        return f

    def _lock(self, sha: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(sha, threading.Lock())

    def _release(self, sha: str, lock: threading.Lock) -> None:
        with self._locks_lock:
            if self._locks.get(sha) is lock and not lock.locked():
                del self._locks[sha]

    def _hash(self, f: IO[bytes], on_chunk: OnChunk | None = None) -> str:
        digest = hashlib.sha256()
        f.seek(0)
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            if on_chunk is not None:
                on_chunk(len(chunk))
        f.seek(0)
        return digest.hexdigest()

    def is_good(self, sha: str, what: str) -> bool:
        """Whether the stored blob matches its name (hashing it if its stamp is unknown)."""
        try:
            self.open_verified(sha, what)[0].close()
            return True
        except BlobCorrupted:
            return False

    def open_verified(
        self, sha: str, what: str, size: int | None = None, on_chunk: OnChunk | None = None
    ) -> tuple[IO[bytes], Stamp]:
        """Open the blob for reading, positioned at 0, once its bytes are known to be
        ``sha``; returns (file, stamp). Raises BlobCorrupted (and logs it) when they are
        not or the file is gone; ``what`` names it for a person ("the stored file x.csv of
        alice:points@2"); ``on_chunk`` hears of each chunk a hash reads. Blocking: call it
        on a worker thread."""
        self.stamps.refresh()  # a verdict another process appended (the scrub command)
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
                    stamp = self._verify(f, sha, what, stamp, on_chunk)
            finally:
                self._release(sha, lock)
            return f, stamp
        except BaseException:
            f.close()
            raise

    def _verify(
        self,
        f: IO[bytes],
        sha: str,
        what: str,
        stamp: Stamp,
        on_chunk: OnChunk | None = None,
        retried: bool = False,
    ) -> Stamp:
        """Hash ``f`` unless ``stamp`` is known good; returns the stamp now verified."""
        known = self.stamps.get(sha)
        if known is not None and known[0] == stamp:
            if known[1]:
                return stamp  # verified by another request while this one waited
            self._bad(sha, what, stamp, "already found corrupted, unchanged since")
        actual = self._hash(f, on_chunk)
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
        raise BlobCorrupted(corrupted(what))

    def rescan(self, sha: str, on_chunk: OnChunk | None = None) -> Verdict:
        """Hash the blob again whatever its stamp says (the scrub: bit rot keeps a stamp)
        and remember the verdict: "good"; "bad" (found now: logged, and refused from now on
        as on a read that finds it so); "still bad" (found before, unchanged since: not
        hashed or logged again); "unknown" (gone, or changed while hashed: its next read
        checks it). Blocking; ``on_chunk`` paces it."""
        try:
            f = self._open(sha)
        except FileNotFoundError:
            return "unknown"  # deleted meanwhile
        with f:
            stamp = self._stamp_of(f, sha)
            if self.stamps.get(sha) == (stamp, False):
                return "still bad"
            actual = self._hash(f, on_chunk)
            if self._stamp_of(f, sha) != stamp:
                return "unknown"
            self.stamps.put(sha, stamp, actual == sha)
        if actual == sha:
            return "good"
        log.error(
            "scrub: blob %s failed its sha256 check (its bytes hash to %s); it is refused from "
            "now on, until an admin restores it (uploading the same bytes again does)",
            sha,
            actual,
        )
        return "bad"

    def still(self, f: IO[bytes], sha: str, stamp: Stamp) -> bool:
        """Whether the open blob is unchanged since it was verified, checked before the last
        chunk of a download leaves, so a write during the download fails it. Inode, size and
        mtime only: a mount hard-linking the blob meanwhile changes its ctime, and must not
        fail a download (the next read re-hashes it, ctime included)."""
        try:
            return same_bytes(self._stamp_of(f, sha), stamp)
        except OSError:
            return False
