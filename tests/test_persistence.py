"""What the team server holds survives a restart byte for byte; silent sessions become lost."""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from teamserver_harness import TeamServerProcess

API = "/api/v1"
# grow with time (accrual, durations), so they are compared as "still there", not identical
VOLATILE = {"cost", "duration_seconds", "balance"}


def get(server: TeamServerProcess, user: str, path: str, **params: Any) -> Any:
    r = httpx.get(
        server.url + API + path,
        params=params,
        headers={"Authorization": f"token {server.keys[user]}"},
        timeout=30,
    )
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r.json() if "json" in r.headers["content-type"] else r.content


def stable(value: Any) -> Any:
    """The value without the fields that change by themselves as time passes."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def everything(server: TeamServerProcess, world: dict) -> dict:
    """Every record and byte the world put in, as the API shows it."""
    out: dict[str, Any] = {}
    for user in ("alice", "bob", "carol"):
        out[f"me:{user}"] = get(server, user, "/me")
        out[f"credentials:{user}"] = get(server, user, "/credentials")
    out["team"] = stable(get(server, "carol", "/teams/vision"))
    out["credits"] = [
        e
        for e in get(server, "alice", "/teams/vision/ledger", limit=200)["items"]
        if e["kind"] == "credit"
    ]
    out["audit"] = get(server, "carol", "/teams/vision/audit", limit=200)["items"]
    out["sessions"] = stable(get(server, "carol", "/sessions", scope="team")["items"])
    out["runs"] = stable(get(server, "bob", "/runs", scope="team")["items"])
    run = stable(get(server, "bob", f"/runs/alice/{world['run']}"))
    out["run"] = run
    for exp in run["experiments"]:
        out[f"logs:{exp['name']}"] = get(server, "bob", f"/experiments/alice/{exp['name']}/logs")
    out["artifacts"] = get(server, "bob", f"/runs/alice/{world['run']}/artifacts")["items"]
    for art in out["artifacts"]:
        data = get(server, "bob", f"/experiments/alice/{art['experiment']}/artifacts/{art['path']}")
        out[f"artifact:{art['experiment']}/{art['path']}"] = data
    out["datastores"] = get(server, "bob", "/datastores", scope="team")["items"]
    for version in (1, 2):
        files = get(server, "bob", f"/datastores/alice/{world['datastore']}/files", version=version)
        out[f"datastore@{version}"] = files
        for f in files["files"]:
            out[f"datastore@{version}/{f['path']}"] = get(
                server,
                "bob",
                f"/datastores/alice/{world['datastore']}/files/{f['path']}",
                version=version,
            )
    return out


def build_world(server: TeamServerProcess, tmp: Path) -> dict:
    """Sessions, a run with logs and artifacts, a two-version datastore, a credential, credits."""
    world: dict[str, Any] = {
        "token": "ghp_" + secrets.token_hex(18),
        "run": "train",
        "datastore": "mnist",
        "artifacts": {},
        "files": {},
    }
    with server.client("alice") as alice, server.client("bob") as bob:
        alice.me()
        bob.me()
        alice.set_credential("github", world["token"])
        _, world["secret"] = alice.register_session(
            "nb-alice", url="http://127.0.0.1:9/", instance_type="gpu-t4"
        )
        bob.register_session("nb-bob", url="http://127.0.0.1:8/")
        bob.session_action("nb-bob", "pause")
        alice.create_run("python train.py", {"lr": [0.1, 0.01]}, name="train", tracked=True)
        alice.append_logs(
            "train-exp0",
            ["epoch 1 loss 0.9", {"line": "warn", "stream": "stderr"}, "epoch 2 loss 0.4"],
        )
        alice.append_logs("train-exp1", ["diverged"])
        alice.report_status("train-exp1", "failed", exit_code=3, message="diverged")
        for exp, path, size in (
            ("train-exp0", "model/weights.bin", 3 << 20),
            ("train-exp0", "metrics.json", 100),
            ("train-exp1", "model/weights.bin", 5000),
        ):
            data = os.urandom(size)
            (tmp / "artifact").write_bytes(data)
            alice.upload_artifact(exp, path, tmp / "artifact")
            world["artifacts"][f"{exp}/{path}"] = data
        for version in (1, 2):
            folder = tmp / f"mnist-v{version}"
            (folder / "images").mkdir(parents=True)
            # v2 changes one file and keeps the other: the kept file is stored once
            files = {
                "labels.csv": f"label,version\n7,{version}\n".encode(),
                "images/train.bin": (tmp / "mnist-v1" / "images" / "train.bin").read_bytes()
                if version == 2
                else os.urandom(1 << 20),
            }
            for rel, data in files.items():
                (folder / rel).write_bytes(data)
                world["files"][f"{version}/{rel}"] = data
            ds = alice.upload_datastore("mnist", folder)
            assert ds.version == version
        alice.attach_datastore("alice:mnist@1", session="nb-alice")
    with server.client("root") as root:
        root.add_credits("vision", 250)
    return world


def test_everything_survives_a_restart(fresh_server, tmp_path):
    # Given a team server holding one of everything
    world = build_world(fresh_server, tmp_path)
    before = everything(fresh_server, world)
    # (and it holds the bytes that were sent)
    for key, data in world["artifacts"].items():
        assert before[f"artifact:{key}"] == data
    for key, data in world["files"].items():
        assert before[f"datastore@{key}"] == data
    assert [e["amount"] for e in before["credits"]][:1] == [250]

    # When it is stopped the way a service manager stops it, then started on the same data dir
    fresh_server.stop(signal.SIGTERM)
    assert fresh_server.proc.returncode == 0, fresh_server.log_path.read_text()[-2000:]
    fresh_server.start()

    # Then every record, log line and byte is there, unchanged, and keys still work
    after = everything(fresh_server, world)
    assert after.keys() == before.keys()
    for key in before.keys() - {"audit"}:
        assert after[key] == before[key], key
    # the audit log kept every entry (reading "before" added its downloads on top)
    assert after["audit"][-len(before["audit"]) :] == before["audit"]
    assert len(after["audit"]) > len(before["audit"])
    # the session's own server still reads its owner's token (the encryption key persisted)
    r = httpx.get(
        f"{fresh_server.url}{API}/sessions/alice/nb-alice/git-credential",
        headers={"X-Grid-Session-Secret": world["secret"]},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["token"] == world["token"]
    # and the stored files are the same objects, not re-created ones
    listed = {f"{e['experiment']}/{e['path']}": e["sha256"] for e in after["artifacts"]}
    assert listed == {k: hashlib.sha256(v).hexdigest() for k, v in world["artifacts"].items()}


def test_a_session_without_heartbeats_becomes_lost(tmp_path):
    # Given a server that expects a heartbeat every 3 s (checked every 0.5 s)
    server = TeamServerProcess(tmp_path / "team")
    server.extra_args = ["--heartbeat-timeout", "3", "--tick", "0.5", "--executor", "none"]
    server.seed()
    server.start()
    try:
        with server.client("alice") as alice, server.client("bob") as bob:
            alice.me()
            bob.me()
            # alice's server goes silent; bob's keeps beating
            alice.register_session("silent", url="http://127.0.0.1:9/")
            bob.register_session("alive", url="http://127.0.0.1:8/")
            deadline = time.monotonic() + 60
            while alice.session("silent").status != "lost":
                assert time.monotonic() < deadline, "the silent session never became lost"
                bob.heartbeat("alive")
                time.sleep(0.3)
            bob.heartbeat("alive")

            # Then the silent one is shown as lost to the team, since its last heartbeat
            lost = bob.session("alice:silent")
            assert lost.status == "lost"
            assert lost.stopped_at == lost.last_heartbeat
            assert bob.session("alive").status == "running"
            audit = get(server, "carol", "/teams/vision/audit", limit=200)["items"]
            assert any(
                e["action"] == "lost" and e["resource"] == "session alice:silent" for e in audit
            )

            # And when it speaks again it is running again
            assert alice.heartbeat("silent").status == "running"
            assert bob.session("alice:silent").status == "running"
    finally:
        server.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_server_stops_cleanly(fresh_server, sig):
    fresh_server.stop(sig)
    assert fresh_server.proc.returncode == 0
    assert "shutting down" in fresh_server.log_path.read_text()


def test_a_deleted_experiment_never_hands_its_id_to_a_new_one(tmp_path):
    # The executor tracks experiments by id, and a deleted running experiment's launcher is
    # still winding down: if SQLite gave the next experiment the same id, the executor would
    # skip it as "already queued" and then mark it failed for the old one.
    server = TeamServerProcess(tmp_path / "team", extra_args=["--max-parallel", "2"])
    server.seed()
    server.start()
    try:
        with server.client("alice") as alice:
            alice.me()
            alice.create_run('python -c "import time; time.sleep(120)"', name="slow")
            deadline = time.monotonic() + 60
            while alice.experiment("slow-exp0").status != "running":
                assert time.monotonic() < deadline, "the first experiment never started"
                time.sleep(0.1)
            first_id = alice.experiment("slow-exp0").id
            alice.delete_run("slow")
            alice.create_run("python -c \"print('done')\"", name="quick")
            assert alice.experiment("quick-exp0").id != first_id
            while alice.experiment("quick-exp0").status in ("pending", "running"):
                assert time.monotonic() < deadline + 60, "the second experiment never finished"
                time.sleep(0.1)
            quick = alice.experiment("quick-exp0")
            assert (quick.status, quick.message) == ("succeeded", None)
    finally:
        server.stop()
