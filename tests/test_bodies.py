"""The records and request bodies described once (models.py, answers.py, bodies.py): the limits
they state are the store's, and reading an answer keeps the attributes every face uses."""

from __future__ import annotations

import msgspec
import pytest

from jupyter_grid_collab import bodies, hyperparams, models


def test_the_bodies_limits_are_the_stores():
    assert bodies.MAX_EXPERIMENTS == hyperparams.MAX_EXPERIMENTS
    assert set(models.ROLES) == {"owner", "admin", "user"}


def test_a_bad_body_is_refused_naming_the_field():
    with pytest.raises(msgspec.ValidationError, match=r"\$\.role"):
        msgspec.convert({"username": "bob", "role": "boss"}, bodies.NewMember)
    with pytest.raises(msgspec.ValidationError, match=r"\$\.storage_quota_bytes"):
        msgspec.convert({"storage_quota_bytes": -1}, bodies.QuotaChange)


def test_a_record_reads_an_answer_ignoring_keys_it_does_not_know():
    # Given a session as a newer server might send it
    answer = {
        "id": 1,
        "name": "lab",
        "owner": "alice",
        "team": "vision",
        "status": "running",
        "instance_type": "cpu-small",
        "created_at": "2024-01-01T00:00:00Z",
        "github": {"user": "alice", "login": "alice-gh", "credential_bound": True},
        "something_new": 1,
    }
    # When the client reads it
    session = models.Session.from_json(answer)
    # Then the faces' attributes are there, the GitHub context still a mapping
    assert session.github.get("login") == "alice-gh"
    assert session.visitors == "full" and session.datastores == []
    assert "something_new" not in session.to_json()
    run_counts = models.Run.from_json(
        {
            "id": 1,
            "name": "cifar-explore",
            "owner": "alice",
            "team": "vision",
            "status": "running",
            "command": "python t.py",
            "instance_type": "cpu-small",
            "strategy": "grid_search",
            "created_at": "2024-01-01T00:00:00Z",
            "counts": {s: 1 for s in models.RUN_STATUSES},
        }
    ).counts
    assert (run_counts or {}).get("running") == 1


def test_a_malformed_answer_names_the_field():
    with pytest.raises(msgspec.ValidationError, match=r"\$\.status"):
        models.Datastore.from_json(
            {
                "id": 1,
                "name": "mnist",
                "owner": "alice",
                "team": "vision",
                "version": 1,
                "status": "half-uploaded",
                "size": 1,
                "file_count": 1,
                "created_at": "2024-01-01T00:00:00Z",
            }
        )
