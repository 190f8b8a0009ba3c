"""How metrics get in: ``grid-metric`` lines a ``grid run`` script prints (and
``track.log_metric`` in such a script, with no key), and ``track`` in a notebook, batched.
Real team servers; the scripts run through the real local executor and launcher."""

from __future__ import annotations

import textwrap
import time
import uuid

import pytest

from jupyter_grid_collab import metric_lines, track
from jupyter_grid_collab.submit import submit_run

SCRIPT = textwrap.dedent("""
    import argparse, math, sys
    from jupyter_grid_collab import track
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.1)
    a = p.parse_args()
    for epoch in range(5):
        loss = 1.0 / (1 + epoch) if a.lr < 1 else 2.0 ** epoch
        # a script that only prints
        print(f"grid-metric loss={loss} step={epoch}", flush=True)
        # and one that uses track: no run started, no key (the launcher reads stdout)
        track.log_metrics({"acc": epoch / 10, "lr": a.lr}, step=epoch)
    print("grid-metric loss=", flush=True)  # malformed: said once in the log, not stored
    print("grid-metric acc=1.0 step=x", flush=True)
    print("done", flush=True)
""")


def _wait_run(client, ref: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run, exps = client.run(ref)
        if run.status not in ("pending", "running"):
            return run, exps
        time.sleep(0.2)
    raise AssertionError(f"{ref} still {run.status}")


def test_a_grid_run_scripts_printed_and_tracked_metrics_are_stored(exec_server, tmp_path):
    (tmp_path / "proj").mkdir()
    script = tmp_path / "proj" / "train.py"
    script.write_text(SCRIPT)
    alice, bob = exec_server.client("alice"), exec_server.client("bob")
    alice.me(), bob.me()
    name = f"mt-{uuid.uuid4().hex[:6]}"
    submit_run(alice, script, ["--lr", "[0.1,4.0]"], name=name)
    run, exps = _wait_run(alice, f"alice:{name}")
    assert run.status == "succeeded", [e.message for e in exps]

    # a teammate compares both experiments in one request
    got = bob.metrics([f"alice:{name}"], max_points=100)
    assert [e.experiment for e in got] == [f"{name}-exp0", f"{name}-exp1"]
    by_lr = {e.params["lr"]: e for e in got}
    calm, wild = by_lr[0.1], by_lr[4.0]
    loss = {s.name: s for s in calm.series}["loss"]
    assert loss.step == [0, 1, 2, 3, 4]
    assert loss.value == pytest.approx([1.0, 0.5, 1 / 3, 0.25, 0.2])
    assert {s.name: s for s in wild.series}["loss"].value == [1.0, 2.0, 4.0, 8.0, 16.0]
    acc = {s.name: s for s in calm.summaries}["acc"]
    assert (acc.count, acc.last, acc.last_step, acc.max) == (5, 0.4, 4, 0.4)
    # the malformed lines: none stored, one system line in the log says why
    assert {s.name for s in calm.summaries} == {"loss", "acc", "lr"}
    lines = [entry.line for entry in bob.read_logs(f"alice:{name}-exp0", limit=1000)["lines"]]
    said = [line for line in lines if "grid-metric line was not read" in line]
    assert len(said) == 1 and "'loss=' is not name=value" in said[0]
    assert "grid-metric loss=0.2 step=4" in lines  # the lines stay in the log too


def test_a_notebooks_tracked_metrics_are_sent_in_batches_not_one_request_each(
    sqlite_server, monkeypatch
):
    alice, bob = sqlite_server.client("alice"), sqlite_server.client("bob")
    alice.me(), bob.me()
    sent: list[int] = []
    append = alice.append_metrics

    def counting(ref, points):
        sent.append(len(points))
        return append(ref, points)

    monkeypatch.setattr(alice, "append_metrics", counting)
    name = f"nb-{uuid.uuid4().hex[:6]}"
    run = track.start_run(name, {"lr": 0.01}, client=alice)
    for step in range(2_000):
        track.log_metric("loss", 1 / (step + 1), step=step)
    # logging sent nothing yet: the points wait for the sender's next second
    assert sum(sent) < 2_000
    # a teammate sees them within the flush interval (+ a request), while the run goes on
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        (exp,) = bob.metrics([f"alice:{name}"], max_points=0)
        if exp.summaries and exp.summaries[0].count == 2_000:
            break
        time.sleep(0.1)
    assert exp.summaries[0].count == 2_000 and exp.status == "running"
    assert len(sent) <= 3  # batches, never one request per point
    track.log_metric("loss", float("nan"), step=2_000)
    track.end_run()
    (exp,) = bob.metrics([f"alice:{name}-exp0"], max_points=5_000)
    assert exp.summaries[0].count == 2_001 and exp.series[0].value[-1] is None
    assert run.sender.failed is None


def test_a_bad_metric_name_fails_at_the_call(sqlite_server):
    alice = sqlite_server.client("alice")
    alice.me()
    with track.start_run(f"nb-{uuid.uuid4().hex[:6]}", {}, client=alice) as run:
        with pytest.raises(ValueError, match="metric name"):
            run.log_metric("loss\n", 1.0)
        with pytest.raises(TypeError, match="must be a number"):
            run.log_metric("loss", "high")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "line, points",
    [
        ("grid-metric loss=0.5", [{"name": "loss", "value": 0.5}]),
        (
            "grid-metric loss=0.5 val/acc=1e-3 step=7",
            [
                {"name": "loss", "value": 0.5, "step": 7},
                {"name": "val/acc", "value": 0.001, "step": 7},
            ],
        ),
        (
            "grid-metric loss=nan  acc=-inf",
            [{"name": "loss", "value": None}, {"name": "acc", "value": None}],
        ),
    ],
)
def test_metric_lines_are_read(line, points):
    assert metric_lines.parse(line) == points


