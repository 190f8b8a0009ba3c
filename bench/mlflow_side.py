"""MLflow beside the team server, for the benchmarks' MLflow columns (``--with-mlflow``).

MLflow is not a dependency of this project: it lives in its own virtual environment, found
through ``--with-mlflow=PATH`` (its ``mlflow`` script or its ``python``), else the
``GRID_BENCH_MLFLOW`` environment variable, else ``mlflow`` on PATH. This module starts
``mlflow server`` as MLflow's own users would (its defaults: uvicorn, 4 workers, no
authentication), but without its job runner (``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false``:
it runs GenAI jobs this benchmark never submits, and its seven idle huey consumers poll,
taking CPU from both servers on a small machine), on 127.0.0.1, with a SQLite or
PostgreSQL backend store and proxied artifacts (``--serve-artifacts`` into a temporary
folder), and seeds it with the runs the benchmark seeded in the team server: the same
names, owners, statuses, times, params and cost, one MLflow experiment per team (no child
runs for the team server's experiments). Seeding inserts rows through MLflow's own
SQLAlchemy models in its own interpreter, after MLflow created and migrated its schema,
as the benchmark seeds the team server with bulk inserts into its schema; both then run
ANALYZE. Requests then go over plain HTTP from the benchmark process, as to the team server.

    python -m venv ~/mlflow-venv && ~/mlflow-venv/bin/pip install mlflow
    python bench/bench_listing.py --with-mlflow=~/mlflow-venv/bin/mlflow
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from jupyter_grid_collab.teamserver import schema as t

ENV = "GRID_BENCH_MLFLOW"
API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
# the team server's run statuses as MLflow's
STATUS = {
    "pending": "SCHEDULED",
    "running": "RUNNING",
    "succeeded": "FINISHED",
    "failed": "FAILED",
    "cancelled": "KILLED",
}
# MLflow's filter has no IN for status and no OR: "active" is "neither of the finished ones"
ACTIVE_FILTER = " AND ".join(
    f"attributes.status != '{s}'" for s in ("FINISHED", "FAILED", "KILLED")
)
NOT_FOUND = "MLflow column not measured"

# Runs in MLflow's interpreter: create and migrate the schema, one experiment per team,
# then the runs as rows of MLflow's own tables (what its create_run/log_batch would write).
SEEDER = r"""
import json, sys, time, uuid
from sqlalchemy import insert, text
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.store.tracking.dbmodels.models import (
    SqlLatestMetric, SqlMetric, SqlParam, SqlRun, SqlTag)

spec = json.load(open(sys.argv[1]))
started = time.perf_counter()
store = SqlAlchemyStore(spec["uri"], "mlflow-artifacts:/")
ids = {name: store.create_experiment(name) for name in spec["experiments"]}
where = {name: store.get_experiment(i).artifact_location for name, i in ids.items()}
rows = {SqlRun: [], SqlTag: [], SqlParam: [], SqlMetric: [], SqlLatestMetric: []}
for r in spec["runs"]:
    rid = uuid.uuid4().hex
    rows[SqlRun].append(dict(
        run_uuid=rid, name=r["name"], source_type="UNKNOWN", source_name="",
        entry_point_name="", user_id=r["user"], status=r["status"],
        start_time=r["start"], end_time=r["end"], deleted_time=None, source_version="",
        lifecycle_stage="active", artifact_uri=f"{where[r['experiment']]}/{rid}/artifacts",
        experiment_id=int(ids[r["experiment"]])))
    for k, v in r["tags"].items():
        rows[SqlTag].append(dict(key=k, value=v, run_uuid=rid))
    for k, v in r["params"].items():
        rows[SqlParam].append(dict(key=k, value=v, run_uuid=rid))
    for k, v in r["metrics"].items():
        m = dict(key=k, value=v, timestamp=r["end"] or r["start"], step=0, is_nan=False,
                 run_uuid=rid)
        rows[SqlMetric].append(m)
        rows[SqlLatestMetric].append(dict(m))
with store.engine.begin() as conn:
    for model, batch in rows.items():
        for i in range(0, len(batch), 5000):
            conn.execute(insert(model.__table__), batch[i : i + 5000])
    conn.execute(text("ANALYZE"))
