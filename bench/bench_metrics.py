"""Metrics benchmark (issue 16): reading many experiments' curves at once, what logging a
point costs a script, and how soon a teammate sees it.

Seeds a real team server (``--executor none``) with ``--experiments`` experiments of
``--points`` points each (one metric, ``loss``; runs of 10 experiments), sent as a launcher
sends them (batches of up to 10,000 points), then times, interleaved over one keep-alive
connection each:

- the batch read a Compare view makes: ``GET /metrics?runs=...&names=loss&max_points=500``
  for every experiment at once, against the HTTP floor (``GET /health``);
- with ``--with-mlflow``, MLflow seeded with the same points (one run per experiment, its
  own SQLAlchemy models, in its own interpreter): the request its UI makes for the same
  chart (``ajax-api/2.0/mlflow/metrics/get-history-bulk-interval``, the same runs, 500
  points each) and its REST API's ``metrics/get-history`` for each run (whole histories);

then what ``track.log_metric`` costs a notebook's loop (buffered, sent by a thread every
second), what printing a ``grid-metric`` line costs a script, and how long a point logged
takes to show in a teammate's read (the target: 2 s).

    python bench/bench_metrics.py                  # 100 x 10,000 points, 30 requests
    python bench/bench_metrics.py --with-mlflow    # and MLflow in the same run
    python bench/bench_metrics.py --quick          # CI smoke run
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import mlflow_side  # noqa: E402
from teamserver_harness import TeamServerProcess  # noqa: E402

from jupyter_grid_collab import metric_lines, track  # noqa: E402

PER_RUN = 10
MAX_POINTS = 500
TARGET_READ_MS = 150.0
TARGET_APPEND_MS = 1.0
TARGET_VISIBLE_S = 2.0

# In MLflow's interpreter: one run per experiment, its loss history as MLflow's own rows.
MLFLOW_SEEDER = r"""
import json, sys, time, uuid
from sqlalchemy import insert, text
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlRun

spec = json.load(open(sys.argv[1]))
started = time.perf_counter()
store = SqlAlchemyStore(spec["uri"], "mlflow-artifacts:/")
exp_id = store.create_experiment("bench")
where = store.get_experiment(exp_id).artifact_location
ids = []
with store.engine.begin() as conn:
    for i, values in enumerate(spec["curves"]):
        rid = uuid.uuid4().hex
        ids.append(rid)
        conn.execute(insert(SqlRun.__table__), [dict(
            run_uuid=rid, name=f"exp{i}", source_type="UNKNOWN", source_name="",
            entry_point_name="", user_id="alice", status="FINISHED", start_time=0,
            end_time=1, deleted_time=None, source_version="", lifecycle_stage="active",
            artifact_uri=f"{where}/{rid}/artifacts", experiment_id=int(exp_id))])
        rows = [dict(key="loss", value=v, timestamp=1_700_000_000_000 + s, step=s,
                     is_nan=False, run_uuid=rid) for s, v in enumerate(values)]
        for j in range(0, len(rows), 5000):
            conn.execute(insert(SqlMetric.__table__), rows[j : j + 5000])
        conn.execute(insert(SqlLatestMetric.__table__), [dict(rows[-1])])
    conn.execute(text("ANALYZE"))
