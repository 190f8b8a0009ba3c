"""The metrics benchmark still runs end to end (figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_metrics_quick_prints_its_figures():
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_metrics.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "appended in" in out.stdout and "points/s" in out.stdout
    assert "team server, GET /metrics" in out.stdout and "HTTP floor" in out.stdout
    assert "target: the batch read p50 <= 150 ms" in out.stdout
    assert "track.log_metric" in out.stdout and "grid-metric line printed" in out.stdout
    assert "visible to a teammate" in out.stdout
    assert "MLflow column not measured" in out.stdout  # CI has no MLflow
