"""Each record is described once, by its Struct (issue 13): the team server builds a record's
JSON from its database row through that Struct (teamserver/store/rows.py), so an answer
carries exactly the Struct's fields and a new field needs no second description.

The answers are read raw (not through the client, which ignores unknown keys and fills in
defaults) from a real team server on SQLite and PostgreSQL, with one record of every kind.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from teamserver_harness import seeded_server

from jupyter_grid_collab.answers import AuditEntry, LedgerEntry, TeamSummary
from jupyter_grid_collab.models import (
    Artifact,
    Credential,
    Datastore,
    Experiment,
    LogLine,
    Member,
    Record,
    Run,
    Session,
    Team,
)
from jupyter_grid_collab.teamserver.store.rows import Column, row_builder


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def answers(request, tmp_path_factory) -> dict[str, Any]:
    """Raw JSON of every listing and detail, once alice made one record of each kind."""
    base = tmp_path_factory.mktemp(f"rows-{request.param}")
    with seeded_server(base, request.param) as server, server.client("alice") as alice:
        alice.me()
        tag = uuid.uuid4().hex[:6]
        run = f"rows-{tag}"
        alice.create_run("python train.py", {"lr": [0.1]}, name=run)
        alice.append_logs(f"{run}-exp0", ["epoch 1"])
        weights = base / "w.bin"
        weights.write_bytes(b"weights")
        alice.upload_artifact(f"{run}-exp0", "w.bin", weights)
        data = base / "data"
        data.mkdir()
        (data / "a.csv").write_text("x\n1\n")
        alice.upload_datastore(f"ds-{tag}", data)
        alice.register_session(f"lab-{tag}", url="http://127.0.0.1:9/lab")
        alice.set_credential("github", "ghp_" + "x" * 36, login="alice-gh")

        def get(path: str) -> Any:
            return alice._send("GET", path).json()

        yield {
            "run": get("/runs?scope=team")["items"][0],
            "experiment": get(f"/runs/alice/{run}")["experiments"][0],
            "session": get("/sessions?scope=team")["items"][0],
            "datastore": get("/datastores?scope=team")["items"][0],
            "artifact": get(f"/runs/alice/{run}/artifacts")["items"][0],
            "log line": get(f"/experiments/alice/{run}-exp0/logs")["lines"][0],
            "team summary": get("/teams")["items"][0],
            "team": get("/teams/vision"),
            "member": get("/teams/vision")["members"][0],
            "ledger entry": get("/teams/vision/ledger")["items"][0],
            "audit entry": get("/teams/vision/audit")["items"][0],
            "credential": get("/credentials")["items"][0],
        }


RECORDS: dict[str, type[Record]] = {
    "run": Run,
    "experiment": Experiment,
    "session": Session,
    "datastore": Datastore,
    "artifact": Artifact,
    "log line": LogLine,
    "team summary": TeamSummary,
    "team": Team,
    "member": Member,
    "ledger entry": LedgerEntry,
    "audit entry": AuditEntry,
    "credential": Credential,
}


@pytest.mark.parametrize("kind", RECORDS)
def test_an_answer_carries_exactly_its_records_fields_and_each_is_valid(answers, kind):
    # Given the raw answer for one record of this kind
    item = answers[kind]
    record = RECORDS[kind]
    # Then it has every field of the Struct and nothing else
    assert set(item) == set(record.__struct_fields__), kind
    # and each value is what the Struct says it may be (patterns, ranges, types)
    msgspec.convert(item, record, strict=True)


def test_a_new_plain_field_of_a_record_needs_no_second_description():
    # Given a record grown by one field that the database holds as a column of its name
    class Tagged(Run, kw_only=True):
        note: str | None = None

    build = row_builder(
        Tagged,
        datastore=Column("datastore_ref"),
        duration_seconds=lambda m, ts: 0.0,
        counts=lambda m, ts: {},
    )
    row = {name: None for name in Tagged.__struct_fields__} | {
        "datastore_ref": "alice:cars@1",
        "note": "tuned by bob",
        "created_at": 0.0,
        "cost": 1.23456,
    }
    # When a row is built into it
    out = build(row, 0.0)
    # Then the new field is read from its column, and the typed ones are converted
    assert out["note"] == "tuned by bob"
    assert out["datastore"] == "alice:cars@1"
    assert out["created_at"] == "1970-01-01T00:00:00Z"
    assert out["cost"] == 1.2346


def test_a_special_rule_for_a_field_the_record_does_not_have_is_refused():
    with pytest.raises(TypeError, match="no field"):
        row_builder(Run, colour=Column("colour"))
