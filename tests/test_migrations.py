"""The database's schema across versions (SQLite and PostgreSQL): a database today's team
server made (schema version 3, money as floats; built by the frozen legacy_schema_v3 module,
older versions by undoing its steps) upgrades with every record intact; a newer schema is
refused untouched; --no-upgrade-db refuses and names the command; upgrade-db upgrades, once,
even when two run at once; a thousand ticks of 0.1 credits sum to exactly 100."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import legacy_schema_v3 as v3
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, inspect, select, text
from teamserver_harness import TeamServerProcess, create_pg_database, drop_pg_database

from jupyter_grid_collab.bodies import SessionRegistration
from jupyter_grid_collab.teamserver import migrations, schema
from jupyter_grid_collab.teamserver.errors import OutOfCredits
from jupyter_grid_collab.teamserver.store import Store
from jupyter_grid_collab.teamserver.store.sessions import _session_query

API_KEY = "gck_migration_test_key_for_alice"
SECRET = b"0" * 43 + b"="  # a Fernet key: 32 zero bytes, urlsafe base64


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """(url, data dir) of an empty database; SQLite lives where the server looks for it."""
    data_dir = tmp_path / "team-data"
    data_dir.mkdir(mode=0o700)
    if request.param == "postgresql":
        url = create_pg_database()
        yield url, data_dir
        drop_pg_database(url)
    else:
        yield f"sqlite:///{data_dir / 'team.db'}", data_dir


def server_for(url: str, data_dir: Path, *args: str) -> TeamServerProcess:
    db = url if url.startswith("postgresql") else None
    return TeamServerProcess(data_dir, db=db, extra_args=["--executor", "none", *args])


def cli(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """``grid-collab-server [--db URL] ...`` as a person would run it."""
    db = ["--db", url] if url.startswith("postgresql") else []
    return subprocess.run(
        [sys.executable, "-m", "jupyter_grid_collab.teamserver.cli"]
        + ["--data-dir", str(data_dir), *db, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def make_version_3(url: str) -> None:
    """A database as today's team server leaves it, with a team, members, a session, runs
    (one deleted: its id must never come back), experiments, ledger rows and an audit entry.
    Amounts are floats as that code wrote them, 0.1 + 0.2 included."""
    engine = v3.make_engine(url)
    v3.create_schema(engine)
    with engine.begin() as conn:
        for username in ("alice", "bob"):
            conn.execute(v3.users.insert().values(username=username, created_at=1.0))
        conn.execute(
            v3.api_keys.insert().values(
                user_id=1,
                key_hash=hashlib.sha256(API_KEY.encode()).hexdigest(),
                prefix="gck_migr",
                created_at=1.0,
            )
        )
        conn.execute(v3.teams.insert().values(name="vision", balance=1234.5678, created_at=1.0))
        for user_id, role in ((1, "owner"), (2, "user")):
            conn.execute(
                v3.memberships.insert().values(
                    team_id=1, user_id=user_id, role=role, created_at=1.0
                )
            )
        conn.execute(
            v3.sessions.insert().values(
                owner_id=1,
                team_id=1,
                name="lab",
                status="stopped",
                instance_type="cpu-small",
                datastores=[],
                created_at=1.0,
                started_at=1.0,
                stopped_at=3601.0,
                cost=0.5,
            )
        )
        for name, cost in (("sweep", 0.1 + 0.2), ("gone", 7.0)):
            conn.execute(
                v3.runs.insert().values(
                    owner_id=1,
                    team_id=1,
                    name=name,
                    status="succeeded",
                    command="python main.py",
                    params={"lr": [0.1]},
                    strategy="grid",
                    instance_type="cpu-small",
                    created_at=2.0,
                    cost=cost,
                    n_succeeded=1,
                )
            )
        conn.execute(
            v3.experiments.insert().values(
                run_id=1,
                idx=0,
                status="succeeded",
                command="python main.py --lr 0.1",
                params={"lr": 0.1},
                created_at=2.0,
                exit_code=0,
            )
        )
        conn.execute(text("DELETE FROM runs WHERE name = 'gone'"))
        for kind, amount in (("credit", 1235.0), ("usage", -0.5), ("usage", -0.1 - 0.2)):
            conn.execute(
                v3.ledger.insert().values(
                    team_id=1, user_id=1, kind=kind, amount=amount, created_at=3.0
                )
            )
        conn.execute(
            v3.audit.insert().values(
                ts=4.0,
                actor="alice",
                action="create",
                resource="run alice:sweep",
                team_id=1,
                outcome="ok",
            )
        )
    engine.dispose()


def get(server: TeamServerProcess, path: str, **params) -> dict:
    r = httpx.get(
        server.url + "/api/v1" + path,
        params=params,
        headers={"Authorization": f"token {API_KEY}"},
        timeout=30,
    )
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r.json()


def test_a_version_3_database_upgrades_at_start_with_its_data(database):
    url, data_dir = database
    # Given a database today's team server made, with money as floats
    make_version_3(url)
    # When this team server starts on it
    server = server_for(url, data_dir).start()
    try:
        # Then the log says it upgraded the schema
        assert "upgrading the database's schema from version 3" in server.log_path.read_text()
        # and the team, its members, its session, its run and its ledger are as they were
        team = get(server, "/teams/vision")
        assert team["balance"] == 1234.5678
        assert [(m["username"], m["role"]) for m in team["members"]] == [
            ("alice", "owner"),
            ("bob", "user"),
        ]
        (session,) = get(server, "/sessions", scope="team")["items"]
        assert (session["name"], session["status"], session["cost"]) == ("lab", "stopped", 0.5)
        (run,) = get(server, "/runs", scope="team")["items"]
        assert (run["name"], run["status"], run["cost"]) == ("sweep", "succeeded", 0.3)
        detail = get(server, "/runs/alice/sweep")
        assert [e["params"] for e in detail["experiments"]] == [{"lr": 0.1}]
        ledger = get(server, "/teams/vision/ledger")["items"]
        assert [(e["kind"], e["amount"]) for e in ledger] == [
            ("usage", -0.3),
            ("usage", -0.5),
            ("credit", 1235.0),
        ]
        assert [e["resource"] for e in get(server, "/teams/vision/audit")["items"]] == [
            "run alice:sweep"
        ]
    finally:
        server.stop()
    # and in the database the amounts are exact decimals, 0.1 + 0.2 is 0.3, and the deleted
    # run's id is still never handed out again
    engine = schema.make_engine(url)
    try:
        with engine.begin() as conn:
            assert conn.execute(select(schema.teams.c.balance)).scalar() == Decimal("1234.5678")
            amounts = conn.execute(select(schema.ledger.c.amount).order_by("id")).scalars()
            assert list(amounts) == [Decimal("1235"), Decimal("-0.5"), Decimal("-0.3")]
            assert conn.execute(
                select(schema.ledger.c.amount.label("a")).where(schema.ledger.c.id == 3)
            ).scalar() == Decimal("-0.3")
            new_id = conn.execute(
                schema.runs.insert().values(
                    owner_id=1,
                    team_id=1,
                    name="after",
                    status="pending",
                    command="true",
                    params={},
                    strategy="grid",
                    instance_type="cpu-small",
                    created_at=5.0,
                )
            ).inserted_primary_key[0]
            assert new_id == 3
            assert conn.execute(text("SELECT value FROM grid_meta")).scalar() == "4"
    finally:
        engine.dispose()


@pytest.mark.parametrize("version", [1, 2])
def test_versions_1_and_2_are_adopted_with_their_data(database, version):
    url, _ = database
    postgres = url.startswith("postgresql")
    # Given a database as version 1 or 2 left it (version 3's steps undone)
    engine = v3.make_engine(url)
    v3.create_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE teams DROP COLUMN storage_quota_bytes"))
        conn.execute(text("ALTER TABLE experiments DROP COLUMN log_bytes"))
        conn.execute(text("ALTER TABLE experiments DROP COLUMN log_dropped"))
        conn.execute(text("DROP TABLE sources"))
        # version 2's sources belonged to their uploader, not to a team
        user_id = "BIGINT" if postgres else "INTEGER"
        conn.execute(
            text(
                f"CREATE TABLE sources (user_id {user_id} NOT NULL REFERENCES users (id) ON "
                "DELETE CASCADE, sha256 VARCHAR(64) NOT NULL, size BIGINT NOT NULL, "
                "created_at FLOAT NOT NULL, PRIMARY KEY (user_id, sha256))"
            )
        )
        if version == 1:
            conn.execute(text("ALTER TABLE sessions DROP COLUMN visitors"))
            if postgres:
                conn.execute(text("ALTER TABLE audit ALTER COLUMN actor TYPE VARCHAR(39)"))
        conn.execute(text(f"UPDATE grid_meta SET value = '{version}'"))
        conn.execute(v3.users.insert().values(username="alice", created_at=0))
        conn.execute(v3.teams.insert().values(name="vision", balance=0.1, created_at=0))
        conn.execute(
            v3.memberships.insert().values(team_id=1, user_id=1, role="owner", created_at=0)
        )
        conn.execute(
            text(
                "INSERT INTO sources (user_id, sha256, size, created_at) VALUES (1, :sha, 700, 0)"
            ),
            {"sha": "a" * 64},
        )
        conn.execute(
            text(
                "INSERT INTO sessions (owner_id, team_id, name, status, instance_type, "
                "datastores, created_at, cost) VALUES (1, 1, 'old', 'running', 'cpu-small', "
                "'[]', 0, 0.25)"
            )
        )
    engine.dispose()
    # When this team server's migrations run on it
    engine = schema.make_engine(url)
    try:
        assert "from version" in migrations.prepare(engine)
        assert migrations.prepare(engine) is None  # and again: nothing left to do
        # Then the steps of versions 2 and 3 are there and the rows kept their values
        with engine.begin() as conn:
            columns = {
                (table, c["name"])
                for table in ("teams", "experiments", "sources", "sessions")
                for c in inspect(conn).get_columns(table)
            }
            assert {
                ("teams", "storage_quota_bytes"),
                ("experiments", "log_bytes"),
                ("experiments", "log_dropped"),
                ("sources", "team_id"),
                ("sessions", "visitors"),
            } <= columns
            row = conn.execute(select(schema.sessions)).one()
            assert (row.name, row.visitors, row.cost) == ("old", "full", Decimal("0.25"))
            assert conn.execute(select(schema.teams.c.balance)).scalar() == Decimal("0.1")
            # long actors fit ("bob via session alice:<64 characters>")
            conn.execute(
                schema.audit.insert().values(
                    ts=0, actor="bob via session alice:" + "x" * 64, action="GET", outcome="ok"
                )
            )
        # and the old source counts for its uploader's team
        store = Store(engine, Fernet.generate_key())
        assert (
            store.teams.team_detail(store.core.caller_for("alice"), "vision")["storage_used_bytes"]
            == 700
        )
    finally:
        engine.dispose()


def test_no_upgrade_db_refuses_and_upgrade_db_upgrades(database):
    url, data_dir = database
    make_version_3(url)
    # When the server starts with --no-upgrade-db on an older database
    refused = cli(url, data_dir, "--no-upgrade-db", "--executor", "none")
    # Then it refuses, says what to run, and the database is as it was
    assert refused.returncode != 0
    assert "older than this team server's" in refused.stderr
    assert "grid-collab-server upgrade-db" in refused.stderr
    engine = schema.make_engine(url)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT value FROM grid_meta")).scalar() == "3"
            assert not inspect(conn).has_table("alembic_version")
        # When the command it names runs (twice, at the same time)
        both = [
            subprocess.Popen(
                [sys.executable, "-m", "jupyter_grid_collab.teamserver.cli"]
                + ["--data-dir", str(data_dir)]
                + (["--db", url] if url.startswith("postgresql") else [])
                + ["upgrade-db"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=120) for p in both]
        # Then one upgraded and the other found nothing left to do
        assert [p.returncode for p in both] == [0, 0], outs
        said = sorted(out for out, _ in outs)
        assert said[0].startswith("the database's schema is already this version's"), said
        assert said[1].startswith("upgraded the database's schema from version 3"), said
        # and the server now starts with --no-upgrade-db, the data there
        server = server_for(url, data_dir, "--no-upgrade-db").start()
        try:
            assert get(server, "/teams/vision")["balance"] == 1234.5678
        finally:
            server.stop()
    finally:
        engine.dispose()


def test_a_newer_schema_is_refused_unchanged(database):
    url, data_dir = database
    # Given a database a newer team server upgraded to a revision this one does not know
    engine = schema.make_engine(url)
    try:
        migrations.prepare(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
            before = sorted(inspect(conn).get_table_names())
        # When this team server starts, or its upgrade-db runs
        for args in (("--executor", "none"), ("upgrade-db",)):
            out = cli(url, data_dir, *args)
            # Then both refuse, saying why
            assert out.returncode != 0
            assert "revision '0099_from_the_future'" in out.stderr
            assert "Upgrade jupyter_grid_collab" in out.stderr
        # and the database was not changed
        with engine.begin() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                "0099_from_the_future"
            )
            assert sorted(inspect(conn).get_table_names()) == before
    finally:
        engine.dispose()


def test_a_thousand_ticks_of_a_tenth_sum_exactly(database):
    url, data_dir = database
    engine = schema.make_engine(url)
    migrations.prepare(engine)
    store = Store(engine, SECRET)
    # Given a team with 100 credits and a session on an instance at 12 credits an hour
    store.teams.create_user("alice", None, None, False)
    api_key = store.teams.create_key("alice")
    store.teams.create_team("vision", "alice")
    store.teams.add_credits("vision", 100)
    caller = store.core.caller_for("alice")
    store.sessions.register_session(
        caller, SessionRegistration(name="lab", instance_type="gpu-a100"), store.billing.prices
    )
    # When it is charged a thousand 30-second ticks of 0.1 credits
    with engine.begin() as conn:
        conn.execute(schema.sessions.update().values(charged_until=0.0))
    for tick in range(1, 1001):
        with engine.begin() as conn:
            row = conn.execute(_session_query().where(schema.sessions.c.name == "lab")).one()
            store.billing.charge_session(conn, row, tick * 30.0)
    with engine.begin() as conn:  # it stops there (the server would charge it on, else)
        conn.execute(schema.sessions.update().values(status="stopped", stopped_at=30000.0))
    # Then the balance is exactly zero, the ledger and the session's cost exactly 100
    with engine.begin() as conn:
        assert conn.execute(select(schema.teams.c.balance)).scalar() == 0
        # (summed as the store sums money: typed, so SQLite's double comes back exact)
        usage = select(func.sum(schema.ledger.c.amount)).where(schema.ledger.c.kind == "usage")
        assert conn.execute(usage).scalar() == Decimal("-100")
        assert conn.execute(select(schema.sessions.c.cost)).scalar() == Decimal("100")
        # and the team is out of credits, not 1e-12 short of it
        with pytest.raises(OutOfCredits):
            store.billing.require_credit(conn, 1, "vision")
    engine.dispose()
    # and the team server says so too
    server = server_for(url, data_dir).start()
    try:
        r = httpx.get(
            server.url + "/api/v1/teams/vision",
            headers={"Authorization": f"token {api_key}"},
            timeout=30,
        )
        assert r.json()["balance"] == 0
        r = httpx.post(
            server.url + "/api/v1/sessions",
            json={"name": "another", "instance_type": "cpu-small"},
            headers={"Authorization": f"token {api_key}"},
            timeout=30,
        )
        assert r.status_code == 402, r.text
        assert "out of credits" in r.json()["message"]
    finally:
        server.stop()


def test_head_is_the_newest_revision_alembic_knows():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert migrations.HEAD == script.get_current_head()


def test_a_database_at_head_is_prepared_without_importing_alembic(database):
    # Given a database a team server made (at HEAD)
    url, _ = database
    engine = schema.make_engine(url)
    try:
        migrations.prepare(engine)
    finally:
        engine.dispose()
    # When another process prepares it again, Then nothing is done and Alembic is not loaded
    probe = (
        "import sys\n"
        "from jupyter_grid_collab.teamserver import migrations, schema\n"
        f"engine = schema.make_engine({url!r})\n"
        "print(migrations.prepare(engine), 'alembic' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["None", "False"], out.stdout + out.stderr
