"""Metrics as records: points appended in batches, read back downsampled with their shape
kept, under the permissions of logs (teammates read, outsiders 404, only the executor
writes). Real team servers (SQLite and PostgreSQL) over HTTP; the downsampler alone too."""

from __future__ import annotations

import math
import random
import uuid

import httpx
import pytest

from jupyter_grid_collab.teamserver.metric_series import (
    CHUNK_POINTS,
    Points,
    downsample,
    pack,
    unpack,
)

API = "/api/v1"


def _http(server, user: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url + API,
        headers={"Authorization": f"token {server.keys[user]}"},
        timeout=30,
    )


def _tracked_run(clients, owner: str = "alice", params: dict | None = None) -> str:
    """A hand-tracked run of ``owner`` (running, one experiment); its experiment's name."""
    name = f"m-{uuid.uuid4().hex[:6]}"
    clients[owner].create_run("notebook", params or {"lr": 0.1}, name=name, tracked=True)
    return f"{name}-exp0"


def _append(http: httpx.Client, ref: str, points: list[dict]) -> httpx.Response:
    owner, name = ref.split(":")
    return http.post(f"/experiments/{owner}/{name}/metrics", json={"points": points})


# ---------------------------------------------------------------- the downsampler alone
def _points(values: list[float]) -> Points:
    n = len(values)
    return Points.of(list(range(n)), values, [1.0 * i for i in range(n)])


