"""Load and soak benchmark: many members at once, and a long day compressed into minutes.

Starts a real team server (seeded team, SQLite) and a real Jupyter server with the
extension for one plain member, all as subprocesses on 127.0.0.1, then:

1. load: ``--clients`` concurrent clients (each its own keep-alive connection) list the
   team's runs (``scope=team&limit=50``) for ``--seconds``, first straight from the team
   server, then through the extension; prints requests, errors, throughput, p50/p99;
2. soak: for ``--soak`` seconds, ``--sessions`` sessions heartbeat every 2 s, ``--loggers``
   experiments append log lines every 0.2 s, and listings run at a steady rate through
   both paths; every ``--sample`` seconds the team server's and the Jupyter server's
   resident memory and open file descriptors are printed, and at the end their growth.

    python bench/bench_load.py            # 200 clients x 30 s per path, a 10-minute soak
    python bench/bench_load.py --quick    # 20 clients x 3 s, a 20 s soak: the CI smoke run

Traffic goes to 127.0.0.1 only, bounded in count and time; it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
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
from teamserver_harness import TeamServerProcess  # noqa: E402

from jupyter_grid_collab.extension.http1 import Http1Transport  # noqa: E402
from jupyter_grid_collab.teamserver.cli import open_store  # noqa: E402

LISTING = "runs?scope=team&limit=50"


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


async def _logger(team_url: str, key: str, owner: str, experiment: str, until: float) -> int:
    async with httpx.AsyncClient(
        base_url=team_url + "/api/v1", timeout=30, headers={"Authorization": f"token {key}"}
    ) as http:
        failures, step = 0, 0
        while asyncio.get_running_loop().time() < until:
            lines = [f"step {step + i} loss {1 / (1 + step + i):.5f}" for i in range(10)]
            step += 10
            r = await http.post(f"/experiments/{owner}/{experiment}/logs", json={"lines": lines})
            failures += r.status_code != 200
            await asyncio.sleep(0.2)
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
    loggers: list[tuple[str, str]],
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
    tasks += [_logger(team.url, keys[owner], owner, exp, until) for owner, exp in loggers]
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
        f"  soak traffic failures: heartbeats {sum(failures[: args.sessions])}, log posts "
        f"{sum(failures[args.sessions : args.sessions + len(loggers)])}, listings "
        f"{sum(failures[args.sessions + len(loggers) :])}"
    )
    return samples


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small and short, for CI")
    ap.add_argument("--clients", type=int, help="concurrent clients (default 200)")
    ap.add_argument("--seconds", type=float, help="load per path (default 30)")
    ap.add_argument("--soak", type=float, help="soak length in seconds (default 600)")
    ap.add_argument("--sessions", type=int, default=20, help="heartbeating sessions")
    ap.add_argument("--loggers", type=int, default=5, help="experiments logging")
    ap.add_argument("--sample", type=float, help="seconds between samples (default 30)")
    ap.add_argument("--runs", type=int, default=1000, help="runs seeded in the team")
    args = ap.parse_args(argv)
    q = args.quick
    args.clients = args.clients or (20 if q else 200)
    args.seconds = args.seconds or (3 if q else 30)
    args.soak = args.soak if args.soak is not None else (20 if q else 600)
    args.sample = args.sample or (5 if q else 30)

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    team = TeamServerProcess(tmp / "team", extra_args=["--executor", "none"])
    lab = None
    try:
        store = open_store(str(team.data_dir), None)
        seeded = seed(store, members=20, runs=args.runs, experiments_per_run=2)
        keys = {name: store.teams.create_key(name) for name in list(seeded.member_ids)[:10]}
        store.engine.dispose()
        team.keys[seeded.reader] = seeded.key
        team.start()
        lab = JupyterProcess(seeded.reader, team, tmp / "lab", "bench-load")
        lab.start()
        print(
            f"{os.cpu_count()} cores, shared; load average {os.getloadavg()[0]:.2f}; "
            f"team of 20 members, {seeded.runs:,} runs; listing {LISTING}"
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
            f"{args.loggers} experiments logging 10 lines every 0.2 s, listings at "
            "10/s on each path"
        )
        loggers = []
        with team.client(None, keys[list(keys)[0]]) as c:
            owner = c.whoami()
            for i in range(args.loggers):
                c.create_run("python train.py", {}, name=f"soak-log-{i}")
                loggers.append((owner, f"soak-log-{i}-exp0"))
        samples = asyncio.run(_soak(args, team, lab, keys, loggers, seeded.key))
        report_growth(samples)
    finally:
        if lab is not None:
            lab.stop()
        team.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
