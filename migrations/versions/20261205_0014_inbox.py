"""The staff inbox: items that need a person's attention, and how each hears of them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 23:00:00

`inbox_items` holds one row per thing for one staff member to look at (a kind, a case or
none, a time, and when they read it): no case content. `inbox_settings` holds each person's
choice of email (immediate, a daily digest, or none; no row means the daily digest). No
existing table is altered.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_inbox_items_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_inbox_items_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_inbox_items_dedupe_key")),
    )
    with op.batch_alter_table("inbox_items") as batch_op:
        batch_op.create_index("ix_inbox_items_user_read", ["user_id", "read_at", "at"],
                              unique=False)
        batch_op.create_index("ix_inbox_items_user_case", ["user_id", "case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbox_items_case_id"), ["case_id"], unique=False)
    op.create_table(
        "inbox_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=16), nullable=False),
        sa.Column("digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_inbox_settings_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_inbox_settings")),
    )


def downgrade() -> None:
    op.drop_table("inbox_settings")
    with op.batch_alter_table("inbox_items") as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_items_case_id"))
        batch_op.drop_index("ix_inbox_items_user_case")
        batch_op.drop_index("ix_inbox_items_user_read")
    op.drop_table("inbox_items")
