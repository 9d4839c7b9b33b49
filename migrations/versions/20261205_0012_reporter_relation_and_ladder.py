"""The reporter's relation to what happened, and the ladder they chose

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-05 20:00:00

`cases.relation`: how the reporter knows (affected: it happened to them; saw; told). Cases
lodged before it keep NULL, with `cases.witness` saying only whether it was someone else.
`cases.raise_with`: the level of the pack the reporter asked to raise it with (officers' code
5.3). `cases.reporter_says`: what the reporter said that routing looks at (pack statements:
their line manager is involved, it is condoned in their Directorate, local channels tried).

All nullable and added in place: on SQLite, copying the `cases` table would cascade-delete
every case's keys, events and clocks (see 0004).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("relation", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("raise_with", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("reporter_says", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.drop_column("reporter_says")
        batch_op.drop_column("raise_with")
        batch_op.drop_column("relation")
