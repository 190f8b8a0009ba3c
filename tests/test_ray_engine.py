"""The Ray engine against a real single-node Ray cluster on loopback: experiments become Ray
jobs, stop maps to stopping the job, and a job that dies is failed with Ray's reason."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import httpx
import pytest
from teamserver_harness import TeamServerProcess, free_port
from test_cli import grid, ok
from test_executor import TRAIN, wait_run, wait_status

from jupyter_grid_collab.submit import submit_run

RAY = shutil.which("ray", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(
    RAY is None and not os.environ.get("CI"), reason="ray is not installed (CI installs it)"
)

SUICIDE = textwrap.dedent("""
    import os, signal, time
    print("launcher pid", os.getppid(), flush=True)
    time.sleep(120)
""")


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ray")
    dash, gcs = free_port(), free_port()
    env = dict(
        os.environ,
        RAY_USAGE_STATS_ENABLED="0",
        RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0",
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        # as if started from the shell of an admin who configures team servers too
        GRID_COLLAB_NODE_SETTING="set-where-ray-started",
    )
    subprocess.run(
        [
            RAY,
            "start",
            "--head",
            "--node-ip-address=127.0.0.1",
            f"--port={gcs}",
            "--dashboard-host=127.0.0.1",
            f"--dashboard-port={dash}",
            "--num-cpus=2",
            "--include-dashboard=true",
            "--disable-usage-stats",
            f"--temp-dir={tmp / 'r'}",
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    address = f"http://127.0.0.1:{dash}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{address}/api/jobs/", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    yield address
    subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def ray_team(ray_cluster, tmp_path_factory):
    server = TeamServerProcess(
        tmp_path_factory.mktemp("ray-team") / "team",
        extra_args=["--executor", "ray", "--ray-address", ray_cluster, "--max-parallel", "2"],
        extra_env={
            "GRID_COLLAB_SERVER_SETTING": "team-server-only",
            "GRID_API_KEY": "gck_the_team_servers_own",
        },
    )
    server.seed()
    server.start()
    yield server
    server.stop()


def test_experiments_run_as_ray_jobs(ray_team, ray_cluster, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "train.py").write_text(TRAIN)
    name = f"ray-{uuid.uuid4().hex[:6]}"
    # launched the way a user does: grid run, over a 2x2 grid
    ok(
        grid(
            ray_team,
            "alice",
            "run",
            "--name",
            name,
            str(tmp_path / "p" / "train.py"),
            "--lr",
            "[0.1, 0.2]",
            "--layers",
            "[2, 4]",
        )
    )
    with ray_team.client("alice") as alice:
        alice.me()
        run, exps = wait_run(alice, name, timeout=180)
        assert run.status == "succeeded", [e.message for e in exps]
        lines = [x.line for x in alice.read_logs(f"{name}-exp3")["lines"]]
        assert any(line.startswith("start lr=0.2 layers=4") for line in lines)
        assert "model.txt" in [a.path for a in alice.list_artifacts(f"{name}-exp1")]
    jobs = httpx.get(f"{ray_cluster}/api/jobs/").json()
    assert (
        sum(
            1 for j in jobs if (j.get("metadata") or {}).get("grid_experiment", "").startswith(name)
        )
        == 4
    )


def test_stop_stops_the_ray_job_and_a_dead_job_is_failed(ray_team, ray_cluster, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "long.py").write_text(SUICIDE)
    with ray_team.client("alice") as alice:
        alice.me()
        stopped = f"stop-{uuid.uuid4().hex[:6]}"
        submit_run(alice, tmp_path / "p" / "long.py", [], name=stopped)
        wait_status(alice, f"{stopped}-exp0", "running", timeout=60)
        alice.stop_run(stopped)
        deadline = time.monotonic() + 60
        while True:
            jobs = [
                j
                for j in httpx.get(f"{ray_cluster}/api/jobs/").json()
                if (j.get("metadata") or {}).get("grid_experiment") == f"{stopped}-exp0"
            ]
            if jobs and jobs[0]["status"] in ("STOPPED", "FAILED", "SUCCEEDED"):
                break
            assert time.monotonic() < deadline, "the Ray job was never stopped"
            time.sleep(0.5)
        assert alice.experiment(f"{stopped}-exp0").status == "cancelled"
        # a job that dies under Ray (its launcher killed) is failed, never left running
        dead = f"dead-{uuid.uuid4().hex[:6]}"
        submit_run(alice, tmp_path / "p" / "long.py", [], name=dead)
        wait_status(alice, f"{dead}-exp0", "running", timeout=60)
        pid, deadline = None, time.monotonic() + 30
        while pid is None:
            assert time.monotonic() < deadline, "the script never printed its launcher's pid"
            for entry in alice.read_logs(f"{dead}-exp0")["lines"]:
                if entry.line.startswith("launcher pid"):
                    pid = int(entry.line.split()[-1])
            time.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        exp = wait_status(alice, f"{dead}-exp0", "failed", timeout=60)
        assert "Ray job failed" in exp.message


ENV_PROBE = textwrap.dedent("""
    import os
    mine = sorted(k for k in os.environ if k.startswith("GRID_"))
    with open(f"/proc/{os.getppid()}/environ", "rb") as f:  # the launcher: the Ray job
        job = sorted(e.split(b"=", 1)[0].decode() for e in f.read().split(b"\\0") if e)
    print("script:", " ".join(mine), flush=True)
    print("job:", " ".join(k for k in job if k.startswith("GRID_")), flush=True)
""")


def test_a_ray_job_gets_its_scoped_token_and_nothing_of_the_servers(ray_team, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "env.py").write_text(ENV_PROBE)
    with ray_team.client("alice") as alice:
        alice.me()
        name = f"env-{uuid.uuid4().hex[:6]}"
        submit_run(alice, tmp_path / "p" / "env.py", [], name=name)
        run, exps = wait_run(alice, name, timeout=180)
        assert run.status == "succeeded", [e.message for e in exps]
        lines = {
            x.line.split(":")[0]: x.line.split()[1:]
            for x in alice.read_logs(f"{name}-exp0")["lines"]
            if ":" in x.line
        }
    # the job (the launcher) holds its experiment's token and none of the team server's
    # settings or keys
    assert "GRID_EXPERIMENT_TOKEN" in lines["job"]
    assert not {"GRID_COLLAB_SERVER_SETTING", "GRID_API_KEY"} & set(lines["job"])
    # the script not even the token, nor a setting the Ray node itself was started with
    assert "GRID_EXPERIMENT_TOKEN" not in lines["script"]
    assert not [k for k in lines["script"] if k.startswith(("GRID_COLLAB_", "GRID_API_KEY"))]
    assert "GRID_RUN_NAME" in lines["script"]
