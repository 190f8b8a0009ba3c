"""``grid-collab demo`` end to end: start it, use the seeded team as bob, carol and dave
through the real CLI and the real extension API, Ctrl-C it, and find nothing left running."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import nbformat
import pytest
from kernel_messages import execute
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

BIN = Path(sys.executable).parent
READY = "grid-collab demo is ready"


def start_demo(folder: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRID_", "JUPYTER_"))}
    proc = subprocess.Popen(
        [str(BIN / "grid-collab"), "demo", "--dir", str(folder), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    printed = []
    deadline = time.monotonic() + 300
    for line in proc.stdout:
        printed.append(line)
        if READY in line:
            proc.printed = "".join(printed)
            return proc
        assert time.monotonic() < deadline, "".join(printed)
    raise AssertionError("the demo ended before it was ready:\n" + "".join(printed))


def printed_guide(proc: subprocess.Popen, folder: Path) -> dict:
    """The URLs and keys as the demo printed them for a person to paste; demo.json agrees."""
    guide: dict = {"users": {}}
    user = None
    for line in proc.printed.splitlines():
        if line.startswith("== "):
            user = line.split()[1]
            guide["users"][user] = {"lab": None}
        elif line.strip().startswith("export GRID_URL="):
            url, key = (part.split("=", 1)[1] for part in line.split()[1:3])
            guide["team_server"] = url
            guide["users"][user]["api_key"] = key
        elif line.strip().startswith("open JupyterLab: "):
            guide["users"][user]["lab"] = line.split(": ", 1)[1].strip()
    assert set(guide["users"]) == {"alice", "bob", "carol", "dave"}, proc.printed
    saved = json.loads((folder / "demo.json").read_text())
    assert saved["team_server"] == guide["team_server"]
    for user, info in guide["users"].items():
        assert saved["users"][user]["api_key"] == info["api_key"]
        assert saved["users"][user]["lab"] == info["lab"]
    return guide


def grid(guide: dict, user: str, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(
        GRID_URL=guide["team_server"],
        GRID_API_KEY=guide["users"][user]["api_key"],
        GRID_HOME=str(home / user),
        COLUMNS="200",
    )
    return subprocess.run(
        [str(BIN / "grid"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def started_from(folder: Path) -> list[str]:
    """Processes that name the demo's folder (or its runs' folder, which ``runs`` links to)
    in their command line, working directory or environment: the experiment launchers and
    scripts run from it, kernels and labs use it."""
    roots = [str(folder), os.path.realpath(folder / "runs")]
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if Path(f"/proc/{proc.name}/stat").read_text().split(")")[-1].split()[0] == "Z":
                continue  # already dead, waiting for its parent to reap it
            cwd = os.readlink(proc / "cwd")
            cmdline, environ = (proc / "cmdline").read_bytes(), (proc / "environ").read_bytes()
            if any(
                root.encode() in cmdline or cwd.startswith(root) or root.encode() in environ
                for root in roots
            ):
                found.append(f"{proc.name}: {cmdline[:120]!r}")
        except OSError:
            pass  # gone meanwhile, or not ours to read
    return found


def stop_and_check_nothing_survives(proc: subprocess.Popen, folder: Path) -> None:
    pids = [int(line.split()[0]) for line in (folder / "demo.pids").read_text().splitlines()]
    # the scan below sees what runs from the folder: carol's live experiment, for one
    running = started_from(folder)
    assert any("jupyter_grid_collab.launcher" in p for p in running), running
    assert any("train.py" in p for p in running), running
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, rest
    assert "stopped" in rest
    deadline = time.monotonic() + 20
    while True:
        alive = [p for p in pids if Path(f"/proc/{p}").exists()]
        # anything else still running from the demo's folder: kernels, launchers, scripts
        strays = started_from(folder)
        if not alive and not strays:
            # the runs' folder lives in /tmp (runner uids pass through it), not under tmp_path
            shutil.rmtree(os.path.realpath(folder / "runs"), ignore_errors=True)
            return
        assert time.monotonic() < deadline, f"still running: {alive} {strays}"
        time.sleep(0.5)


def run_notebook(lab: str, notebook: Path) -> list[str]:
    """Run every code cell of ``notebook`` in a new kernel of the JupyterLab at ``lab`` (the
    URL the demo printed), one after the other as Run All Cells does: the kernel is the
    session's, with its credential and its datastore mounts. Each cell's output; a cell
    that raises fails the test with its traceback."""
    base, token = lab.split("lab?token=")
    headers = {"Authorization": f"token {token}"}
    started = httpx.post(
        f"{base}api/kernels", json={"name": "python3"}, headers=headers, timeout=60
    )
    assert started.status_code == 201, started.text
    kernel = started.json()["id"]
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    try:
        return asyncio.run(_run_cells(base, token, kernel, cells))
    finally:
        httpx.delete(f"{base}api/kernels/{kernel}", headers=headers, timeout=30)


async def _run_cells(base: str, token: str, kernel: str, cells: list[str]) -> list[str]:
    url = base.replace("http://", "ws://", 1) + f"api/kernels/{kernel}/channels"
    conn = await websocket_connect(
        HTTPRequest(url, headers={"Authorization": f"token {token}"}, connect_timeout=30)
    )
    session = uuid.uuid4().hex
    outputs = []
    try:
        for code in cells:
            done = await execute(conn, code, session)
            if done.error is not None:
                raise AssertionError(f"the cell\n{code}\nraised:\n{done.error}")
            outputs.append(done.output)
    finally:
        conn.close()
    return outputs


def test_demo_without_labs_as_each_member(tmp_path):
    folder = tmp_path / "demo"
    proc = start_demo(folder, "--no-lab")
    try:
        guide = printed_guide(proc, folder)
        assert oct((folder / "demo.json").stat().st_mode & 0o777) == "0o600"
        for user in ("bob", "carol"):
            out = grid(guide, user, "status", "--global", home=tmp_path).stdout
            assert "long-train" in out and "carol" in out
            out = grid(guide, user, "history", "--global", home=tmp_path).stdout
            assert "mnist-sweep" in out and "lr-too-high" in out and "failed" in out
            out = grid(guide, user, "logs", "alice:mnist-sweep-exp0", home=tmp_path).stdout
            assert "epoch 1: loss" in out and "done: w=" in out
            dest = tmp_path / f"dl-{user}"
            r = grid(
                guide,
                user,
                "artifacts",
                "alice:mnist-sweep",
                "--download_dir",
                str(dest),
                home=tmp_path,
            )
            assert r.returncode == 0, r.stderr
            got = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.json"))
            assert len(got) == 8 and "alice/mnist-sweep/mnist-sweep-exp0/metrics.json" in got
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
        for args in (("status", "--global"), ("history", "--global"), ("datastore", "--global")):
            out = grid(guide, "dave", *args, home=tmp_path).stdout
            assert "mnist-sweep" not in out and "points" not in out and "long-train" not in out
        r = grid(guide, "dave", "logs", "alice:mnist-sweep-exp0", home=tmp_path)
        assert r.returncode != 0 and "no user 'alice' in your teams" in r.stderr
    finally:
        stop_and_check_nothing_survives(proc, folder)


@pytest.mark.timeout(600)
def test_demo_with_live_sessions(tmp_path):
    folder = tmp_path / "demo"
    proc = start_demo(folder)
    try:
        guide = printed_guide(proc, folder)
        assert guide["users"]["alice"]["lab"] and guide["users"]["bob"]["lab"]
        assert guide["users"]["carol"]["lab"] is None
        # each lab opens on a README and a notebook of real work, which runs in its kernel
        seeded = {"alice": "points-and-sweep.ipynb", "bob": "why-lr-too-high-failed.ipynb"}
        for user, notebook in seeded.items():
            base, token = guide["users"][user]["lab"].split("lab?token=")
            listed = httpx.get(
                f"{base}api/contents", headers={"Authorization": f"token {token}"}, timeout=30
            ).json()["content"]
            assert {"README.md", notebook} <= {item["name"] for item in listed}
            assert notebook in (folder / "home" / user / "README.md").read_text()
            nbformat.validate(nbformat.read(folder / "home" / user / notebook, as_version=4))
        alice_out = "\n".join(
            run_notebook(
                guide["users"]["alice"]["lab"], folder / "home/alice/points-and-sweep.ipynb"
            )
        )
        assert f"400 points, mounted read-only at {folder / 'datastores' / 'points'}" in alice_out
        assert "best line: y = 2.99" in alice_out  # the datastore's y = 3x + 1 plus noise
        assert "run alice:mnist-sweep: succeeded, 4 experiments" in alice_out
        for index in range(4):
            assert re.search(rf"mnist-sweep-exp{index} .* \d+\.\d{{4}}  [▁-█]{{4,8}}", alice_out)
        assert "lowest: mnist-sweep-exp3" in alice_out
        bob_out = "\n".join(
            run_notebook(
                guide["users"]["bob"]["lab"], folder / "home/bob/why-lr-too-high-failed.ipynb"
            )
        )
        assert "lr-too-high-exp0: failed (exit 1)" in bob_out
        assert "data: alice:points@1" in bob_out
        assert "loss diverged at epoch 3: lower the learning rate" in bob_out
        assert "200 points, mounted read-only at" in bob_out
        assert "run it again with lr 0.5: grid clone lr-too-high --lr 0.5" in bob_out
        # a kernel in alice's lab: it runs in a session of its own, and must stop too
        alice_base, alice_token = guide["users"]["alice"]["lab"].split("lab?token=")
        r = httpx.post(
            f"{alice_base}api/kernels",
            json={"name": "python3"},
            headers={"Authorization": f"token {alice_token}"},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        for user in ("bob", "carol"):
            out = grid(guide, user, "session", "--global", home=tmp_path).stdout
            assert "alice-lab" in out and "bob-lab" in out and "running" in out
            assert "alice-gh (token set)" in out and "bob-gh (no token)" in out
        # carol cannot delete alice's session: a clear line, nothing changed
        r = grid(guide, "carol", "session", "delete", "alice:alice-lab", home=tmp_path)
        assert r.returncode == 1
        assert 'carol cannot delete alice\'s session "alice-lab"' in r.stderr
        assert "alice-lab" in grid(guide, "bob", "session", "--global", home=tmp_path).stdout
        # bob's JupyterLab answers with the team's data through the extension
        base, token = guide["users"]["bob"]["lab"].split("lab?token=")
        with httpx.Client(
            base_url=f"{base}grid-collab/api/",
            timeout=30,
            headers={"Authorization": f"token {token}"},
        ) as c:
            ctx = c.get("context").json()
            assert ctx["user"] == {"username": "bob", "visitor": False}
            assert ctx["github"]["login"] == "bob-gh"
            names = [s["name"] for s in c.get("sessions", params={"scope": "team"}).json()["items"]]
            assert {"alice-lab", "bob-lab"} <= set(names)
            run = c.get("runs/alice/mnist-sweep").json()
            assert run["counts"]["succeeded"] == 4
            arts = c.get("runs/alice/mnist-sweep/artifacts").json()["items"]
            assert sorted({a["path"] for a in arts}) == ["metrics.json", "model.json"]
            assert len(arts) == 8
            logs = c.get("experiments/alice/mnist-sweep-exp0/logs").json()["lines"]
            assert any(line["line"].startswith("epoch 1: loss") for line in logs)
            stores = c.get("datastores", params={"scope": "team"}).json()["items"]
            assert sorted(d["reference"] for d in stores) == ["alice:points@1", "alice:points@2"]
            team = c.get("teams/demo").json()
            assert {m["username"]: m["role"] for m in team["members"]} == {
                "alice": "owner",
                "bob": "admin",
                "carol": "user",
            }
        # carol visits bob's lab: through its extension she acts as herself, and still
        # cannot delete alice's session
        carol_key = guide["users"]["carol"]["api_key"]
        opened = httpx.post(
            f"{guide['team_server']}/api/v1/sessions/bob/bob-lab/open",
            headers={"Authorization": f"token {carol_key}"},
            timeout=30,
        ).json()
        with httpx.Client(timeout=30) as browser:
            landing = browser.get(opened["url"])  # the ticket logs her in, then /lab
            assert landing.status_code == 302 and landing.headers["location"].endswith("lab")
            ctx = browser.get(f"{base}grid-collab/api/context").json()
            assert ctx["user"] == {"username": "carol", "visitor": True}
            assert "bob's GitHub identity (bob-gh)" in ctx["banner"]
            r = browser.delete(
                f"{base}grid-collab/api/sessions/alice/alice-lab",
                headers={"X-XSRFToken": browser.cookies.get("_xsrf", "")},
            )
            assert r.status_code == 403
            # (a visit lets bob's server only read, download and attach for her)
            assert r.json()["message"].startswith("carol is visiting bob:bob-lab")
        assert "alice-lab" in grid(guide, "carol", "session", "--global", home=tmp_path).stdout
        # dave sees no session and no team demo
        assert "No sessions." in grid(guide, "dave", "session", "--global", home=tmp_path).stdout
        r = grid(guide, "dave", "teams", "demo", home=tmp_path)
        assert r.returncode == 1 and "no team 'demo'" in r.stderr
    finally:
        stop_and_check_nothing_survives(proc, folder)


def test_seeding_a_home_takes_the_readme_and_notebooks_only(tmp_path, monkeypatch):
    # Given alice's seed folder as an install leaves it: compiled byte code beside the
    # notebooks' sources
    from jupyter_grid_collab.demo import notebooks

    source = tmp_path / "homes" / "alice"
    (source / "__pycache__").mkdir(parents=True)
    (source / "__pycache__" / "work.cpython-311.pyc").write_bytes(b"\x00")
    (source / "README.md").write_text("# alice's session\n")
    (source / "work.py").write_text("# %%\nprint('hi')\n")
    (source / "notes.pyc").write_bytes(b"\x00")
    monkeypatch.setattr(notebooks, "HOMES", tmp_path / "homes")
    home = tmp_path / "home"
    home.mkdir()
    # When her home is seeded
    written = notebooks.seed_home(home, "alice")
    # Then it holds her README and the notebook, nothing else
    assert sorted(p.name for p in written) == ["README.md", "work.ipynb"]
    assert sorted(p.name for p in home.iterdir()) == ["README.md", "work.ipynb"]
