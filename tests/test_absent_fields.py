"""The store takes a request body's Struct (bodies.py), not its JSON: a field the body leaves
out is UNSET, not null, so a heartbeat or a status report changes only what it sends, and
sending null still clears. SQLite and PostgreSQL, through the API."""

from __future__ import annotations

import uuid

import msgspec

from jupyter_grid_collab import bodies


def test_a_left_out_field_is_unset_and_a_null_is_none():
    assert msgspec.convert({}, bodies.Heartbeat).url is msgspec.UNSET
    assert msgspec.convert({"url": None}, bodies.Heartbeat).url is None
    report = msgspec.convert({"status": "running"}, bodies.ExperimentStatus)
    assert report.exit_code is msgspec.UNSET and report.message is msgspec.UNSET


def test_a_heartbeat_changes_only_what_it_sends(clients):
    alice = clients["alice"]
    name = f"lab-{uuid.uuid4().hex[:6]}"
    # Given alice's session with a URL, datastores none and visitors full
    alice.register_session(name, url="http://127.0.0.1:9/lab")
    # When its server beats with nothing to say, then its URL, datastores and visitors stay
    beat = alice.heartbeat(name)
    assert (beat.url, beat.datastores, beat.visitors) == ("http://127.0.0.1:9/lab", [], "full")
    # When it sends only what visitors may do, then only that changes
    beat = alice.heartbeat(name, visitors="view")
    assert (beat.url, beat.visitors) == ("http://127.0.0.1:9/lab", "view")
    # and a null URL is sent on purpose: the session has none
    beat = alice.heartbeat(name, url=None)
    assert (beat.url, beat.visitors) == (None, "view")
    alice.delete_session(name)


def test_a_status_report_keeps_the_exit_code_and_message_it_leaves_out(clients):
    alice = clients["alice"]
    run = f"kept-{uuid.uuid4().hex[:6]}"
    alice.create_run("python train.py", {"lr": [0.1]}, name=run, tracked=True)
    exp = f"{run}-exp0"
    # Given a report with an exit code and a message
    alice.report_status(exp, "running", exit_code=3, message="warming up")
    # When the next leaves both out, then both stay
    kept = alice.report_status(exp, "running")
    assert (kept.exit_code, kept.message) == (3, "warming up")
    # and an explicit null clears one (the client sends only what is not None: raw HTTP)
    body = {"status": "succeeded", "message": None}
    cleared = alice._do("POST", f"/experiments/alice/{exp}/status", json=body)
    assert (cleared["exit_code"], cleared["message"]) == (3, None)
