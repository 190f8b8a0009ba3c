"""CLI benchmark: what a user waits for before ``grid`` does anything, against bare python.

- **Whole processes**: ``python -c pass`` (the floor), ``grid --help``, ``grid --version``
  and ``grid user`` against a real seeded team server, and a process that only imports the
  client; each started ``--runs`` times, the commands interleaved (A B C ... A B C) so a
  drift in the machine's speed touches them all alike. Median wall and CPU (user + system)
  time, what each adds over the floor, and the ratio to it.
- **GridClient construction**, in a fresh process: the first client and then the median of
  many more, for an http:// and an https:// URL.
- **Targets** (issue 15), each with its figure and "met" or "MISSED": ``grid --help`` and
  ``grid user`` add at most 80 ms of CPU to bare python's, and a client takes at most 1 ms;
  and the first two again as ratios to bare python (at most 6.3x: the 80 ms when bare python
  took 15 ms, as it did when the target was set), which move less with the machine's speed.

    python bench/bench_cli.py            # 15 runs of each command
    python bench/bench_cli.py --quick    # CI smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from teamserver_harness import TeamServerProcess  # noqa: E402

PY = sys.executable
OVER_BARE_MS = 80.0  # issue 15: CPU a `grid` command may add to bare python's
# the same target as a ratio to this run's bare python: issue 15 set it when bare python took
# 15 ms, and on this shared machine that figure moves from 11 to 22 ms with its speed
TIMES_BARE = (15.0 + OVER_BARE_MS) / 15.0
CLIENT_MS = 1.0  # issue 15: building a GridClient (after the first)
GRID = [PY, "-m", "jupyter_grid_collab.cli.main"]
# timed in a fresh process so nothing this script imported is already loaded
CONSTRUCT = """
import json, sys, time
t0 = time.perf_counter()
from jupyter_grid_collab.client import GridClient
t1 = time.perf_counter()
url, n = sys.argv[1], int(sys.argv[2])
GridClient(url, "k").close()
t2 = time.perf_counter()
each = []
for _ in range(n):
    s = time.perf_counter()
    GridClient(url, "k").close()
    each.append(time.perf_counter() - s)
each.sort()
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "each": each[len(each) // 2]}))
"""


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one whole process; cpu is its user + system time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {out.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def processes(cases: dict[str, list[str]], env: dict[str, str], runs: int) -> dict:
    """Median (wall, cpu) of each case, the cases interleaved, one warm-up round first."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for round_ in range(runs + 1):
        for name, argv in cases.items():
            sample = timed(argv, env)
            if round_:
                samples[name].append(sample)
    return {
        name: (statistics.median(w for w, _ in s), statistics.median(c for _, c in s))
        for name, s in samples.items()
    }


def construction(url: str, n: int, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [PY, "-c", CONSTRUCT, url, str(n)], env=env, capture_output=True, text=True, timeout=120
    )
    if out.returncode != 0:
        raise RuntimeError(f"constructing a client failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    parser.add_argument("--clients", type=int, default=200, help="clients built per URL")
    parser.add_argument("--quick", action="store_true", help="a small CI smoke run")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.clients = 2, 20
    ms = 1000.0
    with tempfile.TemporaryDirectory(prefix="grid-bench-cli-") as tmp:
        tmp_path = Path(tmp)
        server = TeamServerProcess(tmp_path / "team")
        server.seed()
        server.start()
        try:
            # a home of its own: no credentials file but the environment's
            env = {**os.environ, "GRID_HOME": str(tmp_path / "home"), "GRID_URL": server.url}
            env["GRID_API_KEY"] = server.keys["alice"]
            env.pop("GRID_SESSION_CREDENTIAL", None)
            # as an installed package runs: from cached bytecode (the warm-up writes it),
            # not compiling every module on every start
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            cases = {
                "python -c pass": [PY, "-c", "pass"],
                "grid --help": [*GRID, "--help"],
                "grid --version": [*GRID, "--version"],
                "grid user": [*GRID, "user"],
                "import the client": [PY, "-c", "import jupyter_grid_collab.client"],
            }
            figures = processes(cases, env, args.runs)
            built = {
                "http": construction(server.url, args.clients, env),
                "https": construction("https://127.0.0.1:9", args.clients, env),
            }
        finally:
            server.stop()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    bare_wall, bare_cpu = figures["python -c pass"]
    print(f"whole processes, median of {args.runs} (interleaved), load average {load}:")
    print(f"  {'command':<20}{'wall ms':>9}{'cpu ms':>9}{'cpu over bare':>15}{'x bare':>8}")
    for name, (wall, cpu) in figures.items():
        over = f"{(cpu - bare_cpu) * ms:+.1f}"
        ratio = f"{cpu / bare_cpu:.1f}x" if bare_cpu else "-"
        print(f"  {name:<20}{wall * ms:9.1f}{cpu * ms:9.1f}{over:>15}{ratio:>8}")
    print(f"GridClient construction (fresh process, median of {args.clients} after the first):")
    for scheme, b in built.items():
        print(
            f"  {scheme:<6} import {b['import'] * ms:6.1f} ms   first {b['first'] * ms:6.2f} ms"
            f"   each {b['each'] * ms:6.3f} ms"
        )

    def verdict(value: float, limit: float) -> str:
        return "met" if value <= limit else "MISSED"

    help_over = (figures["grid --help"][1] - bare_cpu) * ms
    user_over = (figures["grid user"][1] - bare_cpu) * ms
    client = max(b["each"] for b in built.values()) * ms
    print(
        f"targets (issue 15): grid --help <= {OVER_BARE_MS:.0f} ms over bare: {help_over:+.1f} "
        f"({verdict(help_over, OVER_BARE_MS)}); grid user <= {OVER_BARE_MS:.0f} ms over bare: "
        f"{user_over:+.1f} ({verdict(user_over, OVER_BARE_MS)}); a client <= {CLIENT_MS:.0f} ms: "
        f"{client:.3f} ({verdict(client, CLIENT_MS)})"
    )
    help_x, user_x = (figures[n][1] / bare_cpu for n in ("grid --help", "grid user"))
    print(
        f"the same, as ratios to this run's bare python (<= {TIMES_BARE:.1f}x): grid --help "
        f"{help_x:.1f}x ({verdict(help_x, TIMES_BARE)}); grid user {user_x:.1f}x "
        f"({verdict(user_x, TIMES_BARE)})"
    )


if __name__ == "__main__":
    main()
