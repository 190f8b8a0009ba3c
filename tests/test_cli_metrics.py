"""`grid metrics`, the real executable against a real team server: two owners' runs of the
same name side by side, sorted, as CSV and JSON, followed while one still runs."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from jupyter_grid_collab.compare import compare

GRID = str(Path(sys.executable).parent / "grid")


def grid(server, user: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(
        GRID_URL=server.url, GRID_API_KEY=server.keys[user], GRID_HOME=os.environ["GRID_HOME"]
    )
    return subprocess.run([GRID, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def sweeps(sqlite_server):
    """alice's sweep of two learning rates and bob's run of the same name (his clone), each
    experiment with a loss curve and an accuracy; bob's diverges."""
    name = f"sweep-{uuid.uuid4().hex[:6]}"
    alice, bob = sqlite_server.client("alice"), sqlite_server.client("bob")
    alice.me(), bob.me()
    curves = {
        ("alice", 0): (0.05, [1.0, 0.6, 0.4, 0.3]),
        ("alice", 1): (0.5, [1.0, 0.3, 0.1, 0.05]),
        ("bob", 0): (50.0, [1.0, 30.0, 900.0, 27000.0]),
    }
    made = set()
    for (owner, idx), (_lr, losses) in curves.items():
        client = alice if owner == "alice" else bob
        if (owner, idx) == ("alice", 0):
            client.create_run("train.py", {"lr": [0.05, 0.5], "epochs": 4}, name=name)
        elif owner == "bob":
            client.create_run("train.py", {"lr": 50.0, "epochs": 4}, name=name, tracked=True)
        made.add(owner)
        points = [{"name": "loss", "value": v, "step": s} for s, v in enumerate(losses)]
        points.append({"name": "acc", "value": 1 / losses[-1], "step": 3})
        client.append_metrics(f"{owner}:{name}-exp{idx}", points)
    yield name, alice, bob
    alice.close()
    bob.close()


def test_two_owners_runs_compared_in_one_table_sorted(sqlite_server, sweeps):
    name, _, _ = sweeps
    out = grid(sqlite_server, "carol", "metrics", f"alice:{name}", f"bob:{name}", "--sort", "loss")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    body = [line for line in lines if name in line]
    # ordered by the last loss: alice's lr=0.5 (0.05), alice's lr=0.05 (0.3), bob's (27000)
    assert [line.split()[1] for line in body] == [
        f"alice:{name}-exp1",
        f"alice:{name}-exp0",
        f"bob:{name}-exp0",
    ]
    header = next(line for line in lines if "Experiment" in line)
    # the param that differs is shown; epochs (4 everywhere) is not
    assert "lr" in header and "epochs" not in header
    assert "loss min" in header and "2.7e+04" in body[-1]
    desc = grid(
        sqlite_server,
        "carol",
        "metrics",
        f"alice:{name}",
        f"bob:{name}",
        "--sort",
        "loss:max",
        "--desc",
    )
    assert [line.split()[1] for line in desc.stdout.splitlines() if name in line][
        0
    ] == f"bob:{name}-exp0"


def test_csv_and_json_for_a_spreadsheet_and_a_script(sqlite_server, sweeps):
    name, _, _ = sweeps
    out = grid(sqlite_server, "bob", "metrics", f"alice:{name}-exp1", f"bob:{name}", "-o", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["experiment"] for r in rows] == [f"alice:{name}-exp1", f"bob:{name}-exp0"]
    assert [float(r["loss"]) for r in rows] == [0.05, 27000.0]
    assert [float(r["lr"]) for r in rows] == [0.5, 50.0]
    out = grid(sqlite_server, "bob", "metrics", f"alice:{name}", "--metric", "acc", "-o", "json")
    data = json.loads(out.stdout)
    assert [d["metrics"]["acc"]["last"] for d in data] == pytest.approx([1 / 0.3, 1 / 0.05])
    assert all(set(d["metrics"]) == {"acc"} for d in data)


