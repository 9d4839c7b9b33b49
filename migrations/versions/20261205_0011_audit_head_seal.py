"""The audit chain head carries a seal

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05 20:00:00

`audit_head.seal` is an HMAC of the head's sequence number and hash under a key derived from
the outer key (which is outside the database), so someone who can write to the database but
lacks the key cannot rewind the head after deleting the newest events. Heads written before
this revision have no seal: `casework audit seal` seals one once its chain verifies.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("seal", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch_op:
        batch_op.drop_column("seal")
