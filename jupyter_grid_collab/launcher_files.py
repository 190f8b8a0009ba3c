"""The two files a local launcher leaves beside its log, so that the truth about a run
outlives both the launcher and the team server:

- ``<experiment>.launcher.pid`` (written by the team server when it starts the launcher):
  which experiment, the launcher's pid and its start time. A pid alone can be reused by an
  unrelated process after the launcher is gone; pid and start time together cannot.
- ``<experiment>.outcome.json`` (written by the launcher): its script's pid and start time
  once started, then how the script ended (exit code, when) and, before the final report,
  the status it is about to report and whether every log line and artifact was stored.

Both sit in the folder above the experiment's work folder, which only the team server's
user may write (executor/sandbox.py): a runner can neither forge nor plant them. Both are
replaced whole (a temporary file renamed over the old one), so a reader never sees half of
one. Imported by the launcher, so it imports nothing heavy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from .procfs import stat_fields

PIDFILE_ENV = "GRID_LAUNCHER_PIDFILE"
OUTCOME_ENV = "GRID_OUTCOME_FILE"


def proc_start(pid: int) -> int | None:
    """The start time of process ``pid`` (clock ticks after boot, /proc/<pid>/stat field
    22), or None when no such process is running (gone, or a zombie nobody reaped)."""
    fields = stat_fields(pid)
    if not fields or fields[0] == b"Z" or fields[0] == b"X":
        return None
    return int(fields[22 - 3])


def alive(pid: int | None, start: int | None) -> bool:
    """Whether the very process recorded as (``pid``, ``start``) still runs."""
    return bool(pid) and start is not None and proc_start(pid) == start


def process_group(pgid: int) -> list[int]:
    """The pids of every live process in group ``pgid``."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = stat_fields(entry)
        if (
            fields
            and len(fields) > 2
            and fields[0] not in (b"Z", b"X")
            and int(fields[5 - 3]) == pgid
        ):
            members.append(int(entry))
    return members


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` in one step; never follows a link."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_json(path: Path) -> dict[str, Any] | None:
    """The object in ``path``, or None when it is missing, a link, or not one."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        with os.fdopen(fd) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class LauncherFiles(NamedTuple):  # not a dataclass: see runner_files.WorkDir
    """Where one experiment's launcher log, pidfile and outcome file are."""

    log: Path
    pidfile: Path
    outcome: Path

    @classmethod
    def beside(cls, work: Path) -> LauncherFiles:
        """The files of the experiment whose work folder is ``work``: in its parent."""
        return cls(
            work.with_name(f"{work.name}.launcher.log"),
            work.with_name(f"{work.name}.launcher.pid"),
            work.with_name(f"{work.name}.outcome.json"),
        )

    def clear(self) -> None:
        """Drop the pidfile and the outcome (the record is final, or a new launch begins)."""
        for path in (self.pidfile, self.outcome):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
