"""An experiment's work folder, as the launcher (the team server's user) handles it when the
script runs as a runner uid that may be hostile.

The folder is built while it still belongs to the launcher (0700, so nothing of the
runner's can touch it), then handed over in one pass that changes owners without following
a link. Afterwards the runner (this script, or another of the same team running at the same
time) may have planted links to the team server's files or swap files and folders around,
so artifacts are read back through open folder descriptors, never following a link, and a
file counts only if it is a regular file owned by the runner.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # NONBLOCK: a FIFO


# no dataclasses here: the launcher imports this module before its script starts, and
# dataclasses (with the inspect and ast it loads) costs several ms
class WorkDir(NamedTuple):
    """``src`` (the run's source, the script's working directory), ``artifacts``, and the
    script's own ``home`` and ``tmp``."""

    root: Path

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"


def fresh_work_dir(root: Path) -> WorkDir:
    """An empty work folder at ``root``, private to this process's user. What an earlier
    run of the same name left there is removed first (rmtree works through folder
    descriptors: it never follows a link planted inside)."""
    root.parent.mkdir(parents=True, exist_ok=True)
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        root.unlink()
    elif root.exists():
        shutil.rmtree(root)
    os.mkdir(root, 0o700)
    work = WorkDir(root)
    for sub in (work.src, work.artifacts, work.home, work.tmp):
        os.mkdir(sub, 0o700)
    return work


def hand_over(work: WorkDir, uid: int, gid: int) -> None:
    """Give the whole work folder to the runner: owners change, links are not followed
    (a source snapshot may hold relative links)."""
    for dirpath, dirnames, filenames in os.walk(work.root):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)
    os.chown(work.root, uid, gid, follow_symlinks=False)


class Artifact:
    """One entry under the artifacts folder: an open file to upload, or why it is not."""

    __slots__ = ("fd", "path", "skipped")

    def __init__(self, path: str, fd: int | None = None, skipped: str | None = None):
        self.path = path
        self.fd = fd
        self.skipped = skipped

    def __repr__(self) -> str:
        return f"Artifact(path={self.path!r}, fd={self.fd!r}, skipped={self.skipped!r})"

    @property
    def source(self) -> str:
        # the open file itself: reopening /proc/self/fd/N reaches the very inode opened
        # here, whatever the runner renames or replaces meanwhile
        return f"/proc/self/fd/{self.fd}"

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def artifacts(root: Path, owner_uid: int) -> Iterator[Artifact]:
    """Every entry under ``root``, in order: each regular file owned by ``owner_uid`` open
    (the caller closes it), everything else with the reason it is left out."""
    # fwalk opens each folder without following links and checks it is the folder it
    # listed, so a folder swapped for a link is not entered; a link at the top yields nothing
    for dirpath, dirnames, filenames, dir_fd in os.fwalk(root, follow_symlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames.sort()
        for name in list(dirnames):
            try:
                link = stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
            except OSError:
                continue  # gone meanwhile
            if link:
                yield Artifact(_rel(rel_dir, name), skipped="it is a symbolic link")
        for name in sorted(filenames):
            yield _open(dir_fd, name, _rel(rel_dir, name), owner_uid)


def _rel(rel_dir: str, name: str) -> str:
    return name if rel_dir == "." else f"{rel_dir}/{name}"


def _open(dir_fd: int, name: str, rel: str, owner_uid: int) -> Artifact:
    try:
        fd = os.open(name, OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        reason = (
            "it is a symbolic link"
            if exc.errno == errno.ELOOP
            else f"cannot open it ({exc.strerror})"
        )
        return Artifact(rel, skipped=reason)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        reason = "it is not a regular file"
    elif st.st_uid != owner_uid:
        reason = "it is not the run's own file"
    else:
        os.set_blocking(fd, True)
        return Artifact(rel, fd)
    os.close(fd)
    return Artifact(rel, skipped=reason)
