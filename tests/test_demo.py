"""``grid-collab demo`` end to end: start it, use the seeded team as bob, carol and dave
through the real CLI and the real extension API, Ctrl-C it, and find nothing left running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent
READY = "grid-collab demo is ready"


def start_demo(folder: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRID_", "JUPYTER_"))}
    proc = subprocess.Popen([str(BIN / "grid-collab"), "demo", "--dir", str(folder), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    printed = []
    deadline = time.monotonic() + 300
    for line in proc.stdout:
        printed.append(line)
        if READY in line:
            proc.printed = "".join(printed)
            return proc
        assert time.monotonic() < deadline, "".join(printed)
    raise AssertionError("the demo ended before it was ready:\n" + "".join(printed))


def grid(guide: dict, user: str, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(GRID_URL=guide["team_server"], GRID_API_KEY=guide["users"][user]["api_key"],
               GRID_HOME=str(home / user), COLUMNS="200")
    return subprocess.run([str(BIN / "grid"), *args], env=env, capture_output=True, text=True,
                          timeout=120)


def stop_and_check_nothing_survives(proc: subprocess.Popen, folder: Path) -> None:
    pids = [int(line.split()[0]) for line in (folder / "demo.pids").read_text().splitlines()]
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, rest
    assert "stopped" in rest
    deadline = time.monotonic() + 20
    while True:
        alive = [p for p in pids if Path(f"/proc/{p}").exists()]
        # anything else still running from the demo's folder: kernels, launchers, scripts
        strays = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if str(folder).encode() in cmdline.read_bytes():
                    strays.append(cmdline.parent.name)
            except OSError:
                pass
        if not alive and not strays:
            return
        assert time.monotonic() < deadline, f"still running: {alive} {strays}"
        time.sleep(0.5)


def test_demo_without_labs_as_each_member(tmp_path):
    folder = tmp_path / "demo"
    proc = start_demo(folder, "--no-lab")
    try:
        guide = json.loads((folder / "demo.json").read_text())
        assert oct((folder / "demo.json").stat().st_mode & 0o777) == "0o600"
        for user in ("bob", "carol"):
            out = grid(guide, user, "status", "--global", home=tmp_path).stdout
            assert "long-train" in out and "carol" in out
            out = grid(guide, user, "history", "--global", home=tmp_path).stdout
            assert "mnist-sweep" in out and "lr-too-high" in out and "failed" in out
            out = grid(guide, user, "logs", "alice:mnist-sweep-exp0", home=tmp_path).stdout
            assert "epoch 1: loss" in out and "done: w=" in out
            dest = tmp_path / f"dl-{user}"
            r = grid(guide, user, "artifacts", "alice:mnist-sweep", "--download_dir",
                     str(dest), home=tmp_path)
            assert r.returncode == 0, r.stderr
            got = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.json"))
            assert len(got) == 8 and "mnist-sweep/mnist-sweep-exp0/metrics.json" in got
            out = grid(guide, user, "datastore", "--global", home=tmp_path).stdout
            assert out.count("points") == 2 and "alice" in out
            out = grid(guide, user, "teams", "demo", home=tmp_path).stdout
            for member in ("alice", "bob", "carol"):
                assert member in out
            assert "dave" not in out
        # the failing run says why
        out = grid(guide, "carol", "status", "bob:lr-too-high", home=tmp_path).stdout
        assert "failed (exit 1)" in out
        # dave, outside the team, sees none of it
        for args in (("status", "--global"), ("history", "--global"),
                     ("datastore", "--global")):
            out = grid(guide, "dave", *args, home=tmp_path).stdout
            assert "mnist-sweep" not in out and "points" not in out and "long-train" not in out
        r = grid(guide, "dave", "logs", "alice:mnist-sweep-exp0", home=tmp_path)
        assert r.returncode != 0 and "no experiment alice:mnist-sweep-exp0" in r.stderr
    finally:
        stop_and_check_nothing_survives(proc, folder)


@pytest.mark.timeout(600)
def test_demo_with_live_sessions(tmp_path):
    folder = tmp_path / "demo"
    proc = start_demo(folder)
    try:
        guide = json.loads((folder / "demo.json").read_text())
        assert "open JupyterLab: http://127.0.0.1:" in proc.printed
        out = grid(guide, "carol", "session", "--global", home=tmp_path).stdout
        assert "alice-lab" in out and "bob-lab" in out and "running" in out
        assert "alice-gh (token set)" in out
        # carol cannot delete alice's session: a clear line, nothing changed
        r = grid(guide, "carol", "session", "delete", "alice:alice-lab", home=tmp_path)
        assert r.returncode == 1
        assert 'carol cannot delete alice\'s session "alice-lab"' in r.stderr
        assert "alice-lab" in grid(guide, "bob", "session", "--global", home=tmp_path).stdout
        # bob's JupyterLab answers with the team's data through the extension
        lab = guide["users"]["bob"]["lab"]
        base, token = lab.split("lab?token=")
        with httpx.Client(base_url=base, headers={"Authorization": f"token {token}"}) as c:
            ctx = c.get("grid-collab/api/context").json()
            assert ctx["user"] == {"username": "bob", "visitor": False}
            names = [s["name"] for s in c.get("grid-collab/api/sessions",
                                              params={"scope": "team"}).json()["items"]]
            assert {"alice-lab", "bob-lab"} <= set(names)
            run = c.get("grid-collab/api/runs/alice/mnist-sweep").json()
            assert run["counts"]["succeeded"] == 4
        # dave sees no session
        assert "alice-lab" not in grid(guide, "dave", "session", "--global",
                                       home=tmp_path).stdout
    finally:
        stop_and_check_nothing_survives(proc, folder)
