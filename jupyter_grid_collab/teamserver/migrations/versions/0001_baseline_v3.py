"""The baseline: the schema the last hand-written version (3) made, money still as floats.

A database with no tables gets every table. A database from before the migrations (a
version 1, 2 or 3 stamp in grid_meta) is adopted: the tables it lacks are made, then the
steps that were hand-written as versions 2 and 3 run, each only where still needed, so its
data stays as it is.

Revision ID: 0001_baseline_v3
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline_v3"
down_revision = None
branch_labels = None
depends_on = None

# Ids are BigInteger on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _table(existing: set[str], name: str, *columns, **kw) -> None:
    if name not in existing:
        op.create_table(name, *columns, **kw)


def _index(existing: set[str], name: str, table: str, columns: list[str], unique: bool) -> None:
    # a table the database already had has its indexes (create_all made both together)
    if table not in existing:
        op.create_index(name, table, columns, unique=unique)


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _legacy_version() -> int | None:
    """The hand-written version a database from before the migrations was stamped with."""
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("grid_meta"):
        return None
    value = bind.execute(
        sa.text("SELECT value FROM grid_meta WHERE key = 'schema_version'")
    ).scalar()
    return None if value is None else int(value)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    legacy = _legacy_version()
    _create_tables(existing)
    if legacy is not None and legacy < 2:
        _version_2()
    if legacy is not None and legacy < 3:
        _version_3()
    # pre-migration team servers read this stamp: 4 makes them refuse the database
    op.execute(sa.text("DELETE FROM grid_meta WHERE key = 'schema_version'"))
    op.execute(sa.text("INSERT INTO grid_meta (key, value) VALUES ('schema_version', '4')"))


def _version_2() -> None:
    """Sessions say what visitors may do (existing ones keep Grid's behaviour, "full"); the
    audit actor holds "bob via session alice:alice-lab"."""
    if "visitors" not in _columns("sessions"):
        op.execute("ALTER TABLE sessions ADD COLUMN visitors VARCHAR(8) NOT NULL DEFAULT 'full'")
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
        op.execute("ALTER TABLE audit ALTER COLUMN actor TYPE VARCHAR(200)")


def _version_3() -> None:
    """Bounded storage: a team's storage quota, an experiment's stored log bytes and dropped
    lines, and the team a run source counts against (older sources: NULL, so they count in
    each of their uploader's teams until the housekeeping collects the unused ones)."""
    if "storage_quota_bytes" not in _columns("teams"):
        op.execute("ALTER TABLE teams ADD COLUMN storage_quota_bytes BIGINT")
    for column in ("log_bytes", "log_dropped"):
        if column not in _columns("experiments"):
            op.execute(f"ALTER TABLE experiments ADD COLUMN {column} BIGINT NOT NULL DEFAULT 0")
    if "team_id" not in _columns("sources"):
        op.execute(
            "ALTER TABLE sources ADD COLUMN team_id BIGINT REFERENCES teams(id) ON DELETE CASCADE"
        )
    op.execute("CREATE INDEX IF NOT EXISTS ix_sources_team ON sources (team_id)")


def _create_tables(existing: set[str]) -> None:
    _table(
        existing,
        "audit",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("resource", sa.String(length=300), nullable=True),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    _index(existing, "ix_audit_team", "audit", ["team_id", "id"], unique=False)
    _table(
        existing,
        "grid_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    _table(
        existing,
        "teams",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("balance", sa.Float(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("storage_quota_bytes", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    _table(
        existing,
        "users",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=39), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("github_login", sa.String(length=39), nullable=True),
        sa.Column("site_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    _table(
        existing,
        "api_keys",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_used_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    _index(existing, "ix_api_keys_user_id", "api_keys", ["user_id"], unique=False)
    _table(
        existing,
        "credentials",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "provider"),
    )
    _table(
        existing,
        "datastores",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "name", name="uq_datastores_owner_name"),
    )
    _table(
        existing,
        "ledger",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("resource", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    _index(existing, "ix_ledger_team", "ledger", ["team_id", "id"], unique=False)
    _table(
        existing,
        "memberships",
        sa.Column("team_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    _index(existing, "ix_memberships_user", "memberships", ["user_id", "team_id"], unique=False)
    _table(
        existing,
        "sessions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("instance_type", sa.String(length=64), nullable=False),
        sa.Column("datastores", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=True),
        sa.Column("stopped_at", sa.Float(), nullable=True),
        sa.Column("last_heartbeat", sa.Float(), nullable=True),
        sa.Column("charged_until", sa.Float(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("server_secret_hash", sa.String(length=64), nullable=True),
        sa.Column("visitors", sa.String(length=8), server_default="full", nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "name", name="uq_sessions_owner_name"),
        sqlite_autoincrement=True,
    )
    _index(existing, "ix_sessions_owner", "sessions", ["owner_id", "id"], unique=False)
    _index(
        existing, "ix_sessions_server_secret_hash", "sessions", ["server_secret_hash"], unique=False
    )
    _index(existing, "ix_sessions_status", "sessions", ["status", "last_heartbeat"], unique=False)
    _index(existing, "ix_sessions_team", "sessions", ["team_id", "id"], unique=False)
    _table(
        existing,
        "sources",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "sha256"),
    )
    _index(existing, "ix_sources_sha256", "sources", ["sha256"], unique=False)
    _index(existing, "ix_sources_team", "sources", ["team_id"], unique=False)
    _table(
        existing,
        "uploads",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    _table(
        existing,
        "datastore_versions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("datastore_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["datastore_id"], ["datastores.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("datastore_id", "version", name="uq_datastore_version"),
        sqlite_autoincrement=True,
    )
    _index(existing, "ix_dsv_owner", "datastore_versions", ["owner_id", "id"], unique=False)
    _index(existing, "ix_dsv_team", "datastore_versions", ["team_id", "id"], unique=False)
    _table(
        existing,
        "session_tickets",
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("visitor_id", ID, nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visitor_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_hash"),
    )
    _table(
        existing,
        "upload_files",
        sa.Column("upload_id", ID, nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("upload_id", "path"),
    )
    _index(existing, "ix_upload_files_sha256", "upload_files", ["sha256"], unique=False)
    _table(
        existing,
        "visits",
        sa.Column("session_id", ID, nullable=False),
        sa.Column("visitor_id", ID, nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visitor_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "visitor_id"),
    )
    _table(
        existing,
        "datastore_files",
        sa.Column("version_id", ID, nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["datastore_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", "path"),
    )
    _index(existing, "ix_datastore_files_sha256", "datastore_files", ["sha256"], unique=False)
    _table(
        existing,
        "runs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("num_trials", sa.Integer(), nullable=True),
        sa.Column("instance_type", sa.String(length=64), nullable=False),
        sa.Column("datastore_version_id", ID, nullable=True),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("datastore_ref", sa.String(length=200), nullable=True),
        sa.Column("cloned_from", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=True),
        sa.Column("finished_at", sa.Float(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("n_pending", sa.Integer(), nullable=False),
        sa.Column("n_running", sa.Integer(), nullable=False),
        sa.Column("n_succeeded", sa.Integer(), nullable=False),
        sa.Column("n_failed", sa.Integer(), nullable=False),
        sa.Column("n_cancelled", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastore_version_id"], ["datastore_versions.id"], ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "name", name="uq_runs_owner_name"),
        sqlite_autoincrement=True,
    )
    _index(existing, "ix_runs_owner", "runs", ["owner_id", "id"], unique=False)
    _index(existing, "ix_runs_team", "runs", ["team_id", "id"], unique=False)
    _index(existing, "ix_runs_team_status", "runs", ["team_id", "status", "id"], unique=False)
    _table(
        existing,
        "experiments",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("run_id", ID, nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=True),
        sa.Column("finished_at", sa.Float(), nullable=True),
        sa.Column("charged_until", sa.Float(), nullable=True),
        sa.Column("next_seq", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("log_bytes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("log_dropped", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "idx", name="uq_experiments_run_idx"),
        sqlite_autoincrement=True,
    )
    _index(existing, "ix_experiments_status", "experiments", ["status"], unique=False)
    _index(existing, "ix_experiments_token_hash", "experiments", ["token_hash"], unique=False)
    _table(
        existing,
        "artifacts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("experiment_id", ID, nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("experiment_id", "path", name="uq_artifacts_path"),
        sqlite_autoincrement=True,
    )
    _index(existing, "ix_artifacts_sha256", "artifacts", ["sha256"], unique=False)
    _table(
        existing,
        "log_lines",
        sa.Column("experiment_id", ID, nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("stream", sa.String(length=8), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("experiment_id", "seq"),
    )


def downgrade() -> None:
    for name in (
        "log_lines",
        "artifacts",
        "experiments",
        "runs",
        "datastore_files",
        "visits",
        "upload_files",
        "session_tickets",
        "datastore_versions",
        "uploads",
        "sources",
        "sessions",
        "memberships",
        "ledger",
        "datastores",
        "credentials",
        "api_keys",
        "users",
        "teams",
        "grid_meta",
        "audit",
    ):
        op.drop_table(name)
