"""Hand-tracked runs from a notebook appear in the team's listings like any other run."""

from __future__ import annotations

import json
import uuid

import pytest

from jupyter_grid_collab import track


def test_tracked_run_is_visible_to_the_team_with_metrics_and_files(sqlite_server, tmp_path):
    alice = sqlite_server.client("alice")
    bob = sqlite_server.client("bob")
    alice.me()
    bob.me()
    name = f"nb-{uuid.uuid4().hex[:6]}"
    # Given alice tracks a run by hand
    run = track.start_run(name, {"lr": 0.01, "optimizer": "adam"}, client=alice)
    track.log_metric("loss", 0.5, step=1)
    track.log_metrics({"loss": 0.25, "acc": 0.9}, step=2)
    track.log_text("switched schedule")
    (tmp_path / "weights.bin").write_bytes(b"\x00\x01")
    track.log_file(tmp_path / "weights.bin", "model/weights.bin")
    # Then while it runs, bob sees it among the team's active runs
    active = bob.list_runs(scope="team", status="active").items
    assert name in [r.name for r in active]
    # When she ends it
    track.end_run()
    got, exps = bob.run(f"alice:{name}")
    assert got.status == "succeeded" and exps[0].params == {"lr": 0.01, "optimizer": "adam"}
    lines = [entry.line for entry in bob.read_logs(f"alice:{name}-exp0")["lines"]]
    assert lines[:1] == ["switched schedule"]  # metrics are records of their own now
    (exp,) = bob.metrics([f"alice:{name}"])
    assert {s.name: (s.step, s.value) for s in exp.series} == {
        "loss": ([1, 2], [0.5, 0.25]),
        "acc": ([2], [0.9]),
    }
    arts = {a.path: a for a in bob.list_artifacts(f"alice:{name}-exp0")}
    assert set(arts) == {"metrics.jsonl", "model/weights.bin"}
    dest = bob.download_artifact(f"alice:{name}-exp0", arts["metrics.jsonl"], tmp_path / "m.jsonl")
    metrics = [json.loads(line) for line in dest.read_text().splitlines()]
    assert [(m["name"], m["value"], m["step"]) for m in metrics] == [
        ("loss", 0.5, 1),
        ("loss", 0.25, 2),
        ("acc", 0.9, 2),
    ]
    assert run.ended


def test_tracked_run_fails_on_exception_and_rejects_grids(sqlite_server):
    alice = sqlite_server.client("alice")
    alice.me()
    name = f"nb-{uuid.uuid4().hex[:6]}"
    with pytest.raises(ZeroDivisionError):
        with track.start_run(name, {"lr": 0.1}, client=alice):
            raise ZeroDivisionError("loss exploded")
    run, exps = alice.run(name)
    assert run.status == "failed" and "ZeroDivisionError" in exps[0].message
    with pytest.raises(ValueError, match="one parameter set"):
        track.start_run(params={"lr": [0.1, 0.2]}, client=alice)
