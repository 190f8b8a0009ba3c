"""Track runs made by hand, in a notebook or script, so they show up in the team's
``grid status --global`` like any other run.

    from jupyter_grid_collab import track
    run = track.start_run("lr-sweep-manual", {"lr": 0.01})
    run.log_metric("loss", 0.42, step=1)
    run.log_text("switched to cosine schedule")
    run.log_file("model.pt")
    run.end()                     # or use it as a context manager: failed on exception

Metrics go to the run's log as they happen and, at the end, to a ``metrics.jsonl``
artifact that teammates can download.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from .client import GridClient, shared_client
from .references import EXPERIMENT, Ref

_current: TrackedRun | None = None


class TrackedRun:
    """A one-experiment run whose progress this process reports."""

    def __init__(self, client: GridClient, run, experiment):
        self.client = client
        self.run = run
        self.experiment = experiment
        # the experiment, as a value the client need not parse again
        self.ref = Ref(EXPERIMENT, experiment.name, run.owner)
        self.metrics: list[dict[str, Any]] = []
        self.ended = False

    @property
    def name(self) -> str:
        return self.run.name

    def log_metric(self, name: str, value: float, step: int | None = None) -> None:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise TypeError(f"metric {name!r} must be a number, not {type(value).__name__}")
        entry = {"name": name, "value": value, "step": step, "ts": time.time()}
        self.metrics.append(entry)
        shown = value if math.isfinite(value) else str(value)
        at = f" step={step}" if step is not None else ""
        self.client.append_logs(self.ref, [f"[metric] {name}={shown}{at}"])

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
    _active().log_metric(name, value, step)


def log_metrics(values: dict[str, float], step: int | None = None) -> None:
    _active().log_metrics(values, step)


def log_text(text: str) -> None:
    _active().log_text(text)


def log_file(path: str | os.PathLike, name: str | None = None):
    return _active().log_file(path, name)


def end_run(status: str = "succeeded", message: str | None = None) -> None:
    _active().end(status, message)
