"""A private copy of a file, as cheap as the filesystem allows: a reflink (the FICLONE
ioctl: O(1), the copy shares the original's blocks copy-on-write, on btrfs, XFS and
others) where the filesystem supports it, else a real copy (in-kernel where it can be).

Either way the new file is a different inode: writing to it never changes the original,
which is what a datastore mount needs when its reader could write a hard link.
"""

from __future__ import annotations

import errno
import fcntl
import os
import uuid
from collections.abc import Callable
from pathlib import Path

FICLONE = 0x40049409  # _IOW(0x94, 9, int), from linux/fs.h
# what FICLONE answers where reflinks are not to be had (ext4, tmpfs, two filesystems...)
_NO_REFLINK = {
    errno.EOPNOTSUPP,
    errno.ENOTTY,
    errno.EXDEV,
    errno.EINVAL,
    errno.ENOSYS,
    errno.EPERM,
    errno.EBADF,
}
# what copy_file_range answers where it cannot copy between these two files
_NO_COPY_RANGE = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF}
CHUNK = 8 << 20  # bytes per copy call: progress is heard this often

# (source device, destination device) -> whether FICLONE works between them
_REFLINKS: dict[tuple[int, int], bool] = {}


def _clone(src_fd: int, dest_fd: int) -> bool:
    try:
        fcntl.ioctl(dest_fd, FICLONE, src_fd)
        return True
    except OSError as exc:
        if exc.errno in _NO_REFLINK:
            return False
        raise


def _copy(src_fd: int, dest_fd: int, progress: Callable[[int], None] | None) -> int:
    """Copy all of ``src_fd`` to ``dest_fd``; returns the bytes copied."""
    done = 0
    in_kernel = hasattr(os, "copy_file_range")
    while True:
        if in_kernel:
            try:
                n = os.copy_file_range(src_fd, dest_fd, CHUNK)
            except OSError as exc:
                if done or exc.errno not in _NO_COPY_RANGE:
                    raise
                in_kernel = False  # through user space, from the start
                continue
        else:
            chunk = os.read(src_fd, CHUNK)
            n = len(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(dest_fd, view) :]
        if not n:
            return done
        done += n
        if progress:
            progress(n)


def clone_or_copy(
    src: Path, dest: Path, progress: Callable[[int], None] | None = None
) -> tuple[str, int]:
    """Make ``dest`` (which must not exist) a private copy of ``src``. Returns ("reflink", 0)
    or ("copy", bytes copied); ``progress(n)`` hears of copied bytes (a reflink copies none).
    """
    with open(src, "rb") as s, open(dest, "xb") as d:
        key = (os.fstat(s.fileno()).st_dev, os.fstat(d.fileno()).st_dev)
        if _REFLINKS.get(key, True):
            ok = _clone(s.fileno(), d.fileno())
            _REFLINKS[key] = ok
            if ok:
                return "reflink", 0
        return "copy", _copy(s.fileno(), d.fileno(), progress)


def reflinks_work(folder: Path, src: Path | None = None) -> bool:
    """Whether a file made in ``folder`` can be a reflink of ``src`` (default: of a file in
    ``folder`` itself), tried once per pair of filesystems with a throwaway file."""
    try:
        key = (os.stat(src if src is not None else folder).st_dev, os.stat(folder).st_dev)
    except OSError:
        return False
    if key in _REFLINKS:
        return _REFLINKS[key]
    probe = folder / f".reflink-probe-{uuid.uuid4().hex}"
    made = None
    try:
        if src is None:
            made = folder / f".reflink-source-{uuid.uuid4().hex}"
            made.write_bytes(b"\0")
            src = made
        with open(src, "rb") as s, open(probe, "xb") as d:
            _REFLINKS[key] = _clone(s.fileno(), d.fileno())
    except OSError:
        return False  # cannot even try (unreadable source, read-only folder): no reflink
    finally:
        probe.unlink(missing_ok=True)
        if made is not None:
            made.unlink(missing_ok=True)
    return _REFLINKS[key]
