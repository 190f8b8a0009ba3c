"""The store takes a reference's kind from its caller (issue 13): an artifact listing of a run
is every experiment's, of an experiment that one's, and the wrong kind is refused as that
kind's 404 or 400, never retried as the other kind.

The store is called directly, on the database a real team server (SQLite and PostgreSQL)
filled through its API: alice's runs, with an artifact in each experiment, read by bob.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from teamserver_harness import seeded_server

from jupyter_grid_collab.references import EXPERIMENT, RUN
from jupyter_grid_collab.teamserver import schema as t
from jupyter_grid_collab.teamserver.cli import open_store
from jupyter_grid_collab.teamserver.errors import Invalid, NotFound


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    with seeded_server(tmp_path_factory.mktemp(f"store-refs-{request.param}"), request.param) as s:
        yield s


@pytest.fixture(scope="module")
def store(server):
    store = open_store(str(server.data_dir), server.db)
    yield store
    store.engine.dispose()


def make_run(server, tmp_path: Path, stem: str) -> str:
    """alice's run (name holding "-exp", as Grid's old guess misread) with two experiments
    and one artifact each; returns its name."""
    name = f"{stem}-explore-{uuid.uuid4().hex[:6]}"
    with server.client("alice") as alice:
        alice.me()
        alice.create_run("python train.py", {"lr": [0.1, 0.2]}, name=name)
        for i in (0, 1):
            src = tmp_path / f"{name}-{i}.bin"
            src.write_bytes(f"weights {i}".encode())
            alice.upload_artifact(f"{name}-exp{i}", f"model-{i}.bin", src)
    return name


def listed(items: list[dict]) -> list[tuple[str, str]]:
    return [(a["experiment"], a["path"]) for a in items]


def test_a_run_lists_every_experiments_artifacts_and_an_experiment_its_own(server, store, tmp_path):
    # Given alice's run of two experiments, and bob, her teammate
    name = make_run(server, tmp_path, "kinds")
    bob = store.core.caller_for("bob")
    # When bob lists the run, then one experiment, each by its kind
    whole = store.outputs.list_artifacts(bob, "alice", name, kind=RUN)
    one = store.outputs.list_artifacts(bob, "alice", f"{name}-exp1", kind=EXPERIMENT)
    # Then the run's listing has both experiments' files, the experiment's only its own
    assert listed(whole) == [(f"{name}-exp0", "model-0.bin"), (f"{name}-exp1", "model-1.bin")]
    assert listed(one) == [(f"{name}-exp1", "model-1.bin")]
    assert {a["run"] for a in whole + one} == {name}
    # and match filters within the kind's rows
    assert listed(store.outputs.list_artifacts(bob, "alice", name, "*-1.bin", kind=RUN)) == [
        (f"{name}-exp1", "model-1.bin")
    ]


def test_the_wrong_kind_is_that_kinds_refusal_not_the_other_kinds_rows(server, store, tmp_path):
    name = make_run(server, tmp_path, "wrong")
    bob = store.core.caller_for("bob")
    # an experiment's name asked as a run: no such run (no retry as an experiment)
    with pytest.raises(NotFound) as as_run:
        store.outputs.list_artifacts(bob, "alice", f"{name}-exp0", kind=RUN)
    assert as_run.value.message == f"no run alice:{name}-exp0 in your teams"
    # a run's name asked as an experiment: not an experiment name (no retry as a run)
    with pytest.raises(Invalid) as as_experiment:
        store.outputs.list_artifacts(bob, "alice", name, kind=EXPERIMENT)
    assert "is not an experiment name" in as_experiment.value.message
    # an experiment index the run does not have
    with pytest.raises(NotFound) as missing:
        store.outputs.list_artifacts(bob, "alice", f"{name}-exp7", kind=EXPERIMENT)
    assert missing.value.message == f"no experiment alice:{name}-exp7 in your teams"


def test_outside_the_team_either_kind_is_the_same_404_as_nothing(server, store, tmp_path):
    name = make_run(server, tmp_path, "hidden")
    dave = store.core.caller_for("dave")  # in another team
    for kind, ref in ((RUN, name), (EXPERIMENT, f"{name}-exp0")):
        with pytest.raises(NotFound) as hidden:
            store.outputs.list_artifacts(dave, "alice", ref, kind=kind)
        assert hidden.value.message == f"no {kind} alice:{ref} in your teams"


def test_a_run_listing_keeps_the_cost_exact_and_answers_a_json_number(server, store, tmp_path):
    # Given a run whose cost has more places than the API shows, after another of alice's
    # (so a next page exists whatever ran before this test)
    make_run(server, tmp_path, "earlier")
    name = make_run(server, tmp_path, "costs")
    with store.engine.begin() as conn:
        conn.execute(t.runs.update().where(t.runs.c.name == name).values(cost="1.234567"))
    # When bob lists alice's runs, one a page
    page = store.runs.list_runs(store.core.caller_for("bob"), scope="user=alice", limit=1)
    # Then the newest is that run, a next page exists, and its cost is a number to 4 places
    assert [r["name"] for r in page["items"]] == [name]
    assert page["next_cursor"] is not None
    assert json.loads(json.dumps(page))["items"][0]["cost"] == 1.2346
    # while the database keeps every place
    with store.core.read() as conn:
        stored = conn.execute(select(t.runs.c.cost).where(t.runs.c.name == name)).scalar_one()
    assert stored == Decimal("1.234567")
