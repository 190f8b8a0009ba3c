"""The real `grid` executable, as a subprocess, against a real team server on loopback.

The seeded team "vision": alice owner, carol admin, bob user; dave is in another team.
Runs and experiments are driven by hand with alice's GridClient (create_run,
report_status, append_logs, upload_artifact), so these servers run with
``--executor none``: the default local executor would launch the hand-made runs and
change their statuses and logs under the test.
"""

from __future__ import annotations

import json
import os
import queue
import stat
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from teamserver_harness import TeamServerProcess, free_port, seeded_server

from jupyter_grid_collab.client import NotFound

GRID = str(Path(sys.executable).parent / "grid")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    """A seeded team server per backend whose runs are only moved by the tests."""
    with seeded_server(tmp_path_factory.mktemp(f"cli-{request.param}"), request.param) as srv:
        yield srv


@pytest.fixture
def alice(server):
    with server.client("alice") as c:
        c.me()
        yield c


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def grid(
    server: TeamServerProcess | None,
    user: str | None,
    *args: str,
    input: str | None = None,
    home: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run `grid ARGS` as ``user`` (GRID_URL / GRID_API_KEY / GRID_HOME in its env)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    full["GRID_HOME"] = str(home or Path(os.environ["GRID_HOME"]))
    if server is not None:
        full["GRID_URL"] = server.url
    if user is not None:
        full["GRID_API_KEY"] = server.keys[user]
    full.update(env or {})
    return subprocess.run(
        [GRID, *args], env=full, input=input, capture_output=True, text=True, timeout=120
    )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess) -> str:
    """A user mistake: non-zero exit, one clear line on stderr, no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def make_run(alice, name: str, experiments: int = 2) -> None:
    alice.create_run("python train.py", {"lr": [0.01, 0.1, 1.0][:experiments]}, name=name)


# ----------------------------------------------------------------- sessions
def test_sessions_mine_team_and_one_teammate(server, alice):
    # Given alice and bob each have a session
    mine, hers = unique("bob-s"), unique("alice-s")
    alice.register_session(hers, url="http://127.0.0.1:1/alice/")
    with server.client("bob") as bob:
        bob.register_session(mine, url="http://127.0.0.1:1/bob/")
    # When bob lists his own, the team's, and alice's sessions
    own = ok(grid(server, "bob", "session"))
    team = ok(grid(server, "bob", "session", "--global"))
    alices = ok(grid(server, "bob", "session", "--global", "alice"))
    alices_bare = ok(grid(server, "bob", "session", "alice", "--output", "json"))
    # Then his own listing hides hers, --global shows both with their creators and the
    # GitHub identity each carries, and the username narrows to alice's
    assert mine in own and hers not in own and "Created By" not in own
    assert mine in team and hers in team and "Created By" in team and "alice-gh" in team
    assert hers in alices and mine not in alices
    parsed = json.loads(alices_bare)
    assert hers in {s["name"] for s in parsed} and {s["owner"] for s in parsed} == {"alice"}
    assert next(s for s in parsed if s["name"] == hers)["github"]["login"] == "alice-gh"


def test_teammate_cannot_pause_or_delete_a_session_but_its_creator_can(server, alice):
    # Given alice's running session
    name = unique("s")
    alice.register_session(name, url="http://127.0.0.1:1/")
    # When bob tries to delete and to pause it
    deleted = refused(grid(server, "bob", "session", "delete", f"alice:{name}"))
    paused = refused(grid(server, "bob", "session", "pause", f"alice:{name}"))
    # Then the server's message is printed and nothing changed
    assert f'bob cannot delete alice\'s session "{name}"' in deleted
    assert "bob cannot pause alice's session" in paused
    assert alice.session(name).status == "running"
    # And alice herself pauses, resumes and deletes it
    assert f"paused session alice:{name}" in ok(grid(server, "alice", "session", "pause", name))
    assert alice.session(name).status == "paused"
    ok(grid(server, "alice", "session", "resume", name))
    assert alice.session(name).status == "running"
    ok(grid(server, "alice", "session", "delete", name))
    with pytest.raises(NotFound):
        alice.session(name)


# ----------------------------------------------------------------- runs
def test_status_and_history_of_a_teammates_run(server, alice):
    # Given alice's run with one experiment running and one pending
    run = unique("r")
    make_run(alice, run)
    alice.report_status(f"{run}-exp0", "running")
    # When bob asks for his runs, the team's, and that run's experiments
    own = ok(grid(server, "bob", "status"))
    team = ok(grid(server, "bob", "status", "--global"))
    detail = ok(grid(server, "bob", "status", f"alice:{run}"))
    as_json = json.loads(ok(grid(server, "bob", "status", "--global", "-o", "json")))
    # Then only --global shows it, with its creator and counts; RUN lists its experiments
    assert run not in own
    assert run in team and "alice" in team
    assert f"{run}-exp0" in detail and f"{run}-exp1" in detail
    assert "running" in detail and "python train.py --lr 0.01" in detail
    entry = next(r for r in as_json if r["name"] == run)
    assert entry["counts"]["running"] == 1 and entry["counts"]["pending"] == 1
    # When the run finishes it leaves `status` and stays in `history`
    alice.report_status(f"{run}-exp0", "succeeded", exit_code=0)
    alice.report_status(f"{run}-exp1", "failed", exit_code=3)
    assert run not in ok(grid(server, "bob", "status", "--global"))
    assert run in ok(grid(server, "bob", "history", "--global"))
    assert run not in ok(grid(server, "bob", "history"))
    assert "failed (exit 3)" in ok(grid(server, "bob", "status", f"alice:{run}"))


def test_stop_delete_and_clone(server, alice):
    run = unique("r")
    make_run(alice, run)
    # A teammate can neither stop nor delete alice's run
    stop = refused(grid(server, "bob", "stop", "run", f"alice:{run}"))
    delete = refused(grid(server, "bob", "delete", "run", f"alice:{run}", "--yes"))
    assert "bob cannot stop alice's run" in stop
    assert "bob cannot delete alice's run" in delete
    assert alice.run(run)[0].status == "pending"
    # but can clone it into a run of his own, and stop and delete that
    clone = unique("c")
    out = ok(grid(server, "bob", "clone", f"alice:{run}", "--name", clone))
    assert f"cloned alice:{run} into bob:{clone} (2 experiment(s)" in out
    assert "2 experiment(s) cancelled" in ok(grid(server, "bob", "stop", "run", clone))
    ok(grid(server, "bob", "delete", "experiment", f"{clone}-exp1", "--yes"))
    detail = ok(grid(server, "bob", "status", clone))
    assert f"{clone}-exp0" in detail and f"{clone}-exp1" not in detail
    # deleting asks first; no answer keeps the run
    refused(grid(server, "bob", "delete", "run", clone, input="n\n"))
    assert clone in ok(grid(server, "bob", "history"))
    ok(grid(server, "bob", "delete", "run", clone, input="y\n"))
    assert clone not in ok(grid(server, "bob", "history"))
    # the team admin may stop alice's experiment
    assert "cancelled" in ok(grid(server, "carol", "stop", "experiment", f"alice:{run}-exp0"))
    # and a run reference where an experiment is expected is a usage error
    assert refused(grid(server, "alice", "stop", "experiment", run)).startswith("Error:")


# ----------------------------------------------------------------- artifacts
def _upload(alice, tmp_path: Path, exp: str, path: str, data: bytes) -> None:
    src = tmp_path / uuid.uuid4().hex
    src.write_bytes(data)
    alice.upload_artifact(exp, path, src)


def test_teammate_downloads_artifacts_and_rerun_skips_complete_files(server, alice, tmp_path):
    # Given alice's run with artifacts in both experiments
    run = unique("r")
    make_run(alice, run)
    model, metrics = os.urandom(300_000), b'{"accuracy": 0.9}'
    _upload(alice, tmp_path, f"{run}-exp0", "model.pt", model)
    _upload(alice, tmp_path, f"{run}-exp0", "out/metrics.json", metrics)
    _upload(alice, tmp_path, f"{run}-exp1", "out/metrics.json", b"{}")
    dest = tmp_path / "dl"
    # When bob downloads the whole run
    out = ok(grid(server, "bob", "artifacts", f"alice:{run}", "--download_dir", str(dest)))
    # Then every file lands under DIR/<owner>/<run>/<experiment>/<path>
    assert "downloaded 3 file(s)" in out
    assert (dest / "alice" / run / f"{run}-exp0" / "model.pt").read_bytes() == model
    assert (dest / "alice" / run / f"{run}-exp0" / "out" / "metrics.json").read_bytes() == metrics
    assert (dest / "alice" / run / f"{run}-exp1" / "out" / "metrics.json").read_bytes() == b"{}"
    assert not list(dest.rglob("*.part"))
    # When he runs it again, after one file was altered (same size) and one half-fetched
    altered = dest / "alice" / run / f"{run}-exp1" / "out" / "metrics.json"
    altered.write_bytes(b"[]")
    model_file = dest / "alice" / run / f"{run}-exp0" / "model.pt"
    model_file.unlink()
    (model_file.parent / "model.pt.part").write_bytes(model[:100_000])
    again = json.loads(
        ok(
            grid(
                server,
                "bob",
                "artifacts",
                f"alice:{run}",
                "--download-dir",
                str(dest),
                "-o",
                "json",
            )
        )
    )
    # Then the complete file is skipped, the others fetched again and correct
    actions = {(a["experiment"], a["path"]): a["action"] for a in again}
    assert actions == {
        (f"{run}-exp0", "model.pt"): "downloaded",
        (f"{run}-exp0", "out/metrics.json"): "skipped",
        (f"{run}-exp1", "out/metrics.json"): "downloaded",
    }
    assert model_file.read_bytes() == model and altered.read_bytes() == b"{}"
    assert not list(dest.rglob("*.part"))
    # And one experiment with a path filter downloads only what matches
    only = tmp_path / "only"
    ok(
        grid(
            server,
            "bob",
            "artifacts",
            f"alice:{run}-exp0",
            "--download_dir",
            str(only),
            "-m",
            "*.json",
        )
    )
    assert [p.name for p in only.rglob("*") if p.is_file()] == ["metrics.json"]


# ----------------------------------------------------------------- logs
def test_teammate_reads_logs_of_run_and_experiment(server, alice):
    run = unique("r")
    make_run(alice, run)
    alice.append_logs(f"{run}-exp0", ["epoch 1", "epoch 2", "epoch 3"])
    alice.append_logs(f"{run}-exp1", ["other experiment"])
    alice.report_status(f"{run}-exp0", "succeeded", exit_code=0)
    # A bare run name means its first experiment
    assert ok(grid(server, "bob", "logs", f"alice:{run}")) == "epoch 1\nepoch 2\nepoch 3\n"
    assert ok(grid(server, "bob", "logs", f"alice:{run}-exp1")) == "other experiment\n"
    assert ok(grid(server, "bob", "logs", f"alice:{run}-exp0", "--tail-lines", "1")) == "epoch 3\n"
    assert (
        ok(grid(server, "bob", "logs", f"alice:{run}", "--tail_lines", "2")) == "epoch 2\nepoch 3\n"
    )
    lines = [
        json.loads(x)
        for x in ok(grid(server, "bob", "logs", f"alice:{run}", "-o", "json")).splitlines()
    ]
    assert [x["line"] for x in lines] == ["epoch 1", "epoch 2", "epoch 3"]
    # following a finished experiment prints and exits
    assert "epoch 3" in ok(grid(server, "bob", "logs", f"alice:{run}", "--follow"))


def test_follow_prints_lines_appended_while_following_and_exits_when_finished(server, alice):
    # Given alice's running experiment with one line so far
    run = unique("r")
    make_run(alice, run, experiments=1)
    exp = f"{run}-exp0"
    alice.report_status(exp, "running")
    alice.append_logs(exp, ["before"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(
        GRID_URL=server.url, GRID_API_KEY=server.keys["bob"], GRID_HOME=os.environ["GRID_HOME"]
    )
    # When bob follows it
    proc = subprocess.Popen(
        [GRID, "logs", f"alice:{exp}", "--follow"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
    reader.start()
    try:
        assert lines.get(timeout=60) == "before\n"  # bob is now following

        # and alice's experiment writes more, then finishes (from another thread, as a
        # running experiment would)
        def finish():
            alice.append_logs(exp, ["during 1"])
            alice.append_logs(exp, ["during 2"])
            alice.report_status(exp, "succeeded", exit_code=0)

        writer = threading.Thread(target=finish)
        writer.start()
        writer.join(60)
        # Then the new lines arrive and the command ends by itself
        assert lines.get(timeout=60) == "during 1\n"
        assert lines.get(timeout=60) == "during 2\n"
        assert proc.wait(timeout=60) == 0
        assert "succeeded" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ----------------------------------------------------------------- datastores
def test_datastores_create_versions_list_and_delete(server, tmp_path):
    src = tmp_path / "images"
    (src / "a").mkdir(parents=True)
    (src / "a" / "1.bin").write_bytes(os.urandom(20_000))
    (src / "2.bin").write_bytes(b"two")
    name = unique("ds")
    # Given alice uploads a folder twice under one name
    first = ok(grid(server, "alice", "datastore", "create", str(src), "--name", name))
    second = ok(grid(server, "alice", "datastore", "create", str(src), "--name", name))
    assert f"created datastore alice:{name}@1 (2 file(s)" in first
    assert f"created datastore alice:{name}@2" in second
    # Then bob sees both versions with --global (and by username), not in his own list
    assert name not in ok(grid(server, "bob", "datastore"))
    team = ok(grid(server, "bob", "datastore", "--global"))
    assert name in team and "alice" in team and "available" in team
    versions = [
        d["version"]
        for d in json.loads(ok(grid(server, "bob", "datastore", "alice", "-o", "json")))
        if d["name"] == name
    ]
    assert sorted(versions) == [1, 2]
    # bob cannot delete it; alice deletes version 1 only after confirming
    assert "bob cannot delete alice's datastore" in refused(
        grid(server, "bob", "datastore", "delete", f"alice:{name}", "--yes")
    )
    refused(grid(server, "alice", "datastore", "delete", name, "--version", "1", input="n\n"))
    ok(grid(server, "alice", "datastore", "delete", name, "--version", "1", "--yes"))
    left = [
        d["version"]
        for d in json.loads(ok(grid(server, "alice", "datastore", "-o", "json")))
        if d["name"] == name
    ]
    assert left == [2]


# ----------------------------------------------------------------- teams, user, credentials
def test_teams_and_user(server):
    mine = json.loads(ok(grid(server, "bob", "teams", "-o", "json")))
    assert [(t["name"], t["role"]) for t in mine] == [("vision", "user")]
    detail = ok(grid(server, "bob", "teams", "vision"))
    assert "credits left" in detail
    for member, role in (("alice", "owner"), ("carol", "admin"), ("bob", "user")):
        assert member in detail and role in detail
    parsed = json.loads(ok(grid(server, "bob", "teams", "vision", "--output", "json")))
    assert {m["username"]: m["role"] for m in parsed["members"]} == {
        "alice": "owner",
        "carol": "admin",
        "bob": "user",
    }
    user = ok(grid(server, "bob", "user"))
    assert "bob" in user and "bob-gh" in user and "vision" in user
    assert "no team 'vision'" in refused(grid(server, "dave", "teams", "vision"))


def test_github_credential_set_list_delete_never_shows_the_token(server):
    token = "ghp_" + uuid.uuid4().hex
    set_ = grid(
        server, "bob", "credential", "set", "github", "--login", "bob-gh", input=token + "\n"
    )
    assert "github credential set for bob-gh" in ok(set_)
    listed = ok(grid(server, "bob", "credential", "list"))
    as_json = json.loads(ok(grid(server, "bob", "credential", "list", "-o", "json")))
    sessions = ok(grid(server, "bob", "session", "--global"))
    assert "github" in listed and "bob-gh" in listed
    assert [(c["provider"], c["login"]) for c in as_json] == [("github", "bob-gh")]
    ok(grid(server, "bob", "credential", "delete", "github"))
    assert "No credentials" in ok(grid(server, "bob", "credential", "list"))
    for text in (set_.stdout, set_.stderr, listed, json.dumps(as_json), sessions):
        assert token not in text
    assert "no github token given" in refused(
        grid(server, "bob", "credential", "set", "github", input="\n")
    )


# ----------------------------------------------------------------- outsiders and errors
def test_outsider_sees_nothing_and_gets_not_found(server, alice):
    run = unique("r")
    make_run(alice, run, experiments=1)
    session = unique("s")
    alice.register_session(session, url="http://127.0.0.1:1/")
    assert run not in ok(grid(server, "dave", "status", "--global"))
    assert run not in ok(grid(server, "dave", "history", "--global"))
    assert session not in ok(grid(server, "dave", "session", "--global"))
    assert "alice" not in ok(grid(server, "dave", "datastore", "--global"))
    # to dave alice is no teammate, so the reference is refused as hers: nothing of hers shows
    for command in ("artifacts", "logs"):
        said = refused(grid(server, "dave", command, f"alice:{run}"))
        assert "no user 'alice' in your teams" in said, said
        assert run not in said
    assert "no user 'alice' in your teams" in refused(
        grid(server, "dave", "session", "--global", "alice")
    )
    assert "in your teams" in refused(grid(server, "dave", "session", "delete", f"alice:{session}"))
    assert alice.session(session).status == "running"


def test_user_mistakes_are_one_line_without_traceback(server, tmp_path):
    bad_ref = refused(grid(server, "bob", "logs", "Alice:x"))
    assert "malformed reference" in bad_ref
    assert "no user 'nobody' in your teams" in refused(grid(server, "bob", "session", "nobody"))
    port = free_port()
    unreachable = refused(
        grid(
            None,
            None,
            "status",
            env={"GRID_URL": f"http://127.0.0.1:{port}", "GRID_API_KEY": "gck_x"},
        )
    )
    assert f"http://127.0.0.1:{port}" in unreachable and "cannot reach" in unreachable
    wrong = refused(grid(server, None, "session", env={"GRID_API_KEY": "gck_wrong"}))
    assert "rejected your API key" in wrong and "gck_wrong" not in wrong
    missing = refused(grid(server, None, "session"))
    assert "no API key" in missing
    assert "No such option" in grid(server, "bob", "session", "--globl").stderr


def test_login_checks_the_key_and_writes_a_private_file(server, tmp_path):
    home = tmp_path / "home"
    wrong = refused(grid(None, None, "login", "--url", server.url, "--key", "gck_wrong", home=home))
    assert "rejected this API key" in wrong and not (home / "credentials.json").exists()
    key = server.keys["carol"]
    out = ok(grid(None, None, "login", "--url", server.url, "--key", key, home=home))
    assert "logged in" in out and "carol" in out and key not in out
    path = home / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"url": server.url, "api_key": key}
    # later commands need no environment at all
    assert "carol" in ok(grid(None, None, "user", home=home))