store.engine.dispose()
print(json.dumps({"experiment": exp_id, "runs": ids, "seconds": time.perf_counter() - started}))
"""


def curve(i: int, n: int) -> list[float]:
    """A noisy decaying loss, some runs diverging near the end (a chart's spike)."""
    rng = random.Random(i)
    out = [1.0 / (1 + s / 200) + rng.random() * 0.02 for s in range(n)]
    if i % 7 == 3:
        for s in range(int(n * 0.9), n):
            out[s] *= 1 + (s - n * 0.9) / 50
    return out


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def seed_team_server(
    server: TeamServerProcess, experiments: int, points: int
) -> tuple[list[str], float]:
    """alice's runs, their experiments' loss curves appended; (run refs, seconds)."""
    alice = server.client("alice")
    alice.me()
    runs = []
    t0 = time.perf_counter()
    for r in range(math.ceil(experiments / PER_RUN)):
        n = min(PER_RUN, experiments - r * PER_RUN)
        name = f"bench-{r}"
        alice.create_run("train.py", {"seed": list(range(n))}, name=name)
        runs.append(f"alice:{name}")
        for e in range(n):
            values = curve(r * PER_RUN + e, points)
            for start in range(0, points, 10_000):
                alice.append_metrics(
                    f"alice:{name}-exp{e}",
                    [
                        {"name": "loss", "value": v, "step": start + k}
                        for k, v in enumerate(values[start : start + 10_000])
                    ],
                )
    alice.close()
    return runs, time.perf_counter() - t0


def seed_mlflow(side: mlflow_side.MlflowServer, experiments: int, points: int) -> list[str]:
    spec = side.workdir / "metrics-seed.json"
    spec.write_text(
        json.dumps(
            {"uri": side.backend_uri, "curves": [curve(i, points) for i in range(experiments)]}
        )
    )
    out = subprocess.run(
        [side.install.python, "-c", MLFLOW_SEEDER, str(spec)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    spec.unlink()
    if out.returncode != 0:
        raise RuntimeError(f"seeding MLflow failed: {out.stderr[-3000:]}")
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    side.experiments = {"bench": str(answer["experiment"])}
    side.seed_seconds = answer["seconds"]
    return answer["runs"]


def append_cost(client, n: int) -> tuple[float, float]:
    """(µs per track.log_metric in a tracked run, µs per grid-metric line printed)."""
    run = track.start_run(f"append-{os.getpid()}", {}, client=client)
    t0 = time.perf_counter()
    for s in range(n):
        run.log_metric("loss", 1.0 / (s + 1), step=s)
    tracked = (time.perf_counter() - t0) / n * 1e6
    run.end()
    # a script's print goes to the launcher's pipe; here to a pipe drained by nobody's
    # schedule but the kernel's (dev/null costs the same write syscall)
    sink = io.TextIOWrapper(open(os.devnull, "wb"), line_buffering=True)
    t0 = time.perf_counter()
    for s in range(n):
        print(metric_lines.format_line({"loss": 1.0 / (s + 1)}, s), file=sink, flush=True)
    printed = (time.perf_counter() - t0) / n * 1e6
    sink.close()
    return tracked, printed


def visibility(writer, reader, samples: int) -> list[float]:
    """Seconds from track.log_metric to a teammate's read showing the point."""
    run = track.start_run(f"visible-{os.getpid()}", {}, client=writer)
    ref = f"{run.run.owner}:{run.experiment.name}"
    out = []
    for s in range(samples):
        t0 = time.perf_counter()
        run.log_metric("loss", 1.0, step=s)
        while True:
            (exp,) = reader.metrics([ref], max_points=0)
            if exp.summaries and exp.summaries[0].count == s + 1:
                break
            time.sleep(0.02)
        out.append(time.perf_counter() - t0)
        time.sleep(random.random() * 0.5)  # land anywhere in the sender's second
    run.end()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--experiments", type=int, default=100)
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--appends", type=int, default=50_000)
    ap.add_argument("--visible", type=int, default=10, help="visibility samples")
    ap.add_argument("--quick", action="store_true", help="10 x 1,000 points: a CI smoke run")
    mlflow_side.add_argument(ap)
    args = ap.parse_args(argv)
    if args.quick:
        args.experiments, args.points, args.requests = 10, 1_000, 5
        args.appends, args.visible = 2_000, 2
    install, not_measured = mlflow_side.find(args.with_mlflow)

    with tempfile.TemporaryDirectory(prefix="grid-bench-metrics-") as tmp:
        server = TeamServerProcess(Path(tmp) / "team", extra_args=["--executor", "none"])
        server.seed()
        server.start()
        side = None
        try:
            print(f"load average before: {_load()}; {os.cpu_count()} cores, shared")
            runs, seconds = seed_team_server(server, args.experiments, args.points)
            total = args.experiments * args.points
            print(
                f"team server: {args.experiments} experiments x {args.points:,} points "
                f"({total:,}) appended in {seconds:.1f} s ({total / seconds:,.0f} points/s, "
                "batches of up to 10,000)"
            )
            mlflow_runs: list[str] = []
            if install is not None:
                side = mlflow_side.MlflowServer(install, Path(tmp) / "mlflow")
                mlflow_runs = seed_mlflow(side, args.experiments, args.points)
                side.start()
                print(side.describe())
            else:
                print(not_measured)

            headers = {"Authorization": f"token {server.keys['bob']}"}
            params = {"runs": ",".join(runs), "names": "loss", "max_points": str(MAX_POINTS)}
            with (
                httpx.Client(base_url=server.url + "/api/v1", headers=headers, timeout=120) as us,
                httpx.Client(base_url=side.url if side else server.url, timeout=300) as them,
            ):
                first = us.get("/metrics", params=params)
                first.raise_for_status()
                answered = first.json()["experiments"]
                assert len(answered) == args.experiments
                assert all(len(e["series"][0]["step"]) <= MAX_POINTS for e in answered)
                assert all(e["series"][0]["step"][-1] == args.points - 1 for e in answered)

                cases = {
                    "HTTP floor, GET /health": lambda: us.get("/health").raise_for_status(),
                    "team server, GET /metrics (all, 500 pts)": lambda: us.get(
                        "/metrics", params=params
                    ).raise_for_status(),
                }
                if side is not None:
                    bulk = {
                        "run_ids": mlflow_runs[:100],
                        "metric_key": "loss",
                        "max_results": str(MAX_POINTS),
                    }
                    got = them.get(
                        "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval", params=bulk
                    )
                    got.raise_for_status()
                    cases[
                        f"MLflow get-history-bulk-interval ({len(bulk['run_ids'])} runs, 500 pts)"
                    ] = lambda: them.get(
                        "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval", params=bulk
                    ).raise_for_status()

                    def every_history() -> None:
                        for rid in mlflow_runs:
                            them.get(
                                "/api/2.0/mlflow/metrics/get-history",
                                params={"run_id": rid, "metric_key": "loss"},
                            ).raise_for_status()

                    cases[f"MLflow get-history x {len(mlflow_runs)} (whole histories)"] = (
                        every_history
                    )
                pids = {name: [server.proc.pid] for name in cases}
                if side is not None:
                    for name in cases:
                        if name.startswith("MLflow"):
                            pids[name] = side.serving_pids()
                times: dict[str, list[float]] = {name: [] for name in cases}
                cpu: dict[str, float] = {name: 0.0 for name in cases}
                rounds = args.requests if side is None else max(3, args.requests // 3)
                for _ in range(rounds):
                    for name, fn in cases.items():
                        c0 = mlflow_side.cpu_seconds(pids[name])
                        t0 = time.perf_counter()
                        fn()
                        times[name].append((time.perf_counter() - t0) * 1000)
                        cpu[name] += mlflow_side.cpu_seconds(pids[name]) - c0
            print(
                f"\nbatch read of every experiment's loss ({args.experiments} experiments, "
                f"{args.points:,} points each), median of {rounds}, interleaved:"
            )
            print(f"  {'way':<58}{'p50 ms':>9}{'p99 ms':>9}{'srv CPU ms':>12}")
            for name in cases:
                print(
                    f"  {name:<58}{statistics.median(times[name]):>9.1f}"
                    f"{pct(times[name], 0.99):>9.1f}{cpu[name] * 1000 / rounds:>12.1f}"
                )
            ours = statistics.median(times["team server, GET /metrics (all, 500 pts)"])
            verdict = "met" if ours <= TARGET_READ_MS else "MISSED"
            line = f"target: the batch read p50 <= {TARGET_READ_MS:.0f} ms: {ours:.1f} ({verdict})"
            for name in cases:
                if name.startswith("MLflow"):
                    theirs = statistics.median(times[name])
                    line += f"; MLflow's {name.split(' (')[0][7:]} / ours {theirs / ours:.1f}x"
            print(line)

            bob = server.client("bob")
            alice = server.client("alice")
            bob.me(), alice.me()
            tracked, printed = append_cost(alice, args.appends)
            worst = max(tracked, printed) / 1000
            print(
                f"\nappending a point, the script's cost (mean of {args.appends:,}): "
                f"track.log_metric {tracked:.1f} us (buffered; a thread sends every second); "
                f"a grid-metric line printed {printed:.1f} us; target <= {TARGET_APPEND_MS:g} ms: "
                f"{'met' if worst <= TARGET_APPEND_MS else 'MISSED'}"
            )
            seen = visibility(alice, bob, args.visible)
            print(
                f"visible to a teammate (track.log_metric -> bob's read shows it), {len(seen)} "
                f"samples: p50 {statistics.median(seen):.2f} s, max {max(seen):.2f} s; target "
                f"<= {TARGET_VISIBLE_S:g} s: {'met' if max(seen) <= TARGET_VISIBLE_S else 'MISSED'}"
            )
            print(
                f"memory: team server {mlflow_side.rss_kib(server.proc.pid) / 1024:.1f} MiB"
                + (f"; MLflow {side.memory()}" if side else "")
            )
            print(f"load average after: {_load()}")
            bob.close()
            alice.close()
        finally:
            if side is not None:
                side.stop()
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
