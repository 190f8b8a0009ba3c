"""As whom, and where, the local engine runs experiments: one unprivileged uid per team.

A run is untrusted code: any member, of any team, submits it. So its script never runs as
the team server's user. Each team's scripts run as uid ``runner_uid_base + team id`` (no
passwd entry needed; never shared between teams, so one team cannot read another's work),
through setpriv (runner.py), which needs the team server to run as root. Where it cannot
(``auto`` without root or without setpriv, or ``setpriv`` asked for but unavailable) the
engine refuses every experiment with a message saying how to enable isolation, rather than
run it unsandboxed; ``none`` opts out (a single trusted user: runs act as the server).

Work folders live under a work root outside the private data folder, which stays 0700:

    <work root>/                       server's user, 0711: runners pass, cannot list
      .python/                         the runners' interpreter where one is made here
      <team>/                          server's user, group = the team's runner, 0710
        <owner>/                       the same
          <experiment>/                the runner's, 0700 (made by the launcher)
          <experiment>.launcher.log    the server's, 0600
      .datastores/.team-<team>/        server's user, group = the team's runner, 0750:
                                       the team's mounts (or in <--datastore-root>)

Nothing a runner owns lies above its experiment folder, so it cannot plant a link where
the team server or the launcher creates anything.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ...runner import Runner
from . import runner_python

log = logging.getLogger("grid_collab.executor")

MODES = ("auto", "setpriv", "none")
# far above login accounts (login.defs: up to 60000) and subordinate uid ranges (from
# 100000 up to 600100000), so a runner uid is nobody else's
DEFAULT_UID_BASE = 800_000_000
HOW_TO_ENABLE = (
    "Run the team server as root (each team's experiments then run as an "
    "unprivileged uid of their own), or, where one trusted user runs everything, "
    "start it with --runner-isolation none (experiments then run as the team "
    "server's own user and can read all of its data)."
)


class SandboxError(RuntimeError):
    """Isolation was asked for and is possible, but cannot be set up as configured."""


@dataclass
class Sandbox:
    """The local engine's decision: isolated runs (``runner_python`` set), runs as the
    server's user (``mode == "none"``), or refused (``refusal`` says why and what to do)."""

    mode: str
    work_root: Path
    uid_base: int = DEFAULT_UID_BASE
    runner_python: str | None = None
    refusal: str | None = None
    datastore_root: Path | None = None
    notes: list[str] = field(default_factory=list)
    network: str = "host"  # or "none": see Runner.network

    @property
    def isolated(self) -> bool:
        return self.mode == "setpriv" and self.refusal is None

    def runner(self, team_id: int) -> Runner:
        uid = self.uid_base + team_id
        return Runner(uid, uid, self.runner_python or "", self.network)

    def experiment_dir(self, spec: dict) -> Path:
        """Make the server-owned folders above an experiment's work folder; return the work
        folder's path (the launcher makes it)."""
        gid = self.runner(spec["team_id"]).gid if self.isolated else None
        owner = _shared_dir(_shared_dir(self.work_root / spec["team"], gid) / spec["owner"], gid)
        return owner / spec["experiment"]

    def datastore_dir(self, spec: dict) -> Path | None:
        """Where this team's runs mount datastores: a folder only its runner may enter."""
        if not self.isolated or self.datastore_root is None or not spec.get("datastore"):
            return None
        _reachable_root(self.datastore_root)
        # a dot: a datastore root may be shared with sessions, whose mounts are named after
        # datastores, and a datastore's name never starts with one
        folder = _shared_dir(
            self.datastore_root / f".team-{spec['team']}", self.runner(spec["team_id"]).gid
        )
        os.chmod(folder, 0o750)  # the runner lists its mounts
        return folder

    def launcher_env(self, spec: dict) -> dict[str, str]:
        return self.runner(spec["team_id"]).to_env() if self.isolated else {}


