"""Metrics as records: a series per experiment and metric name, its points in packed chunks.

Revision ID: 0003_metrics
Revises: 0002_money_numeric
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_metrics"
down_revision = "0002_money_numeric"
branch_labels = None
depends_on = None

# Ids are BigInteger on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "metric_series",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "experiment_id",
            ID,
            sa.ForeignKey("experiments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("n_points", sa.BigInteger, nullable=False),
        sa.Column("last_step", sa.BigInteger, nullable=False),
        sa.Column("last_value", sa.Float),
        sa.Column("last_ts", sa.Float, nullable=False),
        sa.Column("min_value", sa.Float),
        sa.Column("max_value", sa.Float),
        sa.UniqueConstraint("experiment_id", "name", name="uq_metric_series_experiment_name"),
    )
    op.create_table(
        "metric_chunks",
        sa.Column(
            "series_id",
            ID,
            sa.ForeignKey("metric_series.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("points", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("metric_chunks")
    op.drop_table("metric_series")
