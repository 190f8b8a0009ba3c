"""Blob storage for datastore files, artifacts and run sources, behind an fsspec filesystem.

Objects are content-addressed by sha256 (``objects/ab/abcdef...``), so a new datastore
version that repeats files costs nothing. Every write goes to ``staging/`` first and is
moved into place only once complete and hashed: a killed upload never leaves a
half-written object under a name anything points at.
"""

from __future__ import annotations

import errno
import hashlib
import os
import posixpath
import threading
import uuid

import fsspec

from .blob_integrity import STAMP_FILE, BlobVerifier, Stamps
from .errors import NoSpace


class StagedWrite:
    """A blob being written: feed chunks, then ``commit`` (moved into place) or ``abort``."""

    def __init__(self, store: BlobStore, max_size: int | None):
        self.store = store
        self.path = posixpath.join(store.root, "staging", uuid.uuid4().hex)
        self.max_size = max_size
        self.size = 0
        self._hash = hashlib.sha256()
        self._file = store.fs.open(self.path, "wb")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.max_size is not None and self.size > self.max_size:
            raise OverflowError(self.size)
        self._hash.update(chunk)
        try:
            self._file.write(chunk)
        except OSError as exc:
            self.abort()
            if exc.errno == errno.ENOSPC:
                raise NoSpace(
                    "the team server's blob storage is full; nothing was stored"
                ) from None
            raise

    @property
    def sha256(self) -> str:
        """The sha256 of the bytes written so far."""
        return self._hash.hexdigest()

    def commit(self) -> tuple[str, int]:
        """Close, move into the content-addressed store; return (sha256, size)."""
        self._file.close()
        sha = self._hash.hexdigest()
        final = self.store.object_path(sha)
        verifier = self.store.verifier
        if self.store.fs.exists(final) and verifier.is_good(sha, f"the stored blob {sha}"):
            self.store.fs.rm(self.path)
        else:
            # new content, or a stored copy that went bad: these bytes, just hashed, take
            # its place (so uploading the same file again restores a corrupted blob)
            self.store.fs.makedirs(posixpath.dirname(final), exist_ok=True)
            self.store.fs.mv(self.path, final)
            if self.store.is_local:
                # immutable content: read-only, so a hard-linked datastore mount is too;
                # the folders above are private, so only such a mount reaches it
                os.chmod(posixpath.dirname(final), 0o700)
                os.chmod(final, 0o444)
            verifier.vouch(sha)
        return sha, self.size

    def abort(self) -> None:
        try:
            self._file.close()
        except OSError:
            pass
        try:
            self.store.fs.rm(self.path)
        except (OSError, FileNotFoundError):
            pass


class BlobStore:
    """A content-addressed object store rooted at any fsspec URL (a local path by default)."""

    def __init__(self, url: str):
        self.fs, self.root = fsspec.core.url_to_fs(url)
        self.is_local = "file" in (
            self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        )
        self.fs.makedirs(posixpath.join(self.root, "objects"), exist_ok=True)
        self.fs.makedirs(posixpath.join(self.root, "staging"), exist_ok=True)
        if self.is_local:
            for folder in ("", "objects", "staging"):  # for the team server's user only
                os.chmod(posixpath.join(self.root, folder), 0o700)

    def object_path(self, sha: str) -> str:
        return posixpath.join(self.root, "objects", sha[:2], sha)

    def begin(self, max_size: int | None = None) -> StagedWrite:
        return StagedWrite(self, max_size)

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        staged = self.begin()
        staged.write(data)
        return staged.commit()

    def open(self, sha: str):
        return self.fs.open(self.object_path(sha), "rb")

    def size(self, sha: str) -> int:
        return int(self.fs.size(self.object_path(sha)))

    def exists(self, sha: str) -> bool:
        return self.fs.exists(self.object_path(sha))

    def local_path(self, sha: str) -> str | None:
        """The object's path on this machine, or None when the storage is remote."""
        return self.object_path(sha) if self.is_local else None

    def delete(self, sha: str) -> None:
        self.verifier.forget(sha)
        try:
            self.fs.rm(self.object_path(sha))
        except FileNotFoundError:
            pass

    # Created on first use rather than in __init__: whatever thread asks first builds it.
    _verifier: BlobVerifier | None = None
    _verifier_lock = threading.Lock()

    @property
    def verifier(self) -> BlobVerifier:
        """Checks blobs against their sha256 before they are served (blob_integrity.py);
        its verified stamps persist beside the objects when the store is local."""
        if self._verifier is None:
            with self._verifier_lock:
                if self._verifier is None:
                    path = posixpath.join(self.root, STAMP_FILE) if self.is_local else None
                    self._verifier = BlobVerifier(self, Stamps(path=path))
        return self._verifier

    def clear_staging(self) -> int:
        """Remove leftovers of uploads killed while the server was down; return how many."""
        leftovers = self.fs.ls(posixpath.join(self.root, "staging"), detail=False)
        for path in leftovers:
            self.fs.rm(path)
        return len(leftovers)
