"""Running a run's script as its team's runner uid: the command and the environment.

The launcher stays with the team server's user (it holds the experiment's token and may
hard-link the server's blobs); only the user's script, and whatever it starts, runs as the
runner uid. ``setpriv`` switches to that uid and gid with no supplementary groups, no
capabilities and no way to gain any (no_new_privs, so setuid programs do not help), and the
script gets a fresh environment holding only what a script needs: no token, no API key,
no team server setting. The team server's start-up probe runs the very same command, so
what it checks is what runs get.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import NamedTuple

# the only variables a script inherits from the launcher when it runs as a runner uid
PASSED_THROUGH = ("LANG", "LC_ALL", "TZ")
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
# never in a script's environment, isolated or not
SECRET_PREFIXES = ("GRID_EXPERIMENT_TOKEN", "GRID_API_KEY", "GRID_COLLAB_")


class RunnerUnavailable(RuntimeError):
    """setpriv is missing: the script cannot be started as its runner uid."""


# a NamedTuple, not a dataclass: the launcher imports this, and dataclasses (with the inspect
# and ast it loads) would add several ms before every script starts
class Runner(NamedTuple):
    """The uid, gid and interpreter a team's scripts run with."""

    uid: int
    gid: int
    python: str
    # "none": the script gets a network namespace of its own with nothing in it, so it
    # reaches no service of this machine (a database on 127.0.0.1 with trust auth) or beyond
    network: str = "host"

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ = os.environ) -> Runner | None:
        """The runner the team server chose (``GRID_RUNNER_*``), or None: not isolated."""
        uid = env.get("GRID_RUNNER_UID")
        if not uid:
            return None
        return cls(
            int(uid),
            int(env.get("GRID_RUNNER_GID") or uid),
            env.get("GRID_RUNNER_PYTHON") or sys.executable,
            env.get("GRID_RUNNER_NETWORK") or "host",
        )

    def to_env(self) -> dict[str, str]:
        return {
            "GRID_RUNNER_UID": str(self.uid),
            "GRID_RUNNER_GID": str(self.gid),
            "GRID_RUNNER_PYTHON": self.python,
            "GRID_RUNNER_NETWORK": self.network,
        }

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run as this runner."""
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise RunnerUnavailable("setpriv (util-linux) is not installed")
        # setpriv keeps its capabilities until its own execve, so it would start a program
        # the runner cannot reach (an interpreter under root's 0700 home, a root-only
        # binary): env, started first, looks the command up as the runner alone
        drop = [
            setpriv,
            f"--reuid={self.uid}",
            f"--regid={self.gid}",
            "--clear-groups",
            "--no-new-privs",
            "--inh-caps=-all",
            "--bounding-set=-all",
            shutil.which("env") or "/usr/bin/env",
            "--",
            *argv,
        ]
        if self.network == "host":
            return drop
        unshare = shutil.which("unshare")
        if unshare is None:
            raise RunnerUnavailable(
                "unshare (util-linux) is not installed: it gives "
                "--runner-network none its empty network"
            )
        # made while still root: an unprivileged uid could not create the namespace
        return [unshare, "--net", "--", *drop]

    def environment(self, home: str, tmp: str) -> dict[str, str]:
        """A fresh environment for a script: the system's PATH after the runner's Python,
        its own HOME and TMPDIR, and the locale."""
        env = {k: os.environ[k] for k in PASSED_THROUGH if k in os.environ}
        env.setdefault("LANG", "C.UTF-8")
        env.update(PATH=f"{os.path.dirname(self.python)}:{SYSTEM_PATH}", HOME=home, TMPDIR=tmp)
        return env


def script_environment(
    runner: Runner | None, home: str, tmp: str, grid: dict[str, str]
) -> dict[str, str]:
    """The environment a script starts with: built from nothing for a runner; without the
    launcher's credentials and the team server's settings where runs are not isolated."""
    if runner is not None:
        env = runner.environment(home, tmp)
    else:
        env = {k: v for k, v in os.environ.items() if not k.startswith(SECRET_PREFIXES)}
    env.update(grid, PYTHONUNBUFFERED="1")
    return env


def python_command(argv: list[str], python: str) -> list[str]:
    """``python``/``python3`` and bare ``*.py`` scripts mean the runner's interpreter."""
    argv = list(argv)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = python
    elif argv and argv[0].endswith(".py"):
        argv.insert(0, python)
    return argv
