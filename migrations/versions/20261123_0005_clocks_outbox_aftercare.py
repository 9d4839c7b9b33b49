"""Paused clocks, the notification outbox, aftercare check-ins, linked cases

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 01:00:00

A clock can be paused (`case_clocks.paused_on`). Emails go through an outbox table so that a
failed send is retried and a reminder is never made twice (`notifications.dedupe_key` is
unique). After a case closes the reporter is asked at intervals whether they have suffered
detriment (`checkins`); a "yes" opens a case that `follows_case_id` the first. A reporter who
asked to be told of updates by email is marked with `cases.notify_reporter`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_clocks") as batch_op:
        batch_op.add_column(sa.Column("paused_on", sa.Date(), nullable=True))
    op.add_column("cases", sa.Column("notify_reporter", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    # No foreign key: SQLite can add one in place only as a column clause, which it does not
    # report back by name. Cases are never deleted (retention erases their keys), so a plain
    # indexed id loses nothing.
    op.add_column("cases", sa.Column("follows_case_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_cases_follows_case_id"), "cases", ["follows_case_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_notifications_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index("ix_notifications_pending", "notifications", ["status", "next_attempt_at"],
                    unique=False)
    op.create_index(op.f("ix_notifications_case_id"), "notifications", ["case_id"], unique=False)
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detriment", sa.Boolean(), nullable=True),
        sa.Column("follow_up_case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_checkins_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["follow_up_case_id"], ["cases.id"],
                                name=op.f("fk_checkins_follow_up_case_id_cases"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("case_id", "due_on", name=op.f("uq_checkins_case_id")),
    )
    op.create_index(op.f("ix_checkins_due_on"), "checkins", ["due_on"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_checkins_due_on"), table_name="checkins")
    op.drop_table("checkins")
    op.drop_index(op.f("ix_notifications_case_id"), table_name="notifications")
    op.drop_index("ix_notifications_pending", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_cases_follows_case_id"), table_name="cases")
    # recreate="never": see 0004 (copying `cases` would cascade-delete its dependants).
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.drop_column("follows_case_id")
        batch_op.drop_column("notify_reporter")
    with op.batch_alter_table("case_clocks") as batch_op:
        batch_op.drop_column("paused_on")
