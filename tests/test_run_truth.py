"""A run's record tells the truth: when its launcher cannot report (a full disk, a team
server killed with -9), the record still ends with what the script really did, its bill
stops when the script stopped, a restarted team server adopts the launchers that still run
(grid stop reaches them) and leaves no orphan behind. Real team servers running real
experiments (as their team's runner uid, so as root); the scripts wait for signal files the
tests create, so every step happens when the test says."""

from __future__ import annotations

import calendar
import os
import shutil
import sqlite3
import subprocess
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from teamserver_harness import TeamServerProcess
from test_cli import grid, ok
from test_executor import client, log_text, wait_status

from jupyter_grid_collab.client import GridError
from jupyter_grid_collab.launcher_files import alive, proc_start, read_json
from jupyter_grid_collab.submit import submit_run
from jupyter_grid_collab.teamserver.executor.outcome import verdict

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="isolated runs need root (CI is)")

# waits for <signals>/go; prints "while down" once <signals>/down exists (the test makes it
# while the team server is dead, so the line can only arrive by the launcher's retries)
WAIT = textwrap.dedent("""
    import argparse, os, pathlib, signal, time
    p = argparse.ArgumentParser()
    p.add_argument("--signals")
    p.add_argument("--ignore-term", action="store_true")
    a = p.parse_args()
    if a.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sig, out = pathlib.Path(a.signals), pathlib.Path(os.environ["GRID_ARTIFACTS_DIR"])
    (out / "pid").write_text(str(os.getpid()))
    print("started", flush=True)
    said = False
    give_up = time.monotonic() + 300  # a failed test never leaves it spinning for ever
    while not (sig / "go").exists() and time.monotonic() < give_up:
        if not said and (sig / "down").exists():
            print("while down", flush=True)
            said = True
        time.sleep(0.1)
    (out / "result.txt").write_text("trained\\n")
    print("done", flush=True)
""")
FINAL = ("succeeded", "failed", "cancelled")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "wait.py").write_text(WAIT)
    return tmp_path / "proj" / "wait.py"


