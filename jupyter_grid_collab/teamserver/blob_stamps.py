"""What is known of each blob's bytes: a stamp of the file as it was checked, and whether its
bytes matched its sha256 then.

A stamp is (inode, size, mtime_ns, ctime_ns) of a local file: any write through the file
API changes mtime and ctime, and user space cannot set ctime back, so an unchanged stamp
means unchanged bytes (a disk flipping bits under the filesystem is beyond what a stamp
sees: the scrub, scrub.py, re-hashes for that).

Stamps live in memory (bounded, least recently used dropped first) and, for a local store,
in one append-only file beside the objects (``verified-stamps``, 0600), one line a verdict:
``<sha> <inode> <size> <mtime_ns> <ctime_ns>`` for good bytes, the same ending in ``bad`` for
a blob found corrupted. The team server keeps that file (it rewrites it from memory now and
then, so it stays bounded); other processes of the server's user on the same machine only
append to it: a datastore mount that checked a blob, ``grid-collab-server scrub`` that found
one bad. Each ``Stamps`` takes in the lines others appended since it last looked
(``refresh``: one stat when nothing changed), so a blob the scrub command found bad is
refused by the running server, and a mount that re-stamped a blob it hard-linked spares the
server a hash.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict

log = logging.getLogger("grid_collab.teamserver")

STAMP_FILE = "verified-stamps"
DEFAULT_CAPACITY = 16384  # about 3 MB of stamps

#: a local file's (inode, size, mtime_ns, ctime_ns); a remote object's ("remote", size, etag)
Stamp = tuple[object, ...]


def local_stamp(fd: int) -> Stamp:
    """The stamp of an open local file: (inode, size, mtime_ns, ctime_ns); a Jupyter server
    reading a blob from disk stamps it so too, to compare with ``BlobVerifier.header``."""
    st = os.fstat(fd)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def same_bytes(now: Stamp, verified: Stamp) -> bool:
    """Whether a file stamped ``verified`` still holds those bytes by ``now``: inode, size
    and mtime. Its ctime alone changes when a datastore mount hard-links it."""
    return now[:3] == verified[:3]


def _line(sha: str, stamp: Stamp, good: bool) -> str:
    """One verdict as the stamp file holds it (``_parse`` reads it back)."""
    return f"{sha} {' '.join(map(str, stamp))}{'' if good else ' bad'}\n"


def _parse(line: str) -> tuple[str, Stamp, bool] | None:
    parts = line.split()
    good = not (len(parts) == 6 and parts[5] == "bad")
    if not good:
        parts = parts[:5]
    if len(parts) != 5 or not all(p.isdigit() for p in parts[1:]):
        return None  # a line cut short by a crash, or not ours: that blob is hashed again
    return parts[0], tuple(int(p) for p in parts[1:]), good


class Stamps:
    """sha256 -> (stamp, good), bounded, and the stamp file at ``path`` when given.

    ``keeper``: this process keeps the file (the team server: it rewrites the file from
    memory to bound it). A process that only reads blobs the server keeps (a datastore
    mount, the scrub command) is not one: it appends its verdicts and never rewrites."""

    def __init__(
        self, capacity: int = DEFAULT_CAPACITY, path: str | None = None, *, keeper: bool = True
    ):
        self.capacity = capacity
        self.path = path
        self.keeper = keeper
        self._items: OrderedDict[str, tuple[Stamp, bool]] = OrderedDict()
        self._lock = threading.Lock()
        # lines added to the file since the keeper last rewrote it (its own may count twice,
        # when read back: this only bounds the file)
        self._appended = 0
        self._fd: int | None = None  # the stamp file, open for appending
        self._seen = (-1, 0)  # (inode, bytes) of the stamp file read so far
        if path:
            with self._lock:
                self._read()
                if keeper:
                    self._rewrite()  # drop what the file held beyond the bound

    # ------------------------------------------------------------- the file
    def refresh(self) -> None:
        """Take in what other processes appended to the stamp file since the last look."""
        if not self.path:
            return
        try:
            st = os.stat(self.path)
        except OSError:
            return  # none yet (or unreadable): what is in memory stands
        with self._lock:
            if (st.st_ino, st.st_size) != self._seen:
                self._appended += self._read()
                # lines others appended make the file grow too (a mount re-stamps the blobs
                # it hard-links)
                if self.keeper and self._appended > 2 * self.capacity:
                    self._rewrite()

    def _read(self) -> int:
        """Read the stamp file from where this process stopped (from its start when it is
        another file now, after a rewrite); lock held. Returns how many lines it read."""
        assert self.path is not None
        try:
            with open(self.path, "rb") as f:
                ino = os.fstat(f.fileno()).st_ino
                offset = self._seen[1] if ino == self._seen[0] else 0
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return 0
        except OSError as exc:  # unreadable: every blob is simply re-hashed
            log.warning(
                "blob stamps in %s not read (%s); blobs are re-hashed on first read", self.path, exc
            )
            return 0
        # a line still being appended is left for the next look
        whole = data[: data.rfind(b"\n") + 1]
        lines = whole.decode("ascii", "replace").splitlines()
        for line in lines:
            parsed = _parse(line)
            if parsed is not None:
                sha, stamp, good = parsed
                self._items[sha] = (stamp, good)
                self._items.move_to_end(sha)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        self._seen = (ino, offset + len(whole))
        return len(lines)

    def _append(self, sha: str, stamp: Stamp, good: bool) -> None:
        self._appended += 1
        if self.keeper and self._appended > 2 * self.capacity:
            self._rewrite()  # the log only grows: rewrite it from memory now and then
            return
        assert self.path is not None
        line = _line(sha, stamp, good).encode()
        try:
            # kept open (a mount of thousands of files re-stamps each one), and opened again
            # once the keeper replaced the file: a line in the old one would be lost
            if self._fd is None or os.fstat(self._fd).st_nlink == 0:
                self._close()
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._fd, line)  # one write: appends of other processes never cut it
        except OSError as exc:  # only a cost: that blob is re-hashed after a restart
            self._close()
            log.warning("blob stamp not persisted to %s: %s", self.path, exc)

    def _close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.close(fd)
            except OSError:
                pass

    def _rewrite(self) -> None:
        """The file again from memory (lock held); what others appended is read in first."""
        if not self.path:
            return
        self._read()
        self._appended = 0
        tmp = f"{self.path}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                for sha, (stamp, good) in self._items.items():
                    if len(stamp) == 4:
                        f.write(_line(sha, stamp, good))
                f.flush()
                st = os.fstat(f.fileno())
            os.replace(tmp, self.path)
            self._seen = (st.st_ino, st.st_size)
            self._close()  # appends go to the new file
        except OSError as exc:
            log.warning("blob stamps not rewritten to %s: %s", self.path, exc)

    # ------------------------------------------------------------- memory
    def get(self, sha: str) -> tuple[Stamp, bool] | None:
        with self._lock:
            hit = self._items.get(sha)
            if hit is not None:
                self._items.move_to_end(sha)
            return hit

    def put(self, sha: str, stamp: Stamp, good: bool) -> None:
        with self._lock:
            unchanged = self._items.get(sha) == (stamp, good)
            self._items[sha] = (stamp, good)
            self._items.move_to_end(sha)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
            # a verdict the file holds already is not written again (the scrub confirms
            # every blob on every pass)
            if self.path and len(stamp) == 4 and not unchanged:
                self._append(sha, stamp, good)

    def forget(self, sha: str) -> None:
        with self._lock:
            self._items.pop(sha, None)
