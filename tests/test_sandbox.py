"""Runs are untrusted code: a run, by an outsider's team or by a member, reaches nothing of
the team server's (its data folder, secret key, database, blobs, environment) and nothing of
another team's (work folders, mounted datastores); the launcher, which stays with the team
server's user, uploads none of the links a script plants; files at rest are private; and a
team server that cannot isolate runs refuses them. All against a real team server running
real experiments: each script prints what it tried, and the tests read its log."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest
from teamserver_harness import TeamServerProcess
from test_executor import client, log_text, wait_run

from jupyter_grid_collab.submit import submit_run
from jupyter_grid_collab.teamserver.executor.sandbox import DEFAULT_UID_BASE

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="isolated runs need root (CI is)")

# Each attempt prints "<what>: denied (<error>)" or "<what>: ALLOWED ..."; the tests read
# the log through the API, as a teammate would.
ATTACK = textwrap.dedent("""
    import json, os, sys
    t = json.loads({targets!r})

    def attempt(what, action):
        try:
            got = action()
        except OSError as exc:
            print(f"{{what}}: denied ({{type(exc).__name__}})", flush=True)
        else:
            print(f"{{what}}: ALLOWED {{str(got)[:60]!r}}", flush=True)

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    def append(path):
        with open(path, "ab") as f:
            return f.write(b"x")

    attempt("read secret.key", lambda: read(t["secret"]))
    attempt("read team.db", lambda: read(t["db"]))
    attempt("write team.db", lambda: append(t["db"]))
    attempt("list the data folder", lambda: os.listdir(t["data"]))
    attempt("read a blob", lambda: read(t["blob"]))
    attempt("list the work root", lambda: os.listdir(t["work_root"]))
    attempt("list another team's work", lambda: os.listdir(t["other_work"]))
    attempt("read another team's file", lambda: read(t["other_file"]))
    attempt("list another team's datastores", lambda: os.listdir(t["other_datastores"]))
    attempt("read the server's environment", lambda: read(f"/proc/{{t['server_pid']}}/environ"))
    attempt("read the launcher's environment", lambda: read(f"/proc/{{os.getppid()}}/environ"))
    names = sorted(os.environ)
    print("token in env:", "GRID_EXPERIMENT_TOKEN" in names, flush=True)
    print("api key in env:", "GRID_API_KEY" in names, flush=True)
    print("server settings in env:", [n for n in names if n.startswith("GRID_COLLAB")],
          flush=True)
    print("env:", " ".join(names), flush=True)
    import jupyter_grid_collab  # the project's packages, from the runner's interpreter
    print("uid:", os.getuid(), "gid:", os.getgid(), "groups:", os.getgroups(), flush=True)
""")
SCRIPT_ENV = {
    "GRID_RUN_NAME",
    "GRID_EXPERIMENT_NAME",
    "GRID_ARTIFACTS_DIR",
    "GRID_OWNER",
    "GRID_DATASTORE_DIR",
    "PYTHONUNBUFFERED",
    "PATH",
    "HOME",
    "TMPDIR",
    "LANG",
    "LC_ALL",
    "TZ",
}
ATTEMPTS = [
    "read secret.key",
    "read team.db",
    "write team.db",
    "list the data folder",
    "read a blob",
    "list the work root",
    "list another team's work",
    "read another team's file",
    "list another team's datastores",
    "read the server's environment",
    "read the launcher's environment",
]

# A script that leaves its artifacts full of links to the team server's secret key, and a
# helper that outlives it and swaps regular files for such links one by one while the
# launcher lists and uploads them (a launcher that checks a path and then opens it again
# uploads the key).
PLANT = textwrap.dedent("""
    import os, pathlib, time
    secret, data = {secret!r}, {data!r}
    out = pathlib.Path(os.environ["GRID_ARTIFACTS_DIR"])
    (out / "ok.txt").write_text("mine")
    os.symlink(secret, out / "key.txt")
    os.symlink(data, out / "data")
    for i in range(40):
        (out / f"swap{{i:02}}.txt").write_text("harmless")
    script = os.getpid()
    if os.fork() == 0:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)  # the launcher's pipes close with the script
        while os.getppid() == script:  # the script ended: the launcher lists, then uploads
            time.sleep(0.001)
        for i in range(40):
            time.sleep(0.01)
            os.symlink(secret, out / f".tmp{{i}}")
            os.replace(out / f".tmp{{i}}", out / f"swap{{i:02}}.txt")
        os._exit(0)
    print("planted", flush=True)
