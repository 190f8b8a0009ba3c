"""Runs that really run: the local executor, the launcher, logs, artifacts, stop, clone."""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
import uuid

import pytest

from jupyter_grid_collab.client import GridClient, NotFound, PermissionDenied, Unauthorized
from jupyter_grid_collab.submit import submit_run

TRAIN = textwrap.dedent("""
    import argparse, os, pathlib, signal, sys, time
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--sleep", type=float, default=0)
    p.add_argument("--ignore-term", action="store_true")
    p.add_argument("--fail", action="store_true")
    a = p.parse_args()
    if a.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    out = pathlib.Path(os.environ["GRID_ARTIFACTS_DIR"])
    (out / "pid").write_text(str(os.getpid()))
    print(f"start lr={a.lr} layers={a.layers} run={os.environ['GRID_RUN_NAME']} "
          f"exp={os.environ['GRID_EXPERIMENT_NAME']}", flush=True)
    print("token visible:", "GRID_EXPERIMENT_TOKEN" in os.environ, flush=True)
    ds = os.environ.get("GRID_DATASTORE_DIR")
    if ds:
        print("datastore:", ds, sorted(os.listdir(ds)), flush=True)
    (out / "model.txt").write_text(f"lr={a.lr} layers={a.layers}\\n")
    (out / "eval").mkdir()
    (out / "eval" / "metrics.json").write_text('{"acc": 0.5}')
    for i in range(int(a.sleep * 10)):
        if i % 10 == 0:
            print(f"tick {i // 10}", flush=True)
        time.sleep(0.1)
    if a.fail:
        print("diverged: loss is nan", file=sys.stderr, flush=True)
        sys.exit(3)
    print("done", flush=True)
""")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "train.py").write_text(TRAIN)
    (tmp_path / "proj" / ".gitignore").write_text("*.ckpt\n")
    (tmp_path / "proj" / "huge.ckpt").write_bytes(b"x" * 1000)
    return tmp_path / "proj" / "train.py"


def client(server, user) -> GridClient:
    c = server.client(user)
    c.me()
    return c


