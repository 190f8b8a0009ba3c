"""Snapshot a run's source so it can be reproduced and cloned.

Inside a git repository: the files git would check out plus untracked files not ignored
(``git ls-files --cached --others --exclude-standard``), so ``.gitignore`` is honoured and
the commit is recorded. Elsewhere: the script's folder, skipping ``.git`` and honouring a
``.gitignore`` at its top. Either way the archive is capped in size with a clear error.
"""

from __future__ import annotations

import fnmatch
import io
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

MAX_SOURCE_BYTES = 200 << 20
ALWAYS_SKIPPED = {".git", "__pycache__", ".ipynb_checkpoints", ".venv", "node_modules"}


class SnapshotError(ValueError):
    """The source cannot be snapshotted (too large, unreadable); the message says why."""


@dataclass
class Snapshot:
    archive: Path
    root: Path
    script: str  # the script's path relative to root
    files: int
    size: int
    git_commit: str | None = None
    git_dirty: bool = False


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def _gitignore_patterns(root: Path) -> list[str]:
    try:
        lines = (root / ".gitignore").read_text().splitlines()
    except OSError:
        return []
    return [ln.strip().rstrip("/") for ln in lines if ln.strip() and not ln.startswith("#")]


def _ignored(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    for pattern in patterns:
        anchored = pattern.startswith("/")
        pattern = pattern.lstrip("/")
        if anchored and fnmatch.fnmatch(rel, pattern):
            return True
        if not anchored and any(fnmatch.fnmatch(p, pattern) for p in parts):
            return True
        if not anchored and fnmatch.fnmatch(rel, pattern):
            return True
    return False


def _list_files(script: Path) -> tuple[Path, list[str], str | None, bool]:
    top = _git(script.parent, "rev-parse", "--show-toplevel")
    if top:
        root = Path(top.strip())
        listed = _git(root, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
        files = [f for f in (listed or "").split("\0") if f and (root / f).is_file()]
        commit = (_git(root, "rev-parse", "HEAD") or "").strip() or None
        dirty = bool((_git(root, "status", "--porcelain") or "").strip())
        return root, files, commit, dirty
    root = script.parent
    patterns = _gitignore_patterns(root)
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink() or not path.is_file():
            continue
        if ALWAYS_SKIPPED & set(rel.split("/")) or _ignored(rel, patterns):
            continue
        files.append(rel)
    return root, files, None, False


def make_snapshot(script: str | Path, max_bytes: int = MAX_SOURCE_BYTES) -> Snapshot:
    """Archive the script's source tree into a temporary .tar.gz."""
    script = Path(script).resolve()
    if not script.is_file():
        raise SnapshotError(f"{script} is not a file")
    root, files, commit, dirty = _list_files(script)
    total = 0
    for rel in files:
        total += (root / rel).stat().st_size
        if total > max_bytes:
            raise SnapshotError(
                f"the source under {root} is over {max_bytes >> 20} MiB; move data into a "
                "datastore (grid datastore create) or add it to .gitignore"
            )
    fd, name = tempfile.mkstemp(suffix=".tar.gz", prefix="grid-source-")
    archive = Path(name)
    with open(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for rel in files:
            tar.add(root / rel, arcname=rel, recursive=False)
        meta = json.dumps({"git_commit": commit, "git_dirty": dirty}).encode()
        info = tarfile.TarInfo(".grid-source.json")
        info.size = len(meta)
        tar.addfile(info, io.BytesIO(meta))
    return Snapshot(
        archive=archive,
        root=root,
        script=script.relative_to(root).as_posix(),
        files=len(files),
        size=total,
        git_commit=commit,
        git_dirty=dirty,
    )
