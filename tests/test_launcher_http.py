"""The launcher's standard-library client (launcher_http.TeamServer) against a real team server:
every call the launcher makes, the server's refusals with its own message, an unreachable
server retried by launcher_retry.Patience, a restarted server reached again on a new
connection, and no token (or URL password) in any message.

The experiment token is issued the way the executor issues it (the store, on a team server
without an executor, so nothing else launches the experiment).
"""

from __future__ import annotations

import hashlib
import socket
import tarfile
import uuid

import pytest

from jupyter_grid_collab.launcher_http import ReportError, TeamServer, parse_experiment
from jupyter_grid_collab.launcher_retry import Patience
from jupyter_grid_collab.submit import submit_run
from jupyter_grid_collab.teamserver.cli import open_store

SCRIPT = "print('hello from the source snapshot')\n"


def issue_token(server, experiment_id: int) -> str:
    store = open_store(str(server.data_dir), None)
    try:
        return store.launches.issue_experiment_token(experiment_id)
    finally:
        store.engine.dispose()


@pytest.fixture
def launch(fresh_server, tmp_path):
    """A submitted run of two experiments; a TeamServer holding exp0's token."""
    (tmp_path / "proj").mkdir()
    script = tmp_path / "proj" / "train.py"
    script.write_text(SCRIPT)
    name = f"lh-{uuid.uuid4().hex[:6]}"
    with fresh_server.client("alice") as alice:
        alice.me()
        _, exps = submit_run(alice, script, ["--lr", "[0.1, 0.2]"], name=name)
    token = issue_token(fresh_server, exps[0].id)
    api = TeamServer(fresh_server.url, token, f"alice:{name}-exp0", timeout=10)
    yield api, token, name
    api.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens there once closed


def test_the_launchers_calls_work_against_the_team_server(launch, fresh_server, tmp_path):
    api, token, name = launch
    # the run, with the experiment's command
    run = api.run()
    assert run["name"] == name
    exp = next(e for e in run["experiments"] if e["name"] == f"{name}-exp0")
    assert exp["command"].startswith("python train.py")
    # the source snapshot, whole, under its final name only
    archive = api.download_source(tmp_path / "source.tar.gz")
    assert not (tmp_path / "source.tar.gz.part").exists()
    with tarfile.open(archive) as tar:
        assert tar.extractfile("train.py").read().decode() == SCRIPT
    # status, log lines and an artifact, as the launcher sends them
    assert api.report_status("running")["status"] == "running"
    api.append_logs([{"ts": 1.0, "stream": "stdout", "line": "epoch 1"}])
    payload = tmp_path / "model.bin"
    payload.write_bytes(b"\x00weights" * 1000)
    stored = api.upload_artifact("eval/model.bin", str(payload))
    assert stored["sha256"] == hashlib.sha256(payload.read_bytes()).hexdigest()
    done = api.report_status("succeeded", exit_code=0)
    assert (done["status"], done["exit_code"]) == ("succeeded", 0)
    # what the owner sees
    with fresh_server.client("alice") as alice:
        alice.me()
        lines = [entry.line for entry in alice.read_logs(f"{name}-exp0")["lines"]]
        assert "epoch 1" in lines
        arts = alice.list_artifacts(f"{name}-exp0", kind="experiment")
        assert [a.path for a in arts] == ["eval/model.bin"]


def test_refusals_carry_the_servers_message_and_never_the_token(launch, fresh_server):
    api, token, name = launch
    # the token is its experiment's only: the run's other experiment is not found
    other = TeamServer(fresh_server.url, token, f"alice:{name}-exp1", timeout=10)
    with pytest.raises(ReportError) as refused:
        other.report_status("running")
    assert refused.value.status == 404 and refused.value.message
    # a forged token is refused as unauthenticated
    forged = TeamServer(fresh_server.url, "gce_forged", f"alice:{name}-exp0", timeout=10)
    with pytest.raises(ReportError) as unknown:
        forged.run()
    assert unknown.value.status == 401
    for exc in (refused.value, unknown.value):
        assert token not in str(exc) and "gce_forged" not in str(exc)
    other.close()
    forged.close()


def test_a_run_without_source_is_a_404(fresh_server, tmp_path):
    name = f"nosrc-{uuid.uuid4().hex[:6]}"
    with fresh_server.client("alice") as alice:
        alice.me()
        _, exps = alice.create_run("python train.py", name=name)
    api = TeamServer(fresh_server.url, issue_token(fresh_server, exps[0].id), f"alice:{name}-exp0")
    with pytest.raises(ReportError) as none:
        api.download_source(tmp_path / "source.tar.gz")
    assert none.value.status == 404
    assert not list(tmp_path.glob("source.tar.gz*"))
    api.close()


def test_an_unreachable_server_is_retried_then_given_up_without_the_secrets(tmp_path):
    url = f"http://launcher:s3cret@127.0.0.1:{closed_port()}"
    api = TeamServer(url, "gce_secret_token", "alice:r-exp0", timeout=5)
    said: list[str] = []
    with pytest.raises(ReportError) as gone:
        Patience(budget=0.6, log=said.append).call("reporting", api.report_status, "running")
    assert gone.value.status is None
    assert gone.value.message.startswith("cannot reach the team server at http://127.0.0.1:")
    assert "retrying" in said[0] and "gave up on reporting" in said[-1]
    for text in [str(gone.value), *said]:
        assert "gce_secret_token" not in text and "s3cret" not in text


def test_a_refusal_is_not_retried(launch):
    api, token, name = launch
    said: list[str] = []
    # a control character in an artifact's name: refused here, as the server would
    with pytest.raises(ReportError) as bad:
        Patience(budget=30, log=said.append).call(
            "uploading", api.upload_artifact, "bad\nname", "/dev/null"
        )
    assert bad.value.status == 400 and "U+000A" in bad.value.message
    assert said == []  # refused at once: no retry, nothing to say


def test_a_restarted_server_is_reached_on_a_new_connection(launch, fresh_server):
    api, token, name = launch
    api.report_status("running")  # leaves a keep-alive connection open
    fresh_server.stop()
    fresh_server.start()  # same port: the old connection is dead
    # the closed connection is noticed before use: the call succeeds at its first attempt
    api.append_logs([{"ts": 2.0, "stream": "stdout", "line": "after the restart"}])


@pytest.mark.parametrize(
    "text", ["r-exp0", "alice:r", "alice:r-exp01", ":r-exp0", "alice:a/b-exp0", "alice:-exp0"]
)
def test_only_a_full_experiment_name_is_taken(text):
    with pytest.raises(ValueError):
        parse_experiment(text)


def test_an_experiment_name_gives_its_owner_and_run():
    assert parse_experiment("alice:cifar-exp3-exp12") == ("alice", "cifar-exp3-exp12", "cifar-exp3")


def test_the_url_is_shown_without_credentials():
    api = TeamServer("https://bot:pw@grid.example:8443/base/", "t", "alice:r-exp0")
    assert api.url == "https://grid.example:8443/base"
