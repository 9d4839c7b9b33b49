"""A record key on every case, for the cell key method of the statistics

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:00:00

Each case gets a random whole number below 2**31 (casework.stats.cellkey): a published count is
perturbed by an amount keyed by the sum of its cases' record keys, under a secret derived from
the keyring, so the same cases always give the same published number. The application sets it
when a report is lodged; this backfill gives one to every case already there, drawn by the
database (the keys need not be unpredictable: without the keyring's secret they tell nothing).

The column stays nullable: on SQLite, making it NOT NULL would copy the `cases` table, and
dropping the old one deletes every case's keys, events and clocks by cascade (see 0004).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

LIMIT = 2**31
RANDOM = {
    "postgresql": f"CAST(floor(random() * {LIMIT}) AS INTEGER)",
    "sqlite": f"abs(random() % {LIMIT})",
}


def upgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("stats_key", sa.Integer(), nullable=True))
    random = RANDOM[op.get_bind().dialect.name]
    op.execute(f"UPDATE cases SET stats_key = {random} "  # noqa: S608 (constants, no input)
               "WHERE stats_key IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.drop_column("stats_key")
