"""The experiment launcher: ``python -m jupyter_grid_collab.launcher``.

Every engine (local subprocesses, Ray jobs) starts only this. It needs nothing but the
team server's URL and an experiment-scoped token, so it runs the same on any machine:

1. fetch the run's source snapshot and unpack it into a fresh working directory;
2. mount the attached datastore read-only under the datastore root;
3. run the experiment's command with GRID_RUN_NAME, GRID_EXPERIMENT_NAME, GRID_ARTIFACTS_DIR;
4. stream stdout/stderr line by line, timestamped, to the team server as they happen, and
   store the ``grid-metric name=value step=N`` lines of stdout as metrics (metric_lines.py);
5. upload everything under GRID_ARTIFACTS_DIR (on failure too) and report the exit.

Every call to the team server from step 4 on outlasts an outage or a full disk for a
bounded time (launcher_retry.py); and before the final report the launcher writes how the
script ended to its outcome file, so the team server learns the truth even when the report
never arrives (launcher_files.py, executor/outcome.py).

Environment: GRID_URL, GRID_EXPERIMENT_TOKEN, GRID_EXPERIMENT (``owner:run-expN``),
GRID_WORK_DIR (this experiment's work folder; default GRID_WORK_ROOT/<owner>/<experiment>,
GRID_WORK_ROOT defaulting to ~/.grid/work), GRID_DATASTORE_ROOT (default /datastores when
writable, else ~/datastores), GRID_BLOB_DIR (the team server's local blob folder,
for O(1) mounts on the same machine), GRID_STOP_GRACE (seconds between SIGTERM and SIGKILL),
GRID_RUNNER_UID/GID/PYTHON (run the script as that uid with that interpreter; see runner.py),
GRID_OUTCOME_FILE (where to write the outcome; the local engine sets it beside the launcher's
log), GRID_REPORT_PATIENCE (seconds to keep trying an unreachable team server; default 120).

Exit codes: 0 reported (or the server had already decided), 2 setup failed and reported,
3 the final status could not be reported (the outcome file holds it).

The launcher itself runs as the team server's user; with a runner uid the script does not
(runner.py), and the work folder is handled as the runner's from then on (runner_files.py).

Its start path imports the standard library only (launcher_http.py speaks to the team
server), so the script starts as soon as its folder is ready; GridClient and its httpx
are loaded only to mount a datastore, which needs the whole client.
"""

from __future__ import annotations

import os
import queue
import shlex
import signal
import subprocess
import sys
import tarfile
import threading
import time
from collections import deque
from pathlib import Path

from .launcher_files import OUTCOME_ENV, proc_start, write_json
from .launcher_http import ReportError, TeamServer
from .launcher_retry import Patience, budget_from_env, transient
from .metric_lines import MetricLineError, is_metric_line
from .metric_lines import parse as parse_metric_line
from .runner import Runner, RunnerUnavailable, python_command, script_environment
from .runner_files import WorkDir, artifacts, fresh_work_dir, hand_over

FLUSH_SECONDS = 0.2
MAX_BATCH = 500
MAX_METRIC_BATCH = 10_000  # bodies.MAX_POINTS_PER_POST
TAIL_LINES = 20


