"""Staff single sign-on: the provider identity (issuer and subject) each account is linked to

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 23:00:00

An account is linked at its first sign-in through the provider (by its verified email) and
found by this identity afterwards; one identity per account and one account per identity.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_identities",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("issuer", "subject", name="uq_oidc_identity"),
    )


def downgrade() -> None:
    op.drop_table("oidc_identities")
