"""``grid run`` and ``grid clone`` from the terminal, against a team server that executes."""

from __future__ import annotations

import json
import textwrap
import uuid
from pathlib import Path

from test_cli import grid, ok, refused
from test_executor import TRAIN, wait_run


def test_grid_run_expands_the_grid_and_teammates_follow_and_clone(exec_server, tmp_path):
    (tmp_path / "proj").mkdir()
    script = tmp_path / "proj" / "train.py"
    script.write_text(TRAIN)
    name = f"cli-{uuid.uuid4().hex[:6]}"
    # alice launches a 2x2 grid the way Grid users typed it
    out = ok(
        grid(
            exec_server,
            "alice",
            "run",
            "--name",
            name,
            str(script),
            "--lr",
            "[0.001, 0.01]",
            "--layers",
            "[2, 4]",
        )
    )
    assert f"started run alice:{name} with 4 experiment(s)" in out
    assert f"{name}-exp3" in out and "--lr 0.01 --layers 4" in out
    with exec_server.client("alice") as alice:
        alice.me()
        run, _ = wait_run(alice, name)
    assert run.status == "succeeded"
    # bob sees it, reads the first experiment's logs by the bare run name, and clones it
    status = json.loads(ok(grid(exec_server, "bob", "status", f"alice:{name}", "-o", "json")))
    assert len(status["experiments"]) == 4
    logs = ok(grid(exec_server, "bob", "logs", f"alice:{name}"))
    assert "start lr=0.001 layers=2" in logs

    clone = f"{name}-bob"
    out = ok(grid(exec_server, "bob", "clone", f"alice:{name}", "--name", clone, "--layers", "8"))
    assert f"into bob:{clone}" in out
    with exec_server.client("bob") as bob:
        bob.me()
        run, exps = wait_run(bob, clone)
    assert run.cloned_from == f"alice:{name}"
    assert sorted(e.params["layers"] for e in exps) == [8, 8]
    # bad input: a malformed grid is one clear line
    line = refused(grid(exec_server, "alice", "run", str(script), "--lr", "[0.1,"))
    assert "cannot read" in line and "list of values" in line
    line = refused(
        grid(
            exec_server,
            "alice",
            "run",
            "--strategy",
            "random_search",
            str(script),
            "--lr",
            "[1, 2]",
        )
    )
    assert "num_trials" in line


# Prints a line, then holds the experiment running until the test creates the file it names:
# whether the follower saw the first line while the run was going cannot depend on timing.
GATED = textwrap.dedent("""
    import os, pathlib, time
    gate = pathlib.Path(os.environ["GRID_ARTIFACTS_DIR"]) / "go"
    print(f"waiting for {gate}", flush=True)
    while not gate.exists():
        time.sleep(0.05)
    print("done", flush=True)
""")


def test_grid_logs_follows_a_live_experiment_and_grid_stop_kills_it(exec_server, tmp_path):
    import os
    import subprocess
    import threading
    import time

    from test_cli import GRID

    (tmp_path / "proj").mkdir()
    script = tmp_path / "proj" / "train.py"
    script.write_text(TRAIN)
    (tmp_path / "proj" / "gated.py").write_text(GATED)
    live, doomed = f"live-{uuid.uuid4().hex[:6]}", f"doomed-{uuid.uuid4().hex[:6]}"
    ok(grid(exec_server, "alice", "run", "--name", live, str(tmp_path / "proj" / "gated.py")))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(
        GRID_URL=exec_server.url,
        GRID_API_KEY=exec_server.keys["bob"],
        GRID_HOME=os.environ["GRID_HOME"],
    )
    # bob follows alice's running experiment: a line arrives while it runs (it cannot end
    # before the test opens its gate), and the command ends by itself when the experiment does
    follower = subprocess.Popen(
        [GRID, "logs", f"alice:{live}-exp0", "--follow"], env=env, stdout=subprocess.PIPE, text=True
    )
    # a follower that never shows the line fails the test instead of hanging it
    watchdog = threading.Timer(120, follower.kill)
    watchdog.start()
    with exec_server.client("alice") as alice:
        alice.me()
        for line in follower.stdout:  # line by line, as a person watching would see them
            if line.startswith("waiting for "):
                break
        else:
            raise AssertionError("the follower ended before the script's first line")
        assert alice.experiment(f"{live}-exp0").status == "running"
        Path(line.removeprefix("waiting for ").strip()).touch()
        rest = follower.stdout.read()
        assert follower.wait(timeout=60) == 0
        watchdog.cancel()
        assert "done" in rest.splitlines()
        assert alice.experiment(f"{live}-exp0").status == "succeeded"
        # grid stop cancels a running experiment and its process is gone
        ok(grid(exec_server, "alice", "run", "--name", doomed, str(script), "--sleep", "60"))
        deadline = time.monotonic() + 30
        while alice.experiment(f"{doomed}-exp0").status != "running":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        pid_file = (
            exec_server.work_root / "vision" / "alice" / f"{doomed}-exp0" / "artifacts" / "pid"
        )
        while not pid_file.exists():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        pid = int(pid_file.read_text())
        line = refused(grid(exec_server, "bob", "stop", "run", f"alice:{doomed}"))
        assert "bob cannot stop alice's run" in line
        ok(grid(exec_server, "alice", "stop", "run", doomed))
        while os.path.exists(f"/proc/{pid}"):
            assert time.monotonic() < deadline + 30, "the stopped script is still running"
            time.sleep(0.2)
        assert alice.experiment(f"{doomed}-exp0").status == "cancelled"


def test_grid_logs_piped_into_head_ends_quietly(exec_server):
    """More log than a pipe holds, read by `head -1`, which leaves early: grid gets EPIPE and
    must end without an error line or a traceback."""
    import os
    import subprocess

    from test_cli import GRID

    from jupyter_grid_collab import track

    with exec_server.client("alice") as alice:
        alice.me()
        run = track.start_run(f"chatty-{uuid.uuid4().hex[:6]}", client=alice)
        for chunk in range(5):
            run.log_text("\n".join(f"line {chunk}-{i} " + "x" * 60 for i in range(1000)))
        run.end()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(GRID_URL=exec_server.url, GRID_API_KEY=exec_server.keys["bob"])
    piped = subprocess.run(
        f"{GRID} logs alice:{run.name}-exp0 | head -1",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert piped.stdout.startswith("line 0-0 ") and piped.stdout.count("\n") == 1
    assert piped.stderr == ""