class LogShipper:
    """Collects output lines from reader threads and posts them in small, frequent batches;
    a batch the team server cannot take now is retried within the launcher's patience.
    The script's ``grid-metric`` lines are posted as metric points too, batched the same way
    (a line that cannot be read is said once in the log, as a system line)."""

    def __init__(self, server: TeamServer, patience: Patience):
        self.server = server
        self.patience = patience
        self.lost = 0  # lines the team server never took
        self.lost_points = 0  # metric points, likewise
        self.lines: queue.Queue = queue.Queue()
        self.points: queue.Queue = queue.Queue()
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._bad_metric_said = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._ship, name="log-shipper", daemon=True)
        self._thread.start()

    def add(self, stream: str, line: str) -> None:
        if stream != "system":
            self.tail.append(line)  # the failure message quotes the script, not us
        ts = time.time()
        self.lines.put({"ts": ts, "stream": stream, "line": line})
        if stream == "stdout" and is_metric_line(line):
            self._add_metrics(line, ts)

    def _add_metrics(self, line: str, ts: float) -> None:
        try:
            points = parse_metric_line(line, ts)
        except MetricLineError as exc:
            if not self._bad_metric_said:
                self._bad_metric_said = True
                self.system(
                    f"[grid] a grid-metric line was not read: {exc} (the format: "
                    "grid-metric name=value ... step=N); later ones are not reported"
                )
            return
        for point in points:
            self.points.put(point)

    def system(self, line: str) -> None:
        self.add("system", line)

    def _ship(self) -> None:
        while not (self._done.is_set() and self.lines.empty() and self.points.empty()):
            batch = []
            try:
                batch.append(self.lines.get(timeout=FLUSH_SECONDS))
                while len(batch) < MAX_BATCH:
                    batch.append(self.lines.get_nowait())
            except queue.Empty:
                pass
            if batch:
                self._post(batch)
            points = _drain(self.points, MAX_METRIC_BATCH)
            if points:
                self._post_points(points)

    def _post(self, batch: list[dict]) -> None:
        try:
            self.patience.call("sending log lines", self.server.append_logs, batch)
        except ReportError:
            self.lost += len(batch)  # refused (the token expired) or the server stayed away

    def _post_points(self, points: list[dict]) -> None:
        try:
            self.patience.call("sending metrics", self.server.append_metrics, points)
        except ReportError:
            self.lost_points += len(points)

    def close(self) -> None:
        self._done.set()
        # a batch may be waiting out an outage: give it the whole patience
        self._thread.join(timeout=self.patience.budget + 30)
        self.lost += self.lines.qsize()
        self.lost_points += self.points.qsize()


def _drain(q: queue.Queue, most: int) -> list:
    out: list = []
    try:
        while len(out) < most:
            out.append(q.get_nowait())
    except queue.Empty:
        pass
    return out


def _pump(pipe, stream: str, shipper: LogShipper) -> None:
    for raw in iter(pipe.readline, b""):
        shipper.add(stream, raw.decode("utf-8", "replace").rstrip("\r\n"))
    pipe.close()


def _unpack_source(server: TeamServer, dest: Path) -> bool:
    """Download and unpack the run's source snapshot; False when the run has none."""
    archive = dest.parent / "source.tar.gz"
    try:
        server.download_source(archive)
    except ReportError as exc:
        if exc.status == 404:
            return False
        raise
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")  # refuses absolute paths, '..' and device files
    archive.unlink()
    return True


def _command(command: str, runner: Runner | None) -> list[str]:
    # "python" means the runner's interpreter, else this one, so a run uses the environment
    # it was launched with
    return python_command(shlex.split(command), runner.python if runner else sys.executable)


def _upload_artifacts(
    server: TeamServer,
    root: Path,
    owner_uid: int,
    shipper: LogShipper,
    patience: Patience,
) -> tuple[int, int]:
    """Upload the script's own regular files under ``root``; say why anything else is not.
    Returns how many were stored and how many the team server did not take."""
    count = failed = 0
    for art in artifacts(root, owner_uid):
        if art.fd is None:
            shipper.system(f"[grid] artifact {art.path} was not uploaded: {art.skipped}")
            continue
        try:
            patience.call(
                f"uploading artifact {art.path}", server.upload_artifact, art.path, art.source
            )
            count += 1
        except ReportError as exc:
            failed += 1
            shipper.system(f"[grid] artifact {art.path} was not uploaded: {exc.message}")
        finally:
            art.close()
    return count, failed


def _mount(
    url: str, token: str, datastore: str, root: Path, consumer_uid: int | None
) -> tuple[Path, str | None]:
    """Mount ``datastore`` under ``root`` (datastore_mount.py); the mounted folder and how it
    was filled. The mount speaks the whole team API, so only here is GridClient (and its
    httpx) imported; its errors become the launcher's ReportError."""
    from .client import GridClient, GridError
    from .datastore_mount import describe_mount, mount_datastore

    try:
        with GridClient(url, token, timeout=60) as client:
            mounted = mount_datastore(
                client, datastore, root, os.environ.get("GRID_BLOB_DIR"), consumer_uid=consumer_uid
            )
    except GridError as exc:
        raise ReportError(exc.message, exc.status) from None
    return mounted, describe_mount(mounted)


