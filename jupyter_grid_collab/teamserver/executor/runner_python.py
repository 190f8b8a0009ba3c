"""The interpreter a runner uid can really use, found and checked once at executor start.

Why a check at all: a venv made from an interpreter inside a private folder (pyenv in
root's 0700 home, as on our CI machines) still starts when setpriv launches it, since
setpriv still holds its capabilities at that moment, but then Python cannot reach its own
home and silently runs with another Python's stdlib; started from the script's own shell
it does not start at all. So the probe runs the very command a run uses, as a runner uid,
and compares what that Python sees with what the same interpreter sees as the team
server's user.

``auto`` takes the team server's own interpreter (runs see the server's packages) when it
passes; else a venv beside the work folders, made from a system Python of the same
version that runners can reach, which sees the server's packages through a .pth file.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import uuid
from pathlib import Path

from ...runner import Runner

PROBE = r"""
import json, os, sys
import jupyter_grid_collab  # the project's packages are there
for path in sys.argv[2:]:
    os.listdir(path) if path == sys.argv[1] else os.stat(path)  # reachable as this uid
with open(os.path.join(sys.argv[1], f"probe-{os.getuid()}"), "w") as f:
    f.write("ok")
print(json.dumps({"uid": os.getuid(), "version": sys.version,
                  "stdlib": os.path.dirname(os.__file__)}))
"""
VENV = ".python"  # under the work root; team folders never start with a dot
PTH = "_grid_server_packages.pth"


class RunnerPythonError(RuntimeError):
    """No interpreter the runner uid can use: what was tried and why each failed."""


def probe(runner: Runner, folder: Path, reach: list[Path]) -> str | None:
    """Why ``runner.python`` does not work for ``runner`` in ``folder`` (owned by the
    runner), or None when it does. ``reach`` are folders a run must be able to get to."""
    python = runner.python
    args = ["-c", PROBE, str(folder), *map(str, [folder, *reach])]
    env = runner.environment(str(folder), str(folder))
    try:
        mine = subprocess.run(
            [python, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=60
        )
        theirs = subprocess.run(
            runner.command([python, *args]),
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if mine.returncode != 0:
        return f"it does not run as the team server's user: {_tail(mine.stderr)}"
    if theirs.returncode != 0:
        return f"as uid {runner.uid}: {_tail(theirs.stderr)}"
    seen, expected = json.loads(theirs.stdout), json.loads(mine.stdout)
    if seen["uid"] != runner.uid:
        return f"it ran as uid {seen['uid']}, not {runner.uid}"
    if (seen["version"], seen["stdlib"]) != (expected["version"], expected["stdlib"]):
        return (
            f"as uid {runner.uid} it is Python {seen['version'].split()[0]} with the "
            f"stdlib in {seen['stdlib']}, not {expected['version'].split()[0]} in "
            f"{expected['stdlib']}: a folder of its installation is private"
        )
    return None


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def find(configured: str, uid: int, work_root: Path, reach: list[Path]) -> tuple[str, list[str]]:
    """The interpreter runs use (``configured``, or for "auto" the first that works), and
    why the ones tried before it were not taken; probed as ``uid``. Raises
    RunnerPythonError."""
    tried: list[str] = []
    python = sys.executable if configured == "auto" else configured
    why = _probe_in(Runner(uid, uid, python), work_root, reach)
    if why is None:
        return python, tried
    tried.append(f"{python}: {why}")
    if configured == "auto":
        for base in _system_pythons():
            try:
                python = _shared_venv(base, work_root)
            except (OSError, subprocess.SubprocessError) as exc:
                tried.append(f"a venv from {base}: {exc}")
                continue
            why = _probe_in(Runner(uid, uid, python), work_root, reach)
            if why is None:
                return python, tried
            tried.append(f"{python} (a venv from {base}): {why}")
    raise RunnerPythonError(
        "no Python interpreter works for the runner uids; tried "
        + "; ".join(tried)
        + ". Give one with --runner-python (it must be executable by any uid, with its "
        "installation readable, and see this project's packages)"
    )


def _probe_in(runner: Runner, work_root: Path, reach: list[Path]) -> str | None:
    folder = work_root / f".probe-{uuid.uuid4().hex[:8]}"
    os.mkdir(folder, 0o700)
    try:
        os.chown(folder, runner.uid, runner.gid)
        return probe(runner, folder, reach)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _system_pythons() -> list[str]:
    """System interpreters of this Python version, the usual world-readable installs."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = []
    for folder in ("/usr/local/bin", "/usr/bin"):
        path = os.path.join(folder, version)
        if os.access(path, os.X_OK) and os.path.realpath(path) not in map(os.path.realpath, found):
            found.append(path)
    return found


def _server_site_dirs() -> list[str]:
    dirs = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return [d for d in dict.fromkeys(dirs) if os.path.isdir(d)]


def _site_packages(venv: Path) -> Path:
    return (
        venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    )


def _shared_venv(base: str, work_root: Path) -> str:
    """(Re)make ``<work_root>/.python`` from ``base``, seeing the team server's packages;
    return its interpreter. Built aside and renamed into place."""
    target = work_root / VENV
    lines = "".join(f"import site; site.addsitedir({d!r})\n" for d in _server_site_dirs())
    pth = _site_packages(target) / PTH
    if (
        os.path.realpath(target / "bin" / "python") == os.path.realpath(base)
        and pth.is_file()
        and pth.read_text() == lines
    ):
        return str(target / "bin" / "python")  # as made last time: runs may be using it
    tmp = work_root / f".python-{uuid.uuid4().hex[:8]}"
    # world-readable whatever the team server's umask: every runner uid uses it
    subprocess.run(
        [base, "-m", "venv", "--without-pip", str(tmp)],
        check=True,
        capture_output=True,
        timeout=120,
        umask=0o022,
    )
    pth = _site_packages(tmp) / PTH
    fd = os.open(pth, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w") as f:
        f.write(lines)
    os.chmod(pth, 0o644)
    if target.exists():
        shutil.rmtree(target)
    os.rename(tmp, target)
    return str(target / "bin" / "python")
