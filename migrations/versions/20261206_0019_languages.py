"""Languages: each staff member's own language (pages and emails), and the language a report was
made in (the reporter's emails go in it)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))
    with op.batch_alter_table("cases", recreate="never") as batch:
        batch.add_column(sa.Column("reporter_language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch:
        batch.drop_column("reporter_language")
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.drop_column("language")
