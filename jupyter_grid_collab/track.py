"""Track runs made by hand, in a notebook or script, so they show up in the team's
``grid status --global`` like any other run.

    from jupyter_grid_collab import track
    run = track.start_run("lr-sweep-manual", {"lr": 0.01})
    run.log_metric("loss", 0.42, step=1)
    run.log_text("switched to cosine schedule")
    run.log_file("model.pt")
    run.end()                     # or use it as a context manager: failed on exception

Metrics are the experiment's metric records (``grid metrics``, the Compare views): kept
in memory and sent in batches, at least every second, so logging one costs the notebook
microseconds, not a request; at the end they also go to a ``metrics.jsonl`` artifact.

In a script that ``grid run`` started, ``track.log_metric`` needs no run and no key: it
prints the ``grid-metric name=value step=N`` line (metric_lines.py) and the launcher stores
it, as it does for scripts that print the line themselves.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from .client import GridClient, shared_client
from .fields import METRIC_NAME_PATTERN
from .launcher_retry import Patience, budget_from_env
from .metric_lines import format_line
from .references import EXPERIMENT, Ref

#: a tracked run's metric points wait at most this long before they are sent
FLUSH_SECONDS = 1.0
#: ... or until this many are waiting (bodies.MAX_POINTS_PER_POST is the API's limit)
FLUSH_POINTS = 5_000
_METRIC_NAME = re.compile(METRIC_NAME_PATTERN)

_current: TrackedRun | None = None


class MetricSender:
    """A tracked run's metric points, sent from a thread of their own in batches: every
    FLUSH_SECONDS, when FLUSH_POINTS wait, and at ``close``. A batch that fails while the
    failure may pass (the team server restarting or out of reach) is sent again within the
    launcher's patience (launcher_retry.py), saying so once on stderr; a batch refused, or
    still failing after that, is dropped: ``failed`` says why, and the points stay in
    ``TrackedRun.metrics``."""

    def __init__(self, client: GridClient, ref: Ref, patience: Patience | None = None):
        self.client = client
        self.ref = ref
        self.patience = patience or Patience(budget_from_env(), who="grid track")
        self.failed: str | None = None
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="grid-metrics", daemon=True)
        self._thread.start()

    def add(self, point: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(point)
            full = len(self._pending) >= FLUSH_POINTS
        if full:
            self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            self.flush()
            if self._closed:
                return

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending[:FLUSH_POINTS], self._pending[FLUSH_POINTS:]
        if batch:
            try:
                self.patience.call(
                    f"sending {len(batch)} metric point(s)",
                    self.client.append_metrics,
                    self.ref,
                    batch,
                )
            except Exception as exc:  # a notebook's loop must not die of its metrics
                self.failed = f"{len(batch)} metric point(s) not stored: {exc}"

    def close(self) -> None:
        """Send what waits, then stop the thread."""
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=60)
        while self._pending:
            self.flush()


class TrackedRun:
    """A one-experiment run whose progress this process reports."""

    def __init__(self, client: GridClient, run, experiment):
        self.client = client
        self.run = run
        self.experiment = experiment
        # the experiment, as a value the client need not parse again
        self.ref = Ref(EXPERIMENT, experiment.name, run.owner)
        self.metrics: list[dict[str, Any]] = []
        self.sender = MetricSender(client, self.ref)
        self.ended = False

    @property
    def name(self) -> str:
        return self.run.name

    def log_metric(self, name: str, value: float, step: int | None = None) -> None:
        """Record one point; it is sent within FLUSH_SECONDS (the call itself sends nothing)."""
        value = _number(name, value)
        if not _METRIC_NAME.fullmatch(name):
            raise ValueError(
                f"metric name {name[:60]!r}: letters, digits, _ . / : - and spaces, at most 200"
            )
        ts = time.time()
        self.metrics.append({"name": name, "value": value, "step": step, "ts": ts})
        point: dict[str, Any] = {"name": name, "value": value if math.isfinite(value) else None}
        if step is not None:
            point["step"] = step
        point["ts"] = ts
        self.sender.add(point)

    def log_metrics(self, values: dict[str, float], step: int | None = None) -> None:
        for name, value in values.items():
            self.log_metric(name, value, step)

    def log_text(self, text: str) -> None:
        self.client.append_logs(self.ref, text.splitlines() or [""])

    def log_file(self, path: str | os.PathLike, name: str | None = None):
        """Upload a file as an artifact (``name`` is its path inside the experiment)."""
        path = Path(path)
        return self.client.upload_artifact(self.ref, name or path.name, path)

    def end(self, status: str = "succeeded", message: str | None = None) -> None:
        """Upload the metrics and report the final status (once)."""
        global _current
        if self.ended:
            return
        self.ended = True
        self.sender.close()
        if self.metrics:
            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
                for entry in self.metrics:
                    f.write(json.dumps(entry, allow_nan=True) + "\n")
            try:
                self.client.upload_artifact(self.ref, "metrics.jsonl", f.name)
            finally:
                os.unlink(f.name)
        self.client.report_status(self.ref, status, message=message)
        if _current is self:
            _current = None

    def __enter__(self) -> TrackedRun:
        return self

    def __exit__(self, exc_type, exc, _tb) -> None:
        if exc_type is None:
            self.end()
        else:
            self.end("failed", f"{exc_type.__name__}: {exc}")


def start_run(
    name: str | None = None,
    params: dict[str, Any] | None = None,
    *,
    team: str | None = None,
    instance_type: str | None = None,
    client: GridClient | None = None,
    command: str = "notebook",
) -> TrackedRun:
    """Create a run owned by me, already running, and make it the current one."""
    global _current
    # one client for every run this process tracks, not a new pool left open per run
    client = client or shared_client()
    scalar = {k: v for k, v in (params or {}).items()}
    for key, value in scalar.items():
        if isinstance(value, list):
            raise ValueError(f"parameter {key!r} is a list: a tracked run has one parameter set")
    run, experiments = client.create_run(
        command, scalar, name=name, team=team, instance_type=instance_type, tracked=True
    )
    _current = TrackedRun(client, run, experiments[0])
    return _current


def _active() -> TrackedRun:
    if _current is None:
        raise RuntimeError("no tracked run: call track.start_run(...) first")
    return _current


def log_metric(name: str, value: float, step: int | None = None) -> None:
    """A point of the current tracked run; in a script ``grid run`` started (and that tracks
    no run of its own), the ``grid-metric`` line its launcher stores."""
    if _current is None and _launched():
        print(format_line({name: _number(name, value)}, step), flush=True)
        return
    _active().log_metric(name, value, step)


def log_metrics(values: dict[str, float], step: int | None = None) -> None:
    if _current is None and _launched():
        checked = {name: _number(name, value) for name, value in values.items()}
        print(format_line(checked, step), flush=True)
        return
    _active().log_metrics(values, step)


def _launched() -> bool:
    """This process is (a child of) an experiment ``grid run`` started: its launcher reads
    the script's stdout."""
    return "GRID_EXPERIMENT_NAME" in os.environ and sys.stdout is not None


def _number(name: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"metric {name!r} must be a number, not {type(value).__name__}")
    return float(value)


def log_text(text: str) -> None:
    _active().log_text(text)


def log_file(path: str | os.PathLike, name: str | None = None):
    return _active().log_file(path, name)


def end_run(status: str = "succeeded", message: str | None = None) -> None:
    _active().end(status, message)