""")


def team_id(server: TeamServerProcess, team: str) -> int:
    with sqlite3.connect(server.data_dir / "team.db") as db:
        return db.execute("SELECT id FROM teams WHERE name = ?", (team,)).fetchone()[0]


def runner_uid(server: TeamServerProcess, team: str) -> int:
    return DEFAULT_UID_BASE + team_id(server, team)


def run_script(server, user: str, source: str, tmp: Path, **kw):
    """Submit ``source`` as ``user``'s one-experiment run; wait; return (run, its log)."""
    proj = tmp / f"proj-{uuid.uuid4().hex[:6]}"
    proj.mkdir()
    (proj / "job.py").write_text(source)
    c = client(server, user)
    name = f"sbx-{uuid.uuid4().hex[:6]}"
    submit_run(c, proj / "job.py", [], name=name, **kw)
    run, exps = wait_run(c, name)
    return run, exps[0], log_text(c, f"{name}-exp0")


def only_line(lines: list[str], prefix: str) -> str:
    found = [line for line in lines if line.startswith(prefix)]
    assert len(found) == 1, (prefix, lines)
    return found[0]


@pytest.fixture(scope="module")
def victims(exec_server, tmp_path_factory):
    """A finished run of each team that left a file in its work folder and mounted a
    datastore of its team: what the other team's runs go after."""
    tmp = tmp_path_factory.mktemp("victims")
    keep = textwrap.dedent("""
        import os, pathlib
        (pathlib.Path(os.environ["GRID_ARTIFACTS_DIR"]) / "private.txt").write_text("mine")
        print("datastore:", os.environ["GRID_DATASTORE_DIR"], flush=True)
    """)
    found = {}
    for user, team in (("alice", "vision"), ("dave", "other")):
        data = tmp / user
        data.mkdir()
        (data / "labels.txt").write_text("private labels\n")
        ds_name = f"private-{uuid.uuid4().hex[:6]}"
        with exec_server.client(user) as c:
            c.me()
            c.upload_datastore(ds_name, data)
        run, exp, lines = run_script(exec_server, user, keep, tmp, datastore=f"{user}:{ds_name}")
        assert run.status == "succeeded", (exp.message, lines)
        work = exec_server.work_root / team / user / exp.name
        found[team] = {
            "work": work,
            "file": work / "artifacts" / "private.txt",
            "datastores": Path(only_line(lines, "datastore:").split()[1]).parent,
            "mounted": only_line(lines, "[grid] datastore"),
        }
    blob = next(p for p in (exec_server.data_dir / "blobs" / "objects").rglob("*") if p.is_file())
    return found, blob


def attack(exec_server, victims, user: str, target_team: str, tmp: Path):
    found, blob = victims
    data = exec_server.data_dir
    targets = {
        "secret": str(data / "secret.key"),
        "db": str(data / "team.db"),
        "data": str(data),
        "blob": str(blob),
        "work_root": str(exec_server.work_root),
        "other_work": str(found[target_team]["work"]),
        "other_file": str(found[target_team]["file"]),
        "other_datastores": str(found[target_team]["datastores"]),
        "server_pid": exec_server.proc.pid,
    }
    return run_script(exec_server, user, ATTACK.format(targets=json.dumps(targets)), tmp)


def assert_all_denied(lines: list[str]) -> None:
    for what in ATTEMPTS:
        line = only_line(lines, f"{what}:")
        assert ": denied (" in line, line
    assert only_line(lines, "token in env:") == "token in env: False"
    assert only_line(lines, "api key in env:") == "api key in env: False"
    assert only_line(lines, "server settings in env:") == "server settings in env: []"
    # nothing but what a script needs: no setting or secret of the server's can hide there
    names = set(only_line(lines, "env:").split()[1:])
    assert names <= SCRIPT_ENV, names - SCRIPT_ENV


def test_an_outsiders_run_reaches_nothing_of_the_server_or_another_team(
    exec_server, victims, tmp_path
):
    # dave (team other, outside team vision) runs a script that goes after everything
    run, exp, lines = attack(exec_server, victims, "dave", "vision", tmp_path)
    assert run.status == "succeeded", (exp.message, lines)
    assert_all_denied(lines)
    uid = runner_uid(exec_server, "other")
    assert only_line(lines, "uid:") == f"uid: {uid} gid: {uid} groups: []"


def test_a_members_run_is_as_confined_and_runs_as_its_own_teams_uid(exec_server, victims, tmp_path):
    # bob, a plain member of team vision, goes after the data folder and team other's work
    run, exp, lines = attack(exec_server, victims, "bob", "other", tmp_path)
    assert run.status == "succeeded", (exp.message, lines)
    assert_all_denied(lines)
    vision, other = runner_uid(exec_server, "vision"), runner_uid(exec_server, "other")
    assert vision != other and 0 not in (vision, other)
    assert only_line(lines, "uid:") == f"uid: {vision} gid: {vision} groups: []"
    assert f"(as uid {vision})" in only_line(lines, "[grid] running:")
    # its work folder is its runner's and nobody else's
    work = exec_server.work_root / "vision" / "bob" / exp.name
    st = work.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (vision, vision, 0o700)


