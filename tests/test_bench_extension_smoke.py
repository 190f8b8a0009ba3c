"""The extension benchmark runs end to end in its quick mode and prints every table. No
timing assertions: the figures are for people."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"[0-9]+(\.[0-9]+)?"


def test_quick_extension_benchmark_prints_its_tables(tmp_path):
    # When the benchmark runs in quick mode against real team and Jupyter servers
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_extension.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    # Then it exits cleanly
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    text = out.stdout
    # and prints the listing through the extension against the team server direct
    assert re.search(rf"team server, direct \(baseline\)\s+{NUMBER}\s+{NUMBER}", text), text
    assert re.search(rf"through the extension\s+{NUMBER}\s+{NUMBER}", text), text
    assert re.search(rf"extension / direct\s+{NUMBER}x\s+{NUMBER}x", text), text
    # and a throughput row for every way of downloading the artifact, the disk as baseline
    for way in (
        "disk read (baseline)",
        "team server, direct",
        "extension, proxy (HTTP hop)",
        "extension, blob fast path",
    ):
        # (the MLflow column is "-": MLflow was not measured in this run)
        row = re.search(rf"^{re.escape(way)}\s+([0-9]+)\s+{NUMBER}x\s+-\s", text, re.M)
        assert row and int(row[1]) > 0, (way, text)
    # and upload and attach times for both datastores, with and without blob_dir
    for label in ("1 MB", "32 MB"):
        assert re.search(
            rf"^{label}\s+{NUMBER}\s+4\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}", text, re.M
        ), (label, text)
    # and the team server's memory; without --with-mlflow, no MLflow figure and no verdict
    assert re.search(rf"Team server resident memory: idle {NUMBER} MiB", text), text
    assert "MLflow column not measured: run with --with-mlflow" in text
    assert "x MLflow (" not in text
    # and it leaves nothing behind in the temporary folder it used
    assert list(tmp_path.glob("bench-ext-*")) == []