def _work_dir(owner: str, exp_name: str) -> Path:
    if os.environ.get("GRID_WORK_DIR"):  # the local engine always names it
        return Path(os.environ["GRID_WORK_DIR"])
    from .credentials import grid_home  # only here: it loads dataclasses

    return Path(os.environ.get("GRID_WORK_ROOT") or grid_home() / "work") / owner / exp_name


def default_datastore_root(root: Path = Path("/datastores")) -> Path:
    """``/datastores`` where this user may write there, else ``~/datastores``."""
    try:
        root.mkdir(exist_ok=True)
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    return Path.home() / "datastores"


class Outcome:
    """What this launcher knows about its script, kept in the outcome file beside its log
    (launcher_files.py) for the team server to read should the final report never arrive;
    nothing is kept where the engine named no file (Ray jobs)."""

    def __init__(self, path: str | None, experiment: str):
        self.path = Path(path) if path else None
        self.data: dict = {
            "experiment": experiment,
            "launcher": {"pid": os.getpid(), "start": proc_start(os.getpid())},
        }

    def update(self, **fields) -> None:
        if self.path is None:
            return
        self.data.update(fields, written_at=time.time())
        try:
            write_json(self.path, self.data)
        except OSError as exc:  # e.g. a full disk: the report itself may still get through
            print(f"[grid launcher] cannot write {self.path}: {exc}", file=sys.stderr, flush=True)


def _report(
    server: TeamServer,
    patience: Patience,
    outcome: Outcome,
    status: str,
    code: int | None,
    message: str | None,
    ended: float,
    delivered: bool,
) -> bool:
    """Report the final status; first write it down, so the team server learns it from the
    outcome file if the report never arrives. False when it could not be reported."""
    outcome.update(
        status=status, exit_code=code, message=message, script_ended_at=ended, delivered=delivered
    )
    try:
        patience.call(
            "reporting the final status",
            server.report_status,
            status,
            exit_code=code,
            message=message,
        )
    except ReportError as exc:
        if not transient(exc):
            return True  # refused: already cancelled by grid stop, or deleted; that stands
        print(
            f"[grid launcher] could not report {status} (exit code {code}): {exc.message}; "
            f"the team server reads {outcome.path or 'nothing (no outcome file)'}",
            file=sys.stderr,
            flush=True,
        )
        return False
    outcome.update(reported=True)
    return True