def _shared_dir(path: Path, gid: int | None) -> Path:
    """``path`` as a folder of the server's user: with ``gid``, that group may pass (0710),
    else private (0700). Made if missing; never a link."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise OSError(f"{path} is not a folder of the team server's user")
    os.chown(path, os.geteuid(), gid if gid is not None else os.getegid())
    os.chmod(path, 0o710 if gid is not None else 0o700)
    return path


def _reachable_root(root: Path) -> None:
    """Make ``root`` (and missing parents) passable by runners; existing folders are left
    as they are (the probe says when one of them is not)."""
    missing = []
    for folder in (root, *root.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        os.mkdir(folder, 0o700)
        os.chmod(folder, 0o711)


def unavailable() -> str | None:
    """Why setpriv isolation is impossible here, or None."""
    if os.geteuid() != 0:
        return "the team server does not run as root, so it cannot switch to a runner uid"
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    return None


def resolve(
    mode: str,
    work_root: Path,
    uid_base: int = DEFAULT_UID_BASE,
    python: str = "auto",
    datastore_root: Path | None = None,
) -> Sandbox:
    """Decide how experiments run; prepare the work root. Raises SandboxError when
    isolation is possible but its interpreter or folders do not work."""
    if mode not in MODES:
        raise SandboxError(f"--runner-isolation must be one of {', '.join(MODES)}")
    sandbox = Sandbox("none" if mode == "none" else "setpriv", work_root.resolve(), uid_base)
    if mode != "none":
        why = unavailable()
        if why is not None:
            sandbox.refusal = (
                f"refused: this team server cannot run experiments isolated "
                f"({why}), and it runs nobody's code "
                f"unsandboxed. {HOW_TO_ENABLE}"
            )
            return sandbox
    if not 1000 <= uid_base <= 2**32 - 2**24:
        raise SandboxError("--runner-uid-base must lie between 1000 and 4278190080")
    _reachable_root(sandbox.work_root)
    st = os.lstat(sandbox.work_root)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise SandboxError(
            f"the work root {sandbox.work_root} must be a folder of the team server's user"
        )
    # runners pass through it to their own folders but cannot list whose folders exist
    os.chmod(sandbox.work_root, 0o711 if sandbox.mode == "setpriv" else 0o700)
    if sandbox.mode == "setpriv":
        sandbox.datastore_root = (datastore_root or sandbox.work_root / ".datastores").resolve()
        try:
            _reachable_root(sandbox.datastore_root)
            # uid_base itself is no team's (team ids start at 1): the probe's own uid
            sandbox.runner_python, tried = runner_python.find(
                python, uid_base, sandbox.work_root, [sandbox.datastore_root]
            )
        except runner_python.RunnerPythonError as exc:
            if mode == "auto" and python == "auto":
                # nothing was asked for explicitly: serve, and refuse runs saying why (a
                # server that will not start is worse than one that cannot run experiments)
                sandbox.refusal = (
                    f"refused: runner uids cannot use a Python here ({exc}); "
                    f"nobody's code runs unsandboxed. {HOW_TO_ENABLE}"
                )
                return sandbox
            raise SandboxError(str(exc)) from None
        except OSError as exc:
            raise SandboxError(f"cannot prepare the runners' folders: {exc}") from None
        sandbox.notes = tried
    return sandbox


def describe(sandbox: Sandbox) -> str:
    """One line for the server log."""
    if sandbox.refusal:
        return "experiments are " + sandbox.refusal
    if not sandbox.isolated:
        return (
            "experiments run as the team server's own user (--runner-isolation none); "
            f"work folders in {sandbox.work_root}"
        )
    text = (
        f"experiments run isolated as uid {sandbox.uid_base} + team id, with "
        f"{sandbox.runner_python}; work folders in {sandbox.work_root}"
        + ("; no network (--runner-network none)" if sandbox.network == "none" else "")
    )
    if sandbox.notes:
        text += " (not taken: " + "; ".join(sandbox.notes) + ")"
    return text