@pytest.mark.parametrize(
    "line, needle",
    [
        ("grid-metric ", "no name=value"),
        ("grid-metric loss", "not name=value"),
        ("grid-metric loss=abc", "not a number"),
        ("grid-metric step=1 step=2 loss=1", "twice"),
        ("grid-metric loss=1 step=-1", "whole number"),
        ("grid-metric lo\x1bss=1", "not a metric name"),
    ],
)
def test_bad_metric_lines_say_what_is_wrong(line, needle):
    with pytest.raises(metric_lines.MetricLineError, match=needle):
        metric_lines.parse(line)


def test_format_line_round_trips():
    line = metric_lines.format_line({"loss": 0.1 + 0.2, "acc": float("inf")}, step=3)
    assert metric_lines.parse(line) == [
        {"name": "loss", "value": 0.1 + 0.2, "step": 3},
        {"name": "acc", "value": None, "step": 3},
    ]


def test_a_notebooks_points_outlast_a_team_server_restart(tmp_path, capfd):
    """The team server goes away while a notebook logs (a restart, an upgrade): the batch is
    sent again once it is back, said once on stderr, and no point is lost."""
    from teamserver_harness import TeamServerProcess

    server = TeamServerProcess(tmp_path / "team", extra_args=["--executor", "none"])
    server.seed()
    server.start()
    try:
        alice = server.client("alice")
        name = f"nb-{uuid.uuid4().hex[:6]}"
        run = track.start_run(name, {"lr": 0.1}, client=alice)
        server.stop()
        for step in range(300):
            run.log_metric("loss", 1 / (step + 1), step=step)
        time.sleep(2 * track.FLUSH_SECONDS)  # the sender has tried, and is retrying
        server.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            (exp,) = server.client("bob").metrics([f"alice:{name}"], max_points=0)
            if exp.summaries and exp.summaries[0].count == 300:
                break
            time.sleep(0.2)
        assert exp.summaries[0].count == 300
        assert run.sender.failed is None
        track.end_run()
        err = capfd.readouterr().err
        assert "[grid track] sending 300 metric point(s) failed" in err
        assert "succeeded after" in err
        assert err.count("retrying for up to") == 1  # said once, not once per attempt
    finally:
        server.stop()
