"""Load and soak benchmark: many members at once, and a long day compressed into minutes.

Starts a real team server (seeded team, SQLite, its local executor running experiments)
and a real Jupyter server with the extension for one plain member, all as subprocesses on
127.0.0.1, then:

1. load: ``--clients`` concurrent clients (each its own keep-alive connection) list the
   team's runs (``scope=team&limit=50``) for ``--seconds``, first straight from the team
   server, then through the extension; prints requests, errors, throughput, p50/p99;
2. soak: for ``--soak`` seconds, ``--sessions`` sessions heartbeat every 2 s, ``--loggers``
   experiments run a script printing a line a second (their launchers send the lines), and
   listings run at a steady rate through both paths; every ``--sample`` seconds the team
   server's and the Jupyter server's resident memory and open file descriptors are
   printed, at the end their growth and a verdict: the mean of the last third of the
   samples against the first third, "flat" when RSS grew less than 5 % and fds by at most 5.

    python bench/bench_load.py            # 200 clients x 30 s per path, a 10-minute soak
    python bench/bench_load.py --quick    # 20 clients x 3 s, a 20 s soak: the CI smoke run

Traffic goes to 127.0.0.1 only, bounded in count and time; it stops by itself.

No MLflow column (``--with-mlflow`` is accepted and changes nothing but the line saying so):
the soak (sessions, running experiments and their logs) has no MLflow counterpart, and the
load phase's (``runs/search`` from as many clients) is not measured here;
``bench_listing.py --with-mlflow`` times MLflow's listing from one client.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_extension import memory_kib  # noqa: E402
from bench_listing import percentile, seed  # noqa: E402
from jupyter_harness import JupyterProcess  # noqa: E402
from mlflow_side import add_argument as add_mlflow_argument  # noqa: E402
from teamserver_harness import TeamServerProcess  # noqa: E402

from jupyter_grid_collab.extension.http1 import Http1Transport  # noqa: E402
from jupyter_grid_collab.submit import submit_run  # noqa: E402
from jupyter_grid_collab.teamserver.cli import open_store  # noqa: E402

LISTING = "runs?scope=team&limit=50"
# the soak's experiments: a line a second for --seconds, then exit 0
TICKER = textwrap.dedent("""
    import sys, time
    for i in range(int(sys.argv[sys.argv.index("--seconds") + 1])):
        print(f"step {i} loss {1 / (1 + i):.5f}", flush=True)
        time.sleep(1)
""")
# a process is "flat" when the mean of the soak's last third of samples is within these of
# the first third's: allocator and pool slack, not the steady climb of a leak
FLAT_RSS_GROWTH, FLAT_FDS_GROWTH = 0.05, 5


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@dataclass
class Tally:
    """Latencies (s) and failures of one load phase."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def _client_loop(url: str, headers: dict[str, str], until: float, tally: Tally) -> None:
    # one connection per simulated member, kept alive, as a browser tab or a CLI would
    async with httpx.AsyncClient(
        transport=Http1Transport(max_connections=1), timeout=30, headers=headers
    ) as http:
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            started = time.perf_counter()
            try:
                r = await http.get(url)
                await r.aread()
                if r.status_code != 200:
                    tally.error(f"HTTP {r.status_code}")
                    continue
            except httpx.HTTPError as exc:
                tally.error(type(exc).__name__)
                continue
            tally.latencies.append(time.perf_counter() - started)


async def _load(url: str, headers: dict[str, str], clients: int, seconds: float) -> Tally:
    tally = Tally()
    until = asyncio.get_running_loop().time() + seconds
    await asyncio.gather(*(_client_loop(url, headers, until, tally) for _ in range(clients)))
    return tally


def load_phase(name: str, url: str, headers: dict[str, str], clients: int, seconds: float) -> None:
    cpu0 = time.process_time()
    started = time.perf_counter()
    tally = asyncio.run(_load(url, headers, clients, seconds))
    wall = time.perf_counter() - started
    lat = sorted(tally.latencies)
    errors = sum(tally.errors.values())
    detail = ", ".join(f"{k} x{v}" for k, v in sorted(tally.errors.items())) or "none"
    print(
        f"{name:<28} {len(lat):>8,} {errors:>7} {len(lat) / wall:>9,.0f} "
        f"{percentile(lat, 50) * 1000:>8.1f} {percentile(lat, 99) * 1000:>8.1f} "
        f"{(time.process_time() - cpu0) / wall:>10.2f}   errors: {detail}"
    )


