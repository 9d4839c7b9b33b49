"""Statistics: how a case's deadlines ended, kept on the case (0 none ended, 1 all met, 2 one
missed), so that "deadlines met" is counted in the same pass as everything else, with no join to
every case's clocks

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch:
        batch.add_column(sa.Column("deadlines_ended", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.execute(
        "UPDATE cases SET deadlines_ended = COALESCE((SELECT MAX(CASE case_clocks.status "
        "WHEN 'missed' THEN 2 WHEN 'met' THEN 1 ELSE 0 END) FROM case_clocks "
        "WHERE case_clocks.case_id = cases.id), 0)")


def downgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch:
        batch.drop_column("deadlines_ended")