def main() -> int:
    # the executor names the experiment in full (owner:run-expN); parsed once, kept by server
    url, token = os.environ["GRID_URL"], os.environ["GRID_EXPERIMENT_TOKEN"]
    server = TeamServer(url, token, os.environ["GRID_EXPERIMENT"], timeout=60)
    owner, exp_name = server.owner, server.experiment
    patience = Patience(budget_from_env())
    outcome = Outcome(os.environ.get(OUTCOME_ENV), f"{owner}:{exp_name}")
    run = patience.call("reading the run", server.run)
    exp = next(e for e in run.get("experiments", []) if e["name"] == exp_name)
    runner = Runner.from_env()
    shipper = LogShipper(server, patience)
    work = WorkDir(_work_dir(owner, exp_name))
    grid = dict(
        GRID_RUN_NAME=run["name"],
        GRID_EXPERIMENT_NAME=exp_name,
        GRID_ARTIFACTS_DIR=str(work.artifacts),
        GRID_OWNER=owner,
    )

    def give_up(line: str, code: int | None, message: str) -> int:
        # nothing ran, or the script could not start: say why, in the log and the record
        shipper.system(line)
        shipper.close()
        reported = _report(
            server, patience, outcome, "failed", code, message, time.time(), shipper.lost == 0
        )
        return 2 if reported else 3

    try:
        work = fresh_work_dir(work.root)
        _unpack_source(server, work.src)
        datastore = run.get("datastore")
        if datastore:
            root = Path(os.environ.get("GRID_DATASTORE_ROOT") or default_datastore_root())
            # the runner cannot write the blobs' inodes, so its mount may hard-link them
            mounted, how = _mount(url, token, datastore, root, runner.uid if runner else None)
            grid["GRID_DATASTORE_DIR"] = str(mounted)
            shipper.system(
                f"[grid] datastore {datastore} mounted read-only at {mounted}"
                + (f" ({how})" if how else "")
            )
        argv = _command(exp["command"], runner)
        if runner is not None:
            # from here on the folder is the runner's: nothing below follows a link in it
            hand_over(work, runner.uid, runner.gid)
            launch = runner.command(argv)
        else:
            launch = argv
    except (ReportError, OSError, tarfile.TarError, RunnerUnavailable) as exc:
        message = getattr(exc, "message", None) or str(exc)
        return give_up(
            f"[grid] could not prepare the experiment: {message}", None, f"setup failed: {message}"
        )

    env = script_environment(runner, str(work.home), str(work.tmp), grid)
    as_whom = f" (as uid {runner.uid})" if runner else ""
    shipper.system(f"[grid] running: {shlex.join(argv)}{as_whom}")
    stopping = threading.Event()
    started: list[subprocess.Popen] = []

    def on_term(_sig, _frame):
        # grid stop: SIGTERM the script's process group, SIGKILL it after the grace period
        stopping.set()
        if started:
            _stop(started[0])

    # before the script starts, so a stop that arrives meanwhile still reaches it
    signal.signal(signal.SIGTERM, on_term)
    try:
        proc = subprocess.Popen(
            launch,
            cwd=work.src,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return give_up(
            f"[grid] cannot start {argv[0]}: {exc.strerror}", 127, f"cannot start: {exc}"
        )
    started.append(proc)
    outcome.update(script={"pid": proc.pid, "start": proc_start(proc.pid)})
    if stopping.is_set():
        _stop(proc)
    refused = None
    try:
        patience.call("reporting that the script started", server.report_status, "running")
    except ReportError as exc:
        # cancelled or deleted meanwhile, or the server stayed away: a script the record
        # does not show running must not run on unseen
        refused = exc.message
        shipper.system(
            f"[grid] the team server did not take the start: {refused}; stopping the script"
        )
        _stop(proc)
    readers = [
        threading.Thread(target=_pump, args=(proc.stdout, "stdout", shipper)),
        threading.Thread(target=_pump, args=(proc.stderr, "stderr", shipper)),
    ]
    for r in readers:
        r.start()
    code = proc.wait()
    ended = time.time()
    outcome.update(exit_code=code, script_ended_at=ended)
    for r in readers:
        r.join()
    n, missing = _upload_artifacts(
        server, work.artifacts, runner.uid if runner else os.geteuid(), shipper, patience
    )
    shipper.system(
        f"[grid] exit code {code}; {n} artifact(s) uploaded"
        + (f", {missing} not stored" if missing else "")
        + (f"; {shipper.lost} log line(s) could not be stored" if shipper.lost else "")
        + (
            f"; {shipper.lost_points} metric point(s) could not be stored"
            if shipper.lost_points
            else ""
        )
    )
    shipper.close()
    if stopping.is_set():
        status, message = "cancelled", "stopped"
    elif refused is not None:
        status, message = "failed", f"the team server did not take the start: {refused}"
    elif code == 0:
        status, message = "succeeded", None
    else:
        tail = "\n".join(list(shipper.tail)[-TAIL_LINES:])
        status, message = "failed", f"exit code {code}; last lines:\n{tail}"
    delivered = shipper.lost == 0 and missing == 0
    return 0 if _report(server, patience, outcome, status, code, message, ended, delivered) else 3


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the script's process group now, SIGKILL it after the grace period."""
    _signal_group(proc, signal.SIGTERM)
    grace = float(os.environ.get("GRID_STOP_GRACE", "10"))
    killer = threading.Timer(grace, _signal_group, (proc, signal.SIGKILL))
    killer.daemon = True  # once the script is gone, exit without waiting out the grace
    killer.start()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    sys.exit(main())
