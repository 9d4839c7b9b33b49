"""Triage, links between cases, legal hold

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 12:00:00

A handler may move a case to another queue at triage: `cases.chosen_queue` keeps that choice
for when routing runs again. A legal hold (`cases.legal_hold_since`) keeps retention from
destroying a case. `case_links` joins two cases: `related`, or `duplicate` (the first was
merged into the second).

Both new columns are nullable and added in place: on SQLite, copying the `cases` table would
cascade-delete every case's keys, events and clocks (see 0004).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("legal_hold_since", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("chosen_queue", sa.String(length=32), nullable=True))
    op.create_table(
        "case_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("other_case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('related', 'duplicate')", name=op.f("ck_case_links_kind")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_case_links_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_case_id"], ["cases.id"],
                                name=op.f("fk_case_links_other_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_case_links_created_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_links")),
        sa.UniqueConstraint("case_id", "other_case_id", name=op.f("uq_case_links_case_id")),
    )
    with op.batch_alter_table("case_links") as batch_op:
        batch_op.create_index(batch_op.f("ix_case_links_other_case_id"), ["other_case_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_links") as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_links_other_case_id"))
    op.drop_table("case_links")
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.drop_column("chosen_queue")
        batch_op.drop_column("legal_hold_since")