def test_downsample_keeps_every_buckets_lowest_and_highest_and_both_ends():
    rng = random.Random(7)
    values = [rng.gauss(0, 1) for _ in range(10_000)]
    values[4321] = 50.0  # a spike an average or a stride would lose
    values[777] = -50.0
    for max_points in (500, 333, 2, 3):
        out = downsample(_points(values), max_points)
        assert len(out) <= max_points
        kept = set(out.steps.tolist())
        assert {0, 9_999} <= kept
        if max_points < 4:
            assert kept == {0, 9_999}  # no room for a bucket
            continue
        assert {4321, 777} <= kept
        # every bucket's extremes survive: the buckets are equal runs of the points between
        # the first and the last, as many as max_points allows (two points each)
        inner = 10_000 - 2
        size = -(-inner // ((max_points - 2) // 2))
        for lo in range(1, 10_000 - 1, size):
            part = values[lo : min(lo + size, 10_000 - 1)]
            assert lo + part.index(min(part)) in kept and lo + part.index(max(part)) in kept
        assert list(out.steps) == sorted(out.steps)  # in order of arrival
        # the same from the series' chunks, as the store reads it
        whole = _points(values)
        chunks = [whole.slice(0, 3000), whole.slice(3000, 7001), whole.slice(7001)]
        assert downsample(chunks, max_points) == out


def test_downsample_ignores_nan_and_returns_short_series_whole():
    values = [math.nan, 3.0, math.nan, -1.0, 2.0] * 200
    out = downsample(_points(values), 10)
    assert len(out) <= 10
    inner = out.values.tolist()[1:-1]
    assert all(not math.isnan(v) for v in inner)
    assert -1.0 in inner and 3.0 in inner
    # a bucket of only NaN keeps one point (the chart shows a gap there)
    gap = downsample(_points([1.0] + [math.nan] * 100 + [2.0]), 4)
    assert len(gap) <= 4 and math.isnan(gap.values[1])
    short = _points([1.0, 2.0, 3.0])
    assert downsample(short, 500) is short


def test_a_chunk_packs_and_unpacks_exactly():
    pts = _points([0.1 * i for i in range(CHUNK_POINTS + 3)] + [math.nan])
    assert unpack(pack(pts)) == pts
    with pytest.raises(ValueError, match="not whole points"):
        unpack(b"\x00" * 25)


# ---------------------------------------------------------------- through the team server
def test_points_are_stored_summarised_and_downsampled(team_server, clients):
    exp = _tracked_run(clients)
    with _http(team_server, "alice") as alice, _http(team_server, "bob") as bob:
        rng = random.Random(1)
        loss = [1.0 / (1 + i / 100) + rng.random() * 0.01 for i in range(12_000)]
        loss[9_000] = 7.5  # a divergence the chart must show
        # sent as a launcher sends: batches, the step left to the server after the first
        for start in range(0, len(loss), 5_000):
            batch = [
                {"name": "loss", "value": v, "ts": 1_700_000_000.0 + start + i}
                for i, v in enumerate(loss[start : start + 5_000])
            ]
            if start == 0:
                batch[0]["step"] = 0
            r = _append(alice, f"alice:{exp}", batch)
            assert r.status_code == 200, r.text
            assert r.json()["stored"] == len(batch) and r.json()["dropped"] == 0
        assert _append(alice, f"alice:{exp}", [{"name": "acc", "value": 0.5, "step": 3}]).is_success

        # a teammate reads them: the summary, and the series cut to max_points, shape kept
        r = bob.get(f"/experiments/alice/{exp}/metrics", params={"max_points": 300})
        assert r.status_code == 200, r.text
        got = r.json()
        assert (got["owner"], got["experiment"], got["status"]) == ("alice", exp, "running")
        assert got["params"] == {"lr": 0.1}
        summaries = {s["name"]: s for s in got["summaries"]}
        assert summaries["loss"]["count"] == 12_000
        assert summaries["loss"]["last_step"] == 11_999
        assert summaries["loss"]["last"] == pytest.approx(loss[-1])
        assert summaries["loss"]["min"] == pytest.approx(min(loss))
        assert summaries["loss"]["max"] == 7.5
        assert summaries["acc"] == {**summaries["acc"], "count": 1, "last": 0.5, "last_step": 3}
        series = {s["name"]: s for s in got["series"]}
        assert set(series) == {"loss", "acc"}
        curve = series["loss"]
        assert len(curve["step"]) <= 300 and curve["count"] == 12_000
        assert curve["step"][0] == 0 and curve["step"][-1] == 11_999
        assert 9_000 in curve["step"]  # the spike survived
        assert curve["value"][curve["step"].index(9_000)] == 7.5
        assert curve["ts"][0] == 1_700_000_000.0

        # names= picks series; max_points=0 is the summaries alone
        r = bob.get(f"/experiments/alice/{exp}/metrics", params={"names": "acc", "max_points": 0})
        assert r.json()["series"] == [] and [s["name"] for s in r.json()["summaries"]] == ["acc"]
        r = bob.get(f"/experiments/alice/{exp}/metrics", params={"names": "acc"})
        assert [s["name"] for s in r.json()["series"]] == ["acc"]


def test_non_finite_values_are_null_and_out_of_the_range(team_server, clients):
    exp = _tracked_run(clients)
    with _http(team_server, "alice") as alice:
        points = [{"name": "loss", "value": v} for v in (2.0, None, 1.0)]
        assert _append(alice, f"alice:{exp}", points).is_success
        got = alice.get(f"/experiments/alice/{exp}/metrics").json()
        (summary,) = got["summaries"]
        assert (summary["min"], summary["max"], summary["last"]) == (1.0, 2.0, 1.0)
        assert got["series"][0]["value"] == [2.0, None, 1.0]
        assert got["series"][0]["step"] == [0, 1, 2]
        # a last point that is not a number: the summary's last is null, the range stays
        assert _append(alice, f"alice:{exp}", [{"name": "loss", "value": None}]).is_success
        (summary,) = alice.get(f"/experiments/alice/{exp}/metrics").json()["summaries"]
        assert (summary["last"], summary["min"], summary["count"]) == (None, 1.0, 4)


def test_teammates_read_outsiders_get_404_and_only_the_executor_writes(team_server, clients):
    exp = _tracked_run(clients)
    path = f"/experiments/alice/{exp}/metrics"
    with (
        _http(team_server, "alice") as alice,
        _http(team_server, "bob") as bob,
        _http(team_server, "carol") as carol,
        _http(team_server, "dave") as dave,
    ):
        assert _append(alice, f"alice:{exp}", [{"name": "loss", "value": 1.0}]).is_success
        # a teammate, even the team's admin, cannot write someone else's metrics
        for other in (bob, carol):
            r = other.post(path, json={"points": [{"name": "loss", "value": 9.0}]})
            assert r.status_code == 403, r.text
            assert "only its run's executor" in r.json()["message"]
        # an outsider learns nothing: the 404 of a run that does not exist
        r = dave.get(path)
        assert r.status_code == 404
        missing = dave.get("/experiments/alice/no-such-run-exp0/metrics")
        assert missing.status_code == 404
        assert missing.json()["message"] == r.json()["message"].replace(exp, "no-such-run-exp0")
        assert dave.get("/metrics", params={"experiments": f"alice:{exp}"}).status_code == 404
        assert dave.post(path, json={"points": [{"name": "x", "value": 1}]}).status_code == 404
        # nothing changed
        (summary,) = bob.get(path).json()["summaries"]
        assert (summary["count"], summary["last"]) == (1, 1.0)


def test_batch_read_compares_two_owners_same_named_runs(team_server, clients):
    name = f"sweep-{uuid.uuid4().hex[:6]}"
    # alice's run of two experiments, and bob's of the same name (his clone, say)
    clients["alice"].create_run("notebook", {"lr": 0.1}, name=name, tracked=True)
    clients["bob"].create_run("notebook", {"lr": 0.9}, name=name, tracked=True)
    with _http(team_server, "alice") as alice, _http(team_server, "bob") as bob:
        _append(alice, f"alice:{name}-exp0", [{"name": "loss", "value": v} for v in (3, 2, 1)])
        _append(bob, f"bob:{name}-exp0", [{"name": "loss", "value": v} for v in (3, 5, 9)])
        r = bob.get(
            "/metrics",
            params={"runs": f"alice:{name},bob:{name}", "names": "loss", "max_points": 100},
        )
        assert r.status_code == 200, r.text
        rows = r.json()["experiments"]
        assert [(e["owner"], e["experiment"]) for e in rows] == [
            ("alice", f"{name}-exp0"),
            ("bob", f"{name}-exp0"),
        ]
        assert [e["params"]["lr"] for e in rows] == [0.1, 0.9]
        assert [e["series"][0]["value"] for e in rows] == [[3, 2, 1], [3, 5, 9]]
        # a run and one of its experiments named together: each experiment once
        both = {"runs": f"alice:{name}", "experiments": f"alice:{name}-exp0"}
        r = bob.get("/metrics", params=both)
        assert len(r.json()["experiments"]) == 1


@pytest.mark.parametrize(
    "params, needle",
    [
        ({}, "name at least one run"),
        ({"runs": "alice:x-exp0"}, "names an experiment, not a run"),
        ({"experiments": "alice:x"}, "names a run, not an experiment"),
        ({"runs": "alice:x", "max_points": "1"}, "max_points must be"),
        ({"runs": "alice:x", "max_points": "many"}, "max_points must be"),
        ({"runs": "alice:x", "names": "a\nb"}, "is not a metric name"),
    ],
)
def test_bad_queries_get_a_clear_400(sqlite_server, params, needle):
    with _http(sqlite_server, "alice") as alice:
        r = alice.get("/metrics", params=params)
        assert r.status_code == 400, r.text
        assert needle in r.json()["message"]


def test_bad_points_are_refused_whole(team_server, clients):
    exp = _tracked_run(clients)
    with _http(team_server, "alice") as alice:
        for points, needle in (
            ([{"name": "loss\n", "value": 1}], "is not a metric name"),
            ([{"name": "a,b", "value": 1}], "name"),
            ([{"name": "loss", "value": "high"}], "value"),
            ([{"name": "loss", "value": 1, "step": -1}], "step"),
            ([{"name": "loss", "value": 1}] * 10_001, "points"),
        ):
            r = _append(alice, f"alice:{exp}", points)
            assert r.status_code == 400, (points[:1], r.text)
            assert needle in r.json()["message"]
        assert alice.get(f"/experiments/alice/{exp}/metrics").json()["summaries"] == []


def test_the_per_experiment_cap_drops_and_counts_what_does_not_fit(tmp_path):
    from teamserver_harness import TeamServerProcess

    server = TeamServerProcess(
        tmp_path / "team", extra_args=["--executor", "none", "--max-metric-points", "2500"]
    )
    server.seed()
    server.start()
    try:
        alice_client = server.client("alice")
        name = f"cap-{uuid.uuid4().hex[:6]}"
        alice_client.create_run("notebook", {}, name=name, tracked=True)
        with _http(server, "alice") as alice:
            first = _append(alice, f"alice:{name}-exp0", [{"name": "a", "value": 1}] * 2000)
            assert first.json()["stored"] == 2000
            second = _append(
                alice,
                f"alice:{name}-exp0",
                [{"name": "a", "value": 2}] * 400 + [{"name": "b", "value": 3}] * 400,
            )
            assert second.status_code == 200
            assert (second.json()["stored"], second.json()["dropped"]) == (500, 300)
            got = alice.get(f"/experiments/alice/{name}-exp0/metrics").json()
            assert sum(s["count"] for s in got["summaries"]) == 2500
        alice_client.close()
    finally:
        server.stop()


def test_a_series_sent_in_small_batches_is_stored_in_few_chunks(sqlite_server):
    """A script that flushes often still leaves about one row per CHUNK_POINTS."""
    import sqlite3

    from jupyter_grid_collab.teamserver.app import data_dir_paths

    with sqlite_server.client("alice") as client:
        exp = _tracked_run({"alice": client})
    with _http(sqlite_server, "alice") as alice:
        for i in range(0, 2 * CHUNK_POINTS + 10, 512):
            batch = [{"name": "loss", "value": float(i + k)} for k in range(512)]
            assert _append(alice, f"alice:{exp}", batch).is_success
        got = alice.get(f"/experiments/alice/{exp}/metrics", params={"max_points": 10_000}).json()
    values = got["series"][0]["value"]
    assert values == [float(v) for v in range(len(values))]  # every point, in order
    db = sqlite3.connect(data_dir_paths(sqlite_server.data_dir.resolve())["db"])
    chunks = db.execute(
        "SELECT count(*) FROM metric_chunks c JOIN metric_series s ON s.id = c.series_id "
        "JOIN experiments e ON e.id = s.experiment_id JOIN runs r ON r.id = e.run_id "
        "WHERE r.name = ?",
        (exp.removesuffix("-exp0"),),
    ).fetchone()[0]
    assert chunks == math.ceil(len(values) / CHUNK_POINTS)


def test_deleting_a_run_deletes_its_metrics(sqlite_server):
    import sqlite3

    from jupyter_grid_collab.teamserver.app import data_dir_paths

    db = sqlite3.connect(data_dir_paths(sqlite_server.data_dir.resolve())["db"])
    counts = "SELECT (SELECT count(*) FROM metric_series), (SELECT count(*) FROM metric_chunks)"
    with sqlite_server.client("alice") as client, _http(sqlite_server, "alice") as alice:
        before = db.execute(counts).fetchone()
        exp = _tracked_run({"alice": client})
        assert _append(alice, f"alice:{exp}", [{"name": "loss", "value": 1.0}]).is_success
        assert db.execute(counts).fetchone() == (before[0] + 1, before[1] + 1)
        client.stop_run(f"alice:{exp.removesuffix('-exp0')}")
        assert alice.delete(f"/runs/alice/{exp.removesuffix('-exp0')}").status_code == 204
        assert alice.get(f"/experiments/alice/{exp}/metrics").status_code == 404
        assert db.execute(counts).fetchone() == before


def test_a_read_goes_batch_by_batch_and_is_bounded(sqlite_server, monkeypatch):
    """What one request holds in memory is a batch of series, and what it may go through
    is bounded (in process, on the served database, with the bounds made small)."""
    from jupyter_grid_collab.teamserver.cli import open_store
    from jupyter_grid_collab.teamserver.errors import Invalid
    from jupyter_grid_collab.teamserver.store import metrics as store_metrics

    with sqlite_server.client("alice") as client, _http(sqlite_server, "alice") as alice:
        refs = []
        for i in range(3):
            exp = _tracked_run({"alice": client})
            refs.append(f"alice:{exp.removesuffix('-exp0')}")
            points = [{"name": "loss", "value": float(v * (i + 1))} for v in range(1000)]
            assert _append(alice, f"alice:{exp}", points).is_success
    store = open_store(str(sqlite_server.data_dir), None)
    try:
        bob = store.authenticate(sqlite_server.keys["bob"])
        ask = {"runs": ",".join(refs), "max_points": "50"}
        whole = store.metrics.query(bob, **ask)
        monkeypatch.setattr(store_metrics, "READ_BATCH_POINTS", 1)  # one series a batch
        assert store.metrics.query(bob, **ask) == whole
        assert [len(e["series"][0]["step"]) for e in whole["experiments"]] == [50, 50, 50]
        monkeypatch.setattr(store_metrics, "MAX_POINTS_PER_READ", 2999)
        with pytest.raises(Invalid, match="hold 3,000 points, more than 2,999 a request"):
            store.metrics.query(bob, **ask)
        # the summaries alone read no points
        assert len(store.metrics.query(bob, runs=ask["runs"], max_points="0")["experiments"]) == 3
    finally:
        store.engine.dispose()
    with _http(sqlite_server, "bob") as bob_http:
        r = bob_http.get("/metrics", params={"runs": ",".join(["alice:x"] * 501)})
        assert r.status_code == 400 and "at most 500 runs and experiments" in r.json()["message"]
