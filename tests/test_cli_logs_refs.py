"""``grid logs`` reads its argument once, as Grid's rule says (a name ending in -exp<N> is an
experiment, anything else a run, meaning its experiment 0): a run whose name merely contains
"-exp" is a run, and a name that ends like a malformed experiment is a clear error instead
of a run whose experiment 0 does not exist. The real ``grid`` against a real team server."""

from __future__ import annotations

import uuid

from test_cli import grid


def test_a_run_named_like_explore_shows_its_first_experiments_logs(sqlite_server):
    # Given alice's run "cifar-explore-…" (not an experiment: no -exp<N> at the end)
    run = f"cifar-explore-{uuid.uuid4().hex[:6]}"
    with sqlite_server.client("alice") as alice:
        alice.me()
        alice.create_run("python train.py", {"lr": [0.1, 1.0]}, name=run)
        alice.append_logs(f"{run}-exp0", ["first"])
        alice.append_logs(f"{run}-exp1", ["second"])
    # When bob asks for its logs by the run's name, Then he reads its experiment 0
    shown = grid(sqlite_server, "bob", "logs", f"alice:{run}")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "first\n"


def test_a_malformed_experiment_name_is_an_error_not_a_guess(sqlite_server):
    # Given alice's run x-… whose experiments are x-…-exp0 and x-…-exp1
    run = f"x-{uuid.uuid4().hex[:6]}"
    with sqlite_server.client("alice") as alice:
        alice.me()
        alice.create_run("python train.py", {"lr": [0.1, 1.0]}, name=run)
        alice.append_logs(f"{run}-exp1", ["second"])
    # When bob writes experiment 1 with a leading zero
    result = grid(sqlite_server, "bob", "logs", f"alice:{run}-exp01")
    # Then one line says what is wrong with the name (not "no experiment …-exp01-exp0")
    assert result.returncode != 0 and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"alice:{run}-exp01 is not an experiment name" in lines[0]
    assert "leading zeros" in lines[0] and f"{run}-exp01-exp0" not in lines[0]
