"""References are explicit (issue 13): a run whose name holds "-exp" (``cifar-explore``,
``a-exp1x``) is a run in every `grid` command, the Python client and the TeamPanel; each
team API route names its kind, and the wrong kind is a clear refusal, not a silent guess.

Against a real team server on loopback (``--executor none``: the tests move experiments
by hand), bob acting on alice's runs as a teammate, as test_cli.py does.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from teamserver_harness import seeded_server
from test_cli import grid, ok, refused
from test_widgets import buttons, panel_for, row_with, settle

from jupyter_grid_collab.client import InvalidRequest, NotFound
from jupyter_grid_collab.references import EXPERIMENT, RUN, Ref, ReferenceError

# run names the old `"-exp" in name` took for experiments
TRICKY = ["cifar-explore", "a-exp1x"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # a server of this module's own, so the run names are exactly the ones a user would type
    with seeded_server(tmp_path_factory.mktemp("explicit-refs")) as srv:
        yield srv


@pytest.fixture
def alice(server):
    with server.client("alice") as c:
        c.me()
        yield c


@pytest.fixture
def bob(server):
    with server.client("bob") as c:
        c.me()
        yield c


def make_run(alice, name: str, tmp_path: Path) -> None:
    """alice's run ``name`` with two experiments: the first running with log lines, and an
    artifact in each."""
    alice.create_run("python train.py", {"lr": [0.1, 0.2]}, name=name)
    alice.report_status(f"{name}-exp0", "running")
    alice.append_logs(f"{name}-exp0", ["epoch 1", "epoch 2"])
    for i in (0, 1):
        src = tmp_path / f"{name}-{i}.bin"
        src.write_bytes(f"weights {i}".encode())
        alice.upload_artifact(f"{name}-exp{i}", "model.bin", src)


@pytest.mark.parametrize("name", TRICKY)
def test_a_run_named_with_exp_inside_works_in_every_command(server, alice, name, tmp_path):
    # Given alice's run whose name holds "-exp" but does not end in -exp<N>
    make_run(alice, name, tmp_path)
    # When bob lists runs, it is listed as a run; its detail shows its experiments
    assert name in ok(grid(server, "bob", "status", "--global"))
    assert name in ok(grid(server, "bob", "history", "--global"))
    detail = ok(grid(server, "bob", "status", f"alice:{name}"))
    assert f"Run alice:{name} (running" in detail
    assert f"{name}-exp0" in detail and f"{name}-exp1" in detail
    # `grid artifacts` downloads the whole run (both experiments), not "no experiment"
    dest = tmp_path / "dl"
    out = json.loads(
        ok(
            grid(
                server,
                "bob",
                "artifacts",
                f"alice:{name}",
                "--download-dir",
                str(dest),
                "-o",
                "json",
            )
        )
    )
    assert sorted((a["experiment"], a["action"]) for a in out) == [
        (f"{name}-exp0", "downloaded"),
        (f"{name}-exp1", "downloaded"),
    ]
    assert (dest / "alice" / name / f"{name}-exp1" / "model.bin").read_bytes() == b"weights 1"
    # and one of its experiments, by its full name
    one = tmp_path / "one"
    ok(grid(server, "bob", "artifacts", f"alice:{name}-exp0", "--download-dir", str(one)))
    assert [p.relative_to(one).as_posix() for p in one.rglob("*.bin")] == [
        f"alice/{name}/{name}-exp0/model.bin"
    ]
    # logs of its experiment, and of the run (its first experiment)
    assert ok(grid(server, "bob", "logs", f"alice:{name}-exp0")) == "epoch 1\nepoch 2\n"
    assert ok(grid(server, "bob", "logs", f"alice:{name}")) == "epoch 1\nepoch 2\n"
    # bob clones it as a run (both experiments), not as one experiment
    clone = f"{name}-{uuid.uuid4().hex[:4]}"
    cloned = ok(grid(server, "bob", "clone", f"alice:{name}", "--name", clone))
    assert f"cloned alice:{name} into bob:{clone} (2 experiment(s)" in cloned
    # alice stops and deletes it as a run
    stopped = ok(grid(server, "alice", "stop", "run", name))
    assert f"stopped run alice:{name}: 2 experiment(s) cancelled" in stopped
    ok(grid(server, "alice", "delete", "run", name, "--yes"))
    with pytest.raises(NotFound, match=f"no run alice:{name} in your teams"):
        alice.run(name)


def test_the_wrong_kind_is_refused_in_one_line_saying_what_it_names(server, alice, tmp_path):
    name = "kinds-explore"
    make_run(alice, name, tmp_path)
    as_experiment = refused(grid(server, "alice", "stop", "experiment", name))
    assert f"{name} names a run, not an experiment" in as_experiment
    assert f"e.g. {name}-exp0" in as_experiment
    as_run = refused(grid(server, "alice", "delete", "run", f"{name}-exp1", "--yes"))
    assert f"{name}-exp1 names an experiment, not a run" in as_run
    # nothing was stopped or deleted
    run, experiments = alice.run(name)
    assert run.status == "running" and len(experiments) == 2


def test_the_python_client_takes_the_kind_from_the_call(server, alice, bob, tmp_path):
    name = "client-explore"
    make_run(alice, name, tmp_path)
    run = Ref(RUN, name, "alice")
    # a run's artifacts are every experiment's; the same call with one experiment's Ref
    assert {a.experiment for a in bob.list_artifacts(f"alice:{name}")} == {
        f"{name}-exp0",
        f"{name}-exp1",
    }
    assert [a.experiment for a in bob.list_artifacts(run.experiment(1))] == [f"{name}-exp1"]
    assert len(bob.list_artifacts(f"alice:{name}", kind=RUN)) == 2
    # run methods read text as a run, experiment methods as an experiment
    got, experiments = bob.run(f"alice:{name}")
    assert got.name == name and [e.name for e in experiments] == [f"{name}-exp0", f"{name}-exp1"]
    assert bob.experiment(run.experiment(0)).status == "running"
    with pytest.raises(ReferenceError, match="names a run, not an experiment"):
        bob.read_logs(f"alice:{name}")
    with pytest.raises(ReferenceError, match="names an experiment, not a run"):
        bob.run(f"alice:{name}-exp0")
    with pytest.raises(ReferenceError, match="names a run, not an experiment"):
        bob.list_artifacts(f"alice:{name}", kind=EXPERIMENT)
    # a clone of the run has both experiments; of one experiment, that one's parameters
    whole, exps = bob.clone(run, name=f"{name}-whole")
    assert whole.cloned_from == f"alice:{name}" and len(exps) == 2
    single, exps = bob.clone(Ref(EXPERIMENT, f"{name}-exp1", "alice"), name=f"{name}-one")
    assert single.cloned_from == f"alice:{name}-exp1"
    assert [e.params for e in exps] == [{"lr": 0.2}]


def test_each_route_names_its_kind_and_the_wrong_one_is_refused(server, alice, tmp_path):
    name = "route-explore"
    make_run(alice, name, tmp_path)
    headers = {"Authorization": f"token {server.keys['bob']}"}
    with httpx.Client(base_url=server.url + "/api/v1", headers=headers) as http:
        # an experiment's name on a run route: that run does not exist (no fallback)
        for method, path in [
            ("GET", f"/runs/alice/{name}-exp0"),
            ("POST", f"/runs/alice/{name}-exp0/stop"),
            ("POST", f"/runs/alice/{name}-exp0/clone"),
        ]:
            answer = http.request(method, path, json={} if method == "POST" else None)
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["message"] == f"no run alice:{name}-exp0 in your teams"
        # a run's name on an experiment route is not an experiment name
        for method, path in [
            ("GET", f"/experiments/alice/{name}"),
            ("POST", f"/experiments/alice/{name}/clone"),
        ]:
            answer = http.request(method, path, json={} if method == "POST" else None)
            assert answer.status_code == 400, (path, answer.text)
            assert "is not an experiment name" in answer.json()["message"]
    # and no run may be named like an experiment, so Grid's rule never mistakes a run
    with pytest.raises(InvalidRequest, match="ends like an experiment's"):
        alice.create_run("python train.py", name="sweep-exp3")


def test_the_artifact_listing_routes_name_their_kind(server, alice, tmp_path):
    name = "listing-explore"
    make_run(alice, name, tmp_path)
    headers = {"Authorization": f"token {server.keys['bob']}"}
    with httpx.Client(base_url=server.url + "/api/v1", headers=headers) as http:
        as_run = http.get(f"/runs/alice/{name}-exp0/artifacts")
        as_experiment = http.get(f"/experiments/alice/{name}/artifacts")
    assert as_run.status_code == 404, as_run.text
    assert as_run.json()["message"] == f"no run alice:{name}-exp0 in your teams"
    assert as_experiment.status_code == 400, as_experiment.text
    assert "is not an experiment name" in as_experiment.json()["message"]


def test_the_team_panel_downloads_and_clones_such_a_run_as_a_run(server, alice, tmp_path, loop):
    name = "panel-explore"
    make_run(alice, name, tmp_path)
    panel = panel_for(server, "bob", loop, download_dir=str(tmp_path / "dl"))
    buttons(row_with(panel.runs, name))["Download artifacts"].click()
    settle(panel, loop)
    panel.download_form.start.click()
    settle(panel, loop)
    for i in (0, 1):
        got = tmp_path / "dl" / "alice" / name / f"{name}-exp{i}" / "model.bin"
        assert got.read_bytes() == f"weights {i}".encode(), panel.message.value
    assert "downloaded 2 file(s)" in panel.message.value
    buttons(row_with(panel.runs, name))["Clone"].click()
    settle(panel, loop)
    assert f"cloned alice:{name} into bob:" in panel.message.value
    clone = panel.message.value.split("into bob:", 1)[1].split("<", 1)[0].strip()
    with server.client("bob") as bob:
        bob.me()
        run, experiments = bob.run(clone)
    assert run.cloned_from == f"alice:{name}" and len(experiments) == 2
