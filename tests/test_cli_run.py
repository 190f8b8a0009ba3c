"""``grid run`` and ``grid clone`` from the terminal, against a team server that executes."""

from __future__ import annotations

import json
import uuid

from test_cli import grid, ok, refused
from test_executor import TRAIN, wait_run


def test_grid_run_expands_the_grid_and_teammates_follow_and_clone(exec_server, tmp_path):
    (tmp_path / "proj").mkdir()
    script = tmp_path / "proj" / "train.py"
    script.write_text(TRAIN)
    name = f"cli-{uuid.uuid4().hex[:6]}"
    # alice launches a 2x2 grid the way Grid users typed it
    out = ok(grid(exec_server, "alice", "run", "--name", name, str(script),
                  "--lr", "[0.001, 0.01]", "--layers", "[2, 4]"))
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
    out = ok(grid(exec_server, "bob", "clone", f"alice:{name}", "--name", clone,
                  "--layers", "8"))
    assert f"into bob:{clone}" in out
    with exec_server.client("bob") as bob:
        bob.me()
        run, exps = wait_run(bob, clone)
    assert run.cloned_from == f"alice:{name}"
    assert sorted(e.params["layers"] for e in exps) == [8, 8]
    # bad input: a malformed grid is one clear line
    line = refused(grid(exec_server, "alice", "run", str(script), "--lr", "[0.1,"))
    assert "cannot read" in line and "list of values" in line
    line = refused(grid(exec_server, "alice", "run", "--strategy", "random_search",
                        str(script), "--lr", "[1, 2]"))
    assert "num_trials" in line
