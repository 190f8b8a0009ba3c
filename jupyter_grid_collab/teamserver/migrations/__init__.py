"""Bring the team server's database to the schema this code needs (Alembic revisions here).

``prepare`` runs at every start (and ``grid-collab-server upgrade-db`` calls it): it creates
a new database, upgrades an older one (or, when told not to, refuses with the command to
run, as JupyterHub does), adopts one made before the migrations (a ``schema_version`` 1-3
stamp in grid_meta) and refuses, changing nothing, one whose revision it does not know.
The revisions' scripts are found beside this file, never from the working folder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (with mako) is imported only when a database is not at HEAD already: at a usual
# start it is, and importing it cost the server ~80 ms and ~11 MiB it then never used.

log = logging.getLogger("grid_collab.teamserver.migrations")

HERE = Path(__file__).resolve().parent
#: the newest revision in versions/ (tests/test_migrations.py holds it to Alembic's head)
HEAD = "0003_metrics"
# the last stamp the hand-written upgrades knew; the baseline revision adopts 1 to 3
LAST_LEGACY_VERSION = 3
# pg_advisory_xact_lock key shared by every team server on one PostgreSQL database: two
# starting at once upgrade one after the other, the second finding nothing left to do
PG_LOCK_KEY = 0x67726964  # "grid"

UPGRADE_HINT = (
    "back it up, then run 'grid-collab-server upgrade-db' with the same --data-dir or --db "
    "(or start the server without --no-upgrade-db, which upgrades it at start)"
)


class SchemaError(RuntimeError):
    """The database's schema is not one this team server can use as it stands."""


class DatabaseBehind(SchemaError):
    """Older than this code, and upgrading was not allowed."""


class DatabaseTooNew(SchemaError):
    """Written by a newer team server (or something else): left untouched."""


@dataclass
class Status:
    """Where a database stands against this code's revisions."""

    current: str | None  # the Alembic revision, None before the migrations
    head: str
    legacy: int | None  # the hand-written version stamp of a pre-migration database
    empty: bool  # no table at all: a new database

    @property
    def describe(self) -> str:
        if self.current is not None:
            return f"revision {self.current}"
        if self.legacy is not None:
            return f"version {self.legacy} (from before the migrations)"
        return "an empty database"


def alembic_config() -> Config:
    """The migrations' configuration, located from this package, not the working folder."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def status(conn: Connection) -> Status:
    """The database's revision against this code's, refusing what it cannot recognise."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    current = MigrationContext.configure(conn).get_current_revision()
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            raise DatabaseTooNew(
                f"the database's schema is at revision {current!r}, which this team server "
                f"does not know (its newest is {head!r}): a newer jupyter_grid_collab wrote "
                "it. Upgrade jupyter_grid_collab here too; the database was not changed."
            ) from None
        return Status(current, head, None, empty=False)
    tables = set(inspect(conn).get_table_names())
    legacy = None
    if "grid_meta" in tables:
        value = conn.execute(
            text("SELECT value FROM grid_meta WHERE key = 'schema_version'")
        ).scalar()
        legacy = None if value is None else int(value)
    if legacy is not None and legacy > LAST_LEGACY_VERSION:
        raise DatabaseTooNew(
            f"the database has schema version {legacy} but no migration record: this team "
            "server cannot tell what it holds. Was it copied without its alembic_version "
            "table? The database was not changed."
        )
    if legacy is None and tables:
        raise DatabaseTooNew(
            "the database has tables but no team server schema stamp: it is not a team "
            "server's database (point --db at an empty one). The database was not changed."
        )
    return Status(None, head, legacy, empty=not tables)


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction no other team server can upgrade alongside, committed
    when the block ends well: every revision and its stamp land together or not at all."""
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
            yield conn
            conn.commit()
            return
        # SQLite: the driver neither begins a transaction before DDL nor lets PRAGMA
        # foreign_keys change inside one, so we say BEGIN ourselves, after turning foreign
        # keys off (copying a table in batch mode drops the old one, and with them on, that
        # would delete every row referring to it). IMMEDIATE takes the write lock at once.
        raw = conn.connection.driver_connection
        saved = raw.isolation_level
        raw.isolation_level = None
        try:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise SchemaError(
                        f"the upgrade would leave {len(broken)} row(s) pointing at nothing "
                        f"(first: table {broken[0][0]}); nothing was changed"
                    )
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
            raw.isolation_level = saved


def _at_head(engine: Engine) -> bool:
    """The database's Alembic stamp is HEAD: one plain read, no Alembic. Anything else (no
    stamp table, another revision, an unreadable database) is for ``status`` to judge."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).all() == [(HEAD,)]
    except DBAPIError:
        return False


def prepare(engine: Engine, upgrade: bool = True) -> str | None:
    """Make the database's schema this code's; returns what was done (None: nothing).

    A new, empty database is always created. An older one is upgraded when ``upgrade`` is
    true, else DatabaseBehind says which command to run. DatabaseTooNew: left as it is.
    """
    if _at_head(engine):
        return None
    from alembic import command

    with _locked(engine) as conn:
        state = status(conn)
        if state.current == state.head:
            return None
        if not state.empty and not upgrade:
            raise DatabaseBehind(
                f"the database's schema is {state.describe}, older than this team server's "
                f"(revision {state.head}): {UPGRADE_HINT}"
            )
        if state.empty:
            done = f"created the database's schema (revision {state.head})"
        else:
            done = f"upgraded the database's schema from {state.describe} to {state.head}"
            log.warning("upgrading the database's schema from %s to %s", state.describe, state.head)
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("%s", done)
    return done