def test_links_planted_in_the_artifacts_are_not_uploaded(exec_server, tmp_path):
    data = exec_server.data_dir
    secret = (data / "secret.key").read_bytes().strip()
    source = PLANT.format(secret=str(data / "secret.key"), data=str(data))
    run, exp, lines = run_script(exec_server, "carol", source, tmp_path)
    assert run.status == "succeeded", (exp.message, lines)
    with exec_server.client("carol") as carol:
        carol.me()
        arts = carol.list_artifacts(exp.name)
        paths = sorted(a.path for a in arts)
        assert "ok.txt" in paths and "key.txt" not in paths
        assert not any(p.startswith("data/") for p in paths)
        for art in arts:  # nothing uploaded holds the key, swapped in or not
            got = carol.download_artifact(exp.name, art, tmp_path / "dl" / art.path)
            assert secret not in got.read_bytes(), art.path
    assert "[grid] artifact key.txt was not uploaded: it is a symbolic link" in lines
    assert "[grid] artifact data was not uploaded: it is a symbolic link" in lines


def test_a_runs_mount_is_o1_because_its_runner_cannot_write_the_blobs(victims):
    # hard links to the team server's blobs: safe, since the runner is neither root nor
    # their owner (root consumers get copies or reflinks, see datastore_mount.py)
    for team in ("vision", "other"):
        assert victims[0][team]["mounted"].endswith("(hard links (O(1)))"), victims[0][team]


def mode(path: Path) -> tuple[int, int]:
    st = os.lstat(path)
    return st.st_uid, stat.S_IMODE(st.st_mode)


def test_files_at_rest_are_private_to_the_team_servers_user(exec_server, victims):
    data = exec_server.data_dir
    me = os.geteuid()
    assert mode(data) == (me, 0o700)
    for name in ("team.db", "secret.key"):
        assert mode(data / name) == (me, 0o600), name
    for name in ("team.db-wal", "team.db-shm"):  # SQLite's, while the server has it open
        assert not (data / name).exists() or mode(data / name) == (me, 0o600), name
    blobs = data / "blobs"
    for folder in (
        blobs,
        blobs / "objects",
        blobs / "staging",
        *(p for p in (blobs / "objects").iterdir() if p.is_dir()),
    ):
        assert mode(folder) == (me, 0o700), folder
    # blob files stay 0444: a hard-linked mount is the same inode; their folders keep them
    blob = victims[1]
    assert mode(blob) == (me, 0o444)
    # the work root: runners pass through, list nothing; each team's folders are for its
    # runner to pass; each experiment's folder is its runner's alone
    root = exec_server.work_root
    assert mode(root) == (me, 0o711)
    vision = runner_uid(exec_server, "vision")
    for folder in (root / "vision", root / "vision" / "alice"):
        st = os.lstat(folder)
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (me, vision, 0o710)
    work = victims[0]["vision"]["work"]
    assert mode(work) == (vision, 0o700)
    assert mode(work.with_name(work.name + ".launcher.log")) == (me, 0o600)


def test_a_server_that_cannot_isolate_refuses_runs_and_says_how_to_enable(tmp_path):
    # root, but no setpriv on its PATH: isolation is impossible here
    bare = tmp_path / "bin"
    bare.mkdir()
    server = TeamServerProcess(
        tmp_path / "team",
        extra_args=["--runner-isolation", "setpriv"],
        extra_env={"PATH": str(bare)},
    )
    server.seed()
    server.start()
    try:
        run, exp, lines = run_script(server, "alice", "print('ran')\n", tmp_path)
        assert run.status == "failed" and exp.status == "failed"
        assert exp.message.startswith(
            "refused: this team server cannot run experiments "
            "isolated (setpriv (util-linux) is not installed)"
        )
        assert "Run the team server as root" in exp.message
        assert "--runner-isolation none" in exp.message
        assert "ran" not in lines
        assert "experiments are refused" in server.log_path.read_text()
    finally:
        server.stop()