@pytest.fixture
def signals():
    # the runner uid only needs to see whether a file exists here
    folder = Path(tempfile.mkdtemp(prefix="grid-signals-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


class Server(TeamServerProcess):
    """A team server whose log is kept outside its data folder (which may be full)."""

    log_dir: Path | None = None

    @property
    def log_path(self) -> Path:
        return (self.log_dir or self.data_dir.parent) / f"{self.data_dir.name}-server.log"

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def files(self, exp: str) -> dict[str, Path]:
        folder = self.work_root / "vision" / "alice"
        return {
            "log": folder / f"{exp}.launcher.log",
            "pid": folder / f"{exp}.launcher.pid",
            "outcome": folder / f"{exp}.outcome.json",
        }


@pytest.fixture
def servers():
    made: list[Server] = []

    def make(
        data_dir: Path, patience: float = 60.0, tick: float = 30.0, log_dir: Path | None = None
    ) -> Server:
        server = Server(
            data_dir,
            extra_args=["--stop-grace", "1", "--tick", str(tick)],
            extra_env={"GRID_REPORT_PATIENCE": str(patience)},
        )
        server.log_dir = log_dir
        server.seed()
        server.start()
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


def launch(
    server: Server, project: Path, signals: Path, *extra: str, instance_type: str | None = None
) -> tuple[str, str]:
    alice = client(server, "alice")
    name = f"truth-{uuid.uuid4().hex[:6]}"
    submit_run(
        alice, project, ["--signals", str(signals), *extra], name=name, instance_type=instance_type
    )
    exp = f"{name}-exp0"
    wait_status(alice, exp, "running", timeout=60)
    wait_for(lambda: "started" in log_text(alice, exp), "the script never started")
    alice.close()
    return name, exp


def wait_for(check, what: str, timeout: float = 60.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(every)
    raise AssertionError(what)


def final(server: Server, exp: str, timeout: float = 90.0):
    with server.client("alice") as alice:
        alice.me()
        return wait_for(
            lambda: (lambda e: e if e.status in FINAL else None)(alice.experiment(exp)),
            f"{exp} never finished",
            timeout,
        )


def processes_of(exp: str) -> list[int]:
    """Live processes whose environment names the experiment: its launcher
    (GRID_EXPERIMENT=alice:<exp>) and its script (GRID_EXPERIMENT_NAME=<exp>)."""
    marks = (f"GRID_EXPERIMENT=alice:{exp}\0".encode(), f"GRID_EXPERIMENT_NAME={exp}\0".encode())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or proc_start(int(entry)) is None:
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes() + b"\0"
        except OSError:
            continue
        if any(mark in environ for mark in marks):
            found.append(int(entry))
    return found


def launcher_of(exp: str) -> tuple[int, int]:
    """The experiment's launcher (pid, start time), found by its environment and command."""
    for pid in processes_of(exp):
        if b"jupyter_grid_collab.launcher" in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid, proc_start(pid)
    raise AssertionError(f"no launcher of {exp} runs")


def script_of(exp: str) -> tuple[int, int]:
    """The experiment's script (pid, start time): the process its artifacts' pid names."""
    for pid in processes_of(exp):
        if b"wait.py" in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid, proc_start(pid)
    raise AssertionError(f"no script of {exp} runs")


def epoch(iso: str) -> float:
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


# ------------------------------------------------------------------ kill -9 and restart
def test_a_launcher_outlives_a_kill_9_and_is_adopted_by_the_restarted_server(
    servers, tmp_path, project, signals
):
    server = servers(tmp_path / "team")
    name, exp = launch(server, project, signals)
    launcher = launcher_of(exp)

    # the team server dies mid-run; the script prints a line while it is dead
    server.kill9()
    (signals / "down").touch()
    time.sleep(1.5)
    server.start()

    # the restarted server adopts the launcher: the record stays running
    with server.client("alice") as alice:
        alice.me()
        assert alice.experiment(exp).status == "running"
    assert f"adopted the running launcher of alice:{exp}" in server.log_path.read_text()
    (signals / "go").touch()
    done = final(server, exp)

    # and it ends as the script did, with every line (the one printed meanwhile too) and
    # every artifact
    assert (done.status, done.exit_code, done.message) == ("succeeded", 0, None)
    with server.client("alice") as alice:
        alice.me()
        lines = log_text(alice, exp)
        assert {"started", "while down", "done"} <= set(lines)
        assert sorted(a.path for a in alice.list_artifacts(exp)) == ["pid", "result.txt"]
    wait_for(lambda: not alive(*launcher), "the launcher lingers")
    assert processes_of(exp) == []
    # the executor (polling the adopted launcher) saw it end and dropped its files
    wait_for(lambda: not server.files(exp)["pid"].exists(), "the pidfile stays", 10)


def test_a_script_that_ends_while_the_server_is_down_is_recorded_as_it_ended(
    servers, tmp_path, project, signals
):
    server = servers(tmp_path / "team")
    name, exp = launch(server, project, signals)
    files = server.files(exp)
    launcher, script = launcher_of(exp), script_of(exp)
    server.kill9()
    (signals / "go").touch()
    # the script ends while no team server runs; its launcher keeps trying to upload and
    # report (its patience is 60 s here)
    wait_for(lambda: not alive(*script), "the script never ended", 30)
    ended = time.time()
    time.sleep(1)
    assert alive(*launcher)
    server.start()
    done = final(server, exp)
    # its retries reach the restarted server: the record says what the script did
    assert (done.status, done.exit_code) == ("succeeded", 0), done.message
    with server.client("alice") as alice:
        alice.me()
        assert "done" in log_text(alice, exp)
        assert "result.txt" in [a.path for a in alice.list_artifacts(exp)]
    assert epoch(done.finished_at) >= ended - 2
    assert "gave up" not in files["log"].read_text()
    # the launcher exits right after its final report: give it the moment it takes
    wait_for(lambda: not processes_of(exp) and not alive(*launcher), "the launcher lingers", 10)


def test_a_launcher_that_gave_up_while_the_server_was_down_is_recorded_from_its_outcome(
    servers, tmp_path, project, signals
):
    # a launcher with 3 s of patience: it gives up long before the server is back
    server = servers(tmp_path / "team", patience=3)
    name, exp = launch(server, project, signals)
    files = server.files(exp)
    launcher = launcher_of(exp)
    server.kill9()
    (signals / "go").touch()
    wait_for(lambda: not alive(*launcher), "the launcher never gave up", 60)
    outcome = read_json(files["outcome"]) or {}
    server.start()
    done = final(server, exp, timeout=30)
    # the script exited 0, but its artifacts never reached the server: failed, saying why
    assert (done.status, done.exit_code) == ("failed", 0), done.message
    assert done.message.startswith(
        "the launcher could not report its result; the script exited with code 0 at "
    )
    assert "(artifacts may be missing)" in done.message
    # what the launcher wrote down: it could not report, nor store the artifacts
    assert outcome["exit_code"] == 0 and outcome["delivered"] is False
    assert "could not report succeeded" in files["log"].read_text()
    # the record ends when the script did, not when the server came back
    assert abs(epoch(done.finished_at) - outcome["script_ended_at"]) <= 1.5
    wait_for(
        lambda: not files["outcome"].exists() and not files["pid"].exists(),
        "the outcome file and pidfile stay after the record is final",
        10,
    )


def test_grid_stop_reaches_an_adopted_launcher_and_nothing_of_it_survives(
    servers, tmp_path, project, signals
):
    server = servers(tmp_path / "team")
    # a script that ignores SIGTERM: the launcher must SIGKILL it after the grace
    name, exp = launch(server, project, signals, "--ignore-term")
    launcher, script = launcher_of(exp), script_of(exp)
    server.kill9()
    server.start()
    with server.client("alice") as alice:
        alice.me()
        assert alice.experiment(exp).status == "running"
    assert "1 experiment(s) cancelled" in ok(grid(server, "alice", "stop", "run", name))
    # a process in the middle of exiting has already dropped its environment (so
    # processes_of no longer names it) but is not yet a zombie: wait for all three
    wait_for(
        lambda: not processes_of(exp) and not alive(*launcher) and not alive(*script),
        f"processes of {exp} survive",
        30,
    )
    done = final(server, exp, timeout=30)
    assert done.status == "cancelled"


def test_a_script_orphaned_while_the_server_was_down_is_stopped_and_failed(
    servers, tmp_path, project, signals
):
    server = servers(tmp_path / "team")
    name, exp = launch(server, project, signals)
    launcher, script = launcher_of(exp), script_of(exp)
    # the server dies, then its launcher (an OOM kill, say): the script runs on, unseen
    server.kill9()
    os.kill(launcher[0], 9)
    wait_for(lambda: not alive(*launcher), "the launcher lives")
    assert alive(*script)
    server.start()
    done = final(server, exp, timeout=30)
    assert done.status == "failed"
    assert done.message == (
        "the team server restarted and the launcher is gone; its script "
        "was still running and was stopped"
    )
    wait_for(lambda: not processes_of(exp), "the orphaned script survives", 10)


# ------------------------------------------------------------------ a full disk
@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(mount)], check=True
    )
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of ``folder``'s filesystem; return the filler file."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass
    return filler


def test_a_run_whose_launcher_cannot_report_on_a_full_disk_ends_failed_and_stops_charging(
    small_disk, servers, project, signals, tmp_path
):
    """The team server's data folder (database and blobs) is a 64 MiB tmpfs. While the
    script waits, SQLite's write-ahead log is checkpointed and truncated (so later writes
    must grow it: a WAL that already holds room is reused and would keep accepting them),
    then every free byte is taken; a probe write through the API proves the database now
    refuses writes. Then the script ends: its artifacts (507), log lines and final report
    (500) fail, the launcher gives up after its patience (5 s here) and leaves its outcome
    file; the executor cannot write the record either and keeps retrying until the space
    is freed."""
    server = servers(small_disk / "team", patience=5, tick=1, log_dir=tmp_path)
    name, exp = launch(server, project, signals, instance_type="gpu-a100")
    files = server.files(exp)
    launcher, script = launcher_of(exp), script_of(exp)

    db = sqlite3.connect(server.data_dir / "team.db", timeout=30)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        db.close()
    filler = fill(small_disk)
    assert os.statvfs(small_disk).f_bavail == 0
    with server.client("alice") as alice:
        alice.me()
        with pytest.raises(GridError) as refused:
            alice.register_session(f"probe-{uuid.uuid4().hex[:4]}", url="http://127.0.0.1:9/")
        assert refused.value.status == 500

    (signals / "go").touch()
    wait_for(lambda: not alive(*script), "the script never ended", 30)
    script_ended = time.time()
    wait_for(lambda: not alive(*launcher), "the launcher never ended", 90)
    # the launcher's final report really failed (the server said so)
    assert f"500 POST /api/v1/experiments/alice/{exp}/status" in server.log_path.read_text()
    outcome = read_json(files["outcome"]) or {}
    # while the disk stays full the record cannot change; once there is room again it
    # says what happened, never "running" forever. The executor retries in the background:
    # wait until it has said it still cannot write the record (a retry failed), not for a
    # fixed time, which a loaded machine can spend before the first retry
    wait_for(
        lambda: (
            f"still cannot record experiment alice:{exp} as failed" in server.log_path.read_text()
        ),
        "the executor never retried the record",
        60,
    )
    freed_at = time.time()
    filler.unlink()
    done = final(server, exp, timeout=90)
    assert (done.status, done.exit_code) == ("failed", 0), done.message
    assert done.message.startswith(
        "the launcher could not report its result; the script exited with code 0 at "
    ), done.message
    # the record ends when the script did, not when it could be written
    assert abs(epoch(done.finished_at) - script_ended) <= 2
    assert epoch(done.finished_at) < freed_at - 2

    # billing stopped: the run's cost, the team's balance and the ledger stand still
    with server.client("alice") as alice:
        alice.me()
        run, _ = alice.run(name)
        balance = alice.team("vision").balance
        time.sleep(3.5)  # three ticks
        run2, _ = alice.run(name)
        assert run2.cost == run.cost > 0
        assert alice.team("vision").balance == balance
        entries = [
            e
            for e in alice.ledger("vision", limit=200)["items"]
            if e["resource"] == f"experiment alice:{exp}"
        ]
    # and what was charged is the script's run time, from its start to its end
    charged = -sum(e["amount"] for e in entries)
    ran = outcome["script_ended_at"] - epoch(done.started_at)
    assert abs(charged - 12.0 * ran / 3600) <= 12.0 * 2 / 3600, (charged, ran, entries)

    # how it went: the launcher retried, gave up, and wrote the outcome down first; the
    # executor could not write the record at first and kept trying in the background
    launcher_log = files["log"].read_text()
    assert "could not report succeeded (exit code 0)" in launcher_log, launcher_log[-2000:]
    assert (outcome["exit_code"], outcome["status"]) == (0, "succeeded")
    server_log = server.log_path.read_text()
    assert f"cannot record experiment alice:{exp} as failed yet" in server_log
    assert f"still cannot record experiment alice:{exp} as failed" in server_log
    assert not files["outcome"].exists()


# ------------------------------------------------------------------ the rule, in small
def test_the_record_is_succeeded_only_when_it_reads_as_if_the_launcher_had_reported():
    ended = 1_700_000_000.0
    base = {"exit_code": 0, "script_ended_at": ended, "status": "succeeded"}
    everything = verdict({**base, "delivered": True})
    assert (everything.status, everything.exit_code, everything.ended_at) == ("succeeded", 0, ended)
    assert "its logs and artifacts were stored" in everything.message
    missing = verdict({**base, "delivered": False})
    assert missing.status == "failed" and missing.exit_code == 0
    assert missing.message == (
        "the launcher could not report its result; the script "
        "exited with code 0 at 22:13:20 UTC (artifacts may be missing)"
    )
    crashed = verdict(
        {
            "exit_code": 3,
            "script_ended_at": ended,
            "status": "failed",
            "message": "exit code 3; last lines:\nboom",
            "delivered": True,
        }
    )
    assert crashed.status == "failed" and crashed.message.endswith("boom")
    stopped = verdict({**base, "exit_code": -15, "status": "cancelled"})
    assert stopped.status == "cancelled"
    # nothing written down: what the engine says, or that the restart lost it
    assert (
        verdict(None, "the launcher was killed by signal 9").message
        == "the launcher was killed by signal 9"
    )
    assert (
        verdict({"script": {"pid": 1, "start": 1}}, restarted=True).message
        == "the team server restarted and the launcher is gone"
    )


def test_a_reused_pid_is_not_taken_for_the_launcher():
    me = os.getpid()
    assert alive(me, proc_start(me))
    assert not alive(me, proc_start(me) + 1)  # the same pid, started at another time
    assert not alive(None, 1)
    with open("/proc/sys/kernel/pid_max") as f:
        assert not alive(int(f.read()) + 1, 0)


def test_the_outcome_file_is_out_of_the_runners_reach(servers, tmp_path, project, signals):
    server = servers(tmp_path / "team")
    name, exp = launch(server, project, signals)
    files = server.files(exp)
    me = os.geteuid()
    for path in (files["pid"], files["outcome"]):
        st = os.lstat(path)
        assert (st.st_uid, st.st_mode & 0o777) == (me, 0o600), path
    # the folder holding them is the server's: the runner may pass through, not write
    st = os.lstat(files["pid"].parent)
    assert st.st_uid == me and st.st_mode & 0o777 == 0o710
    (signals / "go").touch()
    assert final(server, exp).status == "succeeded"
    # once the record is final, the executor drops them
    wait_for(
        lambda: not files["outcome"].exists() and not files["pid"].exists(),
        "the pidfile and outcome file stay after the record is final",
        10,
    )
