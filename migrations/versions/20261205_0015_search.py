"""Search: the keyed word index of case text, saved filters, and a case's title

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 23:00:00

`case_words` holds one row per (case, token): a token is a keyed hash of a normalised word of
the case's own text (casework.services.search), under a key derived from the keyring outside
the database. The migration cannot compute tokens (it has no keys): after upgrading, run
`casework search rebuild` once to index the cases already there.

`saved_filters` keeps a staff member's named case-list queries. `cases.title_ct` is the
handler's short title, sealed; nullable, added without copying the table (see 0013).
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_words",
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_case_words_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", "case_id", name=op.f("pk_case_words")),
    )
    op.create_index("ix_case_words_case", "case_words", ["case_id"])
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_saved_filters_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_filters_user_id")),
    )
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("title_ct", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.drop_column("title_ct")
    op.drop_table("saved_filters")
    op.drop_index("ix_case_words_case", table_name="case_words")
    op.drop_table("case_words")
