"""Run benchmark: log latency and experiment start overhead, against a real team server.

- **Log latency**: a script prints a line with its own timestamp every 20 ms; the real
  ``grid logs --follow`` (a subprocess, unbuffered) shows it; latency is the time the line
  appears minus the time the script printed it (same machine, same clock). p50 / p99, over
  the lines printed once the follower showed its first line (those before are a backlog:
  they time the CLI's start, and the script may well start before the follower does).
- **Start overhead**: from submitting ``grid run`` (source snapshot, upload, run creation,
  queue, launcher setup) to the script's first line, against running the same script
  directly with ``python script.py`` (Popen to first line), in the same run. Target: 150 ms.
- **Launcher import**: a fresh interpreter importing ``jupyter_grid_collab.launcher`` against
  a bare ``python -c pass``, interleaved, in the same run. Target: 50 ms over bare python.
  The package's byte code is compiled first, as an install does (so PYTHONDONTWRITEBYTECODE
  in a checkout does not charge every import with compiling).

    python bench/bench_runs.py              # 5 runs of 150 lines, 5 start, 15 import samples
    python bench/bench_runs.py --quick      # CI smoke run (1 run of 50 lines)

No MLflow column: MLflow neither launches scripts nor streams what they print, so it has no
counterpart to time here (``--with-mlflow`` is accepted, as by every benchmark, and changes
nothing but that line).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import mlflow_side  # noqa: E402
from teamserver_harness import TeamServerProcess  # noqa: E402

import jupyter_grid_collab  # noqa: E402
from jupyter_grid_collab.submit import submit_run  # noqa: E402

GRID = str(Path(sys.executable).parent / "grid")
START_TARGET_MS = 150.0
IMPORT_TARGET_MS = 50.0  # over bare python
NO_MLFLOW = (
    "MLflow: no counterpart, not measured: it does not launch scripts (no `grid run` start to "
    "time) or stream what they print (no `grid logs --follow`); its log_metric round trip "
    "would time another thing"
)
TICKER = textwrap.dedent("""
    import sys, time
    n = int(sys.argv[sys.argv.index("--lines") + 1]) if "--lines" in sys.argv else 1
    for i in range(n):
        print(f"T {time.time():.6f} {i}", flush=True)
        time.sleep(0.02)
""")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def follow_latencies(server: TeamServerProcess, client, script: Path, lines: int) -> list[float]:
    name = f"lat-{uuid.uuid4().hex[:6]}"
    submit_run(client, script, ["--lines", str(lines)], name=name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(
        GRID_URL=server.url,
        GRID_API_KEY=server.keys["bob"],
        PYTHONUNBUFFERED="1",
        GRID_HOME=str(server.data_dir / "bob-home"),
    )
    follower = subprocess.Popen(
        [GRID, "logs", f"alice:{name}-exp0", "--follow"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        bufsize=1,
    )
    latencies = []
    following_since = None
    for line in follower.stdout:
        arrived = time.time()
        if not line.startswith("T "):
            continue
        printed = float(line.split()[1])
        following_since = following_since or arrived
        # lines printed before the follower showed anything are its backlog: they measure
        # how long `grid logs` takes to start (the script may start first), not the log path
        if printed >= following_since:
            latencies.append(arrived - printed)
    follower.wait(60)
    return latencies


def start_overhead_grid(client, script: Path) -> float:
    name = f"start-{uuid.uuid4().hex[:6]}"
    t0 = time.time()
    submit_run(client, script, [], name=name)
    while True:
        out = client.read_logs(f"{name}-exp0", wait=10)
        for entry in out["lines"]:
            if entry.line.startswith("T "):
                return float(entry.line.split()[1]) - t0
        if out["finished"]:
            raise RuntimeError(f"{name} finished without printing")


def start_overhead_direct(script: Path) -> float:
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    proc.wait()
    return float(first.split()[1]) - t0


def interpreter_seconds(code: str) -> float:
    """Wall time of a fresh ``python -c code``, start to exit."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


def import_times(samples: int) -> tuple[list[float], list[float]]:
    """(bare python, python importing the launcher), interleaved so load hits both alike."""
    compileall.compile_dir(Path(jupyter_grid_collab.__file__).parent, quiet=1)
    bare, launcher = [], []
    for _ in range(samples):
        bare.append(interpreter_seconds("pass"))
        launcher.append(interpreter_seconds("import jupyter_grid_collab.launcher"))
    return bare, launcher


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="follow runs for log latency")
    parser.add_argument("--lines", type=int, default=150, help="lines per follow run")
    parser.add_argument("--starts", type=int, default=5, help="start-overhead samples")
    parser.add_argument("--imports", type=int, default=15, help="launcher import samples")
    parser.add_argument("--quick", action="store_true", help="a small CI smoke run")
    mlflow_side.add_argument(parser)
    args = parser.parse_args()
    if args.quick:
        # 50 lines (1 s): the follower, a CLI starting meanwhile, still sees some printed
        args.runs, args.lines, args.starts, args.imports = 1, 50, 2, 3
    print(f"at the start: {load()}")
    bare, imported = import_times(args.imports)
    with tempfile.TemporaryDirectory(prefix="grid-bench-runs-") as tmp:
        tmp = Path(tmp)
        os.environ["GRID_HOME"] = str(tmp / "home")
        server = TeamServerProcess(tmp / "team", extra_args=["--max-parallel", "1"])
        server.seed()
        server.start()
        try:
            (tmp / "proj").mkdir()
            script = tmp / "proj" / "ticker.py"
            script.write_text(TICKER)
            with server.client("alice") as alice:
                alice.me()
                latencies: list[float] = []
                for _ in range(args.runs):
                    latencies += follow_latencies(server, alice, script, args.lines)
                grid_starts = [start_overhead_grid(alice, script) for _ in range(args.starts)]
            direct_starts = [start_overhead_direct(script) for _ in range(args.starts)]
        finally:
            server.stop()
    ms = 1000.0
    print(
        f"log latency (script print -> `grid logs --follow` shows it), {len(latencies)} lines "
        "printed while it followed:"
    )
    if latencies:
        print(
            f"  p50 {pct(latencies, 0.5) * ms:7.1f} ms   p99 {pct(latencies, 0.99) * ms:7.1f} ms"
            f"   max {max(latencies) * ms:7.1f} ms"
        )
    else:  # a machine so busy that `grid logs` started after the script ended
        print("  p50 n/a   p99 n/a: no line was printed while the follower ran; try --lines")
    g, d = statistics.median(grid_starts), statistics.median(direct_starts)
    print(f"start overhead (submit -> first line), median of {args.starts}:")
    print(
        f"  grid run {g * ms:7.1f} ms   python directly {d * ms:7.1f} ms   "
        f"added {max(0.0, g - d) * ms:7.1f} ms   ratio {g / d:5.1f}x   "
        f"target grid run <= {START_TARGET_MS:.0f} ms: {verdict(g * ms <= START_TARGET_MS)}"
    )
    b, i = statistics.median(bare), statistics.median(imported)
    print(f"launcher import (a fresh interpreter, start to exit), median of {args.imports}:")
    print(
        f"  import launcher {i * ms:7.1f} ms   bare python {b * ms:7.1f} ms   "
        f"added {max(0.0, i - b) * ms:7.1f} ms   ratio {i / b:5.1f}x   "
        f"target added <= {IMPORT_TARGET_MS:.0f} ms: {verdict((i - b) * ms <= IMPORT_TARGET_MS)}"
    )
    print(NO_MLFLOW)
    print(f"at the end: {load()}")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


if __name__ == "__main__":
    main()