store.engine.dispose()
print(json.dumps({"experiments": ids, "seconds": time.perf_counter() - started}))
"""


def add_argument(ap: argparse.ArgumentParser) -> None:
    """The ``--with-mlflow[=PATH]`` option every benchmark takes."""
    ap.add_argument(
        "--with-mlflow",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help=(
            "also measure MLflow in the same run: PATH is its `mlflow` script or its "
            f"`python` (default: ${ENV}, else `mlflow` on PATH); see bench/README.md"
        ),
    )


@dataclass
class Install:
    python: str
    version: str


def _python_of(path: Path) -> Path:
    """The interpreter behind an ``mlflow`` console script (its #! line), or the path."""
    try:
        with open(path, "rb") as f:
            first = f.readline(4096)
    except OSError:
        return path
    if first.startswith(b"#!") and b"python" in first:
        return Path(first[2:].decode().split()[0])
    return path


def find(option: str | None) -> tuple[Install | None, str]:
    """The MLflow to measure, or None and why not. A PATH the user named (the option or the
    environment variable) that holds no MLflow is an error (SystemExit): they asked for that
    one. Plain ``--with-mlflow`` with none on PATH is not: the benchmark runs and says so."""
    if option is None:
        return None, f"{NOT_FOUND}: run with --with-mlflow to measure it (see bench/README.md)"
    named = option or os.environ.get(ENV, "")
    candidate = named or shutil.which("mlflow") or ""
    if not candidate:
        return None, (
            f"{NOT_FOUND}: --with-mlflow found no MLflow (no `mlflow` on PATH and ${ENV} "
            "unset); install it in its own venv (see bench/README.md)"
        )
    python = _python_of(Path(candidate).expanduser())
    try:
        out = subprocess.run(
            [str(python), "-c", "from importlib.metadata import version; print(version('mlflow'))"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        version = out.stdout.strip() if out.returncode == 0 else ""
    except OSError as e:
        version, out = "", None
        why = str(e)
    else:
        why = out.stderr.strip().splitlines()[-1:] if out.returncode else ""
    if not version:
        message = f"{NOT_FOUND}: {candidate} holds no usable MLflow ({why or 'no version'})"
        if named:
            sys.exit(f"--with-mlflow: {message}")
        return None, message
    return Install(str(python), version), ""


# ----------------------------------------------------------------------------- seeding
def export_runs(engine: Engine) -> tuple[list[str], list[dict[str, Any]]]:
    """The team server's runs as MLflow runs, in id order (teams become experiments)."""
    r = t.runs.c
    query = (
        select(
            r.id,
            r.name,
            r.status,
            r.created_at,
            r.finished_at,
            r.params,
            r.cost,
            r.command,
            r.strategy,
            r.instance_type,
            t.users.c.username,
            t.teams.c.name.label("team"),
        )
        .join(t.users, t.users.c.id == r.owner_id)
        .join(t.teams, t.teams.c.id == r.team_id)
        .order_by(r.id)
    )
    runs, teams = [], []
    with engine.connect() as conn:
        for row in conn.execute(query):
            if row.team not in teams:
                teams.append(row.team)
            params = row.params if isinstance(row.params, dict) else json.loads(row.params)
            runs.append(
                {
                    "experiment": row.team,
                    "name": row.name,
                    "user": row.username,
                    "status": STATUS[row.status],
                    "start": int(row.created_at * 1000),
                    "end": int(row.finished_at * 1000) if row.finished_at else None,
                    "params": {k: json.dumps(v) for k, v in params.items()},
                    "metrics": {"cost": float(row.cost)},
                    "tags": {
                        "mlflow.runName": row.name,
                        "mlflow.user": row.username,
                        "command": row.command,
                        "strategy": row.strategy,
                        "instance_type": row.instance_type,
                    },
                }
            )
    return teams, runs


# ----------------------------------------------------------------------------- processes
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    return kids


def tree(pid: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (those still alive)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class MlflowServer:
    """``mlflow server`` on 127.0.0.1 in its own session, stopped with it."""

    install: Install
    workdir: Path
    backend_uri: str | None = None  # default: SQLite in workdir
    experiments: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None
    seed_seconds: float = 0.0
    start_seconds: float = 0.0

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.backend_uri is None:
            self.backend_uri = f"sqlite:///{self.workdir / 'mlflow.db'}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def seed(self, teams: list[str], runs: list[dict[str, Any]]) -> None:
        """Create MLflow's schema and insert the runs (before the server starts)."""
        spec = self.workdir / "seed.json"
        spec.write_text(json.dumps({"uri": self.backend_uri, "experiments": teams, "runs": runs}))
        out = subprocess.run(
            [self.install.python, "-c", SEEDER, str(spec)],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if out.returncode != 0:
            raise RuntimeError(f"seeding MLflow failed: {out.stderr[-3000:]}")
        answer = json.loads(out.stdout.strip().splitlines()[-1])
        self.experiments = {k: str(v) for k, v in answer["experiments"].items()}
        self.seed_seconds = answer["seconds"]
        spec.unlink()

    def start(self, timeout: float = 600) -> None:
        """Start the server and wait until it answers /health (MLflow starts slowly)."""
        from teamserver_harness import free_port

        self.port = free_port()
        artifacts = self.workdir / "artifacts"
        artifacts.mkdir(exist_ok=True)
        log = open(self.workdir / "server.log", "wb")  # the child keeps its own copy
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                self.install.python,
                "-m",
                "mlflow",
                "server",
                "--backend-store-uri",
                str(self.backend_uri),
                "--serve-artifacts",
                "--artifacts-destination",
                str(artifacts),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=self.workdir,
            env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {self.log_tail()}")
            try:
                if httpx.get(self.url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server not up after {timeout:.0f} s: {self.log_tail()}")
            time.sleep(0.5)
        self.start_seconds = time.perf_counter() - t0

    def log_tail(self) -> str:
        try:
            return (self.workdir / "server.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def pids(self) -> list[int]:
        """Every process of this MLflow server (the CLI that started uvicorn, uvicorn, its
        workers and multiprocessing's resource tracker)."""
        return tree(self.proc.pid) if self.proc else []

    def serving_pids(self) -> list[int]:
        """The processes that answer HTTP requests: uvicorn (or gunicorn) and its workers."""
        for pid in self.pids():
            cmd = _cmdline(pid)
            if "-m uvicorn" in cmd or "gunicorn" in cmd:
                return tree(pid)
        return self.pids()

    def memory(self) -> str:
        """Resident memory, all processes and the serving ones, as a printable phrase."""
        every, serving = self.pids(), self.serving_pids()
        total = sum(rss_kib(p) for p in every) / 1024
        serve = sum(rss_kib(p) for p in serving) / 1024
        return (
            f"{total:.1f} MiB over its {len(every)} processes, of which uvicorn and its "
            f"workers {serve:.1f} MiB ({len(serving)} processes; RSS summed, so shared pages "
            "count once per process)"
        )

    def describe(self) -> str:
        backend = str(self.backend_uri).split(":", 1)[0]
        return (
            f"MLflow {self.install.version} measured in this run: `mlflow server` (its defaults: "
            f"uvicorn, 4 workers, no authentication; job runner off), {backend} backend "
            f"store, artifacts proxied; seeded in {self.seed_seconds:.1f} s, up in "
            f"{self.start_seconds:.1f} s"
        )

    def search(self, client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
        r = client.post(API + "/runs/search", json=body)
        if r.status_code != 200:
            raise RuntimeError(f"MLflow runs/search: HTTP {r.status_code} {r.text[:300]}")
        return r.json()

    def create_run(self, client: httpx.Client, experiment: str, name: str, user: str) -> str:
        r = client.post(
            API + "/runs/create",
            json={
                "experiment_id": self.experiments[experiment],
                "run_name": name,
                "user_id": user,
                "start_time": int(time.time() * 1000),
            },
        )
        r.raise_for_status()
        return r.json()["run"]["info"]["run_id"]

    def artifact_target(self, experiment: str, run_id: str, path: str) -> str:
        return f"{ARTIFACTS}/{self.experiments[experiment]}/{run_id}/artifacts/{path}"

    def stop(self) -> None:
        """Stop every process of the server's session (started here: its group is its id)."""
        if self.proc is None:
            return
        group = self.proc.pid
        for sig, wait in ((signal.SIGTERM, 30.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                self.proc.poll()
                try:
                    os.killpg(group, 0)  # anyone of the group left?
                except ProcessLookupError:
                    break
                time.sleep(0.2)
            else:
                continue
            break
        self.proc.wait(10)
        self.proc = None


def create_pg_database() -> str:
    """A fresh PostgreSQL database for MLflow, on the server the tests use but under its own
    name (``mlflow_bench_...``); its URL, for MLflow's SQLAlchemy (2.1 drives PostgreSQL with
    psycopg 3, to install in MLflow's venv). Drop it with
    ``teamserver_harness.drop_pg_database``."""
    import secrets

    import psycopg
    from teamserver_harness import PG_ADMIN_URL

    name = f"mlflow_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