# ----------------------------------------------------------------------------- soak
async def _heartbeats(team_url: str, key: str, name: str, until: float) -> int:
    async with httpx.AsyncClient(
        base_url=team_url + "/api/v1", timeout=30, headers={"Authorization": f"token {key}"}
    ) as http:
        r = await http.post("/sessions", json={"name": name, "url": "http://127.0.0.1:9/"})
        r.raise_for_status()
        owner = r.json()["session"]["owner"]
        failures = 0
        while asyncio.get_running_loop().time() < until:
            r = await http.post(f"/sessions/{owner}/{name}/heartbeat", json={})
            failures += r.status_code != 200
            await asyncio.sleep(2)
        await http.post(f"/sessions/{owner}/{name}/stop")
        return failures


async def _lister(url: str, headers: dict[str, str], until: float, every: float) -> int:
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        failures = 0
        while asyncio.get_running_loop().time() < until:
            r = await http.get(url)
            failures += r.status_code != 200
            await asyncio.sleep(every)
        return failures


async def _sampler(
    pids: dict[str, int],
    until: float,
    every: float,
    samples: list[tuple[float, dict[str, tuple[int, int]]]],
) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        row = {name: (memory_kib(pid)[0], open_fds(pid)) for name, pid in pids.items()}
        samples.append((loop.time() - start, row))
        cells = "  ".join(
            f"{name} {rss / 1024:6.1f} MiB {fds:4d} fds" for name, (rss, fds) in row.items()
        )
        print(f"  t={loop.time() - start:6.0f} s  {cells}", flush=True)
        if loop.time() >= until:
            return
        await asyncio.sleep(min(every, max(0.0, until - loop.time())))


async def _soak(
    args,
    team: TeamServerProcess,
    lab: JupyterProcess,
    keys: dict[str, str],
    reader_key: str,
) -> list:
    loop = asyncio.get_running_loop()
    until = loop.time() + args.soak
    samples: list = []
    users = list(keys)
    tasks = [
        _heartbeats(team.url, keys[users[i % len(users)]], f"soak-{i}", until)
        for i in range(args.sessions)
    ]
    tasks += [
        _lister(
            f"{team.url}/api/v1/{LISTING}", {"Authorization": f"token {reader_key}"}, until, 0.1
        ),
        _lister(
            f"{lab.url}grid-collab/api/{LISTING}",
            {"Authorization": f"token {lab.token}"},
            until,
            0.1,
        ),
    ]
    sampler = _sampler(
        {"team server": team.proc.pid, "jupyter": lab.proc.pid}, until, args.sample, samples
    )
    *failures, _ = await asyncio.gather(*tasks, sampler)
    print(
        f"  soak traffic failures: heartbeats {sum(failures[: args.sessions])}, listings "
        f"{sum(failures[args.sessions :])}"
    )
    return samples


def report_loggers(team: TeamServerProcess, key: str, loggers: list[str], lines: int) -> None:
    """How the soak's experiments ended and how many of their lines the team server kept."""
    outcomes: dict[str, int] = {}
    kept = 0
    with team.client(None, key) as c:
        for exp in loggers:
            deadline = time.monotonic() + 120  # the script's last line, the final report
            while (status := c.experiment(exp).status) in ("pending", "running"):
                if time.monotonic() > deadline:
                    break
                time.sleep(1)
            outcomes[status] = outcomes.get(status, 0) + 1
            offset = 0  # the script's own lines (stdout), not the launcher's notes
            while (page := c.read_logs(exp, offset=offset))["lines"]:
                kept += sum(x.stream == "stdout" for x in page["lines"])
                offset = page["next_offset"]
    done = ", ".join(f"{n} {status}" for status, n in sorted(outcomes.items()))
    print(f"  loggers: {done}; {kept:,} of {lines * len(loggers):,} printed lines kept")


def report_growth(samples: list) -> None:
    # the first sample is taken before the traffic warmed caches and pools: compare from
    # the second one on
    base_t, base = samples[1] if len(samples) > 2 else samples[0]
    last_t, last = samples[-1]
    for name in base:
        rss0, fds0 = base[name]
        rss1, fds1 = last[name]
        print(
            f"  {name}: RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB "
            f"({(rss1 - rss0) / 1024:+.1f} MiB over {last_t - base_t:.0f} s), "
            f"open fds {fds0} -> {fds1}"
        )


