"""Alembic's environment for the team server: always run by ``migrations.prepare`` on a
connection it has already locked (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite),
inside that connection's transaction, so the revisions and the version stamp commit together.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run the team server's migrations with 'grid-collab-server upgrade-db', not alembic"
    )
# batch mode: SQLite can only change a column's type by copying its table
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
