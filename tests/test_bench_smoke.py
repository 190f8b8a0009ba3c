"""The listing benchmark runs end to end, and a run listing page is a constant number of
SQL statements whatever its size (no N+1). No timing assertions: figures are for people."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from teamserver_harness import create_pg_database, drop_pg_database

from jupyter_grid_collab.teamserver.cli import open_store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_listing  # noqa: E402

CASES = ("team, first page", "team, page ", "user=", "team, status=active")


def env_without_mlflow() -> dict[str, str]:
    """This environment less any MLflow the benchmarks could find (as in CI, which has none)."""
    env = {k: v for k, v in os.environ.items() if k != "GRID_BENCH_MLFLOW"}
    env["PATH"] = os.pathsep.join(
        d for d in env.get("PATH", "").split(os.pathsep) if not shutil.which("mlflow", path=d)
    )
    return env


def test_quick_benchmark_prints_the_latency_table():
    # When the benchmark runs in its quick mode against a real server, asked to measure
    # MLflow too on a machine that has none
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_listing.py"),
            "--quick",
            "--requests",
            "20",
            "--with-mlflow",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env_without_mlflow(),
    )
    # Then it exits cleanly and prints one full row per case under the table header
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("case"))
    assert all(col in lines[header] for col in ("p50", "p99", "p99/p50", "srv CPU", "API/SQL p50"))
    # no MLflow was found: there is no MLflow column, and no figure stands in for one
    assert "MLflow" not in lines[header]
    rows = lines[header + 2 : header + 2 + len(CASES)]
    for case, row in zip(CASES, rows, strict=True):
        assert row.startswith(case), (case, row)
        # name, item count, then p50, p99, p99/p50, server CPU, SQL p50/p99 and API/SQL;
        # team pages are full (1,000 runs); one member's runs, or the active ones, are fewer
        figures = row[28:].split()
        assert len(figures) == 8, row
        full_page = case in ("team, first page", "team, page ")
        assert int(figures[0]) == 50 if full_page else int(figures[0]) > 0, row
        assert all(float(f.rstrip("x")) >= 0 for f in figures[1:]), row
        assert float(figures[1]) > 0 and float(figures[5]) > 0, row
    # and it says the MLflow column was not measured, and why, and still exits 0
    assert "MLflow column not measured: --with-mlflow found no MLflow" in out.stdout
    assert "faster than MLflow" not in out.stdout
    assert "statements: auth" in out.stdout


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_store(request, tmp_path):
    db = create_pg_database() if request.param == "postgresql" else None
    store = open_store(str(tmp_path / "team"), db)
    try:
        # 1,000 runs over 8 members: every member owns well over 100 runs
        yield store, bench_listing.seed(store, members=8, runs=1000, experiments_per_run=3)
    finally:
        store.engine.dispose()
        if db:
            drop_pg_database(db)


@pytest.mark.parametrize("scope", ["team", "user=member007", "mine"])
def test_statements_per_run_page_do_not_grow_with_page_size(seeded_store, scope):
    store, seeded = seeded_store
    # When the same listing is asked for with 10 and with 100 runs per page
    auth10, list10, items10 = bench_listing.count_statements(
        store, seeded.key, scope=scope, limit=10
    )
    auth100, list100, items100 = bench_listing.count_statements(
        store, seeded.key, scope=scope, limit=100
    )
    # Then both pages are full, and the bigger one costs not one statement more (no N+1)
    assert (items10, items100) == (10, 100)
    assert (auth100, list100) == (auth10, list10)
    # and authentication is one lookup, the page one query (plus resolving user=<name>)
    assert auth10 == 1
    assert list10 == (2 if scope.startswith("user=") else 1)