def report_flatness(samples: list) -> None:
    """The verdict: each process's mean RSS and open fds over the last third of the samples
    taken under traffic against the first third. The first sample (before the traffic warmed
    caches and pools) and the last (taken as the traffic winds down) are left out."""
    under = samples[1:-1] if len(samples) >= 4 else samples
    third = max(1, len(under) // 3)
    first, last = under[:third], under[-third:]

    def mean(rows: list, name: str, i: int) -> float:
        return sum(row[name][i] for _, row in rows) / len(rows)

    cells = []
    for name in under[0][1]:
        rss0, rss1 = mean(first, name, 0) / 1024, mean(last, name, 0) / 1024
        fds0, fds1 = mean(first, name, 1), mean(last, name, 1)
        flat = rss1 - rss0 < FLAT_RSS_GROWTH * rss0 and fds1 - fds0 <= FLAT_FDS_GROWTH
        cells.append(
            f"{name} RSS {rss0:.1f} -> {rss1:.1f} MiB ({(rss1 - rss0) / rss0:+.1%}), "
            f"fds {fds0:.0f} -> {fds1:.0f}: {'flat' if flat else 'GROWING'}"
        )
    span = f"t={first[0][0]:.0f}-{first[-1][0]:.0f} s vs t={last[0][0]:.0f}-{last[-1][0]:.0f} s"
    print(f"  verdict (means, {span}): " + "; ".join(cells))


def settle(team: TeamServerProcess, queued: int) -> None:
    """The seed leaves some experiments pending; the executor now runs them (they fail: the
    seed gave them no source). Wait for that, so the load meets an idle executor."""
    store = open_store(str(team.data_dir), None)
    deadline = time.monotonic() + 300
    while store.launches.pending_experiment_ids() or store.launches.launched_experiment_ids(
        "running"
    ):
        if time.monotonic() > deadline:
            raise RuntimeError("the executor did not finish the seeded pending experiments")
        time.sleep(0.5)
    store.engine.dispose()
    print(f"the executor ran the seed's {queued} pending experiments before the load")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small and short, for CI")
    ap.add_argument("--clients", type=int, help="concurrent clients (default 200)")
    ap.add_argument("--seconds", type=float, help="load per path (default 30)")
    ap.add_argument("--soak", type=float, help="soak length in seconds (default 600)")
    ap.add_argument("--sessions", type=int, default=20, help="heartbeating sessions")
    ap.add_argument("--loggers", type=int, default=5, help="experiments running")
    ap.add_argument("--sample", type=float, help="seconds between samples (default 30)")
    ap.add_argument("--runs", type=int, default=1000, help="runs seeded in the team")
    add_mlflow_argument(ap)
    args = ap.parse_args(argv)
    q = args.quick
    args.clients = args.clients or (20 if q else 200)
    args.seconds = args.seconds or (3 if q else 30)
    args.soak = args.soak if args.soak is not None else (20 if q else 600)
    args.sample = args.sample or (5 if q else 30)

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    # the real local executor, with a slot for each of the soak's experiments
    team = TeamServerProcess(tmp / "team", extra_args=["--max-parallel", str(args.loggers)])
    lab = None
    try:
        store = open_store(str(team.data_dir), None)
        seeded = seed(store, members=20, runs=args.runs, experiments_per_run=2)
        keys = {name: store.teams.create_key(name) for name in list(seeded.member_ids)[:10]}
        queued = len(store.launches.pending_experiment_ids())
        store.engine.dispose()
        team.keys[seeded.reader] = seeded.key
        team.start()
        settle(team, queued)
        lab = JupyterProcess(seeded.reader, team, tmp / "lab", "bench-load")
        lab.start()
        print(
            f"{os.cpu_count()} cores, shared; load average {os.getloadavg()[0]:.2f}; "
            f"team of 20 members, {seeded.runs:,} runs; listing {LISTING}"
        )
        print(
            "MLflow: not measured here: the soak has no MLflow counterpart, and runs/search "
            "from as many clients is not implemented (bench_listing.py --with-mlflow times "
            "one client)"
        )
        print(
            f"\n{'load':<28} {'requests':>8} {'errors':>7} {'req/s':>9} {'p50 ms':>8} "
            f"{'p99 ms':>8} {'client CPU':>10}"
        )
        print("-" * 86)
        direct = {"Authorization": f"token {seeded.key}"}
        load_phase(
            f"team server, {args.clients} clients",
            f"{team.url}/api/v1/{LISTING}",
            direct,
            args.clients,
            args.seconds,
        )
        load_phase(
            f"extension, {args.clients} clients",
            f"{lab.url}grid-collab/api/{LISTING}",
            {"Authorization": f"token {lab.token}"},
            args.clients,
            args.seconds,
        )
        print(
            f"\nsoak: {args.soak:.0f} s, {args.sessions} sessions heartbeating every 2 s, "
            f"{args.loggers} experiments printing a line a second, listings at 10/s on each path"
        )
        script = tmp / "proj" / "ticker.py"
        script.parent.mkdir()
        script.write_text(TICKER)
        logger_key, lines, loggers = keys[list(keys)[0]], int(args.soak), []
        with team.client(None, logger_key) as c:
            for i in range(args.loggers):
                run, _ = submit_run(c, script, ["--seconds", str(lines)], name=f"soak-log-{i}")
                loggers.append(f"{run.owner}:{run.name}-exp0")
        samples = asyncio.run(_soak(args, team, lab, keys, seeded.key))
        report_loggers(team, logger_key, loggers, lines)
        report_growth(samples)
        report_flatness(samples)
    finally:
        if lab is not None:
            lab.stop()
        team.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
