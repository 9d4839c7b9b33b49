"""Separation of duties: invitations to enrol, and grants of access waiting for approval

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00

Accounts made by administrators get a one-time invitation (its SHA-256 digest only) instead of
a password and second-factor secret chosen for them. A new grant of case access is an
`access_grants` row until the queue's owner or a second administrator approves it; only then
are the `user_roles` / `queue_memberships` rows written. Existing accounts keep their roles
and queues. `users` is not altered (on SQLite a batch copy of it would cascade-delete every
role, membership, token and session hanging off it): an invited account's `password_hash` is
the empty string until it enrols.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_invitations_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_invitations_created_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("digest", name=op.f("uq_invitations_digest")),
    )
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_user_id"), ["user_id"], unique=False)
    op.create_table(
        "access_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(queue IS NULL) <> (role IS NULL)",
                           name=op.f("ck_access_grants_queue_or_role")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_access_grants_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"],
                                name=op.f("fk_access_grants_requested_by_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"],
                                name=op.f("fk_access_grants_decided_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
    )
    with op.batch_alter_table("access_grants") as batch_op:
        batch_op.create_index(batch_op.f("ix_access_grants_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_access_grants_state", ["state", "queue"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("access_grants") as batch_op:
        batch_op.drop_index("ix_access_grants_state")
        batch_op.drop_index(batch_op.f("ix_access_grants_user_id"))
    op.drop_table("access_grants")
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_user_id"))
    op.drop_table("invitations")