def test_mistakes_get_one_clear_line(sqlite_server, sweeps):
    name, _, _ = sweeps
    for args, needle in (
        (["metrics", f"alice:{name}", "--sort", "speed"], "no such metric or param"),
        (["metrics", f"alice:{name}", "--sort", "loss:median"], "one of last, min, max"),
        (["metrics", "alice:no-such-run"], "no run alice:no-such-run"),
        (["metrics", f"alice:{name}", "-f", "-o", "csv"], "--follow redraws a table"),
    ):
        out = grid(sqlite_server, "bob", *args)
        assert out.returncode != 0 and needle in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
    # an outsider: the same answer as for a run that does not exist
    out = grid(sqlite_server, "dave", "metrics", f"alice:{name}")
    assert out.returncode == 1 and f"no run alice:{name}" in out.stderr


def test_follow_shows_a_point_logged_while_it_runs_and_ends_when_finished(sqlite_server):
    alice = sqlite_server.client("alice")
    alice.me()
    name = f"live-{uuid.uuid4().hex[:6]}"
    alice.create_run("notebook", {"lr": 0.1}, name=name, tracked=True)
    alice.append_metrics(f"{name}-exp0", [{"name": "loss", "value": 0.9}])
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(GRID_URL=sqlite_server.url, GRID_API_KEY=sqlite_server.keys["bob"])
    proc = subprocess.Popen(
        [GRID, "metrics", f"alice:{name}", "--follow", "--interval", "0.5"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        time.sleep(1.5)
        alice.append_metrics(f"{name}-exp0", [{"name": "loss", "value": 0.123}])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any("0.123" in line for line in seen):
            time.sleep(0.1)
        assert any("0.123" in line for line in seen)  # the new point, while it runs
        alice.report_status(f"{name}-exp0", "succeeded")
        assert proc.wait(timeout=15) == 0  # and --follow ends once it has finished
    finally:
        proc.kill()
        alice.close()


def _finished(name: str, params: dict, metric: str, value: float | None):
    """An ExperimentMetrics answer of alice's run ``name`` with one metric's summary (none
    when ``value`` is None), for the table's rules alone."""
    from jupyter_grid_collab.answers import ExperimentMetrics, MetricSummary

    summaries = [
        MetricSummary(
            name=metric,
            count=1,
            last=value,
            last_step=0,
            min=value,
            max=value,
            updated_at="2026-12-01T00:00:00Z",
        )
    ]
    return ExperimentMetrics(
        experiment=f"{name}-exp0",
        run=name,
        owner="alice",
        status="succeeded",
        params=params,
        summaries=summaries if value is not None else [],
        series=[],
    )


def test_the_comparison_keeps_params_that_differ_and_sorts_missing_last():
    table = compare(
        [
            _finished("a", {"lr": 0.1, "seed": 1}, "loss", 0.5),
            _finished("b", {"lr": 0.2, "seed": 1}, "loss", None),
            _finished("c", {"lr": 0.3, "seed": 1}, "loss", 0.1),
        ]
    )
    assert table.params == ["lr"] and table.metrics == ["loss"]
    assert [r.run for r in table.sorted_by("loss").rows] == ["c", "a", "b"]
    assert [r.run for r in table.sorted_by("loss", descending=True).rows] == ["a", "c", "b"]
    assert [r.run for r in table.sorted_by("lr", descending=True).rows] == ["c", "b", "a"]
    assert table.to_csv().splitlines()[0] == "experiment,status,lr,loss,loss min,loss max"


def test_a_metric_whose_name_holds_a_colon_sorts_by_its_whole_name():
    table = compare([_finished("a", {}, "val:acc", 0.9), _finished("b", {}, "val:acc", 0.5)])
    assert [r.run for r in table.sorted_by("val:acc").rows] == ["b", "a"]
    assert [r.run for r in table.sorted_by("val:acc:max", descending=True).rows] == ["a", "b"]


def test_csv_keeps_a_teammates_formula_as_text():
    """A param (or a param's name) a spreadsheet would run opens as text; numbers stay numbers."""
    table = compare(
        [
            _finished("a", {"=x": '=HYPERLINK("http://evil","open")'}, "loss", -0.5),
            _finished("b", {"=x": "@SUM(A1)"}, "loss", 0.5),
        ]
    )
    lines = table.to_csv().splitlines()
    assert lines[0] == "experiment,status,'=x,loss,loss min,loss max"
    assert (
        lines[1] == 'alice:a-exp0,succeeded,"\'=HYPERLINK(""http://evil"",""open"")",-0.5,-0.5,-0.5'
    )
    assert lines[2] == "alice:b-exp0,succeeded,'@SUM(A1),0.5,0.5,0.5"
