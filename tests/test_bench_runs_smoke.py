"""The run benchmark still runs end to end (figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_runs_quick_prints_its_figures():
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_runs.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "log latency" in out.stdout and "p99" in out.stdout
    assert "start overhead" in out.stdout and "python directly" in out.stdout
    assert "launcher import" in out.stdout and "bare python" in out.stdout
    assert out.stdout.count("target") == 2 and "load average" in out.stdout
    assert "MLflow: no counterpart, not measured" in out.stdout
