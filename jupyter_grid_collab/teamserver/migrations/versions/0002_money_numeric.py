"""Money as NUMERIC(18, 6): team balances, session and run costs, ledger amounts.

Floats drifted: a ledger row every 30 s per running resource, each a float, and the balance
a float sum of them. Existing values are rounded to 6 places (a float's error sits far below
that). On SQLite a column's type changes only by copying its table (batch mode); with
foreign keys off while it runs (``prepare`` does that), or dropping ``teams`` would cascade.

Revision ID: 0002_money_numeric
Revises: 0001_baseline_v3
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_money_numeric"
down_revision = "0001_baseline_v3"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 6)
# table -> (its money column, whether its ids are AUTOINCREMENT on SQLite)
COLUMNS = {
    "teams": ("balance", False),
    "sessions": ("cost", True),
    "runs": ("cost", True),
    "ledger": ("amount", True),
}


def _retype(table: str, column: str, autoincrement: bool, old, new, using: str) -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # SQLite's copy must keep AUTOINCREMENT and its high-water mark: an id once given (even
    # to a deleted row) must never come back, keyset cursors and the executor rely on it
    seq = None
    if sqlite and autoincrement:
        seq = bind.execute(
            sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}
        ).scalar()
    with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": autoincrement}) as b:
        b.alter_column(
            column,
            existing_type=old,
            type_=new,
            existing_nullable=False,
            postgresql_using=using,
        )
    if sqlite:
        op.execute(f"UPDATE {table} SET {column} = ROUND({column}, 6)")
        if seq is not None:
            # the copy's counter starts from its largest id; put the old one back
            op.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t").bindparams(t=table))
            op.execute(
                sa.text(
                    f"INSERT INTO sqlite_sequence (name, seq) "
                    f"SELECT :t, max(:s, coalesce(max(id), 0)) FROM {table}"
                ).bindparams(t=table, s=seq)
            )


def upgrade() -> None:
    for table, (column, autoincrement) in COLUMNS.items():
        _retype(table, column, autoincrement, sa.Float(), MONEY, f"round({column}::numeric, 6)")


def downgrade() -> None:
    for table, (column, autoincrement) in COLUMNS.items():
        _retype(table, column, autoincrement, MONEY, sa.Float(), f"{column}::double precision")
