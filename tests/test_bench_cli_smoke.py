"""The CLI benchmark still runs end to end (figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("python -c pass", "grid --help", "grid --version", "grid user", "import the client")


def test_bench_cli_quick_prints_its_figures():
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_cli.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0].startswith("whole processes, median of 2")
    assert "load average" in lines[0]
    assert lines[1].split()[:3] == ["command", "wall", "ms"] and "over bare" in lines[1]
    for name, line in zip(COMMANDS, lines[2:7], strict=True):
        assert line.strip().startswith(name), (name, line)
        figures = line.strip()[len(name) :].split()
        assert len(figures) == 4 and figures[3].endswith("x"), line
    assert lines[7].startswith("GridClient construction")
    for scheme, line in zip(("http", "https"), lines[8:10], strict=True):
        assert line.split()[0] == scheme and "first" in line and "each" in line, line
    assert lines[10].startswith("targets (issue 15)")
