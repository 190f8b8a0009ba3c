"""What the docs promise and no other test held to: a price file (``--prices``), the
out-of-credits refusal (402), blobs in a non-local fsspec store, random search."""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest
from teamserver_harness import TeamServerProcess
from test_cli import grid, ok, refused

from jupyter_grid_collab import track

# credits per hour: cpu-small costs one credit a second here (the built-in list: 0.5 an
# hour), and gpu-burn spends a team's balance within a tick
PRICES = {"cpu-small": 3600.0, "gpu-burn": 3.6e9}


@pytest.fixture(scope="module")
def priced_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("priced")
    (root / "prices.json").write_text(json.dumps(PRICES))
    server = TeamServerProcess(
        root / "team",
        extra_args=["--executor", "none", "--prices", str(root / "prices.json"), "--tick", "0.2"],
    )
    server.seed()
    server.start()
    yield server
    server.stop()


def wait_until(condition, what: str, timeout: float = 30.0):
    """Poll ``condition`` until it returns something true; fail saying ``what`` never was."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.1)
    return value


def test_a_price_file_sets_what_a_run_costs(priced_server):
    with priced_server.client("alice") as alice:
        alice.me()
        # the price file's instance types are the ones there are
        r = alice._http.post(
            "/runs", json={"command": "python t.py", "instance_type": "gpu-t4", "tracked": True}
        )
        assert r.status_code == 400
        assert r.json()["message"] == (
            "unknown instance type 'gpu-t4': use one of cpu-small, gpu-burn"
        )
        # a tracked cpu-small run, charged by the tick while it runs, then ended
        name = f"priced-{uuid.uuid4().hex[:6]}"
        run = track.start_run(name, client=alice)
        wait_until(lambda: alice.run(name)[0].cost >= 0.5, "the run was charged")
        run.end()
        ended, _ = alice.run(name)
    # one credit per second of running, at this file's price (the built-in price would
    # have made it 7,200 times less)
    assert ended.status == "succeeded"
    assert ended.cost == pytest.approx(ended.duration_seconds * PRICES["cpu-small"] / 3600, abs=0.1)


def test_a_team_whose_balance_is_spent_is_refused_with_402(priced_server, tmp_path):
    # erin owns a team of her own with one credit
    user, team = f"erin{uuid.uuid4().hex[:4]}", f"broke-{uuid.uuid4().hex[:4]}"
    priced_server.admin("create-user", user)
    priced_server.admin("create-team", team, "--owner", user)
    priced_server.admin("add-credits", team, "1")
    priced_server.keys[user] = priced_server.admin("create-key", user)
    with priced_server.client(user) as erin:
        erin.me()
        # a session on the dearest instance type spends it within a tick
        erin.register_session("burner", url="http://127.0.0.1:9/", instance_type="gpu-burn")
        wait_until(lambda: erin.team(team).balance <= 0, "the balance was spent")
        erin.session_action(f"{user}:burner", "stop")
        balance = erin.team(team).balance
        # the API says 402 with what to do
        r = erin._http.post("/runs", json={"command": "python t.py", "tracked": True})
        assert r.status_code == 402
        assert r.json()["message"] == (
            f"team '{team}' is out of credits (balance {balance:.2f}); "
            "ask a site admin to add credits"
        )
        # and so does the CLI, in one line
        script = tmp_path / "train.py"
        script.write_text("print('hi')\n")
        line = refused(grid(priced_server, user, "run", str(script)))
        assert f"team '{team}' is out of credits" in line and "ask a site admin" in line
        assert erin.list_runs(scope="team").items == []
        # credits added: the same command is accepted
        priced_server.admin("add-credits", team, str(10 - balance))
        assert "started run" in ok(grid(priced_server, user, "run", str(script)))


@pytest.fixture(scope="module")
def memory_blobs_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("memory-blobs")
    server = TeamServerProcess(
        root / "team", extra_args=["--executor", "none", "--blobs", "memory://grid-blobs"]
    )
    server.seed()
    server.start()
    yield server
    server.stop()


def test_blobs_in_a_memory_filesystem_round_trip(memory_blobs_server, tmp_path):
    data = tmp_path / "ds"
    (data / "train").mkdir(parents=True)
    payload = {"train/images.bin": os.urandom(300_000), "labels.txt": b"cat\ndog\n"}
    for rel, blob in payload.items():
        (data / rel).write_bytes(blob)
    (tmp_path / "model.bin").write_bytes(os.urandom(70_000))
    name = f"mem-{uuid.uuid4().hex[:6]}"
    with memory_blobs_server.client("bob") as bob:
        bob.me()
        bob.upload_datastore(name, data)
        with track.start_run(f"{name}-run", client=bob) as run:
            run.log_file(tmp_path / "model.bin", "model.bin")
    # a teammate downloads both, byte for byte
    with memory_blobs_server.client("alice") as alice:
        alice.me()
        files = alice.datastore_files(f"bob:{name}")
        assert sorted(f.path for f in files) == sorted(payload)
        for f in files:
            got = alice.download_datastore_file(f"bob:{name}", f, tmp_path / "got" / f.path)
            assert got.read_bytes() == payload[f.path]
        exp = f"bob:{name}-run-exp0"
        [artifact] = [a for a in alice.list_artifacts(exp) if a.path == "model.bin"]
        got = alice.download_artifact(exp, artifact, tmp_path / "got-model.bin")
        assert got.read_bytes() == (tmp_path / "model.bin").read_bytes()
    # and no byte of it went to the data folder's default blob directory
    on_disk = memory_blobs_server.data_dir / "blobs"
    assert not on_disk.exists() or not [p for p in on_disk.rglob("*") if p.is_file()]


def test_random_search_draws_n_distinct_sets_from_the_given_values(sqlite_server, tmp_path):
    script = tmp_path / "train.py"
    script.write_text("print('hi')\n")
    lrs, layers = [0.001, 0.01, 0.1, 1.0], [1, 2, 3]

    def random_search(trials: int) -> list[dict]:
        out = ok(
            grid(
                sqlite_server,
                "alice",
                "run",
                "--strategy",
                "random_search",
                "--num_trials",
                str(trials),
                "-o",
                "json",
                str(script),
                "--lr",
                json.dumps(lrs),
                "--layers",
                json.dumps(layers),
            )
        )
        return json.loads(out)["experiments"]

    experiments = random_search(5)
    # five experiments out of the twelve combinations, each a different one, each inside the
    # values given, and each told its values as ordinary arguments
    assert len(experiments) == 5
    picked = [(e["params"]["lr"], e["params"]["layers"]) for e in experiments]
    assert len(set(picked)) == 5
    assert all(lr in lrs and n in layers for lr, n in picked)
    for e in experiments:
        assert e["command"].endswith(f"--lr {e['params']['lr']} --layers {e['params']['layers']}")
    # asking for more trials than there are combinations gives each combination once
    everything = {(e["params"]["lr"], e["params"]["layers"]) for e in random_search(50)}
    assert everything == {(lr, n) for lr in lrs for n in layers}


def test_the_price_file_must_be_a_price_list(tmp_path):
    (tmp_path / "prices.json").write_text('{"cpu-small": "cheap"}')
    server = TeamServerProcess(
        tmp_path / "team", extra_args=["--executor", "none", "--prices", str(tmp_path / "p")]
    )
    server.data_dir.mkdir(parents=True)
    for path in (tmp_path / "prices.json", tmp_path / "missing.json"):
        server.extra_args[-1] = str(path)
        with pytest.raises(RuntimeError, match="expected a JSON object of instance type"):
            server.start(timeout=30)