def wait_run(c: GridClient, ref: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run, exps = c.run(ref)
        if run.status not in ("pending", "running"):
            return run, exps
        time.sleep(0.2)
    raise AssertionError(f"run {ref} still {run.status} after {timeout}s")


def wait_status(c: GridClient, ref: str, status: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exp = c.experiment(ref)
        if exp.status == status:
            return exp
        time.sleep(0.1)
    raise AssertionError(f"{ref} is {exp.status}, never {status}")


def log_text(c: GridClient, ref: str) -> list[str]:
    return [line.line for line in c.read_logs(ref, limit=10000)["lines"]]


def test_grid_of_four_runs_and_teammate_downloads_artifacts(exec_server, project, tmp_path):
    alice, bob = client(exec_server, "alice"), client(exec_server, "bob")
    name = f"grid-{uuid.uuid4().hex[:6]}"
    # When alice launches a 2x2 grid
    run, exps = submit_run(
        alice, project, ["--lr", "[0.001, 0.01]", "--layers", "[2, 4]"], name=name
    )
    assert [e.name for e in exps] == [f"{name}-exp{i}" for i in range(4)]
    run, exps = wait_run(alice, name)
    # Then each experiment ran its own combination as ordinary arguments
    assert run.status == "succeeded" and run.counts["succeeded"] == 4
    seen = {
        tuple(line.split()[1:3])
        for e in exps
        for line in log_text(bob, f"alice:{e.name}")
        if line.startswith("start")
    }
    assert seen == {
        ("lr=0.001", "layers=2"),
        ("lr=0.001", "layers=4"),
        ("lr=0.01", "layers=2"),
        ("lr=0.01", "layers=4"),
    }
    # the script never sees a credential
    assert "token visible: False" in log_text(bob, f"alice:{name}-exp0")
    # and bob downloads alice's artifacts, nested paths included, byte for byte
    arts = bob.list_artifacts(f"alice:{name}-exp1")
    assert sorted(a.path for a in arts) == ["eval/metrics.json", "model.txt", "pid"]
    model = next(a for a in arts if a.path == "model.txt")
    dest = bob.download_artifact(f"alice:{name}-exp1", model, tmp_path / "m.txt")
    assert dest.read_text() == "lr=0.001 layers=4\n"
    assert len(bob.list_artifacts(f"alice:{name}")) == 12


def test_source_snapshot_honours_gitignore(exec_server, project, tmp_path):
    alice = client(exec_server, "alice")
    name = f"src-{uuid.uuid4().hex[:6]}"
    submit_run(alice, project, [], name=name)
    wait_run(alice, name)
    r = alice._http.get(f"/runs/alice/{name}/source")
    (tmp_path / "s.tgz").write_bytes(r.content)
    listing = subprocess.run(
        ["tar", "tzf", str(tmp_path / "s.tgz")], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "train.py" in listing and ".gitignore" in listing
    assert "huge.ckpt" not in listing


def test_failure_reports_exit_code_and_last_lines(exec_server, project):
    alice = client(exec_server, "alice")
    name = f"fail-{uuid.uuid4().hex[:6]}"
    submit_run(alice, project, ["--fail"], name=name)
    run, exps = wait_run(alice, name)
    assert run.status == "failed"
    exp = exps[0]
    assert exp.status == "failed" and exp.exit_code == 3
    assert "exit code 3" in exp.message and "diverged: loss is nan" in exp.message
    # artifacts are kept on failure too
    assert "model.txt" in [a.path for a in alice.list_artifacts(f"{name}-exp0")]


def test_follow_sees_lines_while_running_then_stop_kills(exec_server, project):
    alice, bob = client(exec_server, "alice"), client(exec_server, "bob")
    name = f"long-{uuid.uuid4().hex[:6]}"
    submit_run(alice, project, ["--sleep", "60", "--ignore-term"], name=name)
    ref = f"alice:{name}-exp0"
    wait_status(bob, ref, "running")
    # a follower gets lines while the script is still running
    offset, got = 0, []
    while not any(line.startswith("tick 1") for line in got):
        page = bob.read_logs(ref, offset=offset, wait=10)
        got += [line.line for line in page["lines"]]
        offset = page["next_offset"]
        assert not page["finished"]
    assert bob.experiment(ref).status == "running"
    # bob may not stop it
    with pytest.raises(PermissionDenied, match="only its creator or a team admin"):
        bob.stop_run(f"alice:{name}")
    # the pid is uploaded only at the end: read it from the experiment's work dir
    pid_file = exec_server.work_root / "vision" / "alice" / f"{name}-exp0" / "artifacts" / "pid"
    assert pid_file.exists(), "the script started, so its pid file must exist"
    pid = int(pid_file.read_text())
    # alice stops it: SIGTERM is ignored by this script, so SIGKILL follows after the grace
    run, _ = alice.stop_run(name)
    assert run.counts["cancelled"] == 1
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the stopped experiment's process is still alive")
    assert alice.experiment(f"{name}-exp0").status == "cancelled"


def test_datastore_is_mounted_read_only(exec_server, project, tmp_path):
    alice, carol = client(exec_server, "alice"), client(exec_server, "carol")
    data = tmp_path / "data"
    (data / "train").mkdir(parents=True)
    (data / "train" / "x.csv").write_text("1,2\n")
    (data / "labels.txt").write_text("cat\n")
    ds_name = f"ds-{uuid.uuid4().hex[:6]}"
    alice.upload_datastore(ds_name, data)
    # carol attaches alice's datastore to her own run
    name = f"ds-run-{uuid.uuid4().hex[:6]}"
    run, _ = submit_run(carol, project, [], name=name, datastore=f"alice:{ds_name}")
    assert run.datastore == f"alice:{ds_name}@1"
    run, exps = wait_run(carol, name)
    assert run.status == "succeeded"
    # in the folder of carol's team's runs (isolated runs: one per team)
    mount = exec_server.ds_root / ".team-vision" / ds_name
    lines = log_text(carol, f"{name}-exp0")
    assert any(f"datastore: {mount} ['labels.txt', 'train']" in line for line in lines)
    # the team's runner uid can read the mounted files but not change them
    uid = next(line for line in lines if line.startswith("[grid] running:")).split()[-1][:-1]
    runner = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    target = mount / "train" / "x.csv"
    read = subprocess.run([*runner, "cat", str(target)], capture_output=True, text=True)
    assert read.returncode == 0 and read.stdout == "1,2\n"
    write = subprocess.run(
        [*runner, "sh", "-c", f"echo tamper >> {target}"], capture_output=True, text=True
    )
    assert write.returncode != 0 and "Permission denied" in write.stderr
    create = subprocess.run(
        [*runner, "touch", str(mount / "new.txt")], capture_output=True, text=True
    )
    assert create.returncode != 0
    assert target.read_text() == "1,2\n"


def test_teammate_clones_run_with_overrides(exec_server, project):
    alice, bob = client(exec_server, "alice"), client(exec_server, "bob")
    name = f"orig-{uuid.uuid4().hex[:6]}"
    submit_run(alice, project, ["--lr", "[0.1, 0.2]"], name=name)
    wait_run(alice, name)
    clone, exps = bob.clone(f"alice:{name}", name=f"{name}-b", params={"layers": 8})
    assert clone.owner == "bob" and clone.cloned_from == f"alice:{name}"
    assert len(exps) == 2
    run, exps = wait_run(bob, clone.name)
    assert run.status == "succeeded"
    starts = sorted(
        line for e in exps for line in log_text(bob, e.name) if line.startswith("start")
    )
    assert [s.split()[1:3] for s in starts] == [["lr=0.1", "layers=8"], ["lr=0.2", "layers=8"]]
    # cloning one experiment makes a one-experiment run with that parameter set
    one, exps = bob.clone(f"alice:{name}-exp1")
    assert len(exps) == 1 and exps[0].params == {"lr": 0.2}


def test_launcher_token_is_scoped_to_its_experiment(exec_server, project):
    from jupyter_grid_collab.teamserver.cli import open_store

    alice = client(exec_server, "alice")
    name = f"tok-{uuid.uuid4().hex[:6]}"
    submit_run(alice, project, ["--layers", "[1, 2]"], name=name)
    run, exps = wait_run(alice, name)
    store = open_store(str(exec_server.data_dir), None)
    try:
        token = store.launches.issue_experiment_token(exps[0].id)
    finally:
        store.engine.dispose()
    with GridClient(exec_server.url, token) as launcher:
        launcher._username = "alice"
        # within its grace period it may read its own experiment ...
        assert launcher.experiment(f"{name}-exp0").status == "succeeded"
        # ... but not the other experiment of the same run, nor list anything, nor delete
        with pytest.raises(NotFound):
            launcher.experiment(f"{name}-exp1")
        with pytest.raises(PermissionDenied):
            launcher.list_runs(scope="team")
        with pytest.raises(PermissionDenied):
            launcher.delete_experiment(f"{name}-exp0")
    with GridClient(exec_server.url, "gce_forged") as forged, pytest.raises(Unauthorized):
        forged.me()


def test_usage_is_charged_to_the_team(exec_server, project):
    alice = client(exec_server, "alice")
    before = alice.team("vision").balance
    name = f"cost-{uuid.uuid4().hex[:6]}"
    submit_run(alice, project, ["--sleep", "1"], name=name, instance_type="gpu-a100")
    run, _ = wait_run(alice, name)
    assert run.cost > 0
    assert alice.team("vision").balance < before
    usage = [
        e
        for e in alice.ledger("vision", limit=200)["items"]
        if e["resource"] == f"experiment alice:{name}-exp0"
    ]
    assert usage and usage[0]["amount"] < 0


def test_server_shutdown_stops_its_experiments_and_records_them(tmp_path, project):
    """SIGTERM to the team server: running experiments are stopped while it still answers,
    so they are recorded cancelled (not failed at the next start) and no script survives."""
    from teamserver_harness import TeamServerProcess

    server = TeamServerProcess(tmp_path / "team", extra_args=["--stop-grace", "1"])
    server.seed()
    server.start()
    try:
        alice = client(server, "alice")
        name = f"down-{uuid.uuid4().hex[:6]}"
        submit_run(alice, project, ["--sleep", "60"], name=name)
        wait_status(alice, f"{name}-exp0", "running")
        pid_file = server.work_root / "vision" / "alice" / f"{name}-exp0" / "artifacts" / "pid"
        deadline = time.monotonic() + 30
        while not pid_file.exists():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        pid = int(pid_file.read_text())
        alice.close()
        server.stop()
        assert not os.path.exists(f"/proc/{pid}"), "the script outlived its team server"
        server.start()
        alice = client(server, "alice")
        exp = alice.experiment(f"{name}-exp0")
        assert exp.status == "cancelled", exp.message
        alice.close()
    finally:
        server.stop()


def test_the_datastore_root_falls_back_to_the_home_folder(tmp_path, monkeypatch):
    from jupyter_grid_collab.launcher import default_datastore_root

    # a root that cannot be made (its parent is a file), as /datastores is for most users
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert (
        default_datastore_root(tmp_path / "not-a-folder" / "datastores")
        == tmp_path / "home" / "datastores"
    )
    assert default_datastore_root(tmp_path / "ok") == tmp_path / "ok"
