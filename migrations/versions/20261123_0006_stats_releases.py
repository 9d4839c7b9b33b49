"""Stored statistics releases

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 02:10:00

Every published statistics table is kept (protected rows only), so that a finished period
asked for again gives the same numbers and later releases can be checked against it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("dimensions", sa.String(length=200), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["published_by"], ["users.id"],
                                name=op.f("fk_stats_releases_published_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_releases")),
        sa.UniqueConstraint("period", "dimensions", "profile",
                            name=op.f("uq_stats_releases_period")),
    )


def downgrade() -> None:
    op.drop_table("stats_releases")
