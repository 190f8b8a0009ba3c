"""The team server's tables (SQLAlchemy Core), the money type and the engine factory.

Core rather than the ORM: every listing is one hand-written keyset query, and rows
go to JSON without object materialisation. The tables here are the code's picture of
the newest schema; the database gets there through the Alembic revisions in
``migrations/`` (a change to a table here is one edit plus a revision there).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect, Engine

# The stamp in grid_meta once Alembic manages the database: one above the last hand-written
# version (3), so a team server from before the migrations refuses the database ("newer than
# this team server's 3") instead of writing floats into it. Revisions are Alembic's now.
SCHEMA_VERSION = 4

# Credits: 18 digits, 6 after the point. A 30 s tick of the cheapest instance is 0.004166...
# credits, so 6 places keep every tick to a millionth; 12 before the point is far beyond any
# balance add_credits allows (1e9 per call).
MONEY_PLACES = 6
MICRO = Decimal(1).scaleb(-MONEY_PLACES)


def money(value: Decimal | float | int | str) -> Decimal:
    """A credit amount as the database keeps it: a Decimal with exactly 6 places. A float is
    taken by its shortest repr (0.1 is 0.1, not 0.1000000000000000055...)."""
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(MICRO)


class Money(TypeDecorator):
    """NUMERIC(18, 6) read and written as Decimal on both databases.

    PostgreSQL keeps it exactly. SQLite has no decimal type: a NUMERIC column holds the
    nearest double, which has ~15 significant digits, so every value read back is rounded to
    6 places again and comes back exact. Arithmetic in SQL on SQLite must round too (see
    store/money.py), or a double's error could build up tick after tick.
    """

    impl = Numeric(18, MONEY_PLACES)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect):
        if dialect.name == "sqlite":
            # floats from the driver, made Decimal below (SQLAlchemy's own conversion warns)
            return dialect.type_descriptor(Numeric(18, MONEY_PLACES, asdecimal=False))
        return dialect.type_descriptor(Numeric(18, MONEY_PLACES))

    def process_bind_param(self, value, dialect: Dialect):
        return None if value is None else money(value)

    def process_result_value(self, value, dialect: Dialect) -> Decimal | None:
        return None if value is None else money(value)


metadata = MetaData()

# Tables whose ids are keyset cursors or executor keys say sqlite_autoincrement=True:
# SQLite then never hands a deleted row's id to a new one, as PostgreSQL never does.

# Ids are BigInteger on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
Id = BigInteger().with_variant(Integer, "sqlite")


def _id() -> Column:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, **kw) -> Column:
    return Column(name, Id, ForeignKey(target, ondelete="CASCADE"), **kw)


# Timestamps are floats (seconds since the epoch, UTC): portable across both
# databases, cheap to compare, and formatted once at the API edge.
meta = Table(
    "grid_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    _id(),
    Column("username", String(39), nullable=False, unique=True),
    Column("email", String(254)),
    Column("github_login", String(39)),
    Column("site_admin", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    _id(),
    _fk("user_id", "users.id", nullable=False, index=True),
    # sha256 of the key: keys are 256-bit random, so a fast hash is enough and
    # lets authentication be one indexed lookup.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float),
)

teams = Table(
    "teams",
    metadata,
    _id(),
    Column("name", String(64), nullable=False, unique=True),
    Column("balance", Money, nullable=False, default=Decimal(0)),
    Column("created_at", Float, nullable=False),
    # bytes the team may store (datastores + artifacts + sources, store/quotas.py); NULL: no
    # quota. Set by a site admin (admin set-quota, PATCH /teams/<team>).
    Column("storage_quota_bytes", BigInteger),
)

memberships = Table(
    "memberships",
    metadata,
    _fk("team_id", "teams.id", primary_key=True),
    _fk("user_id", "users.id", primary_key=True),
    Column("role", String(8), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_memberships_user", "user_id", "team_id"),
)

sessions = Table(
    "sessions",
    metadata,
    _id(),
    _fk("owner_id", "users.id", nullable=False),
    _fk("team_id", "teams.id", nullable=False),
    Column("name", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("url", String(2048)),
    Column("instance_type", String(64), nullable=False),
    Column("datastores", JSON, nullable=False, default=list),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("stopped_at", Float),
    Column("last_heartbeat", Float),
    Column("charged_until", Float),
    Column("cost", Money, nullable=False, default=Decimal(0)),
    # hash of the secret handed once to the session's own Jupyter server; it is the
    # only caller allowed to read the owner's GitHub token.
    Column("server_secret_hash", String(64), index=True),
    # what a visitor may do there, as the owner chose: "view" (browse) or "full" (run code
    # as the owner); the session's server enforces it, the Open dialog says it
    Column("visitors", String(8), nullable=False, default="full", server_default="full"),
    UniqueConstraint("owner_id", "name", name="uq_sessions_owner_name"),
    Index("ix_sessions_team", "team_id", "id"),
    Index("ix_sessions_owner", "owner_id", "id"),
    Index("ix_sessions_status", "status", "last_heartbeat"),
    sqlite_autoincrement=True,
)

runs = Table(
    "runs",
    metadata,
    _id(),
    _fk("owner_id", "users.id", nullable=False),
    _fk("team_id", "teams.id", nullable=False),
    Column("name", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("command", Text, nullable=False),
    Column("params", JSON, nullable=False),
    Column("strategy", String(16), nullable=False),
    Column("num_trials", Integer),
    Column("instance_type", String(64), nullable=False),
    Column("datastore_version_id", Id, ForeignKey("datastore_versions.id", ondelete="SET NULL")),
    Column("source_sha256", String(64)),
    # references as text ("alice:mnist@2", "alice:baseline"), kept for display even
    # after the datastore or the original run is deleted
    Column("datastore_ref", String(200)),
    Column("cloned_from", String(200)),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("cost", Money, nullable=False, default=Decimal(0)),
    # Experiment counts by status, kept in step with the experiments in the same
    # transaction so a run listing is one query with no join or GROUP BY.
    Column("n_pending", Integer, nullable=False, default=0),
    Column("n_running", Integer, nullable=False, default=0),
    Column("n_succeeded", Integer, nullable=False, default=0),
    Column("n_failed", Integer, nullable=False, default=0),
    Column("n_cancelled", Integer, nullable=False, default=0),
    UniqueConstraint("owner_id", "name", name="uq_runs_owner_name"),
    Index("ix_runs_team", "team_id", "id"),
    Index("ix_runs_owner", "owner_id", "id"),
    Index("ix_runs_team_status", "team_id", "status", "id"),
    sqlite_autoincrement=True,
)

experiments = Table(
    "experiments",
    metadata,
    _id(),
    _fk("run_id", "runs.id", nullable=False),
    Column("idx", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("command", Text, nullable=False),
    Column("params", JSON, nullable=False),
    Column("exit_code", Integer),
    Column("message", Text),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("charged_until", Float),
    Column("next_seq", BigInteger, nullable=False, default=0),
    # hash of the token the executor hands the experiment's launcher: it may report on
    # this one experiment only, and only while it runs (plus a grace period to upload)
    Column("token_hash", String(64), index=True),
    # bytes of log lines stored (a line's text + its row's overhead) and lines dropped past
    # the team server's --max-log-mb: the cap is checked in O(1) per POST (store/outputs.py)
    Column("log_bytes", BigInteger, nullable=False, default=0, server_default="0"),
    Column("log_dropped", BigInteger, nullable=False, default=0, server_default="0"),
    UniqueConstraint("run_id", "idx", name="uq_experiments_run_idx"),
    # accrual and the executor's recovery look experiments up by status
    Index("ix_experiments_status", "status"),
    # the executor keys on ids: SQLite must never hand a deleted experiment's id to a new one
    sqlite_autoincrement=True,
)

log_lines = Table(
    "log_lines",
    metadata,
    _fk("experiment_id", "experiments.id", primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts", Float, nullable=False),
    Column("stream", String(8), nullable=False),
    Column("line", Text, nullable=False),
)

# An experiment's metrics: one row per series (its name, and the summary a listing shows,
# kept current by each append), its points packed in chunks (teamserver/metric_series.py):
# a series of n points is about n / 2048 rows, however many requests brought them.
metric_series = Table(
    "metric_series",
    metadata,
    _id(),
    _fk("experiment_id", "experiments.id", nullable=False),
    Column("name", String(200), nullable=False),
    Column("n_points", BigInteger, nullable=False),
    Column("last_step", BigInteger, nullable=False),
    Column("last_value", Float),  # null: not a number (SQLite keeps no NaN)
    Column("last_ts", Float, nullable=False),
    # lowest and highest finite value (null: none yet)
    Column("min_value", Float),
    Column("max_value", Float),
    UniqueConstraint("experiment_id", "name", name="uq_metric_series_experiment_name"),
)

metric_chunks = Table(
    "metric_chunks",
    metadata,
    _fk("series_id", "metric_series.id", primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("points", LargeBinary, nullable=False),
)

artifacts = Table(
    "artifacts",
    metadata,
    _id(),
    _fk("experiment_id", "experiments.id", nullable=False),
    Column("path", String(1024), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("experiment_id", "path", name="uq_artifacts_path"),
    sqlite_autoincrement=True,
)

# Who uploaded which run source (PUT /sources). A run may name only a source its creator
# uploaded, or one a run in the creator's teams already uses (a clone): a hash alone is no
# key to another team's bytes.
sources = Table(
    "sources",
    metadata,
    _fk("user_id", "users.id", primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
    # the team whose storage quota the upload counts against (PUT /sources?team=); NULL when
    # a member of several teams did not say: it then counts in each of their teams
    Column("team_id", Id, ForeignKey("teams.id", ondelete="CASCADE")),
    Index("ix_sources_sha256", "sha256"),
    Index("ix_sources_team", "team_id"),
)

datastores = Table(
    "datastores",
    metadata,
    _id(),
    _fk("owner_id", "users.id", nullable=False),
    _fk("team_id", "teams.id", nullable=False),
    Column("name", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("owner_id", "name", name="uq_datastores_owner_name"),
)

datastore_versions = Table(
    "datastore_versions",
    metadata,
    _id(),
    _fk("datastore_id", "datastores.id", nullable=False),
    # denormalised from the datastore so a team-wide listing is one indexed scan
    Column("team_id", Id, nullable=False),
    Column("owner_id", Id, nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("file_count", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("datastore_id", "version", name="uq_datastore_version"),
    Index("ix_dsv_team", "team_id", "id"),
    Index("ix_dsv_owner", "owner_id", "id"),
    sqlite_autoincrement=True,
)

datastore_files = Table(
    "datastore_files",
    metadata,
    _fk("version_id", "datastore_versions.id", primary_key=True),
    Column("path", String(1024), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
)

# A staged upload: files arrive one by one into staging and become a datastore
# version only at commit. Until then nothing is listed.
uploads = Table(
    "uploads",
    metadata,
    _id(),
    _fk("owner_id", "users.id", nullable=False),
    _fk("team_id", "teams.id", nullable=False),
    Column("name", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    sqlite_autoincrement=True,
)

upload_files = Table(
    "upload_files",
    metadata,
    _fk("upload_id", "uploads.id", primary_key=True),
    Column("path", String(1024), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
)

# Opening a teammate's session: a single-use ticket (seconds), then a visit (hours) that
# lets the owner's server act for the visitor.
session_tickets = Table(
    "session_tickets",
    metadata,
    Column("ticket_hash", String(64), primary_key=True),
    _fk("session_id", "sessions.id", nullable=False),
    _fk("visitor_id", "users.id", nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
)

visits = Table(
    "visits",
    metadata,
    _fk("session_id", "sessions.id", primary_key=True),
    _fk("visitor_id", "users.id", primary_key=True),
    Column("started_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

credentials = Table(
    "credentials",
    metadata,
    _fk("user_id", "users.id", primary_key=True),
    Column("provider", String(16), primary_key=True),
    Column("login", String(64)),
    # encrypted with the server's secret key (Fernet); never returned by the API
    # except through the session-server endpoint.
    Column("secret", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

ledger = Table(
    "ledger",
    metadata,
    _id(),
    _fk("team_id", "teams.id", nullable=False),
    Column("user_id", Id),
    Column("kind", String(16), nullable=False),
    Column("resource", String(200)),
    Column("amount", Money, nullable=False),
    Column("note", Text),
    Column("created_at", Float, nullable=False),
    Index("ix_ledger_team", "team_id", "id"),
    sqlite_autoincrement=True,
)

audit = Table(
    "audit",
    metadata,
    _id(),
    Column("ts", Float, nullable=False),
    # a username, or "bob via session alice:<session name>" (39 + 15 + 39 + 1 + 64)
    Column("actor", String(200)),
    Column("action", String(32), nullable=False),
    Column("resource", String(300)),
    Column("team_id", Id),
    Column("outcome", String(8), nullable=False),
    Column("detail", Text),
    Index("ix_audit_team", "team_id", "id"),
    sqlite_autoincrement=True,
)


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    """Create the database, or upgrade it to the newest schema (``migrations.prepare``)."""
    from .migrations import prepare

    prepare(engine, upgrade=True)
