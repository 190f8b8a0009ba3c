"""The run listing's fast path (issue 15) answers what the run's own record says: params
copied from their stored JSON text, the cost rounded without Decimal, rows read by position,
the page encoded by msgspec; and the stored params are always valid JSON objects.

On a real team server per database, filled through its API."""

from __future__ import annotations

import uuid

import httpx
import msgspec
import pytest
from sqlalchemy import select, text
from teamserver_harness import seeded_server

from jupyter_grid_collab.teamserver import schema as t
from jupyter_grid_collab.teamserver.cli import open_store

# params a listing must give back as they were sent: unicode, nesting a grid allows, small
# and large numbers, booleans
PARAMS = {
    "lr": [0.1, 1e-05, 2.5e-300],
    "name": ["résumé ✓", 'a "quoted" \\ path'],
    "batch_size": 64,
    "huge": 10**30,
    "flag": True,
    "negative": -1.5,
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    with seeded_server(tmp_path_factory.mktemp(f"fast-{request.param}"), request.param) as s:
        yield s


@pytest.fixture(scope="module")
def store(server):
    store = open_store(str(server.data_dir), server.db)
    yield store
    store.engine.dispose()


def api(server, user: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url + "/api/v1", headers={"Authorization": f"token {server.keys[user]}"}
    )


def test_a_listed_run_is_its_own_record_less_its_experiments(server, store):
    # Given runs of alice's with varied params, one with a cost of more places than shown
    names = [f"fast-{uuid.uuid4().hex[:6]}" for _ in range(3)]
    with api(server, "alice") as alice:
        for name in names:
            body = {"command": "python train.py", "params": PARAMS, "name": name}
            assert alice.post("/runs", json=body).status_code == 201
    with store.engine.begin() as conn:
        conn.execute(t.runs.update().where(t.runs.c.name == names[1]).values(cost="2.000150"))
        conn.execute(t.runs.update().where(t.runs.c.name == names[2]).values(cost="0.000250"))
    # When bob lists the team's runs and reads each run on its own
    with api(server, "bob") as bob:
        page = bob.get("/runs", params={"scope": "user=alice", "limit": "200"}).json()
        listed = {r["name"]: r for r in page["items"]}
        for name in names:
            detail = bob.get(f"/runs/alice/{name}").json()
            del detail["experiments"]
            # Then the listing says what the record says, field for field (no experiment
            # runs: durations do not move between the two reads)
            assert listed[name] == detail
            assert listed[name]["params"] == PARAMS
    # and costs are rounded half to even to 4 places, as before
    assert listed[names[1]]["cost"] == 2.0002
    assert listed[names[2]]["cost"] == 0.0002


def test_the_page_is_the_same_through_the_store_and_every_cursor(server, store):
    # the store's data answer is the API's JSON decoded, page after page
    bob = store.core.caller_for("bob")
    with api(server, "bob") as client:
        cursor = None
        for _ in range(3):
            args = {"scope": "team", "limit": "2", **({"cursor": cursor} if cursor else {})}
            answer = client.get("/runs", params=args)
            assert answer.headers["Content-Type"].startswith("application/json")
            assert store.runs.list_runs(bob, **args) == answer.json()
            cursor = answer.json()["next_cursor"]
            if cursor is None:
                break


def test_params_json_cannot_hold_are_refused_and_every_stored_params_is_an_object(server, store):
    # Given a body whose number is too large for a double (it reads as infinity)
    body = b'{"command": "python x.py", "params": {"lr": 1e999}, "name": "inf-run"}'
    with api(server, "alice") as alice:
        answer = alice.post("/runs", content=body, headers={"Content-Type": "application/json"})
    # Then it is refused, as JSON could not give it back
    assert answer.status_code == 400, answer.text
    assert "finite" in answer.json()["message"]
    # and every run's stored params text is a valid JSON object
    with store.core.read() as conn:
        stored = conn.execute(select(text("CAST(params AS TEXT)")).select_from(t.runs)).scalars()
        for raw in stored:
            assert isinstance(msgspec.json.decode(raw), dict), raw


def test_an_answer_carries_no_etag_and_a_conditional_request_gets_the_answer(server):
    # every API answer says Cache-Control: no-store: there is nothing to revalidate
    with api(server, "bob") as bob:
        first = bob.get("/runs", params={"scope": "team"})
        assert first.headers["Cache-Control"] == "no-store"
        assert "ETag" not in first.headers
        again = bob.get("/runs", params={"scope": "team"}, headers={"If-None-Match": "*"})
        assert again.status_code == 200 and again.json() == first.json()