@pytest.fixture
def nobody_python(tmp_path):
    """An interpreter an ordinary uid can run with this project's packages, as the team
    server makes one for its runners (this machine's own may sit in root's 0700 home)."""
    from jupyter_grid_collab.teamserver.executor import runner_python

    bases = runner_python._system_pythons()
    if not bases:
        pytest.skip("no system Python of this version")
    folder = Path(tempfile.mkdtemp(prefix="grid-python-"))
    os.chmod(folder, 0o755)
    yield runner_python._shared_venv(bases[0], folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_a_server_not_running_as_root_refuses_runs(nobody_python):
    """The default (auto) on a team server run by an ordinary user: runs are refused."""
    uid = DEFAULT_UID_BASE - 1
    home = Path(tempfile.mkdtemp(prefix="grid-nonroot-"))  # pytest's folders are root's
    try:
        server = TeamServerProcess(
            home / "team",
            work_root=home / "runs",
            extra_env={"HOME": str(home)},
            python=["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", nobody_python],
        )
        server.seed()
        for path in (home, *home.rglob("*")):
            os.chown(path, uid, uid, follow_symlinks=False)
        server.start()
        try:
            run, exp, lines = run_script(server, "alice", "print('ran')\n", home)
            assert exp.status == "failed"
            assert exp.message.startswith(
                "refused: this team server cannot run experiments isolated (the team server "
                "does not run as root"
            )
            assert "--runner-isolation none" in exp.message
            assert "ran" not in lines
        finally:
            server.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_a_runner_python_the_runners_cannot_use_stops_the_server_with_a_clear_error(tmp_path):
    hidden = Path(f"/tmp/grid-private-{uuid.uuid4().hex[:6]}")
    hidden.mkdir(mode=0o700)
    try:
        # the team server's own environment, behind a folder only root may enter
        os.symlink(Path(sys.prefix), hidden / "env")
        python = hidden / "env" / "bin" / "python"
        server = TeamServerProcess(tmp_path / "team", extra_args=["--runner-python", str(python)])
        server.seed()
        with pytest.raises(RuntimeError, match="team server exited") as err:
            server.start()
        text = str(err.value)
        assert "no Python interpreter works for the runner uids" in text
        assert f"{python}: as uid {DEFAULT_UID_BASE}" in text
        assert "Permission denied" in text and "--runner-python" in text
    finally:
        os.unlink(hidden / "env")
        hidden.rmdir()


def test_the_runners_interpreter_is_a_real_python_for_the_runner(exec_server, tmp_path):
    """Not the pitfall: the same Python, stdlib and packages as the team server saw when it
    checked it, and a shell the script starts finds that same interpreter."""
    source = textwrap.dedent("""
        import os, subprocess, sys
        print("prefix:", sys.base_prefix, "stdlib:", os.path.dirname(os.__file__), flush=True)
        shell = subprocess.run("python -c 'import sys, jupyter_grid_collab; "
                               "print(sys.executable)'", shell=True, capture_output=True,
                               text=True)
        print("from a shell:", shell.returncode, shell.stdout.strip(), flush=True)
        print("me:", sys.executable, flush=True)
        import tempfile
        print("tmp:", tempfile.gettempdir(), "home:", os.path.expanduser("~"), flush=True)
    """)
    run, exp, lines = run_script(exec_server, "alice", source, tmp_path)
    assert run.status == "succeeded", (exp.message, lines)
    me = only_line(lines, "me:").split()[1]
    assert only_line(lines, "from a shell:") == f"from a shell: 0 {me}"
    prefix = only_line(lines, "prefix:").split()
    assert Path(prefix[3]).is_relative_to(prefix[1])  # its own stdlib, not another's
    work = exec_server.work_root / "vision" / "alice" / exp.name
    assert only_line(lines, "tmp:") == f"tmp: {work / 'tmp'} home: {work / 'home'}"
    # the interpreter the server probed is the one runs use: run as root, it agrees
    check = subprocess.run(
        [me, "-c", "import os, sys; print(sys.base_prefix, os.path.dirname(os.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.split() == [prefix[1], prefix[3]]


def connect_script(*ports: int) -> str:
    """A script that tries each port on 127.0.0.1 and says what happened."""
    return textwrap.dedent(f"""
        import socket
        for port in {list(ports)!r}:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                print(f"port {{port}}: connected", flush=True)
            except OSError as exc:
                print(f"port {{port}}: refused ({{type(exc).__name__}})", flush=True)
    """)


def test_with_runner_network_none_a_run_reaches_no_service_of_the_machine(exec_server, tmp_path):
    # a run with the host's network reaches the team server and PostgreSQL (trust auth
    # here): with --runner-network none the same script reaches neither
    _, exp, lines = run_script(
        exec_server, "alice", connect_script(exec_server.port, 5432), tmp_path
    )
    assert exp.status == "succeeded", lines
    assert f"port {exec_server.port}: connected" in lines and "port 5432: connected" in lines
    server = TeamServerProcess(
        tmp_path / "team", extra_args=["--runner-network", "none", "--max-parallel", "1"]
    )
    server.seed()
    server.start()
    try:
        _, exp, lines = run_script(server, "alice", connect_script(server.port, 5432), tmp_path)
        assert exp.status == "succeeded", lines
        assert any(line.startswith(f"port {server.port}: refused") for line in lines), lines
        assert any(line.startswith("port 5432: refused") for line in lines), lines
        assert "no network (--runner-network none)" in server.log_path.read_text()
    finally:
        server.stop()
